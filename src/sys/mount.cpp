#include "sys/mount.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <utility>
#include <vector>

#include "common/enum_names.hpp"

namespace sandbox::sys {

namespace {

constexpr std::array<std::pair<uint64_t, const char*>, 8> k_attr_names{{
    {MOUNT_ATTR_RDONLY, "MOUNT_ATTR_RDONLY"},
    {MOUNT_ATTR_NOSUID, "MOUNT_ATTR_NOSUID"},
    {MOUNT_ATTR_NODEV, "MOUNT_ATTR_NODEV"},
    {MOUNT_ATTR_NOEXEC, "MOUNT_ATTR_NOEXEC"},
    {MOUNT_ATTR_NOATIME, "MOUNT_ATTR_NOATIME"},
    {MOUNT_ATTR_STRICTATIME, "MOUNT_ATTR_STRICTATIME"},
    {MOUNT_ATTR_NODIRATIME, "MOUNT_ATTR_NODIRATIME"},
    {MOUNT_ATTR_NOSYMFOLLOW, "MOUNT_ATTR_NOSYMFOLLOW"},
}};

unsigned long propagation_bits(Propagation p) {
    switch (p) {
        case Propagation::private_:
            return MS_PRIVATE;
        case Propagation::slave:
            return MS_SLAVE;
        case Propagation::shared:
            return MS_SHARED;
        case Propagation::unbindable:
            return MS_UNBINDABLE;
    }
    return MS_PRIVATE;
}

// Reads the fs context's error log (fsopen(2)): "e overlay: ..." lines the kernel left.
std::string fs_context_log(int fs_fd) {
    std::string out;
    char buf[512];
    for (;;) {
        ssize_t n = ::read(fs_fd, buf, sizeof buf - 1);
        if (n <= 0) {
            break;
        }
        if (!out.empty()) {
            out += "; ";
        }
        std::string line(buf, static_cast<size_t>(n));
        while (!line.empty() && line.back() == '\n') {
            line.pop_back();
        }
        if (line.size() > 2 && line[1] == ' ') {
            line = line.substr(2);
        }
        out += line;
    }
    return out;
}

}  // namespace

uint64_t MountAttrs::bits() const {
    uint64_t b = 0;
    if (readonly) b |= MOUNT_ATTR_RDONLY;
    if (nosuid) b |= MOUNT_ATTR_NOSUID;
    if (nodev) b |= MOUNT_ATTR_NODEV;
    if (noexec) b |= MOUNT_ATTR_NOEXEC;
    if (noatime) b |= MOUNT_ATTR_NOATIME;
    if (strictatime) b |= MOUNT_ATTR_STRICTATIME;
    if (nodiratime) b |= MOUNT_ATTR_NODIRATIME;
    if (nosymfollow) b |= MOUNT_ATTR_NOSYMFOLLOW;
    // relatime is MOUNT_ATTR_RELATIME == 0: the default when no atime bit is set.
    return b;
}

std::string mount_attrs_to_string(const MountAttrs& attrs) {
    uint64_t bits = attrs.bits();
    std::string out;
    for (const auto& [bit, name] : k_attr_names) {
        if ((bits & bit) != 0) {
            out += out.empty() ? "" : "|";
            out += name;
        }
    }
    if (attrs.relatime) {
        out += out.empty() ? "MOUNT_ATTR_RELATIME" : "|MOUNT_ATTR_RELATIME";
    }
    return out.empty() ? "0" : out;
}

namespace {

constexpr EnumName<Propagation> k_propagation_flag_names[] = {
    {Propagation::private_, "MS_PRIVATE"},
    {Propagation::slave, "MS_SLAVE"},
    {Propagation::shared, "MS_SHARED"},
    {Propagation::unbindable, "MS_UNBINDABLE"},
};

}  // namespace

std::string propagation_to_string(Propagation p) {
    return std::string(name_of(k_propagation_flag_names, p, "?"));
}

Status make_root_propagation(Propagation p) {
    unsigned long flags = MS_REC | propagation_bits(p);
    spdlog::trace("mount(NULL, \"/\", NULL, MS_REC|{})", propagation_to_string(p));
    if (::mount(nullptr, "/", nullptr, flags, nullptr) != 0) {
        return fail("make / " + propagation_to_string(p).substr(3));
    }
    return {};
}

Status bind_mount_fd(int source_fd, const std::string& source_name, int target_fd, bool recursive,
                     const MountAttrs& attrs, const std::string& what) {
    unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH;
    if (recursive) {
        flags |= AT_RECURSIVE;
    }
    UniqueFd tree(open_tree(source_fd, "", flags));
    if (!tree) {
        return fail("bind", source_name, what);
    }
    uint64_t bits = attrs.bits();
    if (bits != 0) {
        mount_attr attr{};
        attr.attr_set = bits;
        if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                          sizeof attr) != 0) {
            return fail("bind", source_name, what);
        }
    }
    if (::move_mount(tree.get(), "", target_fd, "",
                     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
        return fail("bind", source_name, what);
    }
    return {};
}

Result<UniqueFd> clone_tree(const std::string& source, bool recursive) {
    unsigned int flags = OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC;
    if (recursive) {
        flags |= AT_RECURSIVE;
    }
    UniqueFd tree(open_tree(AT_FDCWD, source.c_str(), flags));
    if (!tree) {
        return fail("open_tree", source);
    }
    // A clone of a mount on a shared host mount joins its peer group: made private, so
    // nothing the sandbox mounts inside it can propagate back to the host (runc does the same).
    mount_attr attr{};
    attr.propagation = MS_PRIVATE;
    if (mount_setattr(tree.get(), "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                      sizeof attr) != 0) {
        return fail("set propagation MS_PRIVATE", source);
    }
    return tree;
}

Status attach_tree(int tree_fd, const std::string& source_name, int target_fd, bool recursive,
                   const MountAttrs& attrs, const std::string& what) {
    uint64_t bits = attrs.bits();
    if (bits != 0) {
        mount_attr attr{};
        attr.attr_set = bits;
        if (mount_setattr(tree_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                          sizeof attr) != 0) {
            return fail("bind", source_name, what);
        }
    }
    if (::move_mount(tree_fd, "", target_fd, "",
                     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
        return fail("bind", source_name, what);
    }
    return {};
}

Status bind_mount(const std::string& source, int target_fd, bool recursive, const MountAttrs& attrs,
                  const std::string& what) {
    UniqueFd src(open(source.c_str(), O_PATH | O_CLOEXEC));
    if (!src) {
        return fail("bind", source, what);
    }
    return bind_mount_fd(src.get(), source, target_fd, recursive, attrs, what);
}

Status mount_filesystem(const std::string& fstype, const std::string& source,
                        const std::string& data, int target_fd, const MountAttrs& attrs,
                        const std::string& what) {
    UniqueFd fs(fsopen(fstype.c_str(), FSOPEN_CLOEXEC));
    if (!fs) {
        return fail("mount " + fstype, what);
    }
    auto config_fail = [&](const std::string& key) {
        int err = errno;
        std::string log = fs_context_log(fs.get());
        return fail_with(err, "mount " + fstype, what, {},
                         log.empty() ? "option '" + key + "'" : log);
    };
    if (!source.empty() &&
        fsconfig(fs.get(), FSCONFIG_SET_STRING, "source", source.c_str(), 0) != 0) {
        return config_fail("source");
    }
    size_t i = 0;
    while (i < data.size()) {
        size_t j = data.find(',', i);
        if (j == std::string::npos) {
            j = data.size();
        }
        std::string opt = data.substr(i, j - i);
        i = j + 1;
        if (opt.empty()) {
            continue;
        }
        size_t eq = opt.find('=');
        int rc = 0;
        if (eq == std::string::npos) {
            rc = fsconfig(fs.get(), FSCONFIG_SET_FLAG, opt.c_str(), nullptr, 0);
        } else {
            std::string key = opt.substr(0, eq);
            std::string value = opt.substr(eq + 1);
            rc = fsconfig(fs.get(), FSCONFIG_SET_STRING, key.c_str(), value.c_str(), 0);
        }
        if (rc != 0) {
            return config_fail(opt);
        }
    }
    if (fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) != 0) {
        return config_fail("create");
    }
    UniqueFd mnt(fsmount(fs.get(), FSMOUNT_CLOEXEC, static_cast<unsigned int>(attrs.bits())));
    if (!mnt) {
        int err = errno;
        return fail_with(err, "mount " + fstype, what, {}, fs_context_log(fs.get()));
    }
    if (::move_mount(mnt.get(), "", target_fd, "",
                     MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
        return fail("mount " + fstype, what);
    }
    return {};
}

Status set_mount_attrs(int target_fd, const MountAttrs& attrs, bool recursive,
                       const std::string& what) {
    mount_attr attr{};
    attr.attr_set = attrs.bits();
    if (mount_setattr(target_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                      sizeof attr) != 0) {
        return fail("mount_setattr", what);
    }
    return {};
}

Status set_propagation(int target_fd, Propagation p, bool recursive, const std::string& what) {
    mount_attr attr{};
    attr.propagation = propagation_bits(p);
    if (mount_setattr(target_fd, "", AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0), &attr,
                      sizeof attr) != 0) {
        return fail("set propagation " + propagation_to_string(p), what);
    }
    return {};
}

Status bind_readonly_in_place(int target_fd, const std::string& what) {
    MountAttrs ro;
    ro.readonly = true;
    return bind_mount_fd(target_fd, what, target_fd, true, ro, what);
}

Status pivot_into(const std::string& new_root) {
    if (chdir(new_root.c_str()) != 0) {
        return fail("chdir", new_root);
    }
    if (syscall(SYS_pivot_root, ".", ".") != 0) {
        return fail("pivot_root", new_root);
    }
    // The old root is now mounted on top of "."; detach it (nsjail mnt.cc initCloneNs).
    if (umount2(".", MNT_DETACH) != 0) {
        return fail("umount old root", new_root);
    }
    if (chdir("/") != 0) {
        return fail("chdir", "/");
    }
    return {};
}

Status remount_root_readonly() {
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_RDONLY;
    if (mount_setattr(AT_FDCWD, "/", 0, &attr, sizeof attr) != 0) {
        return fail("remount read-only", "/");
    }
    return {};
}

Status unmount(const std::string& target, bool detach) {
    if (umount2(target.c_str(), detach ? MNT_DETACH : 0) != 0) {
        return fail("umount", target);
    }
    return {};
}

}  // namespace sandbox::sys
