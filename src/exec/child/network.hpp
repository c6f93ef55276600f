#pragma once
// Pipeline step 12, network_sandbox (docs/architecture.md §2): inside the new netns, after
// pivot_root: `lo` up, the veth peer renamed and addressed, default routes.
#include "plan/plan.hpp"

namespace sandbox::exec::child {

void setup_sandbox_network(const plan::NetSandboxPlan& plan);

}  // namespace sandbox::exec::child
