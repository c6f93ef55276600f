// Value parsers, part 1: scalars, sizes and durations, modes, string and path lists, env.
#include "profile/value_parsers.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/units.hpp"
#include "profile/enum_names.hpp"
#include "profile/names.hpp"

namespace sandbox::profile::values {

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

void expected(const Node& n, DecodeContext& c, std::string_view what, std::string hint) {
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

std::optional<std::vector<std::string>> parse_string_list(const Node& n, DecodeContext& c) {
    return list_of(n, c, "an array of strings",
                   [&](const Node& item) { return parse_string(item, c); });
}

std::optional<std::vector<std::string>> parse_path_list(const Node& n, DecodeContext& c) {
    return list_of(n, c, "an array of paths",
                   [&](const Node& item) { return parse_path(item, c); });
}

bool valid_env_name(const std::string& name) {
    return !name.empty() && name.find('=') == std::string::npos && !has_nul(name);
}

std::optional<std::vector<std::string>> parse_env_names(const Node& n, DecodeContext& c) {
    return checked_strings(
        n, c, "an array of variable names",
        [&](const Node& item, const std::string& text) -> std::optional<std::string> {
            if (!valid_env_name(text)) {
                c.error(item, "invalid variable name " + quoted(text),
                        "a name is not empty and has no '=' in it");
                return std::nullopt;
            }
            return text;
        });
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

}  // namespace sandbox::profile::values
