#pragma once
// The man pages and shell completions, generated from the same two definitions as everything
// else the user reads: the CLI11 command tree (options, subcommands, their help) and the
// profile field table (profile/fields.hpp). `sandbox schema --man 1|5` and
// `sandbox schema --completion bash|zsh|fish` print them; the committed copies under man/ and
// completions/ are checked against that output by a unit test, so they cannot drift.
#include <CLI/CLI.hpp>
#include <string>

namespace sandbox::cli {

std::string man_page_sandbox(const CLI::App& app);  // sandbox(1), troff
std::string man_page_profile();                     // sandbox-profile(5), troff
std::string completion_bash(const CLI::App& app);
std::string completion_zsh(const CLI::App& app);
std::string completion_fish(const CLI::App& app);

// Profile names (file stems) found on the default search path, one per line, sorted; the
// completions call `sandbox schema --list-profiles` for them.
std::string list_profiles();

}  // namespace sandbox::cli
