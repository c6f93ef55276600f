// Pipeline step 4, cgroup. After rootfs (nothing here depends on it, but a rootfs failure should
// not leave a cgroup to undo) and before spawn: the child is born into the leaf (v2
// CLONE_INTO_CGROUP) or joins it itself before exec (v1 `tasks`, docs/architecture.md §8), so the
// limits are written here, before any workload code runs.
#include "exec/host/cgroup.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "exec/op_record.hpp"
#include "sys/error.hpp"

namespace sandbox::exec::host {

std::unique_ptr<sys::Cgroup> create_cgroup(const plan::CgroupPlan& plan, Rollback& rollback) {
    if (!plan.enabled) {
        return nullptr;
    }
    // Only the plan's fields: the hierarchies, the v2 root and every write were chosen by the
    // planner from HostFacts (plan/cgroup_plan.cpp), so what is made is what explain shows.
    std::unique_ptr<sys::Cgroup> cg;
    bool v1 =
        plan.version == plan::CgroupVersion::v1 || plan.version == plan::CgroupVersion::hybrid;
    if (v1) {
        for (const plan::CgroupWrite& w : plan.writes) {
            if (plan.v1_hierarchies.count(w.controller) == 0) {
                throw sys::SysError(EINVAL, "create cgroup", plan.path, {},
                                    "the plan writes " + w.file + " but names no hierarchy for '" +
                                        w.controller + "'");
            }
        }
        cg = sys::make_cgroup_v1(plan.v1_hierarchies, plan.path);
    } else if (plan.version == plan::CgroupVersion::v2) {
        cg = sys::make_cgroup_v2(plan.v2_root, plan.path);
    } else {
        throw sys::SysError(ENOTSUP, "create cgroup", plan.path, {},
                            "this host has no usable cgroup hierarchy; hint: drop [limits]");
    }

    sys::or_throw(cg->create());
    rollback.push_all(UndoKind::remove_cgroup, cg->dirs(), std::to_string(cg->parent_levels()));
    for (const std::string& dir : cg->dirs()) {
        record_op("cgroup_dir", {{"path", dir}});
    }
    spdlog::debug("cgroup: created {}", fmt::join(cg->dirs(), ", "));

    sys::or_throw(cg->enable_controllers(plan.v2_enable));
    for (const plan::CgroupWrite& w : plan.writes) {
        spdlog::debug("cgroup: write {} = {}", w.file, w.value);
        sys::or_throw(cg->write(w.controller, w.file, w.value));
        record_op("cgroup_write",
                  {{"controller", w.controller}, {"file", w.file}, {"value", w.value}});
    }
    return cg;
}

}  // namespace sandbox::exec::host
