#pragma once
// Step 10, mounts: the plan's MountOps, in order, inside the child's mount namespace.
#include <string>

#include "plan/plan.hpp"

namespace sandbox::exec::child {

// `new_root` is PivotPlan::new_root (the root ops' "/"); `rootfs_dir` the prepared rootfs
// (substituted where the plan leaves the source empty: an unpacked archive).
void apply_mounts(const std::vector<plan::MountOp>& ops, const std::string& new_root,
                  const std::string& rootfs_dir);

}  // namespace sandbox::exec::child
