#pragma once
// nftables through libnftables (the library, never the `nft` binary). One table per sandbox,
// family inet, applied as one transaction: either the whole ruleset is in or nothing is.
// render_nat_ruleset() is pure, so the exact commands are unit-tested without privilege.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sys/error.hpp"

struct nft_ctx;

namespace sandbox::sys {

struct NftCtxDeleter {
    void operator()(nft_ctx* ctx) const noexcept;
};
using NftCtx = std::unique_ptr<nft_ctx, NftCtxDeleter>;

struct NatAddress {
    std::string address;  // "10.0.0.2" / "fd00::2" (no prefix)
    bool v6 = false;
};

struct NatPort {
    uint16_t host_port = 0;
    uint16_t sandbox_port = 0;
    bool udp = false;
};

struct NatRuleset {
    std::string table;                // "sandbox-web" (family inet)
    std::string interface;            // the host end of the veth
    std::vector<NatAddress> sources;  // masquerade these when they leave by another interface
    bool masquerade = false;
    std::vector<NatAddress> dnat_targets;  // first v4 / first v6 address receive the ports
    std::vector<NatPort> ports;
};

// The nft commands (nft syntax) that create the table, its chains and rules in one batch.
// `create table` fails with EEXIST instead of merging into a table left by someone else.
std::string render_nat_ruleset(const NatRuleset& ruleset);

class Nftables {
public:
    static Result<Nftables> open();
    // Runs `commands` as one transaction. Errors carry libnftables' error text as the detail;
    // the errno is recovered from that text where it names one (EEXIST, ENOENT, EPERM, ...).
    Status run(const std::string& op, const std::string& object, const std::string& commands);
    // JSON output of `list tables`: names of the tables of `family` ("inet"), or of all families
    // as "family name" when `family` is empty.
    Result<std::vector<std::string>> list_tables(const std::string& family = {});

private:
    explicit Nftables(NftCtx ctx) : m_ctx(std::move(ctx)) {}
    NftCtx m_ctx;
};

// For a process about to exit: hands the close of its nfnetlink sockets to a short-lived
// child (forked, not waited for, holding only those sockets), so that this one exits without
// waiting. Closing an nfnetlink socket flushes nf_tables' pending destroy work, an RCU
// grace period (~10-30 ms here) that the table's deletion has just queued. `context_open`: an
// Nftables context is still open (the delete_nft_table socket is known here). Nothing when
// neither. After it, the caller's own closes of those sockets return at once.
void close_nfnetlink_sockets_in_background(bool context_open);
// `delete table inet NAME` (one hand-built nfnetlink batch, no libnftables): ENOENT when it does
// not exist. Its socket stays open until the next deletion or the call above.
Status delete_nft_table(const std::string& family, const std::string& name);
Status apply_nat_ruleset(const NatRuleset& ruleset);
// The same on a context the caller keeps open (see exec/host/network.hpp, HostNetwork).
Status apply_nat_ruleset(Nftables& nft, const NatRuleset& ruleset);

}  // namespace sandbox::sys
