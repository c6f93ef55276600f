#pragma once
// cgroups v1 and v2 behind one interface (crun's cgroup manager vtable). Knows nothing about
// profiles: exec/host/cgroup.cpp feeds it the plan's writes. Every path is relative to roots
// passed in, so unit tests run the writers against a temp dir ("fake cgroupfs").
#include <sys/types.h>

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
    uint64_t memory_peak = 0;     // bytes (v2 memory.peak / v1 memory.max_usage_in_bytes)
    uint64_t memory_current = 0;  // bytes
    uint64_t cpu_usage_usec = 0;  // v2 cpu.stat usage_usec / v1 cpuacct.usage / 1000
    uint64_t oom_kills = 0;       // v2 memory.events oom_kill / v1 memory.oom_control oom_kill
    uint64_t pids_current = 0;
};

class Cgroup {
public:
    virtual ~Cgroup() = default;

    // Creates the directories (parents included). EEXIST on the leaf is an error: a sandbox
    // of the same name is running or was left behind.
    virtual Status create() = 0;
    // Writes one control file. v1: `controller` picks the hierarchy; v2: ignored.
    virtual Status write(const std::string& controller, const std::string& file,
                         const std::string& value) = 0;
    // v2: enables controllers in the parents' cgroup.subtree_control, top down.
    virtual Status enable_controllers(const std::vector<std::string>& controllers) = 0;
    // Moves a process in from outside (cgroup.procs). Slow on v1 when cold (DESIGN §8).
    virtual Status attach(pid_t pid) = 0;
    // The files the child writes "0" into to join by itself before exec (v1: each hierarchy's
    // `tasks`; v2: cgroup.procs). Cheap even cold (DESIGN §8).
    virtual std::vector<std::string> self_attach_files() const = 0;
    // v2: an O_DIRECTORY fd of the leaf for clone3(CLONE_INTO_CGROUP); nullopt on v1.
    virtual std::optional<Result<UniqueFd>> open_leaf() const = 0;
    // SIGKILL every process in the group (v2 cgroup.kill when present, else over cgroup.procs).
    virtual Status kill_all() = 0;
    virtual Result<CgroupStats> stats() const = 0;
    // Kills what is left, waits (bounded) for the group to empty, rmdir with EBUSY retry.
    // ENOENT is success. Leaves the shared parent ("sandbox/") in place.
    virtual Status remove() = 0;
    // The leaf directories, one per hierarchy (what the rollback entry records).
    virtual std::vector<std::string> dirs() const = 0;
};

// v2: `root` is the unified mount (/sys/fs/cgroup); `relative` e.g. "sandbox/web".
std::unique_ptr<Cgroup> make_cgroup_v2(std::string root, std::string relative);
// v1: `hierarchies` maps each controller to its mount ("memory" -> "/sys/fs/cgroup/memory").
std::unique_ptr<Cgroup> make_cgroup_v1(std::map<std::string, std::string> hierarchies,
                                       std::string relative);
// Removes a leaf directory found in a rollback entry or state.json (kill, wait, rmdir).
Status remove_cgroup_dir(const std::string& dir);

}  // namespace sandbox::sys
