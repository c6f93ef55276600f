// Scaffold: replaced by the issue that implements `sandbox schema`.
#include <cstdio>

#include "cli/commands.hpp"
#include "common/exit_codes.hpp"

namespace sandbox::cli {

void register_schema(CLI::App& app, Action& run) {
    CLI::App* cmd = app.add_subcommand("schema", "(not yet implemented)");
    cmd->allow_extras();
    cmd->callback([&run] {
        run = [] {
            std::fputs("sandbox: error: 'schema' is not implemented yet\n", stderr);
            return k_exit_setup_failed;
        };
    });
}

}  // namespace sandbox::cli
