// remove_tree: rm -rf of an unpacked rootfs or an overlay's upper and work dirs, walked with
// openat/unlinkat relative to directory fds so that a symlink is never followed and a mount
// point inside the tree stops it (declared in sys/archive.hpp beside the extraction whose
// trees it removes).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string_view>

#include "sys/archive.hpp"
#include "sys/fd.hpp"

namespace sandbox::sys {

namespace {

Status remove_entry_at(int parent_fd, const char* name, dev_t dev, const std::string& shown);

// One entry whose type the directory listing gave: a file or a symlink is unlinked, an empty
// directory removed, without opening either (a state dir's removal is on every run's path:
// docs/performance.md). A directory rmdir refuses (not empty, or a mount point: EBUSY) and an
// entry of unknown type take the full path below, which stops at a mount point.
Status remove_listed_entry(int dir_fd, const char* name, unsigned char type, dev_t dev,
                           const std::string& shown) {
    if (type != DT_UNKNOWN && type != DT_DIR) {
        if (::unlinkat(dir_fd, name, 0) == 0 || errno == ENOENT) {
            return {};
        }
        if (errno != EISDIR) {  // replaced by a directory since the listing: the full path
            return fail("unlink", shown);
        }
    } else if (type == DT_DIR && (::unlinkat(dir_fd, name, AT_REMOVEDIR) == 0 || errno == ENOENT)) {
        return {};
    }
    return remove_entry_at(dir_fd, name, dev, shown);
}

// getdents64 straight on the directory's fd (no DIR stream: that is a dup, an fstat and two
// fcntls more per directory).
Status remove_children(int dir_fd, dev_t dev, const std::string& shown) {
    alignas(8) char buffer[8192];
    for (;;) {
        long n = ::syscall(SYS_getdents64, dir_fd, buffer, sizeof buffer);
        if (n < 0) {
            return fail("read directory", shown);
        }
        if (n == 0) {
            return {};
        }
        for (long at = 0; at < n;) {
            const auto* de = reinterpret_cast<const struct dirent64*>(buffer + at);
            at += de->d_reclen;
            std::string_view entry = de->d_name;
            if (entry == "." || entry == "..") {
                continue;
            }
            if (auto r = remove_listed_entry(dir_fd, de->d_name, de->d_type, dev,
                                             shown + "/" + de->d_name);
                !r) {
                return r;
            }
        }
    }
}

Status remove_entry_at(int parent_fd, const char* name, dev_t dev, const std::string& shown) {
    UniqueFd fd(::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOTDIR || errno == ELOOP) {  // a file or a symlink: never followed
            if (::unlinkat(parent_fd, name, 0) != 0 && errno != ENOENT) {
                return fail("unlink", shown);
            }
            return {};
        }
        if (errno == EACCES) {  // a directory we may not read (mode 000, overlay work/work)
            if (::fchmodat(parent_fd, name, 0700, AT_SYMLINK_NOFOLLOW) == 0 ||
                ::fchmodat(parent_fd, name, 0700, 0) == 0) {
                fd.reset(
                    ::openat(parent_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
            }
        }
        if (!fd) {
            return errno == ENOENT ? Status{} : fail("open", shown);
        }
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return fail("stat", shown);
    }
    if (st.st_dev != dev) {
        // Something is mounted here: removing it would delete another filesystem's files.
        return fail_with(EXDEV, "remove", shown, {}, "a mount point inside the tree");
    }
    if ((st.st_mode & S_IRWXU) != S_IRWXU) {
        (void)::fchmod(fd.get(), st.st_mode | S_IRWXU);  // read-only dirs from an archive
    }
    if (auto r = remove_children(fd.get(), dev, shown); !r) {
        return r;
    }
    if (::unlinkat(parent_fd, name, AT_REMOVEDIR) != 0 && errno != ENOENT) {
        return fail("rmdir", shown);
    }
    return {};
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
    struct stat st {};
    if (::fstatat(parent_fd.get(), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return errno == ENOENT ? Status{} : fail("stat", path);
    }
    return remove_entry_at(parent_fd.get(), name.c_str(), st.st_dev, path);
}

}  // namespace sandbox::sys
