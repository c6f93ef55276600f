#pragma once
// Small filesystem helpers. Everything that touches a path inside the sandbox's root goes
// through open_in_root (openat2 RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS), so a symlink in the
// rootfs can never point a mount or a created file at the host.
#include <sys/types.h>

#include <string>
#include <string_view>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::sys {

// openat2(root_fd, path, flags, RESOLVE_IN_ROOT|RESOLVE_NO_MAGICLINKS); `path` is absolute
// inside the root ("/etc/hosts"). O_CLOEXEC is always added.
Result<UniqueFd> open_in_root(int root_fd, const std::string& path, int flags, mode_t mode = 0);
// openat2(AT_FDCWD, path, flags, RESOLVE_NO_SYMLINKS): ELOOP when any component of `path` is
// a symbolic link (magic /proc links included). O_CLOEXEC is always added.
Result<UniqueFd> open_no_symlinks(const std::string& path, int flags);
// O_PATH|O_DIRECTORY of a directory on the host.
Result<UniqueFd> open_dir(const std::string& path);

// mkdir -p inside the root (each component resolved in the root). Existing dirs are fine.
Status mkdir_p_in_root(int root_fd, const std::string& path, mode_t mode = 0755);
// Creates an empty regular file (and its parent dirs) unless something exists there.
Status create_file_in_root(int root_fd, const std::string& path, mode_t mode = 0644);
// symlink(link_text, path) inside the root; an identical existing link is fine.
Status symlink_in_root(int root_fd, const std::string& link_text, const std::string& path);

// mkdir -p on the host.
Status mkdir_p(const std::string& path, mode_t mode = 0755);
// Whole small file (procfs, state.json). Fails past max_bytes.
Result<std::string> read_file(const std::string& path, size_t max_bytes = 1 << 20);
// The rest of an open file, from its current offset. Fails past max_bytes; `path` names it in
// errors.
Result<std::string> read_fd(int fd, const std::string& path, size_t max_bytes = 1 << 20);
// The caller's own file (or directory, want_dir): fstat(fd) shows the wanted type, owned by the
// effective uid, writable by nobody else. Otherwise EPERM with `op` and what is wrong: state the
// invoker replays (state.json, exec.json) must be the invoker's alone (docs/security.md).
Status check_owned_by_caller(int fd, const std::string& path, bool want_dir,
                             std::string_view op = "trust");
// open(O_WRONLY|O_CLOEXEC[|O_CREAT|O_TRUNC]) + one write (procfs and cgroupfs want one write).
Status write_file(const std::string& path, std::string_view content, bool create = false);
// Write to path.tmp, then swap it in without fsync (state.json readers never see half a file):
// exchanged with an existing path (RENAME_EXCHANGE, the old version unlinked), else renamed.
Status write_file_atomic(const std::string& path, std::string_view content, mode_t mode = 0644);
// (rm -rf lives in sys/archive.hpp: remove_tree)

// "a/b/c" helpers for absolute in-root paths.
std::string parent_path(const std::string& path);
std::string base_name(const std::string& path);

}  // namespace sandbox::sys
