#pragma once
// Pipeline step 7, network_host (docs/architecture.md §2): veth pair over netlink with the peer
// created in the child's netns, host address, link up, nft NAT/port forwards, ip_forward. Runs
// after id_maps (the child's netns exists) and before release. Every creation goes on the rollback
// stack.
#include <sys/types.h>

#include <optional>
#include <string>

#include "exec/host/ipam.hpp"
#include "exec/rollback.hpp"
#include "plan/plan.hpp"
#include "sys/error.hpp"
#include "sys/nftables.hpp"

namespace sandbox::exec::host {

// The launcher calls:
//     run_step(StepId::network_host, [&] { host::setup_host_network(plan.network_host, pid, rb);
//     });
// Pushes, in order: delete_link (host_name), delete_nft_table ("inet <table>"),
// restore_sysctl (sysctl path, opaque extra) — only for what it created. mode none/host: nothing.
// `forwarding_dir` holds the ip_forward holder files. ip_forward is one value for the whole
// host, so every sandbox must use the same directory whatever its state root: keep the default
// except in tests. (/etc/resolv.conf and /etc/hosts are StatePlan::files, the state step's.)
//
// Returns what must outlive the step: the nftables context that loaded the table. Closing an
// nfnetlink socket waits for nf_tables' pending destroy work, which every commit queues and
// which calls synchronize_rcu (~12-16 ms here). The launcher keeps it until the very end, after
// the cleanup, and then hands that close and the one of sys::delete_nft_table's socket to a
// child process (sys::close_nfnetlink_sockets_in_background), which waits for it instead.
struct HostNetwork {
    std::optional<sys::Nftables> nft;
};
// dlopen()s libnftables and the libraries behind it (sys/lazy_library.hpp) ahead of
// setup_host_network, which then finds it loaded. Thread-safe: the launcher calls it on a thread
// while earlier steps run. A failure is left for setup_host_network to report.
void preload_nftables();
HostNetwork setup_host_network(const plan::NetHostPlan& plan, pid_t child, Rollback& rollback,
                               const std::string& forwarding_dir = "/run/sandbox");

// Part of step 2 (state), before spawn, so the child's copy of the plan holds the addresses:
// when `host.pool_v4` / `pool_v6`, leases a subnet from the address pool (exec/host/ipam.hpp;
// SANDBOX_ADDRESS_POOL / SANDBOX_ADDRESS_POOL6 override the defaults) avoiding every route of
// the host, and fills in both ends' addresses and the sandbox's default route. Pushes
// release_id_range (the generic lease-file undo) per lease. The returned leases hold the lock
// files: keep them until the sandbox is cleaned up.
std::vector<AddressLease> lease_pool_addresses(plan::NetHostPlan& host,
                                               plan::NetSandboxPlan& sandbox,
                                               const std::string& owner, Rollback& rollback);

// The host's name servers for a veth sandbox without network.dns (HostFacts::
// host_resolv_conf). `etc` is the host's resolv.conf; when every nameserver in it is a
// loopback address (systemd-resolved's 127.0.0.53 stub, dnsmasq on 127.0.0.1...), which the
// sandbox's netns cannot reach, the upstream list systemd-resolved keeps at `resolved` is used
// instead. Loopback servers are always dropped; search/domain/options lines are kept.
// `note` says why there is nothing usable (logged once by `up`).
struct HostDns {
    std::optional<std::string> resolv_conf;
    std::string source;  // the file it came from
    std::string note;
};
HostDns read_host_dns(const std::string& etc = "/etc/resolv.conf",
                      const std::string& resolved = "/run/systemd/resolve/resolv.conf");

// The nft table for a plan (nat and/or ports); pure, so the profile -> commands chain is
// unit-tested.
sys::NatRuleset nat_ruleset_for(const plan::NetHostPlan& plan);

// Rollback hooks, called by run_undo (exec/rollback.cpp) with UndoEntry::target / ::extra:
//     case UndoKind::delete_link:      st = host::delete_link(entry.target, entry.extra); break;
//     case UndoKind::delete_nft_table: st = host::delete_nft_table(entry.target); break;
//     case UndoKind::restore_sysctl:   st = host::restore_sysctl(entry.target, entry.extra); break;
// Each treats "already gone" as success, so a replay by `sandbox down` is harmless. They never
// throw (libnl/libnftables failures come back as the Status).
//
// delete_link: `netns_owner` is "PID STARTTIME" of the sandbox's first process (the owner of the
// new netns the peer lives in). When that process is gone, the pair is left to the kernel,
// which removes it with the netns a few ms later; deleting it ourselves would only block on the
// RCU grace periods of a device unregistration (docs/networking.md, "Teardown"). A later start
// waits for such a dying pair instead of calling its name or address a clash
// (check_name_free, check_addresses_free). When the owner is alive (setup failed, child still
// there) or unknown, the host end is deleted now, unless its peer netns is already dying.
sys::Status delete_link(const std::string& name, const std::string& netns_owner = {});
// `spec` = "inet sandbox-web".
sys::Status delete_nft_table(const std::string& spec);
// target = the sysctl path, extra = the opaque holder reference acquire_forwarding returned (NOT
// the old value: the value is restored only when the last sandbox needing it leaves).
sys::Status restore_sysctl(const std::string& sysctl, const std::string& extra);

}  // namespace sandbox::exec::host
