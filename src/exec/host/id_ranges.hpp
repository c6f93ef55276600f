#pragma once
// Host id ranges for `uid_map = "auto"` (like podman's --userns=auto): each sandbox gets a
// block of ids of its own, so no two sandboxes, and no user holding an /etc/subuid range,
// share a host uid with it (who shares a uid may signal and ptrace). Leases are files under
// <state root>/id-ranges/, one per block, each flock()ed by its launcher for its whole life:
// a lease nobody holds is stale (its launcher was SIGKILLed) and is taken back by the next
// allocation. Allocation runs under the directory's lock, so two launchers never choose the
// same block. Part of step 6, id_maps (exec/host/id_maps.cpp), before the maps are written.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "exec/host/lease_dir.hpp"
#include "plan/host_facts.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::exec::host {

// The lowest start s with [s, s + count) inside `pool` and overlapping none of `taken`
// (first fit, jumping past each range in the way); nullopt when the pool has no such gap.
// Pure: the unit tests drive it with made-up subuid ranges and leases.
std::optional<uint32_t> choose_id_range(const plan::SubIdRange& pool, uint32_t count,
                                        std::vector<plan::SubIdRange> taken);

// A held block. The lock fd keeps it live; release_id_range (the rollback entry) removes it.
// path = <dir>/<start>-<count>.lease.
struct IdRangeLease : HeldLease {
    uint32_t start = 0;      // host uid of inside 0
    uint32_t gid_start = 0;  // host gid of inside 0 (set by write_id_maps)
    uint32_t count = 0;
};

// Leases `count` ids from `pool`, avoiding `excluded` (the /etc/subuid and /etc/subgid
// entries) and every live lease in `dir` (created 0700 if missing); stale leases are removed
// first. ENOSPC, naming the pool and `pool_origin`, when nothing is free.
sys::Result<IdRangeLease> lease_id_range(const std::string& dir, const plan::SubIdRange& pool,
                                         const std::string& pool_origin,
                                         const std::vector<plan::SubIdRange>& excluded,
                                         uint32_t count, const std::string& owner);

// The undo of a lease: removes `path` if it still holds `token` (after a stale lease was
// taken back, the same file name may belong to another sandbox: that one is left alone).
sys::Status release_id_range(const std::string& path, const std::string& token);

// The ranges of the live leases in `dir` (for tests and `ps`-like tools); stale ones skipped.
std::vector<plan::SubIdRange> live_id_leases(const std::string& dir);

}  // namespace sandbox::exec::host
