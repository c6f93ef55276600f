// describe() for the host-side steps that have no planning file of their own: state, rootfs,
// spawn, id maps, identity, pivot_root; and the formatting the describe() functions share.
#include <fmt/format.h>

#include "plan/describe.hpp"
#include "profile/enum_names.hpp"

namespace sandbox::plan {

namespace desc {

std::string octal(uint32_t mode) {
    return fmt::format("{:04o}", mode);
}

std::string cidr(const Cidr& c) {
    return fmt::format("{}/{}", c.address, c.prefix);
}

DescJson cidrs(const std::vector<Cidr>& list) {
    DescJson out = DescJson::array();
    for (const Cidr& c : list) {
        out.push_back(cidr(c));
    }
    return out;
}

DescJson optional(const std::optional<std::string>& v) {
    return v ? DescJson(*v) : DescJson(nullptr);
}

}  // namespace desc

namespace {

constexpr profile::EnumName<CgroupVersion> k_cgroup_version_names[] = {
    {CgroupVersion::none, "none"},
    {CgroupVersion::v1, "v1"},
    {CgroupVersion::v2, "v2"},
    {CgroupVersion::hybrid, "hybrid"},
};
constexpr profile::EnumName<RootfsKind> k_rootfs_kind_names[] = {
    {RootfsKind::directory, "directory"},
    {RootfsKind::archive, "archive"},
    {RootfsKind::host, "host"},
};
constexpr profile::EnumName<PlanNote::Level> k_note_level_names[] = {
    {PlanNote::Level::info, "info"},
    {PlanNote::Level::warning, "warning"},
    {PlanNote::Level::error, "error"},
};

}  // namespace

std::string_view to_string(CgroupVersion v) {
    return profile::name_of(k_cgroup_version_names, v);
}

std::string_view to_string(RootfsKind k) {
    return profile::name_of(k_rootfs_kind_names, k);
}

std::string_view to_string(PlanNote::Level l) {
    return profile::name_of(k_note_level_names, l);
}

StepDescription describe(const StatePlan& state) {
    StepDescription d{StepId::state};
    const std::string mode = desc::octal(state.new_root_mode);
    const plan::StateLocation where = state.location();
    d.lines.push_back("lock " + where.entry(state_entry::lock) + ", record " +
                      where.entry(state_entry::record));
    if (state.searchable_root) {
        d.lines.push_back("chmod o+x " + state.root +
                          " if it lacks it: the namespace's root (another uid) searches it");
    }
    d.lines.push_back("mkdir " + state.new_root_dir + " (" + mode + ") if missing: shared, kept");
    DescJson files = DescJson::array();
    for (const StateFile& f : state.files) {
        d.lines.push_back(fmt::format("write {} ({})", f.path, desc::octal(f.mode)));
        size_t start = 0;
        while (start < f.content.size()) {
            size_t end = f.content.find('\n', start);
            if (end == std::string::npos) {
                end = f.content.size();
            }
            d.lines.push_back("  | " + f.content.substr(start, end - start));
            start = end + 1;
        }
        files.push_back({{"path", f.path}, {"mode", desc::octal(f.mode)}, {"content", f.content}});
    }
    d.fields = {{"root", state.root},
                {"entries", where.prefix() + "*"},
                {"new_root_dir", state.new_root_dir},
                {"new_root_mode", mode},
                {"searchable_root", state.searchable_root},
                {"files", files}};
    return d;
}

StepDescription describe(const RootfsPlan& r) {
    StepDescription d{StepId::rootfs, std::string(to_string(r.kind))};
    switch (r.kind) {
        case RootfsKind::directory:
            d.lines.push_back("use directory " + r.source);
            break;
        case RootfsKind::archive:
            d.lines.push_back(fmt::format(
                "unpack {} into {}/<sha256 of the archive> (once; cached)", r.source, r.cache_dir));
            break;
        case RootfsKind::host:
            d.lines.push_back("tmpfs root with read-only binds of " +
                              desc::join(r.host_binds, " ") + " and an /etc subset");
            break;
    }
    if (r.overlay) {
        d.lines.push_back(fmt::format("overlay: upper {} work {}", r.upper_dir, r.work_dir));
    }
    if (r.readonly) {
        d.lines.push_back("readonly: / remounted read-only after pivot_root");
    }
    d.fields = {{"kind", to_string(r.kind)}, {"source", r.source},
                {"cache_dir", r.cache_dir},  {"overlay", r.overlay},
                {"upper_dir", r.upper_dir},  {"work_dir", r.work_dir},
                {"readonly", r.readonly},    {"host_binds", r.host_binds}};
    return d;
}

std::string clone_flags_str(const SpawnPlan& spawn) {
    std::vector<std::string> f;
    for (const NamespaceOp& op : spawn.namespaces) {
        if (op.action != NamespaceOp::Action::create ||
            (op.type == NsType::cgroup && spawn.unshare_cgroup_after_attach)) {
            continue;
        }
        f.emplace_back(clone_flag_name(op.type));
    }
    return desc::join(f, "|");
}

StepDescription describe(const SpawnPlan& spawn, const KernelPlan& kernel,
                         const CgroupPlan& cgroup) {
    StepDescription d{StepId::spawn};
    std::string flags = clone_flags_str(spawn);
    d.lines.push_back("clone3 [" + (flags.empty() ? std::string("no new namespaces") : flags) +
                      "]");
    DescJson ns = DescJson::array();
    for (const NamespaceOp& op : spawn.namespaces) {
        DescJson o = {{"type", to_string(op.type)},
                      {"action", op.action == NamespaceOp::Action::create ? "create" : "join"}};
        if (!op.path.empty()) {
            o["path"] = op.path;
        }
        if (!op.sandbox.empty()) {
            o["sandbox"] = op.sandbox;
        }
        ns.push_back(o);
        if (op.action != NamespaceOp::Action::join || op.type == NsType::pid) {
            continue;
        }
        d.lines.push_back(
            fmt::format("child: setns {} {}", to_string(op.type),
                        op.path.empty() ? "of sandbox \"" + op.sandbox + "\"" : op.path));
    }
    if (spawn.join_pid_namespace) {
        // setns(CLONE_NEWPID) moves only the caller's future children (spawn.cpp).
        for (const NamespaceOp& op : spawn.namespaces) {
            if (op.type == NsType::pid && op.action == NamespaceOp::Action::join) {
                d.lines.push_back(
                    fmt::format("launcher: setns pid {} around clone3, then back to its own",
                                op.path.empty() ? "of sandbox \"" + op.sandbox + "\"" : op.path));
            }
        }
    }
    if (spawn.unshare_cgroup_after_attach) {
        d.lines.push_back(
            cgroup.version == CgroupVersion::v2
                ? "child: unshare [CLONE_NEWCGROUP] after joining the cgroup (cgroup.procs)"
                : "child: unshare [CLONE_NEWCGROUP] after joining the cgroup (v1 tasks)");
    }
    // The paths taken on this kernel (plan/kernel_plan.cpp); only when it was probed, so
    // explain on made-up hosts (goldens) stays kernel-independent.
    if (!kernel.release.empty()) {
        d.lines.push_back("kernel " + kernel.release + " (floor 5.10):");
        for (const std::string& path : kernel.paths) {
            d.lines.push_back("  " + path);
        }
    }
    d.fields = {{"clone_flags", flags},
                {"namespaces", ns},
                {"join_pid_namespace", spawn.join_pid_namespace},
                {"unshare_cgroup_after_attach", spawn.unshare_cgroup_after_attach}};
    return d;
}

StepDescription describe(const IdMapPlan& m) {
    StepDescription d{StepId::id_maps};
    auto lines = [](const std::vector<IdMapLine>& l) {
        DescJson out = DescJson::array();
        for (const IdMapLine& x : l) {
            out.push_back({{"inside", x.inside}, {"outside", x.outside}, {"count", x.count}});
        }
        return out;
    };
    d.fields = {{"enabled", m.enabled},
                {"deny_setgroups", m.deny_setgroups},
                {"use_helpers", m.use_helpers},
                {"uid_map", lines(m.uid_lines)},
                {"gid_map", lines(m.gid_lines)}};
    if (!m.enabled) {
        d.lines.push_back("- no new user namespace");
        return d;
    }
    if (m.deny_setgroups) {
        d.lines.push_back("write setgroups = deny");
    }
    // "auto": the outside start is leased at run time; the run logs the range it got.
    auto outside = [&m](const IdMapLine& l) {
        return m.auto_range ? std::string("<auto>") : std::to_string(l.outside);
    };
    if (m.auto_range) {
        const IdMapPlan::AutoRange& a = *m.auto_range;
        d.lines.push_back(fmt::format(
            "uid_map/gid_map auto: lease {} ids in {}..{} ({}), skipping {} /etc/subuid "
            "and /etc/subgid entries and the other sandboxes' leases (in {})",
            a.count, a.uid_pool.start, uint64_t{a.uid_pool.start} + a.uid_pool.count - 1,
            a.pool_origin, a.excluded.size(), a.lease_dir));
        // "outside" of the lines is the pool start until the run leases a block.
        DescJson excluded = DescJson::array();
        for (const SubIdRange& r : a.excluded) {
            excluded.push_back({{"start", r.start}, {"count", r.count}});
        }
        d.fields["auto"] = {
            {"count", a.count},
            {"uid_pool", {{"start", a.uid_pool.start}, {"count", a.uid_pool.count}}},
            {"gid_pool", {{"start", a.gid_pool.start}, {"count", a.gid_pool.count}}},
            {"pool_origin", a.pool_origin},
            {"excluded", excluded},
            {"lease_dir", a.lease_dir}};
    }
    std::string how = m.use_helpers ? "newgidmap" : "write gid_map";
    for (const IdMapLine& l : m.gid_lines) {
        d.lines.push_back(fmt::format("{} {} {} {}", how, l.inside, outside(l), l.count));
    }
    how = m.use_helpers ? "newuidmap" : "write uid_map";
    for (const IdMapLine& l : m.uid_lines) {
        d.lines.push_back(fmt::format("{} {} {} {}", how, l.inside, outside(l), l.count));
    }
    return d;
}

StepDescription describe(const IdentityPlan& identity) {
    StepDescription d{StepId::identity};
    if (!identity.hostname && !identity.domainname) {
        d.lines.push_back("- host's uts namespace");
    }
    if (identity.hostname) {
        d.lines.push_back("sethostname " + *identity.hostname);
    }
    if (identity.domainname) {
        d.lines.push_back("setdomainname " + *identity.domainname);
    }
    d.fields = {{"hostname", desc::optional(identity.hostname)},
                {"domainname", desc::optional(identity.domainname)}};
    return d;
}

StepDescription describe(const PivotPlan& pivot) {
    StepDescription d{StepId::pivot_root};
    d.fields = {{"enabled", pivot.enabled},
                {"new_root", pivot.new_root},
                {"readonly_root", pivot.readonly_root}};
    if (!pivot.enabled) {
        d.lines.push_back("- host's mount namespace: no pivot_root");
        return d;
    }
    d.lines.push_back("pivot_root " + pivot.new_root + ", detach the old root, chdir /");
    if (pivot.readonly_root) {
        d.lines.push_back("remount / [MS_BIND|MS_REMOUNT|MS_RDONLY]");
    }
    return d;
}

}  // namespace sandbox::plan
