#pragma once
// One name table per profile enum: the spelling a profile uses (and explain, check and the
// reports print), and, where there is one, the OCI runtime spec / libseccomp spelling the
// exports write and the seccomp import reads. The field table's `.choices` and its decoders,
// check, explain, the OCI and Kubernetes exports and the executor all read these rows, so a
// name is written once. Pure data: no system call (rlimit numbers are <sys/resource.h>
// constants). EnumName and its look-ups (name_of, from_name, names_of, ...) are
// common/enum_names.hpp.
#include <sys/resource.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/enum_names.hpp"
#include "profile/profile.hpp"

namespace sandbox::profile {

// The profile's tables are read as profile::name_of(...) in plan/ and exec/.
using sandbox::EnumName;
using sandbox::from_name;
using sandbox::from_other_name;
using sandbox::name_of;
using sandbox::names_of;
using sandbox::other_name_of;
using sandbox::values_of;

// seccomp actions; other = libseccomp's SCMP_ACT_ name (the OCI spelling).
inline constexpr EnumName<SeccompAction> k_seccomp_action_names[] = {
    {SeccompAction::allow, "allow", "SCMP_ACT_ALLOW"},
    {SeccompAction::errno_, "errno", "SCMP_ACT_ERRNO"},
    {SeccompAction::kill_process, "kill_process", "SCMP_ACT_KILL_PROCESS"},
    {SeccompAction::kill_thread, "kill_thread", "SCMP_ACT_KILL_THREAD"},
    {SeccompAction::trap, "trap", "SCMP_ACT_TRAP"},
    {SeccompAction::log, "log", "SCMP_ACT_LOG"},
};

// seccomp argument comparisons; other = libseccomp's SCMP_CMP_ name (the OCI spelling).
inline constexpr EnumName<ArgOp> k_arg_op_names[] = {
    {ArgOp::eq, "eq", "SCMP_CMP_EQ"},
    {ArgOp::ne, "ne", "SCMP_CMP_NE"},
    {ArgOp::lt, "lt", "SCMP_CMP_LT"},
    {ArgOp::le, "le", "SCMP_CMP_LE"},
    {ArgOp::gt, "gt", "SCMP_CMP_GT"},
    {ArgOp::ge, "ge", "SCMP_CMP_GE"},
    {ArgOp::masked_eq, "masked_eq", "SCMP_CMP_MASKED_EQ"},
};
// The C operator explain writes for a comparison (masked_eq: "arg & mask == value").
inline constexpr EnumName<ArgOp> k_arg_op_symbols[] = {
    {ArgOp::eq, "=="}, {ArgOp::ne, "!="}, {ArgOp::lt, "<"},        {ArgOp::le, "<="},
    {ArgOp::gt, ">"},  {ArgOp::ge, ">="}, {ArgOp::masked_eq, "&"},
};

inline constexpr EnumName<SeccompPreset> k_seccomp_preset_names[] = {
    {SeccompPreset::default_, "default"},
    {SeccompPreset::strict, "strict"},
    {SeccompPreset::none, "none"},
};

// mounts[].type; other = the filesystem type passed to mount(2) (empty for a bind).
inline constexpr EnumName<MountType> k_mount_type_names[] = {
    {MountType::bind, "bind", ""},           {MountType::tmpfs, "tmpfs", "tmpfs"},
    {MountType::proc, "proc", "proc"},       {MountType::sysfs, "sysfs", "sysfs"},
    {MountType::devpts, "devpts", "devpts"}, {MountType::mqueue, "mqueue", "mqueue"},
};

// mounts[].propagation; other = the mount(2) flag.
inline constexpr EnumName<Propagation> k_propagation_names[] = {
    {Propagation::private_, "private", "MS_PRIVATE"},
    {Propagation::slave, "slave", "MS_SLAVE"},
    {Propagation::shared, "shared", "MS_SHARED"},
    {Propagation::unbindable, "unbindable", "MS_UNBINDABLE"},
};

inline constexpr EnumName<NetworkMode> k_network_mode_names[] = {
    {NetworkMode::none, "none"},
    {NetworkMode::host, "host"},
    {NetworkMode::veth, "veth"},
};

inline constexpr EnumName<Protocol> k_protocol_names[] = {
    {Protocol::tcp, "tcp"},
    {Protocol::udp, "udp"},
};

// process.tty as explain prints it ("auto" | true | false in a profile).
inline constexpr EnumName<TtyMode> k_tty_mode_names[] = {
    {TtyMode::auto_detect, "auto"},
    {TtyMode::enabled, "true"},
    {TtyMode::disabled, "false"},
};

// process.rlimits names (lowercase RLIMIT_ names without the prefix), with their resource.
struct RlimitName {
    std::string_view name;
    int resource;
    std::string_view oci;  // "RLIMIT_NOFILE"
};
inline constexpr RlimitName k_rlimit_names[] = {
    {"as", RLIMIT_AS, "RLIMIT_AS"},
    {"core", RLIMIT_CORE, "RLIMIT_CORE"},
    {"cpu", RLIMIT_CPU, "RLIMIT_CPU"},
    {"data", RLIMIT_DATA, "RLIMIT_DATA"},
    {"fsize", RLIMIT_FSIZE, "RLIMIT_FSIZE"},
    {"locks", RLIMIT_LOCKS, "RLIMIT_LOCKS"},
    {"memlock", RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},
    {"msgqueue", RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"},
    {"nice", RLIMIT_NICE, "RLIMIT_NICE"},
    {"nofile", RLIMIT_NOFILE, "RLIMIT_NOFILE"},
    {"nproc", RLIMIT_NPROC, "RLIMIT_NPROC"},
    {"rss", RLIMIT_RSS, "RLIMIT_RSS"},
    {"rtprio", RLIMIT_RTPRIO, "RLIMIT_RTPRIO"},
    {"rttime", RLIMIT_RTTIME, "RLIMIT_RTTIME"},
    {"sigpending", RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
    {"stack", RLIMIT_STACK, "RLIMIT_STACK"},
};
inline const RlimitName* find_rlimit(std::string_view name) {
    for (const RlimitName& r : k_rlimit_names) {
        if (r.name == name) {
            return &r;
        }
    }
    return nullptr;
}

}  // namespace sandbox::profile
