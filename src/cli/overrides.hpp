#pragma once
// The command-line overrides `up`, `explain` and `export` share: --set, --unset, -e, -v,
// --name, --timeout and the command after `--`. One definition, so explain shows exactly what
// up would run.
#include <CLI/CLI.hpp>

#include "cli/commands.hpp"
#include "profile/loader.hpp"

namespace sandbox::cli {

// Registers --set K=V, --unset KEY, -e/--env K=V, -v/--volume SRC:DST[:ro], --name N and
// --timeout D on `cmd`, filling `overrides`.
void add_override_options(CLI::App& cmd, profile::Overrides& overrides);

// Called from the subcommand's callback: the words after `--` become overrides.command.
void take_command_tail(CommandTail& tail, std::vector<std::string>& command);

// The profile as `explain` and `export` load it (with the overrides; seccomp.import's minKernel
// judged against this kernel). On errors, prints the diagnostics and returns nullopt.
std::optional<profile::LoadResult> load_or_report(const std::string& profile,
                                                  const profile::Overrides& overrides);

}  // namespace sandbox::cli
