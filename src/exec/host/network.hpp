#pragma once
// Pipeline step 7, network_host (DESIGN §2): veth pair over netlink with the peer created in the
// child's netns, host address, link up, nft NAT/port forwards, ip_forward. Runs after id_maps
// (the child's netns exists) and before release. Every creation goes on the rollback stack.
#include <sys/types.h>

#include "exec/rollback.hpp"
#include "plan/plan.hpp"
#include "sys/error.hpp"

namespace sandbox::exec::host {

void setup_host_network(const plan::NetHostPlan& plan, pid_t child, Rollback& rollback);

// Rollback hooks (exec/rollback.cpp run_undo). Both treat "already gone" as success, so a
// replay by `sandbox down` after the netns died is harmless.
// Deletes the host-side veth `name` (its peer goes with it).
sys::Status delete_link(const std::string& name);
// Deletes the nftables table `spec` ("inet sandbox-web").
sys::Status delete_nft_table(const std::string& spec);

}  // namespace sandbox::exec::host
