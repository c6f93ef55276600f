#include "profile/fields.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>

#include "common/units.hpp"
#include "profile/enum_names.hpp"
#include "profile/names.hpp"
#include "profile/profile.hpp"

// The table is written with designated initializers; members left out keep their default
// member initializers, which is the point, so GCC's warning about them is noise here.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace sandbox::profile {

// ---- DecodeContext -------------------------------------------------------------------------

void DecodeContext::error(const Node& at, std::string message, std::string hint) const {
    diagnostics.error(at.where, path, std::move(message), std::move(hint));
}

void DecodeContext::error_at(const Node& at, const std::string& sub_path, std::string message,
                             std::string hint) const {
    diagnostics.error(at.where, path + sub_path, std::move(message), std::move(hint));
}

void DecodeContext::record(const Node& at, const std::string& suffix) const {
    if (!is_default) {
        origins[path + suffix] = at.where;
    }
}

std::string_view Field::key() const {
    std::string_view p = path;
    size_t dot = p.rfind('.');
    return dot == std::string_view::npos ? p : p.substr(dot + 1);
}

std::string_view Field::section() const {
    std::string_view p = path;
    size_t dot = p.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : p.substr(0, dot);
}

std::string_view Section::key() const {
    std::string_view p = path;
    size_t dot = p.rfind('.');
    std::string_view k = dot == std::string_view::npos ? p : p.substr(dot + 1);
    if (k.size() >= 2 && k.substr(k.size() - 2) == "[]") {
        k.remove_suffix(2);
    }
    return k;
}

std::string_view Section::parent() const {
    std::string_view p = path;
    size_t dot = p.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : p.substr(0, dot);
}

std::string table_path(std::string_view concrete) {
    std::string out;
    for (size_t i = 0; i < concrete.size(); ++i) {
        out += concrete[i];
        if (concrete[i] == '[') {
            size_t close = concrete.find(']', i);
            if (close == std::string_view::npos) {
                break;
            }
            i = close - 1;
        }
    }
    return out;
}

namespace {

// ---- value parsers: each returns nullopt after reporting why -------------------------------

std::string quoted(std::string_view s) {
    std::string out = "'";
    size_t n = 0;
    for (char ch : s) {
        if (++n > 80) {
            out += "...";
            break;
        }
        if (ch == '\n') {
            out += "\\n";
        } else if (ch == '\t') {
            out += "\\t";
        } else if (ch == '\0') {
            out += "\\0";
        } else {
            out += ch;
        }
    }
    return out + "'";
}

// How a value the user wrote is named in "expected ..., got X".
std::string got(const Node& n) {
    switch (n.kind) {
        case NodeKind::string:
            return quoted(n.string);
        case NodeKind::integer:
            return std::to_string(n.integer);
        case NodeKind::boolean:
            return n.boolean ? "true" : "false";
        case NodeKind::floating: {
            std::string s = std::to_string(n.floating);
            while (s.size() > 1 && s.back() == '0' && s[s.size() - 2] != '.') {
                s.pop_back();
            }
            return s;
        }
        case NodeKind::null:
            return "an empty value";
        case NodeKind::array:
        case NodeKind::table:
            return std::string(to_string(n.kind));
    }
    return "a value";
}

void expected(const Node& n, DecodeContext& c, std::string_view what, std::string hint = {}) {
    c.error(n, "expected " + std::string(what) + ", got " + got(n), std::move(hint));
}

std::string range_text(int64_t lo, int64_t hi) {
    return std::to_string(lo) + ".." + std::to_string(hi);
}

std::optional<bool> parse_bool(const Node& n, DecodeContext& c) {
    if (n.kind == NodeKind::boolean) {
        return n.boolean;
    }
    std::string hint;
    if (n.kind == NodeKind::string && (n.string == "true" || n.string == "false")) {
        hint = "write true or false without quotes";
    } else if (n.kind == NodeKind::string &&
               (n.string == "yes" || n.string == "no" || n.string == "on" || n.string == "off")) {
        hint = "booleans are written true or false; yes, no, on and off are strings";
    }
    expected(n, c, "true or false", hint);
    return std::nullopt;
}

std::optional<int64_t> parse_integer_in(const Node& n, DecodeContext& c, int64_t lo, int64_t hi) {
    if (n.kind != NodeKind::integer) {
        std::string hint;
        if (n.kind == NodeKind::string && !n.string.empty() &&
            std::all_of(n.string.begin(), n.string.end(),
                        [](unsigned char ch) { return std::isdigit(ch) != 0; })) {
            hint = "write the number without quotes";
        }
        expected(n, c, "an integer", hint);
        return std::nullopt;
    }
    if (n.integer < lo || n.integer > hi) {
        c.error(n, "value " + std::to_string(n.integer) + " is out of range " + range_text(lo, hi));
        return std::nullopt;
    }
    return n.integer;
}

std::optional<int64_t> parse_integer(const Node& n, DecodeContext& c) {
    return parse_integer_in(n, c, c.field->minimum, c.field->maximum);
}

bool has_nul(const std::string& s) {
    return s.find('\0') != std::string::npos;
}

std::optional<std::string> parse_string(const Node& n, DecodeContext& c) {
    if (n.kind != NodeKind::string) {
        std::string hint;
        if (n.kind == NodeKind::integer || n.kind == NodeKind::boolean ||
            n.kind == NodeKind::floating) {
            hint = "put the value in quotes";
        }
        expected(n, c, "a string", hint);
        return std::nullopt;
    }
    if (has_nul(n.string)) {
        c.error(n, "must not contain a NUL character");
        return std::nullopt;
    }
    return n.string;
}

std::optional<std::string> parse_path(const Node& n, DecodeContext& c) {
    auto s = parse_string(n, c);
    if (s && s->empty()) {
        c.error(n, "expected a path, got an empty string");
        return std::nullopt;
    }
    return s;
}

std::optional<size_t> parse_choice(const Node& n, DecodeContext& c) {
    const std::vector<std::string>& choices = c.field->choices;
    std::string list;
    for (size_t i = 0; i < choices.size(); ++i) {
        list += (i == 0 ? "" : (i + 1 == choices.size() ? " or " : ", ")) + quoted(choices[i]);
    }
    if (n.kind != NodeKind::string) {
        expected(n, c, "one of " + list);
        return std::nullopt;
    }
    auto it = std::find(choices.begin(), choices.end(), n.string);
    if (it == choices.end()) {
        c.error(n, "expected one of " + list + ", got " + quoted(n.string),
                did_you_mean(n.string, choices));
        return std::nullopt;
    }
    return static_cast<size_t>(it - choices.begin());
}

std::optional<Bytes> parse_size(const Node& n, DecodeContext& c) {
    if (n.kind == NodeKind::integer) {
        if (n.integer < 0) {
            c.error(n, "expected a size such as \"512MiB\" or \"1G\", got " + got(n));
            return std::nullopt;
        }
        return Bytes{static_cast<uint64_t>(n.integer)};
    }
    if (n.kind != NodeKind::string) {
        expected(n, c, "a size such as \"512MiB\" or \"1G\"");
        return std::nullopt;
    }
    auto v = units::parse_size(n.string);
    if (!v) {
        c.error(n, v.error());
        return std::nullopt;
    }
    return Bytes{*v};
}

std::optional<Duration> parse_duration(const Node& n, DecodeContext& c) {
    const char* what = "a duration such as \"30s\", \"10m\" or \"1m30s\"";
    if (n.kind == NodeKind::integer) {
        expected(n, c, what, "add a unit: \"" + std::to_string(n.integer) + "s\"");
        return std::nullopt;
    }
    if (n.kind != NodeKind::string) {
        expected(n, c, what);
        return std::nullopt;
    }
    auto v = units::parse_duration(n.string);
    if (!v) {
        c.error(n, v.error());
        return std::nullopt;
    }
    return *v;
}

std::optional<double> parse_cpu(const Node& n, DecodeContext& c) {
    double v = 0;
    if (n.kind == NodeKind::integer) {
        v = static_cast<double>(n.integer);
    } else if (n.kind == NodeKind::floating) {
        v = n.floating;
    } else {
        std::string hint;
        if (n.kind == NodeKind::string) {
            hint = "write the number without quotes";
        }
        expected(n, c, "a number of CPUs such as 0.5 or 2", hint);
        return std::nullopt;
    }
    if (!std::isfinite(v) || v <= 0 || v > 4096) {
        c.error(n, "expected a number of CPUs above 0 and at most 4096, got " + got(n));
        return std::nullopt;
    }
    return v;
}

std::optional<uint32_t> parse_mode(const Node& n, DecodeContext& c) {
    int64_t value = -1;
    if (n.kind == NodeKind::integer) {
        value = n.integer;
    } else if (n.kind == NodeKind::string) {
        const std::string& s = n.string;
        bool ok = !s.empty() && s.size() <= 5 &&
                  std::all_of(s.begin(), s.end(), [](char ch) { return ch >= '0' && ch <= '7'; });
        if (!ok) {
            c.error(n, "expected an octal mode such as \"0755\", got " + quoted(s));
            return std::nullopt;
        }
        value = std::stoll(s, nullptr, 8);
    } else {
        expected(n, c, "an octal mode such as \"0755\"");
        return std::nullopt;
    }
    if (value < 0 || value > c.field->maximum) {
        auto octal = [](int64_t v) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "0%llo", static_cast<unsigned long long>(v));
            return std::string(buf);
        };
        c.error(n, "mode " + (value < 0 ? std::to_string(value) : octal(value)) +
                       " is out of range 0.." + octal(c.field->maximum));
        return std::nullopt;
    }
    return static_cast<uint32_t>(value);
}

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

std::optional<std::vector<std::string>> parse_string_list(const Node& n, DecodeContext& c) {
    std::vector<std::string> out;
    bool ok = for_items(n, c, "an array of strings", [&](const Node& item) {
        auto s = parse_string(item, c);
        if (s) {
            out.push_back(*s);
        }
        return s.has_value();
    });
    return ok ? std::optional(out) : std::nullopt;
}

std::optional<std::vector<std::string>> parse_path_list(const Node& n, DecodeContext& c) {
    std::vector<std::string> out;
    bool ok = for_items(n, c, "an array of paths", [&](const Node& item) {
        auto s = parse_path(item, c);
        if (s) {
            out.push_back(*s);
        }
        return s.has_value();
    });
    return ok ? std::optional(out) : std::nullopt;
}

bool valid_env_name(const std::string& name) {
    return !name.empty() && name.find('=') == std::string::npos && !has_nul(name);
}

std::optional<std::vector<std::string>> parse_env_names(const Node& n, DecodeContext& c) {
    std::vector<std::string> out;
    bool ok = for_items(n, c, "an array of variable names", [&](const Node& item) {
        auto s = parse_string(item, c);
        if (s && !valid_env_name(*s)) {
            c.error(item, "invalid variable name " + quoted(*s),
                    "a name is not empty and has no '=' in it");
            return false;
        }
        if (s) {
            out.push_back(*s);
        }
        return s.has_value();
    });
    return ok ? std::optional(out) : std::nullopt;
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

std::optional<std::vector<std::pair<std::string, std::string>>> parse_env(const Node& n,
                                                                          DecodeContext& c) {
    std::vector<std::pair<std::string, std::string>> out;
    bool ok = for_entries(n, c, "a table of NAME = \"value\"", [&](const TableEntry& e) {
        if (!valid_env_name(e.key)) {
            c.diagnostics.error(e.key_where, c.path, "invalid variable name " + quoted(e.key),
                                "a name is not empty and has no '=' in it");
            return false;
        }
        if (e.value.kind != NodeKind::string) {
            std::string hint;
            if (e.value.kind == NodeKind::integer || e.value.kind == NodeKind::boolean ||
                e.value.kind == NodeKind::floating) {
                hint = "environment values are strings: write " + e.key + " = \"" + got(e.value) +
                       "\"";
            }
            expected(e.value, c, "a string", hint);
            return false;
        }
        auto s = parse_string(e.value, c);
        if (s) {
            out.emplace_back(e.key, *s);
        }
        return s.has_value();
    });
    return ok ? std::optional(out) : std::nullopt;
}

// One rlimit bound: a non-negative integer or "unlimited" (nullopt).
bool parse_rlimit_value(const Node& n, DecodeContext& c, std::optional<uint64_t>& out) {
    if (n.kind == NodeKind::string && n.string == "unlimited") {
        out = std::nullopt;
        return true;
    }
    if (n.kind == NodeKind::integer && n.integer >= 0) {
        out = static_cast<uint64_t>(n.integer);
        return true;
    }
    expected(n, c, "a non-negative integer or \"unlimited\"");
    return false;
}

std::optional<std::vector<Rlimit>> parse_rlimits(const Node& n, DecodeContext& c) {
    std::vector<Rlimit> out;
    bool ok = for_entries(n, c, "a table such as { nofile = 1024 }", [&](const TableEntry& e) {
        if (!names::is_rlimit(e.key)) {
            std::string hint = did_you_mean(e.key, names::rlimits());
            if (hint.empty()) {
                hint =
                    "known limits: as, core, cpu, data, fsize, locks, memlock, msgqueue, "
                    "nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack";
            }
            c.diagnostics.error(e.key_where, c.path, "unknown resource limit " + quoted(e.key),
                                hint);
            return false;
        }
        Rlimit r{e.key, std::nullopt, std::nullopt};
        if (e.value.kind == NodeKind::table) {
            std::string base = c.path;
            bool good = true;
            bool have_soft = false, have_hard = false;
            for (const TableEntry& b : e.value.entries) {
                c.path = base + "." + b.key;
                if (b.key == "soft") {
                    have_soft = true;
                    good = parse_rlimit_value(b.value, c, r.soft) && good;
                } else if (b.key == "hard") {
                    have_hard = true;
                    good = parse_rlimit_value(b.value, c, r.hard) && good;
                } else {
                    c.diagnostics.error(b.key_where, c.path, "unknown key",
                                        did_you_mean(b.key, {"soft", "hard"}).empty()
                                            ? "a limit has only 'soft' and 'hard'"
                                            : did_you_mean(b.key, {"soft", "hard"}));
                    good = false;
                }
                c.record(b.value);
            }
            c.path = base;
            if (good && !(have_soft && have_hard)) {
                c.error(e.value, std::string("missing '") + (have_soft ? "hard" : "soft") + "'",
                        "write both, e.g. { soft = 1024, hard = 4096 }");
                good = false;
            }
            if (good) {
                out.push_back(r);
            }
            return good;
        }
        std::optional<uint64_t> v;
        if (!parse_rlimit_value(e.value, c, v)) {
            return false;
        }
        r.soft = v;
        r.hard = v;
        out.push_back(r);
        return true;
    });
    return ok ? std::optional(out) : std::nullopt;
}

std::optional<int> parse_signal(const Node& n, DecodeContext& c) {
    if (n.kind == NodeKind::integer) {
        if (n.integer < 1 || n.integer > 64) {
            c.error(n, "value " + std::to_string(n.integer) + " is out of range 1..64");
            return std::nullopt;
        }
        return static_cast<int>(n.integer);
    }
    if (n.kind != NodeKind::string) {
        expected(n, c, "a signal such as \"SIGTERM\" or 15");
        return std::nullopt;
    }
    auto v = names::signal_number(n.string);
    if (!v) {
        std::string upper = n.string;
        std::transform(upper.begin(), upper.end(), upper.begin(),
                       [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
        if (upper.rfind("SIG", 0) != 0) {
            upper = "SIG" + upper;
        }
        c.error(n, "unknown signal " + quoted(n.string), did_you_mean(upper, names::signals()));
    }
    return v;
}

std::optional<std::vector<std::string>> parse_capabilities(const Node& n, DecodeContext& c) {
    std::vector<std::string> out;
    bool ok = for_items(n, c, "an array of capability names", [&](const Node& item) {
        auto s = parse_string(item, c);
        if (!s) {
            return false;
        }
        auto cap = names::canonical_capability(*s);
        if (!cap) {
            std::string upper = *s;
            std::transform(upper.begin(), upper.end(), upper.begin(),
                           [](unsigned char ch) { return static_cast<char>(std::toupper(ch)); });
            std::string hint;
            if (upper.rfind("CAP_", 0) != 0 && names::canonical_capability("CAP_" + upper)) {
                hint = "did you mean 'CAP_" + upper + "'?";
            } else {
                hint = did_you_mean(upper, names::capabilities());
            }
            c.error(item, "unknown capability " + quoted(*s), hint);
            return false;
        }
        out.push_back(*cap);
        return true;
    });
    return ok ? std::optional(out) : std::nullopt;
}

std::optional<std::vector<std::string>> parse_syscalls(const Node& n, DecodeContext& c) {
    std::vector<std::string> out;
    bool ok = for_items(n, c, "an array of syscall names", [&](const Node& item) {
        auto s = parse_string(item, c);
        if (!s) {
            return false;
        }
        if (!names::is_syscall(*s)) {
            c.error(item, "unknown syscall " + quoted(*s), did_you_mean(*s, names::syscalls()));
            return false;
        }
        out.push_back(*s);
        return true;
    });
    return ok ? std::optional(out) : std::nullopt;
}

bool is_ip(const std::string& s, int family) {
    unsigned char buf[16];
    return inet_pton(family, s.c_str(), buf) == 1;
}

std::optional<std::string> parse_cidr(const Node& n, DecodeContext& c, int family) {
    const char* example = family == AF_INET ? "\"10.0.0.2/24\"" : "\"fd00::2/64\"";
    std::string what = std::string("an ") + (family == AF_INET ? "IPv4" : "IPv6") +
                       " address with a prefix length such as " + example;
    if (n.kind != NodeKind::string) {
        expected(n, c, what);
        return std::nullopt;
    }
    const std::string& s = n.string;
    size_t slash = s.find('/');
    if (slash == std::string::npos) {
        std::string hint;
        if (is_ip(s, family)) {
            hint = "add the prefix length, e.g. '" + s + (family == AF_INET ? "/24'" : "/64'");
        }
        expected(n, c, what, hint);
        return std::nullopt;
    }
    std::string addr = s.substr(0, slash);
    std::string len = s.substr(slash + 1);
    int max_len = family == AF_INET ? 32 : 128;
    bool len_ok =
        !len.empty() && len.size() <= 3 &&
        std::all_of(len.begin(), len.end(), [](unsigned char ch) { return std::isdigit(ch) != 0; });
    if (!is_ip(addr, family)) {
        std::string hint;
        if (is_ip(addr, family == AF_INET ? AF_INET6 : AF_INET)) {
            hint = family == AF_INET ? "IPv6 addresses go in address6 / host_address6"
                                     : "IPv4 addresses go in address / host_address";
        }
        expected(n, c, what, hint);
        return std::nullopt;
    }
    if (!len_ok || std::stoi(len) > max_len) {
        c.error(n,
                "prefix length in " + quoted(s) + " is out of range 0.." + std::to_string(max_len));
        return std::nullopt;
    }
    return s;
}

std::optional<std::string> parse_ip(const Node& n, DecodeContext& c, int family) {
    std::string what = family == AF_INET    ? "an IPv4 address such as \"10.0.0.1\""
                       : family == AF_INET6 ? "an IPv6 address such as \"fd00::1\""
                                            : "an IP address such as \"1.1.1.1\"";
    if (n.kind != NodeKind::string) {
        expected(n, c, what);
        return std::nullopt;
    }
    bool ok = family == AF_UNSPEC ? (is_ip(n.string, AF_INET) || is_ip(n.string, AF_INET6))
                                  : is_ip(n.string, family);
    if (!ok) {
        std::string hint;
        if (n.string.find('/') != std::string::npos) {
            hint = "write the address without a prefix length";
        }
        expected(n, c, what, hint);
        return std::nullopt;
    }
    return n.string;
}

std::optional<std::vector<std::string>> parse_ip_list(const Node& n, DecodeContext& c) {
    std::vector<std::string> out;
    bool ok = for_items(n, c, "an array of IP addresses", [&](const Node& item) {
        auto s = parse_ip(item, c, AF_UNSPEC);
        if (s) {
            out.push_back(*s);
        }
        return s.has_value();
    });
    return ok ? std::optional(out) : std::nullopt;
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_hosts(const Node& n,
                                                                            DecodeContext& c) {
    std::vector<std::pair<std::string, std::string>> out;
    bool ok = for_entries(n, c, "a table of name = \"address\"", [&](const TableEntry& e) {
        auto s = parse_ip(e.value, c, AF_UNSPEC);
        if (s) {
            out.emplace_back(e.key, *s);
        }
        return s.has_value();
    });
    return ok ? std::optional(out) : std::nullopt;
}

// network.sysctls: "net.ipv4.ping_group_range" = "0 2147483647". Unquoted dotted keys make
// nested tables (net = { ipv4 = { ... } }): flattened back to the dotted name. Only `net.`
// keys: they belong to the sandbox's own network namespace; any other sysctl is the host's.
bool collect_sysctls(const Node& n, DecodeContext& c, const std::string& prefix,
                     std::vector<std::pair<std::string, std::string>>& out) {
    return for_entries(n, c, "a table of \"net.KEY\" = \"value\"", [&](const TableEntry& e) {
        std::string key = prefix.empty() ? e.key : prefix + "." + e.key;
        if (e.value.kind == NodeKind::table) {
            return collect_sysctls(e.value, c, key, out);
        }
        bool name_ok = key.rfind("net.", 0) == 0 && key.size() > 4 &&
                       key.find("..") == std::string::npos && key.back() != '.' &&
                       std::all_of(key.begin(), key.end(), [](unsigned char ch) {
                           return std::isalnum(ch) != 0 || ch == '_' || ch == '.' || ch == '-';
                       });
        if (!name_ok) {
            c.diagnostics.error(e.key_where, c.path,
                                "sysctl " + quoted(key) +
                                    " is not a net.* key of the sandbox's "
                                    "network namespace",
                                "only net.* sysctls are per network namespace; others would "
                                "change the host");
            return false;
        }
        if (e.value.kind == NodeKind::integer) {
            out.emplace_back(key, std::to_string(e.value.integer));
            return true;
        }
        auto s = parse_string(e.value, c);
        if (s) {
            out.emplace_back(key, *s);
        }
        return s.has_value();
    });
}

std::optional<std::vector<std::pair<std::string, std::string>>> parse_sysctls(const Node& n,
                                                                              DecodeContext& c) {
    std::vector<std::pair<std::string, std::string>> out;
    return collect_sysctls(n, c, "", out) ? std::optional(out) : std::nullopt;
}

std::optional<NamespaceSetting> parse_namespace(const Node& n, DecodeContext& c) {
    if (n.kind == NodeKind::boolean) {
        return n.boolean ? NamespaceSetting::new_ns() : NamespaceSetting::host_ns();
    }
    if (n.kind != NodeKind::table) {
        expected(n, c, "true, false or a table such as { join = \"name\" }");
        return std::nullopt;
    }
    if (n.entries.size() != 1) {
        if (n.entries.empty()) {
            c.error(n, "expected one of 'join', 'pid' or 'path', got an empty table");
        } else {
            c.diagnostics.error(n.entries[1].key_where, c.path,
                                "use only one of 'join', 'pid' and 'path'");
        }
        return std::nullopt;
    }
    const TableEntry& e = n.entries.front();
    std::string base = c.path;
    c.path = base + "." + e.key;
    c.record(e.value);
    std::optional<NamespaceSetting> out;
    if (e.key == "join") {
        auto s = parse_string(e.value, c);
        if (s && s->empty()) {
            c.error(e.value, "expected a sandbox name, got an empty string");
        } else if (s) {
            out = NamespaceSetting{NamespaceSetting::Mode::join_sandbox, *s, 0, {}};
        }
    } else if (e.key == "pid") {
        auto v = parse_integer_in(e.value, c, 1, std::numeric_limits<int32_t>::max());
        if (v) {
            out = NamespaceSetting{NamespaceSetting::Mode::join_pid, {}, static_cast<int>(*v), {}};
        }
    } else if (e.key == "path") {
        auto s = parse_path(e.value, c);
        if (s && s->front() != '/') {
            c.error(e.value,
                    "expected an absolute path such as '/proc/1234/ns/net', got " + quoted(*s));
        } else if (s) {
            out = NamespaceSetting{NamespaceSetting::Mode::join_path, {}, 0, *s};
        }
    } else {
        std::string hint = did_you_mean(e.key, {"join", "pid", "path"});
        c.diagnostics.error(e.key_where, c.path, "unknown key",
                            hint.empty() ? "use 'join', 'pid' or 'path'" : hint);
    }
    c.path = base;
    return out;
}

std::optional<std::vector<std::string>> parse_string_or_list(const Node& n, DecodeContext& c) {
    if (n.kind == NodeKind::string) {
        auto s = parse_string(n, c);
        return s ? std::optional(std::vector<std::string>{*s}) : std::nullopt;
    }
    if (n.kind != NodeKind::array) {
        expected(n, c, "a string or an array of strings");
        return std::nullopt;
    }
    return parse_string_list(n, c);
}

std::optional<TtyMode> parse_tty(const Node& n, DecodeContext& c) {
    if (n.kind == NodeKind::boolean) {
        return n.boolean ? TtyMode::enabled : TtyMode::disabled;
    }
    if (n.kind == NodeKind::string && n.string == "auto") {
        return TtyMode::auto_detect;
    }
    expected(n, c, "\"auto\", true or false");
    return std::nullopt;
}

constexpr int64_t k_max_id = 4294967294;  // (uid_t)-1 means "unchanged" to the kernel

std::optional<std::string> parse_id(const Node& n, DecodeContext& c) {
    if (n.kind == NodeKind::integer) {
        auto v = parse_integer_in(n, c, 0, k_max_id);
        return v ? std::optional(std::to_string(*v)) : std::nullopt;
    }
    if (n.kind != NodeKind::string) {
        expected(n, c, "a name or a number");
        return std::nullopt;
    }
    auto s = parse_string(n, c);
    if (s && (s->empty() || s->find_first_of(":/ \t\n") != std::string::npos)) {
        c.error(n, "invalid user or group name " + quoted(*s));
        return std::nullopt;
    }
    return s;
}

std::optional<std::vector<std::string>> parse_id_list(const Node& n, DecodeContext& c) {
    std::vector<std::string> out;
    bool ok = for_items(n, c, "an array of names or numbers", [&](const Node& item) {
        auto s = parse_id(item, c);
        if (s) {
            out.push_back(*s);
        }
        return s.has_value();
    });
    return ok ? std::optional(out) : std::nullopt;
}

std::optional<std::vector<int>> parse_fd_list(const Node& n, DecodeContext& c) {
    std::vector<int> out;
    bool ok = for_items(n, c, "an array of file descriptor numbers", [&](const Node& item) {
        auto v = parse_integer_in(item, c, 3, std::numeric_limits<int32_t>::max());
        if (v) {
            out.push_back(static_cast<int>(*v));
        }
        return v.has_value();
    });
    return ok ? std::optional(out) : std::nullopt;
}

std::optional<std::vector<std::string>> parse_mount_options(const Node& n, DecodeContext& c) {
    std::vector<std::string> out;
    bool ok = for_items(n, c, "an array of mount options", [&](const Node& item) {
        auto s = parse_string(item, c);
        if (!s) {
            return false;
        }
        const auto& flags = names::mount_flags();
        const auto& data = names::mount_data_options();
        std::string name = s->substr(0, s->find('='));
        bool has_value = s->find('=') != std::string::npos;
        bool known = (!has_value && std::find(flags.begin(), flags.end(), name) != flags.end()) ||
                     std::find(data.begin(), data.end(), name) != data.end();
        if (!known) {
            std::string hint;
            if (*s == "ro" || *s == "rw") {
                hint = "use readonly = " + std::string(*s == "ro" ? "true" : "false");
            } else if (*s == "bind" || *s == "rbind") {
                hint = "use type = 'bind' (and recursive)";
            } else if (name == "size") {
                hint = "use the mount's 'size' key";
            } else {
                std::vector<std::string> all = flags;
                all.insert(all.end(), data.begin(), data.end());
                hint = did_you_mean(name, all);
            }
            c.error(item, "unknown mount option " + quoted(*s), hint);
            return false;
        }
        out.push_back(*s);
        return true;
    });
    return ok ? std::optional(out) : std::nullopt;
}

// ---- decoders: parse, then assign into the section object ---------------------------------

template <class T>
struct Unwrap {
    using type = T;
};
template <class T>
struct Unwrap<std::optional<T>> {
    using type = T;
};

template <class Obj, class Access, class Parse>
Decoder assign(Access access, Parse parse) {
    return [access, parse](const Node& n, DecodeContext& c, void* object) {
        auto value = parse(n, c);
        if (value) {
            auto& target = access(*static_cast<Obj*>(object));
            using Target = typename Unwrap<std::remove_reference_t<decltype(target)>>::type;
            target = static_cast<Target>(std::move(*value));
        }
    };
}

template <class Obj, class E, class Access>
Decoder assign_enum(Access access, std::vector<E> values) {
    return [access, values](const Node& n, DecodeContext& c, void* object) {
        auto index = parse_choice(n, c);
        if (index && *index < values.size()) {
            access(*static_cast<Obj*>(object)) = values[*index];
        }
    };
}

// network.veth.address / host_address (and the 6 forms): a CIDR, or "auto" for the address
// pool (docs/networking.md).
std::optional<std::string> cidr_or_auto(const Node& n, DecodeContext& c, int family) {
    if (n.kind == NodeKind::string && n.string == "auto") {
        return n.string;
    }
    return parse_cidr(n, c, family);
}
auto cidr4 = [](const Node& n, DecodeContext& c) { return cidr_or_auto(n, c, AF_INET); };
auto cidr6 = [](const Node& n, DecodeContext& c) { return cidr_or_auto(n, c, AF_INET6); };
auto ipv4 = [](const Node& n, DecodeContext& c) { return parse_ip(n, c, AF_INET); };
auto ipv6 = [](const Node& n, DecodeContext& c) { return parse_ip(n, c, AF_INET6); };

#define SANDBOX_AT(Obj, member) \
    [](Obj & o) -> auto& {      \
        return o.member;        \
    }

constexpr int64_t k_u32_max = std::numeric_limits<uint32_t>::max();

const char* const k_masked_paths =
    R"(["/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", )"
    R"("/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", )"
    R"("/sys/devices/virtual/powercap"])";
const char* const k_readonly_paths =
    R"(["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])";

Field namespace_field(const char* key, const char* what, const char* default_json) {
    std::string path = std::string("namespaces.") + key;
    Field f{.path = path, .type = ValueType::namespace_, .doc = what, .default_json = default_json};
    std::string k = key;
    f.decode = [k](const Node& n, DecodeContext& c, void* object) {
        auto v = parse_namespace(n, c);
        if (!v) {
            return;
        }
        Namespaces& ns = static_cast<Profile*>(object)->namespaces;
        if (k == "user") {
            ns.user = *v;
        } else if (k == "pid") {
            ns.pid = *v;
        } else if (k == "mount") {
            ns.mount = *v;
        } else if (k == "uts") {
            ns.uts = *v;
        } else if (k == "ipc") {
            ns.ipc = *v;
        } else if (k == "net") {
            ns.net = *v;
        } else if (k == "cgroup") {
            ns.cgroup = *v;
        } else if (k == "time") {
            ns.time = *v;
        }
    };
    return f;
}

std::vector<Field> id_map_fields(const std::string& section) {
    return {
        Field{.path = section + ".inside",
              .type = ValueType::integer,
              .doc = "First id inside the sandbox.",
              .minimum = 0,
              .maximum = k_u32_max,
              .required = true,
              .decode = assign<IdMapRange>(SANDBOX_AT(IdMapRange, inside), parse_integer)},
        Field{.path = section + ".outside",
              .type = ValueType::integer,
              .doc = "First id on the host it maps to.",
              .minimum = 0,
              .maximum = k_u32_max,
              .required = true,
              .decode = assign<IdMapRange>(SANDBOX_AT(IdMapRange, outside), parse_integer)},
        Field{.path = section + ".count",
              .type = ValueType::integer,
              .doc = "Number of consecutive ids mapped.",
              .default_json = "1",
              .minimum = 1,
              .maximum = k_u32_max,
              .decode = assign<IdMapRange>(SANDBOX_AT(IdMapRange, count), parse_integer)},
    };
}

std::vector<Field> build_fields() {
    using P = Profile;
    std::vector<Field> f = {
        // ---- top level
        {.path = "version",
         .type = ValueType::integer,
         .doc = "Schema version of the profile; only 1 exists.",
         .default_json = "1",
         .minimum = 1,
         .maximum = INT32_MAX,
         .decode = assign<P>(SANDBOX_AT(P, version), parse_integer)},
        {.path = "name",
         .type = ValueType::string,
         .doc = "Name of the sandbox (state dir, cgroup, default hostname); default: the file's "
                "stem.",
         .decode = assign<P>(SANDBOX_AT(P, name), parse_string)},
        {.path = "description",
         .type = ValueType::string,
         .doc = "Free text shown by `sandbox explain`.",
         .decode = assign<P>(SANDBOX_AT(P, description), parse_string)},
        {.path = "extends",
         .type = ValueType::string_or_list,
         .doc = "Parent profile(s) merged under this one: relative to this file, then the "
                "search path.",
         .decode = assign<P>(SANDBOX_AT(P, extends), parse_string_or_list)},

        // ---- [process]
        {.path = "process.args",
         .type = ValueType::string_list,
         .doc = "The command and its arguments; `sandbox up ... -- CMD` replaces it.",
         .decode = assign<P>(SANDBOX_AT(P, process.args), parse_string_list)},
        {.path = "process.cwd",
         .type = ValueType::path,
         .doc = "Working directory inside the sandbox (absolute).",
         .default_json = R"("/")",
         .decode = assign<P>(SANDBOX_AT(P, process.cwd), parse_path)},
        {.path = "process.env",
         .type = ValueType::env,
         .doc = "Environment variables set for the workload (values are strings).",
         .decode = assign<P>(SANDBOX_AT(P, process.env), parse_env)},
        {.path = "process.inherit_env",
         .type = ValueType::string_list,
         .doc = "Names of host variables passed through; everything else is cleared.",
         .decode = assign<P>(SANDBOX_AT(P, process.inherit_env), parse_env_names)},
        {.path = "process.user",
         .type = ValueType::id,
         .doc = "User to run as: a name (looked up in the rootfs) or a number.",
         .decode = assign<P>(SANDBOX_AT(P, process.user), parse_id)},
        {.path = "process.group",
         .type = ValueType::id,
         .doc = "Group to run as: a name or a number; default: the user's group.",
         .decode = assign<P>(SANDBOX_AT(P, process.group), parse_id)},
        {.path = "process.supplementary_groups",
         .type = ValueType::id_list,
         .doc = "Extra groups (names or numbers).",
         .decode = assign<P>(SANDBOX_AT(P, process.supplementary_groups), parse_id_list)},
        {.path = "process.umask",
         .type = ValueType::mode,
         .doc = "File mode creation mask.",
         .default_json = R"("0022")",
         .minimum = 0,
         .maximum = 0777,
         .decode = assign<P>(SANDBOX_AT(P, process.umask), parse_mode)},
        {.path = "process.tty",
         .type = ValueType::tty,
         .doc = "Give the workload a pseudo-terminal (from the sandbox's own /dev/pts): "
                "\"auto\" when stdin and stdout are both terminals.",
         .default_json = R"("auto")",
         .decode = assign<P>(SANDBOX_AT(P, process.tty), parse_tty)},
        {.path = "process.timeout",
         .type = ValueType::duration,
         .doc = "Stop the sandbox after this long (exit status 124); default: no limit.",
         .decode = assign<P>(SANDBOX_AT(P, process.timeout), parse_duration)},
        {.path = "process.stop_signal",
         .type = ValueType::signal,
         .doc = "Signal sent first on timeout or `sandbox down`.",
         .default_json = R"("SIGTERM")",
         .decode = assign<P>(SANDBOX_AT(P, process.stop_signal), parse_signal)},
        {.path = "process.stop_grace",
         .type = ValueType::duration,
         .doc = "Time between stop_signal and SIGKILL.",
         .default_json = R"("10s")",
         .decode = assign<P>(SANDBOX_AT(P, process.stop_grace), parse_duration)},
        {.path = "process.rlimits",
         .type = ValueType::rlimits,
         .doc = "Resource limits: nofile = 1024 | \"unlimited\" | { soft = .., hard = .. }.",
         .decode = assign<P>(SANDBOX_AT(P, process.rlimits), parse_rlimits)},
        {.path = "process.keep_fds",
         .type = ValueType::fd_list,
         .doc = "File descriptors besides 0, 1, 2 passed to the workload.",
         .decode = assign<P>(SANDBOX_AT(P, process.keep_fds), parse_fd_list)},

        // ---- [rootfs]
        {.path = "rootfs.path",
         .type = ValueType::host_path,
         .doc = "Directory used as the root filesystem.",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.path), parse_path)},
        {.path = "rootfs.archive",
         .type = ValueType::host_path,
         .doc = "tar / tar.gz / tar.xz / tar.zst file unpacked once into a cache and used as root.",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.archive), parse_path)},
        {.path = "rootfs.host",
         .type = ValueType::boolean,
         .doc = "Build the root from read-only binds of the host's /usr /bin /lib* and an /etc "
                "subset over a tmpfs.",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.host), parse_bool)},
        {.path = "rootfs.readonly",
         .type = ValueType::boolean,
         .doc = "Remount / read-only after setup.",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.readonly), parse_bool)},
        {.path = "rootfs.overlay",
         .type = ValueType::boolean,
         .doc = "Put a throw-away copy-on-write layer over path / archive.",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.overlay), parse_bool)},
        {.path = "rootfs.keep_setuid",
         .type = ValueType::boolean,
         .doc = "Archive: keep setuid/setgid bits and security.capability xattrs when unpacking "
                "(dangerous: they are stripped by default, see docs/security.md).",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, rootfs.keep_setuid), parse_bool)},

        // ---- [[mounts]]
        {.path = "mounts[].type",
         .type = ValueType::enumeration,
         .doc = "Kind of mount.",
         .default_json = R"("bind")",
         .choices = names_of(k_mount_type_names),
         .decode = assign_enum<Mount>(SANDBOX_AT(Mount, type), values_of(k_mount_type_names))},
        {.path = "mounts[].source",
         .type = ValueType::host_path,
         .doc = "Host path for a bind (relative paths are relative to the profile file).",
         .decode = assign<Mount>(SANDBOX_AT(Mount, source), parse_path)},
        {.path = "mounts[].target",
         .type = ValueType::path,
         .doc = "Absolute path inside the sandbox.",
         .required = true,
         .decode = assign<Mount>(SANDBOX_AT(Mount, target), parse_path)},
        {.path = "mounts[].readonly",
         .type = ValueType::boolean,
         .doc = "Mount read-only.",
         .default_json = "false",
         .decode = assign<Mount>(SANDBOX_AT(Mount, readonly), parse_bool)},
        {.path = "mounts[].recursive",
         .type = ValueType::boolean,
         .doc = "bind: also bind the mounts below source (MS_REC).",
         .default_json = "true",
         .decode = assign<Mount>(SANDBOX_AT(Mount, recursive), parse_bool)},
        {.path = "mounts[].options",
         .type = ValueType::mount_options,
         .doc = "Mount flags (nosuid, nodev, noexec, noatime, ...) and filesystem options "
                "(uid=, gid=, nr_inodes=, ...).",
         .decode = assign<Mount>(SANDBOX_AT(Mount, options), parse_mount_options)},
        {.path = "mounts[].size",
         .type = ValueType::size,
         .doc = "tmpfs: maximum size.",
         .decode = assign<Mount>(SANDBOX_AT(Mount, size), parse_size)},
        {.path = "mounts[].mode",
         .type = ValueType::mode,
         .doc = "tmpfs: mode of its root; otherwise the mode of a created target.",
         .minimum = 0,
         .maximum = 07777,
         .decode = assign<Mount>(SANDBOX_AT(Mount, mode), parse_mode)},
        {.path = "mounts[].propagation",
         .type = ValueType::enumeration,
         .doc = "Mount propagation of this mount; default: private.",
         .choices = names_of(k_propagation_names),
         .decode =
             assign_enum<Mount>(SANDBOX_AT(Mount, propagation), values_of(k_propagation_names))},
        {.path = "mounts[].create",
         .type = ValueType::boolean,
         .doc = "Create the target (a directory, or a file for a file bind) when missing.",
         .default_json = "true",
         .decode = assign<Mount>(SANDBOX_AT(Mount, create), parse_bool)},
        {.path = "mounts[].optional",
         .type = ValueType::boolean,
         .doc = "bind: skip the mount when source does not exist.",
         .default_json = "false",
         .decode = assign<Mount>(SANDBOX_AT(Mount, optional), parse_bool)},
        {.path = "mounts[].unsafe",
         .type = ValueType::boolean,
         .doc = "bind: allow a source that hands the host to the sandbox (/, /proc, /sys, /dev, "
                "the docker and containerd sockets); see docs/security.md.",
         .default_json = "false",
         .decode = assign<Mount>(SANDBOX_AT(Mount, unsafe), parse_bool)},
        {.path = "mounts[].follow_symlinks",
         .type = ValueType::boolean,
         .doc = "bind: resolve the source through symbolic links (default: a link anywhere in "
                "the source path is an error, ELOOP).",
         .default_json = "false",
         .decode = assign<Mount>(SANDBOX_AT(Mount, follow_symlinks), parse_bool)},

        // ---- [namespaces]
        namespace_field("user",
                        "User namespace; default: new when the caller is not root, else the "
                        "host's.",
                        ""),
        namespace_field("pid", "PID namespace (the sandbox gets its own PID 1).", "true"),
        namespace_field("mount", "Mount namespace (required for a private root).", "true"),
        namespace_field("uts", "UTS namespace (own hostname and domainname).", "true"),
        namespace_field("ipc", "IPC namespace (System V IPC, POSIX message queues).", "true"),
        namespace_field("net", "Network namespace.", "true"),
        namespace_field("cgroup", "Cgroup namespace.", "true"),
        namespace_field("time", "Time namespace (boot and monotonic clock offsets).", "false"),

        // ---- [uts]
        {.path = "uts.hostname",
         .type = ValueType::hostname,
         .doc = "Host name inside the sandbox; default: the sandbox name.",
         .decode = assign<P>(SANDBOX_AT(P, uts.hostname), parse_string)},
        {.path = "uts.domainname",
         .type = ValueType::hostname,
         .doc = "NIS domain name inside the sandbox.",
         .decode = assign<P>(SANDBOX_AT(P, uts.domainname), parse_string)},
    };
    for (auto& m : id_map_fields("uid_map[]")) {
        f.push_back(std::move(m));
    }
    for (auto& m : id_map_fields("gid_map[]")) {
        f.push_back(std::move(m));
    }
    std::vector<Field> rest = {
        // ---- [network]
        {.path = "network.mode",
         .type = ValueType::enumeration,
         .doc = "none: only loopback; host: the host's network; veth: a veth pair to the host.",
         .default_json = R"("none")",
         .choices = names_of(k_network_mode_names),
         .decode = assign_enum<P>(SANDBOX_AT(P, network.mode), values_of(k_network_mode_names))},
        {.path = "network.dns",
         .type = ValueType::ip_list,
         .doc = "Name servers written to the sandbox's /etc/resolv.conf.",
         .decode = assign<P>(SANDBOX_AT(P, network.dns), parse_ip_list)},
        {.path = "network.hosts",
         .type = ValueType::hosts,
         .doc = "Extra /etc/hosts entries: name = \"address\".",
         .decode = assign<P>(SANDBOX_AT(P, network.hosts), parse_hosts)},
        {.path = "network.sysctls",
         .type = ValueType::sysctls,
         .doc = "net.* sysctls of the sandbox's own network namespace, \"net.KEY\" = \"value\". "
                "Every new network namespace already gets net.ipv4.ping_group_range = "
                "\"0 2147483647\" (ping without CAP_NET_RAW); a key here overrides it.",
         .decode = assign<P>(SANDBOX_AT(P, network.sysctls), parse_sysctls)},
        {.path = "network.veth.host_name",
         .type = ValueType::string,
         .doc = "Name of the host end (at most 15 characters); default: derived from the name.",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.host_name), parse_string)},
        {.path = "network.veth.name",
         .type = ValueType::string,
         .doc = "Name of the interface inside the sandbox.",
         .default_json = R"("eth0")",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.name), parse_string)},
        {.path = "network.veth.address",
         .type = ValueType::cidr4,
         .doc = "IPv4 address/prefix inside the sandbox, or \"auto\"; default (with no "
                "host_address and no address6): \"auto\", a /30 from the address pool.",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.address), cidr4)},
        {.path = "network.veth.host_address",
         .type = ValueType::cidr4,
         .doc = "IPv4 address/prefix of the host end, or \"auto\" (with address).",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.host_address), cidr4)},
        {.path = "network.veth.address6",
         .type = ValueType::cidr6,
         .doc = "IPv6 address/prefix inside the sandbox, or \"auto\": a /64 from the IPv6 "
                "address pool.",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.address6), cidr6)},
        {.path = "network.veth.host_address6",
         .type = ValueType::cidr6,
         .doc = "IPv6 address/prefix of the host end, or \"auto\" (with address6).",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.host_address6), cidr6)},
        {.path = "network.veth.gateway",
         .type = ValueType::ipv4,
         .doc = "IPv4 default route inside; default: host_address without its prefix.",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.gateway), ipv4)},
        {.path = "network.veth.gateway6",
         .type = ValueType::ipv6,
         .doc = "IPv6 default route inside; default: host_address6 without its prefix.",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.gateway6), ipv6)},
        {.path = "network.veth.mtu",
         .type = ValueType::integer,
         .doc = "MTU of both ends; default: the kernel's (1500).",
         .minimum = 68,
         .maximum = 65535,
         .decode = assign<P>(SANDBOX_AT(P, network.veth.mtu), parse_integer)},
        {.path = "network.veth.nat",
         .type = ValueType::boolean,
         .doc = "Masquerade the sandbox's traffic leaving the host (nftables).",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.nat), parse_bool)},
        {.path = "network.veth.forwarding",
         .type = ValueType::boolean,
         .doc = "Enable net.ipv4.ip_forward while the sandbox runs.",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, network.veth.forwarding), parse_bool)},
        {.path = "network.ports[].host",
         .type = ValueType::integer,
         .doc = "Host port forwarded into the sandbox.",
         .minimum = 1,
         .maximum = 65535,
         .required = true,
         .decode = assign<PortForward>(SANDBOX_AT(PortForward, host), parse_integer)},
        {.path = "network.ports[].sandbox",
         .type = ValueType::integer,
         .doc = "Port inside the sandbox.",
         .minimum = 1,
         .maximum = 65535,
         .required = true,
         .decode = assign<PortForward>(SANDBOX_AT(PortForward, sandbox), parse_integer)},
        {.path = "network.ports[].protocol",
         .type = ValueType::enumeration,
         .doc = "Transport protocol.",
         .default_json = R"("tcp")",
         .choices = names_of(k_protocol_names),
         .decode = assign_enum<PortForward>(SANDBOX_AT(PortForward, protocol),
                                            values_of(k_protocol_names))},

        // ---- [limits]
        {.path = "limits.memory",
         .type = ValueType::size,
         .doc = "Memory limit (v2 memory.max, v1 memory.limit_in_bytes); at least 1MiB.",
         .decode = assign<P>(SANDBOX_AT(P, limits.memory), parse_size)},
        {.path = "limits.memory_swap",
         .type = ValueType::size,
         .doc = "Swap limit (v2 memory.swap.max); 0 forbids swapping.",
         .decode = assign<P>(SANDBOX_AT(P, limits.memory_swap), parse_size)},
        {.path = "limits.pids",
         .type = ValueType::integer,
         .doc = "Maximum number of processes and threads (pids.max).",
         .minimum = 1,
         .maximum = 4194304,
         .decode = assign<P>(SANDBOX_AT(P, limits.pids), parse_integer)},
        {.path = "limits.cpu",
         .type = ValueType::cpu,
         .doc = "CPU bandwidth in CPUs, e.g. 0.5 or 2 (cpu.max / cfs_quota_us).",
         .decode = assign<P>(SANDBOX_AT(P, limits.cpu), parse_cpu)},
        {.path = "limits.cpu_weight",
         .type = ValueType::integer,
         .doc = "Relative CPU weight (v2 cpu.weight; v1 cpu.shares scaled).",
         .minimum = 1,
         .maximum = 10000,
         .decode = assign<P>(SANDBOX_AT(P, limits.cpu_weight), parse_integer)},
        {.path = "limits.io_weight",
         .type = ValueType::integer,
         .doc = "Relative block I/O weight (v2 io.weight; v1 blkio.weight scaled).",
         .minimum = 1,
         .maximum = 10000,
         .decode = assign<P>(SANDBOX_AT(P, limits.io_weight), parse_integer)},

        // ---- [seccomp]
        {.path = "seccomp.preset",
         .type = ValueType::enumeration,
         .doc = "Built-in rule set the other keys adjust: default (Docker-like), strict, none.",
         .default_json = R"("default")",
         .choices = names_of(k_seccomp_preset_names),
         .decode =
             assign_enum<P>(SANDBOX_AT(P, seccomp.preset), values_of(k_seccomp_preset_names))},
        {.path = "seccomp.default_action",
         .type = ValueType::enumeration,
         .doc = "Action for syscalls no rule matches; default: the preset's.",
         .choices = names_of(k_seccomp_action_names),
         .decode = assign_enum<P>(SANDBOX_AT(P, seccomp.default_action),
                                  values_of(k_seccomp_action_names))},
        {.path = "seccomp.errno",
         .type = ValueType::integer,
         .doc = "errno returned by default_action = \"errno\" and by `deny` (1 = EPERM).",
         .default_json = "1",
         .minimum = 1,
         .maximum = 4095,
         .decode = assign<P>(SANDBOX_AT(P, seccomp.errno_value), parse_integer)},
        {.path = "seccomp.allow",
         .type = ValueType::syscall_list,
         .doc = "Syscalls allowed on top of the preset.",
         .decode = assign<P>(SANDBOX_AT(P, seccomp.allow), parse_syscalls)},
        {.path = "seccomp.deny",
         .type = ValueType::syscall_list,
         .doc = "Syscalls refused with `errno` on top of the preset.",
         .decode = assign<P>(SANDBOX_AT(P, seccomp.deny), parse_syscalls)},
        {.path = "seccomp.import",
         .type = ValueType::host_path,
         .doc = "OCI / Docker seccomp JSON file whose rules are added.",
         .decode = assign<P>(SANDBOX_AT(P, seccomp.import), parse_path)},
        {.path = "seccomp.rules[].names",
         .type = ValueType::syscall_list,
         .doc = "Syscalls this rule matches.",
         .required = true,
         .decode = assign<SeccompRule>(SANDBOX_AT(SeccompRule, names), parse_syscalls)},
        {.path = "seccomp.rules[].action",
         .type = ValueType::enumeration,
         .doc = "What a match does.",
         .choices = names_of(k_seccomp_action_names),
         .required = true,
         .decode = assign_enum<SeccompRule>(SANDBOX_AT(SeccompRule, action),
                                            values_of(k_seccomp_action_names))},
        {.path = "seccomp.rules[].errno",
         .type = ValueType::integer,
         .doc = "errno returned; required with action = \"errno\", refused otherwise.",
         .minimum = 1,
         .maximum = 4095,
         .decode = assign<SeccompRule>(SANDBOX_AT(SeccompRule, errno_value), parse_integer)},
        {.path = "seccomp.rules[].args[].index",
         .type = ValueType::integer,
         .doc = "Argument number, 0..5.",
         .minimum = 0,
         .maximum = 5,
         .required = true,
         .decode = assign<SeccompArg>(SANDBOX_AT(SeccompArg, index), parse_integer)},
        {.path = "seccomp.rules[].args[].op",
         .type = ValueType::enumeration,
         .doc = "Comparison; masked_eq compares (arg & value) with value2.",
         .default_json = R"("eq")",
         .choices = names_of(k_arg_op_names),
         .decode = assign_enum<SeccompArg>(SANDBOX_AT(SeccompArg, op), values_of(k_arg_op_names))},
        {.path = "seccomp.rules[].args[].value",
         .type = ValueType::integer,
         .doc = "Value compared with (the mask for masked_eq).",
         .minimum = 0,
         .maximum = INT64_MAX,
         .required = true,
         .decode = assign<SeccompArg>(SANDBOX_AT(SeccompArg, value), parse_integer)},
        {.path = "seccomp.rules[].args[].value2",
         .type = ValueType::integer,
         .doc = "masked_eq: the value the masked argument must equal.",
         .default_json = "0",
         .minimum = 0,
         .maximum = INT64_MAX,
         .decode = assign<SeccompArg>(SANDBOX_AT(SeccompArg, value2), parse_integer)},

        // ---- [capabilities]
        {.path = "capabilities.keep",
         .type = ValueType::capability_list,
         .doc = "Capabilities kept in the bounding, permitted and effective sets (CAP_* names, "
                "any case); all others are dropped.",
         .decode = assign<P>(SANDBOX_AT(P, capabilities.keep), parse_capabilities)},
        {.path = "capabilities.ambient",
         .type = ValueType::capability_list,
         .doc = "Capabilities also raised in the ambient set (a subset of keep).",
         .decode = assign<P>(SANDBOX_AT(P, capabilities.ambient), parse_capabilities)},

        // ---- [security]
        {.path = "security.no_new_privileges",
         .type = ValueType::boolean,
         .doc = "Set PR_SET_NO_NEW_PRIVS before exec (setuid binaries gain nothing).",
         .default_json = "true",
         .decode = assign<P>(SANDBOX_AT(P, security.no_new_privileges), parse_bool)},
        {.path = "security.masked_paths",
         .type = ValueType::path_list,
         .doc = "Paths hidden from the workload (empty tmpfs / /dev/null over them).",
         .default_json = k_masked_paths,
         .decode = assign<P>(SANDBOX_AT(P, security.masked_paths), parse_path_list)},
        {.path = "security.readonly_paths",
         .type = ValueType::path_list,
         .doc = "Paths remounted read-only.",
         .default_json = k_readonly_paths,
         .decode = assign<P>(SANDBOX_AT(P, security.readonly_paths), parse_path_list)},
        {.path = "security.landlock.enabled",
         .type = ValueType::boolean,
         .doc = "Restrict file access with Landlock to the paths below.",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, security.landlock.enabled), parse_bool)},
        {.path = "security.landlock.read",
         .type = ValueType::path_list,
         .doc = "Paths (inside the sandbox) readable under Landlock.",
         .decode = assign<P>(SANDBOX_AT(P, security.landlock.read), parse_path_list)},
        {.path = "security.landlock.read_write",
         .type = ValueType::path_list,
         .doc = "Paths (inside the sandbox) readable and writable under Landlock.",
         .decode = assign<P>(SANDBOX_AT(P, security.landlock.read_write), parse_path_list)},
        {.path = "security.landlock.best_effort",
         .type = ValueType::boolean,
         .doc = "Run without Landlock (with a warning) when the kernel has none; by default "
                "that is a setup error (exit 125).",
         .default_json = "false",
         .decode = assign<P>(SANDBOX_AT(P, security.landlock.best_effort), parse_bool)},
    };
    for (auto& r : rest) {
        f.push_back(std::move(r));
    }
    return f;
}

#undef SANDBOX_AT

template <class Parent, class Element, class Access>
std::function<void*(void*)> appender(Access access) {
    return [access](void* parent) -> void* {
        std::vector<Element>& v = access(*static_cast<Parent*>(parent));
        v.emplace_back();
        return &v.back();
    };
}

std::vector<Section> build_sections() {
    using P = Profile;
    return {
        {"", SectionKind::table, "Top-level keys.", {}},
        {"process",
         SectionKind::table,
         "The workload: command, environment, identity, limits.",
         {}},
        {"rootfs",
         SectionKind::table,
         "The root filesystem: exactly one of path, archive and host.",
         {}},
        {"mounts[]", SectionKind::array_of_tables,
         "Mounts made inside the sandbox, in order, after the root is prepared.",
         appender<P, Mount>([](P & p) -> auto& { return p.mounts; })},
        {"namespaces",
         SectionKind::table,
         "Each namespace: true (new), false (the host's), { join = \"sandbox\" }, { pid = N } or "
         "{ path = \"/proc/N/ns/x\" }.",
         {}},
        {"uts", SectionKind::table, "Host and domain name (need a new uts namespace).", {}},
        {"uid_map[]", SectionKind::array_of_tables,
         "User id ranges of the user namespace; default: root inside is the caller. "
         "`uid_map = \"auto\"`: 65536 ids (0-65535 inside) from a host range chosen when the "
         "sandbox starts, which no /etc/subuid or /etc/subgid entry and no other sandbox uses "
         "(rootless: the caller's /etc/subuid range); needs `gid_map = \"auto\"`.",
         appender<P, IdMapRange>([](P & p) -> auto& { return p.uid_map; })},
        {"gid_map[]", SectionKind::array_of_tables,
         "Group id ranges of the user namespace; default: root inside is the caller's group. "
         "`gid_map = \"auto\"`: as uid_map (the same range).",
         appender<P, IdMapRange>([](P & p) -> auto& { return p.gid_map; })},
        {"network", SectionKind::table, "Networking.", {}},
        {"network.veth", SectionKind::table, "The veth pair (network.mode = \"veth\").", {}},
        {"network.ports[]", SectionKind::array_of_tables,
         "Host ports forwarded to the sandbox (network.mode = \"veth\").",
         appender<P, PortForward>([](P & p) -> auto& { return p.network.ports; })},
        {"limits", SectionKind::table, "Cgroup limits.", {}},
        {"seccomp", SectionKind::table, "System call filter, installed last before exec.", {}},
        {"seccomp.rules[]", SectionKind::array_of_tables,
         "Extra rules, applied after the preset, allow and deny.",
         appender<P, SeccompRule>([](P & p) -> auto& { return p.seccomp.rules; })},
        {"seccomp.rules[].args[]", SectionKind::array_of_tables,
         "Argument conditions; all must hold for the rule to match.",
         appender<SeccompRule, SeccompArg>([](SeccompRule & r) -> auto& { return r.args; })},
        {"capabilities",
         SectionKind::table,
         "Capabilities of the workload; by default it keeps none.",
         {}},
        {"security", SectionKind::table, "Other hardening.", {}},
        {"security.landlock", SectionKind::table, "Landlock file-access rules.", {}},
    };
}

}  // namespace

const std::vector<Section>& sections() {
    static const std::vector<Section> all = build_sections();
    return all;
}

const std::vector<Field>& fields() {
    static const std::vector<Field> all = build_fields();
    return all;
}

const std::vector<SectionShorthand>& section_shorthands() {
    static const std::vector<SectionShorthand> all = {
        {"uid_map[]",
         {"auto"},
         [](void* p, const std::string&) { static_cast<Profile*>(p)->uid_map_auto = true; }},
        {"gid_map[]",
         {"auto"},
         [](void* p, const std::string&) { static_cast<Profile*>(p)->gid_map_auto = true; }},
    };
    return all;
}

const SectionShorthand* find_shorthand(std::string_view section_path) {
    for (const SectionShorthand& s : section_shorthands()) {
        if (s.section == section_path) {
            return &s;
        }
    }
    return nullptr;
}

const Section* find_section(std::string_view path) {
    for (const Section& s : sections()) {
        if (s.path == path) {
            return &s;
        }
    }
    return nullptr;
}

const Field* find_field(std::string_view path) {
    for (const Field& f : fields()) {
        if (f.path == path) {
            return &f;
        }
    }
    return nullptr;
}

}  // namespace sandbox::profile
