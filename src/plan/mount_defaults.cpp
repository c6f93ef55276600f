// Default mounts. Ordering constraint: these run in step 10 after the root is prepared
// (targets are inside the new root) and before pivot_root (dev_node and host binds take host
// paths as sources). /proc comes before everything that links into it (/dev/fd), /dev before
// its sub-mounts, and the masks after the filesystems they mask (docs/architecture.md §2 step 10).
#include "plan/mount_defaults.hpp"

#include <algorithm>

namespace sandbox::plan {

namespace {

MountOp op(MountOpKind kind, std::string source, std::string target, std::string origin) {
    MountOp m;
    m.kind = kind;
    m.source = std::move(source);
    m.target = std::move(target);
    m.origin = std::move(origin);
    return m;
}

bool replaced(const DefaultMountContext& context, const std::string& target) {
    return std::any_of(context.profile_targets.begin(), context.profile_targets.end(),
                       [&](const std::string& profile_target) {
                           return is_same_or_under(target, profile_target);
                       });
}

}  // namespace

bool is_same_or_under(const std::string& path, const std::string& prefix) {
    if (prefix.empty() || prefix == "/") {
        return false;
    }
    if (path == prefix) {
        return true;
    }
    return path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
           path[prefix.size()] == '/';
}

void add_host_root_binds(std::vector<MountOp>& out) {
    // Links are followed: with a merged /usr, /bin and /lib* are root-owned links into /usr, and
    // /etc/resolv.conf is often a link (systemd-resolved).
    auto bind = [&out](const char* path) {
        MountOp m = op(MountOpKind::bind, path, path, std::string("rootfs.host ") + path);
        m.follow_symlinks = true;
        m.flags.recursive = true;
        m.flags.readonly = true;
        m.flags.nosuid = true;
        m.flags.nodev = true;
        m.create = MountOp::Create::like_source;
        m.optional = true;
        out.push_back(std::move(m));
    };
    for (const char* dir : k_host_dirs) {
        bind(dir);
    }
    for (const char* file : k_host_etc) {
        bind(file);
    }
}

void add_default_mounts(const DefaultMountContext& context, std::vector<MountOp>& out,
                        std::vector<PlanNote>& notes) {
    // /proc: only a procfs of the sandbox's own pid namespace. Binding the host's /proc
    // would show (and let a privileged workload signal or ptrace) every host process.
    if (!replaced(context, "/proc")) {
        if (context.pid_ns_new) {
            MountOp m = op(MountOpKind::proc, "proc", "/proc", "default /proc");
            m.flags.nosuid = m.flags.nodev = m.flags.noexec = true;
            m.create = MountOp::Create::dir;
            out.push_back(std::move(m));
        } else {
            notes.push_back(PlanNote{StepId::mounts, PlanNote::Level::warning,
                                     "no /proc: the pid namespace is the host's, and a bind of "
                                     "the host /proc would expose every host process"});
        }
    }

    if (!replaced(context, "/dev")) {
        MountOp dev = op(MountOpKind::tmpfs, "tmpfs", "/dev", "default /dev");
        dev.flags.nosuid = true;
        dev.data = "mode=0755,size=64k";
        dev.create = MountOp::Create::dir;
        out.push_back(std::move(dev));

        for (const char* node : k_dev_nodes) {
            std::string path = std::string("/dev/") + node;
            MountOp m = op(MountOpKind::dev_node, path, path, "default " + path);
            m.create = MountOp::Create::file;
            out.push_back(std::move(m));
        }
        // newinstance: a private devpts, so the sandbox cannot reach the host's terminals.
        // No gid=5: tty's group may not be mapped in a user namespace (EINVAL).
        MountOp pts = op(MountOpKind::devpts, "devpts", "/dev/pts", "default /dev/pts");
        pts.flags.nosuid = pts.flags.noexec = true;
        pts.data = "newinstance,ptmxmode=0666,mode=0620";
        pts.create = MountOp::Create::dir;
        out.push_back(std::move(pts));
        out.push_back(op(MountOpKind::symlink, "pts/ptmx", "/dev/ptmx", "default /dev/ptmx"));

        if (context.wanted.shm) {
            MountOp shm = op(MountOpKind::tmpfs, "shm", "/dev/shm", "default /dev/shm");
            shm.flags.nosuid = shm.flags.nodev = true;
            shm.data = "mode=1777";
            shm.create = MountOp::Create::dir;
            out.push_back(std::move(shm));
        }

        // A mqueue fs shows the ipc namespace of the mounter: only our own.
        if (context.ipc_ns_new && context.wanted.mqueue) {
            MountOp mq = op(MountOpKind::mqueue, "mqueue", "/dev/mqueue", "default /dev/mqueue");
            mq.flags.nosuid = mq.flags.nodev = mq.flags.noexec = true;
            mq.create = MountOp::Create::dir;
            out.push_back(std::move(mq));
        }
        out.push_back(op(MountOpKind::symlink, "/proc/self/fd", "/dev/fd", "default /dev/fd"));
        const char* std_names[] = {"stdin", "stdout", "stderr"};
        for (int fd = 0; fd < 3; ++fd) {
            std::string path = std::string("/dev/") + std_names[fd];
            out.push_back(op(MountOpKind::symlink, "/proc/self/fd/" + std::to_string(fd), path,
                             "default " + path));
        }
    }

    if (context.wanted.sys && !replaced(context, "/sys")) {
        // sysfs shows the network devices of the mounter's netns: a fresh mount only when
        // that netns is our own; otherwise a read-only recursive bind of the host's.
        MountOp sys = context.net_ns_new
                          ? op(MountOpKind::sysfs, "sysfs", "/sys", "default /sys")
                          : op(MountOpKind::bind, "/sys", "/sys", "default /sys (host netns)");
        sys.flags.readonly = sys.flags.nosuid = sys.flags.nodev = sys.flags.noexec = true;
        sys.flags.recursive = !context.net_ns_new;
        sys.create = MountOp::Create::dir;
        out.push_back(std::move(sys));
    }
}

void add_masked_paths(const std::vector<std::string>& paths, std::vector<MountOp>& out) {
    for (size_t i = 0; i < paths.size(); ++i) {
        MountOp m =
            op(MountOpKind::mask, "", paths[i], "security.masked_paths[" + std::to_string(i) + "]");
        m.flags.readonly = true;
        m.optional = true;
        out.push_back(std::move(m));
    }
}

void add_readonly_paths(const std::vector<std::string>& paths, std::vector<MountOp>& out) {
    for (size_t i = 0; i < paths.size(); ++i) {
        MountOp m = op(MountOpKind::readonly, paths[i], paths[i],
                       "security.readonly_paths[" + std::to_string(i) + "]");
        m.flags.readonly = true;
        m.flags.recursive = true;
        m.optional = true;
        out.push_back(std::move(m));
    }
}

}  // namespace sandbox::plan
