#pragma once
// Pipeline step 7, network_host (DESIGN §2): veth pair over netlink with the peer created in the
// child's netns, host address, link up, nft NAT/port forwards, ip_forward. Runs after id_maps
// (the child's netns exists) and before release. Every creation goes on the rollback stack.
#include <sys/types.h>

#include "exec/rollback.hpp"
#include "plan/plan.hpp"

namespace sandbox::exec::host {

void setup_host_network(const plan::NetHostPlan& plan, pid_t child, Rollback& rollback);

}  // namespace sandbox::exec::host
