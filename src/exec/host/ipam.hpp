#pragma once
// The address pool for veth sandboxes that name no addresses (network.veth.address absent or
// "auto"; docs/networking.md). Each such sandbox leases one subnet: a /30 from the IPv4 pool
// (default 10.88.0.0/16: host end .1, sandbox .2) and, when address6 = "auto", a /64 from the
// IPv6 pool (default the ULA fd8a:5b0c:11e7::/48: host end ::1, sandbox ::2). A subnet that
// overlaps any unicast or local route of the host (any table) is never chosen, so the pool
// steps around the host's own networks, VPNs and sandboxes with explicit addresses.
//
// Leases follow id_ranges.hpp: one file per subnet under <state root>/ip-pool/, named after
// the subnet ("10.88.0.4-30.lease"), holding "<sandbox> <pid>", flock()ed by its launcher for
// its whole life. A lease nobody holds is stale (its launcher was SIGKILLed) and is taken back
// by the next allocation, which runs under the directory's lock. The rollback entry
// (release_id_range: the same "remove the lease file if it is still ours") frees it.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "exec/host/lease_dir.hpp"
#include "plan/host_facts.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/netlink.hpp"

namespace sandbox::exec::host {

inline constexpr const char* k_default_pool4 = plan::k_default_address_pool4;
inline constexpr const char* k_default_pool6 = plan::k_default_address_pool6;
inline constexpr uint8_t k_subnet_prefix4 = plan::k_address_subnet_prefix4;
inline constexpr uint8_t k_subnet_prefix6 = plan::k_address_subnet_prefix6;

// A pool: its network and the prefix length of the subnets carved from it.
struct AddressPool {
    std::string text;  // as given, for messages ("10.88.0.0/16")
    bool v6 = false;
    std::array<uint8_t, 16> base{};  // network address (v4 in the first 4 bytes)
    uint8_t prefix = 0;
    uint8_t subnet_prefix = 0;
    uint64_t subnet_count() const { return uint64_t{1} << (subnet_prefix - prefix); }
};

// "10.88.0.0/16" -> a pool of /30s; "fd00:1::/48" -> a pool of /64s. nullopt when it does not
// parse, has host bits set, or is smaller than one subnet or larger than 2^24 subnets.
std::optional<AddressPool> parse_pool(std::string_view text, bool v6);

// Subnet `index` of the pool, and address number `host` inside it ("10.88.0.4"+1 ->
// "10.88.0.5/30").
sys::IpPrefix subnet_at(const AddressPool& pool, uint64_t index);
sys::IpPrefix address_in(const sys::IpPrefix& subnet, uint32_t host);

// True when the two prefixes share an address (same family assumed).
bool prefixes_overlap(const sys::IpPrefix& a, const sys::IpPrefix& b);

// The lowest subnet of the pool overlapping none of `taken` (routes with prefix 0, default
// routes, are ignored: they cover everything). Pure: the unit tests drive it.
std::optional<sys::IpPrefix> choose_subnet(const AddressPool& pool,
                                           const std::vector<sys::IpPrefix>& taken);

// path = <dir>/<subnet>-<prefix>.lease.
struct AddressLease : HeldLease {
    sys::IpPrefix subnet;
};

// Leases a subnet of `pool` for `owner` (the sandbox name) avoiding `routes` and every live
// lease in `dir` (created 0700 if missing; stale leases removed first). ENOSPC naming the pool,
// `pool_origin` and the sandboxes holding its subnets when nothing is free.
sys::Result<AddressLease> lease_subnet(const std::string& dir, const AddressPool& pool,
                                       const std::string& pool_origin,
                                       const std::vector<sys::IpPrefix>& routes,
                                       const std::string& owner);

// The subnets of the live leases in `dir` (for tests); stale ones skipped.
std::vector<sys::IpPrefix> live_subnet_leases(const std::string& dir);

}  // namespace sandbox::exec::host
