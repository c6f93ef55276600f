#pragma once
// The Plan: every concrete operation `sandbox up` will perform, in order, as plain data.
// `sandbox explain` prints exactly this; exec/ runs exactly this. No third-party or Linux
// headers: flags are spelled as named booleans/enums and exec/ maps them to MS_*, CLONE_*, ...
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "plan/host_facts.hpp"
#include "plan/step_id.hpp"
#include "profile/profile.hpp"

namespace sandbox::plan {

using profile::Duration;

// ---- step 2: state -------------------------------------------------------------------------
struct StatePlan {
    std::string sandbox_name;
    std::string dir;  // <state_root>/<name>; holds state.json, hosts, resolv.conf, overlay dirs
};

// ---- step 3: rootfs ------------------------------------------------------------------------
enum class RootfsKind { directory, archive, host };

struct RootfsPlan {
    RootfsKind kind = RootfsKind::directory;
    std::string source;     // the directory, or the archive file; empty for host
    std::string cache_dir;  // archive: <cache_root>/rootfs (content-addressed by archive hash)
    bool overlay = false;   // upper/work under the state dir
    bool readonly = false;  // remount / read-only after pivot_root
    std::vector<std::string> host_binds;  // host mode: host dirs bound read-only (/usr, /bin, ...)
};

// ---- step 4: cgroup ------------------------------------------------------------------------
struct CgroupWrite {
    std::string controller;  // v1: the hierarchy ("memory", "pids", "cpu"); v2: "" (unified)
    std::string file;        // "memory.max", "memory.limit_in_bytes", ...
    std::string value;
};

struct CgroupPlan {
    bool enabled = false;  // false when no limit is asked for and no cgroup is wanted
    CgroupVersion version = CgroupVersion::v2;
    std::string path;                         // relative to each hierarchy root: "sandbox/<name>"
    std::vector<std::string> v1_controllers;  // hierarchies to create the group in (v1/hybrid)
    std::vector<std::string> v2_enable;  // controllers to enable in the parent's subtree_control
    std::vector<CgroupWrite> writes;     // in order
};

// ---- step 5: spawn -------------------------------------------------------------------------
enum class NsType { user, pid, mount, uts, ipc, net, cgroup, time };
std::string_view to_string(NsType type);

struct NamespaceOp {
    NsType type = NsType::mount;
    enum class Action { create, join } action = Action::create;
    std::string path;     // join: "/proc/<pid>/ns/<type>" or the given path
    std::string sandbox;  // join by sandbox name: resolved through its state dir at spawn
};

struct SpawnPlan {
    std::vector<NamespaceOp> namespaces;  // only those not left as the host's
    bool join_pid_namespace = false;      // needs the intermediate process (STYLE §2.4)
};

// ---- step 6: id maps -----------------------------------------------------------------------
struct IdMapLine {
    uint32_t inside = 0;
    uint32_t outside = 0;
    uint32_t count = 1;
};

struct IdMapPlan {
    bool enabled = false;  // a new user namespace
    bool deny_setgroups = true;
    std::vector<IdMapLine> uid_lines;
    std::vector<IdMapLine> gid_lines;
    bool use_helpers = false;  // multi-range rootless: newuidmap/newgidmap
};

// ---- steps 7 and 12: network ---------------------------------------------------------------
struct Cidr {
    std::string address;  // "10.0.0.2"
    uint8_t prefix = 0;   // 24
    bool v6 = false;
};

struct PortForwardOp {
    uint16_t host_port = 0;
    uint16_t sandbox_port = 0;
    profile::Protocol protocol = profile::Protocol::tcp;
};

struct NetHostPlan {
    profile::NetworkMode mode = profile::NetworkMode::none;
    std::string host_name;  // host end of the veth
    std::string peer_name;  // the peer's name as created in the sandbox netns
    std::vector<Cidr> host_addresses;
    std::optional<uint32_t> mtu;
    bool nat = false;
    std::string nft_table;                // "sandbox-<name>" in family inet
    std::vector<Cidr> sandbox_addresses;  // for masquerade / dnat targets
    std::vector<PortForwardOp> ports;
    bool forwarding = false;  // set net.ipv4.ip_forward (and ipv6 when v6 addresses) for the run
};

struct RouteOp {
    std::string gateway;  // "10.0.0.1"
    bool v6 = false;
};

struct NetSandboxPlan {
    bool loopback_up = false;
    std::string interface_name;  // "eth0" (renamed from peer_name inside), empty when no veth
    std::string peer_name;
    std::vector<Cidr> addresses;
    std::optional<uint32_t> mtu;
    std::vector<RouteOp> default_routes;
};

// ---- step 9: identity ----------------------------------------------------------------------
struct IdentityPlan {
    std::optional<std::string> hostname;
    std::optional<std::string> domainname;
};

// ---- step 10: mounts (bubblewrap-style ops as data) ----------------------------------------
enum class MountOpKind {
    make_private,  // "/" made private (or slave) recursively
    bind_root,     // bind the rootfs dir onto itself (pivot_root needs a mount point)
    overlay_root,  // overlayfs of the rootfs (lower) + state dir upper/work
    tmpfs_root,    // host mode: a tmpfs as the new root
    bind,          // host path -> target under the new root
    tmpfs,
    proc,
    sysfs,
    devpts,
    mqueue,
    dev_node,    // bind a host /dev node (null zero full random urandom tty)
    symlink,     // source = link text, target = link path
    mask,        // hide a path: bind /dev/null over a file, empty ro tmpfs over a dir
    readonly,    // remount an existing path read-only (bind + MS_RDONLY)
    write_file,  // source = a file in the state dir bound over target (resolv.conf, hosts)
};

struct MountFlags {
    bool readonly = false;
    bool nosuid = false;
    bool nodev = false;
    bool noexec = false;
    bool noatime = false;
    bool relatime = false;
    bool strictatime = false;
    bool nodiratime = false;
    bool nosymfollow = false;
    bool recursive = false;  // MS_REC (bind)
};

struct MountOp {
    MountOpKind kind = MountOpKind::bind;
    std::string source;  // host path / fs source / link text
    std::string target;  // absolute, inside the sandbox (resolved in the new root)
    MountFlags flags;
    std::string data;  // fs options: "size=65536k,mode=1777"
    std::optional<profile::Propagation> propagation;
    enum class Create { none, dir, file } create = Create::none;
    bool optional = false;  // ENOENT on the source: skip
    std::string origin;     // "mounts[2]", "default /dev", "security.masked_paths[0]"
};

// ---- step 11: pivot_root -------------------------------------------------------------------
struct PivotPlan {
    bool enabled = true;         // false only when the mount namespace is the host's
    bool readonly_root = false;  // remount / read-only after the switch
};

// ---- steps 14-18: the workload -------------------------------------------------------------
struct RlimitOp {
    std::string resource;          // "nofile"
    std::optional<uint64_t> soft;  // nullopt = RLIM_INFINITY
    std::optional<uint64_t> hard;
};

struct ProcessPlan {
    std::vector<std::string> args;
    std::vector<std::pair<std::string, std::string>> env;  // explicit values
    std::vector<std::string> inherit_env;                  // copied from the launcher at spawn
    std::string cwd = "/";
    std::optional<std::string> user;  // name or number; resolved against the rootfs at exec
    std::optional<std::string> group;
    std::vector<std::string> supplementary_groups;
    uint32_t umask = 022;
    profile::TtyMode tty = profile::TtyMode::auto_detect;
    std::vector<RlimitOp> rlimits;
    std::vector<int> keep_fds;
    bool new_session = true;  // setsid(), so TIOCSTI cannot reach the launcher's terminal
    std::optional<Duration> timeout;
    int stop_signal = 15;
    Duration stop_grace = std::chrono::seconds(10);
    bool pid1_init = true;  // a new pid namespace: sandbox:init stays as PID 1
};

struct CapsPlan {
    std::vector<std::string> keep;  // bounding / permitted / effective / inheritable
    std::vector<std::string> ambient;
    bool no_new_privileges = true;
};

struct SeccompArgOp {
    uint32_t index = 0;
    profile::ArgOp op = profile::ArgOp::eq;
    uint64_t value = 0;
    uint64_t value2 = 0;
};

struct SeccompRuleOp {
    std::string syscall;
    profile::SeccompAction action = profile::SeccompAction::errno_;
    uint32_t errno_value = 1;
    std::vector<SeccompArgOp> args;
};

struct SeccompPlan {
    bool enabled = false;
    profile::SeccompAction default_action = profile::SeccompAction::allow;
    uint32_t default_errno = 1;
    std::vector<std::string> architectures;  // native plus the ABIs filtered alongside (x32, x86)
    std::vector<SeccompRuleOp> rules;        // after preset + import + allow/deny + rules merge
    std::string cache_key;                   // hash of the rule set (filter cache)
};

struct SecurityPlan {
    std::optional<profile::Landlock> landlock;
};

// ---- the whole plan --------------------------------------------------------------------------
struct Plan {
    StatePlan state;
    RootfsPlan rootfs;
    CgroupPlan cgroup;
    SpawnPlan spawn;
    IdMapPlan id_maps;
    NetHostPlan network_host;
    IdentityPlan identity;
    std::vector<MountOp> mounts;
    PivotPlan pivot;
    NetSandboxPlan network_sandbox;
    ProcessPlan process;
    CapsPlan capabilities;
    SeccompPlan seccomp;
    SecurityPlan security;
};

// Profile -> Plan. Pure: no system calls. Throws nothing for a profile that passed check().
Plan make_plan(const profile::Profile& profile, const HostFacts& facts);

}  // namespace sandbox::plan
