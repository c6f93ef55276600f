#pragma once
// [seccomp] -> SeccompPlan: preset + imported OCI/Docker rules + allow/deny + [[seccomp.rules]],
// merged into one ordered rule list with a cache key. Pure.
#include "plan/plan.hpp"

namespace sandbox::plan {

SeccompPlan plan_seccomp(const profile::Profile& profile);

}  // namespace sandbox::plan
