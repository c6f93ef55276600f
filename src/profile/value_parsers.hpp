#pragma once
// The value parsers of the field table (profile/fields.cpp): one a value type, each reporting
// why a value is wrong (file:line:col: key.path: message) and returning nullopt then. Split
// from the table so the rows read as a table; plain functions over the document's Node.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "profile/fields.hpp"
#include "profile/profile.hpp"

namespace sandbox::profile::values {

std::string quoted(std::string_view s);

// How a value the user wrote is named in "expected ..., got X".
std::string got(const Node& n);

void expected(const Node& n, DecodeContext& c, std::string_view what, std::string hint = {});

std::string range_text(int64_t lo, int64_t hi);

std::optional<bool> parse_bool(const Node& n, DecodeContext& c);

std::optional<int64_t> parse_integer_in(const Node& n, DecodeContext& c, int64_t lo, int64_t hi);

std::optional<int64_t> parse_integer(const Node& n, DecodeContext& c);

bool has_nul(const std::string& s);

std::optional<std::string> parse_string(const Node& n, DecodeContext& c);

std::optional<std::string> parse_path(const Node& n, DecodeContext& c);

std::optional<size_t> parse_choice(const Node& n, DecodeContext& c);

std::optional<Bytes> parse_size(const Node& n, DecodeContext& c);

std::optional<Duration> parse_duration(const Node& n, DecodeContext& c);

std::optional<double> parse_cpu(const Node& n, DecodeContext& c);

std::optional<uint32_t> parse_mode(const Node& n, DecodeContext& c);

std::optional<std::vector<std::string>> parse_string_list(const Node& n, DecodeContext& c);

std::optional<std::vector<std::string>> parse_path_list(const Node& n, DecodeContext& c);

bool valid_env_name(const std::string& name);

std::optional<std::vector<std::string>> parse_env_names(const Node& n, DecodeContext& c);

std::optional<std::vector<std::pair<std::string, std::string>>> parse_env(const Node& n,
                                                                          DecodeContext& c);

// One rlimit bound: a non-negative integer or "unlimited" (nullopt).
bool parse_rlimit_value(const Node& n, DecodeContext& c, std::optional<uint64_t>& out);

std::optional<std::vector<Rlimit>> parse_rlimits(const Node& n, DecodeContext& c);

std::optional<int> parse_signal(const Node& n, DecodeContext& c);

std::optional<std::vector<std::string>> parse_capabilities(const Node& n, DecodeContext& c);

std::optional<std::vector<std::string>> parse_syscalls(const Node& n, DecodeContext& c);

bool is_ip(const std::string& s, int family);

std::optional<std::string> parse_cidr(const Node& n, DecodeContext& c, int family);

std::optional<std::string> parse_ip(const Node& n, DecodeContext& c, int family);

std::optional<std::vector<std::string>> parse_ip_list(const Node& n, DecodeContext& c);

std::optional<std::vector<std::pair<std::string, std::string>>> parse_hosts(const Node& n,
                                                                            DecodeContext& c);

// network.sysctls: "net.ipv4.ping_group_range" = "0 2147483647". Unquoted dotted keys make
// nested tables (net = { ipv4 = { ... } }): flattened back to the dotted name. Only `net.`
// keys: they belong to the sandbox's own network namespace; any other sysctl is the host's.
bool collect_sysctls(const Node& n, DecodeContext& c, const std::string& prefix,
                     std::vector<std::pair<std::string, std::string>>& out);

std::optional<std::vector<std::pair<std::string, std::string>>> parse_sysctls(const Node& n,
                                                                              DecodeContext& c);

std::optional<NamespaceSetting> parse_namespace(const Node& n, DecodeContext& c);

std::optional<std::vector<std::string>> parse_string_or_list(const Node& n, DecodeContext& c);

std::optional<TtyMode> parse_tty(const Node& n, DecodeContext& c);

std::optional<std::string> parse_id(const Node& n, DecodeContext& c);

std::optional<std::vector<std::string>> parse_id_list(const Node& n, DecodeContext& c);

std::optional<std::vector<int>> parse_fd_list(const Node& n, DecodeContext& c);

std::optional<std::vector<std::string>> parse_mount_options(const Node& n, DecodeContext& c);

// Runs `each` over the items of an array, with the item's index in the key path.
template <class Each>
bool for_items(const Node& n, DecodeContext& c, std::string_view what, Each each) {
    if (n.kind != NodeKind::array) {
        expected(n, c, what);
        return false;
    }
    bool ok = true;
    std::string base = c.path;
    for (size_t i = 0; i < n.items.size(); ++i) {
        c.path = base + "[" + std::to_string(i) + "]";
        c.record(n.items[i]);
        ok = each(n.items[i]) && ok;
    }
    c.path = base;
    return ok;
}

// A table whose keys the user chooses (env, rlimits, hosts): each entry at `path.KEY`.
template <class Each>
bool for_entries(const Node& n, DecodeContext& c, std::string_view what, Each each) {
    if (n.kind != NodeKind::table) {
        expected(n, c, what);
        return false;
    }
    bool ok = true;
    std::string base = c.path;
    for (const TableEntry& e : n.entries) {
        c.path = base + "." + e.key;
        c.record(e.value);
        ok = each(e) && ok;
    }
    c.path = base;
    return ok;
}

}  // namespace sandbox::profile::values
