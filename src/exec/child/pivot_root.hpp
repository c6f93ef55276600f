#pragma once
// Step 11, pivot_root: switch to the new root, detach the old one, read-only / if asked.
#include <string>

#include "plan/plan.hpp"

namespace sandbox::exec::child {

// `new_root_path`: plan.new_root as this process can reach it (HostAccess::path: a rootless
// state root may sit in a directory the mapped root cannot traverse).
void switch_root(const plan::PivotPlan& plan, const std::string& new_root_path);

}  // namespace sandbox::exec::child
