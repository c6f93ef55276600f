#pragma once
// What the mounts step needs from the host, opened while the child still has the invoker's
// credentials (docs/architecture.md, "Rootless: host paths are opened before the ids change").
//
// In a new user namespace the child becomes the mapped root (identity step) before it mounts
// anything. With a subordinate range (uid_map = "auto", /etc/subuid) that root is a uid the
// host has never given anything: it cannot traverse the invoker's 0700 $XDG_RUNTIME_DIR (where
// the state root and the new root live) or a 0700 home holding a bind source. So, before the
// ids change:
//  - every bind source (bind, dev_node, the state files, a directory rootfs) is opened, and the
//    mount later uses the fd;
//  - the state root and the rootfs directory are opened, and any path below them that must stay
//    a path (pivot_root, overlay layer options, the new root after each root mount) is spelled
//    /proc/self/fd/N/REST: a /proc fd link jumps straight to its directory without checking
//    the directories above it (the kernel's nd_jump_link), and REST is looked up normally.
#include <map>
#include <string>
#include <vector>

#include "plan/plan.hpp"
#include "sys/fd.hpp"

namespace sandbox::exec::child {

// A bind source opened early, or the errno of the failed open (reported when its op runs, so
// the error still names the mounts step and the op).
struct OpenedSource {
    sys::UniqueFd fd;
    int error = 0;
};

class HostAccess {
public:
    HostAccess() = default;

    // Opens the bind sources of `ops` and the directories `dirs` (the state root, the rootfs
    // directory; empty strings are skipped). Missing directories are not an error here.
    static HostAccess open(const std::vector<plan::MountOp>& ops, const std::string& rootfs_dir,
                           const std::vector<std::string>& dirs);

    // `path` as the mounts step should pass it to a path-taking syscall: through the fd of the
    // longest opened directory containing it, or unchanged.
    std::string path(const std::string& host_path) const;

    // Every absolute host path inside an overlay option string ("lowerdir=A:B,upperdir=C")
    // rewritten with path().
    std::string overlay_options(const std::string& data) const;

    // The source opened for `op` (nullptr: not opened early, open it now).
    OpenedSource* source(const plan::MountOp& op);

private:
    struct Dir {
        std::string path;
        sys::UniqueFd fd;
    };
    std::vector<Dir> m_dirs;
    std::map<const plan::MountOp*, OpenedSource> m_sources;
};

// Opens a bind source the way the mounts step always has: without following links unless the
// op says follow_symlinks (a link in the path would let whoever controls it choose what gets
// bound). `path` is op.source, or the rootfs directory for a root bind that leaves it empty.
OpenedSource open_bind_source(const plan::MountOp& op, const std::string& path);

}  // namespace sandbox::exec::child
