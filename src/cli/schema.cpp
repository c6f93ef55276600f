// `sandbox schema`: prints the profile JSON Schema (or, with --markdown, the reference), both
// generated from the field table, so what it prints is what `validate` enforces. Hidden
// options print the man pages and shell completions (cli/docgen.hpp) the build installs, and
// the profile names the completions offer.
#include "profile/schema.hpp"

#include <cstdio>

#include "cli/commands.hpp"
#include "cli/docgen.hpp"

namespace sandbox::cli {

void register_schema(CLI::App& app, Action& run) {
    CLI::App* cmd = app.add_subcommand(
        "schema", "Print the profile JSON Schema (draft 2020-12) or the Markdown reference");
    auto markdown = std::make_shared<bool>(false);
    auto man = std::make_shared<int>(0);
    auto completion = std::make_shared<std::string>();
    auto list = std::make_shared<bool>(false);
    cmd->add_flag("--markdown", *markdown, "Print the profile reference in Markdown instead");
    // Build-time generators, not for users: an empty group hides them from --help and the man
    // page they generate.
    cmd->add_option("--man", *man, "Print the man page of section 1 or 5")
        ->check(CLI::IsMember({1, 5}))
        ->group("");
    cmd->add_option("--completion", *completion, "Print the shell completion script")
        ->check(CLI::IsMember({"bash", "zsh", "fish"}))
        ->group("");
    cmd->add_flag("--list-profiles", *list, "Print the profile names on the search path")
        ->group("");
    const CLI::App* root = &app;
    cmd->callback([&run, root, markdown, man, completion, list] {
        run = [root, markdown, man, completion, list] {
            std::string text;
            if (*list) {
                text = list_profiles();
            } else if (*man == 1) {
                text = man_page_sandbox(*root);
            } else if (*man == 5) {
                text = man_page_profile();
            } else if (*completion == "bash") {
                text = completion_bash(*root);
            } else if (*completion == "zsh") {
                text = completion_zsh(*root);
            } else if (*completion == "fish") {
                text = completion_fish(*root);
            } else {
                text = *markdown ? profile::markdown_reference() : profile::json_schema();
            }
            std::fwrite(text.data(), 1, text.size(), stdout);
            return std::fflush(stdout) == 0 ? 0 : 1;
        };
    });
}

}  // namespace sandbox::cli
