#pragma once
// Pipeline step 6, id_maps: setgroups, gid_map, uid_map of the child's new user namespace.
#include <sys/types.h>

#include "plan/plan.hpp"

namespace sandbox::exec::host {

void write_id_maps(const plan::IdMapPlan& plan, pid_t child);

}  // namespace sandbox::exec::host
