// read_toml: TOML text -> Document, through toml++ 3.3. The ONLY file that includes toml++.
//
// Before toml++ sees the text: size, UTF-8/NUL (check_text) and a nesting pre-scan. toml++
// caps nested arrays/inline tables at 256 itself, but dotted keys and table headers
// (`[a.a.a.a…]`, 500 000 levels in 1 MiB) build a tree that toml++'s own destructor and our
// conversion would walk recursively, so the pre-scan bounds those too. The conversion then
// enforces the exact limits (k_max_depth, k_max_nodes) and refuses dates/times and NaN/inf.
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "profile/loader.hpp"
#include "profile/readers.hpp"

namespace sandbox::profile {

namespace {

// ---- pre-scan: bracket depth and dotted-key length, without parsing ------------------------
// Conservative on purpose: it only has to stop pathological input before toml++ builds it.
// Returns the position (line, column) where a limit is exceeded, or nullopt.
std::optional<ScanHit> prescan_toml(std::string_view text) {
    enum class Str { none, basic, literal, ml_basic, ml_literal };
    Str str = Str::none;
    bool comment = false;
    bool key_ctx = true;  // at a key (line start at top level, or in an inline table)
    size_t segments = 1;
    std::vector<char> brackets;  // '[' arrays, '{' inline tables (header brackets excluded)
    uint32_t line = 1;
    uint32_t column = 0;
    const size_t n = text.size();
    for (size_t i = 0; i < n; ++i) {
        char c = text[i];
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) {
            ++column;  // count code points
        }
        if (c == '\n') {
            ++line;
            column = 0;
            comment = false;
            if (str == Str::basic || str == Str::literal) {
                str = Str::none;  // unterminated: toml++ reports it
            }
            if (str == Str::none && brackets.empty()) {
                key_ctx = true;
                segments = 1;
            }
            continue;
        }
        if (comment) {
            continue;
        }
        switch (str) {
            case Str::basic:
                if (c == '\\') {
                    ++i;
                } else if (c == '"') {
                    str = Str::none;
                }
                continue;
            case Str::literal:
                if (c == '\'') {
                    str = Str::none;
                }
                continue;
            case Str::ml_basic:
                if (c == '\\') {
                    ++i;
                } else if (text.substr(i, 3) == "\"\"\"") {
                    str = Str::none;
                    i += 2;
                }
                continue;
            case Str::ml_literal:
                if (text.substr(i, 3) == "'''") {
                    str = Str::none;
                    i += 2;
                }
                continue;
            case Str::none:
                break;
        }
        if (c == '#') {
            comment = true;
            continue;
        }
        if (c == '"' || c == '\'') {
            // A string opens; tripled quotes (outside a key) open a multi-line one.
            bool basic = c == '"';
            if (!key_ctx && text.substr(i, 3) == std::string(3, c)) {
                str = basic ? Str::ml_basic : Str::ml_literal;
                i += 2;
            } else {
                str = basic ? Str::basic : Str::literal;
            }
            continue;
        }
        if (key_ctx) {
            if (c == '.') {
                if (++segments > k_max_depth) {
                    return ScanHit{line, column};
                }
            } else if (c == '=') {
                key_ctx = false;
            } else if (c == ']' && brackets.empty()) {
                key_ctx = false;  // end of a table header
            }
            continue;
        }
        if (c == '[' || c == '{') {
            brackets.push_back(c);
            if (brackets.size() > k_max_depth) {
                return ScanHit{line, column};
            }
            if (c == '{') {
                key_ctx = true;
                segments = 1;
            }
        } else if ((c == ']' || c == '}') && !brackets.empty()) {
            brackets.pop_back();
        } else if (c == ',' && !brackets.empty() && brackets.back() == '{') {
            key_ctx = true;
            segments = 1;
        }
    }
    return std::nullopt;
}

// ---- toml++ tree -> Node ---------------------------------------------------------------------
std::string quote_key_if_needed(const std::string& key) {
    bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
    return bare ? key : "\"" + key + "\"";
}

std::string join_key(const std::string& parent, const std::string& key) {
    return parent.empty() ? quote_key_if_needed(key) : parent + "." + quote_key_if_needed(key);
}

class Converter {
public:
    Converter(std::shared_ptr<const std::string> file, Diagnostics& diagnostics)
        : m_file(std::move(file)), m_diagnostics(diagnostics) {}

    bool ok() const { return m_ok; }

    SourceLocation at(const toml::source_region& region) const {
        return SourceLocation::in(m_file, region.begin.line, region.begin.column);
    }

    Node convert(const toml::node& node, const std::string& key_path, size_t depth) {
        Node out;
        out.where = at(node.source());
        if (!m_ok) {
            return out;
        }
        if (++m_nodes > k_max_nodes) {
            fail(out.where, key_path,
                 "too many values (the limit is " + std::to_string(k_max_nodes) + ")");
            return out;
        }
        if (depth > k_max_depth) {
            fail(out.where, key_path,
                 "nested deeper than " + std::to_string(k_max_depth) + " levels");
            return out;
        }
        switch (node.type()) {
            case toml::node_type::table: {
                out.kind = NodeKind::table;
                const toml::table& table = *node.as_table();
                // toml++ keeps keys sorted; a Document keeps them in file order.
                std::vector<std::pair<const toml::key*, const toml::node*>> children;
                for (auto&& [key, value] : table) {
                    children.emplace_back(&key, &value);
                }
                std::stable_sort(children.begin(), children.end(), [](auto& a, auto& b) {
                    const auto& pa = a.first->source().begin;
                    const auto& pb = b.first->source().begin;
                    return std::tie(pa.line, pa.column) < std::tie(pb.line, pb.column);
                });
                for (auto& [key, value] : children) {
                    std::string name(key->str());
                    std::string path = join_key(key_path, name);
                    Node child = convert(*value, path, depth + 1);
                    out.entries.push_back(
                        TableEntry{std::move(name), at(key->source()), std::move(child)});
                }
                break;
            }
            case toml::node_type::array: {
                out.kind = NodeKind::array;
                size_t index = 0;
                for (const toml::node& item : *node.as_array()) {
                    out.items.push_back(
                        convert(item, key_path + "[" + std::to_string(index++) + "]", depth + 1));
                }
                break;
            }
            case toml::node_type::string:
                out.kind = NodeKind::string;
                out.string = node.as_string()->get();
                break;
            case toml::node_type::integer:
                out.kind = NodeKind::integer;
                out.integer = node.as_integer()->get();
                break;
            case toml::node_type::floating_point:
                out.kind = NodeKind::floating;
                out.floating = node.as_floating_point()->get();
                if (!std::isfinite(out.floating)) {
                    // No profile value is a float that could be infinite or NaN (limits.cpu
                    // is a CPU count): refuse them here rather than in every decoder.
                    fail(out.where, key_path, "nan and inf are not allowed in a profile");
                }
                break;
            case toml::node_type::boolean:
                out.kind = NodeKind::boolean;
                out.boolean = node.as_boolean()->get();
                break;
            case toml::node_type::date:
            case toml::node_type::time:
            case toml::node_type::date_time:
                fail(out.where, key_path, "TOML dates and times are not supported in a profile",
                     "quote it to make it a string");
                break;
            case toml::node_type::none:
                break;
        }
        return out;
    }

private:
    void fail(const SourceLocation& where, const std::string& key_path, std::string message,
              std::string hint = {}) {
        m_diagnostics.error(where, key_path, std::move(message), std::move(hint));
        m_ok = false;
    }

    std::shared_ptr<const std::string> m_file;
    Diagnostics& m_diagnostics;
    size_t m_nodes = 0;
    bool m_ok = true;
};

// ---- duplicate keys: where was the first one? -------------------------------------------------
// toml++ reports a redefinition at the second occurrence but does not say where the first one
// was. The text before the offending line is a valid TOML prefix that holds the first one:
// parse it again and look the key up (relative to the last `[header]` for a key = value).

// "a . \"b.c\" . 'd'" -> {a, b.c, d}; nullopt when it is not a plain key.
std::optional<std::vector<std::string>> split_toml_key(std::string_view text) {
    std::vector<std::string> out;
    size_t i = 0;
    auto skip_ws = [&] {
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) {
            ++i;
        }
    };
    while (true) {
        skip_ws();
        if (i >= text.size()) {
            return std::nullopt;
        }
        std::string seg;
        if (text[i] == '"' || text[i] == '\'') {
            char q = text[i++];
            while (i < text.size() && text[i] != q) {
                if (q == '"' && text[i] == '\\') {
                    return std::nullopt;  // escapes: not worth decoding for a hint
                }
                seg += text[i++];
            }
            if (i >= text.size()) {
                return std::nullopt;
            }
            ++i;
        } else {
            while (i < text.size() && text[i] != '.' && text[i] != ' ' && text[i] != '\t') {
                seg += text[i++];
            }
        }
        out.push_back(std::move(seg));
        skip_ws();
        if (i >= text.size()) {
            return out;
        }
        if (text[i] != '.') {
            return std::nullopt;
        }
        ++i;
    }
}

// The last explicitly opened table (the one a `key = value` line belongs to), and its path.
struct LastHeader {
    const toml::table* table = nullptr;
    std::string path;
    std::tuple<uint32_t, uint32_t, size_t> pos{0, 0, 0};
};

void find_last_header(const toml::table& table, const std::string& path, LastHeader& best,
                      size_t depth) {
    for (auto&& [key, value] : table) {
        std::string key_path = join_key(path, std::string(key.str()));
        auto consider = [&](const toml::table& t, const std::string& t_path) {
            if (t.is_inline()) {
                return;
            }
            const auto& b = t.source().begin;
            auto pos = std::make_tuple(static_cast<uint32_t>(b.line),
                                       static_cast<uint32_t>(b.column), depth);
            if (b.line != 0 && pos > best.pos) {
                best = LastHeader{&t, t_path, pos};
            }
            if (depth < k_max_depth) {
                find_last_header(t, t_path, best, depth + 1);
            }
        };
        if (const toml::table* t = value.as_table()) {
            consider(*t, key_path);
        } else if (const toml::array* a = value.as_array()) {
            for (size_t i = 0; i < a->size(); ++i) {
                if (const toml::table* it = a->get(i)->as_table()) {
                    consider(*it, key_path + "[" + std::to_string(i) + "]");
                }
            }
        }
    }
}

const toml::key* lookup_key(const toml::table& start, const std::vector<std::string>& segments) {
    const toml::table* table = &start;
    for (size_t i = 0; i < segments.size(); ++i) {
        auto it = table->find(segments[i]);
        if (it == table->end()) {
            return nullptr;
        }
        if (i + 1 == segments.size()) {
            return &it->first;
        }
        const toml::node& next = it->second;
        if (const toml::table* t = next.as_table()) {
            table = t;
        } else if (const toml::array* a = next.as_array();
                   a && !a->empty() && a->back().is_table()) {
            table = a->back().as_table();
        } else {
            return nullptr;
        }
    }
    return nullptr;
}

struct Redefinition {
    std::string key_path;
    uint32_t line;  // of the first definition
    uint32_t column;
    uint32_t error_column;  // where the second one starts
};

std::optional<Redefinition> find_first_definition(std::string_view text,
                                                  const toml::parse_error& error) {
    std::string_view desc = error.description();
    size_t at = desc.find("cannot redefine existing");
    if (at == std::string_view::npos) {
        return std::nullopt;
    }
    desc = desc.substr(at);
    size_t q1 = desc.find('\'');
    size_t q2 = desc.rfind('\'');
    if (q1 == std::string_view::npos || q2 <= q1) {
        return std::nullopt;
    }
    auto segments = split_toml_key(desc.substr(q1 + 1, q2 - q1 - 1));
    if (!segments) {
        return std::nullopt;
    }
    // The prefix: every line before the error's line.
    size_t error_line = error.source().begin.line;
    size_t offset = 0;
    for (size_t line = 1; line < error_line && offset != std::string_view::npos; ++line) {
        offset = text.find('\n', offset);
        if (offset != std::string_view::npos) {
            ++offset;
        }
    }
    if (offset == std::string_view::npos || offset == 0) {
        return std::nullopt;
    }
    std::string_view rest = text.substr(offset);
    size_t first = rest.find_first_not_of(" \t");
    bool is_header = first != std::string_view::npos && rest[first] == '[';
    try {
        toml::table prefix = toml::parse(text.substr(0, offset));
        LastHeader base{&prefix, "", {0, 0, 0}};
        if (!is_header) {
            find_last_header(prefix, "", base, 0);
        }
        const toml::key* key = lookup_key(*base.table, *segments);
        if (key == nullptr) {
            return std::nullopt;
        }
        std::string path = base.path;
        for (const std::string& s : *segments) {
            path = join_key(path, s);
        }
        // toml++ points after the key of a `key = value`; the key itself is more useful.
        uint32_t column = static_cast<uint32_t>(first + 1);
        return Redefinition{
            path, static_cast<uint32_t>(key->source().begin.line),
            static_cast<uint32_t>(key->source().begin.column),
            is_header ? static_cast<uint32_t>(error.source().begin.column) : column};
    } catch (const toml::parse_error&) {
        return std::nullopt;
    }
}

}  // namespace

std::optional<Document> read_toml(const std::string& path, std::string_view text,
                                  Diagnostics& diagnostics) {
    auto file = std::make_shared<const std::string>(path);
    if (!check_before_parsing(file, text, prescan_toml, diagnostics)) {
        return std::nullopt;
    }
    toml::table table;
    try {
        table = toml::parse(text, path);
    } catch (const toml::parse_error& error) {
        const auto& begin = error.source().begin;
        SourceLocation where = SourceLocation::in(file, static_cast<uint32_t>(begin.line),
                                                  static_cast<uint32_t>(begin.column));
        if (auto first = find_first_definition(text, error)) {
            where.column = first->error_column;
            diagnostics.error(where, first->key_path,
                              "duplicate key (first defined at " + std::to_string(first->line) +
                                  ":" + std::to_string(first->column) + ")");
        } else {
            diagnostics.error(where, "", "invalid TOML: " + std::string(error.description()));
        }
        return std::nullopt;
    }
    Converter converter(file, diagnostics);
    Node root = converter.convert(table, "", 0);
    if (!converter.ok()) {
        return std::nullopt;
    }
    root.where = SourceLocation::in(file, 1, 1);
    return Document{std::move(root), path};
}

std::optional<Node> parse_toml_value(std::string_view text, const SourceLocation& where) {
    std::string doc = "v = ";
    doc += text;
    if (doc.size() > k_max_profile_bytes || prescan_toml(doc)) {
        return std::nullopt;
    }
    Diagnostics ignored;
    if (!check_text("", doc, ignored)) {
        return std::nullopt;
    }
    try {
        toml::table table = toml::parse(std::string_view(doc), std::string_view("--set"));
        if (table.size() != 1 || !table.contains("v")) {
            return std::nullopt;
        }
        Converter converter(where.file, ignored);
        Node value = converter.convert(*table.get("v"), "", 0);
        if (!converter.ok()) {
            return std::nullopt;
        }
        // Every node takes the override's origin: it has no line in any file.
        std::vector<Node*> todo{&value};
        while (!todo.empty()) {
            Node* n = todo.back();
            todo.pop_back();
            n->where = where;
            for (Node& item : n->items) {
                todo.push_back(&item);
            }
            for (TableEntry& e : n->entries) {
                e.key_where = where;
                todo.push_back(&e.value);
            }
        }
        return value;
    } catch (const toml::parse_error&) {
        return std::nullopt;
    }
}

}  // namespace sandbox::profile
