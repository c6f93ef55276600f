// The profile checker's rules for namespaces, id maps, network, limits, seccomp, capabilities
// and security (profile/check_detail.hpp; the rest is in profile/check.cpp).
#include <arpa/inet.h>

#include <algorithm>
#include <set>

#include "common/units.hpp"
#include "profile/check_detail.hpp"
#include "profile/enum_names.hpp"

namespace sandbox::profile::check_detail {

void Checker::namespaces() {
    const Namespaces& ns = m_profile.namespaces;
    if (ns.mount.mode == NamespaceSetting::Mode::host) {
        error("namespaces.mount", "the sandbox needs its own mount namespace",
              "remove namespaces.mount = false");
    }
    if (m_profile.uts.hostname || m_profile.uts.domainname) {
        std::string key = m_profile.uts.hostname ? "uts.hostname" : "uts.domainname";
        if (ns.uts.mode == NamespaceSetting::Mode::host) {
            error(key, "setting the host name needs a new uts namespace",
                  "remove namespaces.uts = false");
        } else if (is_join(ns.uts)) {
            error(key, "cannot set the host name of a joined uts namespace");
        }
    }
    if (m_profile.uts.hostname) {
        if (std::string why = hostname_problem(*m_profile.uts.hostname); !why.empty()) {
            error("uts.hostname", why);
        }
    }
    if (m_profile.uts.domainname) {
        const std::string& d = *m_profile.uts.domainname;
        if (d.empty() || d.size() > 64 || std::any_of(d.begin(), d.end(), [](unsigned char ch) {
                return std::isspace(ch) || ch == '/';
            })) {
            error("uts.domainname",
                  "domain name " + quoted(d) + " must be 1 to 64 characters without spaces");
        }
    }
    const std::string other_map = m_profile.uid_map_auto ? "gid_map" : "uid_map";
    bool other_refused =
        std::any_of(m_decode_errors.begin(), m_decode_errors.end(),
                    [&](const std::string& refused) { return related(refused, other_map); });
    if (m_profile.uid_map_auto != m_profile.gid_map_auto && !other_refused) {
        error(m_profile.uid_map_auto ? "uid_map" : "gid_map",
              "uid_map = 'auto' and gid_map = 'auto' go together (one range serves both)",
              std::string("set ") + (m_profile.uid_map_auto ? "gid_map" : "uid_map") +
                  " = 'auto' as well");
    }
    if (!m_profile.uid_map.empty() || !m_profile.gid_map.empty() || m_profile.uid_map_auto ||
        m_profile.gid_map_auto) {
        std::string key =
            m_profile.uid_map.empty() && !m_profile.uid_map_auto ? "gid_map" : "uid_map";
        if (ns.user && ns.user->mode == NamespaceSetting::Mode::host) {
            error(key, "id maps need a new user namespace",
                  "remove namespaces.user = false, or the maps");
        } else if (ns.user && is_join(*ns.user)) {
            error(key, "cannot write id maps for a joined user namespace");
        }
    }
    const NetworkMode mode = m_profile.network.mode;
    if (mode == NetworkMode::veth) {
        if (ns.net.mode == NamespaceSetting::Mode::host) {
            error("network.mode", "network.mode = 'veth' needs a new net namespace",
                  "remove namespaces.net = false");
        } else if (is_join(ns.net)) {
            error("network.mode", "cannot add a veth pair to a joined net namespace");
        }
    } else if (mode == NetworkMode::none && ns.net.mode == NamespaceSetting::Mode::host) {
        error("namespaces.net", "network.mode = 'none' needs a new net namespace",
              "use network.mode = 'host' to share the host's network");
    } else if (mode == NetworkMode::host && written("namespaces.net") &&
               ns.net.mode != NamespaceSetting::Mode::host) {
        error("namespaces.net", "network.mode = 'host' uses the host's net namespace",
              "remove namespaces.net, or use network.mode = 'veth'");
    }
}

void Checker::mapped_identity() {
    const Namespaces& ns = m_profile.namespaces;
    bool user_ns = m_profile.uid_map_auto || m_profile.gid_map_auto || !m_profile.uid_map.empty() ||
                   !m_profile.gid_map.empty() ||
                   (ns.user && ns.user->mode == NamespaceSetting::Mode::create);
    if (!user_ns || (ns.user && ns.user->mode != NamespaceSetting::Mode::create)) {
        return;  // the host's or a joined user namespace: its maps are not ours to know
    }
    auto inside = [](bool is_auto, const std::vector<IdMapRange>& maps) {
        std::vector<IdMapRange> out = maps;
        if (is_auto) {
            out = {IdMapRange{0, 0, 65536}};
        } else if (out.empty()) {
            out = {IdMapRange{0, 0, 1}};  // the default: root inside is the caller
        }
        return out;
    };
    auto describe = [](const std::vector<IdMapRange>& maps) {
        std::string out;
        for (const IdMapRange& r : maps) {
            out += (out.empty() ? "" : ", ") + std::to_string(r.inside) + ".." +
                   std::to_string(uint64_t{r.inside} + r.count - 1);
        }
        return out;
    };
    auto check = [&](const std::string& key, const std::string& id, const char* map_name,
                     const std::vector<IdMapRange>& maps) {
        if (id.empty() || id.size() > 10 ||
            id.find_first_not_of("0123456789") != std::string::npos) {
            return;
        }
        uint64_t value = std::stoull(id);
        bool mapped = std::any_of(maps.begin(), maps.end(), [&](const IdMapRange& r) {
            return value >= r.inside && value - r.inside < r.count;
        });
        if (!mapped) {
            error(key,
                  "id " + id + " is not mapped in the user namespace (" + map_name + " maps " +
                      describe(maps) + " inside)",
                  std::string("map it in ") + map_name + ", or run as a mapped id");
        }
    };
    auto uids = inside(m_profile.uid_map_auto, m_profile.uid_map);
    auto gids = inside(m_profile.gid_map_auto, m_profile.gid_map);
    const Process& pr = m_profile.process;
    if (pr.user) {
        check("process.user", *pr.user, "uid_map", uids);
    }
    if (pr.group) {
        check("process.group", *pr.group, "gid_map", gids);
    }
    for (size_t i = 0; i < pr.supplementary_groups.size(); ++i) {
        check(index_path("process.supplementary_groups", i), pr.supplementary_groups[i], "gid_map",
              gids);
    }
}

void Checker::id_maps(const std::string& name, const std::vector<IdMapRange>& maps) {
    constexpr uint64_t k_limit = 1ULL << 32;
    for (size_t i = 0; i < maps.size(); ++i) {
        const IdMapRange& m = maps[i];
        std::string base = index_path(name, i);
        bool overflow = false;
        for (auto [what, start] : {std::pair{"inside", m.inside}, {"outside", m.outside}}) {
            if (uint64_t{start} + m.count > k_limit) {
                error(base + ".count", std::string(what) + " range " + std::to_string(start) +
                                           " + " + std::to_string(m.count) +
                                           " goes past 4294967295");
                overflow = true;
            }
        }
        if (overflow) {
            continue;
        }
        for (size_t j = 0; j < i; ++j) {
            const IdMapRange& o = maps[j];
            auto overlaps = [](uint64_t a, uint64_t an, uint64_t b, uint64_t bn) {
                return a < b + bn && b < a + an;
            };
            if (overlaps(m.inside, m.count, o.inside, o.count)) {
                error(base + ".inside", "inside range " + std::to_string(m.inside) + ".." +
                                            std::to_string(uint64_t{m.inside} + m.count - 1) +
                                            " overlaps " + index_path(name, j));
            }
            if (overlaps(m.outside, m.count, o.outside, o.count)) {
                error(base + ".outside", "outside range " + std::to_string(m.outside) + ".." +
                                             std::to_string(uint64_t{m.outside} + m.count - 1) +
                                             " overlaps " + index_path(name, j));
            }
        }
    }
}

void Checker::veth_addresses(const std::optional<std::string>& address,
                             const std::optional<std::string>& host_address,
                             const std::optional<std::string>& gateway, const std::string& suffix) {
    std::string a_key = "network.veth.address" + suffix;
    std::string h_key = "network.veth.host_address" + suffix;
    std::string g_key = "network.veth.gateway" + suffix;
    // "auto": the address pool chooses both ends (docs/networking.md); one end from the
    // pool and the other written out could never share a subnet.
    bool a_auto = address && *address == "auto";
    bool h_auto = host_address && *host_address == "auto";
    if (a_auto != h_auto && address && host_address) {
        error(h_key,
              "address" + suffix + " and host_address" + suffix +
                  " are either both \"auto\" or both written out",
              "leave host_address" + suffix + " out, or give both");
    } else if (h_auto && !address) {
        error(h_key, "host_address" + suffix + " = \"auto\" needs address" + suffix +
                         " = \"auto\" (or none)");
    }
    std::optional<Cidr> a = address && !a_auto ? parse_address(*address, true) : std::nullopt;
    std::optional<Cidr> h =
        host_address && !h_auto ? parse_address(*host_address, true) : std::nullopt;
    if (a && h) {
        if (same_address(*a, *h)) {
            error(h_key, "host_address" + suffix + " " + quoted(*host_address) +
                             " is the sandbox's own address");
        } else if (a->prefix != h->prefix || !in_subnet(*a, *h)) {
            error(h_key,
                  "host_address" + suffix + " " + quoted(*host_address) +
                      " is not in the subnet of address" + suffix + " " + quoted(*address),
                  "both ends of the pair need the same subnet and prefix length");
        }
    }
    if (gateway) {
        std::optional<Cidr> g = parse_address(*gateway, false);
        if (g && a && !in_subnet(*a, *g)) {
            error(g_key, "gateway" + suffix + " " + quoted(*gateway) +
                             " is not in the subnet of address" + suffix + " " + quoted(*address));
        } else if (g && a && same_address(*a, *g)) {
            error(g_key,
                  "gateway" + suffix + " " + quoted(*gateway) + " is the sandbox's own address");
        } else if (!a) {
            error(g_key, "gateway" + suffix + " needs address" + suffix);
        }
    }
}

void Checker::network() {
    const Network& n = m_profile.network;
    for (const auto& [name, address] : n.hosts) {
        if (std::string why = hostname_problem(name); !why.empty()) {
            error("network.hosts." + name, why);
        }
    }
    if (!n.hosts.empty() && !m_profile.rootfs.defaults.hosts) {
        error("rootfs.defaults.hosts", "network.hosts needs the /etc/hosts this turns off",
              "remove rootfs.defaults.hosts = false, or the network.hosts entries");
    }
    if (n.mode != NetworkMode::veth) {
        // The first veth key the user wrote, in file order.
        std::optional<std::pair<SourceLocation, std::string>> first;
        for (const auto& [key, where] : m_origins) {
            if (key.rfind("network.veth", 0) == 0 && (!first || where < first->first)) {
                first = {where, key};
            }
        }
        if (first) {
            error(first->second, "network.veth is only used with network.mode = 'veth'",
                  "remove the table (on the command line: --unset network.veth)");
        }
        if (!n.ports.empty()) {
            error("network.ports", "port forwarding needs network.mode = 'veth'");
        }
        return;
    }
    const Veth& v = n.veth;
    if (v.host_name) {
        if (std::string why = interface_name_problem(*v.host_name); !why.empty()) {
            error("network.veth.host_name", why);
        }
    }
    if (std::string why = interface_name_problem(v.name); !why.empty()) {
        error("network.veth.name", why);
    }
    if (v.name == "lo") {
        error("network.veth.name", "'lo' is the loopback interface");
    }
    veth_addresses(v.address, v.host_address, v.gateway, "");
    veth_addresses(v.address6, v.host_address6, v.gateway6, "6");
    // With no address of either family written, the address pool gives the pair its IPv4
    // subnet (plan/network_plan.cpp): nat and ports have addresses then. Only a profile
    // that writes a host end but no sandbox address has none.
    const bool pool_v4 =
        !v.address && !v.host_address && !v.gateway && !(v.address6 && *v.address6 != "auto");
    const bool no_sandbox_address = !pool_v4 && !v.address && !v.address6;
    for (size_t i = 0; i < n.ports.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
            if (n.ports[i].host == n.ports[j].host && n.ports[i].protocol == n.ports[j].protocol) {
                error(index_path("network.ports", i) + ".host",
                      "host port " + std::to_string(n.ports[i].host) +
                          " is already forwarded by network.ports[" + std::to_string(j) + "]");
            }
        }
    }
    if (v.nat && no_sandbox_address) {
        error("network.veth.nat", "nat needs an address inside the sandbox",
              "set network.veth.address, or leave the addresses out (the address pool)");
    }
    if (!n.ports.empty() && no_sandbox_address) {
        error("network.ports", "port forwarding needs network.veth.address",
              "set it, or leave the addresses out (the address pool)");
    }
}

void Checker::limits() {
    const Limits& l = m_profile.limits;
    constexpr uint64_t k_min_memory = 1ULL << 20;
    if (l.memory && l.memory->count < k_min_memory) {
        error("limits.memory", "memory limit " + units::format_size(l.memory->count) +
                                   " is below the minimum of 1MiB");
    }
}

void Checker::seccomp() {
    const Seccomp& s = m_profile.seccomp;
    for (size_t i = 0; i < s.deny.size(); ++i) {
        if (std::find(s.allow.begin(), s.allow.end(), s.deny[i]) != s.allow.end()) {
            error(index_path("seccomp.deny", i),
                  "syscall " + quoted(s.deny[i]) + " is both allowed and denied");
        }
    }
    for (size_t i = 0; i < s.rules.size(); ++i) {
        const SeccompRule& r = s.rules[i];
        std::string base = index_path("seccomp.rules", i);
        if (r.action == SeccompAction::errno_ && !r.errno_value) {
            error(base + ".action", "action 'errno' needs an errno value",
                  "add errno = 1 (EPERM) to the rule");
        } else if (r.action != SeccompAction::errno_ && r.errno_value) {
            error(base + ".errno", "errno is only used with action = 'errno'",
                  "this rule's action is " + quoted(std::string(action_name(r.action))));
        }
        if (r.names.empty()) {
            error(base + ".names", "a rule needs at least one syscall name");
        }
        for (size_t j = 0; j < r.args.size(); ++j) {
            const SeccompArg& a = r.args[j];
            std::string arg = index_path(base + ".args", j);
            if (a.op != ArgOp::masked_eq && written(arg + ".value2")) {
                error(arg + ".value2", "value2 is only used with op = 'masked_eq'");
            }
            for (size_t k = 0; k < j; ++k) {
                if (r.args[k].index == a.index) {
                    error(arg + ".index",
                          "argument " + std::to_string(a.index) + " is already compared by args[" +
                              std::to_string(k) + "]",
                          "libseccomp allows one comparison per argument in a rule");
                }
            }
        }
    }
}

void Checker::capabilities() {
    const Capabilities& c = m_profile.capabilities;
    for (size_t i = 0; i < c.ambient.size(); ++i) {
        if (std::find(c.keep.begin(), c.keep.end(), c.ambient[i]) == c.keep.end()) {
            error(index_path("capabilities.ambient", i),
                  quoted(c.ambient[i]) + " is ambient but not in capabilities.keep",
                  "add it to capabilities.keep");
        }
    }
}

void Checker::paths(const std::string& key, const std::vector<std::string>& list) {
    for (size_t i = 0; i < list.size(); ++i) {
        absolute_path(index_path(key, i), list[i]);
    }
}

void Checker::security() {
    const Security& s = m_profile.security;
    paths("security.masked_paths", s.masked_paths);
    paths("security.readonly_paths", s.readonly_paths);
    paths("security.landlock.read", s.landlock.read);
    paths("security.landlock.read_write", s.landlock.read_write);
    if (!s.landlock.enabled && (!s.landlock.read.empty() || !s.landlock.read_write.empty())) {
        error(s.landlock.read.empty() ? "security.landlock.read_write" : "security.landlock.read",
              "landlock paths have no effect", "set security.landlock.enabled = true");
    }
}

}  // namespace sandbox::profile::check_detail
