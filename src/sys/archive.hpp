#pragma once
// Safe extraction of a rootfs archive (tar, tar.gz, tar.xz, tar.zst, ... through libarchive's
// format/filter autodetection) into a directory. Nothing may land outside that directory:
// entries with absolute paths or `..` components are skipped, libarchive's SECURE_* flags refuse
// to write through symlinks, hard links must point at something already inside the tree
// (resolved with openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS), and device nodes, FIFOs and
// sockets are skipped (a rootfs gets its /dev from the sandbox's mounts).
#include <cstdint>
#include <string>
#include <vector>

#include "sys/error.hpp"

namespace sandbox::sys {

struct ExtractStats {
    uint64_t entries = 0;  // headers read
    uint64_t files = 0;
    uint64_t dirs = 0;
    uint64_t symlinks = 0;
    uint64_t hardlinks = 0;
    uint64_t bytes = 0;                // regular file data written
    std::vector<std::string> skipped;  // "'../x': path leaves the tree", one per skipped entry
};

// Extracts `archive_path` into the existing directory `dest_dir`. Ownership is restored only
// when running as root; permissions and times always. A damaged archive is an error (op
// "extract", detail = libarchive's message); an unsafe entry is skipped and listed. Temporarily
// changes the working directory to `dest_dir` (libarchive writes relative to the cwd) and
// restores it before returning, so call it only while the process is single-threaded.
Result<ExtractStats> extract_archive(const std::string& archive_path, const std::string& dest_dir);

// Lower-case hex SHA-256 of a file's contents (OpenSSL libcrypto EVP).
Result<std::string> sha256_file(const std::string& path);

// rm -rf without following symlinks (openat/unlinkat walk relative to dir fds; it never leaves
// the tree, and it does not cross mount points). ENOENT on `path` is success.
Status remove_tree(const std::string& path);

}  // namespace sandbox::sys
