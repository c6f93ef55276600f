// `sandbox exec NAME -- CMD ARG...`: run a command inside a running sandbox. Joins its cgroup
// (writing "0" for ourselves, cheap even on v1), then all of its namespaces at once with
// setns(pidfd, flags) (Linux 5.8), which also puts us at the root of its mount namespace: no
// chroot needed, just chdir("/"). The pid namespace applies to children, so the command runs
// in a forked child; this process waits and passes its status on.
#include <sched.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <sstream>

#include "cli/commands.hpp"
#include "common/exit_codes.hpp"
#include "exec/host_probe.hpp"
#include "exec/state.hpp"
#include "sys/fs.hpp"
#include "sys/namespaces.hpp"
#include "sys/process.hpp"

namespace sandbox::cli {

namespace {

struct ExecCliOptions {
    std::string name;
    std::vector<std::string> command;
};

bool same_namespace(pid_t pid, const char* type) {
    struct stat mine {
    }, theirs{};
    std::string own = std::string("/proc/self/ns/") + type;
    std::string other = "/proc/" + std::to_string(pid) + "/ns/" + type;
    if (stat(own.c_str(), &mine) != 0 || stat(other.c_str(), &theirs) != 0) {
        return true;
    }
    return mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev;
}

int fail(const std::string& message) {
    std::fprintf(stderr, "sandbox: exec: %s\n", message.c_str());
    return k_exit_setup_failed;
}

int run_exec(const ExecCliOptions& options) {
    if (options.command.empty()) {
        return fail("no command given (sandbox exec NAME -- CMD ARG...)");
    }
    std::string dir = exec::probe_host().state_root + "/" + options.name;
    auto state = exec::read_state(dir);
    if (!state) {
        return fail("no sandbox named '" + options.name + "'");
    }
    if (!exec::is_state_locked(dir) || state->child_pid <= 0 ||
        exec::process_start_time(state->child_pid) != state->child_start_time) {
        return fail("sandbox '" + options.name + "' is not running");
    }
    auto pidfd = sys::open_pidfd(state->child_pid);
    if (!pidfd) {
        return fail(pidfd.error().describe());
    }
    for (const std::string& cg : state->cgroup_dirs) {
        if (auto st = sys::write_file(cg + "/cgroup.procs", "0"); !st) {
            return fail(st.error().describe());
        }
    }
    int flags = 0;
    for (const char* type : {"user", "mnt", "uts", "ipc", "net", "pid", "cgroup", "time"}) {
        if (!same_namespace(state->child_pid, type)) {
            flags |= sys::ns_flag(type);
        }
    }
    if (flags != 0) {
        if (auto st = sys::enter_namespaces_of(pidfd->get(), flags, options.name); !st) {
            return fail(st.error().describe());
        }
    }
    if (chdir("/") != 0) {
        return fail(std::string("chdir /: ") + std::strerror(errno));
    }
    std::vector<std::string> env = state->env;
    auto child = sys::fork_process([&]() -> int {
        std::vector<char*> argv;
        for (const std::string& a : options.command) {
            argv.push_back(const_cast<char*>(a.c_str()));
        }
        argv.push_back(nullptr);
        std::vector<char*> envp;
        std::string path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        for (std::string& e : env) {
            if (e.rfind("PATH=", 0) == 0) {
                path = e.substr(5);
            }
            envp.push_back(e.data());
        }
        envp.push_back(nullptr);
        const std::string& program = options.command.front();
        int err = ENOENT;
        if (program.find('/') != std::string::npos) {
            execve(program.c_str(), argv.data(), envp.data());
            err = errno;
        } else {
            std::istringstream dirs(path);
            std::string d;
            while (std::getline(dirs, d, ':')) {
                execve((d + "/" + program).c_str(), argv.data(), envp.data());
                if (errno != ENOENT && errno != ENOTDIR) {
                    err = errno;
                    break;
                }
            }
        }
        std::fprintf(stderr, "sandbox: cannot execute '%s': %s (%s)\n", program.c_str(),
                     std::strerror(err), sys::errno_name(err).c_str());
        return err == ENOENT ? k_exit_not_found : k_exit_not_executable;
    });
    if (!child) {
        return fail(child.error().describe());
    }
    auto status = child->wait();
    if (!status) {
        return fail(status.error().describe());
    }
    return status->shell_code();
}

}  // namespace

void register_exec(CLI::App& app, Action& run, CommandTail& tail) {
    auto options = std::make_shared<ExecCliOptions>();
    CLI::App* cmd = app.add_subcommand("exec", "Run a command inside a running sandbox");
    cmd->add_option("name", options->name, "Sandbox name")->required();
    // The command comes after `--`, split off verbatim by main() (cli/commands.hpp).
    cmd->footer("-- CMD ARG...: the command, passed on byte for byte.");
    cmd->callback([&run, &tail, options] {
        options->command = tail.args;
        tail.used = true;
        run = [options] { return run_exec(*options); };
    });
}

}  // namespace sandbox::cli
