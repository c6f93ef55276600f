#pragma once
// The decoded profile: plain structs whose member names match the profile keys one for one
// (profile.limits.memory <-> `limits.memory`). No behaviour, no locations (those live in
// Origins), no third-party or Linux headers. "Unset" is std::optional; units live in types.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/seccomp_types.hpp"

namespace sandbox::profile {

struct Bytes {
    uint64_t count = 0;
    auto operator<=>(const Bytes&) const = default;
};

using Duration = std::chrono::milliseconds;

// ---- [process] -----------------------------------------------------------------------------
enum class TtyMode { auto_detect, enabled, disabled };  // "auto" | true | false

struct Rlimit {
    std::string name;              // "nofile", "nproc", "core", ... (RLIMIT_ name, lowercase)
    std::optional<uint64_t> soft;  // nullopt = unlimited
    std::optional<uint64_t> hard;  // nullopt = unlimited
    bool operator==(const Rlimit&) const = default;
};

struct Process {
    std::vector<std::string> args;
    std::string cwd = "/";
    std::vector<std::pair<std::string, std::string>> env;  // in file order, names unique
    std::vector<std::string> inherit_env;
    std::optional<std::string> user;   // name (looked up in the rootfs) or number, as written
    std::optional<std::string> group;  // likewise
    std::vector<std::string> supplementary_groups;
    uint32_t umask = 022;
    TtyMode tty = TtyMode::auto_detect;
    std::optional<Duration> timeout;
    int stop_signal = 15;  // SIGTERM; names ("SIGTERM", "TERM") are decoded to numbers
    Duration stop_grace = std::chrono::seconds(10);
    std::vector<Rlimit> rlimits;  // in file order
    std::vector<int> keep_fds;    // fds besides 0,1,2 passed through to the workload
    bool operator==(const Process&) const = default;
};

// ---- [rootfs] ------------------------------------------------------------------------------
// [rootfs.defaults]: the default mounts besides /proc and /dev that a profile may leave out
// (plan/mount_defaults.cpp). A bubblewrap-like sandbox has none of them.
struct RootfsDefaults {
    bool sys = true;     // /sys: sysfs of the sandbox's netns, read-only
    bool shm = true;     // /dev/shm: a tmpfs
    bool mqueue = true;  // /dev/mqueue: the ipc namespace's message queues
    bool hosts = true;   // /etc/hosts naming the sandbox's hostname
    bool operator==(const RootfsDefaults&) const = default;
};

struct Rootfs {
    std::optional<std::string> path;     // a directory (absolute after resolve)
    std::optional<std::string> archive;  // a tar / tar.gz / tar.xz / tar.zst file
    bool host = false;  // read-only binds of the host's /usr /bin /lib* /etc subset
    bool readonly = false;
    bool overlay = false;  // throw-away copy-on-write layer over the rootfs
    // archive: keep setuid/setgid bits and file capabilities (stripped by default)
    bool keep_setuid = false;
    RootfsDefaults defaults;
    bool operator==(const Rootfs&) const = default;
};

// ---- [[mounts]] ----------------------------------------------------------------------------
enum class MountType { bind, tmpfs, proc, sysfs, devpts, mqueue };
enum class Propagation { private_, slave, shared, unbindable };

struct Mount {
    MountType type = MountType::bind;
    std::string source;  // bind: host path (absolute after resolve); others: ignored/fs name
    std::string target;  // absolute path inside the sandbox, normalised
    bool readonly = false;
    bool recursive = true;             // bind: MS_REC
    std::vector<std::string> options;  // "nosuid", "nodev", "noexec", "noatime", ...
    std::optional<Bytes> size;         // tmpfs
    std::optional<uint32_t> mode;      // tmpfs / created directory
    std::optional<Propagation> propagation;
    bool create = true;     // create the target (dir, or file for a file bind)
    bool optional = false;  // a missing bind source is skipped, not an error
    bool unsafe = false;    // allow a bind of a host path that hands out the host (/proc, ...)
    bool follow_symlinks = false;  // bind: resolve the source through symbolic links
    bool operator==(const Mount&) const = default;
};

// ---- [namespaces] --------------------------------------------------------------------------
struct NamespaceSetting {
    enum class Mode { host, create, join_sandbox, join_pid, join_path };
    Mode mode = Mode::create;
    std::string sandbox;  // join_sandbox
    int pid = 0;          // join_pid
    std::string path;     // join_path
    bool operator==(const NamespaceSetting&) const = default;

    static NamespaceSetting host_ns() { return {Mode::host, {}, 0, {}}; }
    static NamespaceSetting new_ns() { return {Mode::create, {}, 0, {}}; }
};

struct Namespaces {
    // user: unset means "new when the caller is not root, else the host's".
    std::optional<NamespaceSetting> user;
    NamespaceSetting pid = NamespaceSetting::new_ns();
    NamespaceSetting mount = NamespaceSetting::new_ns();
    NamespaceSetting uts = NamespaceSetting::new_ns();
    NamespaceSetting ipc = NamespaceSetting::new_ns();
    NamespaceSetting net = NamespaceSetting::new_ns();
    NamespaceSetting cgroup = NamespaceSetting::new_ns();
    NamespaceSetting time = NamespaceSetting::host_ns();
    bool operator==(const Namespaces&) const = default;
};

// ---- [uts] ---------------------------------------------------------------------------------
struct Uts {
    std::optional<std::string> hostname;  // default: the sandbox name
    std::optional<std::string> domainname;
    bool operator==(const Uts&) const = default;
};

// ---- [[uid_map]] / [[gid_map]] -------------------------------------------------------------
struct IdMapRange {
    uint32_t inside = 0;
    uint32_t outside = 0;
    uint32_t count = 1;
    bool operator==(const IdMapRange&) const = default;
};

// ---- [network] -----------------------------------------------------------------------------
enum class NetworkMode { none, host, veth };
enum class Protocol { tcp, udp };

struct Veth {
    std::optional<std::string> host_name;      // <= 15 chars; default derived from the sandbox name
    std::string name = "eth0";                 // the interface name inside
    std::optional<std::string> address;        // CIDR, IPv4, inside
    std::optional<std::string> host_address;   // CIDR, IPv4, host end
    std::optional<std::string> address6;       // CIDR, IPv6, inside
    std::optional<std::string> host_address6;  // CIDR, IPv6, host end
    std::optional<std::string> gateway;        // default: host_address without prefix
    std::optional<std::string> gateway6;       // default: host_address6 without prefix
    std::optional<uint32_t> mtu;
    bool nat = false;
    bool forwarding = false;  // enable net.ipv4.ip_forward while the sandbox runs
    bool operator==(const Veth&) const = default;
};

struct PortForward {
    uint16_t host = 0;
    uint16_t sandbox = 0;
    Protocol protocol = Protocol::tcp;
    bool operator==(const PortForward&) const = default;
};

struct Network {
    NetworkMode mode = NetworkMode::none;
    Veth veth;
    std::vector<PortForward> ports;
    std::vector<std::string> dns;                              // -> /etc/resolv.conf
    std::vector<std::pair<std::string, std::string>> hosts;    // extra /etc/hosts: name -> addr
    std::vector<std::pair<std::string, std::string>> sysctls;  // "net.KEY" -> value, file order
    bool operator==(const Network&) const = default;
};

// ---- [limits] ------------------------------------------------------------------------------
struct Limits {
    std::optional<Bytes> memory;
    std::optional<Bytes> memory_swap;
    std::optional<uint64_t> pids;
    std::optional<double> cpu;           // CPUs, e.g. 0.5 or 2
    std::optional<uint64_t> cpu_weight;  // 1..10000 (v2 semantics; mapped to v1 cpu.shares)
    std::optional<uint64_t> io_weight;   // 1..10000
    bool operator==(const Limits&) const = default;
};

// ---- [seccomp] -----------------------------------------------------------------------------
using SeccompAction = sandbox::SeccompAction;  // common/seccomp_types.hpp
enum class SeccompPreset { default_, strict, none };
using ArgOp = sandbox::SeccompArgOp;

struct SeccompArg {
    uint32_t index = 0;  // 0..5
    ArgOp op = ArgOp::eq;
    uint64_t value = 0;
    uint64_t value2 = 0;  // the mask's compare value for masked_eq
    bool operator==(const SeccompArg&) const = default;
};

struct SeccompRule {
    std::vector<std::string> names;
    SeccompAction action = SeccompAction::errno_;
    std::optional<uint32_t> errno_value;  // `errno` key; for action = errno
    std::vector<SeccompArg> args;
    bool operator==(const SeccompRule&) const = default;
};

struct Seccomp {
    std::optional<SeccompAction> default_action;  // default: the preset's
    uint32_t errno_value = 1;                     // `errno` key; EPERM
    SeccompPreset preset = SeccompPreset::default_;
    std::vector<std::string> allow;
    std::vector<std::string> deny;
    std::vector<SeccompRule> rules;
    std::optional<std::string> import;  // OCI / Docker seccomp JSON (absolute after resolve)
    // Not profile keys: filled from the `import` file by load_seccomp_import() after decode
    // (profile/seccomp_import.hpp), with includes/excludes already evaluated.
    std::vector<SeccompRule> imported;              // in file order, errno_value always set
    std::optional<SeccompAction> imported_default;  // the file's defaultAction
    uint32_t imported_default_errno = 1;            // the file's defaultErrnoRet (EPERM if absent)
    bool operator==(const Seccomp&) const = default;
};

// ---- [capabilities] ------------------------------------------------------------------------
struct Capabilities {
    std::vector<std::string> keep;     // "CAP_NET_BIND_SERVICE", ...
    std::vector<std::string> ambient;  // subset of keep
    bool operator==(const Capabilities&) const = default;
};

// ---- [security] ----------------------------------------------------------------------------
struct Landlock {
    bool enabled = false;
    std::vector<std::string> read;        // paths inside the sandbox, read-only access
    std::vector<std::string> read_write;  // paths inside the sandbox, full access
    bool best_effort = false;             // a kernel without Landlock: warn and run anyway
    bool operator==(const Landlock&) const = default;
};

struct Security {
    bool no_new_privileges = true;
    std::vector<std::string> masked_paths;    // default list set by the field table
    std::vector<std::string> readonly_paths;  // default list set by the field table
    Landlock landlock;
    bool operator==(const Security&) const = default;
};

// ---- the whole profile ---------------------------------------------------------------------
struct Profile {
    int version = 1;
    std::string name;  // default: the file's stem
    std::string description;
    std::vector<std::string> extends;  // as written, resolved by resolve (kept for explain)
    Process process;
    Rootfs rootfs;
    std::vector<Mount> mounts;
    Namespaces namespaces;
    Uts uts;
    std::vector<IdMapRange> uid_map;
    std::vector<IdMapRange> gid_map;
    // uid_map = "auto" / gid_map = "auto": 65536 ids from a range chosen at run time, free of
    // every /etc/subuid and /etc/subgid entry and of other sandboxes' (docs/security.md).
    bool uid_map_auto = false;
    bool gid_map_auto = false;
    Network network;
    Limits limits;
    Seccomp seccomp;
    Capabilities capabilities;
    Security security;
    bool operator==(const Profile&) const = default;
};

}  // namespace sandbox::profile
