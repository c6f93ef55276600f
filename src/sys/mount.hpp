#pragma once
// Mounts through the new mount API (open_tree / fsopen / fsmount / mount_setattr / move_mount).
// Every target is an fd obtained with open_in_root (sys/fs.hpp), so the kernel attaches the
// mount to exactly the directory we resolved inside the new root: a symlink in the rootfs can
// never redirect a mount to the host (the runc CVE-2021-30465 class of bugs).
#include <cstdint>
#include <string>

#include "common/mount_attributes.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::sys {

// MOUNT_ATTR_* bits, named so exec/ does not include <sys/mount.h>.
struct MountAttrs : MountAttributes {  // common/mount_attributes.hpp
    MountAttrs() = default;
    explicit MountAttrs(const MountAttributes& a) : MountAttributes(a) {}
    uint64_t bits() const;
};

enum class Propagation { private_, slave, shared, unbindable };

// "MOUNT_ATTR_RDONLY|MOUNT_ATTR_NOSUID" for debug logs (nsjail flagsToStr).
std::string mount_attrs_to_string(const MountAttrs& attrs);
std::string propagation_to_string(Propagation p);

// mount(NULL, "/", NULL, MS_REC|MS_PRIVATE|MS_SLAVE): stop our mounts propagating to the host.
Status make_root_propagation(Propagation p);

// Bind `source` (a host path) onto the directory/file `target_fd`, with attrs applied before
// the mount becomes visible (recursive binds get them on every submount). `what` names the
// target in errors.
Status bind_mount(const std::string& source, int target_fd, bool recursive, const MountAttrs& attrs,
                  const std::string& what);
// Like bind_mount, source given as an fd (O_PATH) already resolved.
Status bind_mount_fd(int source_fd, const std::string& source_name, int target_fd, bool recursive,
                     const MountAttrs& attrs, const std::string& what);
// A detached copy of the tree at `source` (open_tree OPEN_TREE_CLONE, recursive when asked),
// made by the launcher while it can still reach `source`: the fd is inherited by the child,
// which attaches it with attach_tree() even when its own user namespace could not traverse
// the path (a private 0700 cache). The copy is made private (MS_PRIVATE). EPERM when the
// caller may not clone mounts (rootless).
Result<UniqueFd> clone_tree(const std::string& source, bool recursive);
// Applies attrs to the detached tree `tree_fd` (recursively when asked) and moves it onto
// target_fd. `source_name` and `what` name source and target in errors.
Status attach_tree(int tree_fd, const std::string& source_name, int target_fd, bool recursive,
                   const MountAttrs& attrs, const std::string& what);
// New filesystem instance: fsopen(fstype) + fsconfig(data "k=v,flag,...") + fsmount(attrs)
// + move_mount onto target_fd. `source` is the fs "source" string (may be empty).
Status mount_filesystem(const std::string& fstype, const std::string& source,
                        const std::string& data, int target_fd, const MountAttrs& attrs,
                        const std::string& what);
// Applies attrs (set bits only) to the mount whose root is target_fd.
Status set_mount_attrs(int target_fd, const MountAttrs& attrs, bool recursive,
                       const std::string& what);
// Sets the propagation type of the mount whose root is target_fd.
Status set_propagation(int target_fd, Propagation p, bool recursive, const std::string& what);
// Re-binds target onto itself read-only (recursive), for paths that are not mount roots.
Status bind_readonly_in_place(int target_fd, const std::string& what);

// chdir(new_root); pivot_root(".", "."); umount2(".", MNT_DETACH); chdir("/").
// The old root ends up stacked under the new one and is detached (nsjail mnt.cc, runc).
Status pivot_into(const std::string& new_root);
// mount_setattr("/", MOUNT_ATTR_RDONLY), top mount only (submounts keep their flags).
Status remount_root_readonly();

Status unmount(const std::string& target, bool detach);

}  // namespace sandbox::sys
