#pragma once
// Step 11, pivot_root: switch to the new root, detach the old one, read-only / if asked.
#include "plan/plan.hpp"

namespace sandbox::exec::child {

void switch_root(const plan::PivotPlan& plan);

}  // namespace sandbox::exec::child
