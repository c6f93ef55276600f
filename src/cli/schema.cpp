// `sandbox schema`: prints the profile JSON Schema (or, with --markdown, the reference), both
// generated from the field table, so what it prints is what `validate` enforces.
#include "profile/schema.hpp"

#include <cstdio>

#include "cli/commands.hpp"

namespace sandbox::cli {

void register_schema(CLI::App& app, Action& run) {
    CLI::App* cmd = app.add_subcommand(
        "schema", "Print the profile JSON Schema (draft 2020-12) or the Markdown reference");
    auto markdown = std::make_shared<bool>(false);
    cmd->add_flag("--markdown", *markdown, "Print the profile reference in Markdown instead");
    cmd->callback([&run, markdown] {
        run = [markdown] {
            std::string text = *markdown ? profile::markdown_reference() : profile::json_schema();
            std::fwrite(text.data(), 1, text.size(), stdout);
            return std::fflush(stdout) == 0 ? 0 : 1;
        };
    });
}

}  // namespace sandbox::cli
