#pragma once
// The single vocabulary of pipeline steps (docs/architecture.md §2): the same word is the step's
// file name, the log field, the word in an error ("setup failed at mounts"), the line in `explain`
// and the key in report.json.
#include <array>
#include <optional>
#include <string_view>

#include "common/enum_names.hpp"

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

inline constexpr EnumName<StepId> k_step_names[] = {
    {StepId::validate, "validate"},
    {StepId::state, "state"},
    {StepId::rootfs, "rootfs"},
    {StepId::cgroup, "cgroup"},
    {StepId::spawn, "spawn"},
    {StepId::id_maps, "id_maps"},
    {StepId::network_host, "network_host"},
    {StepId::release, "release"},
    {StepId::identity, "identity"},
    {StepId::mounts, "mounts"},
    {StepId::pivot_root, "pivot_root"},
    {StepId::network_sandbox, "network_sandbox"},
    {StepId::init, "init"},
    {StepId::process, "process"},
    {StepId::credentials, "credentials"},
    {StepId::capabilities, "capabilities"},
    {StepId::seccomp, "seccomp"},
    {StepId::exec, "exec"},
    {StepId::supervise, "supervise"},
    {StepId::cleanup, "cleanup"},
};

constexpr std::string_view to_string(StepId id) {
    return name_of(k_step_names, id, "unknown");
}

constexpr std::optional<StepId> step_from_string(std::string_view name) {
    return from_name(k_step_names, name);
}

}  // namespace sandbox::plan
