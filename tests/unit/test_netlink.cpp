// What the network code decides without touching the system: the nft commands for a table, the
// errno for a libnl error, address canonicalisation.
#include <netlink/errno.h>

#include <catch2/catch.hpp>

#include "sys/netlink.hpp"
#include "sys/nftables.hpp"

using namespace sandbox;

TEST_CASE("net: nft ruleset for NAT and two ports, v4 and v6", "[unit][net]") {
    sys::NatRuleset rs;
    rs.table = "sandbox-web";
    rs.interface = "sbx-web";
    rs.masquerade = true;
    rs.sources = {{"10.0.0.2", false}, {"fd00::2", true}};
    rs.dnat_targets = rs.sources;
    rs.ports = {{8080, 80, false}, {5353, 53, true}};
    CHECK(sys::render_nat_ruleset(rs) ==
          R"(create table inet sandbox-web
add chain inet sandbox-web postrouting { type nat hook postrouting priority srcnat; policy accept; }
add rule inet sandbox-web postrouting ip saddr 10.0.0.2 oifname != "sbx-web" masquerade
add rule inet sandbox-web postrouting ip6 saddr fd00::2 oifname != "sbx-web" masquerade
add rule inet sandbox-web postrouting ip saddr 127.0.0.0/8 oifname "sbx-web" masquerade
add chain inet sandbox-web prerouting { type nat hook prerouting priority dstnat; policy accept; }
add rule inet sandbox-web prerouting meta nfproto ipv4 fib daddr type local tcp dport 8080 dnat ip to 10.0.0.2:80
add rule inet sandbox-web prerouting meta nfproto ipv4 fib daddr type local udp dport 5353 dnat ip to 10.0.0.2:53
add rule inet sandbox-web prerouting meta nfproto ipv6 fib daddr type local tcp dport 8080 dnat ip6 to [fd00::2]:80
add rule inet sandbox-web prerouting meta nfproto ipv6 fib daddr type local udp dport 5353 dnat ip6 to [fd00::2]:53
add chain inet sandbox-web output { type nat hook output priority -100; policy accept; }
add rule inet sandbox-web output meta nfproto ipv4 fib daddr type local tcp dport 8080 dnat ip to 10.0.0.2:80
add rule inet sandbox-web output meta nfproto ipv4 fib daddr type local udp dport 5353 dnat ip to 10.0.0.2:53
add rule inet sandbox-web output meta nfproto ipv6 fib daddr type local tcp dport 8080 dnat ip6 to [fd00::2]:80
add rule inet sandbox-web output meta nfproto ipv6 fib daddr type local udp dport 5353 dnat ip6 to [fd00::2]:53
add chain inet sandbox-web forward { type filter hook forward priority filter; policy accept; }
add rule inet sandbox-web forward iifname "sbx-web" accept
add rule inet sandbox-web forward oifname "sbx-web" accept
)");
}

TEST_CASE("net: nft ruleset with ports only masquerades only the host loopback", "[unit][net]") {
    sys::NatRuleset rs;
    rs.table = "sandbox-p";
    rs.interface = "sbx-p";
    rs.sources = {{"10.0.0.2", false}, {"10.0.0.3", false}};
    rs.dnat_targets = rs.sources;  // only the first address of a family receives the ports
    rs.ports = {{2222, 22, false}};
    const std::string text = sys::render_nat_ruleset(rs);
    // No masquerade of the sandbox's traffic: only the host's own loopback connections, which
    // reach the sandbox through the output DNAT, take the host end's address.
    CHECK(text.find("oifname != ") == std::string::npos);
    CHECK(text.find("add rule inet sandbox-p postrouting ip saddr 127.0.0.0/8 oifname \"sbx-p\" "
                    "masquerade\n") != std::string::npos);
    CHECK(text.find("dnat ip to 10.0.0.2:22") != std::string::npos);
    CHECK(text.find("10.0.0.3") == std::string::npos);
}

TEST_CASE("net: libnl errors map to errno", "[unit][net]") {
    CHECK(sys::nl_error_to_errno(-NLE_EXIST) == EEXIST);
    CHECK(sys::nl_error_to_errno(NLE_EXIST) == EEXIST);
    CHECK(sys::nl_error_to_errno(-NLE_NODEV) == ENODEV);
    CHECK(sys::nl_error_to_errno(-NLE_PERM) == EPERM);
    CHECK(sys::nl_error_to_errno(-NLE_NOADDR) == EADDRNOTAVAIL);
    CHECK(sys::nl_error_to_errno(-NLE_OBJ_NOTFOUND) == ENOENT);
    CHECK(sys::nl_error_to_errno(-NLE_FAILURE) == EIO);
    CHECK(sys::nl_error_to_errno(0) == 0);
}

TEST_CASE("net: addresses compare in canonical form", "[unit][net]") {
    CHECK(*sys::canonical_address("fd00:0:0::0002", true) == "fd00::2");
    CHECK(*sys::canonical_address("10.0.0.1", false) == "10.0.0.1");
    auto bad = sys::canonical_address("10.0.0.300", false);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().err() == EINVAL);
    CHECK(bad.error().describe() == "parse address '10.0.0.300': Invalid argument (EINVAL)");
}
