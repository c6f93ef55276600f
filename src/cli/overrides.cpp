#include "cli/overrides.hpp"

namespace sandbox::cli {

void add_override_options(CLI::App& cmd, profile::Overrides& overrides) {
    cmd.add_option("--set", overrides.set, "Override a profile key: KEY=VALUE (repeatable)")
        ->allow_extra_args(false);
    cmd.add_option("-e,--env", overrides.env, "Set an environment variable: K=V (repeatable)")
        ->allow_extra_args(false);
    cmd.add_option("-v,--volume", overrides.volumes, "Bind mount SRC:DST[:ro] (repeatable)")
        ->allow_extra_args(false);
    cmd.add_option("--name", overrides.name, "Sandbox name (default: the profile's)");
    cmd.add_option("--timeout", overrides.timeout,
                   "Stop the workload after this long (\"30s\"; sets process.timeout)");
    cmd.add_option("command", overrides.command, "The command to run (after --)");
}

}  // namespace sandbox::cli
