// Profile + HostFacts -> Plan. Pure (no system calls, no environment): everything the executor
// does is decided here, in the order docs/architecture.md §2 runs it, so `sandbox explain` shows
// what runs. Each phase is one function below, in pipeline order.
#include <algorithm>
#include <cstdio>

#include "plan/cgroup_plan.hpp"
#include "plan/kernel_plan.hpp"
#include "plan/mount_defaults.hpp"
#include "plan/mount_plan.hpp"
#include "plan/network_plan.hpp"
#include "plan/plan.hpp"
#include "plan/seccomp_plan.hpp"

namespace sandbox::plan {

namespace {

using profile::NamespaceSetting;
using Mode = NamespaceSetting::Mode;

// The namespace settings with the user default applied (unset = new when rootless).
struct EffectiveNamespaces {
    std::vector<std::pair<NsType, NamespaceSetting>> all;  // in NsType order

    const NamespaceSetting& get(NsType type) const {
        for (const auto& [t, s] : all) {
            if (t == type) {
                return s;
            }
        }
        static const NamespaceSetting host = NamespaceSetting::host_ns();
        return host;
    }
    bool is_created(NsType type) const { return get(type).mode == Mode::create; }
    bool is_host(NsType type) const { return get(type).mode == Mode::host; }
};

EffectiveNamespaces effective_namespaces(const profile::Profile& profile, const HostFacts& facts) {
    const profile::Namespaces& ns = profile.namespaces;
    NamespaceSetting user = ns.user.value_or(facts.is_root() ? NamespaceSetting::host_ns()
                                                             : NamespaceSetting::new_ns());
    // network.mode = "host" means the host's net namespace; check() refuses a profile that
    // also writes namespaces.net = true, so the default (new) is what is overridden here.
    NamespaceSetting net =
        profile.network.mode == profile::NetworkMode::host ? NamespaceSetting::host_ns() : ns.net;
    return EffectiveNamespaces{{{NsType::user, user},
                                {NsType::pid, ns.pid},
                                {NsType::mount, ns.mount},
                                {NsType::uts, ns.uts},
                                {NsType::ipc, ns.ipc},
                                {NsType::net, net},
                                {NsType::cgroup, ns.cgroup},
                                {NsType::time, ns.time}}};
}

// ---- step 2: state ---------------------------------------------------------------------------
StatePlan plan_state(const profile::Profile& profile, const HostFacts& facts,
                     std::vector<PlanNote>& notes) {
    StatePlan out;
    out.sandbox_name = profile.name;
    out.root = facts.state_root;
    if (facts.state_root.empty()) {
        // Rootless without $XDG_RUNTIME_DIR: no shared fallback (exec/host_probe.cpp).
        out.root = "$XDG_RUNTIME_DIR/sandbox";
        notes.push_back(PlanNote{StepId::state, PlanNote::Level::error,
                                 "no state root: XDG_RUNTIME_DIR is not set (rootless state "
                                 "lives in $XDG_RUNTIME_DIR/sandbox); set it, or "
                                 "SANDBOX_STATE_ROOT to a directory only you can write"});
    }
    out.new_root_dir = out.root + "/" + std::string(k_new_root_dir);
    return out;
}

// Whether the root of the sandbox's user namespace is a host uid other than the invoker's: an
// "auto" range, or a uid_map line that maps 0 elsewhere.
bool root_is_another_uid(const IdMapPlan& maps, uint32_t invoker) {
    if (!maps.enabled) {
        return false;
    }
    if (maps.auto_range) {
        return true;
    }
    return std::any_of(maps.uid_lines.begin(), maps.uid_lines.end(),
                       [&](const IdMapLine& l) { return l.inside == 0 && l.outside != invoker; });
}

// ---- step 3: rootfs --------------------------------------------------------------------------
RootfsPlan plan_rootfs(const profile::Profile& profile, const HostFacts& facts,
                       const StatePlan& state, std::vector<PlanNote>& notes) {
    RootfsPlan out;
    const profile::Rootfs& r = profile.rootfs;
    if (r.host) {
        out.kind = RootfsKind::host;
        for (const char* dir : k_host_dirs) {
            out.host_binds.emplace_back(dir);
        }
    } else if (r.archive) {
        out.kind = RootfsKind::archive;
        out.source = *r.archive;
        out.cache_dir = facts.cache_root + "/rootfs";
    } else {
        out.kind = RootfsKind::directory;
        out.source = r.path.value_or("");
        if (out.source.empty()) {
            notes.push_back(PlanNote{StepId::rootfs, PlanNote::Level::error,
                                     "no root filesystem: set rootfs.path, rootfs.archive or "
                                     "rootfs.host"});
        }
    }
    out.readonly = r.readonly;
    out.keep_setuid = r.keep_setuid && out.kind == RootfsKind::archive;
    // The unpacked tree is shared by every sandbox made from this archive: a workload may never
    // write into it (docs/security.md, "Archive rootfs"). Writable only through an overlay.
    if (out.kind == RootfsKind::archive && !r.overlay) {
        if (!r.readonly) {
            notes.push_back(PlanNote{StepId::rootfs, PlanNote::Level::info,
                                     "an archive rootfs is read-only (its unpacked tree is shared "
                                     "by every sandbox made from it): set rootfs.overlay = true "
                                     "for a throw-away writable layer"});
        }
        out.readonly = true;
    }
    // A tmpfs root is already a throw-away layer: overlay applies to directory and archive.
    out.overlay = r.overlay && out.kind != RootfsKind::host;
    if (r.overlay && !out.overlay) {
        notes.push_back(PlanNote{StepId::rootfs, PlanNote::Level::info,
                                 "rootfs.overlay has no effect with rootfs.host: the root is "
                                 "already a throw-away tmpfs"});
    }
    if (out.overlay) {
        // Created (and undone as one tree) by the rootfs step, as exec/host/rootfs.hpp does.
        const std::string overlay = state.location().entry(state_entry::overlay);
        out.upper_dir = overlay + "/upper";
        out.work_dir = overlay + "/work";
    }
    return out;
}

// ---- step 5: spawn ---------------------------------------------------------------------------
SpawnPlan plan_spawn(const EffectiveNamespaces& ns) {
    SpawnPlan out;
    for (const auto& [type, setting] : ns.all) {
        NamespaceOp op;
        op.type = type;
        switch (setting.mode) {
            case Mode::host:
                continue;
            case Mode::create:
                op.action = NamespaceOp::Action::create;
                break;
            case Mode::join_pid:
                op.action = NamespaceOp::Action::join;
                op.path =
                    "/proc/" + std::to_string(setting.pid) + "/ns/" + std::string(to_string(type));
                break;
            case Mode::join_path:
                op.action = NamespaceOp::Action::join;
                op.path = setting.path;
                break;
            case Mode::join_sandbox:
                op.action = NamespaceOp::Action::join;
                op.sandbox = setting.sandbox;
                break;
        }
        if (type == NsType::pid && op.action == NamespaceOp::Action::join) {
            out.join_pid_namespace = true;
        }
        out.namespaces.push_back(std::move(op));
    }
    return out;
}

// ---- step 4: cgroup --------------------------------------------------------------------------
// A pid namespace of our own ends every process in it with the init (or with the workload as
// pid 1); without one, cleanup finds them by the cgroup. A cgroup namespace made without a
// group of the sandbox's own is rooted at the launcher's cgroup: a workload that keeps
// CAP_SYS_ADMIN could mount cgroupfs there and reach the invoker's groups.
CgroupNeeds cgroup_needs(const profile::Profile& profile, const EffectiveNamespaces& ns,
                         const PlanRequest& request) {
    bool keeps_sys_admin =
        std::find(profile.capabilities.keep.begin(), profile.capabilities.keep.end(),
                  "CAP_SYS_ADMIN") != profile.capabilities.keep.end();
    return CgroupNeeds{.usage = request.usage,
                       .members = !ns.is_created(NsType::pid),
                       .namespace_root = ns.is_created(NsType::cgroup) && keeps_sys_admin};
}

// ---- step 6: id maps -------------------------------------------------------------------------
// The subordinate id facts are read only for uid_map = "auto" (root: the ranges others own;
// rootless: the caller's own) and for a rootless map, which needs the setuid helpers.
bool reads_subordinate_ids(const profile::Profile& profile, const HostFacts& facts,
                           const EffectiveNamespaces& ns) {
    return ns.is_created(NsType::user) &&
           ((profile.uid_map_auto && profile.gid_map_auto) || !facts.is_root());
}

IdMapPlan plan_id_maps(const profile::Profile& profile, const HostFacts& facts,
                       const EffectiveNamespaces& ns, std::vector<PlanNote>& notes) {
    IdMapPlan out;
    if (!ns.is_created(NsType::user)) {
        out.deny_setgroups = false;  // no maps are written; setgroups works as usual
        return out;
    }
    out.enabled = true;
    auto lines = [](const std::vector<profile::IdMapRange>& ranges, uint32_t caller) {
        std::vector<IdMapLine> result;
        for (const profile::IdMapRange& r : ranges) {
            result.push_back(IdMapLine{r.inside, r.outside, r.count});
        }
        if (result.empty()) {
            result.push_back(IdMapLine{0, caller, 1});  // root inside -> the caller
        }
        return result;
    };
    out.uid_lines = lines(profile.uid_map, facts.uid);
    out.gid_lines = lines(profile.gid_map, facts.gid);
    if (profile.uid_map_auto && profile.gid_map_auto) {
        // One line each, 0..65535 inside; `outside` is leased when the sandbox starts.
        IdMapPlan::AutoRange a;
        a.lease_dir = facts.state_root + "/id-ranges";
        if (facts.is_root()) {
            a.uid_pool = a.gid_pool = facts.id_pool;
            a.pool_origin = facts.id_pool_origin;
            a.excluded = facts.subid_entries;
        } else if (facts.subuid && facts.subgid) {
            // Rootless: only the caller's own subordinate ids, through newuidmap/newgidmap.
            a.uid_pool = *facts.subuid;
            a.gid_pool = *facts.subgid;
            a.pool_origin = "/etc/subuid and /etc/subgid of uid " + std::to_string(facts.uid);
            if (facts.subuid->count < a.count || facts.subgid->count < a.count) {
                notes.push_back(PlanNote{StepId::id_maps, PlanNote::Level::error,
                                         "uid_map = \"auto\" needs 65536 subordinate ids in "
                                         "/etc/subuid and /etc/subgid for the caller"});
            }
        }
        out.uid_lines = {IdMapLine{0, a.uid_pool.start, a.count}};
        out.gid_lines = {IdMapLine{0, a.gid_pool.start, a.count}};
        out.auto_range = std::move(a);
    }

    // Unprivileged, the kernel lets us write one line mapping our own id; anything else
    // needs the setuid helpers, which check /etc/subuid and /etc/subgid.
    auto needs_helper = [](const std::vector<IdMapLine>& l, uint32_t caller) {
        return l.size() > 1 || l[0].count > 1 || l[0].outside != caller;
    };
    out.use_helpers =
        !facts.is_root() && (out.auto_range || needs_helper(out.uid_lines, facts.uid) ||
                             needs_helper(out.gid_lines, facts.gid));
    // setgroups must be denied before an unprivileged gid_map write (user_namespaces(7));
    // newgidmap and root may leave it allowed, so supplementary groups keep working.
    out.deny_setgroups = !facts.is_root() && !out.use_helpers;
    if (out.use_helpers && (!facts.subuid || !facts.subgid)) {
        notes.push_back(PlanNote{StepId::id_maps, PlanNote::Level::error,
                                 "the uid/gid maps need newuidmap/newgidmap, and the caller has "
                                 "no range in /etc/subuid or /etc/subgid"});
    }
    // process.user / group given as numbers must be mapped, or setresuid fails (EINVAL).
    auto mapped = [](const std::vector<IdMapLine>& l, const std::optional<std::string>& id) {
        if (!id || id->empty() || id->find_first_not_of("0123456789") != std::string::npos) {
            return true;  // a name: resolved in the rootfs at exec, not checkable here
        }
        unsigned long long value = std::stoull(*id);
        return std::any_of(l.begin(), l.end(), [&](const IdMapLine& line) {
            return value >= line.inside && value - line.inside < line.count;
        });
    };
    if (!mapped(out.uid_lines, profile.process.user)) {
        notes.push_back(PlanNote{StepId::id_maps, PlanNote::Level::error,
                                 "process.user " + *profile.process.user +
                                     " is not mapped in the user namespace (see uid_map)"});
    }
    if (!mapped(out.gid_lines, profile.process.group)) {
        notes.push_back(PlanNote{StepId::id_maps, PlanNote::Level::error,
                                 "process.group " + *profile.process.group +
                                     " is not mapped in the user namespace (see gid_map)"});
    }
    if (out.deny_setgroups && !profile.process.supplementary_groups.empty()) {
        notes.push_back(PlanNote{StepId::id_maps, PlanNote::Level::warning,
                                 "setgroups is denied in this user namespace: "
                                 "process.supplementary_groups cannot be set"});
    }
    return out;
}

// ---- step 9: identity ------------------------------------------------------------------------
IdentityPlan plan_identity(const profile::Profile& profile, const EffectiveNamespaces& ns) {
    IdentityPlan out;
    // Only in a UTS namespace of our own: setting the host's (or a joined) hostname is
    // never what a profile means.
    if (ns.is_created(NsType::uts)) {
        out.hostname = profile.uts.hostname.value_or(profile.name);
        out.domainname = profile.uts.domainname;
    }
    return out;
}

// ---- step 10: mounts (a profile mount's op: plan/mount_plan.cpp) ---------------------------

std::vector<MountOp> plan_mounts(const profile::Profile& profile, const EffectiveNamespaces& ns,
                                 const RootfsPlan& rootfs, const StatePlan& state,
                                 std::vector<PlanNote>& notes) {
    std::vector<MountOp> out;
    if (!ns.is_created(NsType::mount)) {
        if (!profile.mounts.empty() || ns.is_host(NsType::mount)) {
            notes.push_back(PlanNote{StepId::mounts, PlanNote::Level::warning,
                                     "no mounts: the mount namespace is not the sandbox's own"});
        }
        return out;
    }

    // Private first, so nothing below propagates back to the host (mount_namespaces(7)).
    MountOp priv;
    priv.kind = MountOpKind::make_private;
    priv.target = "/";
    priv.flags.recursive = true;
    priv.propagation = profile::Propagation::private_;
    priv.origin = "default";
    out.push_back(std::move(priv));

    MountOp root;
    root.target = "/";
    root.origin = "rootfs";
    std::string lower = rootfs.kind == RootfsKind::directory ? rootfs.source : std::string();
    if (rootfs.kind == RootfsKind::host) {
        root.kind = MountOpKind::tmpfs_root;
        root.source = "tmpfs";
        root.data = "mode=0755";
        root.origin = "rootfs.host";
    } else if (rootfs.overlay) {
        root.kind = MountOpKind::overlay_root;
        root.source = "overlay";
        root.data =
            "lowerdir=" + lower + ",upperdir=" + rootfs.upper_dir + ",workdir=" + rootfs.work_dir;
        root.origin = "rootfs.overlay";
    } else {
        root.kind = MountOpKind::bind_root;
        root.source = lower;
        root.flags.recursive = true;
        // Read-only from the start, not only after pivot_root: nothing in setup writes into
        // the shared archive cache either (mount points are made when it is unpacked).
        root.flags.readonly = rootfs.kind == RootfsKind::archive;
    }
    out.push_back(std::move(root));
    if (rootfs.kind == RootfsKind::host) {
        add_host_root_binds(out);
    }

    DefaultMountContext context;
    context.pid_ns_new = !ns.is_host(NsType::pid);
    context.net_ns_new = !ns.is_host(NsType::net);
    context.ipc_ns_new = !ns.is_host(NsType::ipc);
    context.wanted = profile.rootfs.defaults;
    for (const profile::Mount& m : profile.mounts) {
        context.profile_targets.push_back(m.target);
    }
    add_default_mounts(context, out, notes);

    for (size_t i = 0; i < profile.mounts.size(); ++i) {
        out.push_back(profile_mount(profile.mounts[i], i, notes));
    }

    add_masked_paths(profile.security.masked_paths, out);
    add_readonly_paths(profile.security.readonly_paths, out);

    // /etc/resolv.conf and /etc/hosts: files the state step wrote, bound read-only.
    for (const StateFile& f : state.files) {
        MountOp m;
        m.kind = MountOpKind::write_file;
        m.source = f.path;
        m.target = f.target;
        m.flags.readonly = m.flags.nosuid = m.flags.nodev = m.flags.noexec = true;
        m.create = MountOp::Create::file;
        m.origin = m.target == "/etc/hosts" ? "uts.hostname + network.hosts" : "network.dns";
        out.push_back(std::move(m));
    }
    return out;
}

// The contents of /etc/hosts and /etc/resolv.conf, decided here so explain can show them.
void plan_state_files(const profile::Profile& profile, const IdentityPlan& identity,
                      const NetSandboxPlan& net, bool mount_ns_new, StatePlan& state,
                      const HostFacts& facts) {
    if (!mount_ns_new) {
        return;
    }
    const profile::Network& n = profile.network;
    if (!n.dns.empty()) {
        std::string text;
        for (const std::string& server : n.dns) {
            text += "nameserver " + server + "\n";
        }
        state.files.push_back(StateFile{state.location().entry(state_entry::resolv_conf),
                                        "/etc/resolv.conf", text, 0644});
    } else if (n.mode == profile::NetworkMode::veth && !net.interface_name.empty() &&
               facts.host_resolv_conf) {
        // A netns of its own reaches the host's upstream servers (through NAT), never the
        // host's loopback stub: the host's list, as read_host_dns filtered it.
        state.files.push_back(StateFile{state.location().entry(state_entry::resolv_conf),
                                        "/etc/resolv.conf", *facts.host_resolv_conf, 0644});
    }
    // check() refuses network.hosts without rootfs.defaults.hosts.
    if (profile.rootfs.defaults.hosts && (identity.hostname || !n.hosts.empty())) {
        std::string text = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
        if (identity.hostname) {
            // The sandbox's own address when it has one, else the Debian convention 127.0.1.1.
            std::string self = "127.0.1.1";
            for (const Cidr& c : net.addresses) {
                if (!c.v6) {
                    self = c.address;
                    break;
                }
            }
            text += self + "\t" + *identity.hostname + "\n";
        }
        for (const auto& [name, address] : n.hosts) {
            text += address + "\t" + name + "\n";
        }
        state.files.push_back(
            StateFile{state.location().entry(state_entry::hosts), "/etc/hosts", text, 0644});
    }
}

// ---- steps 14-18: the workload ---------------------------------------------------------------
ProcessPlan plan_process(const profile::Profile& profile, const EffectiveNamespaces& ns,
                         const HostFacts& facts) {
    const profile::Process& p = profile.process;
    ProcessPlan out;
    out.args = p.args;
    // The environment is cleared: only a default PATH (so execvp finds programs), the
    // profile's env and the names listed in inherit_env reach the workload.
    auto sets = [&](const std::string& name) {
        return std::any_of(p.env.begin(), p.env.end(),
                           [&](const auto& kv) { return kv.first == name; }) ||
               std::find(p.inherit_env.begin(), p.inherit_env.end(), name) != p.inherit_env.end();
    };
    if (!sets("PATH")) {
        out.env.emplace_back("PATH", k_default_path);
    }
    out.env.insert(out.env.end(), p.env.begin(), p.env.end());
    out.inherit_env = p.inherit_env;
    out.cwd = p.cwd;
    out.user = p.user;
    out.group = p.group;
    out.supplementary_groups = p.supplementary_groups;
    out.umask = p.umask;
    out.tty = p.tty;
    // "auto" as docker/podman without -t: a pty only for an interactive terminal on both
    // ends; `sandbox up P -- make | tee log` must get the workload's bytes, not CRLF.
    out.pty = p.tty == profile::TtyMode::enabled ||
              (p.tty == profile::TtyMode::auto_detect && facts.stdin_is_tty && facts.stdout_is_tty);
    for (const profile::Rlimit& r : p.rlimits) {
        out.rlimits.push_back(RlimitOp{r.name, r.soft, r.hard});
    }
    out.keep_fds = p.keep_fds;
    out.new_session = true;
    out.timeout = p.timeout;
    out.stop_signal = p.stop_signal;
    out.stop_grace = p.stop_grace;
    out.pid1_init = ns.is_created(NsType::pid);
    return out;
}

}  // namespace

// What the credentials step does with the supplementary groups: decided here, so explain
// says what exec/child/workload.cpp applies (the names are looked up in the rootfs at run time).
ProcessPlan::Groups plan_groups(const ProcessPlan& p, const IdMapPlan& id_maps) {
    using Groups = ProcessPlan::Groups;
    if (!p.user && !p.group && p.supplementary_groups.empty()) {
        return Groups::unchanged;
    }
    if (id_maps.deny_setgroups) {
        return Groups::denied;  // the kernel refuses setgroups(2) here (a plan note if listed)
    }
    if (!p.supplementary_groups.empty()) {
        return Groups::listed;
    }
    return p.user ? Groups::user_memberships : Groups::cleared;
}

FactsNeeded facts_needed(const profile::Profile& profile, const HostFacts& facts,
                         const PlanRequest& request) {
    EffectiveNamespaces ns = effective_namespaces(profile, facts);
    return FactsNeeded{
        .cgroups = needs_a_cgroup(profile.limits, cgroup_needs(profile, ns, request)),
        .subordinate_ids = reads_subordinate_ids(profile, facts, ns)};
}

bool Plan::has_errors() const {
    return std::any_of(notes.begin(), notes.end(),
                       [](const PlanNote& n) { return n.level == PlanNote::Level::error; });
}

Plan make_plan(const profile::Profile& profile, const HostFacts& facts,
               const PlanRequest& request) {
    Plan plan;
    EffectiveNamespaces ns = effective_namespaces(profile, facts);

    plan.state = plan_state(profile, facts, plan.notes);
    plan.rootfs = plan_rootfs(profile, facts, plan.state, plan.notes);
    plan.cgroup = plan_cgroup(profile, cgroup_needs(profile, ns, request), facts, plan.notes);
    plan.spawn = plan_spawn(ns);
    plan.kernel = plan_kernel(facts, plan, plan.notes);
    // The child joins by itself on v1, and on v2 without CLONE_INTO_CGROUP: a cgroup namespace
    // made at clone time would be rooted at the launcher's cgroup, so it unshares after joining.
    if (plan.cgroup.enabled) {
        plan.cgroup.attach =
            plan.cgroup.version == CgroupVersion::v2 && plan.kernel.clone_into_cgroup
                ? CgroupPlan::Attach::clone_into_cgroup
                : CgroupPlan::Attach::child_writes;
    }
    plan.spawn.unshare_cgroup_after_attach =
        ns.is_created(NsType::cgroup) && plan.cgroup.attach == CgroupPlan::Attach::child_writes;
    plan.id_maps = plan_id_maps(profile, facts, ns, plan.notes);
    plan.state.searchable_root = root_is_another_uid(plan.id_maps, facts.uid);

    NetworkPlans net = plan_network(profile, ns.is_created(NsType::net));
    plan.network_host = std::move(net.host);
    if (plan.network_host.pool_v4 || plan.network_host.pool_v6) {
        NetHostPlan& n = plan.network_host;
        n.pool_dir = facts.state_root + "/ip-pool";
        if (n.pool_v4) {
            n.pool4 = facts.address_pool4;
            n.pool4_origin = facts.address_pool4_origin;
            n.pool4_subnet_prefix = k_address_subnet_prefix4;
        }
        if (n.pool_v6) {
            n.pool6 = facts.address_pool6;
            n.pool6_origin = facts.address_pool6_origin;
            n.pool6_subnet_prefix = k_address_subnet_prefix6;
        }
    }
    plan.network_sandbox = std::move(net.sandbox);
    // In a user namespace, ping_group_range holds gids of that namespace and every gid of the
    // range must be mapped (EINVAL else): the default becomes the first gid_map line's range,
    // "0 0" for root alone. A value the profile wrote is left for the kernel to judge.
    bool own_ping_range =
        std::any_of(profile.network.sysctls.begin(), profile.network.sysctls.end(),
                    [](const auto& kv) { return kv.first == "net.ipv4.ping_group_range"; });
    if (plan.id_maps.enabled && !plan.id_maps.gid_lines.empty() && !own_ping_range) {
        const IdMapLine& line = plan.id_maps.gid_lines.front();
        for (auto& [path, value] : plan.network_sandbox.sysctls) {
            if (path == "/proc/sys/net/ipv4/ping_group_range") {
                value = std::to_string(line.inside) + " " +
                        std::to_string(uint64_t{line.inside} + line.count - 1);
            }
        }
    }
    if (!profile.network.sysctls.empty() && !ns.is_created(NsType::net)) {
        plan.notes.push_back(PlanNote{StepId::network_sandbox, PlanNote::Level::error,
                                      "network.sysctls needs a new network namespace (they would "
                                      "change the host's)"});
    }
    if (profile.network.mode == profile::NetworkMode::veth) {
        if (!ns.is_created(NsType::net)) {
            plan.notes.push_back(PlanNote{StepId::network_host, PlanNote::Level::error,
                                          "network.mode = \"veth\" needs a new network namespace"});
        }
        // The host end lives in the host's netns: creating it needs CAP_NET_ADMIN there.
        if (!facts.is_root()) {
            plan.notes.push_back(PlanNote{StepId::network_host, PlanNote::Level::error,
                                          "network.mode = \"veth\" needs root (CAP_NET_ADMIN "
                                          "in the host network namespace)"});
        }
    }

    plan.identity = plan_identity(profile, ns);

    plan.pivot.enabled = ns.is_created(NsType::mount);
    plan.pivot.readonly_root = plan.rootfs.readonly && plan.pivot.enabled;
    plan.pivot.new_root = plan.state.new_root_dir;
    plan_state_files(profile, plan.identity, plan.network_sandbox, plan.pivot.enabled, plan.state,
                     facts);
    plan.mounts = plan_mounts(profile, ns, plan.rootfs, plan.state, plan.notes);

    plan.process = plan_process(profile, ns, facts);
    plan.process.groups = plan_groups(plan.process, plan.id_maps);
    plan.capabilities = CapsPlan{profile.capabilities.keep, profile.capabilities.ambient,
                                 profile.security.no_new_privileges};
    // facts: the BPF cache directory
    plan.seccomp = request.seccomp_memo && !facts.cache_root.empty()
                       ? plan_seccomp(profile, facts, *request.seccomp_memo)
                       : plan_seccomp(profile, facts);
    if (profile.security.landlock.enabled) {
        plan.security.landlock = profile.security.landlock;
        // Landlock asked for, and the kernel has none: a sandbox that silently runs with less
        // confinement than its profile says is refused, unless the profile said it may.
        if (facts.landlock_abi == 0 && profile.security.landlock.best_effort) {
            plan.security.landlock.reset();
            plan.notes.push_back(PlanNote{StepId::capabilities, PlanNote::Level::warning,
                                          "security.landlock: the kernel has no Landlock (not "
                                          "built in, or not in lsm=): running without it "
                                          "(best_effort = true)"});
        } else if (facts.landlock_abi == 0) {
            plan.notes.push_back(PlanNote{StepId::capabilities, PlanNote::Level::error,
                                          "security.landlock: the kernel has no Landlock (not "
                                          "built in, or not in lsm=); set "
                                          "security.landlock.best_effort = true to run "
                                          "without it"});
        }
    }

    // Notes in pipeline order (stable within a step).
    std::stable_sort(plan.notes.begin(), plan.notes.end(),
                     [](const PlanNote& a, const PlanNote& b) { return a.step < b.step; });
    return plan;
}

}  // namespace sandbox::plan
