// Lease files under a locked directory: see lease_dir.hpp.
#include "exec/host/lease_dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys/fs.hpp"

namespace sandbox::exec::host {

namespace {

sys::Result<HeldLease> try_take(const std::string& dir, const std::string& what,
                                const std::string& owner,
                                const std::function<sys::Result<std::string>(int)>& choose) {
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return sys::fail("mkdir", dir);
    }
    sys::UniqueFd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir_fd) {
        return sys::fail("open", dir);
    }
    struct stat st {};
    if (fstat(dir_fd.get(), &st) != 0) {
        return sys::fail("fstat", dir);
    }
    if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        return sys::fail_with(EPERM, "trust " + what, dir, {},
                              "not owned by the invoker, or writable by others");
    }
    if (flock(dir_fd.get(), LOCK_EX) != 0) {
        return sys::fail("flock", dir);
    }
    auto name = choose(dir_fd.get());
    if (!name) {
        return tl::unexpected(name.error());
    }
    HeldLease lease;
    lease.path = dir + "/" + *name;
    lease.token = owner + " " + std::to_string(getpid());
    lease.lock = sys::UniqueFd(openat(dir_fd.get(), name->c_str(),
                                      O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!lease.lock) {
        return sys::fail("create", lease.path);
    }
    if (flock(lease.lock.get(), LOCK_EX | LOCK_NB) != 0) {
        return sys::fail("flock", lease.path);
    }
    std::string text = lease.token + "\n";
    if (write(lease.lock.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
        return sys::fail("write", lease.path);
    }
    return lease;  // the directory lock goes with dir_fd
}

}  // namespace

sys::Result<HeldLease> take_lease(const std::string& dir, const std::string& what,
                                  const std::string& owner,
                                  const std::function<sys::Result<std::string>(int)>& choose) {
    for (int attempt = 0;; ++attempt) {
        auto lease = try_take(dir, what, owner, choose);
        if (lease || lease.error().err() != ENOENT || attempt == 4) {
            return lease;
        }
    }
}

std::vector<LeaseFile> scan_lease_files(int dir_fd, bool reclaim,
                                        const std::function<bool(const std::string&)>& is_lease) {
    std::vector<LeaseFile> live;
    int dup_fd = fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0) {
        return live;
    }
    DIR* d = fdopendir(dup_fd);
    if (d == nullptr) {
        close(dup_fd);
        return live;
    }
    while (dirent* e = readdir(d)) {
        std::string name = e->d_name;
        if (!is_lease(name)) {
            continue;
        }
        sys::UniqueFd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) {
            continue;  // removed meanwhile
        }
        if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            char buf[256] = {};
            ssize_t n = pread(fd.get(), buf, sizeof buf - 1, 0);
            std::string owner(buf, n > 0 ? static_cast<size_t>(n) : 0);
            live.push_back(LeaseFile{name, owner.substr(0, owner.find(' '))});
            continue;  // its launcher holds it
        }
        if (reclaim) {
            unlinkat(dir_fd, name.c_str(), 0);
        }
    }
    closedir(d);
    return live;
}

std::vector<LeaseFile> live_lease_files(const std::string& dir,
                                        const std::function<bool(const std::string&)>& is_lease) {
    sys::UniqueFd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir_fd) {
        return {};
    }
    return scan_lease_files(dir_fd.get(), false, is_lease);
}

sys::Status release_lease(const std::string& path, const std::string& token) {
    auto text = sys::read_file(path);
    if (!text) {
        return text.error().err() == ENOENT ? sys::Status{}
                                            : sys::Status(tl::unexpected(text.error()));
    }
    if (*text != token + "\n") {
        return {};  // taken back and leased again: not ours any more
    }
    if (unlink(path.c_str()) != 0 && errno != ENOENT) {
        return sys::fail("unlink", path);
    }
    // The last lease takes the directory with it; ENOTEMPTY (others still hold leases) is
    // the usual answer and fine.
    rmdir(path.substr(0, path.rfind('/')).c_str());
    return {};
}

}  // namespace sandbox::exec::host
