#include "profile/fields.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "common/units.hpp"
#include "profile/enum_names.hpp"
#include "profile/field_binding.hpp"
#include "profile/names.hpp"
#include "profile/profile.hpp"

// The table is written with designated initializers; members left out keep their default
// member initializers, which is the point, so GCC's warning about them is noise here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace sandbox::profile {

namespace {

using binding::enum_row;
using binding::row;
using values::parse_env_names;

// A member of a section object, as a function pointer (one binding per member type, not per row).
#define AT(Obj, member)     \
    +[](Obj & o) -> auto& { \
        return o.member;    \
    }

constexpr int64_t k_u32_max = std::numeric_limits<uint32_t>::max();

// Decode-only defaults: a Profile built in code (tests, exports) masks nothing, a profile file
// that does not name these keys gets the lists below (the OCI runtime spec's defaults). They are
// the only defaults not read from profile.hpp, and are written nowhere else.
const char* const k_masked_paths =
    R"(["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", )"
    R"("/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", )"
    R"("/sys/devices/virtual/powercap"])";
const char* const k_readonly_paths =
    R"(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])";

Field namespace_row(const char* key, const char* what, NamespaceSetting& (*access)(Profile&)) {
    return row(
        {.path = std::string("namespaces.") + key, .type = ValueType::namespace_, .doc = what},
        access);
}

std::vector<Field> id_map_fields(const std::string& section) {
    return {
        row({.path = section + ".inside",
             .type = ValueType::integer,
             .doc = "First id inside the sandbox.",
             .minimum = 0,
             .maximum = k_u32_max,
             .required = true},
            AT(IdMapRange, inside)),
        row({.path = section + ".outside",
             .type = ValueType::integer,
             .doc = "First id on the host it maps to.",
             .minimum = 0,
             .maximum = k_u32_max,
             .required = true},
            AT(IdMapRange, outside)),
        row({.path = section + ".count",
             .type = ValueType::integer,
             .doc = "Number of consecutive ids mapped.",
             .minimum = 1,
             .maximum = k_u32_max},
            AT(IdMapRange, count)),
    };
}

std::vector<Field> build_fields() {
    using P = Profile;
    std::vector<Field> f = {
        // ---- top level
        row({.path = "version",
             .type = ValueType::integer,
             .doc = "Schema version of the profile; only 1 exists.",
             .minimum = 1,
             .maximum = INT32_MAX},
            AT(P, version)),
        row({.path = "name",
             .type = ValueType::string,
             .doc = "Name of the sandbox (state entries, cgroup, default hostname); "
                    "default: the file's "
                    "stem."},
            AT(P, name)),
        row({.path = "description",
             .type = ValueType::string,
             .doc = "Free text shown by `sandbox explain`."},
            AT(P, description)),
        row({.path = "extends",
             .type = ValueType::string_or_list,
             .doc = "Parent profile(s) merged under this one: relative to this file, "
                    "then the "
                    "search path."},
            AT(P, extends)),

        // ---- [process]
        row({.path = "process.args",
             .type = ValueType::string_list,
             .doc = "The command and its arguments; `sandbox up ... -- CMD` replaces it."},
            AT(P, process.args)),
        row({.path = "process.cwd",
             .type = ValueType::path,
             .doc = "Working directory inside the sandbox (absolute)."},
            AT(P, process.cwd)),
        row({.path = "process.env",
             .type = ValueType::env,
             .doc = "Environment variables set for the workload (values are strings)."},
            AT(P, process.env)),
        row({.path = "process.inherit_env",
             .type = ValueType::string_list,
             .doc = "Names of host variables passed through; everything else is cleared."},
            AT(P, process.inherit_env), parse_env_names),
        row({.path = "process.user",
             .type = ValueType::id,
             .doc = "User to run as: a name (looked up in the rootfs) or a number."},
            AT(P, process.user)),
        row({.path = "process.group",
             .type = ValueType::id,
             .doc = "Group to run as: a name or a number; default: the user's group."},
            AT(P, process.group)),
        row({.path = "process.supplementary_groups",
             .type = ValueType::id_list,
             .doc = "Extra groups (names or numbers)."},
            AT(P, process.supplementary_groups)),
        row({.path = "process.umask",
             .type = ValueType::mode,
             .doc = "File mode creation mask.",
             .minimum = 0,
             .maximum = 0777},
            AT(P, process.umask)),
        row({.path = "process.tty",
             .type = ValueType::tty,
             .doc = "Give the workload a pseudo-terminal (from the sandbox's own "
                    "/dev/pts): "
                    "\"auto\" when stdin and stdout are both terminals."},
            AT(P, process.tty)),
        row({.path = "process.timeout",
             .type = ValueType::duration,
             .doc = "Stop the sandbox after this long (exit status 124); default: no "
                    "limit."},
            AT(P, process.timeout)),
        row({.path = "process.stop_signal",
             .type = ValueType::signal,
             .doc = "Signal sent first on timeout or `sandbox down`."},
            AT(P, process.stop_signal)),
        row({.path = "process.stop_grace",
             .type = ValueType::duration,
             .doc = "Time between stop_signal and SIGKILL."},
            AT(P, process.stop_grace)),
        row({.path = "process.rlimits",
             .type = ValueType::rlimits,
             .doc = "Resource limits: nofile = 1024 | \"unlimited\" | { soft = .., "
                    "hard = .. }."},
            AT(P, process.rlimits)),
        row({.path = "process.keep_fds",
             .type = ValueType::fd_list,
             .doc = "File descriptors besides 0, 1, 2 passed to the workload."},
            AT(P, process.keep_fds)),

        // ---- [rootfs]
        row({.path = "rootfs.path",
             .type = ValueType::host_path,
             .doc = "Directory used as the root filesystem."},
            AT(P, rootfs.path)),
        row({.path = "rootfs.archive",
             .type = ValueType::host_path,
             .doc = "tar / tar.gz / tar.xz / tar.zst file unpacked once into a cache "
                    "and used as root."},
            AT(P, rootfs.archive)),
        row({.path = "rootfs.host",
             .type = ValueType::boolean,
             .doc = "Build the root from read-only binds of the host's /usr /bin /lib* "
                    "and an /etc "
                    "subset over a tmpfs."},
            AT(P, rootfs.host)),
        row({.path = "rootfs.readonly",
             .type = ValueType::boolean,
             .doc = "Remount / read-only after setup."},
            AT(P, rootfs.readonly)),
        row({.path = "rootfs.overlay",
             .type = ValueType::boolean,
             .doc = "Put a throw-away copy-on-write layer over path / archive."},
            AT(P, rootfs.overlay)),
        row({.path = "rootfs.keep_setuid",
             .type = ValueType::boolean,
             .doc = "Archive: keep setuid/setgid bits and security.capability xattrs "
                    "when unpacking "
                    "(dangerous: they are stripped by default, see "
                    "docs/security.md)."},
            AT(P, rootfs.keep_setuid)),
        row({.path = "rootfs.defaults.sys",
             .type = ValueType::boolean,
             .doc = "Mount /sys: a read-only sysfs of the sandbox's network namespace (or a "
                    "read-only bind of the host's /sys when it shares the host's)."},
            AT(P, rootfs.defaults.sys)),
        row({.path = "rootfs.defaults.shm",
             .type = ValueType::boolean,
             .doc = "Mount a tmpfs on /dev/shm (POSIX shared memory)."},
            AT(P, rootfs.defaults.shm)),
        row({.path = "rootfs.defaults.mqueue",
             .type = ValueType::boolean,
             .doc = "Mount /dev/mqueue (POSIX message queues of the sandbox's ipc "
                    "namespace)."},
            AT(P, rootfs.defaults.mqueue)),
        row({.path = "rootfs.defaults.hosts",
             .type = ValueType::boolean,
             .doc = "Bind an /etc/hosts that names the sandbox's hostname (written in the "
                    "state root); network.hosts needs it."},
            AT(P, rootfs.defaults.hosts)),

        // ---- [[mounts]]
        enum_row({.path = "mounts[].type", .doc = "Kind of mount."}, AT(Mount, type),
                 k_mount_type_names),
        row({.path = "mounts[].source",
             .type = ValueType::host_path,
             .doc = "Host path for a bind (relative paths are relative to the profile "
                    "file)."},
            AT(Mount, source)),
        row({.path = "mounts[].target",
             .type = ValueType::path,
             .doc = "Absolute path inside the sandbox.",
             .required = true},
            AT(Mount, target)),
        row({.path = "mounts[].readonly", .type = ValueType::boolean, .doc = "Mount read-only."},
            AT(Mount, readonly)),
        row({.path = "mounts[].recursive",
             .type = ValueType::boolean,
             .doc = "bind: also bind the mounts below source (MS_REC)."},
            AT(Mount, recursive)),
        row({.path = "mounts[].options",
             .type = ValueType::mount_options,
             .doc = "Mount flags (nosuid, nodev, noexec, noatime, ...) and filesystem "
                    "options "
                    "(uid=, gid=, nr_inodes=, ...)."},
            AT(Mount, options)),
        row({.path = "mounts[].size", .type = ValueType::size, .doc = "tmpfs: maximum size."},
            AT(Mount, size)),
        row({.path = "mounts[].mode",
             .type = ValueType::mode,
             .doc = "tmpfs: mode of its root; otherwise the mode of a created target.",
             .minimum = 0,
             .maximum = 07777},
            AT(Mount, mode)),
        enum_row({.path = "mounts[].propagation",
                  .doc = "Mount propagation of this mount; default: private."},
                 AT(Mount, propagation), k_propagation_names),
        row({.path = "mounts[].create",
             .type = ValueType::boolean,
             .doc = "Create the target (a directory, or a file for a file bind) when "
                    "missing."},
            AT(Mount, create)),
        row({.path = "mounts[].optional",
             .type = ValueType::boolean,
             .doc = "bind: skip the mount when source does not exist."},
            AT(Mount, optional)),
        row({.path = "mounts[].unsafe",
             .type = ValueType::boolean,
             .doc = "bind: allow a source that hands the host to the sandbox (/, /proc, "
                    "/sys, /dev, "
                    "the docker and containerd sockets); see docs/security.md."},
            AT(Mount, unsafe)),
        row({.path = "mounts[].follow_symlinks",
             .type = ValueType::boolean,
             .doc = "bind: resolve the source through symbolic links (default: a link "
                    "anywhere in "
                    "the source path is an error, ELOOP)."},
            AT(Mount, follow_symlinks)),

        // ---- [namespaces]
        row({.path = "namespaces.user",
             .type = ValueType::namespace_,
             .doc = "User namespace; default: new when the caller is not root, else the "
                    "host's."},
            AT(P, namespaces.user)),
        namespace_row("pid", "PID namespace (the sandbox gets its own PID 1).",
                      AT(P, namespaces.pid)),
        namespace_row("mount", "Mount namespace (required for a private root).",
                      AT(P, namespaces.mount)),
        namespace_row("uts", "UTS namespace (own hostname and domainname).", AT(P, namespaces.uts)),
        namespace_row("ipc", "IPC namespace (System V IPC, POSIX message queues).",
                      AT(P, namespaces.ipc)),
        namespace_row("net", "Network namespace.", AT(P, namespaces.net)),
        namespace_row("cgroup", "Cgroup namespace.", AT(P, namespaces.cgroup)),
        namespace_row("time", "Time namespace (boot and monotonic clock offsets).",
                      AT(P, namespaces.time)),

        // ---- [uts]
        row({.path = "uts.hostname",
             .type = ValueType::hostname,
             .doc = "Host name inside the sandbox; default: the sandbox name."},
            AT(P, uts.hostname)),
        row({.path = "uts.domainname",
             .type = ValueType::hostname,
             .doc = "NIS domain name inside the sandbox."},
            AT(P, uts.domainname)),
    };
    for (auto& m : id_map_fields("uid_map[]")) {
        f.push_back(std::move(m));
    }
    for (auto& m : id_map_fields("gid_map[]")) {
        f.push_back(std::move(m));
    }
    std::vector<Field> rest = {
        // ---- [network]
        enum_row({.path = "network.mode",
                  .doc = "none: only loopback; host: the host's network; veth: a veth pair "
                         "to the host."},
                 AT(P, network.mode), k_network_mode_names),
        row({.path = "network.dns",
             .type = ValueType::ip_list,
             .doc = "Name servers written to the sandbox's /etc/resolv.conf."},
            AT(P, network.dns)),
        row({.path = "network.hosts",
             .type = ValueType::hosts,
             .doc = "Extra /etc/hosts entries: name = \"address\"."},
            AT(P, network.hosts)),
        row({.path = "network.sysctls",
             .type = ValueType::sysctls,
             .doc = "net.* sysctls of the sandbox's own network namespace, \"net.KEY\" = "
                    "\"value\". "
                    "Every new network namespace already gets net.ipv4.ping_group_range = "
                    "\"0 2147483647\" (ping without CAP_NET_RAW); a key here overrides it."},
            AT(P, network.sysctls)),
        row({.path = "network.veth.host_name",
             .type = ValueType::string,
             .doc = "Name of the host end (at most 15 characters); default: derived from "
                    "the name."},
            AT(P, network.veth.host_name)),
        row({.path = "network.veth.name",
             .type = ValueType::string,
             .doc = "Name of the interface inside the sandbox."},
            AT(P, network.veth.name)),
        row({.path = "network.veth.address",
             .type = ValueType::cidr4,
             .doc = "IPv4 address/prefix inside the sandbox, or \"auto\"; default (with no "
                    "host_address and no address6): \"auto\", a /30 from the address pool."},
            AT(P, network.veth.address)),
        row({.path = "network.veth.host_address",
             .type = ValueType::cidr4,
             .doc = "IPv4 address/prefix of the host end, or \"auto\" (with address)."},
            AT(P, network.veth.host_address)),
        row({.path = "network.veth.address6",
             .type = ValueType::cidr6,
             .doc = "IPv6 address/prefix inside the sandbox, or \"auto\": a /64 from the IPv6 "
                    "address pool."},
            AT(P, network.veth.address6)),
        row({.path = "network.veth.host_address6",
             .type = ValueType::cidr6,
             .doc = "IPv6 address/prefix of the host end, or \"auto\" (with address6)."},
            AT(P, network.veth.host_address6)),
        row({.path = "network.veth.gateway",
             .type = ValueType::ipv4,
             .doc = "IPv4 default route inside; default: host_address without its prefix."},
            AT(P, network.veth.gateway)),
        row({.path = "network.veth.gateway6",
             .type = ValueType::ipv6,
             .doc = "IPv6 default route inside; default: host_address6 without its prefix."},
            AT(P, network.veth.gateway6)),
        row({.path = "network.veth.mtu",
             .type = ValueType::integer,
             .doc = "MTU of both ends; default: the kernel's (1500).",
             .minimum = 68,
             .maximum = 65535},
            AT(P, network.veth.mtu)),
        row({.path = "network.veth.nat",
             .type = ValueType::boolean,
             .doc = "Masquerade the sandbox's traffic leaving the host (nftables)."},
            AT(P, network.veth.nat)),
        row({.path = "network.veth.forwarding",
             .type = ValueType::boolean,
             .doc = "Enable net.ipv4.ip_forward while the sandbox runs."},
            AT(P, network.veth.forwarding)),
        row({.path = "network.ports[].host",
             .type = ValueType::integer,
             .doc = "Host port forwarded into the sandbox.",
             .minimum = 1,
             .maximum = 65535,
             .required = true},
            AT(PortForward, host)),
        row({.path = "network.ports[].sandbox",
             .type = ValueType::integer,
             .doc = "Port inside the sandbox.",
             .minimum = 1,
             .maximum = 65535,
             .required = true},
            AT(PortForward, sandbox)),
        enum_row({.path = "network.ports[].protocol", .doc = "Transport protocol."},
                 AT(PortForward, protocol), k_protocol_names),

        // ---- [limits]
        row({.path = "limits.memory",
             .type = ValueType::size,
             .doc = "Memory limit (v2 memory.max, v1 memory.limit_in_bytes); at least 1MiB."},
            AT(P, limits.memory)),
        row({.path = "limits.memory_swap",
             .type = ValueType::size,
             .doc = "Swap limit (v2 memory.swap.max); 0 forbids swapping."},
            AT(P, limits.memory_swap)),
        row({.path = "limits.pids",
             .type = ValueType::integer,
             .doc = "Maximum number of processes and threads (pids.max).",
             .minimum = 1,
             .maximum = 4194304},
            AT(P, limits.pids)),
        row({.path = "limits.cpu",
             .type = ValueType::cpu,
             .doc = "CPU bandwidth in CPUs, e.g. 0.5 or 2 (cpu.max / cfs_quota_us)."},
            AT(P, limits.cpu)),
        row({.path = "limits.cpu_weight",
             .type = ValueType::integer,
             .doc = "Relative CPU weight (v2 cpu.weight; v1 cpu.shares scaled).",
             .minimum = 1,
             .maximum = 10000},
            AT(P, limits.cpu_weight)),
        row({.path = "limits.io_weight",
             .type = ValueType::integer,
             .doc = "Relative block I/O weight (v2 io.weight; v1 blkio.weight scaled).",
             .minimum = 1,
             .maximum = 10000},
            AT(P, limits.io_weight)),

        // ---- [seccomp]
        enum_row({.path = "seccomp.preset",
                  .doc = "Built-in rule set the other keys adjust: default (Docker-like), "
                         "strict, none."},
                 AT(P, seccomp.preset), k_seccomp_preset_names),
        enum_row({.path = "seccomp.default_action",
                  .doc = "Action for syscalls no rule matches; default: the preset's."},
                 AT(P, seccomp.default_action), k_seccomp_action_names),
        row({.path = "seccomp.errno",
             .type = ValueType::integer,
             .doc = "errno returned by default_action = \"errno\" and by `deny` (1 = EPERM).",
             .minimum = 1,
             .maximum = 4095},
            AT(P, seccomp.errno_value)),
        row({.path = "seccomp.allow",
             .type = ValueType::syscall_list,
             .doc = "Syscalls allowed on top of the preset."},
            AT(P, seccomp.allow)),
        row({.path = "seccomp.deny",
             .type = ValueType::syscall_list,
             .doc = "Syscalls refused with `errno` on top of the preset."},
            AT(P, seccomp.deny)),
        row({.path = "seccomp.import",
             .type = ValueType::host_path,
             .doc = "OCI / Docker seccomp JSON file whose rules are added."},
            AT(P, seccomp.import)),
        row({.path = "seccomp.rules[].names",
             .type = ValueType::syscall_list,
             .doc = "Syscalls this rule matches.",
             .required = true},
            AT(SeccompRule, names)),
        enum_row({.path = "seccomp.rules[].action", .doc = "What a match does.", .required = true},
                 AT(SeccompRule, action), k_seccomp_action_names),
        row({.path = "seccomp.rules[].errno",
             .type = ValueType::integer,
             .doc = "errno returned; required with action = \"errno\", refused otherwise.",
             .minimum = 1,
             .maximum = 4095},
            AT(SeccompRule, errno_value)),
        row({.path = "seccomp.rules[].args[].index",
             .type = ValueType::integer,
             .doc = "Argument number, 0..5.",
             .minimum = 0,
             .maximum = 5,
             .required = true},
            AT(SeccompArg, index)),
        enum_row({.path = "seccomp.rules[].args[].op",
                  .doc = "Comparison; masked_eq compares (arg & value) with value2."},
                 AT(SeccompArg, op), k_arg_op_names),
        row({.path = "seccomp.rules[].args[].value",
             .type = ValueType::integer,
             .doc = "Value compared with (the mask for masked_eq).",
             .minimum = 0,
             .maximum = INT64_MAX,
             .required = true},
            AT(SeccompArg, value)),
        row({.path = "seccomp.rules[].args[].value2",
             .type = ValueType::integer,
             .doc = "masked_eq: the value the masked argument must equal.",
             .minimum = 0,
             .maximum = INT64_MAX},
            AT(SeccompArg, value2)),

        // ---- [capabilities]
        row({.path = "capabilities.keep",
             .type = ValueType::capability_list,
             .doc = "Capabilities kept in the bounding, permitted and effective sets "
                    "(CAP_* names, "
                    "any case); all others are dropped."},
            AT(P, capabilities.keep)),
        row({.path = "capabilities.ambient",
             .type = ValueType::capability_list,
             .doc = "Capabilities also raised in the ambient set (a subset of keep)."},
            AT(P, capabilities.ambient)),

        // ---- [security]
        row({.path = "security.no_new_privileges",
             .type = ValueType::boolean,
             .doc = "Set PR_SET_NO_NEW_PRIVS before exec (setuid binaries gain "
                    "nothing)."},
            AT(P, security.no_new_privileges)),
        row({.path = "security.masked_paths",
             .type = ValueType::path_list,
             .doc = "Paths hidden from the workload (empty tmpfs / /dev/null over them).",
             .default_json = k_masked_paths},
            AT(P, security.masked_paths)),
        row({.path = "security.readonly_paths",
             .type = ValueType::path_list,
             .doc = "Paths remounted read-only.",
             .default_json = k_readonly_paths},
            AT(P, security.readonly_paths)),
        row({.path = "security.landlock.enabled",
             .type = ValueType::boolean,
             .doc = "Restrict file access with Landlock to the paths below."},
            AT(P, security.landlock.enabled)),
        row({.path = "security.landlock.read",
             .type = ValueType::path_list,
             .doc = "Paths (inside the sandbox) readable under Landlock."},
            AT(P, security.landlock.read)),
        row({.path = "security.landlock.read_write",
             .type = ValueType::path_list,
             .doc = "Paths (inside the sandbox) readable and writable under Landlock."},
            AT(P, security.landlock.read_write)),
        row({.path = "security.landlock.best_effort",
             .type = ValueType::boolean,
             .doc = "Run without Landlock (with a warning) when the kernel has none; by "
                    "default "
                    "that is a setup error (exit 125)."},
            AT(P, security.landlock.best_effort)),
    };
    for (auto& r : rest) {
        f.push_back(std::move(r));
    }
    return f;
}

#undef AT
}  // namespace

const std::vector<Field>& fields() {
    static const std::vector<Field> all = build_fields();
    return all;
}

}  // namespace sandbox::profile
