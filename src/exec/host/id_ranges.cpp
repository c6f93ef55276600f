#include "exec/host/id_ranges.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

#include "sys/fs.hpp"

namespace sandbox::exec::host {

namespace {

constexpr const char* k_suffix = ".lease";

// "<start>-<count>.lease" -> the range; nullopt for anything else.
std::optional<plan::SubIdRange> parse_lease_name(const std::string& name) {
    unsigned long start = 0;
    unsigned long count = 0;
    char tail[16] = {};
    if (std::sscanf(name.c_str(), "%lu-%lu%15s", &start, &count, tail) != 3 ||
        std::string(tail) != k_suffix || count == 0 || start > UINT32_MAX || count > UINT32_MAX) {
        return std::nullopt;
    }
    return plan::SubIdRange{static_cast<uint32_t>(start), static_cast<uint32_t>(count)};
}

// Walks the lease files of `dir`: live ones are returned; a stale one (its lock free) is
// removed when `reclaim`, under the caller's directory lock.
std::vector<plan::SubIdRange> scan_leases(int dir_fd, bool reclaim) {
    std::vector<plan::SubIdRange> live;
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
        auto range = parse_lease_name(name);
        if (!range) {
            continue;
        }
        sys::UniqueFd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (!fd) {
            continue;  // removed meanwhile
        }
        if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            live.push_back(*range);  // its launcher holds it
            continue;
        }
        if (reclaim) {
            unlinkat(dir_fd, name.c_str(), 0);
        }
    }
    closedir(d);
    return live;
}

}  // namespace

std::optional<uint32_t> choose_id_range(const plan::SubIdRange& pool, uint32_t count,
                                        std::vector<plan::SubIdRange> taken) {
    if (count == 0) {
        return std::nullopt;
    }
    std::sort(taken.begin(), taken.end(), [](const plan::SubIdRange& a, const plan::SubIdRange& b) {
        return a.start < b.start;
    });
    const uint64_t end = uint64_t{pool.start} + pool.count;
    uint64_t candidate = pool.start;
    // Sorted by start, one pass suffices: each range either lies before the candidate, is in
    // the way (jump past it) or starts after the candidate's block ends (stop looking).
    for (const plan::SubIdRange& t : taken) {
        uint64_t t_end = uint64_t{t.start} + t.count;
        if (t.count == 0 || t_end <= candidate) {
            continue;
        }
        if (t.start >= candidate + count) {
            break;
        }
        candidate = t_end;
    }
    if (candidate + count > end) {
        return std::nullopt;
    }
    return static_cast<uint32_t>(candidate);
}

namespace {

sys::Result<IdRangeLease> try_lease(const std::string& dir, const plan::SubIdRange& pool,
                                    const std::string& pool_origin,
                                    const std::vector<plan::SubIdRange>& excluded, uint32_t count,
                                    const std::string& owner) {
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
    // Leases decide which host ids a sandbox gets: only a directory of our own counts.
    if (st.st_uid != geteuid() || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
        return sys::fail_with(EPERM, "trust id leases", dir, {},
                              "not owned by the invoker, or writable by others");
    }
    if (flock(dir_fd.get(), LOCK_EX) != 0) {
        return sys::fail("flock", dir);
    }
    std::vector<plan::SubIdRange> taken = scan_leases(dir_fd.get(), true);
    size_t leased = taken.size();
    taken.insert(taken.end(), excluded.begin(), excluded.end());
    auto start = choose_id_range(pool, count, taken);
    if (!start) {
        return sys::fail_with(ENOSPC, "allocate id range", {}, {},
                              "no free block of " + std::to_string(count) + " ids in the pool " +
                                  std::to_string(pool.start) + ".." +
                                  std::to_string(uint64_t{pool.start} + pool.count - 1) + " (" +
                                  pool_origin + "): " + std::to_string(leased) +
                                  " held by running sandboxes, " + std::to_string(excluded.size()) +
                                  " /etc/subuid and /etc/subgid ranges excluded");
    }
    IdRangeLease lease;
    lease.start = *start;
    lease.count = count;
    std::string name = std::to_string(*start) + "-" + std::to_string(count) + k_suffix;
    lease.path = dir + "/" + name;
    lease.token = owner + " " + std::to_string(getpid());
    lease.lock = sys::UniqueFd(openat(dir_fd.get(), name.c_str(),
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

sys::Result<IdRangeLease> lease_id_range(const std::string& dir, const plan::SubIdRange& pool,
                                         const std::string& pool_origin,
                                         const std::vector<plan::SubIdRange>& excluded,
                                         uint32_t count, const std::string& owner) {
    // The last release removes the empty directory (nothing of a finished sandbox stays under
    // the state root); if that happens between our open and our create, the create fails
    // with ENOENT in the deleted directory: start again.
    for (int attempt = 0;; ++attempt) {
        auto lease = try_lease(dir, pool, pool_origin, excluded, count, owner);
        if (lease || lease.error().err() != ENOENT || attempt == 4) {
            return lease;
        }
    }
}

sys::Status release_id_range(const std::string& path, const std::string& token) {
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

std::vector<plan::SubIdRange> live_id_leases(const std::string& dir) {
    sys::UniqueFd dir_fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir_fd) {
        return {};
    }
    return scan_leases(dir_fd.get(), false);
}

}  // namespace sandbox::exec::host
