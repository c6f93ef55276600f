#pragma once
// Pipeline step 12, network_sandbox (docs/architecture.md §2): inside the new netns, after
// pivot_root: `lo` up, the veth peer renamed and addressed, default routes.
#include "plan/plan.hpp"

namespace sandbox::exec::child {

void setup_sandbox_network(const plan::NetSandboxPlan& plan);

// The net.* sysctls of the new netns (NetSandboxPlan::sysctls: ping_group_range and the
// profile's network.sysctls). Part of step 12 but run before the mounts step: /proc/sys/net
// shows the netns of the task that opens it, and after pivot_root the sandbox's /proc/sys is
// bound read-only. Root of the sandbox's user namespace owns these files, so a rootless run can
// write them too.
void set_netns_sysctls(const plan::NetSandboxPlan& plan);

}  // namespace sandbox::exec::child
