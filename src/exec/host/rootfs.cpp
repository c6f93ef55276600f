// Pipeline step 3, rootfs. After state: the overlay upper/work dirs live in the state dir and
// are removed with it. Before cgroup and spawn: the child bind-mounts (or overlays) what this
// returns inside its own mount namespace, so nothing is mounted on the host here.
#include "exec/host/rootfs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <sstream>

#include "sys/archive.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::exec::host {

namespace {

void mkdir_p(const std::string& path, mode_t mode) {
    if (path.empty() || path == "/") {
        return;
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            throw sys::SysError(ENOTDIR, "mkdir", path);
        }
        return;
    }
    auto slash = path.find_last_of('/');
    if (slash != std::string::npos && slash > 0) {
        mkdir_p(path.substr(0, slash), mode);
    }
    if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) {
        throw sys::SysError(errno, "mkdir", path);
    }
}

std::string read_small(const std::string& path) {
    sys::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        return {};
    }
    char buf[256];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string{};
}

// Write to a temp file beside `path`, then rename: readers never see half a file.
void write_atomically(const std::string& path, const std::string& text) {
    std::string tmp = path + ".XXXXXX";
    sys::UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));
    if (!fd) {
        throw sys::SysError(errno, "create", tmp);
    }
    if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size()) ||
        !fd.close() || ::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        throw sys::SysError(err, "write", path);
    }
}

// SHA-256 of the archive, remembered per (dev, ino, size, mtime) so a warm start skips reading
// a large archive again. The sidecar is a hint only: any mismatch means re-hash.
std::string archive_hash(const std::string& archive, const struct stat& st,
                         const std::string& cache_dir) {
    const std::string index_dir = cache_dir + "/.hashes";
    const std::string sidecar =
        index_dir + "/" + std::to_string(st.st_dev) + "-" + std::to_string(st.st_ino);
    std::ostringstream key;
    key << st.st_size << ' ' << st.st_mtim.tv_sec << ' ' << st.st_mtim.tv_nsec << ' ';
    const std::string known = read_small(sidecar);
    if (known.size() == key.str().size() + 64 + 1 && known.rfind(key.str(), 0) == 0) {
        return known.substr(key.str().size(), 64);
    }
    std::string hash = sys::or_throw(sys::sha256_file(archive));
    try {
        mkdir_p(index_dir, 0755);
        write_atomically(sidecar, key.str() + hash + "\n");
    } catch (const sys::SysError& e) {
        spdlog::warn("rootfs: cannot remember the archive hash: {}", e.describe());
    }
    return hash;
}

std::string prepare_archive(const plan::RootfsPlan& plan, PreparedRootfs& out) {
    struct stat st {};
    if (::stat(plan.source.c_str(), &st) != 0) {
        throw sys::SysError(errno, "open rootfs archive", plan.source);
    }
    if (!S_ISREG(st.st_mode)) {
        throw sys::SysError(EINVAL, "open rootfs archive", plan.source, {}, "not a regular file");
    }
    if (plan.cache_dir.empty()) {
        throw sys::SysError(EINVAL, "open rootfs cache", plan.source, {}, "no cache directory");
    }
    mkdir_p(plan.cache_dir, 0755);
    out.archive_sha256 = archive_hash(plan.source, st, plan.cache_dir);
    const std::string final_dir = plan.cache_dir + "/" + out.archive_sha256;

    struct stat cached {};
    if (::stat(final_dir.c_str(), &cached) == 0 && S_ISDIR(cached.st_mode)) {
        out.cache_hit = true;
        return final_dir;
    }

    // Extract beside the final place and rename() it in: a reader sees all or nothing, and
    // two runs racing both extract but only one rename wins.
    std::string tmp = plan.cache_dir + "/.tmp-" + out.archive_sha256 + "-XXXXXX";
    if (::mkdtemp(tmp.data()) == nullptr) {
        throw sys::SysError(errno, "mkdtemp", tmp);
    }
    auto discard = [&] {
        if (auto r = sys::remove_tree(tmp); !r) {
            spdlog::warn("rootfs: {}", r.error().describe());
        }
    };
    if (::chmod(tmp.c_str(), 0755) != 0) {
        int err = errno;
        discard();
        throw sys::SysError(err, "chmod", tmp);
    }
    auto stats = sys::extract_archive(plan.source, tmp);
    if (!stats) {
        discard();
        throw std::move(stats.error());
    }
    for (const std::string& s : stats->skipped) {
        spdlog::warn("rootfs: skipped {} in {}", s, plan.source);
    }
    spdlog::debug("rootfs: extracted {} entries ({} bytes) from {}", stats->entries, stats->bytes,
                  plan.source);
    if (::rename(tmp.c_str(), final_dir.c_str()) != 0) {
        int err = errno;
        discard();
        if (err != EEXIST && err != ENOTEMPTY) {
            throw sys::SysError(err, "rename", tmp, final_dir);
        }
        // Another run finished the same archive first: use theirs.
    }
    return final_dir;
}

std::string check_directory(const std::string& source) {
    struct stat st {};
    if (::stat(source.c_str(), &st) != 0) {
        throw sys::SysError(errno, "open rootfs", source, {}, "rootfs.path");
    }
    if (!S_ISDIR(st.st_mode)) {
        throw sys::SysError(ENOTDIR, "open rootfs", source, {},
                            "rootfs.path must be a directory (use rootfs.archive for a tar file)");
    }
    char resolved[PATH_MAX];
    if (::realpath(source.c_str(), resolved) == nullptr) {
        throw sys::SysError(errno, "realpath", source);
    }
    return resolved;
}

// The state step normally made upper/work already (plan.state.subdirs) and owns their undo;
// made here only when it did not. Either way the layer must start empty: a leftover upper dir
// would carry a previous run's writes into this one.
void prepare_overlay_dir(const std::string& dir, Rollback& rollback) {
    if (::mkdir(dir.c_str(), 0755) == 0) {
        rollback.push(UndoKind::remove_tree, dir);
        return;
    }
    if (errno != EEXIST) {
        throw sys::SysError(errno, "mkdir", dir);
    }
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    DIR* d = fd >= 0 ? ::fdopendir(fd) : nullptr;
    if (d == nullptr) {
        int err = errno;
        if (fd >= 0) {
            ::close(fd);
        }
        throw sys::SysError(err, "open", dir);
    }
    int entries = 0;
    while (::readdir(d) != nullptr) {
        ++entries;  // "." and ".." included
    }
    ::closedir(d);
    if (entries > 2) {
        throw sys::SysError(ENOTEMPTY, "use overlay layer", dir, {},
                            "left over from an earlier run; hint: sandbox down <name>");
    }
}

}  // namespace

PreparedRootfs prepare_rootfs(const plan::RootfsPlan& plan, const plan::StatePlan& state,
                              Rollback& rollback) {
    PreparedRootfs out;
    switch (plan.kind) {
        case plan::RootfsKind::directory:
            out.root = check_directory(plan.source);
            break;
        case plan::RootfsKind::archive:
            out.root = prepare_archive(plan, out);
            if (!plan.overlay && !plan.readonly) {
                spdlog::warn(
                    "rootfs: {} is shared by every sandbox using this archive and is mounted "
                    "writable; set rootfs.overlay = true or rootfs.readonly = true",
                    out.root);
            }
            break;
        case plan::RootfsKind::host:
            break;  // a tmpfs root assembled in the child
    }

    if (plan.overlay && plan.kind != plan::RootfsKind::host) {
        out.upper = plan.upper_dir.empty() ? state.dir + "/upper" : plan.upper_dir;
        out.work = plan.work_dir.empty() ? state.dir + "/work" : plan.work_dir;
        for (const std::string& d : {out.upper, out.work}) {
            prepare_overlay_dir(d, rollback);
        }
    }
    return out;
}

}  // namespace sandbox::exec::host
