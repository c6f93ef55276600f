#include "profile/fields.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "common/units.hpp"
#include "profile/enum_names.hpp"
#include "profile/names.hpp"
#include "profile/profile.hpp"
#include "profile/value_parsers.hpp"

// The table is written with designated initializers; members left out keep their default
// member initializers, which is the point, so GCC's warning about them is noise here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace sandbox::profile {

namespace {

using namespace values;  // the parsers the rows name (profile/value_parsers.hpp)

// ---- decoders: parse, then assign into the section object ---------------------------------

template <class T>
struct Unwrap {
    using type = T;
};
template <class T>
struct Unwrap<std::optional<T>> {
    using type = T;
};

template <class Obj, class Access, class Parse>
Decoder assign(Access access, Parse parse) {
    return [access, parse](const Node& n, DecodeContext& c, void* object) {
        auto value = parse(n, c);
        if (value) {
            auto& target = access(*static_cast<Obj*>(object));
            using Target = typename Unwrap<std::remove_reference_t<decltype(target)>>::type;
            target = static_cast<Target>(std::move(*value));
        }
    };
}

template <class Obj, class E, class Access>
Decoder assign_enum(Access access, std::vector<E> values) {
    return [access, values](const Node& n, DecodeContext& c, void* object) {
        auto index = parse_choice(n, c);
        if (index && *index < values.size()) {
            access(*static_cast<Obj*>(object)) = values[*index];
        }
    };
}

// network.veth.address / host_address (and the 6 forms): a CIDR, or "auto" for the address
// pool (docs/networking.md).
std::optional<std::string> cidr_or_auto(const Node& n, DecodeContext& c, int family) {
    if (n.kind == NodeKind::string && n.string == "auto") {
        return n.string;
    }
    return parse_cidr(n, c, family);
}
auto cidr4 = [](const Node& n, DecodeContext& c) { return cidr_or_auto(n, c, AF_INET); };
auto cidr6 = [](const Node& n, DecodeContext& c) { return cidr_or_auto(n, c, AF_INET6); };
auto ipv4 = [](const Node& n, DecodeContext& c) { return parse_ip(n, c, AF_INET); };
auto ipv6 = [](const Node& n, DecodeContext& c) { return parse_ip(n, c, AF_INET6); };

#define SANDBOX_AT(Obj, member) \
    [](Obj & o) -> auto& {      \
        return o.member;        \
    }

constexpr int64_t k_u32_max = std::numeric_limits<uint32_t>::max();

const char* const k_masked_paths =
    R"(["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", )"
    R"("/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", )"
    R"("/sys/devices/virtual/powercap"])";
const char* const k_readonly_paths =
    R"(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])";

Field namespace_field(const char* key, const char* what, const char* default_json) {
    std::string path = std::string("namespaces.") + key;
    Field f{.path = path, .type = ValueType::namespace_, .doc = what, .default_json = default_json};
    std::string k = key;
    f.decode = [k](const Node& n, DecodeContext& c, void* object) {
        auto v = parse_namespace(n, c);
        if (!v) {
            return;
        }
        Namespaces& ns = static_cast<Profile*>(object)->namespaces;
        if (k == "user") {
            ns.user = *v;
        } else if (k == "pid") {
            ns.pid = *v;
        } else if (k == "mount") {
            ns.mount = *v;
        } else if (k == "uts") {
            ns.uts = *v;
        } else if (k == "ipc") {
            ns.ipc = *v;
        } else if (k == "net") {
            ns.net = *v;
        } else if (k == "cgroup") {
            ns.cgroup = *v;
        } else if (k == "time") {
            ns.time = *v;
        }
    };
    return f;
}

std::vector<Field> id_map_fields(const std::string& section) {
    return {
        Field{.path = section + ".inside",
              .type = ValueType::integer,
              .doc = "First id inside the sandbox.",
              .minimum = 0,
              .maximum = k_u32_max,
              .required = true,
              .decode = assign<IdMapRange>(SANDBOX_AT(IdMapRange, inside), parse_integer)},
        Field{.path = section + ".outside",
              .type = ValueType::integer,
              .doc = "First id on the host it maps to.",
              .minimum = 0,
              .maximum = k_u32_max,
              .required = true,
              .decode = assign<IdMapRange>(SANDBOX_AT(IdMapRange, outside), parse_integer)},
        Field{.path = section + ".count",
              .type = ValueType::integer,
              .doc = "Number of consecutive ids mapped.",
              .default_json = "1",
              .minimum = 1,
              .maximum = k_u32_max,
              .decode = assign<IdMapRange>(SANDBOX_AT(IdMapRange, count), parse_integer)},
    };
}

std::vector<Field> build_fields() {
    using P = Profile;
    std::vector<Field> f = {
        // ---- top level
        {.path = "version",
         .type = ValueType::integer,
         .doc = "Schema version of the profile; only 1 exists.",
         .default_json = "1",
         .minimum = 1,
         .maximum = INT32_MAX,
         .decode = assign<P>(SANDBOX_AT(P, version), parse_integer)},
        {.path = "name",
         .type = ValueType::string,
         .doc = "Name of the sandbox (state dir, cgroup, default hostname); default: the file's "
                "stem.",
         .decode = assign<P>(SANDBOX_AT(P, name), parse_string)},
        {.path = "description",
         .type = ValueType::string,
         .doc = "Free text shown by `sandbox explain`.",
         .decode = assign<P>(SANDBOX_AT(P, description), parse_string)},
        {.path = "extends",
         .type = ValueType::string_or_list,
         .doc = "Parent profile(s) merged under this one: relative to this file, then the "
                "search path.",
         .decode = assign<P>(SANDBOX_AT(P, extends), parse_string_or_list)},

        // ---- [process]
        {.path = "process.args",
         .type = ValueType::string_list,
         .doc = "The command and its arguments; `sandbox up ... -- CMD` replaces it.",
         .decode = assign<P>(SANDBOX_AT(P, process.args), parse_string_list)},
        {.path = "process.cwd",
         .type = ValueType::path,
         .doc = "Working directory inside the sandbox (absolute).",
         .default_json = R"("/")",
         .decode = assign<P>(SANDBOX_AT(P, process.cwd), parse_path)},
        {.path = "process.env",
         .type = ValueType::env,
         .doc = "Environment variables set for the workload (values are strings).",
         .decode = assign<P>(SANDBOX_AT(P, process.env), parse_env)},
        {.path = "process.inherit_env",
         .type = ValueType::string_list,
         .doc = "Names of host variables passed through; everything else is cleared.",
         .decode = assign<P>(SANDBOX_AT(P, process.inherit_env), parse_env_names)},
        {.path = "process.user",
         .type = ValueType::id,
         .doc = "User to run as: a name (looked up in the rootfs) or a number.",
         .decode = assign<P>(SANDBOX_AT(P, process.user), parse_id)},
        {.path = "process.group",
         .type = ValueType::id,
         .doc = "Group to run as: a name or a number; default: the user's group.",
         .decode = assign<P>(SANDBOX_AT(P, process.group), parse_id)},
        {.path = "process.supplementary_groups",
         .type = ValueType::id_list,
         .doc = "Extra groups (names or numbers).",
         .decode = assign<P>(SANDBOX_AT(P, process.supplementary_groups), parse_id_list)},
        {.path = "process.umask",
         .type = ValueType::mode,
         .doc = "File mode creation mask.",
         .default_json = R"("0022")",
         .minimum = 0,
         .maximum = 0777,
         .decode = assign<P>(SANDBOX_AT(P, process.umask), parse_mode)},
        {.path = "process.tty",
         .type = ValueType::tty,
         .doc = "Give the workload a pseudo-terminal (from the sandbox's own /dev/pts): "
                "\"auto\" when stdin and stdout are both terminals.",
         .default_json = R"("auto")",
         .decode = assign<P>(SANDBOX_AT(P, process.tty), parse_tty)},
        {.path = "process.timeout",
         .type = ValueType::duration,
         .doc = "Stop the sandbox after this long (exit status 124); default: no limit.",
         .decode = assign<P>(SANDBOX_AT(P, process.timeout), parse_duration)},
        {.path = "process.stop_signal",
         .type = ValueType::signal,
         .doc = "Signal sent first on timeout or `sandbox down`.",
         .default_json = R"("SIGTERM")",
         .decode = assign<P>(SANDBOX_AT(P, process.stop_signal), parse_signal)},
        {.path = "process.stop_grace",
         .type = ValueType::duration,
         .doc = "Time between stop_signal and SIGKILL.",
         .default_json = R"("10s")",
         .decode = assign<P>(SANDBOX_AT(P, process.stop_grace), parse_duration)},
        {.path = "process.rlimits",
         .type = ValueType::rlimits,
         .doc = "Resource limits: nofile = 1024 | \"unlimited\" | { soft = .., hard = .. }.",
         .decode = assign<P>(SANDBOX_AT(P, process.rlimits), parse_rlimits)},
        {.path = "process.keep_fds",
         .type = ValueType::fd_list,
         .doc = "File descriptors besides 0, 1, 2 passed to the workload.",
         .decode = assign<P>(SANDBOX_AT(P, process.keep_fds), parse_fd_list)},

        // ---- [rootfs]
        {.path = "rootfs.path",
         .type = ValueType::host_path,
         .doc = "Directory used as the root filesystem.",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.path), parse_path)},
        {.path = "rootfs.archive",
         .type = ValueType::host_path,
         .doc = "tar / tar.gz / tar.xz / tar.zst file unpacked once into a cache and used as root.",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.archive), parse_path)},
        {.path = "rootfs.host",
         .type = ValueType::boolean,
         .doc = "Build the root from read-only binds of the host's /usr /bin /lib* and an /etc "
                "subset over a tmpfs.",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.host), parse_bool)},
        {.path = "rootfs.readonly",
         .type = ValueType::boolean,
         .doc = "Remount / read-only after setup.",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.readonly), parse_bool)},
        {.path = "rootfs.overlay",
         .type = ValueType::boolean,
         .doc = "Put a throw-away copy-on-write layer over path / archive.",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.overlay), parse_bool)},
        {.path = "rootfs.keep_setuid",
         .type = ValueType::boolean,
         .doc = "Archive: keep setuid/setgid bits and security.capability xattrs when unpacking "
                "(dangerous: they are stripped by default, see docs/security.md).",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.keep_setuid), parse_bool)},

        // ---- [[mounts]]
        {.path = "mounts[].type",
         .type = ValueType::enumeration,
         .doc = "Kind of mount.",
         .default_json = R"("bind")",
         .choices = names_of(k_mount_type_names),
         .decode = assign_enum<Mount>(SANDBOX_AT(Mount, type), values_of(k_mount_type_names))},
        {.path = "mounts[].source",
         .type = ValueType::host_path,
         .doc = "Host path for a bind (relative paths are relative to the profile file).",
         .decode = assign<Mount>(SANDBOX_AT(Mount, source), parse_path)},
        {.path = "mounts[].target",
         .type = ValueType::path,
         .doc = "Absolute path inside the sandbox.",
         .required = true,
         .decode = assign<Mount>(SANDBOX_AT(Mount, target), parse_path)},
        {.path = "mounts[].readonly",
         .type = ValueType::boolean,
         .doc = "Mount read-only.",
         .default_json = "false",
         .decode = assign<Mount>(SANDBOX_AT(Mount, readonly), parse_bool)},
        {.path = "mounts[].recursive",
         .type = ValueType::boolean,
         .doc = "bind: also bind the mounts below source (MS_REC).",
         .default_json = "true",
         .decode = assign<Mount>(SANDBOX_AT(Mount, recursive), parse_bool)},
        {.path = "mounts[].options",
         .type = ValueType::mount_options,
         .doc = "Mount flags (nosuid, nodev, noexec, noatime, ...) and filesystem options "
                "(uid=, gid=, nr_inodes=, ...).",
         .decode = assign<Mount>(SANDBOX_AT(Mount, options), parse_mount_options)},
        {.path = "mounts[].size",
         .type = ValueType::size,
         .doc = "tmpfs: maximum size.",
         .decode = assign<Mount>(SANDBOX_AT(Mount, size), parse_size)},
        {.path = "mounts[].mode",
         .type = ValueType::mode,
         .doc = "tmpfs: mode of its root; otherwise the mode of a created target.",
         .minimum = 0,
         .maximum = 07777,
         .decode = assign<Mount>(SANDBOX_AT(Mount, mode), parse_mode)},
        {.path = "mounts[].propagation",
         .type = ValueType::enumeration,
         .doc = "Mount propagation of this mount; default: private.",
         .choices = names_of(k_propagation_names),
         .decode =
             assign_enum<Mount>(SANDBOX_AT(Mount, propagation), values_of(k_propagation_names))},
        {.path = "mounts[].create",
         .type = ValueType::boolean,
         .doc = "Create the target (a directory, or a file for a file bind) when missing.",
         .default_json = "true",
         .decode = assign<Mount>(SANDBOX_AT(Mount, create), parse_bool)},
        {.path = "mounts[].optional",
         .type = ValueType::boolean,
         .doc = "bind: skip the mount when source does not exist.",
         .default_json = "false",
         .decode = assign<Mount>(SANDBOX_AT(Mount, optional), parse_bool)},
        {.path = "mounts[].unsafe",
         .type = ValueType::boolean,
         .doc = "bind: allow a source that hands the host to the sandbox (/, /proc, /sys, /dev, "
                "the docker and containerd sockets); see docs/security.md.",
         .default_json = "false",
         .decode = assign<Mount>(SANDBOX_AT(Mount, unsafe), parse_bool)},
        {.path = "mounts[].follow_symlinks",
         .type = ValueType::boolean,
         .doc = "bind: resolve the source through symbolic links (default: a link anywhere in "
                "the source path is an error, ELOOP).",
         .default_json = "false",
         .decode = assign<Mount>(SANDBOX_AT(Mount, follow_symlinks), parse_bool)},

        // ---- [namespaces]
        namespace_field("user",
                        "User namespace; default: new when the caller is not root, else the "
                        "host's.",
                        ""),
        namespace_field("pid", "PID namespace (the sandbox gets its own PID 1).", "true"),
        namespace_field("mount", "Mount namespace (required for a private root).", "true"),
        namespace_field("uts", "UTS namespace (own hostname and domainname).", "true"),
        namespace_field("ipc", "IPC namespace (System V IPC, POSIX message queues).", "true"),
        namespace_field("net", "Network namespace.", "true"),
        namespace_field("cgroup", "Cgroup namespace.", "true"),
        namespace_field("time", "Time namespace (boot and monotonic clock offsets).", "false"),

        // ---- [uts]
        {.path = "uts.hostname",
         .type = ValueType::hostname,
         .doc = "Host name inside the sandbox; default: the sandbox name.",
         .decode = assign<P>(SANDBOX_AT(P, uts.hostname), parse_string)},
        {.path = "uts.domainname",
         .type = ValueType::hostname,
         .doc = "NIS domain name inside the sandbox.",
         .decode = assign<P>(SANDBOX_AT(P, uts.domainname), parse_string)},
    };
    for (auto& m : id_map_fields("uid_map[]")) {
        f.push_back(std::move(m));
    }
    for (auto& m : id_map_fields("gid_map[]")) {
        f.push_back(std::move(m));
    }
    std::vector<Field> rest = {
        // ---- [network]
        {.path = "network.mode",
         .type = ValueType::enumeration,
         .doc = "none: only loopback; host: the host's network; veth: a veth pair to the host.",
         .default_json = R"("none")",
         .choices = names_of(k_network_mode_names),
         .decode = assign_enum<P>(SANDBOX_AT(P, network.mode), values_of(k_network_mode_names))},
        {.path = "network.dns",
         .type = ValueType::ip_list,
         .doc = "Name servers written to the sandbox's /etc/resolv.conf.",
         .decode = assign<P>(SANDBOX_AT(P, network.dns), parse_ip_list)},
        {.path = "network.hosts",
         .type = ValueType::hosts,
         .doc = "Extra /etc/hosts entries: name = \"address\".",
         .decode = assign<P>(SANDBOX_AT(P, network.hosts), parse_hosts)},
        {.path = "network.sysctls",
         .type = ValueType::sysctls,
         .doc = "net.* sysctls of the sandbox's own network namespace, \"net.KEY\" = \"value\". "
                "Every new network namespace already gets net.ipv4.ping_group_range = "
                "\"0 2147483647\" (ping without CAP_NET_RAW); a key here overrides it.",
         .decode = assign<P>(SANDBOX_AT(P, network.sysctls), parse_sysctls)},
        {.path = "network.veth.host_name",
         .type = ValueType::string,
         .doc = "Name of the host end (at most 15 characters); default: derived from the name.",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.host_name), parse_string)},
        {.path = "network.veth.name",
         .type = ValueType::string,
         .doc = "Name of the interface inside the sandbox.",
         .default_json = R"("eth0")",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.name), parse_string)},
        {.path = "network.veth.address",
         .type = ValueType::cidr4,
         .doc = "IPv4 address/prefix inside the sandbox, or \"auto\"; default (with no "
                "host_address and no address6): \"auto\", a /30 from the address pool.",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.address), cidr4)},
        {.path = "network.veth.host_address",
         .type = ValueType::cidr4,
         .doc = "IPv4 address/prefix of the host end, or \"auto\" (with address).",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.host_address), cidr4)},
        {.path = "network.veth.address6",
         .type = ValueType::cidr6,
         .doc = "IPv6 address/prefix inside the sandbox, or \"auto\": a /64 from the IPv6 "
                "address pool.",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.address6), cidr6)},
        {.path = "network.veth.host_address6",
         .type = ValueType::cidr6,
         .doc = "IPv6 address/prefix of the host end, or \"auto\" (with address6).",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.host_address6), cidr6)},
        {.path = "network.veth.gateway",
         .type = ValueType::ipv4,
         .doc = "IPv4 default route inside; default: host_address without its prefix.",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.gateway), ipv4)},
        {.path = "network.veth.gateway6",
         .type = ValueType::ipv6,
         .doc = "IPv6 default route inside; default: host_address6 without its prefix.",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.gateway6), ipv6)},
        {.path = "network.veth.mtu",
         .type = ValueType::integer,
         .doc = "MTU of both ends; default: the kernel's (1500).",
         .minimum = 68,
         .maximum = 65535,
         .decode = assign<P>(SANDBOX_AT(P, network.veth.mtu), parse_integer)},
        {.path = "network.veth.nat",
         .type = ValueType::boolean,
         .doc = "Masquerade the sandbox's traffic leaving the host (nftables).",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.nat), parse_bool)},
        {.path = "network.veth.forwarding",
         .type = ValueType::boolean,
         .doc = "Enable net.ipv4.ip_forward while the sandbox runs.",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.forwarding), parse_bool)},
        {.path = "network.ports[].host",
         .type = ValueType::integer,
         .doc = "Host port forwarded into the sandbox.",
         .minimum = 1,
         .maximum = 65535,
         .required = true,
         .decode = assign<PortForward>(SANDBOX_AT(PortForward, host), parse_integer)},
        {.path = "network.ports[].sandbox",
         .type = ValueType::integer,
         .doc = "Port inside the sandbox.",
         .minimum = 1,
         .maximum = 65535,
         .required = true,
         .decode = assign<PortForward>(SANDBOX_AT(PortForward, sandbox), parse_integer)},
        {.path = "network.ports[].protocol",
         .type = ValueType::enumeration,
         .doc = "Transport protocol.",
         .default_json = R"("tcp")",
         .choices = names_of(k_protocol_names),
         .decode = assign_enum<PortForward>(SANDBOX_AT(PortForward, protocol),
                                            values_of(k_protocol_names))},

        // ---- [limits]
        {.path = "limits.memory",
         .type = ValueType::size,
         .doc = "Memory limit (v2 memory.max, v1 memory.limit_in_bytes); at least 1MiB.",
         .decode = assign<P>(SANDBOX_AT(P, limits.memory), parse_size)},
        {.path = "limits.memory_swap",
         .type = ValueType::size,
         .doc = "Swap limit (v2 memory.swap.max); 0 forbids swapping.",
         .decode = assign<P>(SANDBOX_AT(P, limits.memory_swap), parse_size)},
        {.path = "limits.pids",
         .type = ValueType::integer,
         .doc = "Maximum number of processes and threads (pids.max).",
         .minimum = 1,
         .maximum = 4194304,
         .decode = assign<P>(SANDBOX_AT(P, limits.pids), parse_integer)},
        {.path = "limits.cpu",
         .type = ValueType::cpu,
         .doc = "CPU bandwidth in CPUs, e.g. 0.5 or 2 (cpu.max / cfs_quota_us).",
         .decode = assign<P>(SANDBOX_AT(P, limits.cpu), parse_cpu)},
        {.path = "limits.cpu_weight",
         .type = ValueType::integer,
         .doc = "Relative CPU weight (v2 cpu.weight; v1 cpu.shares scaled).",
         .minimum = 1,
         .maximum = 10000,
         .decode = assign<P>(SANDBOX_AT(P, limits.cpu_weight), parse_integer)},
        {.path = "limits.io_weight",
         .type = ValueType::integer,
         .doc = "Relative block I/O weight (v2 io.weight; v1 blkio.weight scaled).",
         .minimum = 1,
         .maximum = 10000,
         .decode = assign<P>(SANDBOX_AT(P, limits.io_weight), parse_integer)},

        // ---- [seccomp]
        {.path = "seccomp.preset",
         .type = ValueType::enumeration,
         .doc = "Built-in rule set the other keys adjust: default (Docker-like), strict, none.",
         .default_json = R"("default")",
         .choices = names_of(k_seccomp_preset_names),
         .decode =
             assign_enum<P>(SANDBOX_AT(P, seccomp.preset), values_of(k_seccomp_preset_names))},
        {.path = "seccomp.default_action",
         .type = ValueType::enumeration,
         .doc = "Action for syscalls no rule matches; default: the preset's.",
         .choices = names_of(k_seccomp_action_names),
         .decode = assign_enum<P>(SANDBOX_AT(P, seccomp.default_action),
                                  values_of(k_seccomp_action_names))},
        {.path = "seccomp.errno",
         .type = ValueType::integer,
         .doc = "errno returned by default_action = \"errno\" and by `deny` (1 = EPERM).",
         .default_json = "1",
         .minimum = 1,
         .maximum = 4095,
         .decode = assign<P>(SANDBOX_AT(P, seccomp.errno_value), parse_integer)},
        {.path = "seccomp.allow",
         .type = ValueType::syscall_list,
         .doc = "Syscalls allowed on top of the preset.",
         .decode = assign<P>(SANDBOX_AT(P, seccomp.allow), parse_syscalls)},
        {.path = "seccomp.deny",
         .type = ValueType::syscall_list,
         .doc = "Syscalls refused with `errno` on top of the preset.",
         .decode = assign<P>(SANDBOX_AT(P, seccomp.deny), parse_syscalls)},
        {.path = "seccomp.import",
         .type = ValueType::host_path,
         .doc = "OCI / Docker seccomp JSON file whose rules are added.",
         .decode = assign<P>(SANDBOX_AT(P, seccomp.import), parse_path)},
        {.path = "seccomp.rules[].names",
         .type = ValueType::syscall_list,
         .doc = "Syscalls this rule matches.",
         .required = true,
         .decode = assign<SeccompRule>(SANDBOX_AT(SeccompRule, names), parse_syscalls)},
        {.path = "seccomp.rules[].action",
         .type = ValueType::enumeration,
         .doc = "What a match does.",
         .choices = names_of(k_seccomp_action_names),
         .required = true,
         .decode = assign_enum<SeccompRule>(SANDBOX_AT(SeccompRule, action),
                                            values_of(k_seccomp_action_names))},
        {.path = "seccomp.rules[].errno",
         .type = ValueType::integer,
         .doc = "errno returned; required with action = \"errno\", refused otherwise.",
         .minimum = 1,
         .maximum = 4095,
         .decode = assign<SeccompRule>(SANDBOX_AT(SeccompRule, errno_value), parse_integer)},
        {.path = "seccomp.rules[].args[].index",
         .type = ValueType::integer,
         .doc = "Argument number, 0..5.",
         .minimum = 0,
         .maximum = 5,
         .required = true,
         .decode = assign<SeccompArg>(SANDBOX_AT(SeccompArg, index), parse_integer)},
        {.path = "seccomp.rules[].args[].op",
         .type = ValueType::enumeration,
         .doc = "Comparison; masked_eq compares (arg & value) with value2.",
         .default_json = R"("eq")",
         .choices = names_of(k_arg_op_names),
         .decode = assign_enum<SeccompArg>(SANDBOX_AT(SeccompArg, op), values_of(k_arg_op_names))},
        {.path = "seccomp.rules[].args[].value",
         .type = ValueType::integer,
         .doc = "Value compared with (the mask for masked_eq).",
         .minimum = 0,
         .maximum = INT64_MAX,
         .required = true,
         .decode = assign<SeccompArg>(SANDBOX_AT(SeccompArg, value), parse_integer)},
        {.path = "seccomp.rules[].args[].value2",
         .type = ValueType::integer,
         .doc = "masked_eq: the value the masked argument must equal.",
         .default_json = "0",
         .minimum = 0,
         .maximum = INT64_MAX,
         .decode = assign<SeccompArg>(SANDBOX_AT(SeccompArg, value2), parse_integer)},

        // ---- [capabilities]
        {.path = "capabilities.keep",
         .type = ValueType::capability_list,
         .doc = "Capabilities kept in the bounding, permitted and effective sets (CAP_* names, "
                "any case); all others are dropped.",
         .decode = assign<P>(SANDBOX_AT(P, capabilities.keep), parse_capabilities)},
        {.path = "capabilities.ambient",
         .type = ValueType::capability_list,
         .doc = "Capabilities also raised in the ambient set (a subset of keep).",
         .decode = assign<P>(SANDBOX_AT(P, capabilities.ambient), parse_capabilities)},

        // ---- [security]
        {.path = "security.no_new_privileges",
         .type = ValueType::boolean,
         .doc = "Set PR_SET_NO_NEW_PRIVS before exec (setuid binaries gain nothing).",
         .default_json = "true",
         .decode = assign<P>(SANDBOX_AT(P, security.no_new_privileges), parse_bool)},
        {.path = "security.masked_paths",
         .type = ValueType::path_list,
         .doc = "Paths hidden from the workload (empty tmpfs / /dev/null over them).",
         .default_json = k_masked_paths,
         .decode = assign<P>(SANDBOX_AT(P, security.masked_paths), parse_path_list)},
        {.path = "security.readonly_paths",
         .type = ValueType::path_list,
         .doc = "Paths remounted read-only.",
         .default_json = k_readonly_paths,
         .decode = assign<P>(SANDBOX_AT(P, security.readonly_paths), parse_path_list)},
        {.path = "security.landlock.enabled",
         .type = ValueType::boolean,
         .doc = "Restrict file access with Landlock to the paths below.",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, security.landlock.enabled), parse_bool)},
        {.path = "security.landlock.read",
         .type = ValueType::path_list,
         .doc = "Paths (inside the sandbox) readable under Landlock.",
         .decode = assign<P>(SANDBOX_AT(P, security.landlock.read), parse_path_list)},
        {.path = "security.landlock.read_write",
         .type = ValueType::path_list,
         .doc = "Paths (inside the sandbox) readable and writable under Landlock.",
         .decode = assign<P>(SANDBOX_AT(P, security.landlock.read_write), parse_path_list)},
        {.path = "security.landlock.best_effort",
         .type = ValueType::boolean,
         .doc = "Run without Landlock (with a warning) when the kernel has none; by default "
                "that is a setup error (exit 125).",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, security.landlock.best_effort), parse_bool)},
    };
    for (auto& r : rest) {
        f.push_back(std::move(r));
    }
    return f;
}

#undef SANDBOX_AT
}  // namespace

const std::vector<Field>& fields() {
    static const std::vector<Field> all = build_fields();
    return all;
}

}  // namespace sandbox::profile
