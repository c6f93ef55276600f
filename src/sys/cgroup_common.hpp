#pragma once
// Helpers shared by the v1 and v2 cgroup implementations (file I/O with cgroup-flavoured error
// messages, the kill / wait / rmdir sequence, stats parsing). Internal to sys/; tests use the
// parsers directly.
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sys/error.hpp"
#include "sys/fs.hpp"

namespace sandbox::sys::cgroup_detail {

// "/sandbox/web/" -> "sandbox/web": relative paths are joined under each hierarchy root.
std::string strip_slashes(std::string s);

// open(dir/file, O_WRONLY|O_CLOEXEC) + one write(). Error: op "write",
// path "memory.max = 1G in /sys/fs/cgroup/sandbox/x".
Status write_file(const std::string& dir, const std::string& file, const std::string& value);

// Whole files are read with sys::read_file (sys/fs.hpp); ENOENT is an error like any other.
using sys::read_file;

// mkdir -p of `root`/`relative` minus its last component, then mkdir of the leaf (EEXIST on the
// leaf is an error). Retries when a concurrent remove pruned a parent between the two steps.
Status make_leaf(const std::string& root, const std::string& relative);

// The pids listed in dir/cgroup.procs; a missing file reads as empty.
Result<std::vector<pid_t>> read_procs(const std::string& dir);

// One pass of SIGKILL over dir/cgroup.procs (ESRCH ignored). Returns how many were listed.
Result<size_t> kill_procs_once(const std::string& dir);

// v2 cgroup.kill when present, else kill_procs_once.
Status kill_dir(const std::string& dir);

// Kill, wait until cgroup.procs is empty (bounded by `deadline`), rmdir with EBUSY retry until
// `deadline`. ENOENT anywhere = already gone = success.
Status destroy_dir(const std::string& dir, std::chrono::steady_clock::time_point deadline);

// rmdir of up to `levels` ancestors of `dir`, stopping quietly at the first one that is busy,
// not empty or missing.
void prune_parents(const std::string& dir, unsigned levels);

// The parents remove() prunes: only the leaf's immediate parent, the shared "sandbox/" dir
// ("sandbox/web" -> 1, "web" -> 0). Ancestors above it (a rootless v2 path runs through
// systemd's user@UID.service slices) are never touched, even when empty.
unsigned parent_levels_of(const std::string& relative);

// Parsers (tolerant of trailing newlines).
std::optional<uint64_t> parse_u64(std::string_view text);
// "key value" lines (cpu.stat, memory.events, memory.oom_control): the value of `key`.
std::optional<uint64_t> parse_keyed(std::string_view text, std::string_view key);

// Reads a single-number file; nullopt when the file does not exist or does not parse
// ("max" included).
std::optional<uint64_t> read_u64(const std::string& path);

}  // namespace sandbox::sys::cgroup_detail
