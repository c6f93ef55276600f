// Scaffold: replaced by the issue that implements `sandbox down`.
#include <cstdio>

#include "cli/commands.hpp"
#include "common/exit_codes.hpp"

namespace sandbox::cli {

void register_down(CLI::App& app, Action& run) {
    CLI::App* cmd = app.add_subcommand("down", "(not yet implemented)");
    cmd->allow_extras();
    cmd->callback([&run] {
        run = [] {
            std::fputs("sandbox: error: 'down' is not implemented yet\n", stderr);
            return k_exit_setup_failed;
        };
    });
}

}  // namespace sandbox::cli
