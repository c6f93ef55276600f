#pragma once
// What the planner needs to know about the host. Filled by read-only probes in exec/
// (exec/host_probe.cpp); unit tests make these up, so v1 and v2 plans are both tested here.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sandbox::plan {

enum class CgroupVersion { none, v1, v2, hybrid };

// The address pools of veth sandboxes without addresses (exec/host/ipam.hpp leases from them)
// and the prefix of the subnet each sandbox gets.
// Root's state root (the one an unprivileged caller gets is per-user: exec/host_probe.cpp).
inline constexpr const char* k_system_state_root = "/run/sandbox";
inline constexpr const char* k_default_address_pool4 = "10.88.0.0/16";
inline constexpr const char* k_default_address_pool6 = "fd8a:5b0c:11e7::/48";
inline constexpr uint8_t k_address_subnet_prefix4 = 30;
inline constexpr uint8_t k_address_subnet_prefix6 = 64;

struct SubIdRange {
    uint32_t start = 0;
    uint32_t count = 0;
};

// Kernel features the launcher uses, probed once at start-up (exec/host_probe.cpp) with calls
// that change nothing; docs/architecture.md "Kernel floor" lists the version each needs and what
// happens without it (plan/kernel_plan.cpp decides). Fakes default to a kernel with everything.
struct KernelFeatures {
    std::string release;              // uname -r; empty = not probed (unit tests)
    bool clone3 = true;               // 5.3
    bool clone_into_cgroup = true;    // 5.7
    bool openat2 = true;              // 5.6
    bool close_range = true;          // 5.9
    bool close_range_cloexec = true;  // 5.11 (CLOSE_RANGE_CLOEXEC)
    bool mount_setattr = true;        // 5.12
    bool time_namespace = true;       // 5.6
};

// The facts whose probes cost more than a system call or two, and that a plan reads only for
// some profiles: `up` probes them only when plan::facts_needed says its plan reads them (about
// 0.1 ms each, on every start-up that did not), `ps`, `down` and `exec` never (they need only
// the state root). Left out, they say "nothing found" as noted below (own_cgroup_delegated
// keeps its default: nothing reads it without a cgroup layout); explain, export and the unit
// tests' fakes have all of them.
struct FactsNeeded {
    bool cgroups = true;          // cgroup_version (none when left out) .. own_cgroup_delegated
    bool subordinate_ids = true;  // subuid, subgid, subid_entries (empty when left out)
};

struct HostFacts {
    CgroupVersion cgroup_version = CgroupVersion::v2;
    std::string cgroup_root = "/sys/fs/cgroup";  // v2 mount, or the v1 tmpfs holding hierarchies
    std::map<std::string, std::string>
        v1_controllers;                       // "memory" -> "/sys/fs/cgroup/memory" (v1/hybrid)
    std::vector<std::string> v2_controllers;  // in cgroup.controllers of the v2 root
    std::string own_cgroup;                   // the launcher's v2 cgroup, "/user.slice/..."
    // Rootless v2: the caller may create groups next to own_cgroup and enable controllers
    // there (a subtree delegated to it: systemd's user@UID.service, `systemd-run --user
    // --scope -p Delegate=yes`). Probed with access(W_OK); fakes default to delegated.
    bool own_cgroup_delegated = true;
    uint32_t uid = 0;  // caller
    uint32_t gid = 0;
    std::optional<SubIdRange> subuid;  // from /etc/subuid for the caller
    std::optional<SubIdRange> subgid;
    // Every entry of /etc/subuid and /etc/subgid, whoever it belongs to: uid_map = "auto"
    // never hands out an id one of them covers.
    std::vector<SubIdRange> subid_entries;
    // Where uid_map = "auto" takes ranges from as root: $SANDBOX_ID_POOL ("START:COUNT"),
    // else 0x70000000 .. 0x7FFDFFFF (4094 blocks of 65536): above useradd's subordinate ranges
    // (100000 + 65536·n) and systemd-nspawn's --private-users=pick range (up to 0x6FFFFFFF),
    // below systemd's foreign range (0x7FFE0000) and the ids >= 2^31 that signed-int software
    // mishandles (systemd's UIDS-GIDS.md).
    SubIdRange id_pool{0x70000000U, 0x0FFE0000U};
    std::string id_pool_origin = "default pool";
    // network.veth.address absent or "auto": $SANDBOX_ADDRESS_POOL / $SANDBOX_ADDRESS_POOL6 when
    // set, else the defaults above (for explain; the lease is taken at run time).
    std::string address_pool4 = k_default_address_pool4;
    std::string address_pool4_origin = "the default pool";
    std::string address_pool6 = k_default_address_pool6;
    std::string address_pool6_origin = "the default pool";
    std::string state_root = k_system_state_root;   // rootless: $XDG_RUNTIME_DIR/sandbox
    std::string cache_root = "/var/cache/sandbox";  // rootless: $XDG_CACHE_HOME/sandbox
    std::string cwd = "/";                          // launcher's cwd (for default names)
    // process.tty = "auto" gives a pty only when both are terminals: output piped or
    // redirected from an interactive shell must not get CRLF line endings.
    bool stdin_is_tty = false;
    bool stdout_is_tty = false;
    // landlock_create_ruleset(LANDLOCK_CREATE_RULESET_VERSION): 0 = no Landlock in this
    // kernel (not built in, or not in lsm=); -1 = not probed (the run fails closed).
    int landlock_abi = -1;
    // The name servers a veth sandbox without network.dns gets: the host's /etc/resolv.conf,
    // or systemd-resolved's upstream list when that points at a loopback stub; loopback
    // servers left out (unreachable from another netns). nullopt: not read, or none usable
    // (exec/host/network.hpp: read_host_dns).
    std::optional<std::string> host_resolv_conf;
    KernelFeatures kernel;
    bool is_root() const { return uid == 0; }
};

}  // namespace sandbox::plan
