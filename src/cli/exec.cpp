// Scaffold: replaced by the issue that implements `sandbox exec`.
#include <cstdio>

#include "cli/commands.hpp"
#include "common/exit_codes.hpp"

namespace sandbox::cli {

void register_exec(CLI::App& app, Action& run) {
    CLI::App* cmd = app.add_subcommand("exec", "(not yet implemented)");
    cmd->allow_extras();
    cmd->callback([&run] {
        run = [] {
            std::fputs("sandbox: error: 'exec' is not implemented yet\n", stderr);
            return k_exit_setup_failed;
        };
    });
}

}  // namespace sandbox::cli
