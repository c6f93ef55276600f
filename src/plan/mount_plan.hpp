#pragma once
// A profile's [[mounts]] entry as the MountOp the executor runs (step 10). Pure.
#include <cstddef>
#include <vector>

#include "plan/plan.hpp"

namespace sandbox::plan {

// mounts[index] -> its op. Options that are not mount flags become filesystem data; on a bind
// (which has none) they are ignored with a warning note.
MountOp profile_mount(const profile::Mount& m, size_t index, std::vector<PlanNote>& notes);

}  // namespace sandbox::plan
