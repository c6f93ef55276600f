// Cgroup planning. Ordering constraint (docs/architecture.md §2): the cgroup is created and its
// limits written (step 4) before spawn, so the child is limited from its first instruction (v2:
// clone3 CLONE_INTO_CGROUP; v1: the child writes 0 into each hierarchy's `tasks` itself).
//
// Decision: a cgroup is made when something needs one (CgroupNeeds), and then only the v1
// hierarchies those needs name: the controllers the limits write; memory (peak, OOM kills) and
// cpuacct (cpu time) when the run reports its usage (`up --report`); one hierarchy to find every
// member by when no pid namespace of our own ends all of them with the init (the whole-cgroup
// kill at cleanup, docs/architecture.md §5), or to root a new cgroup namespace at when the
// workload keeps CAP_SYS_ADMIN (made without a group, the namespace is rooted at the launcher's
// cgroup, which such a workload could mount and write). A profile with none of these --
// bwrap's kind of sandbox -- gets no cgroup: each hierarchy costs a mkdir, a join and an rmdir
// (about 0.15 ms, docs/performance.md). Rootless on v1 hierarchies (root-owned) a cgroup is planned
// only when limits ask for it, with an error note: the limits cannot be enforced there, and
// silently running without them would be worse.
//
// limits.memory_swap is swap on top of memory, as v2's memory.swap.max; v1 only knows
// memory+swap (memory.memsw.limit_in_bytes), so it gets memory + memory_swap.
#include "plan/cgroup_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "plan/describe.hpp"

namespace sandbox::plan {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

void note(std::vector<PlanNote>& notes, PlanNote::Level level, std::string message) {
    notes.push_back(PlanNote{StepId::cgroup, level, std::move(message)});
}

std::string parent_of(const std::string& path) {
    size_t slash = path.rfind('/');
    return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

std::string strip_leading_slashes(std::string path) {
    size_t first = path.find_first_not_of('/');
    return first == std::string::npos ? std::string() : path.substr(first);
}

void plan_v2(const profile::Limits& limits, const CgroupNeeds& needs, const HostFacts& facts,
             CgroupPlan& out, std::vector<PlanNote>& notes) {
    // Controllers a limit needs are required; memory is also enabled, where the host has it,
    // for a usage report (memory.peak). cpu.stat's usage_usec needs no controller, and the
    // whole-group kill (cgroup.kill / cgroup.procs) none either.
    auto want = [&](const std::string& controller, bool required, const char* why) {
        if (contains(facts.v2_controllers, controller)) {
            out.v2_enable.push_back(controller);
        } else if (required) {
            note(notes, PlanNote::Level::error,
                 "cgroup v2 controller '" + controller + "' is not available for " + why);
        }
    };
    if (limits.memory || limits.memory_swap || needs.usage) {
        want("memory", limits.memory || limits.memory_swap, "limits.memory / limits.memory_swap");
    }
    if (limits.pids) {
        want("pids", true, "limits.pids");
    }
    if (limits.cpu || limits.cpu_weight) {
        want("cpu", true, "limits.cpu / limits.cpu_weight");
    }
    if (limits.io_weight) {
        want("io", true, "limits.io_weight");
    }
    // A limit whose controller is missing got an error note above and gets no write.
    auto enabled = [&](const std::string& c) { return contains(out.v2_enable, c); };
    if (limits.memory && enabled("memory")) {
        out.writes.push_back({"", "memory.max", std::to_string(limits.memory->count)});
    }
    if (limits.memory_swap && enabled("memory")) {
        out.writes.push_back({"", "memory.swap.max", std::to_string(limits.memory_swap->count)});
    }
    if (limits.pids && enabled("pids")) {
        out.writes.push_back({"", "pids.max", std::to_string(*limits.pids)});
    }
    if (limits.cpu && enabled("cpu")) {
        out.writes.push_back(
            {"", "cpu.max",
             std::to_string(cpu_quota_us(*limits.cpu)) + " " + std::to_string(k_cpu_period_us)});
    }
    if (limits.cpu_weight && enabled("cpu")) {
        out.writes.push_back({"", "cpu.weight", std::to_string(*limits.cpu_weight)});
    }
    if (limits.io_weight && enabled("io")) {
        out.writes.push_back({"", "io.weight", "default " + std::to_string(*limits.io_weight)});
    }
}

void plan_v1(const profile::Limits& limits, const CgroupNeeds& needs, const HostFacts& facts,
             CgroupPlan& out, std::vector<PlanNote>& notes) {
    auto has = [&](const std::string& c) { return facts.v1_controllers.count(c) != 0; };
    auto use = [&](const std::string& c) {
        if (has(c) && !out.v1_hierarchies.count(c)) {
            out.v1_controllers.push_back(c);
            out.v1_hierarchies[c] = facts.v1_controllers.at(c);
        }
    };
    auto require = [&](const std::string& c, const char* why) {
        if (!has(c)) {
            note(notes, PlanNote::Level::error,
                 "cgroup v1 hierarchy '" + c + "' is not mounted; needed for " + why);
        }
    };
    // Only what is needed (see the top of this file), in this order: memory (limits, or the
    // report's peak and OOM kills), pids (the limit, or the hierarchy the whole-group kill
    // reads when no pid namespace of ours ends everything), cpu (limits), cpuacct (the
    // report's cpu time), blkio (limits).
    bool memory_limit = limits.memory || limits.memory_swap;
    bool cpu_limit = limits.cpu || limits.cpu_weight;
    if (memory_limit) {
        require("memory", "limits.memory");
    }
    if (limits.pids) {
        require("pids", "limits.pids");
    }
    if (cpu_limit) {
        require("cpu", "limits.cpu / limits.cpu_weight");
    }
    if (limits.io_weight) {
        require("blkio", "limits.io_weight");
    }
    if (memory_limit || needs.usage) {
        use("memory");
    }
    if (limits.pids || needs.members || needs.namespace_root) {
        use("pids");
    }
    if (cpu_limit) {
        use("cpu");
    }
    if (needs.usage) {
        use("cpuacct");
    }
    if (limits.io_weight) {
        use("blkio");
    }
    if (out.v1_controllers.empty() && (needs.members || needs.namespace_root)) {
        // Any hierarchy lists the members; pids is the one made for it, else the first mounted.
        if (!facts.v1_controllers.empty()) {
            use(facts.v1_controllers.begin()->first);
        }
    }
    if (out.v1_controllers.empty()) {
        note(notes, PlanNote::Level::warning,
             "no usable cgroup v1 hierarchy for what needs one: the sandbox runs without a cgroup");
        out.enabled = false;
        return;
    }

    // A limit whose hierarchy is missing got an error note above and gets no write.
    // memory.limit_in_bytes first: the kernel refuses memsw below the memory limit.
    if (limits.memory && has("memory")) {
        out.writes.push_back(
            {"memory", "memory.limit_in_bytes", std::to_string(limits.memory->count)});
        if (limits.memory_swap) {
            out.writes.push_back(
                {"memory", "memory.memsw.limit_in_bytes",
                 std::to_string(limits.memory->count + limits.memory_swap->count)});
        }
    } else if (limits.memory_swap && !limits.memory) {
        note(notes, PlanNote::Level::warning,
             "limits.memory_swap has no effect on cgroup v1 without limits.memory "
             "(v1 limits memory+swap together)");
    }
    if (limits.pids && has("pids")) {
        out.writes.push_back({"pids", "pids.max", std::to_string(*limits.pids)});
    }
    // The period before the quota: a quota is checked against the current period.
    if (limits.cpu && has("cpu")) {
        out.writes.push_back({"cpu", "cpu.cfs_period_us", std::to_string(k_cpu_period_us)});
        out.writes.push_back(
            {"cpu", "cpu.cfs_quota_us", std::to_string(cpu_quota_us(*limits.cpu))});
    }
    if (limits.cpu_weight && has("cpu")) {
        out.writes.push_back(
            {"cpu", "cpu.shares", std::to_string(cpu_weight_to_shares(*limits.cpu_weight))});
    }
    if (limits.io_weight && has("blkio")) {
        out.writes.push_back(
            {"blkio", "blkio.weight", std::to_string(io_weight_to_blkio(*limits.io_weight))});
    }
}

}  // namespace

uint64_t cpu_weight_to_shares(uint64_t weight) {
    weight = std::clamp<uint64_t>(weight, 1, 10000);
    return 2 + ((weight - 1) * 262142) / 9999;
}

uint64_t io_weight_to_blkio(uint64_t weight) {
    weight = std::clamp<uint64_t>(weight, 1, 10000);
    return 10 + ((weight - 1) * 990) / 9999;
}

uint64_t cpu_quota_us(double cpus) {
    long long quota = std::llround(cpus * static_cast<double>(k_cpu_period_us));
    return std::max<uint64_t>(1000, quota > 0 ? static_cast<uint64_t>(quota) : 0);
}

namespace {

bool any_limit_in(const profile::Limits& limits) {
    return limits.memory || limits.memory_swap || limits.pids || limits.cpu || limits.cpu_weight ||
           limits.io_weight;
}

}  // namespace

bool needs_a_cgroup(const profile::Limits& limits, const CgroupNeeds& needs) {
    return any_limit_in(limits) || needs.usage || needs.members || needs.namespace_root;
}

CgroupPlan plan_cgroup(const profile::Profile& profile, const CgroupNeeds& needs,
                       const HostFacts& facts, std::vector<PlanNote>& notes) {
    CgroupPlan out;
    const profile::Limits& limits = profile.limits;
    bool any_limit = any_limit_in(limits);
    out.host_version = facts.cgroup_version;
    // Decided before any cgroup fact is read: `up` does not probe them for such a plan.
    if (!needs_a_cgroup(limits, needs)) {
        note(notes, PlanNote::Level::info,
             "no cgroup: no limits, no usage report, and the pid namespace's end ends every "
             "process");
        return out;
    }
    if (facts.cgroup_version == CgroupVersion::none) {
        if (any_limit) {
            note(notes, PlanNote::Level::error, "[limits] needs cgroups, and none are mounted");
        }
        return out;
    }
    out.enabled = true;
    out.version = facts.cgroup_version == CgroupVersion::v2 ? CgroupVersion::v2 : CgroupVersion::v1;
    out.path = "sandbox/" + profile.name;

    out.v2_root = facts.cgroup_root;
    if (!facts.is_root()) {
        // Rootless, a group can be made only where the caller may write: never on v1 (the
        // hierarchies are root-owned), on v2 only inside a subtree delegated to it. Without
        // one, a run without [limits] goes ahead with no cgroup (the report's cgroup is null;
        // with a pid namespace nothing outlives the init, without one what the workload leaves
        // running is the caller's, as for any process it starts); a run with limits is
        // refused, naming the way to get a delegated subtree.
        std::string why;
        std::string refusal;  // with [limits]
        if (out.version == CgroupVersion::v1) {
            why = "v1 hierarchies are writable only by root";
            refusal =
                "[limits] cannot be enforced rootless on cgroup v1 (hierarchies are "
                "root-owned)";
        } else if (facts.own_cgroup.empty()) {
            why = "the launcher's place in the v2 hierarchy is unknown";
        } else if (!facts.own_cgroup_delegated) {
            why = "the v2 subtree around " + facts.own_cgroup + " is not delegated to uid " +
                  std::to_string(facts.uid);
        }
        if (refusal.empty()) {
            refusal = "[limits] cannot be enforced rootless: " + why;
        }
        if (!why.empty() && !any_limit) {
            note(notes, PlanNote::Level::info, "no cgroup: " + why + " (no limits asked)");
            out.enabled = false;
            out.path.clear();
            out.v2_root.clear();
            return out;
        }
        if (!why.empty()) {
            // Planned on regardless, so `explain` still shows what the limits would write.
            note(notes, PlanNote::Level::error,
                 refusal +
                     "; hint: run it in a delegated scope: systemd-run --user --scope -p "
                     "Delegate=yes sandbox up ...");
        } else {
            // Next to the launcher's own cgroup, inside the subtree systemd delegated to the
            // user (user@UID.service/app.slice), the only place we may create groups and
            // enable controllers. v2_root moves there, so enabling starts at a level we own.
            std::string base = strip_leading_slashes(parent_of(facts.own_cgroup));
            if (!base.empty()) {
                out.v2_root = facts.cgroup_root + "/" + base;
            }
        }
    }
    if (limits.cpu && cpu_quota_us(*limits.cpu) == 1000 &&
        *limits.cpu * static_cast<double>(k_cpu_period_us) < 1000) {
        note(notes, PlanNote::Level::warning,
             "limits.cpu is below the kernel's minimum quota; raised to 0.01 CPU");
    }

    if (out.version == CgroupVersion::v2) {
        plan_v2(limits, needs, facts, out, notes);
    } else {
        plan_v1(limits, needs, facts, out, notes);
    }
    return out;
}

std::vector<std::string> cgroup_dirs(const CgroupPlan& c) {
    std::vector<std::string> dirs;
    if (!c.enabled) {
        return dirs;
    }
    if (c.version == CgroupVersion::v2) {
        dirs.push_back(c.v2_root + "/" + c.path);
        return dirs;
    }
    // In the order sys::make_cgroup_v1 creates them: by controller name, once per mount.
    for (const auto& [controller, mount] : c.v1_hierarchies) {
        std::string dir = mount + "/" + c.path;
        if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) {
            dirs.push_back(dir);
        }
    }
    return dirs;
}

StepDescription describe(const CgroupPlan& c) {
    StepDescription d{StepId::cgroup};
    DescJson writes = DescJson::array();
    for (const CgroupWrite& wr : c.writes) {
        writes.push_back({{"controller", wr.controller}, {"file", wr.file}, {"value", wr.value}});
    }
    DescJson hier = DescJson::object();
    for (const auto& [k, v] : c.v1_hierarchies) {
        hier[k] = v;
    }
    const char* attach = c.attach == CgroupPlan::Attach::clone_into_cgroup ? "clone_into_cgroup"
                         : c.attach == CgroupPlan::Attach::child_writes    ? "child_writes"
                                                                           : "none";
    d.fields = {{"enabled", c.enabled},
                {"version", to_string(c.version)},
                {"host_version", to_string(c.host_version)},
                {"path", c.path},
                {"dirs", cgroup_dirs(c)},
                {"v1_controllers", c.v1_controllers},
                {"v1_hierarchies", hier},
                {"v2_root", c.v2_root},
                {"v2_enable", c.v2_enable},
                {"writes", writes},
                {"attach", attach}};
    if (!c.enabled) {
        d.suffix = fmt::format("host {}", to_string(c.host_version));
        d.lines.push_back("- no cgroup");
        return d;
    }
    d.suffix = std::string(to_string(c.version));
    if (c.host_version != c.version) {
        d.suffix += fmt::format(", host {}", to_string(c.host_version));
    }
    for (const std::string& dir : cgroup_dirs(c)) {
        d.lines.push_back("mkdir " + dir);
    }
    if (c.version == CgroupVersion::v2 && !c.v2_enable.empty()) {
        std::string enable;
        for (const std::string& ctl : c.v2_enable) {
            enable += (enable.empty() ? "+" : " +") + ctl;
        }
        // Top down, every level from v2_root to the leaf's parent.
        std::string dir = c.v2_root;
        std::string rest = c.path;
        while (true) {
            d.lines.push_back(fmt::format("write {}/cgroup.subtree_control = \"{}\"", dir, enable));
            size_t slash = rest.find('/');
            if (slash == std::string::npos) {
                break;
            }
            dir += "/" + rest.substr(0, slash);
            rest = rest.substr(slash + 1);
        }
    }
    for (const CgroupWrite& wr : c.writes) {
        d.lines.push_back(
            fmt::format("write {} = {}",
                        wr.controller.empty() ? wr.file : wr.controller + "/" + wr.file, wr.value));
    }
    if (c.attach == CgroupPlan::Attach::clone_into_cgroup) {
        d.lines.push_back("attach: clone3(CLONE_INTO_CGROUP)");
    } else if (c.version != CgroupVersion::v2) {
        d.lines.push_back("attach: the child writes 0 into each hierarchy's tasks before exec");
    } else {
        d.lines.push_back(
            "attach: the child writes 0 into cgroup.procs before exec (no CLONE_INTO_CGROUP)");
    }
    return d;
}

}  // namespace sandbox::plan
