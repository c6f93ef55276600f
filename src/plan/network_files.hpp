#pragma once
// The contents of /etc/resolv.conf and /etc/hosts for a sandbox (pure). The planner puts them
// in NetHostPlan::files and emits a write_file mount op for each, sourced from the same path;
// exec/host/network.cpp writes them into the state dir during network_host.
#include <vector>

#include "plan/plan.hpp"
#include "profile/profile.hpp"

namespace sandbox::plan {

// resolv.conf when network.dns is set; hosts when network.mode is veth or network.hosts is
// set. Paths are under `state.dir`. Returns them in that order.
std::vector<NetworkFile> make_network_files(const profile::Profile& profile,
                                            const StatePlan& state);

// "<state.dir>/resolv.conf" and "<state.dir>/hosts": the write_file mount op sources.
std::string resolv_conf_path(const StatePlan& state);
std::string hosts_path(const StatePlan& state);

}  // namespace sandbox::plan
