#pragma once
// The single vocabulary of pipeline steps (docs/architecture.md §2): the same word is the step's
// file name, the log field, the word in an error ("setup failed at mounts"), the line in `explain`
// and the key in report.json.
#include <array>
#include <optional>
#include <string_view>

namespace sandbox::plan {

enum class StepId {
    validate,
    state,
    rootfs,
    cgroup,
    spawn,
    id_maps,
    network_host,
    release,
    identity,
    mounts,
    pivot_root,
    network_sandbox,
    init,
    process,      // rlimits, umask, env, cwd
    credentials,  // setgroups, setresgid, setresuid
    capabilities,
    seccomp,  // no_new_privs, then the filter
    exec,
    supervise,
    cleanup,
};

inline constexpr std::array k_all_steps = {
    StepId::validate, StepId::state,   StepId::rootfs,       StepId::cgroup,
    StepId::spawn,    StepId::id_maps, StepId::network_host, StepId::release,
    StepId::identity, StepId::mounts,  StepId::pivot_root,   StepId::network_sandbox,
    StepId::init,     StepId::process, StepId::credentials,  StepId::capabilities,
    StepId::seccomp,  StepId::exec,    StepId::supervise,    StepId::cleanup,
};

constexpr std::string_view to_string(StepId id) {
    switch (id) {
        case StepId::validate:
            return "validate";
        case StepId::state:
            return "state";
        case StepId::rootfs:
            return "rootfs";
        case StepId::cgroup:
            return "cgroup";
        case StepId::spawn:
            return "spawn";
        case StepId::id_maps:
            return "id_maps";
        case StepId::network_host:
            return "network_host";
        case StepId::release:
            return "release";
        case StepId::identity:
            return "identity";
        case StepId::mounts:
            return "mounts";
        case StepId::pivot_root:
            return "pivot_root";
        case StepId::network_sandbox:
            return "network_sandbox";
        case StepId::init:
            return "init";
        case StepId::process:
            return "process";
        case StepId::credentials:
            return "credentials";
        case StepId::capabilities:
            return "capabilities";
        case StepId::seccomp:
            return "seccomp";
        case StepId::exec:
            return "exec";
        case StepId::supervise:
            return "supervise";
        case StepId::cleanup:
            return "cleanup";
    }
    return "unknown";
}

constexpr std::optional<StepId> step_from_string(std::string_view name) {
    for (StepId id : k_all_steps) {
        if (to_string(id) == name) {
            return id;
        }
    }
    return std::nullopt;
}

}  // namespace sandbox::plan
