// Step 10, mounts. After identity, before pivot_root: bind sources are host paths and must be
// opened while the host's tree is still visible. Everything here happens inside the child's
// own mount namespace, so nothing needs undoing: the kernel drops these mounts with it.
// make_private comes first so none of this propagates back to the host.
//
// Ops are data (bubblewrap's SetupOp): one switch over MountOpKind. Targets are resolved with
// openat2(RESOLVE_IN_ROOT) under the new root and mounted through the fd (sys/mount.hpp), so a
// symlink planted in the rootfs cannot point a mount at the host.
#include "exec/child/mounts.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>

#include "sys/fs.hpp"
#include "sys/mount.hpp"

namespace sandbox::exec::child {

namespace {

using plan::MountOp;
using plan::MountOpKind;

sys::MountAttrs attrs_of(const plan::MountFlags& f) {
    sys::MountAttrs a;
    a.readonly = f.readonly;
    a.nosuid = f.nosuid;
    a.nodev = f.nodev;
    a.noexec = f.noexec;
    a.noatime = f.noatime;
    a.relatime = f.relatime;
    a.strictatime = f.strictatime;
    a.nodiratime = f.nodiratime;
    a.nosymfollow = f.nosymfollow;
    return a;
}

sys::Propagation propagation_of(profile::Propagation p) {
    switch (p) {
        case profile::Propagation::private_:
            return sys::Propagation::private_;
        case profile::Propagation::slave:
            return sys::Propagation::slave;
        case profile::Propagation::shared:
            return sys::Propagation::shared;
        case profile::Propagation::unbindable:
            return sys::Propagation::unbindable;
    }
    return sys::Propagation::private_;
}

const char* fs_type(MountOpKind kind) {
    switch (kind) {
        case MountOpKind::tmpfs:
        case MountOpKind::tmpfs_root:
            return "tmpfs";
        case MountOpKind::proc:
            return "proc";
        case MountOpKind::sysfs:
            return "sysfs";
        case MountOpKind::devpts:
            return "devpts";
        case MountOpKind::mqueue:
            return "mqueue";
        case MountOpKind::overlay_root:
            return "overlay";
        default:
            return "";
    }
}

class MountRunner {
public:
    MountRunner(std::string new_root, std::string rootfs_dir)
        : m_new_root(std::move(new_root)), m_rootfs_dir(std::move(rootfs_dir)) {}

    void run(const MountOp& op) {
        spdlog::debug("mount op {} '{}' → '{}' {} \"{}\" ({})", static_cast<int>(op.kind),
                      op.source, op.target, sys::mount_attrs_to_string(attrs_of(op.flags)), op.data,
                      op.origin);
        switch (op.kind) {
            case MountOpKind::make_private:
                sys::or_throw(sys::make_root_propagation(
                    propagation_of(op.propagation.value_or(profile::Propagation::private_))));
                return;
            case MountOpKind::bind_root:
                root_bind(op);
                return;
            case MountOpKind::overlay_root:
            case MountOpKind::tmpfs_root:
                root_filesystem(op);
                return;
            case MountOpKind::bind:
            case MountOpKind::dev_node:
            case MountOpKind::write_file:
                bind(op);
                return;
            case MountOpKind::tmpfs:
            case MountOpKind::proc:
            case MountOpKind::sysfs:
            case MountOpKind::devpts:
            case MountOpKind::mqueue:
                filesystem(op);
                return;
            case MountOpKind::symlink:
                sys::or_throw(sys::symlink_in_root(root(), op.source, op.target));
                return;
            case MountOpKind::mask:
                mask(op);
                return;
            case MountOpKind::readonly:
                readonly(op);
                return;
        }
    }

private:
    int root() {
        if (!m_root) {
            // No root op: the sandbox shares the host's tree (no pivot_root).
            m_root = sys::or_throw(sys::open_dir(m_new_root.empty() ? "/" : m_new_root));
        }
        return m_root.get();
    }

    void reopen_root() { m_root = sys::or_throw(sys::open_dir(m_new_root)); }

    std::string root_source(const MountOp& op) const {
        return op.source.empty() ? m_rootfs_dir : op.source;
    }

    void root_bind(const MountOp& op) {
        std::string source = root_source(op);
        sys::UniqueFd target = sys::or_throw(sys::open_dir(m_new_root));
        sys::or_throw(sys::bind_mount(source, target.get(), true, attrs_of(op.flags), "/"));
        reopen_root();
    }

    void root_filesystem(const MountOp& op) {
        std::string data = op.data;
        // An archive rootfs: the planner cannot know the unpacked tree's path.
        if (op.kind == MountOpKind::overlay_root && data.find("lowerdir=,") != std::string::npos) {
            data.replace(data.find("lowerdir=,"), 10, "lowerdir=" + m_rootfs_dir + ",");
        }
        if (op.kind == MountOpKind::overlay_root && data.rfind("lowerdir=", 0) != 0 &&
            data.find(",lowerdir=") == std::string::npos) {
            data = "lowerdir=" + m_rootfs_dir + (data.empty() ? "" : "," + data);
        }
        sys::UniqueFd target = sys::or_throw(sys::open_dir(m_new_root));
        sys::or_throw(sys::mount_filesystem(fs_type(op.kind), op.source, data, target.get(),
                                            attrs_of(op.flags), "/"));
        reopen_root();
    }

    // Creates the target as the op asks; returns false when an optional target is missing.
    void create_target(const MountOp& op, bool source_is_dir) {
        switch (op.create) {
            case MountOp::Create::none:
                return;
            case MountOp::Create::dir:
                sys::or_throw(sys::mkdir_p_in_root(root(), op.target));
                return;
            case MountOp::Create::file:
                sys::or_throw(sys::create_file_in_root(root(), op.target));
                return;
            case MountOp::Create::like_source:
                if (source_is_dir) {
                    sys::or_throw(sys::mkdir_p_in_root(root(), op.target));
                } else {
                    sys::or_throw(sys::create_file_in_root(root(), op.target));
                }
                return;
        }
    }

    void bind(const MountOp& op) {
        // The source is opened once, and without following links unless the mount asks:
        // a link in the path would let whoever controls it choose what gets bound.
        sys::UniqueFd source;
        if (op.follow_symlinks) {
            source = sys::UniqueFd(open(op.source.c_str(), O_PATH | O_CLOEXEC));
        } else if (auto fd = sys::open_no_symlinks(op.source, O_PATH)) {
            source = std::move(*fd);
        } else {
            errno = fd.error().err();
        }
        if (!source) {
            if (errno == ENOENT && op.optional) {
                spdlog::debug("bind '{}': source missing, optional: skipped", op.source);
                return;
            }
            if (errno == ELOOP) {
                throw sys::SysError(ELOOP, "bind", op.source, op.target,
                                    "the source path contains a symbolic link; set "
                                    "follow_symlinks = true on the mount to allow it");
            }
            throw sys::SysError(errno, "bind", op.source, op.target);
        }
        struct stat st {};
        if (fstat(source.get(), &st) != 0) {
            throw sys::SysError(errno, "bind", op.source, op.target);
        }
        create_target(op, S_ISDIR(st.st_mode));
        auto target = sys::open_in_root(root(), op.target, O_PATH);
        if (!target) {
            throw sys::SysError(target.error().err(), "bind", op.source, op.target);
        }
        auto st2 = sys::bind_mount_fd(source.get(), op.source, target->get(), op.flags.recursive,
                                      attrs_of(op.flags), op.target);
        if (!st2) {
            throw sys::SysError(st2.error().err(), "bind", op.source, op.target,
                                st2.error().detail());
        }
        apply_propagation(op);
    }

    void filesystem(const MountOp& op) {
        create_target(op, true);
        auto target = sys::open_in_root(root(), op.target, O_PATH | O_DIRECTORY);
        if (!target) {
            if (target.error().err() == ENOENT && op.optional) {
                return;
            }
            throw sys::SysError(target.error().err(), std::string("mount ") + fs_type(op.kind),
                                op.target);
        }
        sys::or_throw(sys::mount_filesystem(fs_type(op.kind), op.source, op.data, target->get(),
                                            attrs_of(op.flags), op.target));
        apply_propagation(op);
    }

    void mask(const MountOp& op) {
        auto target = sys::open_in_root(root(), op.target, O_PATH | O_NOFOLLOW);
        if (!target) {
            if (target.error().err() == ENOENT) {
                return;  // nothing to hide
            }
            throw sys::SysError(target.error().err(), "mask", op.target);
        }
        struct stat st {};
        if (fstat(target->get(), &st) != 0) {
            throw sys::SysError(errno, "mask", op.target);
        }
        sys::MountAttrs ro;
        ro.readonly = true;
        if (S_ISDIR(st.st_mode)) {
            ro.nosuid = ro.nodev = ro.noexec = true;
            sys::or_throw(
                sys::mount_filesystem("tmpfs", "tmpfs", "mode=0555", target->get(), ro, op.target));
        } else if (!S_ISLNK(st.st_mode)) {
            sys::or_throw(sys::bind_mount("/dev/null", target->get(), false, ro, op.target));
        }
    }

    void readonly(const MountOp& op) {
        auto target = sys::open_in_root(root(), op.target, O_PATH);
        if (!target) {
            if (target.error().err() == ENOENT) {
                return;
            }
            throw sys::SysError(target.error().err(), "readonly", op.target);
        }
        sys::MountAttrs attrs = attrs_of(op.flags);
        attrs.readonly = true;
        sys::or_throw(
            sys::bind_mount_fd(target->get(), op.target, target->get(), true, attrs, op.target));
    }

    void apply_propagation(const MountOp& op) {
        if (!op.propagation) {
            return;
        }
        // Re-open: the fd taken before the mount names the covered directory, not the mount.
        sys::UniqueFd mounted = sys::or_throw(sys::open_in_root(root(), op.target, O_PATH));
        sys::or_throw(sys::set_propagation(mounted.get(), propagation_of(*op.propagation),
                                           op.flags.recursive, op.target));
    }

    std::string m_new_root;
    std::string m_rootfs_dir;
    sys::UniqueFd m_root;
};

}  // namespace

void apply_mounts(const std::vector<MountOp>& ops, const std::string& new_root,
                  const std::string& rootfs_dir) {
    MountRunner runner(new_root, rootfs_dir);
    for (const MountOp& op : ops) {
        runner.run(op);
    }
}

}  // namespace sandbox::exec::child
