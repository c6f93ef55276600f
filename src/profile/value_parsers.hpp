#pragma once
// The value parsers of the field table (profile/fields.cpp): one a value type, each reporting
// why a value is wrong (file:line:col: key.path: message) and returning nullopt then. Split
// from the table so the rows read as a table; plain functions over the document's Node.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
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

// The walk of an array's items or a table's entries: checks the kind, then runs `each` on every
// child with the key path set to the child's (`suffix`) and its location recorded.
template <class Children, class Suffix, class ValueOf, class Each>
bool for_children(const Node& n, DecodeContext& c, NodeKind kind, std::string_view what,
                  const Children& children, Suffix suffix, ValueOf value_of, Each each) {
    if (n.kind != kind) {
        expected(n, c, what);
        return false;
    }
    bool ok = true;
    std::string base = c.path;
    size_t index = 0;
    for (const auto& child : children) {
        c.path = base + suffix(child, index++);
        c.record(value_of(child));
        ok = each(child) && ok;
    }
    c.path = base;
    return ok;
}

// Runs `each` over the items of an array, with the item's index in the key path.
template <class Each>
bool for_items(const Node& n, DecodeContext& c, std::string_view what, Each each) {
    return for_children(
        n, c, NodeKind::array, what, n.items,
        [](const Node&, size_t i) { return "[" + std::to_string(i) + "]"; },
        [](const Node& item) -> const Node& { return item; }, each);
}

// A table whose keys the user chooses (env, rlimits, hosts): each entry at `path.KEY`.
template <class Each>
bool for_entries(const Node& n, DecodeContext& c, std::string_view what, Each each) {
    return for_children(
        n, c, NodeKind::table, what, n.entries,
        [](const TableEntry& e, size_t) { return "." + e.key; },
        [](const TableEntry& e) -> const Node& { return e.value; }, each);
}

// An array whose items `item` parses one by one (nullopt: that item is wrong, and reported).
template <class Item>
auto list_of(const Node& n, DecodeContext& c, std::string_view what, Item item)
    -> std::optional<std::vector<typename std::invoke_result_t<Item, const Node&>::value_type>> {
    std::vector<typename std::invoke_result_t<Item, const Node&>::value_type> out;
    bool ok = for_items(n, c, what, [&](const Node& node) {
        auto value = item(node);
        if (value) {
            out.push_back(std::move(*value));
        }
        return value.has_value();
    });
    return ok ? std::optional(std::move(out)) : std::nullopt;
}

// An array of strings, each checked by `check(item, text)`: the value kept, or nullopt when it is
// refused (and reported).
template <class Check>
std::optional<std::vector<std::string>> checked_strings(const Node& n, DecodeContext& c,
                                                        std::string_view what, Check check) {
    return list_of(n, c, what, [&](const Node& item) -> std::optional<std::string> {
        auto s = parse_string(item, c);
        return s ? check(item, *s) : std::nullopt;
    });
}

}  // namespace sandbox::profile::values
