#include "cli/overrides.hpp"

#include <cstdio>

#include "exec/host_probe.hpp"

namespace sandbox::cli {

void add_override_options(CLI::App& cmd, profile::Overrides& overrides) {
    cmd.add_option("--set", overrides.set, "Override a profile key: KEY=VALUE (repeatable)")
        ->allow_extra_args(false);
    cmd.add_option("--unset", overrides.unset,
                   "Remove a key or table from the profile, e.g. network.veth (repeatable)")
        ->allow_extra_args(false);
    cmd.add_option("-e,--env", overrides.env, "Set an environment variable: K=V (repeatable)")
        ->allow_extra_args(false);
    // -v is a volume everywhere, as in docker and podman. A value without ':' is refused here,
    // so `up -v PROFILE` (meant as "verbose") says so instead of taking PROFILE as a volume.
    cmd.add_option("-v,--volume", overrides.volumes, "Bind mount SRC:DST[:ro] (repeatable)")
        ->allow_extra_args(false)
        ->check(
            [](const std::string& spec) -> std::string {
                if (spec.find(':') == std::string::npos) {
                    return "-v is --volume SRC:DST[:ro], got '" + spec +
                           "' (for more log output use --verbose or --log-level debug)";
                }
                return {};
            },
            "SRC:DST[:ro]");
    cmd.add_option("--name", overrides.name, "Sandbox name (default: the profile's)");
    cmd.add_option("--timeout", overrides.timeout,
                   "Stop the workload after this long (\"30s\"; sets process.timeout)");
    cmd.footer("[-- CMD ARG...]: the command, replacing process.args, passed on byte for byte.");
}

void take_command_tail(CommandTail& tail, std::vector<std::string>& command) {
    command = tail.args;
    tail.used = true;
}

std::optional<profile::LoadResult> load_or_report(const std::string& profile,
                                                  const profile::Overrides& overrides) {
    profile::LoadOptions load_options;
    load_options.kernel_release = exec::kernel_release();
    profile::LoadResult loaded = profile::load_profile(profile, overrides, load_options);
    if (!loaded.diagnostics.empty() || !loaded.profile) {
        std::fputs(loaded.diagnostics.str().c_str(), stderr);
        return std::nullopt;
    }
    return loaded;
}

}  // namespace sandbox::cli
