#pragma once
// Pipeline step 6, id_maps: setgroups, gid_map, uid_map of the child's new user namespace.
#include <sys/types.h>

#include <string>

#include "exec/host/id_ranges.hpp"
#include "exec/rollback.hpp"
#include "plan/plan.hpp"

namespace sandbox::exec::host {

// Writes the maps. For uid_map = "auto" it first leases a free range (its release goes on
// `rollback`) and returns the lease, which the launcher holds until the sandbox is gone;
// otherwise the returned lease is empty. `owner` names the sandbox in the lease file.
IdRangeLease write_id_maps(const plan::IdMapPlan& plan, pid_t child, const std::string& owner,
                           Rollback& rollback);

}  // namespace sandbox::exec::host
