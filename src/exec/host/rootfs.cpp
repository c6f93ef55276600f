// Pipeline step 3, rootfs. After state: the overlay upper/work dirs live in the sandbox's
// <name>@overlay state entry and are removed with it. Before cgroup and spawn: the child attaches
// (or overlays) what this returns inside its own mount namespace, so nothing is mounted on the host
// here. The tree is handed over as a detached mount (open_tree), made here while the launcher can
// still reach it: the child's user namespace may not be able to traverse the private archive cache.
//
// The archive cache (docs/security.md, "Archive rootfs"): <cache_dir> is 0700 and owned by
// the invoking user; each entry <cache_dir>/<sha256>[-setuid]/ (0700) holds `manifest`
// (0600: hash, options, the tree root's owner/mode/inode) and `tree/`. An entry is used only
// after the manifest agrees with the archive just hashed and with the tree on disk.
#include "exec/host/rootfs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string_view>
#include <utility>

#include "sys/archive.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/fs.hpp"
#include "sys/mount.hpp"

namespace sandbox::exec::host {

namespace {

constexpr const char* k_manifest_magic = "sandbox-rootfs-cache 2";

std::string read_small(int dir_fd, const std::string& name, struct stat* st = nullptr) {
    sys::UniqueFd fd(::openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        return {};
    }
    if (st != nullptr && ::fstat(fd.get(), st) != 0) {
        return {};
    }
    char buf[512];
    ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string{};
}

// Write to a temp file beside `path`, then rename: readers never see half a file.
void write_atomically(const std::string& path, const std::string& text) {
    std::string tmp = path + ".XXXXXX";
    sys::UniqueFd fd(::mkostemp(tmp.data(), O_CLOEXEC));  // mode 0600
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

// A cache directory that only the invoking user can enter: created 0700, and an existing one
// (made by an older version at 0755, or by the seccomp cache) must belong to us and is
// tightened to 0700. Someone else's directory, or a symlink, is refused.
void make_private_dir(const std::string& path) {
    if (path.empty() || path == "/") {
        return;
    }
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
        if (errno != ENOENT) {
            throw sys::SysError(errno, "stat", path);
        }
        auto slash = path.find_last_of('/');
        if (slash != std::string::npos && slash > 0) {
            std::string parent = path.substr(0, slash);
            if (::access(parent.c_str(), F_OK) != 0) {
                sys::or_throw(sys::mkdir_p(parent, 0755));  // e.g. /var/cache: not ours
            }
        }
        if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
            throw sys::SysError(errno, "mkdir", path);
        }
        if (::lstat(path.c_str(), &st) != 0) {
            throw sys::SysError(errno, "stat", path);
        }
    }
    if (!S_ISDIR(st.st_mode)) {
        throw sys::SysError(ENOTDIR, "open rootfs cache", path, {}, "not a directory");
    }
    if (st.st_uid != ::geteuid()) {
        throw sys::SysError(EPERM, "open rootfs cache", path, {},
                            "owned by uid " + std::to_string(st.st_uid) + ", not by uid " +
                                std::to_string(::geteuid()));
    }
    if ((st.st_mode & 07777) != 0700) {
        if (::chmod(path.c_str(), 0700) != 0) {
            throw sys::SysError(errno, "chmod", path);
        }
        spdlog::info("rootfs: {} made private (mode 0700, was {:04o})", path, st.st_mode & 07777);
    }
}

// SHA-256 of the archive, remembered per (dev, ino, size, mtime, ctime) so a warm start skips
// reading a large archive again. The sidecar is a hint only: any mismatch means re-hash.
// ctime is in the key because nobody can set it (utimensat sets mtime to anything). The
// sidecar lives in the private cache, so only the invoking user could make it lie; on a miss
// the bytes unpacked are checked against the hash anyway (prepare_archive).
std::string archive_hash(int fd, const std::string& shown, const struct stat& st,
                         const std::string& cache_dir) {
    const std::string index_dir = cache_dir + "/.hashes";
    const std::string name = std::to_string(st.st_dev) + "-" + std::to_string(st.st_ino);
    std::ostringstream key;
    key << st.st_size << ' ' << st.st_mtim.tv_sec << ' ' << st.st_mtim.tv_nsec << ' '
        << st.st_ctim.tv_sec << ' ' << st.st_ctim.tv_nsec << ' ';
    sys::UniqueFd index(::open(index_dir.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (index) {
        const std::string known = read_small(index.get(), name);
        if (known.size() == key.str().size() + 64 + 1 && known.rfind(key.str(), 0) == 0) {
            return known.substr(key.str().size(), 64);
        }
    }
    std::string hash = sys::or_throw(sys::sha256_fd(fd, shown));
    try {
        make_private_dir(index_dir);
        write_atomically(index_dir + "/" + name, key.str() + hash + "\n");
    } catch (const sys::SysError& e) {
        spdlog::warn("rootfs: cannot remember the archive hash: {}", e.describe());
    }
    return hash;
}

// The mount points every sandbox needs, made once in the freshly unpacked tree (Docker's
// "init layer" does the same): the root is read-only in every run, so a missing /proc or
// /etc/hosts could not be made later. Only names that do not exist at all are added (an
// existing symlink stays: the child handles it), never through a symlink (O_NOFOLLOW).
void add_mount_points(const std::string& tree) {
    sys::UniqueFd root(::open(tree.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!root) {
        throw sys::SysError(errno, "open", tree);
    }
    struct stat st {};
    for (const char* dir : {"dev", "proc", "sys", "tmp", "run", "etc"}) {
        if (::fstatat(root.get(), dir, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) {
            continue;
        }
        if (::mkdirat(root.get(), dir, 0755) != 0) {
            throw sys::SysError(errno, "mkdir", tree + "/" + dir);
        }
        if (std::string_view(dir) == "tmp" && ::fchmodat(root.get(), dir, 01777, 0) != 0) {
            throw sys::SysError(errno, "chmod", tree + "/tmp");
        }
    }
    sys::UniqueFd etc(::openat(root.get(), "etc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!etc) {
        return;  // a symlink: left alone
    }
    for (const char* file : {"hosts", "hostname", "resolv.conf"}) {
        if (::fstatat(etc.get(), file, &st, AT_SYMLINK_NOFOLLOW) == 0 || errno != ENOENT) {
            continue;
        }
        sys::UniqueFd fd(
            ::openat(etc.get(), file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644));
        if (!fd) {
            throw sys::SysError(errno, "create", tree + "/etc/" + file);
        }
    }
}

std::string manifest_text(const std::string& hash, bool keep_setuid, const struct stat& tree) {
    std::ostringstream out;
    out << k_manifest_magic << "\nsha256 " << hash << "\nkeep_setuid " << (keep_setuid ? 1 : 0)
        << "\ntree " << tree.st_uid << ' ' << tree.st_gid << ' ' << std::oct
        << (tree.st_mode & 07777) << std::dec << ' ' << tree.st_ino << "\n";
    return out.str();
}

// Why the entry at `entry` may not be used, or "" when its manifest matches: the entry and
// the manifest belong to us and nobody else may write them, the manifest names this archive
// hash and these options, and `tree/` is the directory it was written for.
std::string entry_problem(const std::string& entry, const std::string& hash, bool keep_setuid) {
    sys::UniqueFd dir(::open(entry.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir) {
        return errno == ENOENT ? "missing" : std::string("open: ") + sys::errno_name(errno);
    }
    struct stat st {};
    if (::fstat(dir.get(), &st) != 0 || st.st_uid != ::geteuid() || (st.st_mode & 07777) != 0700) {
        return "the entry directory is not private to uid " + std::to_string(::geteuid());
    }
    struct stat mst {};
    std::string manifest = read_small(dir.get(), "manifest", &mst);
    if (manifest.empty()) {
        return "no manifest (made by an older version?)";
    }
    if (!S_ISREG(mst.st_mode) || mst.st_uid != ::geteuid() || (mst.st_mode & 077) != 0) {
        return "the manifest is not private";
    }
    struct stat tree {};
    if (::fstatat(dir.get(), "tree", &tree, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISDIR(tree.st_mode)) {
        return "no tree directory";
    }
    if (manifest != manifest_text(hash, keep_setuid, tree)) {
        return "the manifest does not match the archive or the tree";
    }
    return {};
}

// Moves a bad entry aside and removes it. Sandboxes still running from it keep their mounts.
void discard_entry(const std::string& entry, const std::string& cache_dir) {
    std::string aside = cache_dir + "/.stale-XXXXXX";
    if (::mkdtemp(aside.data()) == nullptr) {
        throw sys::SysError(errno, "mkdtemp", aside);
    }
    std::string target = aside + "/entry";
    if (::rename(entry.c_str(), target.c_str()) != 0 && errno != ENOENT) {
        int err = errno;
        ::rmdir(aside.c_str());
        throw sys::SysError(err, "rename", entry, target);
    }
    if (auto r = sys::remove_tree(aside); !r) {
        spdlog::warn("rootfs: {}", r.error().describe());
    }
}

std::string prepare_archive(const plan::RootfsPlan& plan, PreparedRootfs& out) {
    if (plan.cache_dir.empty()) {
        throw sys::SysError(EINVAL, "open rootfs cache", plan.source, {}, "no cache directory");
    }
    // Opened once: the hash, the cache lookup and the extraction all read this one file, so
    // a path swapped in between changes nothing (a racer could poison the cache before).
    sys::UniqueFd archive(::open(plan.source.c_str(), O_RDONLY | O_NOCTTY | O_CLOEXEC));
    if (!archive) {
        throw sys::SysError(errno, "open rootfs archive", plan.source);
    }
    struct stat st {};
    if (::fstat(archive.get(), &st) != 0) {
        throw sys::SysError(errno, "open rootfs archive", plan.source);
    }
    if (!S_ISREG(st.st_mode)) {
        throw sys::SysError(EINVAL, "open rootfs archive", plan.source, {}, "not a regular file");
    }
    auto slash = plan.cache_dir.find_last_of('/');
    if (slash != std::string::npos && slash > 0) {
        make_private_dir(plan.cache_dir.substr(0, slash));  // <cache_root>
    }
    make_private_dir(plan.cache_dir);
    out.archive_sha256 = archive_hash(archive.get(), plan.source, st, plan.cache_dir);
    // Set-id bits change the tree, so each choice has its own entry.
    const std::string key = out.archive_sha256 + (plan.keep_setuid ? "-setuid" : "");
    const std::string entry = plan.cache_dir + "/" + key;

    std::string problem = entry_problem(entry, out.archive_sha256, plan.keep_setuid);
    if (problem.empty()) {
        out.cache_hit = true;
        return entry + "/tree";
    }
    if (problem != "missing") {
        spdlog::info("rootfs: cache entry {} not used ({}): unpacking again", entry, problem);
        discard_entry(entry, plan.cache_dir);
    }

    // Extract beside the final place and rename() it in: a reader sees all or nothing, and
    // two runs racing both extract but only one rename wins.
    std::string tmp = plan.cache_dir + "/.tmp-" + key + "-XXXXXX";
    if (::mkdtemp(tmp.data()) == nullptr) {  // mode 0700
        throw sys::SysError(errno, "mkdtemp", tmp);
    }
    auto discard = [&] {
        if (auto r = sys::remove_tree(tmp); !r) {
            spdlog::warn("rootfs: {}", r.error().describe());
        }
    };
    try {
        const std::string tree = tmp + "/tree";
        if (::mkdir(tree.c_str(), 0755) != 0) {
            throw sys::SysError(errno, "mkdir", tree);
        }
        sys::ExtractOptions options;
        options.keep_setuid = plan.keep_setuid;
        auto stats =
            sys::or_throw(sys::extract_archive_fd(archive.get(), plan.source, tree, options));
        if (stats.sha256 != out.archive_sha256) {
            throw sys::SysError(EAGAIN, "extract", plan.source, {},
                                "the archive changed while it was read (sha256 " +
                                    out.archive_sha256 + ", then " + stats.sha256 + ")");
        }
        for (const std::string& s : stats.skipped) {
            spdlog::warn("rootfs: skipped {} in {}", s, plan.source);
        }
        if (stats.device_nodes > 0) {
            spdlog::info(
                "rootfs: skipped {} device node(s) in {} (the sandbox's /dev is mounted at run "
                "time)",
                stats.device_nodes, plan.source);
        }
        if (stats.setid_stripped > 0 || stats.caps_stripped > 0) {
            spdlog::info(
                "rootfs: cleared setuid/setgid on {} file(s) and dropped {} file capability(ies) "
                "in {} (rootfs.keep_setuid = true keeps them)",
                stats.setid_stripped, stats.caps_stripped, plan.source);
        }
        spdlog::debug("rootfs: extracted {} entries ({} bytes) from {}", stats.entries, stats.bytes,
                      plan.source);
        add_mount_points(tree);
        struct stat tree_st {};
        if (::lstat(tree.c_str(), &tree_st) != 0) {
            throw sys::SysError(errno, "stat", tree);
        }
        write_atomically(tmp + "/manifest",
                         manifest_text(out.archive_sha256, plan.keep_setuid, tree_st));
    } catch (...) {
        discard();
        throw;
    }
    if (::rename(tmp.c_str(), entry.c_str()) != 0) {
        int err = errno;
        discard();
        if (err != EEXIST && err != ENOTEMPTY) {
            throw sys::SysError(err, "rename", tmp, entry);
        }
        // Another run finished the same archive first: use theirs, once it checks out.
        problem = entry_problem(entry, out.archive_sha256, plan.keep_setuid);
        if (!problem.empty()) {
            throw sys::SysError(EAGAIN, "open rootfs cache", entry, {}, problem);
        }
    }
    return entry + "/tree";
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

// The host ids that root inside a new user namespace maps to (0 when there is none): the
// overlay's upper and work dirs must be writable by the mounter, which is that root.
std::pair<uid_t, gid_t> mapped_root(const plan::IdMapPlan& maps) {
    if (!maps.enabled) {
        return {0, 0};
    }
    auto find = [](const std::vector<plan::IdMapLine>& lines) -> std::optional<uint32_t> {
        for (const plan::IdMapLine& l : lines) {
            if (l.inside == 0 && l.count > 0) {
                return l.outside;
            }
        }
        return std::nullopt;
    };
    auto uid = find(maps.uid_lines);
    auto gid = find(maps.gid_lines);
    return {uid ? *uid : ::geteuid(), gid ? *gid : ::getegid()};
}

// Made here, with their undo. Either way the layer must start empty: a leftover upper dir
// would carry a previous run's writes into this one.
void prepare_overlay_dir(const std::string& dir, std::pair<uid_t, gid_t> owner,
                         Rollback& rollback) {
    // Its parent (<name>@overlay) first: mkdir of the layer alone failed with ENOENT.
    auto slash = dir.find_last_of('/');
    if (slash != std::string::npos && slash > 0) {
        const std::string parent = dir.substr(0, slash);
        if (::mkdir(parent.c_str(), 0711) == 0) {  // traversable by a mapped root
            rollback.push(UndoKind::remove_tree, parent);
        } else if (errno != EEXIST) {
            throw sys::SysError(errno, "mkdir", parent);
        }
    }
    if (::mkdir(dir.c_str(), 0755) == 0) {
        rollback.push(UndoKind::remove_tree, dir);
        if (::geteuid() == 0 && (owner.first != 0 || owner.second != 0) &&
            ::chown(dir.c_str(), owner.first, owner.second) != 0) {
            throw sys::SysError(errno, "chown", dir);
        }
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
                              Rollback& rollback, const plan::IdMapPlan& id_maps) {
    PreparedRootfs out;
    switch (plan.kind) {
        case plan::RootfsKind::directory:
            out.root = check_directory(plan.source);
            break;
        case plan::RootfsKind::archive:
            out.root = prepare_archive(plan, out);
            break;
        case plan::RootfsKind::host:
            break;  // a tmpfs root assembled in the child
    }

    if (!out.root.empty()) {
        // The child attaches this copy instead of resolving out.root itself: a user namespace's
        // root cannot traverse the 0700 cache (EACCES), nor a directory under someone's 0700
        // home. Rootless, cloning mounts is not allowed (EPERM): the child then binds the
        // path, which the invoking user can reach anyway.
        auto tree = sys::clone_tree(out.root, true);
        if (tree) {
            out.tree = std::move(*tree);
        } else if (tree.error().err() != EPERM) {
            throw std::move(tree.error());
        }
    }

    if (plan.overlay && plan.kind != plan::RootfsKind::host) {
        const std::string overlay = state.location().entry(plan::state_entry::overlay);
        out.upper = plan.upper_dir.empty() ? overlay + "/upper" : plan.upper_dir;
        out.work = plan.work_dir.empty() ? overlay + "/work" : plan.work_dir;
        for (const std::string& d : {out.upper, out.work}) {
            prepare_overlay_dir(d, mapped_root(id_maps), rollback);
        }
    }
    return out;
}

}  // namespace sandbox::exec::host
