// Pipeline step 4, cgroup. After rootfs (nothing here depends on it, but a rootfs failure should
// not leave a cgroup to undo) and before spawn: the child is born into the leaf (v2
// CLONE_INTO_CGROUP) or joins it itself before exec (v1 `tasks`, docs/architecture.md §8), so the
// limits are written here, before any workload code runs.
#include "exec/host/cgroup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "sys/error.hpp"

namespace sandbox::exec::host {

namespace {

// Writes that only tune sharing (weights) may be dropped on a host without the controller;
// anything else is a limit the user asked for, and running without it would be a lie.
bool is_optional_write(const plan::CgroupWrite& w) {
    return w.file == "cpu.shares" || w.file == "cpu.weight" || w.file == "blkio.weight" ||
           w.file == "io.weight";
}

// The hierarchies to create the group in: the plan's choice (v1_hierarchies), or, for a plan
// that did not fill it, every wanted controller this host mounts. A controller a limit needs but
// the host lacks is an error here too (the planner reports it first).
std::map<std::string, std::string> v1_hierarchies(const plan::CgroupPlan& plan,
                                                  const plan::HostFacts& facts) {
    std::map<std::string, std::string> hierarchies = plan.v1_hierarchies;
    std::set<std::string> wanted(plan.v1_controllers.begin(), plan.v1_controllers.end());
    for (const plan::CgroupWrite& w : plan.writes) {
        wanted.insert(w.controller);
    }
    if (hierarchies.empty() && facts.v1_controllers.count("cpuacct") != 0) {
        wanted.insert("cpuacct");  // cpu time for the report
    }
    for (const std::string& c : wanted) {
        if (hierarchies.count(c) != 0) {
            continue;
        }
        auto it = facts.v1_controllers.find(c);
        if (it != facts.v1_controllers.end()) {
            hierarchies[c] = it->second;
            continue;
        }
        auto needing = std::find_if(plan.writes.begin(), plan.writes.end(), [&](const auto& w) {
            return w.controller == c && !is_optional_write(w);
        });
        if (needing != plan.writes.end()) {
            throw sys::SysError(ENOENT, "create cgroup", plan.path, {},
                                "no cgroup v1 hierarchy for controller '" + c + "' (needed for " +
                                    needing->file + "); hint: mount it (mount -t cgroup -o " + c +
                                    " cgroup /sys/fs/cgroup/" + c + ") or drop the limit");
        }
        spdlog::warn("cgroup v1 controller '{}' is not mounted: its settings are skipped", c);
    }
    return hierarchies;
}

}  // namespace

std::unique_ptr<sys::Cgroup> create_cgroup(const plan::CgroupPlan& plan,
                                           const plan::HostFacts& facts, Rollback& rollback) {
    if (!plan.enabled) {
        return nullptr;
    }
    std::unique_ptr<sys::Cgroup> cg;
    std::map<std::string, std::string> hierarchies;
    bool v1 =
        plan.version == plan::CgroupVersion::v1 || plan.version == plan::CgroupVersion::hybrid;
    if (v1) {
        hierarchies = v1_hierarchies(plan, facts);
        cg = sys::make_cgroup_v1(hierarchies, plan.path);
    } else if (plan.version == plan::CgroupVersion::v2) {
        cg =
            sys::make_cgroup_v2(plan.v2_root.empty() ? facts.cgroup_root : plan.v2_root, plan.path);
    } else {
        throw sys::SysError(ENOTSUP, "create cgroup", plan.path, {},
                            "this host has no usable cgroup hierarchy; hint: drop [limits]");
    }

    sys::or_throw(cg->create());
    rollback.push_all(UndoKind::remove_cgroup, cg->dirs(), std::to_string(cg->parent_levels()));
    spdlog::debug("cgroup: created {}", fmt::join(cg->dirs(), ", "));

    sys::or_throw(cg->enable_controllers(plan.v2_enable));
    for (const plan::CgroupWrite& w : plan.writes) {
        if (v1 && hierarchies.count(w.controller) == 0) {
            continue;  // warned above: an optional write for a controller the host lacks
        }
        spdlog::debug("cgroup: write {} = {}", w.file, w.value);
        sys::or_throw(cg->write(w.controller, w.file, w.value));
    }
    return cg;
}

}  // namespace sandbox::exec::host
