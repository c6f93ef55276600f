#pragma once
// Route netlink over libnl-route-3: veth pairs, link settings, addresses, default routes.
// Knows nothing about profiles or plans. Every libnl object is owned by a unique_ptr alias below
// for at most the function that made it (no nsjail cloneIface leak). Failures come back as
// SysError{op, interface, libnl's nl_geterror text as detail, errno mapped from the NLE_* code}.
#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sys/error.hpp"

struct nl_sock;
struct nl_addr;
struct nl_cache;
struct rtnl_link;
struct rtnl_addr;
struct rtnl_route;
struct rtnl_nexthop;

namespace sandbox::sys {

struct NlSockDeleter {
    void operator()(nl_sock* sock) const noexcept;
};
struct NlAddrDeleter {
    void operator()(nl_addr* addr) const noexcept;
};
struct NlCacheDeleter {
    void operator()(nl_cache* cache) const noexcept;
};
struct RtnlLinkDeleter {
    void operator()(rtnl_link* link) const noexcept;
};
struct RtnlAddrDeleter {
    void operator()(rtnl_addr* addr) const noexcept;
};
struct RtnlRouteDeleter {
    void operator()(rtnl_route* route) const noexcept;
};
struct RtnlNexthopDeleter {
    void operator()(rtnl_nexthop* nh) const noexcept;
};
using NlSock = std::unique_ptr<nl_sock, NlSockDeleter>;
using NlAddr = std::unique_ptr<nl_addr, NlAddrDeleter>;
using NlCache = std::unique_ptr<nl_cache, NlCacheDeleter>;
using RtnlLink = std::unique_ptr<rtnl_link, RtnlLinkDeleter>;
using RtnlAddr = std::unique_ptr<rtnl_addr, RtnlAddrDeleter>;
using RtnlRoute = std::unique_ptr<rtnl_route, RtnlRouteDeleter>;
using RtnlNexthop = std::unique_ptr<rtnl_nexthop, RtnlNexthopDeleter>;

// An interface address: "10.0.0.2" + 24, or "fd00::2" + 64.
struct IpPrefix {
    std::string address;
    uint8_t prefix = 0;
    bool v6 = false;
    std::string to_string() const { return address + "/" + std::to_string(prefix); }
};

// errno for a libnl NLE_* code (negative or positive), EIO for codes with no errno twin.
int nl_error_to_errno(int nl_error);

struct VethSpec {
    std::string name;             // the end that stays in the caller's netns
    std::string peer_name;        // the end created in the target netns
    pid_t peer_netns_pid = 0;     // IFLA_NET_NS_PID on the peer: created there, never moved
    std::optional<uint32_t> mtu;  // both ends
};

struct LinkChange {
    std::optional<std::string> new_name;  // needs the link down; applied before `up`
    std::optional<uint32_t> mtu;
    bool up = false;
};

struct LinkInfo {
    int ifindex = 0;
    std::string kind;  // "veth", "dummy", ... ("" for devices without rtnl link ops)
    // IFLA_LINK_NETNSID: set while the other end lives in another, *live* netns. A veth whose
    // peer netns is being torn down reports none: the kernel is about to remove the pair.
    std::optional<int32_t> link_netnsid;
    int link_index = 0;  // IFLA_LINK: the peer's ifindex (in the peer's netns), 0 when none
};

struct HostAddress {
    int ifindex = 0;
    std::string ifname;
    IpPrefix prefix;
};

// A connected NETLINK_ROUTE socket in the caller's current network namespace. Each call is one
// request + ack (or one dump); nothing is cached between calls.
class Netlink {
public:
    static Result<Netlink> open();

    // ifindex of `name`, nullopt when there is no such link.
    Result<std::optional<int>> find_link(const std::string& name);
    Result<std::optional<LinkInfo>> get_link(const std::string& name);
    Result<std::optional<LinkInfo>> get_link(int ifindex);
    // A veth whose peer's netns is being destroyed: the kernel will delete it by itself. (No
    // live nsid for the peer, and the peer is not a veth in this netns pointing back.)
    Result<bool> is_orphaned_veth(const LinkInfo& link);
    // Both ends in one RTM_NEWLINK (NLM_F_CREATE|NLM_F_EXCL): EEXIST when `name` is taken.
    Status create_veth(const VethSpec& spec);
    Status change_link(const std::string& name, const LinkChange& change);
    // NLM_F_EXCL: EEXIST when the interface already has it. v6 addresses get IFA_F_NODAD so
    // they are usable at once (both ends are ours; duplicate detection has nothing to find).
    Status add_address(const std::string& ifname, const IpPrefix& address);
    // default via `gateway` on `ifname` (main table).
    Status add_default_route(const std::string& ifname, const std::string& gateway, bool v6);
    // ENODEV when there is no such link.
    Status delete_link(const std::string& name);
    // Every address of every interface in this netns (one RTM_GETADDR dump).
    Result<std::vector<HostAddress>> list_addresses();

    // The destinations of every unicast and local route of `family` (AF_INET / AF_INET6) in
    // every routing table of this netns (one RTM_GETROUTE dump), default routes included with
    // prefix 0. Unreachable, blackhole, prohibit, broadcast and multicast routes are left out:
    // they reserve no network a new subnet could clash with.
    Result<std::vector<IpPrefix>> list_routes(int family);

    nl_sock* get() const { return m_sock.get(); }

private:
    explicit Netlink(NlSock sock) : m_sock(std::move(sock)) {}
    Result<int> require_link(const std::string& op, const std::string& name);
    Result<std::optional<LinkInfo>> get_link_impl(int ifindex, const std::string& name);
    NlSock m_sock;
};

// "10.0.0.1" / "fd00::1" in the kernel's canonical text form (for comparing addresses);
// EINVAL when it does not parse.
Result<std::string> canonical_address(const std::string& address, bool v6);

}  // namespace sandbox::sys
