// remove_tree: rm -rf of an unpacked rootfs, an overlay's upper and work dirs,
// walked with openat/unlinkat relative to directory fds so that a symlink is never followed and
// a mount point inside the tree (another device, or a busy rmdir) stops it (declared in
// sys/archive.hpp beside the extraction whose trees it removes).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "sys/archive.hpp"
#include "sys/fd.hpp"

namespace sandbox::sys {

namespace {

// A directory the walk is inside: how to recognise it again from below (`..`) and its name in
// its parent.
struct Level {
    dev_t dev;
    ino_t ino;
    std::string name;
};

std::string shown_path(const std::string& top, const std::vector<Level>& levels,
                       std::string_view leaf = {}) {
    std::string out = top;
    for (size_t i = 1; i < levels.size(); ++i) {
        out += "/" + levels[i].name;
    }
    if (!leaf.empty()) {
        out += "/";
        out += leaf;
    }
    return out;
}

// Opens `name` in `parent_fd` as a directory to empty: never through a symlink, made readable
// (mode 000 dirs, overlay work/work) and writable (read-only dirs from an archive), and refused
// when another filesystem is mounted there. ENOTDIR/ELOOP when it is no directory.
// `shown` makes the path errors name: only on failure (building it at every level of a deep
// tree would make the walk quadratic).
template <class Shown>
Result<UniqueFd> open_for_removal(int parent_fd, const char* name, dev_t dev, struct stat& st,
                                  const Shown& shown) {
    constexpr int flags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;
    UniqueFd fd(::openat(parent_fd, name, flags));
    if (!fd && errno == EACCES &&
        (::fchmodat(parent_fd, name, 0700, AT_SYMLINK_NOFOLLOW) == 0 ||
         ::fchmodat(parent_fd, name, 0700, 0) == 0)) {
        fd.reset(::openat(parent_fd, name, flags));
    }
    if (!fd) {
        return fail("open", shown());
    }
    if (::fstat(fd.get(), &st) != 0) {
        return fail("stat", shown());
    }
    if (st.st_dev != dev) {
        // Something is mounted here: removing it would delete another filesystem's files.
        return fail_with(EXDEV, "remove", shown(), {}, "a mount point inside the tree");
    }
    if ((st.st_mode & S_IRWXU) != S_IRWXU) {
        (void)::fchmod(fd.get(), st.st_mode | S_IRWXU);
    }
    return fd;
}

// rm -rf of `name` in `parent_fd` (a file or a symlink is just unlinked), without recursion:
// however deep a tree a workload built in its overlay's upper dir, the launcher's stack and fd
// table stay as they are (one directory open at a time, one listing buffer). Each directory is
// listed with getdents64; an entry whose d_type says file or symlink is unlinked without being
// opened, a directory is rmdir'ed, and only one that is not empty is descended into. Back up
// through `..`, which must be the directory the walk came from (device and inode): a tree renamed
// under the walk stops it instead of leading it out. Then the emptied child is removed and the
// parent listed again from its start (what was removed is gone from the listing).
Status remove_directory(int parent_fd, const char* name, dev_t dev, const std::string& top) {
    std::vector<Level> levels;
    struct stat st {};
    auto opened = open_for_removal(parent_fd, name, dev, st, [&] { return top; });
    if (!opened) {
        const int err = opened.error().err();
        if (err == ENOTDIR || err == ELOOP) {  // a file or a symlink: unlinked, never followed
            if (::unlinkat(parent_fd, name, 0) != 0 && errno != ENOENT) {
                return fail("unlink", top);
            }
            return {};
        }
        return err == ENOENT ? Status{} : tl::unexpected(opened.error());
    }
    UniqueFd dir = std::move(*opened);
    levels.push_back(Level{st.st_dev, st.st_ino, name});
    std::vector<char> buffer(16384);
    for (;;) {
        long n = ::syscall(SYS_getdents64, dir.get(), buffer.data(), buffer.size());
        if (n < 0) {
            return fail("read directory", shown_path(top, levels));
        }
        bool descended = false;
        for (long at = 0; at < n && !descended;) {
            const auto* de = reinterpret_cast<const struct dirent64*>(buffer.data() + at);
            at += de->d_reclen;
            const std::string_view entry = de->d_name;
            if (entry == "." || entry == "..") {
                continue;
            }
            // Anything the listing does not call a directory is unlinked (a symlink is never
            // followed); EISDIR: a directory after all (DT_UNKNOWN, or replaced since).
            if (de->d_type != DT_DIR) {
                if (::unlinkat(dir.get(), de->d_name, 0) == 0 || errno == ENOENT) {
                    continue;
                }
                if (errno != EISDIR) {
                    return fail("unlink", shown_path(top, levels, entry));
                }
            }
            if (::unlinkat(dir.get(), de->d_name, AT_REMOVEDIR) == 0 || errno == ENOENT) {
                continue;
            }
            if (errno == EBUSY) {  // a mount point (in this or another mount namespace)
                return fail_with(EXDEV, "remove", shown_path(top, levels, entry), {},
                                 "a mount point inside the tree");
            }
            if (errno != ENOTEMPTY && errno != EEXIST) {
                return fail("rmdir", shown_path(top, levels, entry));
            }
            auto child = open_for_removal(dir.get(), de->d_name, dev, st,
                                          [&] { return shown_path(top, levels, entry); });
            if (!child) {
                return tl::unexpected(child.error());
            }
            dir = std::move(*child);
            levels.push_back(Level{st.st_dev, st.st_ino, std::string(entry)});
            descended = true;
        }
        if (descended || n > 0) {
            continue;  // into the child, or the rest of this listing
        }
        // Empty now: up one level and remove it there.
        if (levels.size() == 1) {
            dir.reset();
            if (::unlinkat(parent_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
                return fail("rmdir", top);
            }
            return {};
        }
        UniqueFd up(::openat(dir.get(), "..", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!up || ::fstat(up.get(), &st) != 0) {
            return fail("open", shown_path(top, levels, ".."));
        }
        const Level& parent = levels[levels.size() - 2];
        if (st.st_dev != parent.dev || st.st_ino != parent.ino) {
            return fail_with(ESTALE, "remove", shown_path(top, levels), {},
                             "the tree was moved while it was removed");
        }
        dir = std::move(up);
        if (::unlinkat(dir.get(), levels.back().name.c_str(), AT_REMOVEDIR) != 0 &&
            errno != ENOENT) {
            return fail("rmdir", shown_path(top, levels));
        }
        levels.pop_back();
    }
}

}  // namespace

Status remove_tree(const std::string& path) {
    std::string p = path;
    while (p.size() > 1 && p.back() == '/') {
        p.pop_back();
    }
    auto slash = p.find_last_of('/');
    std::string parent = slash == std::string::npos ? "." : (slash == 0 ? "/" : p.substr(0, slash));
    std::string name = slash == std::string::npos ? p : p.substr(slash + 1);
    if (name.empty() || name == "." || name == "..") {
        return fail_with(EINVAL, "remove", path);
    }
    UniqueFd parent_fd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!parent_fd) {
        return errno == ENOENT ? Status{} : fail("open", parent);
    }
    return remove_tree_at(parent_fd.get(), name, path);
}

Status remove_tree_at(int parent_fd, const std::string& name, const std::string& shown) {
    struct stat st {};
    if (::fstatat(parent_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return errno == ENOENT ? Status{} : fail("stat", shown);
    }
    return remove_directory(parent_fd, name.c_str(), st.st_dev, shown);
}

}  // namespace sandbox::sys
