// Scaffold: replaced by the issue that implements `sandbox export`.
#include <cstdio>

#include "cli/commands.hpp"
#include "common/exit_codes.hpp"

namespace sandbox::cli {

void register_export(CLI::App& app, Action& run) {
    CLI::App* cmd = app.add_subcommand("export", "(not yet implemented)");
    cmd->allow_extras();
    cmd->callback([&run] {
        run = [] {
            std::fputs("sandbox: error: 'export' is not implemented yet\n", stderr);
            return k_exit_setup_failed;
        };
    });
}

}  // namespace sandbox::cli
