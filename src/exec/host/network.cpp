// Step 7, network_host. Ordering: after id_maps, because the veth peer is created directly in
// the child's network namespace (IFLA_NET_NS_PID) and that namespace exists from spawn on;
// before release, because the child's network_sandbox step (after pivot_root) expects to find
// the peer. Nothing here runs in the child. Order inside the step:
//   1. checks that create nothing (name clash, address in use), so a refusal leaves nothing;
//   2. veth (push delete_link at once), host addresses, link up;
//   3. nft table when nat or ports (push delete_nft_table);
//   4. forwarding sysctls last: the holder is the veth name, so the veth must exist first.
#include "exec/host/network.hpp"

#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "exec/host/forwarding.hpp"
#include "exec/state.hpp"
#include "sys/error.hpp"
#include "sys/fs.hpp"
#include "sys/lazy_library.hpp"
#include "sys/netlink.hpp"
#include "sys/nftables.hpp"
#include "sys/sysctl.hpp"

namespace sandbox::exec::host {

namespace {

sys::IpPrefix to_prefix(const plan::Cidr& cidr) {
    return {cidr.address, cidr.prefix, cidr.v6};
}

// A veth whose other end is in another network namespace. Every sandbox's veth is one of those,
// and the launcher leaves it to the kernel (see delete_link): it disappears once the last
// reference to the sandbox's netns is gone (an RCU grace period after its last process, for the
// sockets it had) and the kernel's netns cleanup has run, a few ms to a few tens of ms after the
// launcher exited. A pair whose both ends are on the host is nobody's sandbox.
bool may_be_dying(sys::Netlink& nl, const sys::LinkInfo& link) {
    return link.kind == "veth" && (link.link_netnsid || sys::or_throw(nl.is_orphaned_veth(link)));
}

constexpr auto k_dying_link_wait = std::chrono::seconds(5);

// Waits (at most k_dying_link_wait) for a veth left by a sandbox that has just exited, instead of
// calling a back-to-back run of the same profile a name clash. A live sandbox's veth of that
// name is still refused, only 5 s later. (The kernel's netns cleanup is one work queue for the
// whole host: under load, with other namespaces going away, it can take seconds.)
std::optional<sys::LinkInfo> wait_for_dying_link(sys::Netlink& nl, const std::string& name,
                                                 std::optional<sys::LinkInfo> link) {
    using namespace std::chrono;
    const auto deadline = steady_clock::now() + k_dying_link_wait;
    while (link && may_be_dying(nl, *link) && steady_clock::now() < deadline) {
        std::this_thread::sleep_for(microseconds(500));
        link = sys::or_throw(nl.get_link(name));
    }
    return link;
}

void check_name_free(sys::Netlink& nl, const plan::NetHostPlan& plan) {
    auto link = wait_for_dying_link(nl, plan.host_name, sys::or_throw(nl.get_link(plan.host_name)));
    if (link) {
        throw sys::SysError(EEXIST, "create veth", plan.host_name, {},
                            "an interface with this name already exists on the host (another "
                            "sandbox with the same name? set network.veth.host_name, or "
                            "`sandbox down` the old one)");
    }
}

void check_addresses_free(sys::Netlink& nl, const plan::NetHostPlan& plan) {
    if (plan.host_addresses.empty()) {
        return;
    }
    // An address held by the veth of a sandbox that has just exited (same explicit addresses,
    // back to back) goes with that veth: wait for it like check_name_free does.
    using namespace std::chrono;
    const auto deadline = steady_clock::now() + k_dying_link_wait;
    for (;;) {
        const std::vector<sys::HostAddress> existing = sys::or_throw(nl.list_addresses());
        bool wait = false;
        for (const plan::Cidr& want : plan.host_addresses) {
            const std::string ours = sys::or_throw(sys::canonical_address(want.address, want.v6));
            for (const sys::HostAddress& have : existing) {
                if (have.prefix.v6 != want.v6 || have.prefix.address != ours) {
                    continue;
                }
                auto holder = sys::or_throw(nl.get_link(have.ifindex));
                if (holder && may_be_dying(nl, *holder) && steady_clock::now() < deadline) {
                    wait = true;
                    continue;
                }
                throw sys::SysError(EADDRINUSE, "add address",
                                    want.address + "/" + std::to_string(want.prefix), {},
                                    "already assigned to '" + have.ifname +
                                        "' on the host (choose another "
                                        "network.veth.host_address)");
            }
        }
        if (!wait) {
            return;
        }
        std::this_thread::sleep_for(microseconds(500));
    }
}

// Test-only. SANDBOX_FAIL_AT=network_host (exec/fault.hpp) fails before the step creates
// anything; "network_host:late" fails after everything in it was created, so the rollback of
// the veth, the nft table and the forwarding holder is exercised.
void inject_late_fault() {
#ifdef SANDBOX_FAULT_INJECTION
    const char* at = std::getenv("SANDBOX_FAIL_AT");
    if (at != nullptr && std::string_view(at) == "network_host:late") {
        throw sys::SysError(EIO, "injected fault", "network_host:late");
    }
#endif
}

}  // namespace

namespace {

bool is_loopback_address(const std::string& address) {
    return address.rfind("127.", 0) == 0 || address == "::1" ||
           address.rfind("::ffff:127.", 0) == 0;
}

// The lines of a resolv.conf a sandbox can use, and whether a loopback server was dropped.
struct FilteredResolv {
    std::string text;
    size_t servers = 0;
    bool dropped_loopback = false;
};

FilteredResolv filter_resolv_conf(const std::string& content) {
    FilteredResolv out;
    size_t start = 0;
    while (start < content.size()) {
        size_t end = content.find('\n', start);
        std::string line = content.substr(start, end == std::string::npos ? end : end - start);
        start = end == std::string::npos ? content.size() : end + 1;
        std::string word = line.substr(0, line.find_first_of(" \t"));
        if (word == "nameserver") {
            size_t at = line.find_first_not_of(" \t", word.size());
            std::string address = at == std::string::npos
                                      ? ""
                                      : line.substr(at, line.find_first_of(" \t#;", at) - at);
            if (address.empty()) {
                continue;
            }
            if (is_loopback_address(address)) {
                out.dropped_loopback = true;
                continue;
            }
            out.text += "nameserver " + address + "\n";
            ++out.servers;
        } else if (word == "search" || word == "domain" || word == "options") {
            out.text += line + "\n";
        }
    }
    return out;
}

}  // namespace

HostDns read_host_dns(const std::string& etc, const std::string& resolved) {
    HostDns out;
    auto text = sys::read_file(etc);
    if (!text) {
        out.note = "no name servers for the sandbox: cannot read the host's " + etc + " (" +
                   text.error().describe() + "); set network.dns";
        return out;
    }
    FilteredResolv host = filter_resolv_conf(*text);
    if (host.servers > 0) {
        out.resolv_conf = host.text;
        out.source = etc;
        return out;
    }
    if (host.dropped_loopback) {
        if (auto upstream = sys::read_file(resolved)) {
            FilteredResolv up = filter_resolv_conf(*upstream);
            if (up.servers > 0) {
                out.resolv_conf = up.text;
                out.source = resolved;
                return out;
            }
        }
        out.note = "no name servers for the sandbox: the host's " + etc +
                   " lists only loopback resolvers, which another network namespace cannot "
                   "reach, and " +
                   resolved + " has none; set network.dns";
        return out;
    }
    out.note =
        "no name servers for the sandbox: the host's " + etc + " lists none; set network.dns";
    return out;
}

std::vector<AddressLease> lease_pool_addresses(plan::NetHostPlan& host,
                                               plan::NetSandboxPlan& sandbox,
                                               const std::string& owner, Rollback& rollback) {
    std::vector<AddressLease> out;
    if (!host.pool_v4 && !host.pool_v6) {
        return out;
    }
    // One socket for both families' route dumps; the dump is taken under no lock, so a subnet
    // routed by a sandbox starting right now is not in it: the lease files cover those.
    sys::Netlink nl = sys::or_throw(sys::Netlink::open());
    for (bool v6 : {false, true}) {
        if (!(v6 ? host.pool_v6 : host.pool_v4)) {
            continue;
        }
        const char* env_name = v6 ? "SANDBOX_ADDRESS_POOL6" : "SANDBOX_ADDRESS_POOL";
        const char* env = std::getenv(env_name);
        std::string text =
            env != nullptr && *env != '\0' ? env : (v6 ? k_default_pool6 : k_default_pool4);
        std::string origin = env != nullptr && *env != '\0' ? env_name : "the default pool";
        auto pool = parse_pool(text, v6);
        if (!pool) {
            throw sys::SysError(EINVAL, "parse address pool", text, {},
                                std::string(env_name) + " must be an IPv" + (v6 ? "6" : "4") +
                                    " network such as " + (v6 ? k_default_pool6 : k_default_pool4) +
                                    " with room for at least one /" +
                                    std::to_string(v6 ? k_subnet_prefix6 : k_subnet_prefix4));
        }
        std::vector<sys::IpPrefix> routes = sys::or_throw(nl.list_routes(v6 ? AF_INET6 : AF_INET));
        AddressLease lease =
            sys::or_throw(lease_subnet(host.pool_dir, *pool, origin, routes, owner));
        rollback.push(UndoKind::release_id_range, lease.path, lease.token);
        sys::IpPrefix host_end = address_in(lease.subnet, 1);
        sys::IpPrefix sandbox_end = address_in(lease.subnet, 2);
        spdlog::info("network: {} from the address pool {}: host {}, sandbox {}",
                     lease.subnet.to_string(), pool->text, host_end.to_string(),
                     sandbox_end.to_string());
        plan::Cidr h{host_end.address, host_end.prefix, v6};
        plan::Cidr a{sandbox_end.address, sandbox_end.prefix, v6};
        host.host_addresses.push_back(h);
        host.sandbox_addresses.push_back(a);
        sandbox.addresses.push_back(a);
        sandbox.default_routes.push_back(plan::RouteOp{h.address, v6});
        out.push_back(std::move(lease));
    }
    return out;
}

sys::NatRuleset nat_ruleset_for(const plan::NetHostPlan& plan) {
    sys::NatRuleset rs;
    rs.table = plan.nft_table;
    rs.interface = plan.host_name;
    rs.masquerade = plan.nat;
    for (const plan::Cidr& cidr : plan.sandbox_addresses) {
        rs.sources.push_back({cidr.address, cidr.v6});
        rs.dnat_targets.push_back({cidr.address, cidr.v6});
    }
    for (const plan::PortForwardOp& port : plan.ports) {
        rs.ports.push_back(
            {port.host_port, port.sandbox_port, port.protocol == profile::Protocol::udp});
    }
    return rs;
}

void preload_nftables() {
    // The soname sys/nftables.cpp resolves its functions from; open_library keeps one handle
    // per soname for the process.
    (void)sys::open_library("libnftables.so.1");
}

HostNetwork setup_host_network(const plan::NetHostPlan& plan, pid_t child, Rollback& rollback,
                               const std::string& forwarding_dir) {
    HostNetwork out;
    if (plan.mode != profile::NetworkMode::veth) {
        return out;
    }
    sys::Netlink nl = sys::or_throw(sys::Netlink::open());
    check_name_free(nl, plan);
    check_addresses_free(nl, plan);

    sys::or_throw(nl.create_veth({plan.host_name, plan.peer_name, child, plan.mtu}));
    // The owner of the peer's netns (pid and start time): once it is gone, delete_link leaves
    // the pair to the kernel.
    rollback.push(UndoKind::delete_link, plan.host_name,
                  std::to_string(child) + " " + process_start_time(child));
    for (const plan::Cidr& cidr : plan.host_addresses) {
        sys::or_throw(nl.add_address(plan.host_name, to_prefix(cidr)));
    }
    sys::or_throw(nl.change_link(plan.host_name, {.new_name = {}, .mtu = {}, .up = true}));
    bool v4_sandbox = false;
    for (const plan::Cidr& cidr : plan.sandbox_addresses) {
        v4_sandbox = v4_sandbox || !cidr.v6;
    }
    if (!plan.ports.empty() && v4_sandbox) {
        // 127.0.0.1:PORT on the host reaches the sandbox: the output DNAT keeps the source
        // 127.0.0.1, which the kernel lets out of a non-loopback interface only with
        // route_localnet (nftables.cpp masquerades it to the host end's address). Per
        // interface: it goes away with the veth, nothing to undo.
        sys::or_throw(sys::write_sysctl(
            "/proc/sys/net/ipv4/conf/" + plan.host_name + "/route_localnet", "1"));
    }

    if (plan.nat || !plan.ports.empty()) {
        out.nft = sys::or_throw(sys::Nftables::open());
        sys::or_throw(sys::apply_nat_ruleset(*out.nft, nat_ruleset_for(plan)));
        rollback.push(UndoKind::delete_nft_table, "inet " + plan.nft_table);
    }

    if (plan.forwarding) {
        bool v6 = false;
        for (const plan::Cidr& cidr : plan.sandbox_addresses) {
            v6 = v6 || cidr.v6;
        }
        std::vector<std::string> sysctls = {k_ipv4_forward};
        if (v6) {
            sysctls.emplace_back(k_ipv6_forward);
        }
        for (const std::string& sysctl : sysctls) {
            const std::string undo_arg = acquire_forwarding(
                sysctl, forwarding_holder_file(forwarding_dir, sysctl), plan.host_name);
            rollback.push(UndoKind::restore_sysctl, sysctl, undo_arg);
        }
    }
    inject_late_fault();
    return out;
}

sys::Status delete_link(const std::string& name, const std::string& netns_owner) {
    if (!netns_owner.empty()) {
        // "PID STARTTIME" of the sandbox's first process, whose new netns holds the peer. Once
        // it is gone (the launcher kills and reaps it before it unwinds), so is every process
        // of the sandbox but those remove_cgroup kills next, and the kernel removes the pair
        // with the netns. RTM_DELLINK would only make us wait for that: unregistering a device
        // waits for RCU grace periods (~10-20 ms of a run that takes ~60).
        const size_t space = netns_owner.find(' ');
        const std::string pid = netns_owner.substr(0, space);
        const std::string start =
            space == std::string::npos ? std::string() : netns_owner.substr(space + 1);
        try {
            if (process_start_time(static_cast<pid_t>(std::stol(pid))) != start) {
                return {};
            }
        } catch (const std::exception&) {
            // Not a pid: an entry this version did not write; check the link below.
        }
    }
    auto nl = sys::Netlink::open();
    if (!nl) {
        return tl::unexpected(std::move(nl.error()));
    }
    auto link = nl->get_link(name);
    if (!link) {
        return tl::unexpected(std::move(link.error()));
    }
    if (!*link) {
        return {};  // the kernel already removed the pair with the sandbox's netns
    }
    auto orphaned = nl->is_orphaned_veth(**link);
    if (!orphaned) {
        return tl::unexpected(std::move(orphaned.error()));
    }
    if (*orphaned) {
        // The peer's netns is dying: the kernel removes the pair in its netns cleanup work.
        return {};
    }
    auto deleted = nl->delete_link(name);
    if (!deleted && deleted.error().err() != ENODEV) {
        return deleted;
    }
    return {};
}

sys::Status delete_nft_table(const std::string& spec) {
    const size_t space = spec.find(' ');
    const std::string family = space == std::string::npos ? "inet" : spec.substr(0, space);
    const std::string table = space == std::string::npos ? spec : spec.substr(space + 1);
    auto deleted = sys::delete_nft_table(family, table);
    if (!deleted && deleted.error().err() != ENOENT) {
        return deleted;
    }
    return {};
}

sys::Status restore_sysctl(const std::string& sysctl, const std::string& extra) {
    try {
        release_forwarding(sysctl, extra);
        return {};
    } catch (const sys::SysError& e) {
        return tl::unexpected(e);
    }
}

}  // namespace sandbox::exec::host
