#pragma once
// Pipeline step 4, cgroup (docs/architecture.md §2): after rootfs, before spawn, because spawn
// needs the leaf (v2 CLONE_INTO_CGROUP fd, v1 `tasks` files the child joins itself) and the limits
// must be in place before the workload can allocate anything.
#include <memory>

#include "exec/rollback.hpp"
#include "plan/plan.hpp"
#include "sys/cgroup.hpp"

namespace sandbox::exec::host {

// Builds the v1 or v2 object for `plan` (its v1_hierarchies or v2_root: nothing is looked up
// on the host again), create()s it, pushes one UndoKind::remove_cgroup per leaf dir (extra =
// parent levels to prune) right after creation, enables the v2 controllers, then applies
// plan.writes in order. Throws sys::SysError. Returns nullptr when !plan.enabled.
std::unique_ptr<sys::Cgroup> create_cgroup(const plan::CgroupPlan& plan, Rollback& rollback);

}  // namespace sandbox::exec::host
