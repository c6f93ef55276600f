// decode: resolved Document -> Profile. A generic walk over the field table (fields.hpp):
// sections recurse, fields decode into their section's object, unknown keys are reported with
// a did-you-mean over the whole key space, absent fields get the table's default. Every
// problem is collected; decoding never stops at the first one.
#include "profile/decode.hpp"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "profile/fields.hpp"

namespace sandbox::profile {

namespace {

std::string join(std::string_view prefix, std::string_view key) {
    if (prefix.empty()) {
        return std::string(key);
    }
    return std::string(prefix) + "." + std::string(key);
}

Node from_json(const nlohmann::json& j, const SourceLocation& where) {
    if (j.is_boolean()) {
        return Node::make_boolean(j.get<bool>(), where);
    }
    if (j.is_number_integer()) {
        return Node::make_integer(j.get<int64_t>(), where);
    }
    if (j.is_number()) {
        return Node::make_floating(j.get<double>(), where);
    }
    if (j.is_string()) {
        return Node::make_string(j.get<std::string>(), where);
    }
    if (j.is_array()) {
        Node n = Node::make_array(where);
        for (const auto& item : j) {
            n.items.push_back(from_json(item, where));
        }
        return n;
    }
    if (j.is_object()) {
        Node n = Node::make_table(where);
        for (const auto& [k, v] : j.items()) {
            n.set(k, where, from_json(v, where));
        }
        return n;
    }
    return Node{};
}

// The defaults the field table's rows hold themselves (Field::default_in_row) as Nodes, built
// once. Every other default is the section struct's initialiser, already in the object.
const Node* default_node(const Field& field) {
    static const std::map<std::string, Node> defaults = [] {
        std::map<std::string, Node> out;
        SourceLocation where = SourceLocation::named("<default>");
        for (const Field& f : fields()) {
            if (f.default_in_row) {
                out.emplace(f.path, from_json(nlohmann::json::parse(f.default_json), where));
            }
        }
        return out;
    }();
    auto it = defaults.find(field.path);
    return it == defaults.end() ? nullptr : &it->second;
}

struct Child {
    const Section* section = nullptr;
    const Field* field = nullptr;
};

// The keys a table of `section` may hold.
std::map<std::string, Child, std::less<>> children_of(const Section& section) {
    std::map<std::string, Child, std::less<>> out;
    for (const Field& f : fields()) {
        if (f.section() == section.path) {
            out[std::string(f.key())].field = &f;
        }
    }
    for (const Section& s : sections()) {
        if (!s.path.empty() && s.parent() == section.path) {
            out[std::string(s.key())].section = &s;
        }
    }
    return out;
}

std::string unknown_key_hint(const Section& section, const std::string& key,
                             const std::string& concrete_prefix,
                             const std::map<std::string, Child, std::less<>>& siblings) {
    std::vector<std::string> sibling_keys;
    for (const auto& [k, child] : siblings) {
        sibling_keys.push_back(k);
    }
    // 1. A typo of a key of this very table.
    std::string near = did_you_mean(key, sibling_keys);
    if (!near.empty()) {
        // did_you_mean says "did you mean 'x'?"; show the whole path instead.
        std::string word = near.substr(near.find('\'') + 1);
        word = word.substr(0, word.find('\''));
        return "did you mean '" + join(concrete_prefix, word) + "'?";
    }
    // 2. The exact key, but in another table.
    for (const Field& f : fields()) {
        if (f.key() == key && f.section() != section.path) {
            return "did you mean '" + f.path + "'? ('" + key + "' belongs in " +
                   (f.section().empty() ? std::string("the top level")
                                        : "[" + std::string(f.section()) + "]") +
                   ")";
        }
    }
    for (const Section& s : sections()) {
        if (!s.path.empty() && s.key() == key && s.parent() != section.path) {
            return "did you mean '" + s.path + "'?";
        }
    }
    // 3. A typo of a key anywhere.
    std::vector<std::string> all_keys;
    std::map<std::string, std::string> path_of;
    for (const Field& f : fields()) {
        std::string k(f.key());
        if (!path_of.count(k)) {
            path_of[k] = f.path;
            all_keys.push_back(k);
        }
    }
    near = did_you_mean(key, all_keys);
    if (!near.empty()) {
        std::string word = near.substr(near.find('\'') + 1);
        word = word.substr(0, word.find('\''));
        return "did you mean '" + path_of[word] + "'?";
    }
    return {};
}

class Walker {
public:
    Walker(Diagnostics& diagnostics, Origins& origins)
        : m_diagnostics(diagnostics), m_origins(origins) {}

    // `node` is null when the table is absent (only defaults apply).
    void table(const Section& section, const Node* node, const std::string& concrete,
               void* object) {
        auto children = children_of(section);
        std::set<std::string, std::less<>> seen;
        if (node != nullptr) {
            for (const TableEntry& e : node->entries) {
                seen.insert(e.key);
                entry(section, e, concrete, object, children);
            }
        }
        for (const auto& [key, child] : children) {
            if (seen.count(key)) {
                continue;
            }
            if (child.field != nullptr) {
                if (child.field->required && node != nullptr) {
                    m_diagnostics.error(node->where, concrete,
                                        "missing required key '" + key + "'");
                } else if (const Node* d = default_node(*child.field)) {
                    DecodeContext ctx{m_diagnostics, m_origins, join(concrete, key), child.field,
                                      true};
                    child.field->decode(*d, ctx, object);
                }
            } else if (child.section->kind == SectionKind::table) {
                table(*child.section, nullptr, join(concrete, key), object);
            }
        }
    }

private:
    void entry(const Section& section, const TableEntry& e, const std::string& concrete,
               void* object, const std::map<std::string, Child, std::less<>>& children) {
        std::string path = join(concrete, e.key);
        auto it = children.find(e.key);
        if (it == children.end()) {
            m_diagnostics.error(e.key_where, path, "unknown key",
                                unknown_key_hint(section, e.key, concrete, children));
            return;
        }
        const Child& child = it->second;
        if (child.field != nullptr) {
            m_origins[path] = e.value.where;
            DecodeContext ctx{m_diagnostics, m_origins, path, child.field, false};
            child.field->decode(e.value, ctx, object);
            return;
        }
        const Section& sub = *child.section;
        if (sub.kind == SectionKind::table) {
            if (!e.value.is_table()) {
                m_diagnostics.error(
                    e.value.where, path,
                    "expected a table, got " + std::string(to_string(e.value.kind)));
                return;
            }
            m_origins[path] = e.value.where;
            table(sub, &e.value, path, object);
            return;
        }
        if (const SectionShorthand* sh = find_shorthand(sub.path);
            sh != nullptr && e.value.is_string()) {
            const std::string& v = e.value.string;
            if (std::find(sh->values.begin(), sh->values.end(), v) != sh->values.end()) {
                m_origins[path] = e.value.where;
                sh->set(object, v);
                return;
            }
            m_diagnostics.error(
                e.value.where, path,
                "expected an array of tables or '" + sh->values.front() + "', got '" + v + "'");
            return;
        }
        if (!e.value.is_array()) {
            std::string hint;
            if (e.value.is_table()) {
                hint = "in TOML write [[" + table_path(path) +
                       "]] for each entry; in YAML a list of maps";
            }
            m_diagnostics.error(
                e.value.where, path,
                "expected an array of tables, got " + std::string(to_string(e.value.kind)), hint);
            return;
        }
        m_origins[path] = e.value.where;
        for (size_t i = 0; i < e.value.items.size(); ++i) {
            const Node& item = e.value.items[i];
            std::string item_path = path + "[" + std::to_string(i) + "]";
            if (!item.is_table()) {
                m_diagnostics.error(item.where, item_path,
                                    "expected a table, got " + std::string(to_string(item.kind)));
                continue;
            }
            m_origins[item_path] = item.where;
            table(sub, &item, item_path, sub.append(object));
        }
    }

    Diagnostics& m_diagnostics;
    Origins& m_origins;
};

}  // namespace

Profile decode(const Node& root, Diagnostics& diagnostics, Origins& origins) {
    Profile profile;
    origins[""] = root.where;
    if (!root.is_table()) {
        diagnostics.error(
            root.where, "",
            "expected a table of profile keys, got " + std::string(to_string(root.kind)));
        return profile;
    }
    Walker walker(diagnostics, origins);
    walker.table(*find_section(""), &root, "", &profile);
    return profile;
}

}  // namespace sandbox::profile
