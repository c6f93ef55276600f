// Network planning. Ordering constraint (docs/architecture.md §2): the host half (step 7) runs
// after id_maps, once the child's netns exists, and creates the peer directly inside it (no move:
// docs/architecture.md §8); the sandbox half (step 12) runs after pivot_root and renames/addresses
// the peer.
#include "plan/network_plan.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>

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
    if (veth.address && !is_auto(veth.address)) {
        std::optional<std::string> gw = veth.gateway;
        if (!gw && veth.host_address) {
            gw = strip_prefix(*veth.host_address);
        }
        if (gw) {
            sb.default_routes.push_back(RouteOp{*gw, false});
        }
    }
    if (veth.address6 && !is_auto(veth.address6)) {
        std::optional<std::string> gw = veth.gateway6;
        if (!gw && veth.host_address6) {
            gw = strip_prefix(*veth.host_address6);
        }
        if (gw) {
            sb.default_routes.push_back(RouteOp{*gw, true});
        }
    }
    return out;
}

}  // namespace sandbox::plan
