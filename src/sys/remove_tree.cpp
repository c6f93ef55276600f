// remove_tree: rm -rf of an unpacked rootfs or an overlay's upper and work dirs, walked with
// openat/unlinkat relative to directory fds so that a symlink is never followed and a mount
// point inside the tree stops it (declared in sys/archive.hpp beside the extraction whose
// trees it removes).
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>
#include <string_view>

#include "sys/archive.hpp"
#include "sys/fd.hpp"

namespace sandbox::sys {

namespace {

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};
using DirStream = std::unique_ptr<DIR, DirCloser>;

Status remove_entry_at(int parent_fd, const char* name, dev_t dev, const std::string& shown);

Status remove_children(int dir_fd, dev_t dev, const std::string& shown) {
    int dup_fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0) {
        return fail("dup", shown);
    }
    DirStream dir(::fdopendir(dup_fd));
    if (!dir) {
        ::close(dup_fd);
        return fail("opendir", shown);
    }
    while (dirent* de = ::readdir(dir.get())) {
        std::string_view n = de->d_name;
        if (n == "." || n == "..") {
            continue;
        }
        if (auto r = remove_entry_at(dir_fd, de->d_name, dev, shown + "/" + de->d_name); !r) {
            return r;
        }
    }
    return {};
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
