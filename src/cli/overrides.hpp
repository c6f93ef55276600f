#pragma once
// The command-line overrides `up` and `explain` share (DESIGN §4): --set, -e, -v, --name and
// the command after `--`. One definition, so explain shows exactly what up would run.
#include <CLI/CLI.hpp>

#include "profile/loader.hpp"

namespace sandbox::cli {

// Registers --set K=V, -e/--env K=V, -v/--volume SRC:DST[:ro], --name N and the trailing
// command (after `--`) on `cmd`, filling `overrides`. (`up` adds its own --timeout.)
void add_override_options(CLI::App& cmd, profile::Overrides& overrides);

}  // namespace sandbox::cli
