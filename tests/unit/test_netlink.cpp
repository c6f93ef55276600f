// What the network code decides without touching the system: the nft commands for a table, the
// errno for a libnl error, address canonicalisation, the resolv.conf/hosts contents.
#include <netlink/errno.h>

#include <catch2/catch.hpp>

#include "plan/network_files.hpp"
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

TEST_CASE("net: nft ruleset with ports only has no masquerade chain", "[unit][net]") {
    sys::NatRuleset rs;
    rs.table = "sandbox-p";
    rs.interface = "sbx-p";
    rs.sources = {{"10.0.0.2", false}, {"10.0.0.3", false}};
    rs.dnat_targets = rs.sources;  // only the first address of a family receives the ports
    rs.ports = {{2222, 22, false}};
    const std::string text = sys::render_nat_ruleset(rs);
    CHECK(text.find("postrouting") == std::string::npos);
    CHECK(text.find("masquerade") == std::string::npos);
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

TEST_CASE("net: resolv.conf and hosts for a veth sandbox", "[unit][net]") {
    profile::Profile p;
    p.name = "web";
    p.network.mode = profile::NetworkMode::veth;
    p.network.veth.address = "10.0.0.2/24";
    p.network.veth.address6 = "fd00::2/64";
    p.network.dns = {"10.0.0.1", "fd00::1"};
    p.network.hosts = {{"db", "10.0.0.9"}};
    plan::StatePlan state{"web", "/run/sandbox/web"};
    auto files = plan::make_network_files(p, state);
    REQUIRE(files.size() == 2);
    CHECK(files[0].path == "/run/sandbox/web/resolv.conf");
    CHECK(files[0].content ==
          "# written by sandbox from network.dns\nnameserver 10.0.0.1\nnameserver fd00::1\n");
    CHECK(files[1].path == "/run/sandbox/web/hosts");
    CHECK(files[1].content ==
          "# written by sandbox\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost "
          "ip6-loopback\n10.0.0.2\tweb\nfd00::2\tweb\n10.0.0.9\tdb\n");
}

TEST_CASE("net: no network files when nothing asks for them", "[unit][net]") {
    profile::Profile p;
    p.name = "plain";
    CHECK(plan::make_network_files(p, {"plain", "/run/sandbox/plain"}).empty());
    p.uts.hostname = "box";
    p.network.mode = profile::NetworkMode::veth;
    auto files = plan::make_network_files(p, {"plain", "/run/sandbox/plain"});
    REQUIRE(files.size() == 1);  // hosts only: no dns given
    CHECK(files[0].path == "/run/sandbox/plain/hosts");
}
