// The address pool (exec/host/ipam.hpp): carving, overlap with the host's routes, leases under
// a lock, stale leases taken back, exhaustion naming the holders; and read_host_dns.
#include <sys/file.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "exec/host/ipam.hpp"
#include "exec/host/network.hpp"
#include "support/temp_dir.hpp"

using namespace sandbox;
using exec::host::AddressPool;
using sys::IpPrefix;

namespace {

IpPrefix v4(const std::string& address, uint8_t prefix) {
    return IpPrefix{address, prefix, false};
}

AddressPool pool4(const std::string& text) {
    auto pool = exec::host::parse_pool(text, false);
    REQUIRE(pool);
    return *pool;
}

}  // namespace

TEST_CASE("ipam: pools parse and carve into /30s and /64s", "[unit][ipam]") {
    AddressPool p = pool4("10.88.0.0/16");
    CHECK(p.subnet_count() == 16384);
    CHECK(exec::host::subnet_at(p, 0).to_string() == "10.88.0.0/30");
    CHECK(exec::host::subnet_at(p, 1).to_string() == "10.88.0.4/30");
    CHECK(exec::host::subnet_at(p, 16383).to_string() == "10.88.255.252/30");
    CHECK(exec::host::address_in(exec::host::subnet_at(p, 1), 1).to_string() == "10.88.0.5/30");
    CHECK(exec::host::address_in(exec::host::subnet_at(p, 1), 2).to_string() == "10.88.0.6/30");
    auto p6 = exec::host::parse_pool(exec::host::k_default_pool6, true);
    REQUIRE(p6);
    CHECK(p6->subnet_count() == 65536);
    CHECK(exec::host::subnet_at(*p6, 1).to_string() == "fd8a:5b0c:11e7:1::/64");
    CHECK(exec::host::address_in(exec::host::subnet_at(*p6, 1), 2).address ==
          "fd8a:5b0c:11e7:1::2");
    // Host bits set, too small for one subnet, too large, not an address: refused.
    CHECK_FALSE(exec::host::parse_pool("10.88.0.1/16", false));
    CHECK_FALSE(exec::host::parse_pool("10.88.0.0/31", false));
    CHECK_FALSE(exec::host::parse_pool("10.0.0.0/4", false));
    CHECK_FALSE(exec::host::parse_pool("10.88.0.0", false));
    CHECK_FALSE(exec::host::parse_pool("nope/16", false));
}

TEST_CASE("ipam: the chosen subnet skips every routed network but not the default route",
          "[unit][ipam]") {
    AddressPool p = pool4("10.88.0.0/16");
    CHECK(exec::host::choose_subnet(p, {})->to_string() == "10.88.0.0/30");
    // A default route covers everything and reserves nothing; other families are ignored.
    CHECK(exec::host::choose_subnet(p, {v4("0.0.0.0", 0), IpPrefix{"::", 0, true}})->to_string() ==
          "10.88.0.0/30");
    // The host's own /24 in the pool, a /32 local address and a sandbox's /30.
    std::vector<IpPrefix> routes = {v4("10.88.0.0", 24), v4("10.88.1.1", 32), v4("10.88.1.4", 30),
                                    v4("192.168.1.0", 24)};
    CHECK(exec::host::choose_subnet(p, routes)->to_string() == "10.88.1.8/30");
    // A route covering the whole pool (a VPN's 10.0.0.0/8) leaves nothing.
    CHECK_FALSE(exec::host::choose_subnet(p, {v4("10.0.0.0", 8)}));
    CHECK(exec::host::prefixes_overlap(v4("10.88.0.4", 30), v4("10.88.0.6", 32)));
    CHECK_FALSE(exec::host::prefixes_overlap(v4("10.88.0.4", 30), v4("10.88.0.8", 30)));
}

TEST_CASE("ipam: leases are distinct, stale ones come back, exhaustion names the holders",
          "[unit][ipam]") {
    test::TempDir dir;
    std::string leases = dir / "ip-pool";
    AddressPool p = pool4("10.88.0.0/29");  // two /30s
    auto a = exec::host::lease_subnet(leases, p, "test pool", {}, "job-a");
    REQUIRE(a);
    auto b = exec::host::lease_subnet(leases, p, "test pool", {}, "job-b");
    REQUIRE(b);
    CHECK(a->subnet.to_string() == "10.88.0.0/30");
    CHECK(b->subnet.to_string() == "10.88.0.4/30");
    CHECK(exec::host::live_subnet_leases(leases).size() == 2);

    auto c = exec::host::lease_subnet(leases, p, "test pool", {}, "job-c");
    REQUIRE_FALSE(c);
    CHECK(c.error().err() == ENOSPC);
    std::string text = c.error().describe();
    CHECK(text.find("10.88.0.0/29") != std::string::npos);
    CHECK(text.find("job-a") != std::string::npos);
    CHECK(text.find("job-b") != std::string::npos);

    // job-a's launcher dies (its lock fd closes): the next lease takes the subnet back.
    a->lock.reset();
    auto d = exec::host::lease_subnet(leases, p, "test pool", {}, "job-d");
    REQUIRE(d);
    CHECK(d->subnet.to_string() == "10.88.0.0/30");
    CHECK(exec::host::live_subnet_leases(leases).size() == 2);
}

TEST_CASE("ipam: host DNS skips a loopback stub for systemd-resolved's upstream list",
          "[unit][ipam]") {
    test::TempDir dir;
    std::string etc = dir / "resolv.conf";
    std::string upstream = dir / "upstream.conf";
    test::write_file(etc, "# stub\nnameserver 127.0.0.53\noptions edns0 trust-ad\nsearch corp\n");
    test::write_file(upstream, "nameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch corp\n");
    auto dns = exec::host::read_host_dns(etc, upstream);
    REQUIRE(dns.resolv_conf);
    CHECK(*dns.resolv_conf == "nameserver 192.0.2.53\nnameserver 2001:db8::53\nsearch corp\n");
    CHECK(dns.source == upstream);

    test::write_file(etc, "nameserver 198.51.100.1\nnameserver 127.0.0.1\n");
    dns = exec::host::read_host_dns(etc, upstream);
    REQUIRE(dns.resolv_conf);
    CHECK(*dns.resolv_conf == "nameserver 198.51.100.1\n");

    test::write_file(etc, "nameserver 127.0.0.53\n");
    dns = exec::host::read_host_dns(etc, dir / "missing.conf");
    CHECK_FALSE(dns.resolv_conf);
    CHECK(dns.note.find("loopback") != std::string::npos);
}
