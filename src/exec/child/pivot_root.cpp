// Step 11, pivot_root. After mounts (every mount is assembled under new_root first, resolved
// with the host still visible for bind sources), before network_sandbox and init (which must
// not see the host's filesystem). Never chroot: chroot leaves the old root reachable.
// pivot_root(".", ".") stacks the old root on top of the new one; umount2(".", MNT_DETACH)
// then drops it without needing a put_old directory (nsjail mnt.cc, runc).
#include "exec/child/pivot_root.hpp"

#include "sys/mount.hpp"

namespace sandbox::exec::child {

void switch_root(const plan::PivotPlan& plan, const std::string& new_root_path) {
    if (!plan.enabled) {
        return;
    }
    sys::or_throw(sys::pivot_into(new_root_path));
    if (plan.readonly_root) {
        sys::or_throw(sys::remount_root_readonly());
    }
}

}  // namespace sandbox::exec::child
