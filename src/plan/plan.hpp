#pragma once
// The Plan: every concrete operation `sandbox up` will perform, in order, as plain data.
// `sandbox explain` prints exactly this; exec/ runs exactly this. No third-party or Linux
// headers: flags are spelled as named booleans/enums and exec/ maps them to MS_*, CLONE_*, ...
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/mount_attributes.hpp"
#include "plan/host_facts.hpp"
#include "plan/state_layout.hpp"
#include "plan/step_id.hpp"
#include "profile/profile.hpp"

namespace sandbox::plan {

using profile::Duration;

// ---- notes ---------------------------------------------------------------------------------
// What the planner decided that the user should know (a default /proc skipped, a cgroup that
// cannot be created rootless, ...). make_plan never throws: a profile that is valid but cannot
// run on this host gets an `error` note, and `up` refuses to start a plan that has one.
struct PlanNote {
    StepId step = StepId::validate;
    enum class Level { info, warning, error } level = Level::info;
    std::string message;
};

// ---- step 2: state -------------------------------------------------------------------------
// A file the state step writes before anything else; the mounts step binds some of them into
// the sandbox (MountOpKind::write_file).
struct StateFile {
    std::string path;    // absolute: an entry of the state root (StateLocation::entry)
    std::string target;  // where the mounts step binds it in the sandbox: "/etc/hosts"
    std::string content;
    uint32_t mode = 0644;
};

// A sandbox's state is a set of flat entries of the state root, <name>@<kind>, and no directory
// of its own (plan/state_layout.hpp).
struct StatePlan {
    std::string sandbox_name;
    std::string root;  // the state root: /run/sandbox, or $XDG_RUNTIME_DIR/sandbox rootless
    // <root>/newroot: the new root's mount point, shared by every sandbox (each mounts its root
    // there in its own mount namespace). Made when missing, never removed. Mode 0711:
    // traversable (not readable) by the root of a user namespace, which is another uid on the
    // host and must reach it.
    std::string new_root_dir;
    uint32_t new_root_mode = 0711;
    // The sandbox's root is another host uid (a user namespace mapping 0 elsewhere): it must be
    // able to search the state root to reach new_root_dir and the overlay layers, so a root its
    // owner made 0700 gets o+x (exec/state.cpp).
    bool searchable_root = false;
    std::vector<StateFile> files{};  // resolv.conf / hosts when the profile asks for them

    StateLocation location() const { return {root, sandbox_name}; }
};

// ---- step 3: rootfs ------------------------------------------------------------------------
enum class RootfsKind { directory, archive, host };

struct RootfsPlan {
    RootfsKind kind = RootfsKind::directory;
    std::string source;     // the directory, or the archive file; empty for host
    std::string cache_dir;  // archive: <cache_root>/rootfs (content-addressed by archive hash)
    bool overlay = false;   // upper/work in the sandbox's <name>@overlay entry
    bool readonly = false;  // remount / read-only after pivot_root; always for an archive
                            // without overlay (the shared cached tree is never writable)
    // archive: extract setuid/setgid bits and security.capability (rootfs.keep_setuid)
    bool keep_setuid = false;
    std::vector<std::string> host_binds;  // host mode: host dirs bound read-only (/usr, /bin, ...)
    std::string upper_dir;  // overlay: <state root>/<name>@overlay/upper (made by the rootfs step)
    std::string work_dir;   // overlay: <state root>/<name>@overlay/work
};

// ---- step 4: cgroup ------------------------------------------------------------------------
struct CgroupWrite {
    std::string controller;  // v1: the hierarchy ("memory", "pids", "cpu"); v2: "" (unified)
    std::string file;        // "memory.max", "memory.limit_in_bytes", ...
    std::string value;
};

// Enabled when something needs a group (plan/cgroup_plan.cpp: limits, the report's usage
// figures, no pid namespace of the sandbox's own -- then the whole-cgroup kill at cleanup is
// how no stray process survives the run --, or a cgroup namespace whose workload keeps
// CAP_SYS_ADMIN) and the host has cgroups we may write (root, or rootless on v2).
struct CgroupPlan {
    bool enabled =
        false;  // false when nothing needs a cgroup (plan/cgroup_plan.cpp) or none can be made
    // The driver to use: v1 or v2 only (hybrid hosts are planned as v1, because the memory,
    // pids and cpu controllers live in the v1 hierarchies there). host_version says what the
    // host has, for explain.
    CgroupVersion version = CgroupVersion::v2;
    CgroupVersion host_version = CgroupVersion::v2;
    std::string path;                         // relative to each hierarchy root: "sandbox/<name>"
    std::vector<std::string> v1_controllers;  // hierarchies to create the group in (v1/hybrid)
    // v1: controller -> hierarchy mount for exactly v1_controllers (sys::make_cgroup_v1 input).
    std::map<std::string, std::string> v1_hierarchies;
    // v2: where the group is created and controllers enabled from (sys::make_cgroup_v2
    // input): the unified mount as root; rootless, the delegated parent of the launcher's
    // own cgroup (<mount>/user.slice/.../user@UID.service/app.slice).
    std::string v2_root;
    std::vector<std::string> v2_enable;  // controllers to enable in the parent's subtree_control
    std::vector<CgroupWrite> writes;     // in order
    // How the child gets into the group (decided after the kernel plan): born in it with
    // clone3(CLONE_INTO_CGROUP) (v2 on 5.7+), or it writes 0 into each leaf's `tasks` (v1) /
    // `cgroup.procs` (v2 without CLONE_INTO_CGROUP) itself before exec.
    enum class Attach { none, clone_into_cgroup, child_writes } attach = Attach::none;
};

// ---- kernel features (plan/kernel_plan.cpp) ------------------------------------------------
// Which path the launcher takes where the kernel may lack a feature above the floor
// (docs/architecture.md "Kernel floor"). Missing features with no fallback are plan errors.
struct KernelPlan {
    std::string release;              // uname -r, for explain; empty when not probed
    bool clone_into_cgroup = true;    // v2: born in the cgroup; false: the child joins itself
    bool close_range_cloexec = true;  // false: close_range() around the sync socket instead
    std::vector<std::string> paths;   // one line per decision, for explain
};

// ---- step 5: spawn -------------------------------------------------------------------------
enum class NsType { user, pid, mount, uts, ipc, net, cgroup, time };
std::string_view to_string(NsType type);        // "user", "mnt": the /proc/PID/ns/ name
std::string_view clone_flag_name(NsType type);  // "CLONE_NEWUSER", "CLONE_NEWNS"

// The name a foreground `up` gives a profile that names no sandbox (neither `name` nor --name):
// the profile's stem plus four hex digits of `random`, so several runs of one shared profile
// can run at once ("ci-3f9a"). The stem is cut so the result stays within the 64 characters
// check.cpp allows.
std::string unique_sandbox_name(std::string_view stem, uint32_t random);

struct NamespaceOp {
    NsType type = NsType::mount;
    enum class Action { create, join } action = Action::create;
    std::string path;     // join: "/proc/<pid>/ns/<type>" or the given path
    std::string sandbox;  // join by sandbox name: resolved through its state.json at spawn
};
// SpawnPlan::namespaces is in this fixed order: user, pid, mount, uts, ipc, net, cgroup, time.
// Creates become clone3 flags; joins are setns() calls (user first, as the kernel requires).

struct SpawnPlan {
    std::vector<NamespaceOp> namespaces;  // only those not left as the host's
    // A pid namespace is joined: setns(CLONE_NEWPID) only moves the caller's future children, so
    // the launcher enters it around clone3 and goes back to its own (no intermediate process).
    // The child then cannot see the launcher's pid and watches it through a pidfd.
    bool join_pid_namespace = false;
    // A new cgroup namespace is rooted at the cgroup its creator is in. On v2 the child is
    // born in the sandbox cgroup (CLONE_INTO_CGROUP) and CLONE_NEWCGROUP goes into clone3.
    // On v1 the child joins by writing its `tasks` files itself, so the cgroup namespace must
    // be unshare()d by the child right after that, not passed to clone3.
    bool unshare_cgroup_after_attach = false;
};

// ---- step 6: id maps -----------------------------------------------------------------------
struct IdMapLine {
    uint32_t inside = 0;
    uint32_t outside = 0;
    uint32_t count = 1;
};

struct IdMapPlan {
    bool enabled = false;  // a new user namespace
    // Write "deny" to /proc/PID/setgroups before gid_map. True when an unprivileged caller
    // writes the maps itself (the kernel requires it); false with newgidmap or as root. When
    // true, the credentials step must not call setgroups() (it fails with EPERM).
    bool deny_setgroups = true;
    std::vector<IdMapLine> uid_lines;
    std::vector<IdMapLine> gid_lines;
    bool use_helpers = false;  // multi-range rootless: newuidmap/newgidmap
    // uid_map = gid_map = "auto": the one line of each map gets its `outside` at run time, a
    // free block of `count` ids leased from uid_pool (exec/host/id_ranges.hpp); the gid block
    // is at the same offset in gid_pool. Root: both pools are the configured pool and every
    // /etc/subuid and /etc/subgid entry is excluded; rootless: the caller's subordinate ranges.
    struct AutoRange {
        uint32_t count = 65536;
        SubIdRange uid_pool;
        SubIdRange gid_pool;
        std::string pool_origin;  // "SANDBOX_ID_POOL", "default pool", "/etc/subuid of uid N"
        std::vector<SubIdRange> excluded;
        std::string lease_dir;  // <state root>/id-ranges
    };
    std::optional<AutoRange> auto_range;
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

// veth only; mode none/host leave everything empty. The pair is created with the peer already
// in the child's netns (IFLA_NET_NS_PID/FD) under peer_name, and renamed inside (step 12).
struct NetHostPlan {
    profile::NetworkMode mode = profile::NetworkMode::none;
    std::string host_name;  // host end of the veth: profile value or "sbx-<name5>-<hash5>"
    std::string peer_name;  // the peer's name as created in the sandbox netns
    std::vector<Cidr> host_addresses;
    std::optional<uint32_t> mtu;
    bool nat = false;
    std::string nft_table;  // "sandbox-<name>" in family inet; empty = no nft table (no nat/ports)
    std::vector<Cidr> sandbox_addresses;  // for masquerade / dnat targets
    std::vector<PortForwardOp> ports;
    bool forwarding = false;  // set net.ipv4.ip_forward (and ipv6 when v6 addresses) for the run;
                              // veth.forwarding, or implied by veth.nat (NAT needs routing)
    // The address pool (exec/host/ipam.hpp) chooses the IPv4 / IPv6 subnet of the pair: the
    // profile left network.veth.address out or wrote "auto" (address6 = "auto" for v6). The
    // launcher leases it before spawn and fills host_addresses, sandbox_addresses and the
    // sandbox half's addresses and default routes.
    bool pool_v4 = false;
    bool pool_v6 = false;
    std::string pool_dir;  // <state root>/ip-pool: the lease files
    // The pools the subnets come from (HostFacts: $SANDBOX_ADDRESS_POOL[6] or the default) and
    // the prefix of each leased subnet; the lease itself is only known at run time.
    std::string pool4;  // "10.88.0.0/16"
    std::string pool4_origin;
    uint8_t pool4_subnet_prefix = 30;
    std::string pool6;
    std::string pool6_origin;
    uint8_t pool6_subnet_prefix = 64;
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
    // "/proc/sys/net/..." -> value, written in the new netns before the mounts step:
    // ping_group_range = "0 2147483647" (ICMP echo sockets for every group, so ping works
    // without CAP_NET_RAW, as Docker and podman do), then network.sysctls.
    std::vector<std::pair<std::string, std::string>> sysctls;
};

// ---- step 9: identity ----------------------------------------------------------------------
struct IdentityPlan {
    std::optional<std::string> hostname;
    std::optional<std::string> domainname;
};

// ---- step 10: mounts (bubblewrap-style ops as data) ----------------------------------------
// Order of Plan::mounts: make_private; root preparation (bind_root | overlay_root | tmpfs_root
// + host binds); the default kernel filesystems (/proc, /dev and its nodes, /sys) unless the
// profile mounts that target or a parent of it itself; the profile's [[mounts]] in file order
// (after the defaults, so a profile mount under /dev or /proc is not hidden by them); masked
// paths; read-only paths; write_file binds of /etc/resolv.conf and /etc/hosts.
//
// Targets: make_private's target is "/" of the child's mount namespace. Every other target is a
// path inside the sandbox: the executor resolves it under PivotPlan::new_root (the root ops'
// target "/" is new_root itself), without following symlinks out of it (openat2
// RESOLVE_IN_ROOT or an equivalent walk). Sources of bind/dev_node are host paths, resolved
// before pivot_root; write_file sources are state entries.
enum class MountOpKind {
    make_private,  // "/" made private (or slave, per `propagation`) recursively
    bind_root,     // bind the rootfs dir on new_root, MS_BIND|MS_REC (a mount point for
                   // pivot_root). The directory bound is the rootfs step's result
                   // (PreparedRootfs::root): realpath(source) for a directory rootfs, the
                   // unpacked <cache_dir>/<sha256> for an archive (source is empty then).
    overlay_root,  // overlayfs on new_root; `data` = "lowerdir=..,upperdir=..,workdir=..",
                   // lowerdir = the rootfs step's result as for bind_root (the plan spells
                   // the source, empty for an archive), upper/work = RootfsPlan's dirs
    tmpfs_root,    // host mode: a tmpfs on new_root (data "mode=0755")
    bind,          // host path -> target under the new root
    tmpfs,
    proc,
    sysfs,
    devpts,
    mqueue,
    dev_node,    // bind a host /dev node (null zero full random urandom tty)
    symlink,     // source = link text, target = link path
    mask,        // hide a path: bind /dev/null over a file, empty ro tmpfs over a dir;
                 // a missing target is skipped (optional = true)
    readonly,    // bind the path onto itself (MS_REC) then remount MS_BIND|MS_REMOUNT|MS_RDONLY
                 // keeping the flags it had (locked in a user ns); missing target: skipped
    write_file,  // source = a state entry (<name>@hosts) bound (read-only) over target
};
// Flags are applied the way mount(2) needs them: a bind is mount(MS_BIND[|MS_REC]) and, when
// any of readonly/nosuid/nodev/noexec/atime flags is set, a second
// mount(MS_BIND|MS_REMOUNT|flags). `propagation` is a third mount(MS_PRIVATE|...) call.
// Other kinds pass the flags to the one mount() call with `data`.

struct MountFlags : MountAttributes {  // common/mount_attributes.hpp
    bool recursive = false;            // MS_REC (bind)
};

struct MountOp {
    MountOpKind kind = MountOpKind::bind;
    std::string source;  // host path / fs source / link text
    std::string target;  // absolute, inside the sandbox (resolved in the new root)
    MountFlags flags;
    std::string data;  // fs options: "size=65536k,mode=1777"
    std::optional<profile::Propagation> propagation;
    // Create the target before mounting (parents too, mode 0755). like_source: binds only —
    // the executor stat()s the source and creates a directory for a directory, else an empty
    // file (the planner cannot stat). dir: non-bind mounts. file: dev nodes, write_file.
    enum class Create { none, dir, file, like_source } create = Create::none;
    // Permission bits of a directory the executor creates for `create` (profile mounts[].mode
    // on a non-tmpfs mount); nullopt = 0755. A tmpfs's mode is in `data` instead.
    std::optional<uint32_t> create_mode;
    // ENOENT on the source (bind, dev_node) or on the target (mask, readonly): skip the op.
    bool optional = false;
    // bind: resolve the source through symbolic links. Off for profile binds unless the mount
    // says follow_symlinks = true (a link in a source path is ELOOP: whoever can change the
    // link would choose what the sandbox sees); on for rootfs.host's /bin -> usr/bin.
    bool follow_symlinks = false;
    std::string origin;  // "mounts[2]", "default /dev", "security.masked_paths[0]"
};

// ---- step 11: pivot_root -------------------------------------------------------------------
struct PivotPlan {
    bool enabled = true;         // false only when the mount namespace is the host's
    bool readonly_root = false;  // remount / read-only after the switch
    std::string new_root;        // StatePlan::new_root_dir: the root ops assemble it there
};

// ---- steps 14-18: the workload -------------------------------------------------------------
struct RlimitOp {
    std::string resource;          // "nofile"
    std::optional<uint64_t> soft;  // nullopt = RLIM_INFINITY
    std::optional<uint64_t> hard;
};

struct ProcessPlan {
    std::vector<std::string> args;
    // Explicit values: a default PATH first unless the profile sets or inherits PATH, then the
    // profile's env in file order. Nothing else (TERM, HOME...) unless inherit_env lists it.
    std::vector<std::pair<std::string, std::string>> env;
    std::vector<std::string> inherit_env;  // copied from the launcher at spawn
    std::string cwd = "/";
    std::optional<std::string> user;  // name or number; resolved against the rootfs at exec
    std::optional<std::string> group;
    std::vector<std::string> supplementary_groups;
    // What the credentials step does with the supplementary groups (setgroups(2)):
    //   unchanged: no user/group/supplementary_groups: no credential change at all;
    //   listed: supplementary_groups, looked up in the sandbox's /etc/group;
    //   user_memberships: the groups the sandbox's /etc/group lists `user` in (initgroups(3)),
    //     so `user = "nobody"` drops root's groups;
    //   cleared: setgroups([]) (only `group` was given);
    //   denied: setgroups is denied in this user namespace (id_maps.deny_setgroups): not called.
    enum class Groups { unchanged, listed, user_memberships, cleared, denied };
    Groups groups = Groups::unchanged;
    uint32_t umask = 022;
    profile::TtyMode tty = profile::TtyMode::auto_detect;
    // tty, decided: true = a pty from the sandbox's own devpts is the workload's controlling
    // terminal and stdio (auto: only when the launcher's stdin and stdout are terminals).
    bool pty = false;
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
    std::vector<SeccompArgOp> args;  // all must match (AND)
    std::string origin;  // "preset default", "import", "seccomp.allow", "seccomp.rules[2]"
};

// Semantics (what explain prints and what the executor installs): for each system call, of the
// rules whose arguments match, the most severe action wins (kill_process > kill_thread > trap >
// errno > log > allow); no matching rule -> default_action. Rules are sorted by syscall name,
// unconditional rules first; rules that could never win have been removed (see `notes`).
struct SeccompPlan {
    bool enabled = false;
    std::string preset;  // "default", "strict", "none"
    profile::SeccompAction default_action = profile::SeccompAction::allow;
    uint32_t default_errno = 1;
    // The native ABI the rules are compiled for. Every other ABI the CPU can enter (x86
    // `int 0x80`, x32) gets foreign_arch_action instead of a copy of the rules.
    std::vector<std::string> architectures;
    profile::SeccompAction foreign_arch_action = profile::SeccompAction::kill_process;
    std::vector<SeccompRuleOp> rules;  // after preset + import + allow/deny + rules merge
    std::vector<std::string> notes;    // merge decisions: overrides and shadowed rules
    std::string cache_key;             // hash of everything above that shapes the filter
    std::string cache_dir;             // <cache_root>/seccomp; empty = no BPF cache
    // Hash of the inputs (the [seccomp] section, the native ABI): what `up` files a memo of
    // this plan under (exec/seccomp_memo.hpp); set with a cache_dir.
    std::string inputs_key;
    // Made from such a memo: rules and notes are empty (nothing of `up` reads them once the
    // program is cached); explain, export and a compile of the filter need a full plan.
    bool rules_elided = false;
};

// What a memo keeps of a SeccompPlan (exec/seccomp_memo.hpp): the plan but its rules and
// notes, which nothing of `up` reads once the program named by cache_key is loaded.
struct SeccompMemo {
    std::string inputs_key;  // seccomp_inputs_key of the section it was made for
    std::string cache_key;
    profile::SeccompAction default_action = profile::SeccompAction::allow;
    uint32_t default_errno = 1;
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
    KernelPlan kernel;
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
    std::vector<PlanNote> notes;  // in step order

    bool has_errors() const;
};

inline constexpr const char* k_default_path =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

// What the invocation asks of a plan beyond the profile.
struct PlanRequest {
    // `up --report` (and `explain --report`): the report's usage figures, memory peak and cpu
    // time, which need a cgroup (plan/cgroup_plan.cpp).
    bool usage = false;
    // `up`: the memo of an earlier plan of this profile's [seccomp] section (its inputs_key
    // is seccomp_inputs_key(profile.seccomp)), to stand in for planning it again.
    const SeccompMemo* seccomp_memo = nullptr;
};

// Profile -> Plan. Pure: no system calls. Throws nothing for a profile that passed check().
Plan make_plan(const profile::Profile& profile, const HostFacts& facts,
               const PlanRequest& request = {});

// Which of the costlier facts make_plan reads for this profile (host_facts.hpp, FactsNeeded),
// decided from the cheap ones in `facts` (the caller's ids) by the rules make_plan follows.
FactsNeeded facts_needed(const profile::Profile& profile, const HostFacts& facts,
                         const PlanRequest& request = {});

// ProcessPlan::groups for `process` in a user namespace as `id_maps` describes (make_plan's
// decision; `sandbox exec` makes it again from the record `up` left).
ProcessPlan::Groups plan_groups(const ProcessPlan& process, const IdMapPlan& id_maps);

}  // namespace sandbox::plan
