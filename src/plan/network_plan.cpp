// Network planning. Ordering constraint (docs/architecture.md §2): the host half (step 7) runs
// after id_maps, once the child's netns exists, and creates the peer directly inside it (no move:
// docs/architecture.md §8); the sandbox half (step 12) runs after pivot_root and renames/addresses
// the peer.
#include "plan/network_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdio>

#include "plan/describe.hpp"
#include "profile/enum_names.hpp"

namespace sandbox::plan {

namespace {

uint32_t fnv1a(std::string_view text) {
    uint32_t hash = 2166136261u;
    for (unsigned char c : text) {
        hash ^= c;
        hash *= 16777619u;
    }
    return hash;
}

std::string hash5(std::string_view text) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%05x", fnv1a(text) & 0xfffffu);
    return buf;
}

std::string sanitize_prefix(std::string_view name, size_t length) {
    std::string out;
    for (char c : name.substr(0, length)) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '.' || c == '-';
        out += ok ? c : '_';
    }
    return out;
}

std::string strip_prefix(const std::string& cidr) {
    return cidr.substr(0, cidr.find('/'));
}

}  // namespace

Cidr parse_cidr(std::string_view text) {
    Cidr out;
    size_t slash = text.find('/');
    out.address = std::string(text.substr(0, slash));
    out.v6 = out.address.find(':') != std::string::npos;
    out.prefix = out.v6 ? 128 : 32;
    if (slash != std::string_view::npos) {
        std::string_view digits = text.substr(slash + 1);
        unsigned value = 0;
        auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
        if (ec == std::errc{} && end == digits.data() + digits.size() && value <= out.prefix) {
            out.prefix = static_cast<uint8_t>(value);
        }
    }
    return out;
}

std::string default_veth_host_name(std::string_view sandbox_name) {
    return "sbx-" + sanitize_prefix(sandbox_name, 5) + "-" + hash5(sandbox_name);
}

std::string veth_peer_temp_name(std::string_view sandbox_name) {
    return "sbp-" + sanitize_prefix(sandbox_name, 5) + "-" + hash5(sandbox_name);
}

NetworkPlans plan_network(const profile::Profile& profile, bool net_ns_new) {
    NetworkPlans out;
    const profile::Network& net = profile.network;
    out.host.mode = net.mode;
    if (!net_ns_new) {
        // The host's (or a joined) network namespace: nothing to set up on either side.
        return out;
    }
    // A fresh netns has only `lo`, and it is down.
    out.sandbox.loopback_up = true;
    auto set_sysctl = [&](const std::string& key, const std::string& value) {
        std::string path = "/proc/sys/" + key;
        std::replace(path.begin() + 10, path.end(), '.', '/');
        for (auto& [p, v] : out.sandbox.sysctls) {
            if (p == path) {
                v = value;
                return;
            }
        }
        out.sandbox.sysctls.emplace_back(path, value);
    };
    set_sysctl("net.ipv4.ping_group_range", "0 2147483647");
    for (const auto& [key, value] : net.sysctls) {
        set_sysctl(key, value);
    }
    if (net.mode != profile::NetworkMode::veth) {
        return out;
    }
    const profile::Veth& veth = net.veth;
    NetHostPlan& host = out.host;
    host.host_name = veth.host_name.value_or(default_veth_host_name(profile.name));
    host.peer_name = veth_peer_temp_name(profile.name);
    host.mtu = veth.mtu;
    host.nat = veth.nat;
    // NAT routes the sandbox's traffic out; a port forward routes other machines' connections
    // in (DNAT in prerouting, then the forward path). Both are forwarded packets.
    host.forwarding = veth.forwarding || veth.nat || !net.ports.empty();
    // The pool serves v4 unless the profile wrote an address of its own: an explicit
    // address or host_address, or an IPv6-only pair (address6 written out, no v4 key).
    auto is_auto = [](const std::optional<std::string>& a) { return a && *a == "auto"; };
    bool v6_explicit = veth.address6 && !is_auto(veth.address6);
    host.pool_v4 = is_auto(veth.address) ||
                   (!veth.address && !veth.host_address && !veth.gateway && !v6_explicit);
    host.pool_v6 = is_auto(veth.address6);
    for (const auto& a : {veth.host_address, veth.host_address6}) {
        if (a && !is_auto(a)) {
            host.host_addresses.push_back(parse_cidr(*a));
        }
    }
    for (const auto& a : {veth.address, veth.address6}) {
        if (a && !is_auto(a)) {
            host.sandbox_addresses.push_back(parse_cidr(*a));
        }
    }
    for (const profile::PortForward& p : net.ports) {
        host.ports.push_back(PortForwardOp{p.host, p.sandbox, p.protocol});
    }
    if (host.nat || !host.ports.empty()) {
        host.nft_table = "sandbox-" + profile.name;
    }

    NetSandboxPlan& sb = out.sandbox;
    sb.interface_name = veth.name;
    sb.peer_name = host.peer_name;
    sb.addresses = host.sandbox_addresses;
    sb.mtu = veth.mtu;
    // Default gateway: the host end's address, unless the profile names one.
    auto default_route = [&sb, &is_auto](const std::optional<std::string>& address,
                                         const std::optional<std::string>& gateway,
                                         const std::optional<std::string>& host_address,
                                         bool ipv6) {
        if (!address || is_auto(address)) {
            return;
        }
        std::optional<std::string> gw = gateway;
        if (!gw && host_address) {
            gw = strip_prefix(*host_address);
        }
        if (gw) {
            sb.default_routes.push_back(RouteOp{*gw, ipv6});
        }
    };
    default_route(veth.address, veth.gateway, veth.host_address, false);
    default_route(veth.address6, veth.gateway6, veth.host_address6, true);
    return out;
}

namespace {

std::string_view mode_name(profile::NetworkMode m) {
    return profile::name_of(profile::k_network_mode_names, m);
}

std::string_view protocol_name(profile::Protocol p) {
    return profile::name_of(profile::k_protocol_names, p);
}

}  // namespace

StepDescription describe(const NetHostPlan& n) {
    StepDescription d{StepId::network_host, std::string(mode_name(n.mode))};
    DescJson ports = DescJson::array();
    for (const PortForwardOp& port : n.ports) {
        ports.push_back({{"host", port.host_port},
                         {"sandbox", port.sandbox_port},
                         {"protocol", protocol_name(port.protocol)}});
    }
    d.fields = {{"mode", mode_name(n.mode)},
                {"host_name", n.host_name},
                {"peer_name", n.peer_name},
                {"host_addresses", desc::cidrs(n.host_addresses)},
                {"mtu", n.mtu ? DescJson(*n.mtu) : DescJson(nullptr)},
                {"nat", n.nat},
                {"nft_table", n.nft_table},
                {"sandbox_addresses", desc::cidrs(n.sandbox_addresses)},
                {"ports", ports},
                {"forwarding", n.forwarding}};
    DescJson pools = DescJson::array();
    if (n.host_name.empty()) {
        d.lines.push_back("- nothing on the host");
        d.fields["address_pools"] = pools;
        return d;
    }
    d.lines.push_back(fmt::format("veth {} ↔ {} (peer created in the sandbox netns){}", n.host_name,
                                  n.peer_name,
                                  n.mtu ? fmt::format(" mtu {}", *n.mtu) : std::string()));
    // Pool addresses: the subnet is leased at run time (exec/host/ipam.hpp); host end .1 / ::1,
    // sandbox end .2 / ::2, and the sandbox's default route via the host end.
    for (bool v6 : {false, true}) {
        if (!(v6 ? n.pool_v6 : n.pool_v4)) {
            continue;
        }
        const std::string& pool = v6 ? n.pool6 : n.pool4;
        const std::string& origin = v6 ? n.pool6_origin : n.pool4_origin;
        uint8_t prefix = v6 ? n.pool6_subnet_prefix : n.pool4_subnet_prefix;
        d.lines.push_back(
            fmt::format("lease a /{} from {} ({}) in {}: address <{}> dev {}, sandbox <{}>", prefix,
                        pool, origin, n.pool_dir, v6 ? "subnet ::1" : "subnet .1", n.host_name,
                        v6 ? "subnet ::2" : "subnet .2"));
        pools.push_back({{"family", v6 ? "ipv6" : "ipv4"},
                         {"pool", pool},
                         {"origin", origin},
                         {"subnet_prefix", prefix},
                         {"lease_dir", n.pool_dir}});
    }
    d.fields["address_pools"] = pools;
    for (const Cidr& c : n.host_addresses) {
        d.lines.push_back(fmt::format("address {} dev {}", desc::cidr(c), n.host_name));
    }
    d.lines.push_back("link up " + n.host_name);
    if (!n.nft_table.empty()) {
        const bool pooled = n.pool_v4 || n.pool_v6;
        d.lines.push_back("nft table inet " + n.nft_table);
        if (n.nat) {
            for (const Cidr& c : n.sandbox_addresses) {
                d.lines.push_back("  masquerade from " + desc::cidr(c));
            }
            if (pooled) {
                d.lines.push_back("  masquerade from the leased sandbox address");
            }
        }
        for (const PortForwardOp& port : n.ports) {
            for (const Cidr& c : n.sandbox_addresses) {
                d.lines.push_back(fmt::format(
                    "  dnat {} {} → {}{}{}:{}", protocol_name(port.protocol), port.host_port,
                    c.v6 ? "[" : "", c.address, c.v6 ? "]" : "", port.sandbox_port));
            }
            if (pooled) {
                d.lines.push_back(fmt::format("  dnat {} {} → <leased sandbox address>:{}",
                                              protocol_name(port.protocol), port.host_port,
                                              port.sandbox_port));
            }
        }
    }
    if (n.forwarding) {
        d.lines.push_back("sysctl net.ipv4.ip_forward = 1 (restored after the run)");
    }
    return d;
}

StepDescription describe(const NetSandboxPlan& n) {
    StepDescription d{StepId::network_sandbox};
    DescJson routes = DescJson::array();
    for (const RouteOp& r : n.default_routes) {
        routes.push_back({{"gateway", r.gateway}, {"v6", r.v6}});
    }
    DescJson sysctls = DescJson::array();
    for (const auto& [path, value] : n.sysctls) {
        sysctls.push_back({{"path", path}, {"value", value}});
    }
    d.fields = {{"loopback_up", n.loopback_up},
                {"interface_name", n.interface_name},
                {"peer_name", n.peer_name},
                {"addresses", desc::cidrs(n.addresses)},
                {"mtu", n.mtu ? DescJson(*n.mtu) : DescJson(nullptr)},
                {"default_routes", routes},
                {"sysctls", sysctls}};
    if (!n.loopback_up) {
        d.lines.push_back("- no network namespace of our own");
        return d;
    }
    // Written in the new netns (network.sysctls, and the ping_group_range default).
    for (const auto& [path, value] : n.sysctls) {
        d.lines.push_back(fmt::format("write {} = \"{}\"", path, value));
    }
    d.lines.push_back("link up lo");
    if (n.interface_name.empty()) {
        return d;
    }
    d.lines.push_back(fmt::format("rename {} → {}", n.peer_name, n.interface_name));
    if (n.mtu) {
        d.lines.push_back(fmt::format("mtu {} dev {}", *n.mtu, n.interface_name));
    }
    for (const Cidr& c : n.addresses) {
        d.lines.push_back(fmt::format("address {} dev {}", desc::cidr(c), n.interface_name));
    }
    d.lines.push_back("link up " + n.interface_name);
    for (const RouteOp& r : n.default_routes) {
        d.lines.push_back(fmt::format("route {} default via {} dev {}", r.v6 ? "-6" : "-4",
                                      r.gateway, n.interface_name));
    }
    return d;
}

}  // namespace sandbox::plan
