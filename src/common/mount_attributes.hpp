#pragma once
// The attributes a mount can carry (MOUNT_ATTR_* for the new mount API, MS_* for mount(2)), by
// name. The plan's MountFlags (plan/plan.hpp) and sys' MountAttrs (sys/mount.hpp) are both these,
// so the list is written once and exec copies one into the other whole.
namespace sandbox {

struct MountAttributes {
    bool readonly = false;
    bool nosuid = false;
    bool nodev = false;
    bool noexec = false;
    bool noatime = false;
    bool relatime = false;
    bool strictatime = false;
    bool nodiratime = false;
    bool nosymfollow = false;
    bool operator==(const MountAttributes&) const = default;
};

}  // namespace sandbox
