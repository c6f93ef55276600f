#pragma once
// Step 10, mounts: the plan's MountOps, in order, inside the child's mount namespace.
#include <string>

#include "exec/child/host_access.hpp"
#include "plan/plan.hpp"

namespace sandbox::exec::child {

// `new_root` is PivotPlan::new_root (the root ops' "/"); `rootfs_dir` the prepared rootfs
// (substituted where the plan leaves the source empty: an unpacked archive). `rootfs_tree_fd`,
// when >= 0, is the launcher's detached clone of rootfs_dir: attached instead of binding the
// path (which this process's user namespace may not be able to reach), then closed.
// `readonly_root`: the root will be remounted read-only (PivotPlan::readonly_root), so the
// tmpfs layers made for missing /etc mount points are made read-only too. `host`: the sources
// and directories opened before the ids changed (host_access.hpp).
void apply_mounts(const std::vector<plan::MountOp>& ops, const std::string& new_root,
                  const std::string& rootfs_dir, int rootfs_tree_fd, bool readonly_root,
                  HostAccess& host);

}  // namespace sandbox::exec::child
