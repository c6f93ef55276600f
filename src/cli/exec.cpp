// `sandbox exec [-t|-T] [-e K=V]... NAME -- CMD ARG...`: run a command inside a running
// sandbox, confined exactly like its workload. The work is exec/enter.cpp; this file is the
// command line.
#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "common/exit_codes.hpp"
#include "exec/enter.hpp"
#include "exec/host_probe.hpp"

namespace sandbox::cli {

namespace {

struct ExecCliOptions {
    std::string name;
    std::vector<std::string> command;
    std::vector<std::string> env;
    bool force_tty = false;
    bool no_tty = false;
};

int run_exec(const ExecCliOptions& options) {
    if (options.command.empty()) {
        std::fprintf(stderr, "sandbox: exec: no command given (sandbox exec NAME -- CMD ARG...)\n");
        return k_exit_setup_failed;
    }
    for (const std::string& kv : options.env) {
        if (kv.find('=') == std::string::npos || kv.front() == '=') {
            std::fprintf(stderr, "sandbox: exec: -e %s: expected NAME=VALUE\n", kv.c_str());
            return k_exit_setup_failed;
        }
    }
    exec::EnterOptions enter;
    enter.name = options.name;
    enter.command = options.command;
    enter.env = options.env;
    enter.tty = options.force_tty ? exec::ExecTty::force
                : options.no_tty  ? exec::ExecTty::forbid
                                  : exec::ExecTty::auto_detect;
    return exec::enter_sandbox(enter, exec::probe_state_root());
}

}  // namespace

void register_exec(CLI::App& app, Action& run, CommandTail& tail) {
    auto options = std::make_shared<ExecCliOptions>();
    CLI::App* cmd = app.add_subcommand("exec", "Run a command inside a running sandbox");
    auto* tty = cmd->add_flag("-t,--tty", options->force_tty,
                              "Always give the command a new pty (default: when stdin is one)");
    auto* no_tty = cmd->add_flag("-T,--no-tty", options->no_tty, "Never give the command a pty");
    tty->excludes(no_tty);
    cmd->add_option("-e,--env", options->env,
                    "Set NAME=VALUE in the command's environment (over the workload's)")
        ->allow_extra_args(false);
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
