#include "sys/nftables.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <nftables/libnftables.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

#include "sys/fd.hpp"
#include "sys/lazy_library.hpp"

namespace sandbox::sys {

namespace {

// libnftables is loaded on first use (sys/lazy_library.hpp): only NAT and port forwards need
// it, and linked normally it (with libnftnl, libxtables, gmp, jansson) costs every start-up.
#define SANDBOX_NFT_FUNCTIONS(X) \
    X(nft_ctx_new)               \
    X(nft_ctx_free)              \
    X(nft_ctx_buffer_error)      \
    X(nft_ctx_buffer_output)     \
    X(nft_run_cmd_from_buffer)   \
    X(nft_ctx_get_error_buffer)  \
    X(nft_ctx_output_get_flags)  \
    X(nft_ctx_output_set_flags)  \
    X(nft_ctx_get_output_buffer)

SANDBOX_LAZY_API(NftApi, "libnftables.so.1", SANDBOX_NFT_FUNCTIONS)

const NftApi* g_nft = nullptr;

}  // namespace

void NftCtxDeleter::operator()(nft_ctx* ctx) const noexcept {
    g_nft->nft_ctx_free(ctx);
}

namespace {

std::string quoted(const std::string& s) {
    return "\"" + s + "\"";
}

std::string family_keyword(bool v6) {
    return v6 ? "ip6" : "ip";
}

// libnftables reports kernel failures as text ("Error: Could not process rule: File exists");
// recover the errno so callers can branch on EEXIST / ENOENT like everywhere else in sys/.
int errno_from_text(const std::string& text) {
    static constexpr std::array k_known = {EEXIST, ENOENT,     EPERM,        EBUSY,
                                           EACCES, EOPNOTSUPP, ENOMEM,       ENOBUFS,
                                           EINVAL, ENOSPC,     EAFNOSUPPORT, EPROTONOSUPPORT};
    for (int err : k_known) {
        if (text.find(std::strerror(err)) != std::string::npos) {
            return err;
        }
    }
    return text.find("syntax error") != std::string::npos ? EINVAL : EIO;
}

std::string first_lines(const std::string& text, int count) {
    std::string out;
    size_t pos = 0;
    for (int i = 0; i < count && pos < text.size(); ++i) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) {
            end = text.size();
        }
        if (!out.empty()) {
            out += " | ";
        }
        out += text.substr(pos, end - pos);
        pos = end + 1;
    }
    return out;
}

}  // namespace

std::string render_nat_ruleset(const NatRuleset& r) {
    const std::string t = "inet " + r.table;
    const std::string ifq = quoted(r.interface);
    std::string out = "create table " + t + "\n";
    std::vector<std::string> postrouting;
    if (r.masquerade) {
        // Traffic from the sandbox that leaves by any other interface takes the host's address.
        for (const NatAddress& src : r.sources) {
            postrouting.push_back(family_keyword(src.v6) + " saddr " + src.address +
                                  " oifname != " + ifq + " masquerade");
        }
    }
    bool v4_ports = !r.ports.empty() && std::any_of(r.dnat_targets.begin(), r.dnat_targets.end(),
                                                    [](const NatAddress& a) { return !a.v6; });
    if (v4_ports) {
        // A connection to 127.0.0.1:PORT on the host, DNATed in output, still has the source
        // 127.0.0.1: the host end (route_localnet, set by network_host) lets it out, and this
        // gives it the host end's address so the sandbox can answer (docs/networking.md).
        postrouting.push_back("ip saddr 127.0.0.0/8 oifname " + ifq + " masquerade");
    }
    if (!postrouting.empty()) {
        out += "add chain " + t +
               " postrouting { type nat hook postrouting priority srcnat; policy accept; }\n";
        for (const std::string& rule : postrouting) {
            out += "add rule " + t + " postrouting " + rule + "\n";
        }
    }
    if (!r.ports.empty()) {
        std::vector<std::string> dnat;
        bool have_v4 = false;
        bool have_v6 = false;
        for (const NatAddress& target : r.dnat_targets) {
            bool& seen = target.v6 ? have_v6 : have_v4;
            if (seen) {
                continue;  // the first address of each family receives the ports
            }
            seen = true;
            for (const NatPort& port : r.ports) {
                const std::string proto = port.udp ? "udp" : "tcp";
                const std::string to = target.v6 ? "[" + target.address + "]" : target.address;
                // `fib daddr type local`: any address of the host, not only the veth end.
                dnat.push_back("meta nfproto " + std::string(target.v6 ? "ipv6" : "ipv4") +
                               " fib daddr type local " + proto + " dport " +
                               std::to_string(port.host_port) + " dnat " +
                               family_keyword(target.v6) + " to " + to + ":" +
                               std::to_string(port.sandbox_port));
            }
        }
        // prerouting: connections arriving from elsewhere; output: connections the host makes.
        out += "add chain " + t +
               " prerouting { type nat hook prerouting priority dstnat; policy accept; }\n";
        for (const std::string& rule : dnat) {
            out += "add rule " + t + " prerouting " + rule + "\n";
        }
        out +=
            "add chain " + t + " output { type nat hook output priority -100; policy accept; }\n";
        for (const std::string& rule : dnat) {
            out += "add rule " + t + " output " + rule + "\n";
        }
    }
    out += "add chain " + t +
           " forward { type filter hook forward priority filter; policy accept; }\n";
    out += "add rule " + t + " forward iifname " + ifq + " accept\n";
    out += "add rule " + t + " forward oifname " + ifq + " accept\n";
    return out;
}

Result<Nftables> Nftables::open() {
    if (Status loaded = load_library_api(g_nft); !loaded) {
        return tl::unexpected(loaded.error());
    }
    NftCtx ctx(g_nft->nft_ctx_new(NFT_CTX_DEFAULT));
    if (!ctx) {
        return fail_with(ENOMEM, "nft_ctx_new");
    }
    // Keep libnftables' messages out of stderr: they become the SysError detail instead.
    if (g_nft->nft_ctx_buffer_error(ctx.get()) != 0 ||
        g_nft->nft_ctx_buffer_output(ctx.get()) != 0) {
        return fail_with(ENOMEM, "nft_ctx_buffer_output");
    }
    return Nftables(std::move(ctx));
}

Status Nftables::run(const std::string& op, const std::string& object,
                     const std::string& commands) {
    if (g_nft->nft_run_cmd_from_buffer(m_ctx.get(), commands.c_str()) != 0) {
        const char* err = g_nft->nft_ctx_get_error_buffer(m_ctx.get());
        const std::string text = err != nullptr ? err : "";
        return fail_with(errno_from_text(text), op, object, {}, first_lines(text, 2));
    }
    return {};
}

Result<std::vector<std::string>> Nftables::list_tables(const std::string& family) {
    const unsigned flags = g_nft->nft_ctx_output_get_flags(m_ctx.get());
    g_nft->nft_ctx_output_set_flags(m_ctx.get(), flags | NFT_CTX_OUTPUT_JSON);
    Status ran = run("list tables", family, "list tables");
    g_nft->nft_ctx_output_set_flags(m_ctx.get(), flags);
    if (!ran) {
        return tl::unexpected(std::move(ran.error()));
    }
    const char* text = g_nft->nft_ctx_get_output_buffer(m_ctx.get());
    std::vector<std::string> out;
    auto json = nlohmann::json::parse(text != nullptr ? text : "", nullptr, false);
    if (json.is_discarded() || !json.contains("nftables")) {
        return text == nullptr || *text == '\0'
                   ? Result<std::vector<std::string>>(out)
                   : fail_with(EPROTO, "list tables", family, {}, "unexpected JSON from nft");
    }
    for (const auto& item : json["nftables"]) {
        if (!item.contains("table")) {
            continue;
        }
        const auto& table = item["table"];
        const std::string fam = table.value("family", "");
        const std::string name = table.value("name", "");
        if (family.empty()) {
            out.push_back(fam + " " + name);
        } else if (fam == family) {
            out.push_back(name);
        }
    }
    return out;
}

namespace {

// Appends one netlink message: header, nfgenmsg, and the attributes already encoded in `attrs`.
void append_nfnl_message(std::string& out, uint16_t type, uint16_t flags, uint32_t seq,
                         uint8_t family, uint16_t res_id, const std::string& attrs) {
    nlmsghdr h{};
    h.nlmsg_len = static_cast<uint32_t>(NLMSG_LENGTH(sizeof(nfgenmsg)) + attrs.size());
    h.nlmsg_type = type;
    h.nlmsg_flags = flags;
    h.nlmsg_seq = seq;
    nfgenmsg g{};
    g.nfgen_family = family;
    g.version = NFNETLINK_V0;
    g.res_id = htons(res_id);
    out.append(reinterpret_cast<const char*>(&h), sizeof h);
    out.append(reinterpret_cast<const char*>(&g), sizeof g);
    out.append(NLMSG_LENGTH(sizeof(nfgenmsg)) - sizeof h - sizeof g, '\0');
    out += attrs;
    out.append(NLMSG_ALIGN(out.size()) - out.size(), '\0');
}

std::string string_attr(uint16_t type, const std::string& value) {
    nlattr a{};
    a.nla_len = static_cast<uint16_t>(NLA_HDRLEN + value.size() + 1);
    a.nla_type = type;
    std::string out(reinterpret_cast<const char*>(&a), sizeof a);
    out.append(NLA_HDRLEN - sizeof a, '\0');
    out += value;
    out += '\0';
    out.append(NLA_ALIGN(out.size()) - out.size(), '\0');
    return out;
}

// The socket of the last deletion, kept open: closing an nfnetlink socket flushes nf_tables'
// pending destroy work, which waits for an RCU grace period (~10-20 ms), and the deletion has
// just queued that work. Closed by the next deletion, at exit, or (the launcher) handed to the
// child of close_nfnetlink_sockets_in_background, which waits in its place.
UniqueFd& deferred_close() {
    static UniqueFd fd;
    return fd;
}

}  // namespace

void close_nfnetlink_sockets_in_background(bool context_open) {
    if (!context_open && !deferred_close()) {
        return;
    }
    const pid_t child = ::fork();
    if (child < 0) {
        return;  // the closes below simply wait
    }
    if (child == 0) {
        // Everything but the nfnetlink sockets is closed first: the standard streams above all
        // (a reader of `$(sandbox up -d …)` or a test waits for their EOF), and the locks.
        std::vector<int> others;
        if (DIR* dir = ::opendir("/proc/self/fd")) {
            while (const dirent* e = ::readdir(dir)) {
                const int fd = std::atoi(e->d_name);
                if (e->d_name[0] == '.' || fd == ::dirfd(dir)) {
                    continue;
                }
                int domain = 0;
                int protocol = 0;
                socklen_t len = sizeof domain;
                const bool nfnetlink =
                    ::getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &len) == 0 &&
                    domain == AF_NETLINK &&
                    ::getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol,
                                 &(len = sizeof protocol)) == 0 &&
                    protocol == NETLINK_NETFILTER;
                if (!nfnetlink) {
                    others.push_back(fd);
                }
            }
            ::closedir(dir);
        }
        for (int fd : others) {
            ::close(fd);
        }
        ::_exit(0);  // closes the nfnetlink sockets: the wait happens here
    }
    // Not waited for: the caller is about to exit, and then the closer, orphaned, is reaped by
    // init (or the caller's subreaper).
    deferred_close().reset();  // the closer holds it too: no release, no wait
}

Status delete_nft_table(const std::string& family, const std::string& name) {
    // One hand-built batch (begin, DELTABLE, end) on a plain NETLINK_NETFILTER socket, not
    // libnftables: a context costs more than the deletion (its creation, plus the cache dump
    // it does before any command), and a cleanup replay should not depend on loading it.
    const std::string object = family + " " + name;
    uint8_t nfproto = 0;
    if (family == "inet") {
        nfproto = NFPROTO_INET;
    } else if (family == "ip") {
        nfproto = NFPROTO_IPV4;
    } else if (family == "ip6") {
        nfproto = NFPROTO_IPV6;
    } else {
        return fail_with(EINVAL, "delete nft table", object, {}, "unknown family");
    }
    UniqueFd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER));
    if (!fd) {
        return fail("socket", "NETLINK_NETFILTER");
    }
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    const auto seq = static_cast<uint32_t>(::time(nullptr));
    std::string batch;
    append_nfnl_message(batch, NFNL_MSG_BATCH_BEGIN, NLM_F_REQUEST, seq, AF_UNSPEC,
                        NFNL_SUBSYS_NFTABLES, {});
    append_nfnl_message(batch, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELTABLE,
                        NLM_F_REQUEST | NLM_F_ACK, seq + 1, nfproto, 0,
                        string_attr(NFTA_TABLE_NAME, name));
    append_nfnl_message(batch, NFNL_MSG_BATCH_END, NLM_F_REQUEST, seq + 2, AF_UNSPEC,
                        NFNL_SUBSYS_NFTABLES, {});
    if (::sendto(fd.get(), batch.data(), batch.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                 sizeof kernel) != static_cast<ssize_t>(batch.size())) {
        return fail("delete nft table", object);
    }
    // The kernel answers every message of the batch that failed, and the DELTABLE (NLM_F_ACK)
    // with error 0 when it was applied.
    alignas(nlmsghdr) char buf[8192];
    for (;;) {
        ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("delete nft table", object);
        }
        auto len = static_cast<size_t>(n);
        for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            if (h->nlmsg_type != NLMSG_ERROR) {
                continue;
            }
            const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
            if (e->error != 0) {
                return fail_with(-e->error, "delete nft table", object);
            }
            if (h->nlmsg_seq == seq + 1) {
                deferred_close() = std::move(fd);
                return {};
            }
        }
    }
}

Status apply_nat_ruleset(const NatRuleset& ruleset) {
    auto nft = Nftables::open();
    if (!nft) {
        return tl::unexpected(std::move(nft.error()));
    }
    return apply_nat_ruleset(*nft, ruleset);
}

Status apply_nat_ruleset(Nftables& nft, const NatRuleset& ruleset) {
    return nft.run("create nft table", "inet " + ruleset.table, render_nat_ruleset(ruleset));
}

}  // namespace sandbox::sys
