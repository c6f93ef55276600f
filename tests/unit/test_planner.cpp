// The planner's rules, one test per rule, against made-up host facts (no privilege needed).
#include <algorithm>
#include <catch2/catch.hpp>
#include <functional>
#include <nlohmann/json.hpp>

#include "plan/cgroup_plan.hpp"
#include "plan/describe.hpp"
#include "plan/explain.hpp"
#include "plan/mount_defaults.hpp"
#include "plan/network_plan.hpp"
#include "plan/plan.hpp"
#include "plan/seccomp_plan.hpp"
#include "unit/plan_fixtures.hpp"

using namespace sandbox;
using namespace sandbox::plan;
using sandbox::test::facts_hybrid_root;
using sandbox::test::facts_v1_root;
using sandbox::test::facts_v1_rootless;
using sandbox::test::facts_v2_root;
using sandbox::test::facts_v2_rootless;

namespace {

std::vector<std::string> write_list(const CgroupPlan& c) {
    std::vector<std::string> out;
    for (const CgroupWrite& w : c.writes) {
        out.push_back((w.controller.empty() ? "" : w.controller + "/") + w.file + "=" + w.value);
    }
    return out;
}

bool has_note(const Plan& p, StepId step, PlanNote::Level level, const std::string& fragment) {
    return std::any_of(p.notes.begin(), p.notes.end(), [&](const PlanNote& n) {
        return n.step == step && n.level == level && n.message.find(fragment) != std::string::npos;
    });
}

const MountOp* find_mount(const Plan& p, const std::string& target) {
    for (const MountOp& m : p.mounts) {
        if (m.target == target) {
            return &m;
        }
    }
    return nullptr;
}

std::vector<std::string> origins(const Plan& p) {
    std::vector<std::string> out;
    for (const MountOp& m : p.mounts) {
        out.push_back(m.origin);
    }
    return out;
}

size_t index_of(const Plan& p, const std::string& origin) {
    for (size_t i = 0; i < p.mounts.size(); ++i) {
        if (p.mounts[i].origin == origin) {
            return i;
        }
    }
    return p.mounts.size();
}

}  // namespace

// ---- state / rootfs --------------------------------------------------------------------------
TEST_CASE("plan: state entries are state_root/name@kind, the new root state_root/newroot",
          "[unit][plan]") {
    profile::Profile p = test::minimal_profile("box");
    Plan plan = make_plan(p, facts_v2_rootless());
    CHECK(plan.state.root == "/run/user/1000/sandbox");
    CHECK(plan.state.location().prefix() == "/run/user/1000/sandbox/box@");
    CHECK(plan.state.new_root_dir == "/run/user/1000/sandbox/newroot");
    CHECK(plan.pivot.new_root == "/run/user/1000/sandbox/newroot");

    p.rootfs.overlay = true;
    plan = make_plan(p, facts_v2_rootless());
    CHECK(plan.rootfs.upper_dir == "/run/user/1000/sandbox/box@overlay/upper");
    CHECK(plan.rootfs.work_dir == "/run/user/1000/sandbox/box@overlay/work");
    REQUIRE(plan.mounts.size() > 1);
    CHECK(plan.mounts[1].kind == MountOpKind::overlay_root);
    CHECK(plan.mounts[1].data ==
          "lowerdir=/srv/rootfs/busybox,upperdir=/run/user/1000/sandbox/box@overlay/upper,"
          "workdir=/run/user/1000/sandbox/box@overlay/work");
}

TEST_CASE("plan: rootfs directory, archive and missing", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    Plan plan = make_plan(p, facts_v2_root());
    CHECK(plan.rootfs.kind == RootfsKind::directory);
    CHECK(plan.rootfs.source == "/srv/rootfs/busybox");
    CHECK(plan.mounts[1].kind == MountOpKind::bind_root);
    CHECK(plan.mounts[1].source == "/srv/rootfs/busybox");
    CHECK(plan.mounts[1].target == "/");
    CHECK(plan.mounts[1].flags.recursive);

    p.rootfs.path.reset();
    p.rootfs.archive = "/images/alpine.tar.gz";
    plan = make_plan(p, facts_v2_root());
    CHECK(plan.rootfs.kind == RootfsKind::archive);
    CHECK(plan.rootfs.source == "/images/alpine.tar.gz");
    CHECK(plan.rootfs.cache_dir == "/var/cache/sandbox/rootfs");
    CHECK(plan.mounts[1].kind == MountOpKind::bind_root);
    CHECK(plan.mounts[1].source.empty());  // the unpacked tree, known after the rootfs step

    p.rootfs.archive.reset();
    plan = make_plan(p, facts_v2_root());
    CHECK(plan.has_errors());
    CHECK(has_note(plan, StepId::rootfs, PlanNote::Level::error, "no root filesystem"));
}

TEST_CASE("plan: host rootfs is a tmpfs with read-only optional binds", "[unit][plan]") {
    Plan plan = make_plan(test::host_tool_profile(), facts_v2_root());
    CHECK(plan.rootfs.kind == RootfsKind::host);
    CHECK(plan.rootfs.host_binds ==
          std::vector<std::string>{"/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"});
    CHECK(plan.mounts[1].kind == MountOpKind::tmpfs_root);
    for (const char* path : {"/usr", "/lib64", "/etc/passwd", "/etc/resolv.conf", "/etc/ssl/certs",
                             "/etc/localtime", "/etc/alternatives"}) {
        const MountOp* m = find_mount(plan, path);
        REQUIRE(m != nullptr);
        CHECK(m->kind == MountOpKind::bind);
        CHECK(m->source == path);
        CHECK(m->flags.readonly);
        CHECK(m->optional);
        CHECK(m->create == MountOp::Create::like_source);
    }
    CHECK(find_mount(plan, "/etc/shadow") == nullptr);
    profile::Profile p = test::host_tool_profile();
    p.rootfs.overlay = true;
    Plan with_overlay = make_plan(p, facts_v2_root());
    CHECK_FALSE(with_overlay.rootfs.overlay);
    CHECK(has_note(with_overlay, StepId::rootfs, PlanNote::Level::info, "no effect"));
    // The host binds come right after the root, before the defaults.
    CHECK(index_of(plan, "rootfs.host /libx32") < index_of(plan, "default /dev"));
}

// ---- cgroup ----------------------------------------------------------------------------------
TEST_CASE("plan: cgroup v2 writes limits in order", "[unit][plan]") {
    Plan plan = make_plan(test::web_profile(), facts_v2_root());
    const CgroupPlan& c = plan.cgroup;
    CHECK(c.enabled);
    CHECK(c.version == CgroupVersion::v2);
    CHECK(c.path == "sandbox/web");
    CHECK(c.v2_root == "/sys/fs/cgroup");
    CHECK(c.v2_enable == std::vector<std::string>{"memory", "pids", "cpu", "io"});
    CHECK(write_list(c) == std::vector<std::string>{
                               "memory.max=134217728", "memory.swap.max=67108864", "pids.max=64",
                               "cpu.max=50000 100000", "cpu.weight=200", "io.weight=default 500"});
    CHECK_FALSE(plan.has_errors());
}

TEST_CASE("plan: cgroup v1 writes, memsw is memory + swap, period before quota", "[unit][plan]") {
    Plan plan = make_plan(test::web_profile(), facts_v1_root());
    const CgroupPlan& c = plan.cgroup;
    CHECK(c.version == CgroupVersion::v1);
    CHECK(c.path == "sandbox/web");
    CHECK(c.v1_controllers == std::vector<std::string>{"memory", "pids", "cpu", "blkio"});
    // cpuacct only for the report's cpu time.
    CHECK(make_plan(test::web_profile(), facts_v1_root(), PlanRequest{.usage = true})
              .cgroup.v1_controllers ==
          std::vector<std::string>{"memory", "pids", "cpu", "cpuacct", "blkio"});
    CHECK(c.v1_hierarchies.at("cpu") == "/sys/fs/cgroup/cpu,cpuacct");
    CHECK(c.v1_hierarchies.count("freezer") == 0);
    CHECK(write_list(c) == std::vector<std::string>{
                               "memory/memory.limit_in_bytes=134217728",
                               "memory/memory.memsw.limit_in_bytes=201326592", "pids/pids.max=64",
                               "cpu/cpu.cfs_period_us=100000", "cpu/cpu.cfs_quota_us=50000",
                               "cpu/cpu.shares=" + std::to_string(cpu_weight_to_shares(200)),
                               "blkio/blkio.weight=" + std::to_string(io_weight_to_blkio(500))});
}

TEST_CASE("plan: hybrid hosts use the v1 hierarchies", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    p.limits.memory = profile::Bytes{1ULL << 30};
    Plan plan = make_plan(p, facts_hybrid_root());
    CHECK(plan.cgroup.version == CgroupVersion::v1);
    CHECK(plan.cgroup.host_version == CgroupVersion::hybrid);
    CHECK(plan.cgroup.v1_controllers == std::vector<std::string>{"memory"});
    CHECK(write_list(plan.cgroup) ==
          std::vector<std::string>{"memory/memory.limit_in_bytes=1073741824"});
}

TEST_CASE("plan: weight and quota conversions", "[unit][plan]") {
    CHECK(cpu_weight_to_shares(1) == 2);
    CHECK(cpu_weight_to_shares(100) == 2597);
    CHECK(cpu_weight_to_shares(10000) == 262144);
    CHECK(io_weight_to_blkio(1) == 10);
    CHECK(io_weight_to_blkio(10000) == 1000);
    CHECK(io_weight_to_blkio(5000) == 504);
    CHECK(cpu_quota_us(0.5) == 50000);
    CHECK(cpu_quota_us(2) == 200000);
    CHECK(cpu_quota_us(0.001) == 1000);
    profile::Profile p = test::minimal_profile();
    p.limits.cpu = 0.001;
    CHECK(has_note(make_plan(p, facts_v2_root()), StepId::cgroup, PlanNote::Level::warning,
                   "minimum quota"));
}

TEST_CASE("plan: a cgroup only for what needs one, in only the v1 hierarchies that need it",
          "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    REQUIRE(p.namespaces.pid.mode == profile::NamespaceSetting::Mode::create);
    // No limits, a pid namespace of our own, no report: bwrap's kind of sandbox, no cgroup.
    for (const HostFacts& f :
         {facts_v2_root(), facts_v1_root(), facts_hybrid_root(), facts_v2_rootless()}) {
        Plan plan = make_plan(p, f);
        CHECK_FALSE(plan.cgroup.enabled);
        CHECK(plan.cgroup.attach == CgroupPlan::Attach::none);
        CHECK(cgroup_dirs(plan.cgroup).empty());
        CHECK(has_note(plan, StepId::cgroup, PlanNote::Level::info, "no cgroup"));
        CHECK_FALSE(plan.has_errors());
        // `up --report`: memory (peak) and, on v1, cpuacct (cpu time).
        Plan report = make_plan(p, f, PlanRequest{.usage = true});
        CHECK(report.cgroup.enabled);
        CHECK(report.cgroup.writes.empty());
        if (report.cgroup.version == CgroupVersion::v1) {
            CHECK(report.cgroup.v1_controllers == std::vector<std::string>{"memory", "cpuacct"});
        } else {
            CHECK(report.cgroup.v2_enable == std::vector<std::string>{"memory"});
        }
    }
    // Limits: their controllers and nothing else (no cpu, no cpuacct for memory + pids).
    profile::Profile limited = p;
    limited.limits.memory = profile::Bytes{64ULL << 20};
    limited.limits.pids = 64;
    Plan v1 = make_plan(limited, facts_v1_root());
    CHECK(v1.cgroup.v1_controllers == std::vector<std::string>{"memory", "pids"});
    Plan v2 = make_plan(limited, facts_v2_root());
    CHECK(v2.cgroup.v2_enable == std::vector<std::string>{"memory", "pids"});
    // No pid namespace of our own: nothing ends the workload's children with it, so cleanup
    // finds them by the cgroup (one v1 hierarchy suffices).
    profile::Profile shared_pids = p;
    shared_pids.namespaces.pid = profile::NamespaceSetting::host_ns();
    Plan members_v1 = make_plan(shared_pids, facts_v1_root());
    CHECK(members_v1.cgroup.enabled);
    CHECK(members_v1.cgroup.v1_controllers == std::vector<std::string>{"pids"});
    Plan members_v2 = make_plan(shared_pids, facts_v2_root());
    CHECK(members_v2.cgroup.enabled);
    CHECK(members_v2.cgroup.v2_enable.empty());
    CHECK(cgroup_dirs(members_v2.cgroup) ==
          std::vector<std::string>{"/sys/fs/cgroup/sandbox/" + p.name});
    // ... in whatever hierarchy the host mounts, when it has no pids one.
    HostFacts cpu_only = facts_v1_root();
    cpu_only.v1_controllers = {{"cpu", "/sys/fs/cgroup/cpu,cpuacct"},
                               {"cpuacct", "/sys/fs/cgroup/cpu,cpuacct"}};
    Plan members_cpu = make_plan(shared_pids, cpu_only);
    CHECK(members_cpu.cgroup.enabled);
    CHECK(members_cpu.cgroup.v1_controllers == std::vector<std::string>{"cpu"});
    // A new cgroup namespace made without a group of its own is rooted at the launcher's
    // cgroup: a workload that keeps CAP_SYS_ADMIN could mount cgroupfs there, so it gets one.
    profile::Profile admin = p;
    admin.capabilities.keep = {"CAP_SYS_ADMIN"};
    for (const HostFacts& f : {facts_v1_root(), facts_v2_root()}) {
        Plan plan = make_plan(admin, f);
        CHECK(plan.cgroup.enabled);
        CHECK(plan.cgroup.attach != CgroupPlan::Attach::none);
    }
    admin.namespaces.cgroup = profile::NamespaceSetting::host_ns();
    CHECK_FALSE(make_plan(admin, facts_v2_root()).cgroup.enabled);
}

namespace {

// What exec::probe_host leaves in the facts `needed` does not ask for.
HostFacts without_unneeded(HostFacts f, const FactsNeeded& needed) {
    if (!needed.cgroups) {
        f.cgroup_version = CgroupVersion::none;
        f.cgroup_root.clear();
        f.v1_controllers.clear();
        f.v2_controllers.clear();
        f.own_cgroup.clear();
    }
    if (!needed.subordinate_ids) {
        f.subuid.reset();
        f.subgid.reset();
        f.subid_entries.clear();
    }
    return f;
}

// explain's JSON without what only reports the host: the cgroup version it has (a field and
// the cgroup step's heading, "host v1").
nlohmann::ordered_json comparable(const Plan& plan) {
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(explain_json(plan));
    j["steps"]["cgroup"].erase("heading");
    std::function<void(nlohmann::ordered_json&)> drop = [&](nlohmann::ordered_json& v) {
        if (v.is_object()) {
            v.erase("host_version");
        }
        if (v.is_structured()) {
            for (auto& child : v) {
                drop(child);
            }
        }
    };
    drop(j);
    return j;
}

}  // namespace

TEST_CASE(
    "plan: `up` probes the cgroup layout and the subordinate ids only for a plan that reads them",
    "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    // bwrap's kind of sandbox as root: neither.
    FactsNeeded plain = facts_needed(p, facts_v1_root());
    CHECK_FALSE(plain.cgroups);
    CHECK_FALSE(plain.subordinate_ids);
    CHECK(facts_needed(p, facts_v1_root(), PlanRequest{.usage = true}).cgroups);
    profile::Profile limited = p;
    limited.limits.pids = 10;
    CHECK(facts_needed(limited, facts_v2_root()).cgroups);
    profile::Profile shared_pids = p;
    shared_pids.namespaces.pid = profile::NamespaceSetting::host_ns();
    CHECK(facts_needed(shared_pids, facts_v2_root()).cgroups);
    // Rootless (a user namespace by default, maps through the helpers or of the caller alone).
    CHECK(facts_needed(p, facts_v2_rootless()).subordinate_ids);
    profile::Profile automap = p;
    automap.namespaces.user = profile::NamespaceSetting::new_ns();
    automap.uid_map_auto = automap.gid_map_auto = true;
    CHECK(facts_needed(automap, facts_v1_root()).subordinate_ids);
    CHECK_FALSE(facts_needed(automap, facts_v1_root()).cgroups);

    // The property that makes leaving them out safe: a plan made without the facts it does not
    // need is the plan made with every fact, for every kind of profile on every kind of host.
    profile::Profile admin = p;
    admin.capabilities.keep = {"CAP_SYS_ADMIN"};
    std::vector<profile::Profile> profiles = {
        p, limited, shared_pids, admin, automap, test::web_profile(), test::host_tool_profile()};
    for (const HostFacts& f : {facts_v2_root(), facts_v1_root(), facts_hybrid_root(),
                               facts_v2_rootless(), facts_v1_rootless()}) {
        for (const profile::Profile& profile : profiles) {
            for (bool usage : {false, true}) {
                PlanRequest request{.usage = usage};
                FactsNeeded needed = facts_needed(profile, f, request);
                INFO(profile.name << " uid " << f.uid << " usage " << usage << " cgroups "
                                  << needed.cgroups << " subids " << needed.subordinate_ids);
                CHECK(comparable(make_plan(profile, without_unneeded(f, needed), request)) ==
                      comparable(make_plan(profile, f, request)));
            }
        }
    }
}

TEST_CASE("plan: rootless on cgroup v1 or without cgroups, limits are refused", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    // Rootless on v1: no cgroup without limits, an error with them.
    Plan plan = make_plan(p, facts_v1_rootless());
    CHECK_FALSE(plan.cgroup.enabled);
    CHECK_FALSE(plan.has_errors());
    p.limits.pids = 10;
    plan = make_plan(p, facts_v1_rootless());
    CHECK(plan.has_errors());
    CHECK(has_note(plan, StepId::cgroup, PlanNote::Level::error, "rootless on cgroup v1"));
    // No cgroups at all.
    HostFacts none = facts_v2_root();
    none.cgroup_version = CgroupVersion::none;
    plan = make_plan(p, none);
    CHECK_FALSE(plan.cgroup.enabled);
    CHECK(plan.has_errors());
}

TEST_CASE("plan: rootless v2 cgroup lives next to the launcher's", "[unit][plan]") {
    profile::Profile p = test::minimal_profile("box");
    p.limits.pids = 16;
    Plan plan = make_plan(p, facts_v2_rootless());
    CHECK(plan.cgroup.v2_root ==
          "/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice");
    CHECK(plan.cgroup.path == "sandbox/box");
    CHECK(make_plan(p, facts_v2_root()).cgroup.v2_root == "/sys/fs/cgroup");
}

TEST_CASE("plan: rootless v2 without a delegated subtree runs without a cgroup unless limited",
          "[unit][plan]") {
    HostFacts f = facts_v2_rootless();
    f.own_cgroup = "/user.slice/user-1000.slice/session-2.scope";
    f.own_cgroup_delegated = false;  // a login session's scope: nothing delegated
    profile::Profile p = test::minimal_profile("box");
    // A report's usage figures want a cgroup, but are no reason to refuse the run.
    Plan plan = make_plan(p, f, PlanRequest{.usage = true});
    CHECK_FALSE(plan.cgroup.enabled);
    CHECK(plan.cgroup.path.empty());
    CHECK_FALSE(plan.has_errors());
    CHECK(has_note(plan, StepId::cgroup, PlanNote::Level::info,
                   "no cgroup: the v2 subtree around /user.slice/user-1000.slice/session-2.scope "
                   "is not delegated to uid 1000 (no limits asked)"));
    p.limits.memory = profile::Bytes{64ULL << 20};
    plan = make_plan(p, f);
    CHECK(plan.has_errors());
    CHECK(has_note(plan, StepId::cgroup, PlanNote::Level::error,
                   "cannot be enforced rootless: the v2 subtree around"));
    CHECK(has_note(plan, StepId::cgroup, PlanNote::Level::error,
                   "hint: run it in a delegated scope: systemd-run --user --scope -p "
                   "Delegate=yes sandbox up"));
    // Delegated (user@1000.service/app.slice): the same profile plans a group, no error.
    plan = make_plan(p, facts_v2_rootless());
    CHECK(plan.cgroup.enabled);
    CHECK_FALSE(plan.has_errors());
    // Unknown place in the hierarchy: treated as not delegated.
    f.own_cgroup.clear();
    f.own_cgroup_delegated = true;
    CHECK(has_note(make_plan(p, f), StepId::cgroup, PlanNote::Level::error,
                   "the launcher's place in the v2 hierarchy is unknown"));
    // v1 rootless with limits: the same hint.
    CHECK(has_note(make_plan(p, facts_v1_rootless()), StepId::cgroup, PlanNote::Level::error,
                   "rootless on cgroup v1 (hierarchies are root-owned); hint: run it in a "
                   "delegated scope: systemd-run"));
}

TEST_CASE("plan: numeric user and group must be mapped in a new user ns", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    p.process.user = "1000";
    Plan plan = make_plan(p, facts_v2_rootless());
    CHECK(has_note(plan, StepId::id_maps, PlanNote::Level::error, "process.user 1000"));
    p.uid_map = {{0, 1000, 1}, {1, 100000, 65536}};
    plan = make_plan(p, facts_v2_rootless());
    CHECK_FALSE(plan.has_errors());
    p.process.user = "www-data";  // a name is resolved at exec, in the rootfs
    p.uid_map.clear();
    CHECK_FALSE(make_plan(p, facts_v2_rootless()).has_errors());
}

TEST_CASE("plan: veth needs root", "[unit][plan]") {
    Plan plan = make_plan(test::web_profile(), facts_v2_rootless());
    CHECK(has_note(plan, StepId::network_host, PlanNote::Level::error, "needs root"));
    CHECK_FALSE(make_plan(test::web_profile(), facts_v2_root()).has_errors());
}

TEST_CASE("plan: a limit without its controller is an error note", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    p.limits.io_weight = 100;
    HostFacts f = facts_v2_root();
    f.v2_controllers = {"memory", "pids"};
    Plan plan = make_plan(p, f);
    CHECK(has_note(plan, StepId::cgroup, PlanNote::Level::error, "'io'"));
    f = facts_v1_root();
    f.v1_controllers.erase("blkio");
    plan = make_plan(p, f);
    CHECK(has_note(plan, StepId::cgroup, PlanNote::Level::error, "'blkio'"));
    CHECK(write_list(plan.cgroup).empty());
}

// ---- spawn / id maps -------------------------------------------------------------------------
TEST_CASE("plan: spawn creates each namespace not left as the host's", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    Plan plan = make_plan(p, facts_v2_root());
    std::vector<NsType> types;
    for (const NamespaceOp& op : plan.spawn.namespaces) {
        CHECK(op.action == NamespaceOp::Action::create);
        types.push_back(op.type);
    }
    // Root: the user namespace defaults to the host's; time is the host's by default.
    CHECK(types == std::vector<NsType>{NsType::pid, NsType::mount, NsType::uts, NsType::ipc,
                                       NsType::net, NsType::cgroup});
    CHECK_FALSE(plan.spawn.join_pid_namespace);
    CHECK(plan.process.pid1_init);

    plan = make_plan(p, facts_v2_rootless());
    REQUIRE_FALSE(plan.spawn.namespaces.empty());
    CHECK(plan.spawn.namespaces[0].type == NsType::user);
    CHECK(plan.spawn.namespaces[0].action == NamespaceOp::Action::create);
}

TEST_CASE("plan: joins by pid, path and sandbox name", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    p.namespaces.pid = {profile::NamespaceSetting::Mode::join_pid, {}, 1234, {}};
    p.namespaces.mount = {profile::NamespaceSetting::Mode::join_pid, {}, 1234, {}};
    p.namespaces.net = {profile::NamespaceSetting::Mode::join_sandbox, "db", 0, {}};
    p.namespaces.ipc = {profile::NamespaceSetting::Mode::join_path, {}, 0, "/run/ns/ipc"};
    Plan plan = make_plan(p, facts_v2_root());
    auto find = [&](NsType t) {
        for (const NamespaceOp& op : plan.spawn.namespaces) {
            if (op.type == t) {
                return op;
            }
        }
        FAIL("namespace missing");
        return NamespaceOp{};
    };
    CHECK(find(NsType::pid).path == "/proc/1234/ns/pid");
    CHECK(find(NsType::mount).path == "/proc/1234/ns/mnt");
    CHECK(find(NsType::net).action == NamespaceOp::Action::join);
    CHECK(find(NsType::net).sandbox == "db");
    CHECK(find(NsType::ipc).path == "/run/ns/ipc");
    CHECK(plan.spawn.join_pid_namespace);
    CHECK_FALSE(plan.process.pid1_init);
    // Joined mount namespace: nothing to mount, no pivot.
    CHECK(plan.mounts.empty());
    CHECK_FALSE(plan.pivot.enabled);
    // Joined netns: neither network half does anything.
    CHECK_FALSE(plan.network_sandbox.loopback_up);
}

TEST_CASE("plan: rootless default id map is root inside to the caller", "[unit][plan]") {
    Plan plan = make_plan(test::minimal_profile(), facts_v2_rootless());
    const IdMapPlan& m = plan.id_maps;
    CHECK(m.enabled);
    REQUIRE(m.uid_lines.size() == 1);
    CHECK(m.uid_lines[0].inside == 0);
    CHECK(m.uid_lines[0].outside == 1000);
    CHECK(m.uid_lines[0].count == 1);
    CHECK(m.gid_lines[0].outside == 1000);
    CHECK(m.deny_setgroups);
    CHECK_FALSE(m.use_helpers);

    CHECK_FALSE(make_plan(test::minimal_profile(), facts_v2_root()).id_maps.enabled);
}

TEST_CASE("plan: multi-range maps use newuidmap and keep setgroups", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    p.uid_map = {{0, 1000, 1}, {1, 100000, 65536}};
    p.gid_map = {{0, 1000, 1}, {1, 100000, 65536}};
    Plan plan = make_plan(p, facts_v2_rootless());
    CHECK(plan.id_maps.use_helpers);
    CHECK_FALSE(plan.id_maps.deny_setgroups);
    CHECK(plan.id_maps.uid_lines.size() == 2);
    CHECK_FALSE(plan.has_errors());

    HostFacts f = facts_v2_rootless();
    f.subuid.reset();
    CHECK(has_note(make_plan(p, f), StepId::id_maps, PlanNote::Level::error, "/etc/subuid"));

    // Root writes any map itself and needs no setgroups deny.
    p.namespaces.user = profile::NamespaceSetting::new_ns();
    plan = make_plan(p, facts_v2_root());
    CHECK(plan.id_maps.enabled);
    CHECK_FALSE(plan.id_maps.use_helpers);
    CHECK_FALSE(plan.id_maps.deny_setgroups);
}

// ---- network ---------------------------------------------------------------------------------
TEST_CASE("plan: network none is loopback in a new netns, host is nothing", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    Plan plan = make_plan(p, facts_v2_root());
    CHECK(plan.network_sandbox.loopback_up);
    CHECK(plan.network_sandbox.interface_name.empty());
    CHECK(plan.network_host.host_name.empty());

    // network.mode = "host" alone (namespaces.net unwritten) means the host's netns.
    p.network.mode = profile::NetworkMode::host;
    plan = make_plan(p, facts_v2_root());
    for (const NamespaceOp& op : plan.spawn.namespaces) {
        CHECK(op.type != NsType::net);
    }
    CHECK_FALSE(plan.network_sandbox.loopback_up);
    CHECK(plan.network_host.host_name.empty());
    // With the host's netns, /sys is a read-only bind of the host's, not a new sysfs.
    const MountOp* sys = find_mount(plan, "/sys");
    REQUIRE(sys != nullptr);
    CHECK(sys->kind == MountOpKind::bind);
    CHECK(sys->flags.readonly);
    CHECK(sys->flags.recursive);
}

TEST_CASE("plan: default veth names fit IFNAMSIZ and are stable and distinct", "[unit][plan]") {
    std::string a = default_veth_host_name("a-very-long-sandbox-name-1");
    std::string b = default_veth_host_name("a-very-long-sandbox-name-2");
    CHECK(a.size() <= 15);
    CHECK(b.size() <= 15);
    CHECK(a != b);
    CHECK(a == default_veth_host_name("a-very-long-sandbox-name-1"));
    CHECK(a.rfind("sbx-a-ver-", 0) == 0);
    CHECK(default_veth_host_name("web").rfind("sbx-web-", 0) == 0);
    CHECK(default_veth_host_name("we b/x").find_first_of(" /") == std::string::npos);
    CHECK(veth_peer_temp_name("web") != default_veth_host_name("web"));
    CHECK(veth_peer_temp_name("a-very-long-sandbox-name-1").size() <= 15);
}

TEST_CASE("plan: cidr parsing", "[unit][plan]") {
    Cidr c = parse_cidr("10.0.0.2/24");
    CHECK(c.address == "10.0.0.2");
    CHECK(c.prefix == 24);
    CHECK_FALSE(c.v6);
    c = parse_cidr("fd00::2/64");
    CHECK(c.address == "fd00::2");
    CHECK(c.prefix == 64);
    CHECK(c.v6);
    CHECK(parse_cidr("10.0.0.2").prefix == 32);
    CHECK(parse_cidr("fd00::2").prefix == 128);
}

TEST_CASE("plan: veth host and sandbox halves", "[unit][plan]") {
    profile::Profile p = test::web_profile();
    p.network.veth.address6 = "fd00:88::2/64";
    p.network.veth.host_address6 = "fd00:88::1/64";
    Plan plan = make_plan(p, facts_v2_root());
    const NetHostPlan& h = plan.network_host;
    CHECK(h.host_name == default_veth_host_name("web"));
    CHECK(h.peer_name == veth_peer_temp_name("web"));
    REQUIRE(h.host_addresses.size() == 2);
    CHECK(h.host_addresses[0].address == "10.88.0.1");
    CHECK(h.host_addresses[1].v6);
    CHECK(h.nft_table == "sandbox-web");
    CHECK(h.nat);
    CHECK(h.forwarding);  // NAT needs routing
    REQUIRE(h.ports.size() == 1);
    CHECK(h.ports[0].host_port == 8080);
    CHECK(h.mtu == 1400u);

    const NetSandboxPlan& s = plan.network_sandbox;
    CHECK(s.loopback_up);
    CHECK(s.interface_name == "eth0");
    CHECK(s.peer_name == h.peer_name);
    REQUIRE(s.addresses.size() == 2);
    CHECK(s.addresses[0].address == "10.88.0.2");
    CHECK(s.addresses[0].prefix == 24);
    REQUIRE(s.default_routes.size() == 2);
    CHECK(s.default_routes[0].gateway == "10.88.0.1");
    CHECK_FALSE(s.default_routes[0].v6);
    CHECK(s.default_routes[1].gateway == "fd00:88::1");
    CHECK(s.default_routes[1].v6);

    p.network.veth.host_name = "myveth0";
    p.network.veth.gateway = "10.88.0.254";
    p.network.veth.nat = false;
    p.network.ports.clear();
    plan = make_plan(p, facts_v2_root());
    CHECK(plan.network_host.host_name == "myveth0");
    CHECK(plan.network_host.nft_table.empty());
    CHECK_FALSE(plan.network_host.forwarding);
    CHECK(plan.network_sandbox.default_routes[0].gateway == "10.88.0.254");

    // A port forward alone still needs routing: connections from other machines are forwarded.
    p.network.ports.push_back(profile::PortForward{8080, 80, profile::Protocol::tcp});
    plan = make_plan(p, facts_v2_root());
    CHECK(plan.network_host.forwarding);
}

// ---- identity --------------------------------------------------------------------------------
TEST_CASE("plan: hostname defaults to the name in a new uts namespace", "[unit][plan]") {
    profile::Profile p = test::minimal_profile("box");
    CHECK(make_plan(p, facts_v2_root()).identity.hostname == "box");
    p.uts.hostname = "builder";
    p.uts.domainname = "example.org";
    Plan plan = make_plan(p, facts_v2_root());
    CHECK(plan.identity.hostname == "builder");
    CHECK(plan.identity.domainname == "example.org");
    p.namespaces.uts = profile::NamespaceSetting::host_ns();
    plan = make_plan(p, facts_v2_root());
    CHECK_FALSE(plan.identity.hostname);
    CHECK_FALSE(plan.identity.domainname);
}

// ---- mounts ----------------------------------------------------------------------------------
TEST_CASE("plan: mount order is private, root, defaults, profile, masks, ro, files",
          "[unit][plan]") {
    Plan plan = make_plan(test::web_profile(), facts_v2_root());
    std::vector<std::string> o = origins(plan);
    REQUIRE(o.size() > 10);
    CHECK(plan.mounts[0].kind == MountOpKind::make_private);
    CHECK(plan.mounts[0].target == "/");
    CHECK(plan.mounts[0].flags.recursive);
    CHECK(plan.mounts[0].propagation == profile::Propagation::private_);
    CHECK(o[1] == "rootfs.overlay");
    std::vector<std::string> expected_sequence = {"default /proc",
                                                  "default /dev",
                                                  "default /dev/null",
                                                  "default /dev/zero",
                                                  "default /dev/full",
                                                  "default /dev/random",
                                                  "default /dev/urandom",
                                                  "default /dev/tty",
                                                  "default /dev/pts",
                                                  "default /dev/ptmx",
                                                  "default /dev/shm",
                                                  "default /dev/mqueue",
                                                  "default /dev/fd",
                                                  "default /dev/stdin",
                                                  "default /dev/stdout",
                                                  "default /dev/stderr",
                                                  "default /sys",
                                                  "mounts[0]",
                                                  "mounts[1]",
                                                  "mounts[2]",
                                                  "security.masked_paths[0]",
                                                  "security.masked_paths[1]",
                                                  "security.readonly_paths[0]",
                                                  "security.readonly_paths[1]"};
    std::vector<std::string> middle(o.begin() + 2, o.begin() + 2 + expected_sequence.size());
    CHECK(middle == expected_sequence);
    // The files last: resolv.conf (dns) then hosts.
    CHECK(plan.mounts[plan.mounts.size() - 2].target == "/etc/resolv.conf");
    CHECK(plan.mounts.back().target == "/etc/hosts");
}

TEST_CASE("plan: profile mounts carry flags, data, create and origin", "[unit][plan]") {
    Plan plan = make_plan(test::web_profile(), facts_v2_root());
    const MountOp* work = find_mount(plan, "/work");
    REQUIRE(work != nullptr);
    CHECK(work->kind == MountOpKind::bind);
    CHECK(work->source == "/srv/data");
    CHECK(work->flags.recursive);
    CHECK(work->flags.readonly);
    CHECK(work->flags.nosuid);
    CHECK(work->flags.nodev);
    CHECK_FALSE(work->flags.noexec);
    CHECK(work->create == MountOp::Create::like_source);
    CHECK(work->origin == "mounts[0]");

    const MountOp* tmp = find_mount(plan, "/tmp");
    REQUIRE(tmp != nullptr);
    CHECK(tmp->kind == MountOpKind::tmpfs);
    CHECK(tmp->source == "tmpfs");
    CHECK(tmp->data == "size=67108864,mode=1777");
    CHECK(tmp->flags.noexec);
    CHECK(tmp->create == MountOp::Create::dir);

    const MountOp* cache = find_mount(plan, "/var/cache/web");
    REQUIRE(cache != nullptr);
    CHECK_FALSE(cache->flags.recursive);
    CHECK(cache->optional);
    CHECK(cache->propagation == profile::Propagation::slave);
}

TEST_CASE("plan: mount options map to flags, the rest to data", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    profile::Mount m;
    m.type = profile::MountType::tmpfs;
    m.target = "/scratch";
    m.options = {"noatime",  "nodiratime", "nosymfollow", "strictatime",
                 "relatime", "ro",         "uid=1000",    "nr_inodes=1k"};
    m.create = false;
    p.mounts = {m};
    Plan plan = make_plan(p, facts_v2_root());
    const MountOp* op = find_mount(plan, "/scratch");
    REQUIRE(op != nullptr);
    CHECK(op->flags.noatime);
    CHECK(op->flags.nodiratime);
    CHECK(op->flags.nosymfollow);
    CHECK(op->flags.strictatime);
    CHECK(op->flags.relatime);
    CHECK(op->flags.readonly);
    CHECK(op->data == "uid=1000,nr_inodes=1k");
    CHECK(op->create == MountOp::Create::none);
}

TEST_CASE("plan: the minimal /dev", "[unit][plan]") {
    Plan plan = make_plan(test::minimal_profile(), facts_v2_root());
    const MountOp* dev = find_mount(plan, "/dev");
    REQUIRE(dev != nullptr);
    CHECK(dev->kind == MountOpKind::tmpfs);
    CHECK(dev->flags.nosuid);
    CHECK(dev->data.find("mode=0755") != std::string::npos);
    for (const char* node : {"null", "zero", "full", "random", "urandom", "tty"}) {
        const MountOp* n = find_mount(plan, std::string("/dev/") + node);
        REQUIRE(n != nullptr);
        CHECK(n->kind == MountOpKind::dev_node);
        CHECK(n->source == std::string("/dev/") + node);
        CHECK(n->create == MountOp::Create::file);
    }
    const MountOp* pts = find_mount(plan, "/dev/pts");
    REQUIRE(pts != nullptr);
    CHECK(pts->kind == MountOpKind::devpts);
    CHECK(pts->data == "newinstance,ptmxmode=0666,mode=0620");
    const MountOp* ptmx = find_mount(plan, "/dev/ptmx");
    REQUIRE(ptmx != nullptr);
    CHECK(ptmx->kind == MountOpKind::symlink);
    CHECK(ptmx->source == "pts/ptmx");
    const MountOp* shm = find_mount(plan, "/dev/shm");
    REQUIRE(shm != nullptr);
    CHECK(shm->data == "mode=1777");
    CHECK(shm->flags.nosuid);
    CHECK(shm->flags.nodev);
    CHECK(find_mount(plan, "/dev/fd")->source == "/proc/self/fd");
    CHECK(find_mount(plan, "/dev/stderr")->source == "/proc/self/fd/2");
    CHECK(find_mount(plan, "/dev/mqueue")->kind == MountOpKind::mqueue);
    const MountOp* proc = find_mount(plan, "/proc");
    REQUIRE(proc != nullptr);
    CHECK(proc->kind == MountOpKind::proc);
    CHECK((proc->flags.nosuid && proc->flags.nodev && proc->flags.noexec));
    const MountOp* sys = find_mount(plan, "/sys");
    REQUIRE(sys != nullptr);
    CHECK(sys->kind == MountOpKind::sysfs);
    CHECK(sys->flags.readonly);
}

TEST_CASE("plan: defaults give way to the profile's own mounts", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    profile::Mount dev;
    dev.source = "/dev";
    dev.target = "/dev";
    profile::Mount proc;
    proc.type = profile::MountType::proc;
    proc.target = "/proc";
    p.mounts = {dev, proc};
    Plan plan = make_plan(p, facts_v2_root());
    for (const MountOp& m : plan.mounts) {
        CHECK(m.origin.rfind("default /dev", 0) != 0);
        CHECK(m.origin != "default /proc");
    }
    CHECK(find_mount(plan, "/sys") != nullptr);
    // A profile mount below /dev keeps the default /dev, and lands on top of it.
    profile::Mount fuse;
    fuse.source = "/dev/fuse";
    fuse.target = "/dev/fuse";
    p.mounts = {fuse};
    plan = make_plan(p, facts_v2_root());
    CHECK(index_of(plan, "default /dev") < index_of(plan, "mounts[0]"));
}

TEST_CASE("plan: no /proc with the host's pid namespace, no mqueue with host ipc", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    p.namespaces.pid = profile::NamespaceSetting::host_ns();
    p.namespaces.ipc = profile::NamespaceSetting::host_ns();
    Plan plan = make_plan(p, facts_v2_root());
    CHECK(find_mount(plan, "/proc") == nullptr);
    CHECK(find_mount(plan, "/dev/mqueue") == nullptr);
    CHECK(has_note(plan, StepId::mounts, PlanNote::Level::warning, "no /proc"));
    CHECK_FALSE(plan.process.pid1_init);
}

TEST_CASE("plan: [rootfs.defaults] leaves out /sys, /dev/shm, /dev/mqueue and /etc/hosts",
          "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    Plan all = make_plan(p, facts_v2_root());
    for (const char* target : {"/sys", "/dev/shm", "/dev/mqueue", "/etc/hosts"}) {
        CHECK(find_mount(all, target) != nullptr);
    }
    // One at a time: only that one goes.
    auto without = [&](bool profile::RootfsDefaults::*member, const char* target) {
        profile::Profile q = p;
        q.rootfs.defaults.*member = false;
        Plan plan = make_plan(q, facts_v2_root());
        INFO(target);
        CHECK(find_mount(plan, target) == nullptr);
        CHECK(plan.mounts.size() == all.mounts.size() - 1);
        return plan;
    };
    without(&profile::RootfsDefaults::sys, "/sys");
    without(&profile::RootfsDefaults::shm, "/dev/shm");
    without(&profile::RootfsDefaults::mqueue, "/dev/mqueue");
    // No /etc/hosts: no hosts state entry either; the hostname is still set.
    Plan no_hosts = without(&profile::RootfsDefaults::hosts, "/etc/hosts");
    CHECK(no_hosts.state.files.empty());
    CHECK(no_hosts.identity.hostname == std::optional<std::string>("box"));
    // /proc and /dev stay whatever [rootfs.defaults] says.
    CHECK(find_mount(no_hosts, "/proc") != nullptr);
    CHECK(find_mount(no_hosts, "/dev") != nullptr);
}

TEST_CASE("plan: masked and read-only paths", "[unit][plan]") {
    Plan plan = make_plan(test::web_profile(), facts_v2_root());
    const MountOp* kcore = find_mount(plan, "/proc/kcore");
    REQUIRE(kcore != nullptr);
    CHECK(kcore->kind == MountOpKind::mask);
    CHECK(kcore->optional);
    CHECK(kcore->origin == "security.masked_paths[0]");
    const MountOp* sys = find_mount(plan, "/proc/sys");
    REQUIRE(sys != nullptr);
    CHECK(sys->kind == MountOpKind::readonly);
    CHECK(sys->flags.readonly);
    CHECK(sys->origin == "security.readonly_paths[0]");
}

TEST_CASE("plan: resolv.conf and hosts are written as state entries and bound", "[unit][plan]") {
    Plan plan = make_plan(test::web_profile(), facts_v2_root());
    REQUIRE(plan.state.files.size() == 2);
    CHECK(plan.state.files[0].path == "/run/sandbox/web@resolv.conf");
    CHECK(plan.state.files[0].target == "/etc/resolv.conf");
    CHECK(plan.state.files[0].content == "nameserver 1.1.1.1\nnameserver 9.9.9.9\n");
    CHECK(plan.state.files[1].path == "/run/sandbox/web@hosts");
    CHECK(plan.state.files[1].target == "/etc/hosts");
    CHECK(plan.state.files[1].content.find("10.88.0.2\tweb\n") != std::string::npos);
    CHECK(plan.state.files[1].content.find("10.88.0.3\tdb\n") != std::string::npos);
    CHECK(plan.state.files[1].content.rfind("127.0.0.1\tlocalhost\n", 0) == 0);
    const MountOp* hosts = find_mount(plan, "/etc/hosts");
    REQUIRE(hosts != nullptr);
    CHECK(hosts->kind == MountOpKind::write_file);
    CHECK(hosts->source == "/run/sandbox/web@hosts");
    CHECK(hosts->flags.readonly);
    CHECK(hosts->create == MountOp::Create::file);

    // No dns: no resolv.conf; no veth address: the hostname maps to 127.0.1.1.
    Plan small = make_plan(test::minimal_profile("box"), facts_v2_root());
    REQUIRE(small.state.files.size() == 1);
    CHECK(small.state.files[0].content.find("127.0.1.1\tbox\n") != std::string::npos);
    CHECK(find_mount(small, "/etc/resolv.conf") == nullptr);
}

TEST_CASE("plan: pivot_root follows the mount namespace and rootfs.readonly", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    Plan plan = make_plan(p, facts_v2_root());
    CHECK(plan.pivot.enabled);
    CHECK_FALSE(plan.pivot.readonly_root);
    p.rootfs.readonly = true;
    CHECK(make_plan(p, facts_v2_root()).pivot.readonly_root);
    p.namespaces.mount = profile::NamespaceSetting::host_ns();
    plan = make_plan(p, facts_v2_root());
    CHECK_FALSE(plan.pivot.enabled);
    CHECK(plan.mounts.empty());
    CHECK(plan.state.files.empty());
}

// ---- workload --------------------------------------------------------------------------------
TEST_CASE("plan: process env gets a default PATH only when not given", "[unit][plan]") {
    profile::Profile p = test::web_profile();
    Plan plan = make_plan(p, facts_v2_root());
    using Env = std::vector<std::pair<std::string, std::string>>;
    CHECK(plan.process.env == Env{{"PATH", k_default_path}, {"APP_ENV", "production"}});
    CHECK(plan.process.inherit_env == std::vector<std::string>{"TERM"});
    p.process.env = {{"PATH", "/opt/bin"}};
    CHECK(make_plan(p, facts_v2_root()).process.env == Env{{"PATH", "/opt/bin"}});
    p.process.env.clear();
    p.process.inherit_env = {"PATH"};
    CHECK(make_plan(p, facts_v2_root()).process.env.empty());
}

TEST_CASE("plan: process, capabilities, seccomp and landlock pass through", "[unit][plan]") {
    profile::Profile p = test::web_profile();
    p.process.keep_fds = {3};
    p.process.umask = 077;
    p.process.tty = profile::TtyMode::enabled;
    p.capabilities.ambient = {"CAP_NET_BIND_SERVICE"};
    p.security.no_new_privileges = false;
    p.security.landlock.enabled = true;
    p.security.landlock.read = {"/usr"};
    Plan plan = make_plan(p, facts_v2_root());
    CHECK(plan.process.args == p.process.args);
    CHECK(plan.process.cwd == "/");
    CHECK(plan.process.user == "1000");
    CHECK(plan.process.umask == 077);
    CHECK(plan.process.tty == profile::TtyMode::enabled);
    CHECK(plan.process.keep_fds == std::vector<int>{3});
    REQUIRE(plan.process.rlimits.size() == 1);
    CHECK(plan.process.rlimits[0].resource == "nofile");
    CHECK(plan.process.rlimits[0].hard == 4096u);
    CHECK(plan.process.timeout == std::chrono::milliseconds(30000));
    CHECK(plan.process.new_session);
    CHECK(plan.capabilities.keep == p.capabilities.keep);
    CHECK(plan.capabilities.ambient == p.capabilities.ambient);
    CHECK_FALSE(plan.capabilities.no_new_privileges);
    REQUIRE(plan.security.landlock);
    CHECK(plan.security.landlock->read == std::vector<std::string>{"/usr"});
    CHECK(plan.seccomp.enabled == plan_seccomp(p).enabled);
    CHECK(plan.seccomp.rules.size() == plan_seccomp(p).rules.size());
}

TEST_CASE("plan: notes are in pipeline order", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    p.rootfs.path.reset();
    p.namespaces.pid = profile::NamespaceSetting::host_ns();
    p.limits.pids = 5;
    Plan plan = make_plan(p, facts_v1_rootless());
    REQUIRE(plan.notes.size() >= 3);
    CHECK(std::is_sorted(plan.notes.begin(), plan.notes.end(),
                         [](const PlanNote& a, const PlanNote& b) { return a.step < b.step; }));
}

TEST_CASE("plan: on v1 the cgroup namespace is unshared after the child joins", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    p.limits.pids = 16;  // something that needs a cgroup
    CHECK(make_plan(p, facts_v1_root()).spawn.unshare_cgroup_after_attach);
    CHECK(make_plan(p, facts_hybrid_root()).spawn.unshare_cgroup_after_attach);
    CHECK_FALSE(make_plan(p, facts_v2_root()).spawn.unshare_cgroup_after_attach);
    p.namespaces.cgroup = profile::NamespaceSetting::host_ns();
    CHECK_FALSE(make_plan(p, facts_v1_root()).spawn.unshare_cgroup_after_attach);
}

TEST_CASE("plan: mounts[].mode sets the mode of a created directory", "[unit][plan]") {
    profile::Profile p = test::minimal_profile();
    profile::Mount m;
    m.source = "/srv/x";
    m.target = "/x";
    m.mode = 0700;
    p.mounts = {m};
    Plan plan = make_plan(p, facts_v2_root());
    CHECK(find_mount(plan, "/x")->create_mode == 0700u);
    CHECK_FALSE(find_mount(plan, "/dev")->create_mode);
}
