// `sandbox up PROFILE [--name N] [-d] [-e K=V]... [-v SRC:DST[:ro]]... [--set K=V]...
//  [--unset KEY]... [--report FILE] [--timeout D] [-- CMD ARG...]`: step 1 (validate) here, then
// the launcher runs steps 2-18, supervises and cleans up. Exit status: the workload's own,
// 128+N, 124 timeout, 125 setup failure (bad profile included), 126/127.
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/overrides.hpp"
#include "common/exit_codes.hpp"
#include "exec/fault.hpp"
#include "exec/host/network.hpp"
#include "exec/host_probe.hpp"
#include "exec/launcher.hpp"
#include "exec/op_record.hpp"
#include "exec/seccomp_memo.hpp"
#include "exec/setup_error.hpp"
#include "plan/plan.hpp"
#include "plan/seccomp_plan.hpp"
#include "profile/loader.hpp"

namespace sandbox::cli {

namespace {

struct UpCliOptions {
    std::string profile;
    bool detach = false;
    std::string report;
    profile::Overrides overrides;
};

int print_plan_errors(const plan::Plan& plan) {
    for (const plan::PlanNote& note : plan.notes) {
        if (note.level == plan::PlanNote::Level::error) {
            std::fprintf(stderr, "sandbox: %s: %s\n",
                         std::string(plan::to_string(note.step)).c_str(), note.message.c_str());
        }
    }
    return k_exit_setup_failed;
}

// -d: fork a daemon that runs the launcher; wait only until it reports that the workload was
// exec'd (or why setup failed), print the name and return.
int run_detached(const plan::Plan& plan, const plan::HostFacts& facts,
                 exec::LaunchOptions launch_options) {
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        std::perror("sandbox: pipe");
        return k_exit_setup_failed;
    }
    std::fflush(nullptr);
    pid_t daemon = fork();
    if (daemon < 0) {
        std::perror("sandbox: fork");
        return k_exit_setup_failed;
    }
    if (daemon == 0) {
        close(pipe_fds[0]);
        setsid();
        int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
        if (null_fd >= 0) {
            dup2(null_fd, STDIN_FILENO);
            dup2(null_fd, STDOUT_FILENO);
            dup2(null_fd, STDERR_FILENO);
            close(null_fd);
        }
        // The daemon outlives the command that started it: it must not keep the invoker's
        // other fds open (a pipe of `$(sandbox up -d …)`, a flock(1) lock, a terminal).
        const auto notify = static_cast<unsigned>(pipe_fds[1]);
        if (notify > 3) {
            close_range(3, notify - 1, 0);
        }
        close_range(notify + 1, ~0U, 0);
        launch_options.detach_notify_fd = pipe_fds[1];
        _exit(exec::launch(plan, facts, launch_options));
    }
    close(pipe_fds[1]);
    std::string message;
    char buf[1024];
    for (;;) {
        ssize_t n = read(pipe_fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        message.append(buf, static_cast<size_t>(n));
    }
    close(pipe_fds[0]);
    if (message == "ok\n") {
        std::printf("%s\n", plan.state.sandbox_name.c_str());
        return k_exit_ok;
    }
    // Setup failed: the daemon has cleaned up and exits with the status to report.
    std::fputs(message.c_str(), stderr);
    int status = 0;
    while (waitpid(daemon, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
        return WEXITSTATUS(status) == 0 ? k_exit_setup_failed : WEXITSTATUS(status);
    }
    return k_exit_setup_failed;
}

// True when neither the profile (`name`), --name nor --set named the sandbox: resolve.cpp then
// gave it the file's stem, at the file with no line.
bool name_is_defaulted(const profile::LoadResult& loaded) {
    auto it = loaded.origins.find("name");
    return it == loaded.origins.end() ||
           (it->second.line == 0 && it->second.file_name() == loaded.path);
}

// A foreground run of a profile that names no sandbox gets STEM-xxxx, so a CI runner can start
// one shared profile several times at once; a suffix whose lock exists is skipped
// (two launchers that still pick the same one are told apart by the state lock: EBUSY).
std::string choose_unique_name(const std::string& stem, const std::string& state_root) {
    std::string name;
    for (int attempt = 0; attempt < 16; ++attempt) {
        uint32_t random = 0;
        if (getrandom(&random, sizeof random, 0) != static_cast<ssize_t>(sizeof random)) {
            random = static_cast<uint32_t>(getpid()) * 2654435761U + static_cast<uint32_t>(attempt);
        }
        name = plan::unique_sandbox_name(stem, random);
        struct stat st {};
        const plan::StateLocation where{state_root, name};
        if (state_root.empty() || lstat(where.entry(plan::state_entry::lock).c_str(), &st) != 0) {
            break;
        }
    }
    return name;
}

int run_up(UpCliOptions& options) {
    exec::LaunchOptions launch_options;
    launch_options.started = std::chrono::steady_clock::now();
    if (!options.report.empty()) {
        launch_options.report_path = options.report;
    }
    // Step 1, validate: read, resolve, decode, check, plan. Nothing is created before it passes.
    try {
        exec::maybe_inject_fault(plan::StepId::validate);
    } catch (const sys::SysError& e) {
        std::fprintf(stderr, "sandbox: %s\n", exec::SetupError(plan::StepId::validate, e).what());
        return k_exit_setup_failed;
    }
    profile::LoadOptions load_options;
    load_options.check_host_paths = true;  // a missing rootfs: file:line:col, nothing created
    load_options.kernel_release = exec::kernel_release();
    profile::LoadResult loaded =
        profile::load_profile(options.profile, options.overrides, load_options);
    if (!loaded.diagnostics.empty() || !loaded.profile) {
        std::string text = loaded.diagnostics.str();
        if (!text.empty() && text.back() != '\n') {
            text += '\n';
        }
        std::fputs(text.c_str(), stderr);
        return k_exit_setup_failed;
    }
    plan::PlanRequest request{.usage = !options.report.empty()};
    // The cheap facts first; the cgroup layout and the subordinate ids only if this plan reads
    // them (~0.1 ms each that a bwrap-like profile never needed).
    plan::HostFacts facts = exec::probe_host(plan::FactsNeeded{false, false});
    exec::probe_needed_facts(facts, plan::facts_needed(*loaded.profile, facts, request));
    const profile::Network& net = loaded.profile->network;
    if (net.mode == profile::NetworkMode::veth && net.dns.empty()) {
        exec::host::HostDns dns = exec::host::read_host_dns();
        facts.host_resolv_conf = dns.resolv_conf;
        if (!dns.note.empty()) {
            spdlog::warn("{}", dns.note);
        } else {
            spdlog::info("network: name servers from {}", dns.source);
        }
    }
    if (!options.detach && name_is_defaulted(loaded)) {
        loaded.profile->name = choose_unique_name(loaded.profile->name, facts.state_root);
        spdlog::info("sandbox name: {}", loaded.profile->name);
    }
    if (options.detach) {
        // The daemon's stdio is /dev/null and output.log: no terminal for tty = "auto".
        facts.stdin_is_tty = facts.stdout_is_tty = false;
    }
    // The seccomp step's plan from the memo an earlier `up` of the same [seccomp] section left
    // beside its cached filter, instead of merging the preset again (exec/seccomp_memo.hpp).
    // Not in test builds recording the executed operations: the record lists the rules.
    std::optional<exec::SeccompMemoHit> seccomp_memo;
    if (loaded.profile->seccomp.preset != profile::SeccompPreset::none &&
        !exec::op_recording_requested()) {
        seccomp_memo = exec::read_seccomp_memo(plan::seccomp_cache_dir(facts),
                                               plan::seccomp_inputs_key(loaded.profile->seccomp));
        if (seccomp_memo) {
            request.seccomp_memo = &seccomp_memo->memo;
            launch_options.seccomp_program = std::move(seccomp_memo->program);
        }
    }
    plan::Plan plan = plan::make_plan(*loaded.profile, facts, request);
    if (plan.has_errors()) {
        return print_plan_errors(plan);
    }
    if (plan.process.args.empty()) {
        std::fputs("sandbox: process.args: nothing to run (set process.args or give -- CMD)\n",
                   stderr);
        return k_exit_setup_failed;
    }
    launch_options.profile_path = loaded.path;
    launch_options.validate_ms = std::chrono::duration<double, std::milli>(
                                     std::chrono::steady_clock::now() - launch_options.started)
                                     .count();
    if (options.detach) {
        return run_detached(plan, facts, launch_options);
    }
    const int code = exec::launch(plan, facts, launch_options);
    // launch() has undone everything the run created and written the report; what is left is
    // this process's own memory: the profile, the plan, CLI11's tree, the logger. Freeing that
    // object graph node by node before exit costs ~0.07 ms of every run (bench/ab.py,
    // docs/performance.md); the kernel drops it whole. Only buffered output must not be lost.
    std::fflush(nullptr);
    _exit(code);
}

}  // namespace

void register_up(CLI::App& app, Action& run, CommandTail& tail) {
    auto options = std::make_shared<UpCliOptions>();
    CLI::App* cmd = app.add_subcommand("up", "Set up a sandbox from a profile and run it");
    cmd->add_option("profile", options->profile, "Profile file or name on the search path")
        ->required();
    cmd->add_flag("-d,--detach", options->detach,
                  "Run in the background; stop it with `sandbox down NAME`");
    cmd->add_option("--report", options->report, "Write a JSON run report to FILE");
    add_override_options(*cmd, options->overrides);
    cmd->callback([&run, &tail, options] {
        take_command_tail(tail, options->overrides.command);
        run = [options] { return run_up(*options); };
    });
}

}  // namespace sandbox::cli
