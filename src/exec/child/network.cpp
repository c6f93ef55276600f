// Step 12, network_sandbox. Runs in the child after pivot_root (netlink needs no file system,
// so the new root does not matter) and after release: network_host created the veth peer in
// this netns before sending "go". Everything here dies with the netns, so nothing is undone.
// Order: lo up; the peer renamed to its final name, MTU and up in one request (the kernel
// renames before it changes the flags); addresses; default routes last, because a gateway must
// be reachable through an address's prefix route on a link that is up.
#include "exec/child/network.hpp"

#include "sys/error.hpp"
#include "sys/netlink.hpp"
#include "sys/sysctl.hpp"

namespace sandbox::exec::child {

void setup_sandbox_network(const plan::NetSandboxPlan& plan) {
    if (!plan.loopback_up && plan.interface_name.empty()) {
        return;
    }
    sys::Netlink nl = sys::or_throw(sys::Netlink::open());
    if (plan.loopback_up) {
        sys::or_throw(nl.change_link("lo", {.new_name = {}, .mtu = {}, .up = true}));
    }
    if (plan.interface_name.empty()) {
        return;
    }
    const std::string& created = plan.peer_name.empty() ? plan.interface_name : plan.peer_name;
    sys::LinkChange change{.new_name = {}, .mtu = plan.mtu, .up = true};
    if (created != plan.interface_name) {
        change.new_name = plan.interface_name;
    }
    sys::or_throw(nl.change_link(created, change));
    for (const plan::Cidr& cidr : plan.addresses) {
        sys::or_throw(nl.add_address(plan.interface_name, {cidr.address, cidr.prefix, cidr.v6}));
    }
    for (const plan::RouteOp& route : plan.default_routes) {
        sys::or_throw(nl.add_default_route(plan.interface_name, route.gateway, route.v6));
    }
}

void set_netns_sysctls(const plan::NetSandboxPlan& plan) {
    for (const auto& [path, value] : plan.sysctls) {
        sys::or_throw(sys::write_sysctl(path, value));
    }
}

}  // namespace sandbox::exec::child
