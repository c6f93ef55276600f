#include "exec/host/ipam.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "exec/host/lease_dir.hpp"

namespace sandbox::exec::host {

namespace {

// 128-bit arithmetic covers both families (-Wpedantic: a GNU extension).
__extension__ typedef unsigned __int128 U128;

constexpr const char* k_suffix = ".lease";

int width(bool v6) {
    return v6 ? 128 : 32;
}

std::optional<U128> to_number(const std::string& address, bool v6) {
    unsigned char bytes[16] = {};
    if (inet_pton(v6 ? AF_INET6 : AF_INET, address.c_str(), bytes) != 1) {
        return std::nullopt;
    }
    U128 out = 0;
    for (int i = 0; i < (v6 ? 16 : 4); ++i) {
        out = (out << 8) | bytes[i];
    }
    return out;
}

std::string to_text(U128 number, bool v6) {
    unsigned char bytes[16] = {};
    int n = v6 ? 16 : 4;
    for (int i = n - 1; i >= 0; --i) {
        bytes[i] = static_cast<unsigned char>(number & 0xff);
        number >>= 8;
    }
    char text[INET6_ADDRSTRLEN] = {};
    inet_ntop(v6 ? AF_INET6 : AF_INET, bytes, text, sizeof text);
    return text;
}

// "10.88.0.4-30.lease" -> 10.88.0.4/30; nullopt for anything else.
std::optional<sys::IpPrefix> parse_lease_name(const std::string& name) {
    size_t dash = name.rfind('-');
    if (dash == std::string::npos || name.size() <= std::strlen(k_suffix) ||
        name.compare(name.size() - std::strlen(k_suffix), std::string::npos, k_suffix) != 0) {
        return std::nullopt;
    }
    sys::IpPrefix out;
    out.address = name.substr(0, dash);
    out.v6 = out.address.find(':') != std::string::npos;
    std::string digits = name.substr(dash + 1, name.size() - std::strlen(k_suffix) - dash - 1);
    unsigned prefix = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc{} || end != digits.data() + digits.size() ||
        prefix > static_cast<unsigned>(width(out.v6)) || !to_number(out.address, out.v6)) {
        return std::nullopt;
    }
    out.prefix = static_cast<uint8_t>(prefix);
    return out;
}

struct LiveLease {
    sys::IpPrefix subnet;
    std::string owner;
};

bool is_subnet_lease(const std::string& name) {
    return parse_lease_name(name).has_value();
}

std::vector<LiveLease> subnets_of(const std::vector<LeaseFile>& files) {
    std::vector<LiveLease> out;
    for (const LeaseFile& f : files) {
        out.push_back(LiveLease{*parse_lease_name(f.name), f.owner});
    }
    return out;
}

}  // namespace

std::optional<AddressPool> parse_pool(std::string_view text, bool v6) {
    size_t slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    AddressPool pool;
    pool.text = std::string(text);
    pool.v6 = v6;
    pool.subnet_prefix = v6 ? k_subnet_prefix6 : k_subnet_prefix4;
    std::string_view digits = text.substr(slash + 1);
    unsigned prefix = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), prefix);
    if (ec != std::errc{} || end != digits.data() + digits.size() || prefix > pool.subnet_prefix ||
        pool.subnet_prefix - prefix > 24) {
        return std::nullopt;
    }
    pool.prefix = static_cast<uint8_t>(prefix);
    auto number = to_number(std::string(text.substr(0, slash)), v6);
    if (!number) {
        return std::nullopt;
    }
    int host_bits = width(v6) - pool.prefix;
    if (host_bits > 0 && host_bits < 128 && (*number & ((U128{1} << host_bits) - 1)) != 0) {
        return std::nullopt;  // "10.88.0.1/16": host bits set, probably a typo
    }
    for (int i = (v6 ? 16 : 4) - 1; i >= 0; --i) {
        pool.base[static_cast<size_t>(i)] = static_cast<uint8_t>(*number & 0xff);
        *number >>= 8;
    }
    return pool;
}

sys::IpPrefix subnet_at(const AddressPool& pool, uint64_t index) {
    U128 base = 0;
    for (int i = 0; i < (pool.v6 ? 16 : 4); ++i) {
        base = (base << 8) | pool.base[static_cast<size_t>(i)];
    }
    U128 number = base + (U128{index} << (width(pool.v6) - pool.subnet_prefix));
    return sys::IpPrefix{to_text(number, pool.v6), pool.subnet_prefix, pool.v6};
}

sys::IpPrefix address_in(const sys::IpPrefix& subnet, uint32_t host) {
    U128 number = to_number(subnet.address, subnet.v6).value_or(0) + host;
    return sys::IpPrefix{to_text(number, subnet.v6), subnet.prefix, subnet.v6};
}

bool prefixes_overlap(const sys::IpPrefix& a, const sys::IpPrefix& b) {
    auto na = to_number(a.address, a.v6);
    auto nb = to_number(b.address, b.v6);
    if (!na || !nb || a.v6 != b.v6) {
        return false;
    }
    int common = std::min(a.prefix, b.prefix);
    if (common == 0) {
        return true;
    }
    int shift = width(a.v6) - common;
    return (*na >> shift) == (*nb >> shift);
}

std::optional<sys::IpPrefix> choose_subnet(const AddressPool& pool,
                                           const std::vector<sys::IpPrefix>& taken) {
    std::vector<sys::IpPrefix> relevant;
    sys::IpPrefix whole{subnet_at(pool, 0).address, pool.prefix, pool.v6};
    for (const sys::IpPrefix& t : taken) {
        // A default route covers everything and reserves nothing.
        if (t.v6 == pool.v6 && t.prefix > 0 && prefixes_overlap(t, whole)) {
            relevant.push_back(t);
        }
    }
    for (uint64_t i = 0; i < pool.subnet_count(); ++i) {
        sys::IpPrefix candidate = subnet_at(pool, i);
        bool clash = std::any_of(relevant.begin(), relevant.end(), [&](const sys::IpPrefix& t) {
            return prefixes_overlap(t, candidate);
        });
        if (!clash) {
            return candidate;
        }
    }
    return std::nullopt;
}

sys::Result<AddressLease> lease_subnet(const std::string& dir, const AddressPool& pool,
                                       const std::string& pool_origin,
                                       const std::vector<sys::IpPrefix>& routes,
                                       const std::string& owner) {
    AddressLease lease;
    auto held =
        take_lease(dir, "address leases", owner, [&](int dir_fd) -> sys::Result<std::string> {
            std::vector<LiveLease> live =
                subnets_of(scan_lease_files(dir_fd, true, is_subnet_lease));
            std::vector<sys::IpPrefix> taken = routes;
            for (const LiveLease& l : live) {
                taken.push_back(l.subnet);
            }
            auto subnet = choose_subnet(pool, taken);
            if (!subnet) {
                std::string holders;
                size_t shown = 0;
                for (const LiveLease& l : live) {
                    if (l.subnet.v6 != pool.v6) {
                        continue;
                    }
                    if (shown++ < 10) {
                        holders += (holders.empty() ? "" : ", ") + l.owner;
                    }
                }
                if (shown > 10) {
                    holders += " and " + std::to_string(shown - 10) + " more";
                }
                return sys::fail_with(
                    ENOSPC, "allocate address", {}, {},
                    "no free /" + std::to_string(pool.subnet_prefix) + " in the address pool " +
                        pool.text + " (" + pool_origin + "): " + std::to_string(shown) +
                        " held by running sandboxes" +
                        (holders.empty() ? "" : " (" + holders + ")") +
                        ", the rest routed on the host; stop some, or set " +
                        std::string(pool.v6 ? "SANDBOX_ADDRESS_POOL6" : "SANDBOX_ADDRESS_POOL") +
                        " to a larger pool");
            }
            lease.subnet = *subnet;
            return subnet->address + "-" + std::to_string(subnet->prefix) + k_suffix;
        });
    if (!held) {
        return tl::unexpected(held.error());
    }
    static_cast<HeldLease&>(lease) = std::move(*held);
    return lease;
}

std::vector<sys::IpPrefix> live_subnet_leases(const std::string& dir) {
    std::vector<sys::IpPrefix> out;
    for (const LiveLease& l : subnets_of(live_lease_files(dir, is_subnet_lease))) {
        out.push_back(l.subnet);
    }
    return out;
}

}  // namespace sandbox::exec::host
