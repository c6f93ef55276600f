// The YAML reader's lexical half (profile/read_yaml.cpp has the event builder): the pre-scan that
// bounds nesting before yaml-cpp recurses, and scalars typed by the YAML 1.2 core schema.
#include "profile/yaml_lexical.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "profile/readers.hpp"

namespace sandbox::profile::yaml_lexical {

namespace {
// The pre-scan may overcount a little (a continued plain scalar looks like a deeper block);
// it only has to keep yaml-cpp's recursion shallow, the builder checks the exact depth.
constexpr size_t k_prescan_depth = 2 * k_max_depth;

bool is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
}

}  // namespace

std::optional<ScanHit> prescan_yaml(std::string_view text) {
    enum class Quote { none, single, dbl };
    Quote quote = Quote::none;
    std::vector<size_t> indents;  // columns of the open block levels
    size_t flow = 0;              // open [ and {
    bool block_scalar = false;    // inside the content of a | or > scalar
    size_t block_parent_indent = 0;
    uint32_t line_no = 0;
    size_t pos = 0;
    const size_t n = text.size();
    auto too_deep = [&] { return indents.size() + flow > k_prescan_depth; };
    auto column_of = [&](std::string_view l, size_t p) {
        uint32_t col = 1;
        for (size_t k = 0; k < p && k < l.size(); ++k) {
            if ((static_cast<unsigned char>(l[k]) & 0xC0) != 0x80) {
                ++col;
            }
        }
        return col;
    };
    while (pos < n) {
        ++line_no;
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) {
            end = n;
        }
        std::string_view l = text.substr(pos, end - pos);
        pos = end + 1;
        size_t ind = 0;
        while (ind < l.size() && l[ind] == ' ') {
            ++ind;
        }
        size_t first = ind;
        while (first < l.size() && is_blank(l[first])) {
            ++first;
        }
        bool empty = first == l.size();
        if (block_scalar) {
            if (empty || ind > block_parent_indent) {
                continue;
            }
            block_scalar = false;
        }
        size_t p = 0;
        bool node_start = true;
        if (quote == Quote::none && flow == 0) {
            if (empty || l[first] == '#') {
                continue;
            }
            bool marker = ind == 0 && (l.substr(0, 3) == "---" || l.substr(0, 3) == "...") &&
                          (l.size() == 3 || is_blank(l[3]));
            if (marker) {
                indents.clear();
                p = 3;
            } else {
                while (!indents.empty() && indents.back() > ind) {
                    indents.pop_back();
                }
                if (indents.empty() || indents.back() < ind) {
                    indents.push_back(ind);
                }
                p = ind;
                // Compact block nesting on one line: "- - - x", "? - x", "- key: …".
                while (p < l.size() && (l[p] == '-' || l[p] == '?' || l[p] == ':') &&
                       (p + 1 == l.size() || is_blank(l[p + 1]))) {
                    ++p;
                    while (p < l.size() && is_blank(l[p])) {
                        ++p;
                    }
                    if (p < l.size() && l[p] != '#' && indents.back() < p) {
                        indents.push_back(p);
                    }
                    if (too_deep()) {
                        return ScanHit{line_no, column_of(l, p)};
                    }
                }
            }
            if (too_deep()) {
                return ScanHit{line_no, column_of(l, p)};
            }
        }
        for (; p < l.size(); ++p) {
            char c = l[p];
            if (quote == Quote::dbl) {
                if (c == '\\') {
                    ++p;
                } else if (c == '"') {
                    quote = Quote::none;
                    node_start = false;
                }
                continue;
            }
            if (quote == Quote::single) {
                if (c == '\'') {
                    if (p + 1 < l.size() && l[p + 1] == '\'') {
                        ++p;
                    } else {
                        quote = Quote::none;
                        node_start = false;
                    }
                }
                continue;
            }
            if (is_blank(c)) {
                continue;
            }
            if (c == '#' && (p == 0 || is_blank(l[p - 1]))) {
                break;  // comment
            }
            if (node_start) {
                if (c == '[' || c == '{') {
                    ++flow;
                    if (too_deep()) {
                        return ScanHit{line_no, column_of(l, p)};
                    }
                    continue;
                }
                if (c == '"') {
                    quote = Quote::dbl;
                    continue;
                }
                if (c == '\'') {
                    quote = Quote::single;
                    continue;
                }
                if (c == '&' || c == '!') {  // node properties: an anchor or a tag
                    while (p + 1 < l.size() && !is_blank(l[p + 1])) {
                        ++p;
                    }
                    continue;
                }
                if ((c == '|' || c == '>') && flow == 0) {
                    block_scalar = true;
                    block_parent_indent = ind;
                    break;
                }
                node_start = false;
            }
            if (flow > 0) {
                if (c == '[' || c == '{') {
                    ++flow;
                    if (too_deep()) {
                        return ScanHit{line_no, column_of(l, p)};
                    }
                    node_start = true;
                } else if (c == ']' || c == '}') {
                    --flow;
                } else if (c == ',' || c == ':' || c == '?') {
                    node_start = true;
                }
                continue;
            }
            if (c == ':' && (p + 1 == l.size() || is_blank(l[p + 1]))) {
                node_start = true;  // "key: value"
            }
        }
    }
    return std::nullopt;
}

// ---- scalars: the YAML 1.2 core schema -------------------------------------------------------
bool is_null_literal(std::string_view v) {
    return v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL";
}

std::optional<bool> bool_literal(std::string_view v) {
    if (v == "true" || v == "True" || v == "TRUE") {
        return true;
    }
    if (v == "false" || v == "False" || v == "FALSE") {
        return false;
    }
    return std::nullopt;
}

bool all_digits(std::string_view s, int base) {
    if (s.empty()) {
        return false;
    }
    for (char c : s) {
        bool ok = base == 16  ? std::isxdigit(static_cast<unsigned char>(c)) != 0
                  : base == 8 ? (c >= '0' && c <= '7')
                              : (c >= '0' && c <= '9');
        if (!ok) {
            return false;
        }
    }
    return true;
}

IntParse int_literal(std::string_view v, int64_t& out) {
    int base = 10;
    bool negative = false;
    std::string_view digits = v;
    if (v.size() > 2 && v[0] == '0' && v[1] == 'o') {
        base = 8;
        digits = v.substr(2);
    } else if (v.size() > 2 && v[0] == '0' && v[1] == 'x') {
        base = 16;
        digits = v.substr(2);
    } else if (!v.empty() && (v[0] == '-' || v[0] == '+')) {
        negative = v[0] == '-';
        digits = v.substr(1);
    }
    if (!all_digits(digits, base)) {
        return IntParse::not_int;
    }
    // Parse the magnitude as unsigned so INT64_MIN is representable.
    uint64_t magnitude = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude, base);
    if (ec != std::errc{} || ptr != digits.data() + digits.size()) {
        return IntParse::overflow;
    }
    if (negative) {
        if (magnitude > static_cast<uint64_t>(INT64_MAX) + 1) {
            return IntParse::overflow;
        }
        out = magnitude == static_cast<uint64_t>(INT64_MAX) + 1 ? INT64_MIN
                                                                : -static_cast<int64_t>(magnitude);
    } else {
        if (magnitude > static_cast<uint64_t>(INT64_MAX)) {
            return IntParse::overflow;
        }
        out = static_cast<int64_t>(magnitude);
    }
    return IntParse::ok;
}

// [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?  and  [-+]?.inf, .nan
std::optional<double> float_literal(std::string_view v) {
    std::string_view s = v;
    bool negative = false;
    if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
        negative = s[0] == '-';
        s = s.substr(1);
    }
    if (s == ".inf" || s == ".Inf" || s == ".INF") {
        return negative ? -INFINITY : INFINITY;
    }
    if (v == ".nan" || v == ".NaN" || v == ".NAN") {
        return NAN;
    }
    size_t i = 0;
    size_t int_digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        ++i;
        ++int_digits;
    }
    size_t frac_digits = 0;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            ++i;
            ++frac_digits;
        }
    }
    if (int_digits == 0 && frac_digits == 0) {
        return std::nullopt;
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '-' || s[i] == '+')) {
            ++i;
        }
        size_t exp_digits = 0;
        while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
            ++i;
            ++exp_digits;
        }
        if (exp_digits == 0) {
            return std::nullopt;
        }
    }
    if (i != s.size()) {
        return std::nullopt;
    }
    double out = 0;
    // from_chars takes neither a leading '+' nor a bare leading '.' in every libstdc++: give
    // it "0" + s for ".5".
    std::string buf = (s[0] == '.' ? "0" : "") + std::string(s);
    auto [ptr, ec] = std::from_chars(buf.data(), buf.data() + buf.size(), out);
    if (ptr != buf.data() + buf.size() ||
        (ec != std::errc{} && ec != std::errc::result_out_of_range)) {
        return std::nullopt;
    }
    if (ec == std::errc::result_out_of_range) {
        return INFINITY;  // "1e999": refused below like .inf
    }
    return negative ? -out : out;
}

}  // namespace sandbox::profile::yaml_lexical
