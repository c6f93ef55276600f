#pragma once
// Safe extraction of a rootfs archive (tar, tar.gz, tar.xz, tar.zst, ... through libarchive's
// format/filter autodetection) into a directory. Nothing may land outside that directory:
// entries with absolute paths or `..` components are skipped, libarchive's SECURE_* flags refuse
// to write through symlinks, hard links must point at something already inside the tree
// (resolved with openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), and device nodes, FIFOs and
// sockets are skipped (a rootfs gets its /dev from the sandbox's mounts). Set-id bits and file
// capabilities are stripped unless asked for.
#include <cstdint>
#include <string>
#include <vector>

#include "sys/error.hpp"

namespace sandbox::sys {

struct ExtractOptions {
    // Keep S_ISUID/S_ISGID on files and the `security.capability` xattr (file capabilities).
    // Off by default: an unpacked setuid-root binary is a way to root for whoever can reach the
    // tree (docs/security.md, "Archive rootfs").
    bool keep_setuid = false;
};

struct ExtractStats {
    uint64_t entries = 0;  // headers read
    uint64_t files = 0;
    uint64_t dirs = 0;
    uint64_t symlinks = 0;
    uint64_t hardlinks = 0;
    uint64_t bytes = 0;                // regular file data written
    uint64_t device_nodes = 0;         // character/block devices skipped (a rootfs's own /dev)
    uint64_t setid_stripped = 0;       // files whose S_ISUID/S_ISGID bits were cleared
    uint64_t caps_stripped = 0;        // entries whose security.capability xattr was dropped
    std::string sha256;                // of every byte read from the archive, to its end
    std::vector<std::string> skipped;  // "'../x': path leaves the tree", one per skipped entry
};

// Extracts the archive open on `archive_fd` (read from offset 0; the fd's offset is moved)
// into the existing directory `dest_dir`. The same bytes are hashed while they are read, and
// the rest of the file after the archive's end too, so stats.sha256 names exactly what was
// unpacked: compare it with a hash taken earlier to detect a file changed in between.
// `shown` names the archive in errors. Ownership is restored only when running as root;
// permissions (less the set-id bits unless keep_setuid) and times always; xattrs only
// security.capability with keep_setuid. A damaged archive is an error (op "extract",
// detail = libarchive's message); an unsafe entry is skipped and listed; device nodes are
// only counted. Temporarily changes the working directory to `dest_dir` (libarchive writes
// relative to the cwd) and restores it before returning, so call it only while the process
// is single-threaded.
Result<ExtractStats> extract_archive_fd(int archive_fd, const std::string& shown,
                                        const std::string& dest_dir,
                                        const ExtractOptions& options = {});

// The same, opening `archive_path` itself.
Result<ExtractStats> extract_archive(const std::string& archive_path, const std::string& dest_dir,
                                     const ExtractOptions& options = {});

// Lower-case hex SHA-256 of everything an fd holds, read with pread from offset 0 (the fd's
// own offset is left alone). `shown` names it in errors. (OpenSSL libcrypto EVP.)
Result<std::string> sha256_fd(int fd, const std::string& shown);

// Lower-case hex SHA-256 of a file's contents.
Result<std::string> sha256_file(const std::string& path);

// rm -rf without following symlinks (openat/unlinkat walk relative to dir fds; it never leaves
// the tree, and it does not cross mount points). ENOENT on `path` is success.
Status remove_tree(const std::string& path);
// The same for the entry `name` of the directory `parent_fd` (`shown` names it in errors).
Status remove_tree_at(int parent_fd, const std::string& name, const std::string& shown);

}  // namespace sandbox::sys
