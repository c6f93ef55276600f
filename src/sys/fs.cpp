#include "sys/fs.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "common/eintr.hpp"

namespace sandbox::sys {

namespace {

std::vector<std::string> components(const std::string& path) {
    std::vector<std::string> out;
    size_t i = 0;
    while (i < path.size()) {
        size_t j = path.find('/', i);
        if (j == std::string::npos) {
            j = path.size();
        }
        if (j > i) {
            out.push_back(path.substr(i, j - i));
        }
        i = j + 1;
    }
    return out;
}

}  // namespace

std::string parent_path(const std::string& path) {
    auto parts = components(path);
    std::string out;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        out += "/" + parts[i];
    }
    return out.empty() ? "/" : out;
}

std::string base_name(const std::string& path) {
    auto parts = components(path);
    return parts.empty() ? std::string() : parts.back();
}

namespace {

// openat2(2), made again on EINTR and on EAGAIN (a concurrent rename raced the lookup).
Result<UniqueFd> openat2_retrying(int dir_fd, const std::string& path, const open_how& how) {
    for (;;) {
        long fd = syscall(SYS_openat2, dir_fd, path.c_str(), &how, sizeof how);
        if (fd >= 0) {
            return UniqueFd(static_cast<int>(fd));
        }
        if (errno != EAGAIN && errno != EINTR) {
            return fail("open", path);
        }
    }
}

}  // namespace

Result<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags, mode_t mode) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
    how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
    return openat2_retrying(root_fd, path, how);
}

Result<UniqueFd> open_no_symlinks(const std::string& path, int flags) {
    open_how how{};
    how.flags = static_cast<uint64_t>(flags | O_CLOEXEC);
    how.resolve = RESOLVE_NO_SYMLINKS;
    return openat2_retrying(AT_FDCWD, path, how);
}

Result<UniqueFd> open_dir(const std::string& path) {
    int fd = open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return fail("open", path);
    }
    return UniqueFd(fd);
}

namespace {
// A dangling symlink on the way (e.g. "/escape" -> "/somewhere") is followed *inside* the root:
// its target is created there, never on the host.
Status mkdir_p_in_root_depth(int root_fd, const std::string& path, mode_t mode, int depth) {
    if (depth > 8) {
        return fail_with(ELOOP, "mkdir", path);
    }
    std::string sofar;
    for (const std::string& part : components(path)) {
        std::string parent = sofar.empty() ? "/" : sofar;
        sofar += "/" + part;
        auto dir = open_in_root(root_fd, parent, O_PATH | O_DIRECTORY);
        if (!dir) {
            return tl::unexpected(dir.error());
        }
        if (mkdirat(dir->get(), part.c_str(), mode) == 0) {
            continue;
        }
        if (errno != EEXIST) {
            return fail("mkdir", sofar);
        }
        char link[4096];
        ssize_t n = readlinkat(dir->get(), part.c_str(), link, sizeof link - 1);
        if (n <= 0 || open_in_root(root_fd, sofar, O_PATH | O_DIRECTORY)) {
            continue;
        }
        std::string target(link, static_cast<size_t>(n));
        if (target.front() != '/') {
            target = parent + "/" + target;
        }
        if (auto st = mkdir_p_in_root_depth(root_fd, target, mode, depth + 1); !st) {
            return st;
        }
    }
    return {};
}

// The directory `path` below the root, made first where it is missing. Usually it is there
// (a mount point the rootfs ships, /dev once its tmpfs is up): one openat2 answers that, where
// the walk costs five syscalls per component (docs/performance.md). A directory reached through
// a link inside the root counts, as it does in the walk.
Result<UniqueFd> open_or_make_dir_in_root(int root_fd, const std::string& path, mode_t mode) {
    if (auto dir = open_in_root(root_fd, path, O_PATH | O_DIRECTORY)) {
        return dir;
    }
    if (auto st = mkdir_p_in_root_depth(root_fd, path, mode, 0); !st) {
        return tl::unexpected(st.error());
    }
    return open_in_root(root_fd, path, O_PATH | O_DIRECTORY);
}

}  // namespace

Status mkdir_p_in_root(int root_fd, const std::string& path, mode_t mode) {
    if (auto dir = open_in_root(root_fd, path, O_PATH | O_DIRECTORY)) {
        return {};  // already there
    }
    return mkdir_p_in_root_depth(root_fd, path, mode, 0);
}

Status create_file_in_root(int root_fd, const std::string& path, mode_t mode) {
    auto dir = open_or_make_dir_in_root(root_fd, parent_path(path), 0755);
    if (!dir) {
        return tl::unexpected(dir.error());
    }
    int fd = openat(dir->get(), base_name(path).c_str(),
                    O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        if (errno == EEXIST) {
            return {};
        }
        return fail("create", path);
    }
    ::close(fd);
    return {};
}

Status symlink_in_root(int root_fd, const std::string& link_text, const std::string& path) {
    auto dir = open_or_make_dir_in_root(root_fd, parent_path(path), 0755);
    if (!dir) {
        return tl::unexpected(dir.error());
    }
    std::string leaf = base_name(path);
    if (symlinkat(link_text.c_str(), dir->get(), leaf.c_str()) != 0) {
        int err = errno;
        if (err == EEXIST) {
            char buf[4096];
            ssize_t n = readlinkat(dir->get(), leaf.c_str(), buf, sizeof buf);
            if (n >= 0 && std::string(buf, static_cast<size_t>(n)) == link_text) {
                return {};
            }
        }
        return fail_with(err, "symlink", link_text, path);
    }
    return {};
}

Status mkdir_p(const std::string& path, mode_t mode) {
    std::string sofar;
    for (const std::string& part : components(path)) {
        sofar += "/" + part;
        if (mkdir(sofar.c_str(), mode) != 0 && errno != EEXIST) {
            return fail("mkdir", sofar);
        }
    }
    return {};
}

Result<std::string> read_file(const std::string& path, size_t max_bytes) {
    UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return fail("open", path);
    }
    return read_fd(fd.get(), path, max_bytes);
}

Result<std::string> read_fd(int fd, const std::string& path, size_t max_bytes) {
    std::string out;
    char buf[8192];
    for (;;) {
        ssize_t n = retry_eintr([&] { return ::read(fd, buf, sizeof buf); });
        if (n < 0) {
            return fail("read", path);
        }
        if (n == 0) {
            break;
        }
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > max_bytes) {
            return fail_with(EFBIG, "read", path);
        }
    }
    return out;
}

Status check_owned_by_caller(int fd, const std::string& path, bool want_dir, std::string_view op) {
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        return fail("fstat", path);
    }
    const std::string what(op);
    if (want_dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
        return fail_with(EPERM, what, path, {},
                         want_dir ? "not a directory" : "not a regular file");
    }
    if (st.st_uid != geteuid()) {
        return fail_with(EPERM, what, path, {},
                         "owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
                             std::to_string(geteuid()) + " who runs sandbox");
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return fail_with(EPERM, what, path, {},
                         std::string("group or world writable (mode ") + mode + ")");
    }
    return {};
}

Status write_file(const std::string& path, std::string_view content, bool create) {
    int flags = O_WRONLY | O_CLOEXEC | (create ? O_CREAT | O_TRUNC : 0);
    UniqueFd fd(open(path.c_str(), flags, 0644));
    if (!fd) {
        return fail("open", path);
    }
    ssize_t n = ::write(fd.get(), content.data(), content.size());
    if (n < 0) {
        return fail("write", path);
    }
    if (static_cast<size_t>(n) != content.size()) {
        return fail_with(EIO, "write", path, {}, "short write");
    }
    return {};
}

Status write_file_atomic(const std::string& path, std::string_view content, mode_t mode) {
    std::string tmp = path + ".tmp";
    UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode));
    if (!fd) {
        return fail("open", tmp);
    }
    size_t off = 0;
    while (off < content.size()) {
        ssize_t n = retry_eintr(
            [&] { return ::write(fd.get(), content.data() + off, content.size() - off); });
        if (n < 0) {
            int err = errno;
            unlink(tmp.c_str());
            return fail_with(err, "write", tmp);
        }
        off += static_cast<size_t>(n);
    }
    if (!fd.close()) {
        return fail("close", tmp);
    }
    // A replacement is exchanged with the old version, which is then unlinked: a rename over
    // an existing file makes ext4 (auto_da_alloc, its default) start writing the new file's
    // data back at once, and removing that file later -- state.json lives as long as its
    // sandbox, often milliseconds -- then waits for the I/O (~0.17 ms at the end of every run
    // on the VM docs/performance.md measures, whose /run is ext4; on the usual tmpfs /run this
    // costs one unlink more and saves nothing). The first write, or a filesystem without
    // RENAME_EXCHANGE: a plain rename.
    if (renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
        unlink(tmp.c_str());  // the old version (a leftover goes with its sandbox's entries)
        return {};
    }
    if (rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        unlink(tmp.c_str());
        return fail_with(err, "rename", tmp, path);
    }
    return {};
}

}  // namespace sandbox::sys
