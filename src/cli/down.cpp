// `sandbox down NAME`: stop a running (detached or not) sandbox and make sure nothing of it is
// left. A live launcher gets SIGTERM (it forwards it, waits stop_grace, kills the cgroup and
// unwinds its own rollback); a dead one's state.json rollback is replayed here.
#include <signal.h>

#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "common/exit_codes.hpp"
#include "exec/host_probe.hpp"
#include "exec/state.hpp"
#include "profile/names.hpp"
#include "sys/process.hpp"

namespace sandbox::cli {

namespace {

constexpr int k_wait_ms = 30000;  // the launcher's stop_grace defaults to 10 s

int run_down(const std::string& name) {
    if (!profile::names::is_sandbox_name(name)) {
        std::fprintf(stderr, "sandbox: down: '%s' is not a sandbox name\n", name.c_str());
        return k_exit_setup_failed;
    }
    std::string root = exec::probe_state_root();
    if (root.empty()) {
        std::fprintf(stderr, "sandbox: down: no state root\n  hint: %s\n",
                     exec::k_no_state_root_hint);
        return k_exit_setup_failed;
    }
    // A state tree someone else controls is never replayed (docs/security.md, "Trust model").
    if (auto trusted = exec::open_trusted_dir(root); !trusted) {
        if (trusted.error().err() == ENOENT) {
            std::fprintf(stderr, "sandbox: down: no sandbox named '%s'\n", name.c_str());
        } else {
            std::fprintf(stderr, "sandbox: down: %s\n", trusted.error().describe().c_str());
        }
        return k_exit_setup_failed;
    }
    const plan::StateLocation where{root, name};
    auto state = exec::read_state(where);
    if (!state) {
        if (state.error().err() == ENOENT) {
            std::fprintf(stderr, "sandbox: down: no sandbox named '%s'\n", name.c_str());
        } else {
            std::fprintf(stderr, "sandbox: down: %s\n", state.error().describe().c_str());
        }
        return k_exit_setup_failed;
    }
    if (exec::is_state_locked(where) && state->launcher_pid > 0) {
        auto pidfd = sys::open_pidfd(state->launcher_pid);
        if (pidfd) {
            sys::pidfd_signal(pidfd->get(), SIGTERM);
            auto ended = sys::wait_pidfd_readable(pidfd->get(), k_wait_ms);
            if (ended && !*ended) {
                std::fprintf(stderr,
                             "sandbox: down: launcher %d did not stop in %d s: killing it\n",
                             state->launcher_pid, k_wait_ms / 1000);
                sys::pidfd_signal(pidfd->get(), SIGKILL);
                (void)sys::wait_pidfd_readable(pidfd->get(), 5000);
            }
        }
    }
    // The launcher normally removed everything itself; if it did not (killed), replay, under
    // the root's lock and the sandbox's own, as `up` does.
    bool running = false;
    auto failures = exec::clean_stale_sandbox(where, running);
    for (const auto& f : failures) {
        std::fprintf(stderr, "sandbox: down: undo %s '%s': %s\n",
                     std::string(exec::to_string(f.entry.kind)).c_str(), f.entry.target.c_str(),
                     f.message.c_str());
    }
    if (!failures.empty()) {
        return k_exit_setup_failed;
    }
    if (running) {
        std::fprintf(stderr, "sandbox: down: '%s' is still running (its launcher holds it)\n",
                     name.c_str());
        return k_exit_setup_failed;
    }
    return k_exit_ok;
}

}  // namespace

void register_down(CLI::App& app, Action& run) {
    auto name = std::make_shared<std::string>();
    CLI::App* cmd = app.add_subcommand("down", "Stop a sandbox and remove what it created");
    cmd->add_option("name", *name, "Sandbox name")->required();
    cmd->callback([&run, name] { run = [name] { return run_down(*name); }; });
}

}  // namespace sandbox::cli
