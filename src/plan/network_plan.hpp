#pragma once
// [network] -> NetHostPlan (step 7, host half) and NetSandboxPlan (step 12, sandbox half).
// Pure: names, addresses and routes are computed here; exec/ only performs the netlink and
// nftables operations these describe.
#include <optional>
#include <string>
#include <string_view>

#include "plan/plan.hpp"

namespace sandbox::plan {

// "10.0.0.2/24" -> {10.0.0.2, 24}; "fd00::2" -> {fd00::2, 128}. The profile checker validated
// the text; a missing or unparsable prefix gives the host prefix (32 / 128).
Cidr parse_cidr(std::string_view text);

// "sbx-" + the first 5 name characters (others than [A-Za-z0-9_.-] become '_') + "-" + five
// hex digits of a stable FNV-1a hash of the whole name: at most 15 characters (IFNAMSIZ - 1),
// and two sandboxes whose names share a prefix still get different interfaces.
std::string default_veth_host_name(std::string_view sandbox_name);

// The peer's temporary name inside the new netns, before it is renamed to veth.name.
std::string veth_peer_temp_name(std::string_view sandbox_name);

struct NetworkPlans {
    NetHostPlan host;
    NetSandboxPlan sandbox;
};

// `net_ns_new`: the sandbox has its own network namespace (created, not joined or the host's).
NetworkPlans plan_network(const profile::Profile& profile, bool net_ns_new);

}  // namespace sandbox::plan
