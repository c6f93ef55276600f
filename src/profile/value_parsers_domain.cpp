// Value parsers, part 2: the domain types: rlimits, signals, capabilities, syscalls,
// addresses and sysctls, namespaces, tty, user and group ids, fds, mount options.
#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/units.hpp"
#include "profile/enum_names.hpp"
#include "profile/names.hpp"
#include "profile/value_parsers.hpp"

namespace sandbox::profile::values {

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
    return checked_strings(
        n, c, "an array of capability names",
        [&](const Node& item, const std::string& text) -> std::optional<std::string> {
            auto cap = names::canonical_capability(text);
            if (!cap) {
                std::string upper = text;
                std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char ch) {
                    return static_cast<char>(std::toupper(ch));
                });
                std::string hint;
                if (upper.rfind("CAP_", 0) != 0 && names::canonical_capability("CAP_" + upper)) {
                    hint = "did you mean 'CAP_" + upper + "'?";
                } else {
                    hint = did_you_mean(upper, names::capabilities());
                }
                c.error(item, "unknown capability " + quoted(text), hint);
                return std::nullopt;
            }
            return *cap;
        });
}

std::optional<std::vector<std::string>> parse_syscalls(const Node& n, DecodeContext& c) {
    return checked_strings(
        n, c, "an array of syscall names",
        [&](const Node& item, const std::string& text) -> std::optional<std::string> {
            if (!names::is_syscall(text)) {
                c.error(item, "unknown syscall " + quoted(text),
                        did_you_mean(text, names::syscalls()));
                return std::nullopt;
            }
            return text;
        });
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
    return list_of(n, c, "an array of IP addresses",
                   [&](const Node& item) { return parse_ip(item, c, AF_UNSPEC); });
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
        } else if (s && !names::is_sandbox_name(*s)) {
            c.error(e.value, "'" + *s + "' is not a sandbox name",
                    "sandbox names are up to 64 letters, digits, '-', '_' and '.', starting "
                    "with a letter or digit");
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
    return list_of(n, c, "an array of names or numbers",
                   [&](const Node& item) { return parse_id(item, c); });
}

std::optional<std::vector<int>> parse_fd_list(const Node& n, DecodeContext& c) {
    return list_of(n, c, "an array of file descriptor numbers",
                   [&](const Node& item) -> std::optional<int> {
                       auto v = parse_integer_in(item, c, 3, std::numeric_limits<int32_t>::max());
                       return v ? std::optional<int>(static_cast<int>(*v)) : std::nullopt;
                   });
}

std::optional<std::vector<std::string>> parse_mount_options(const Node& n, DecodeContext& c) {
    return checked_strings(
        n, c, "an array of mount options",
        [&](const Node& item, const std::string& text) -> std::optional<std::string> {
            const auto& flags = names::mount_flags();
            const auto& data = names::mount_data_options();
            std::string name = text.substr(0, text.find('='));
            bool has_value = text.find('=') != std::string::npos;
            bool known =
                (!has_value && std::find(flags.begin(), flags.end(), name) != flags.end()) ||
                std::find(data.begin(), data.end(), name) != data.end();
            if (!known) {
                std::string hint;
                if (text == "ro" || text == "rw") {
                    hint = "use readonly = " + std::string(text == "ro" ? "true" : "false");
                } else if (text == "bind" || text == "rbind") {
                    hint = "use type = 'bind' (and recursive)";
                } else if (name == "size") {
                    hint = "use the mount's 'size' key";
                } else {
                    std::vector<std::string> all = flags;
                    all.insert(all.end(), data.begin(), data.end());
                    hint = did_you_mean(name, all);
                }
                c.error(item, "unknown mount option " + quoted(text), hint);
                return std::nullopt;
            }
            return text;
        });
}

}  // namespace sandbox::profile::values
