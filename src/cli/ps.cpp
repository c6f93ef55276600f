// Scaffold: replaced by the issue that implements `sandbox ps`.
#include <cstdio>

#include "cli/commands.hpp"
#include "common/exit_codes.hpp"

namespace sandbox::cli {

void register_ps(CLI::App& app, Action& run) {
    CLI::App* cmd = app.add_subcommand("ps", "(not yet implemented)");
    cmd->allow_extras();
    cmd->callback([&run] {
        run = [] {
            std::fputs("sandbox: error: 'ps' is not implemented yet\n", stderr);
            return k_exit_setup_failed;
        };
    });
}

}  // namespace sandbox::cli
