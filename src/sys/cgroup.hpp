#pragma once
// cgroups v1 and v2 behind one interface (crun's cgroup manager vtable). Knows nothing about
// profiles: exec/host/cgroup.cpp feeds it the plan's writes. Every path is relative to roots
// passed in, so unit tests run the writers against a temp dir ("fake cgroupfs").
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::sys {

struct CgroupStats {
    uint64_t memory_peak = 0;     // bytes (v2 memory.peak / v1 memory.max_usage_in_bytes); when
                                  // the kernel has no peak file, the max memory.current seen by
                                  // any stats() call on this object
    uint64_t memory_current = 0;  // bytes
    uint64_t cpu_usage_usec = 0;  // v2 cpu.stat usage_usec / v1 cpuacct.usage / 1000
    uint64_t oom_kills = 0;       // v2 memory.events oom_kill / v1 memory.oom_control oom_kill
    uint64_t pids_current = 0;
};

class Cgroup {
public:
    virtual ~Cgroup() = default;

    // Creates the directories (parents included, mkdir -p). EEXIST on the leaf is an error: a
    // sandbox of the same name is running or was left behind. On v1, one leaf per hierarchy;
    // when a later hierarchy fails, the leaves already made are removed again.
    virtual Status create() = 0;
    // Writes one control file (open O_WRONLY|O_CLOEXEC, one write). v1: `controller` picks the
    // hierarchy (ENOENT "no v1 hierarchy" when it is not one of ours); v2: ignored. Errors read
    // "write memory.max = 1G in /sys/fs/cgroup/sandbox/x: Invalid argument (EINVAL)".
    virtual Status write(const std::string& controller, const std::string& file,
                         const std::string& value) = 0;
    // v2: writes "+ctrl" into cgroup.subtree_control of the root and of every parent of the
    // leaf, top down, skipping controllers already enabled there. v1: no-op.
    virtual Status enable_controllers(const std::vector<std::string>& controllers) = 0;
    // Moves a process in from outside (v2 cgroup.procs; v1 every hierarchy's cgroup.procs).
    // Slow on v1 when cold (docs/architecture.md §8): prefer self_attach_files() / open_leaf().
    virtual Status attach(pid_t pid) = 0;
    // Absolute paths of the files the child writes "0" into to join by itself before exec
    // (v1: each hierarchy's `tasks`; v2: cgroup.procs). Cheap even cold (docs/architecture.md §8).
    virtual std::vector<std::string> self_attach_files() const = 0;
    // v2: an O_DIRECTORY|O_PATH|O_CLOEXEC fd of the leaf for clone3(CLONE_INTO_CGROUP);
    // nullopt on v1.
    virtual std::optional<Result<UniqueFd>> open_leaf() const = 0;
    // SIGKILL every process in the group (v2 cgroup.kill when present, else a loop over
    // cgroup.procs until it reads empty; v1 the same loop over every hierarchy). Does not wait.
    virtual Status kill_all() = 0;
    // Reads usage. Missing files leave their field at 0 (a controller not mounted/enabled).
    virtual Result<CgroupStats> stats() const = 0;
    // The OOM kill count alone (stats().oom_kills; 0 without a memory controller): what a run
    // without a report reads, to tell "killed for memory" from another SIGKILL.
    virtual uint64_t oom_kills() const = 0;
    // Kills what is left, waits (bounded, ~1 s) for the group to empty, rmdir with EBUSY retry
    // (crun destroy_cgroup_path). ENOENT is success. Then removes the shared parent
    // ("sandbox/") when it is empty; EBUSY/ENOTEMPTY there are ignored.
    virtual Status remove() = 0;
    // The leaf directories, one per distinct hierarchy (what the rollback entries record).
    virtual std::vector<std::string> dirs() const = 0;
    // How many directories above the leaf remove() prunes when empty: 1 (the shared
    // "sandbox/" parent) when the relative path has a parent, else 0. Never more: on a rootless
    // v2 host the ancestors are systemd's slices.
    virtual unsigned parent_levels() const = 0;
};

// v2: `root` is the unified mount (/sys/fs/cgroup); `relative` e.g. "sandbox/web".
std::unique_ptr<Cgroup> make_cgroup_v2(std::string root, std::string relative);
// v1: `hierarchies` maps each controller to its mount ("memory" -> "/sys/fs/cgroup/memory").
// Controllers that share a mount (cpu,cpuacct) share one leaf directory.
std::unique_ptr<Cgroup> make_cgroup_v1(std::map<std::string, std::string> hierarchies,
                                       std::string relative);

// The child's side of self_attach_files(): writes "0" into each file (moves the caller).
// Call it before unshare(CLONE_NEWCGROUP) (else the group lies outside the new namespace's
// root) and before changing credentials (the files are root's, mode 0644: a still-uid-0 child
// may write them even inside a new user namespace). Errors name the file, like write().
Status join_cgroup(const std::vector<std::string>& attach_files);

// Removes a leaf directory found in a rollback entry or state.json: kill (cgroup.kill or a
// SIGKILL loop over cgroup.procs), wait up to `wait` for cgroup.procs to empty, rmdir with EBUSY
// retry. ENOENT is success. Then tries rmdir on up to `prune_parents` ancestors, stopping quietly
// at the first that is busy/not empty (the shared "sandbox/" parent). The remove_cgroup undo
// entry carries `prune_parents` as decimal text in UndoEntry::extra ("" = 0). The wait only
// costs anything when the group is still busy: 5 s, since the fork-bomb test (64 tasks) leaked
// something on a 2-core machine at load 10-14 with a 1 s bound.
Status remove_cgroup_dir(const std::string& dir, unsigned prune_parents = 0,
                         std::chrono::milliseconds wait = std::chrono::milliseconds(5000));

}  // namespace sandbox::sys
