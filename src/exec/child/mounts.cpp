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
#include <unistd.h>

#include <set>

#include "exec/child/host_access.hpp"
#include "sys/fs.hpp"
#include "sys/mount.hpp"

namespace sandbox::exec::child {

namespace {

using plan::MountOp;
using plan::MountOpKind;

sys::MountAttrs attrs_of(const plan::MountFlags& f) {
    return sys::MountAttrs(f);  // the attributes without `recursive`
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

// "lowerdir=a,upperdir=b" with lowerdir's value replaced (or added in front when absent).
std::string with_lowerdir(const std::string& data, const std::string& lower) {
    std::string out = "lowerdir=" + lower;
    size_t i = 0;
    while (i <= data.size()) {
        size_t j = data.find(',', i);
        if (j == std::string::npos) {
            j = data.size();
        }
        std::string opt = data.substr(i, j - i);
        if (!opt.empty() && opt.rfind("lowerdir=", 0) != 0) {
            out += "," + opt;
        }
        i = j + 1;
    }
    return out;
}

std::string parent_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    return slash == std::string::npos || slash == 0 ? "/" : path.substr(0, slash);
}

std::string fd_path(int fd) {
    return "/proc/self/fd/" + std::to_string(fd);
}

class MountRunner {
public:
    MountRunner(std::string new_root, std::string rootfs_dir, int tree_fd, bool readonly_root,
                HostAccess& host)
        : m_new_root(std::move(new_root)),
          m_rootfs_dir(std::move(rootfs_dir)),
          m_tree(tree_fd),
          m_readonly_root(readonly_root),
          m_host(host) {}

    // After the last op: a directory shadow_dir() made writable is read-only again when the
    // root is (its mount points exist now; the root's own remount does not reach submounts).
    void finish() {
        if (!m_readonly_root) {
            return;
        }
        sys::MountAttrs ro;
        ro.readonly = true;
        for (const std::string& dir : m_shadowed) {
            sys::UniqueFd top = sys::or_throw(sys::open_in_root(root(), dir, O_PATH));
            sys::or_throw(sys::set_mount_attrs(top.get(), ro, false, dir));
        }
    }

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
                bind(op);
                return;
            case MountOpKind::write_file:
                bind_state_file(op);
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
            m_root = sys::or_throw(sys::open_dir(m_new_root.empty() ? "/" : new_root_path()));
        }
        return m_root.get();
    }

    void reopen_root() { m_root = sys::or_throw(sys::open_dir(new_root_path())); }

    // new_root as path-taking syscalls must spell it (host_access.hpp: it may sit in a
    // directory the mapped root cannot traverse).
    std::string new_root_path() const { return m_host.path(m_new_root); }

    // The source opened before the ids changed, or opened now.
    sys::UniqueFd take_source(const MountOp& op, const std::string& path, int& error) {
        OpenedSource* early = m_host.source(op);
        OpenedSource now;
        if (early == nullptr) {
            now = open_bind_source(op, path);
            early = &now;
        }
        error = early->error;
        return std::move(early->fd);
    }

    std::string root_source(const MountOp& op) const {
        return op.source.empty() ? m_rootfs_dir : op.source;
    }

    // The launcher's clone of the rootfs, attached at new_root with `attrs` (then closed).
    void attach_rootfs_tree(const MountOp& op, const sys::MountAttrs& attrs) {
        sys::UniqueFd target = sys::or_throw(sys::open_dir(new_root_path()));
        sys::or_throw(
            sys::attach_tree(m_tree.get(), root_source(op), target.get(), true, attrs, "/"));
        m_tree.reset();
    }

    void root_bind(const MountOp& op) {
        if (m_tree) {
            attach_rootfs_tree(op, attrs_of(op.flags));
            reopen_root();
            return;
        }
        const std::string source = root_source(op);
        OpenedSource* opened = m_host.source(op);
        OpenedSource now;
        if (opened == nullptr) {
            MountOp follow = op;  // the rootfs's own links are its business (host_access.cpp)
            follow.follow_symlinks = true;
            now = open_bind_source(follow, source);
            opened = &now;
        }
        sys::UniqueFd source_fd = std::move(opened->fd);
        if (!source_fd) {
            throw sys::SysError(opened->error, "bind", source, "/");
        }
        sys::UniqueFd target = sys::or_throw(sys::open_dir(new_root_path()));
        sys::or_throw(sys::bind_mount_fd(source_fd.get(), source, target.get(), true,
                                         attrs_of(op.flags), "/"));
        reopen_root();
    }

    void root_filesystem(const MountOp& op) {
        std::string data = op.data;
        if (op.kind == MountOpKind::overlay_root && m_tree) {
            // The lower layer is the attached clone, reached by path once it sits at new_root
            // (the overlay then stacks on top of it): the tree's own path may be unreachable.
            attach_rootfs_tree(op, {});
            data = with_lowerdir(data, m_new_root);
        } else if (op.kind == MountOpKind::overlay_root &&
                   (data.find("lowerdir=,") != std::string::npos ||
                    (data.rfind("lowerdir=", 0) != 0 &&
                     data.find(",lowerdir=") == std::string::npos))) {
            // An archive rootfs: the planner cannot know the unpacked tree's path.
            data = with_lowerdir(data, m_rootfs_dir);
        }
        if (op.kind == MountOpKind::overlay_root) {
            data = m_host.overlay_options(data);
        }
        sys::UniqueFd target = sys::or_throw(sys::open_dir(new_root_path()));
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
        int error = 0;
        sys::UniqueFd source = take_source(op, op.source, error);
        if (!source) {
            errno = error;
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

    // /etc/hosts, /etc/hostname, /etc/resolv.conf: bound onto the rootfs's own file when it
    // has one. A missing file is never created in the rootfs (a read-only root, one owned by
    // ids our user namespace does not map, or a user's directory that must stay as it is):
    // its directory gets a throw-away tmpfs layer instead (shadow_dir) and the mount point is
    // made there. Without even the directory the file is left out with a warning: a missing
    // hosts file is no reason to fail a run.
    void bind_state_file(const MountOp& op) {
        int error = 0;
        sys::UniqueFd source = take_source(op, op.source, error);
        if (!source) {
            throw sys::SysError(error, "bind", op.source, op.target);
        }
        auto target = sys::open_in_root(root(), op.target, O_PATH);
        if (!target && target.error().err() == ENOENT) {
            const std::string dir = parent_of(op.target);
            if (!shadow_dir(dir)) {
                spdlog::warn("mount {}: {} is missing in the rootfs, so is the file left out",
                             op.target, dir);
                return;
            }
            sys::UniqueFd shadow = sys::or_throw(sys::open_in_root(root(), dir, O_PATH));
            const std::string name = op.target.substr(op.target.find_last_of('/') + 1);
            struct stat st {};
            if (fstatat(shadow.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 &&
                S_ISLNK(st.st_mode)) {
                // A dangling link (resolv.conf -> ../run/...): replaced in the throw-away layer.
                sys::UniqueFd writable = sys::or_throw(sys::open_in_root(root(), dir, O_RDONLY));
                if (unlinkat(writable.get(), name.c_str(), 0) != 0) {
                    throw sys::SysError(errno, "unlink", op.target);
                }
            }
            sys::or_throw(sys::create_file_in_root(root(), op.target));
            target = sys::open_in_root(root(), op.target, O_PATH);
        }
        if (!target) {
            throw sys::SysError(target.error().err(), "bind", op.source, op.target);
        }
        auto st2 = sys::bind_mount_fd(source.get(), op.source, target->get(), false,
                                      attrs_of(op.flags), op.target);
        if (!st2) {
            throw sys::SysError(st2.error().err(), "bind", op.source, op.target,
                                st2.error().detail());
        }
    }

    // Makes `dir` (inside the new root) writable without touching the rootfs: an overlay whose
    // lower layer is the directory as it is and whose upper layer lives on a small tmpfs
    // mounted over it first. Layers are named through /proc/self/fd, so no path of the host
    // is needed. Mounts made earlier below `dir` are hidden by it (the state files come last
    // in the plan, after the profile's mounts). False when `dir` does not exist.
    bool shadow_dir(const std::string& dir) {
        if (m_shadowed.count(dir) != 0) {
            return true;
        }
        auto lower = sys::open_in_root(root(), dir, O_PATH | O_DIRECTORY);
        if (!lower) {
            if (lower.error().err() == ENOENT) {
                return false;
            }
            throw sys::SysError(lower.error().err(), "mount point", dir);
        }
        sys::MountAttrs attrs;
        attrs.nosuid = attrs.nodev = true;
        sys::or_throw(
            sys::mount_filesystem("tmpfs", "tmpfs", "mode=0755", lower->get(), attrs, dir));
        sys::UniqueFd scratch = sys::or_throw(sys::open_in_root(root(), dir, O_PATH | O_DIRECTORY));
        for (const char* sub : {"upper", "work"}) {
            if (mkdirat(scratch.get(), sub, 0755) != 0) {
                throw sys::SysError(errno, "mkdir", dir + "/" + sub + " (tmpfs)");
            }
        }
        sys::UniqueFd upper(openat(scratch.get(), "upper", O_PATH | O_DIRECTORY | O_CLOEXEC));
        sys::UniqueFd work(openat(scratch.get(), "work", O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!upper || !work) {
            throw sys::SysError(errno, "open", dir + " (tmpfs)");
        }
        // The upper layer's xattrs are user.* (userxattr): in a user namespace the kernel
        // refuses trusted.*, and a tmpfs takes user.* since Linux 6.6.
        const std::string layers = "lowerdir=" + fd_path(lower->get()) +
                                   ",upperdir=" + fd_path(upper.get()) +
                                   ",workdir=" + fd_path(work.get());
        auto st = sys::mount_filesystem("overlay", "overlay", layers + ",userxattr", scratch.get(),
                                        attrs, dir);
        if (!st) {
            sys::or_throw(
                sys::mount_filesystem("overlay", "overlay", layers, scratch.get(), attrs, dir));
        }
        m_shadowed.insert(dir);
        return true;
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
    sys::UniqueFd m_tree;  // the launcher's clone of the rootfs until attached
    bool m_readonly_root = false;
    HostAccess& m_host;
    sys::UniqueFd m_root;
    std::set<std::string> m_shadowed;  // directories given a tmpfs layer by shadow_dir
};

}  // namespace

void apply_mounts(const std::vector<MountOp>& ops, const std::string& new_root,
                  const std::string& rootfs_dir, int rootfs_tree_fd, bool readonly_root,
                  HostAccess& host) {
    MountRunner runner(new_root, rootfs_dir, rootfs_tree_fd, readonly_root, host);
    for (const MountOp& op : ops) {
        runner.run(op);
    }
    runner.finish();
}

}  // namespace sandbox::exec::child
