// resolve: extends, search path, relative paths, command-line overrides; the ${…}
// interpolation is in profile/interpolate.cpp.
// Runs after read (each file is a Document) and before decode (which sees one merged tree).
// Per file, interpolation comes first (a path may be "${profile_dir}/rootfs"), then relative
// paths are made absolute against that file's directory, then the parents are merged under
// it: so every value is resolved against the file that wrote it, before merging moves it.
#include "profile/resolve.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <unordered_map>

#include "build_config.hpp"
#include "common/text.hpp"
#include "profile/fields.hpp"
#include "profile/readers.hpp"
#include "profile/resolve_detail.hpp"

namespace sandbox::profile {

namespace fs = std::filesystem;

namespace {

// The keys whose relative values are host paths, resolved against the directory of the file
// that wrote them, are the field table's ValueType::host_path rows (path_key_patterns()); a
// mount's source is one only for a bind (type "bind" or no type). Not host paths on purpose:
// mounts[].target and security.landlock.* (paths inside the sandbox), security.masked_paths /
// readonly_paths (likewise), process.cwd.
constexpr std::string_view k_bind_source = "mounts[].source";

const char* const k_extensions[] = {".toml", ".yaml", ".yml"};

bool has_profile_extension(std::string_view name) {
    return std::any_of(std::begin(k_extensions), std::end(k_extensions), [&](const char* ext) {
        std::string_view e(ext);
        return name.size() > e.size() && name.substr(name.size() - e.size()) == e;
    });
}

bool is_existing_file(const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
}

// `dir`/`name` with the extensions tried for a bare name; the first that exists.
std::optional<std::string> find_in(const std::string& dir, const std::string& name) {
    std::vector<std::string> candidates;
    if (has_profile_extension(name)) {
        candidates.push_back(name);
    } else {
        for (const char* ext : k_extensions) {
            candidates.push_back(name + ext);
        }
    }
    for (const std::string& c : candidates) {
        fs::path p = dir.empty() ? fs::path(c) : fs::path(dir) / c;
        if (is_existing_file(p)) {
            return p.lexically_normal().string();
        }
    }
    return std::nullopt;
}

std::string absolute_dir_of(const std::string& path) {
    std::error_code ec;
    fs::path abs = fs::absolute(fs::path(path), ec);
    if (ec) {
        abs = fs::path(path);
    }
    return abs.lexically_normal().parent_path().string();
}

std::string identity_of(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::weakly_canonical(fs::path(path), ec);
    if (ec) {
        return fs::absolute(fs::path(path), ec).lexically_normal().string();
    }
    return p.string();
}

std::string current_dir() {
    std::error_code ec;
    fs::path p = fs::current_path(ec);
    return ec ? std::string(".") : p.string();
}

std::string normalise_target(const std::string& target) {
    std::string t = fs::path(target).lexically_normal().string();
    while (t.size() > 1 && t.back() == '/') {
        t.pop_back();
    }
    return t;
}

const Node* mount_target(const Node& mount) {
    if (!mount.is_table()) {
        return nullptr;
    }
    const Node* t = mount.find("target");
    return t != nullptr && t->is_string() ? t : nullptr;
}

// Same target replaces in place, new ones are appended. Indexed by normalised target, so a
// long list does not make merging quadratic.
void merge_mounts(Node& base, Node over) {
    std::unordered_map<std::string, size_t> by_target;
    for (size_t i = 0; i < base.items.size(); ++i) {
        if (const Node* t = mount_target(base.items[i])) {
            by_target.emplace(normalise_target(t->string), i);
        }
    }
    for (Node& m : over.items) {
        const Node* target = mount_target(m);
        std::string t = target != nullptr ? normalise_target(target->string) : std::string();
        auto it = target != nullptr ? by_target.find(t) : by_target.end();
        if (it != by_target.end()) {
            base.items[it->second] = std::move(m);
            continue;
        }
        if (target != nullptr) {
            by_target.emplace(std::move(t), base.items.size());
        }
        base.items.push_back(std::move(m));
    }
}

// Calls `fn(node, key_path)` for each string node matching `pattern` under `root`.
template <typename Fn>
void for_each_at(Node& root, const std::string& pattern, Fn fn) {
    std::vector<std::string> segments = text::split(pattern, '.');
    struct Item {
        Node* node;
        std::string path;
        size_t segment;
    };
    std::vector<Item> todo{{&root, "", 0}};
    while (!todo.empty()) {
        Item item = todo.back();
        todo.pop_back();
        if (item.segment == segments.size()) {
            fn(*item.node, item.path);
            continue;
        }
        std::string seg = segments[item.segment];
        bool each = seg.size() > 2 && seg.substr(seg.size() - 2) == "[]";
        if (each) {
            seg.resize(seg.size() - 2);
        }
        Node* child = item.node->find(seg);
        if (child == nullptr) {
            continue;
        }
        std::string path = join_key_path(item.path, seg);
        if (!each) {
            todo.push_back({child, path, item.segment + 1});
        } else if (child->is_array()) {
            for (size_t i = 0; i < child->items.size(); ++i) {
                todo.push_back(
                    {&child->items[i], path + "[" + std::to_string(i) + "]", item.segment + 1});
            }
        }
    }
}

// Makes the relative host paths under `root` absolute against `dir`, for the nodes `select`
// accepts.
template <typename Select>
void absolutise_paths(Node& root, const std::string& dir, Select select) {
    for (const std::string& pattern : path_key_patterns()) {
        if (pattern == k_bind_source) {
            // "mounts[].source": walk the mounts, check each one's type.
            Node* mounts = root.find("mounts");
            if (mounts == nullptr || !mounts->is_array()) {
                continue;
            }
            for (Node& m : mounts->items) {
                if (!m.is_table()) {
                    continue;
                }
                const Node* type = m.find("type");
                if (type != nullptr && !(type->is_string() && type->string == "bind")) {
                    continue;
                }
                Node* source = m.find("source");
                if (source != nullptr && source->is_string() && select(*source) &&
                    !source->string.empty() && source->string[0] != '/') {
                    source->string = (fs::path(dir) / source->string).lexically_normal().string();
                }
            }
            continue;
        }
        for_each_at(root, pattern, [&](Node& node, const std::string&) {
            if (node.is_string() && select(node) && !node.string.empty() && node.string[0] != '/') {
                node.string = (fs::path(dir) / node.string).lexically_normal().string();
            }
        });
    }
}

class Resolver {
public:
    Resolver(const LoadOptions& options, Diagnostics& diagnostics)
        : m_diagnostics(diagnostics),
          m_search(options.search_path.empty() ? default_search_path() : options.search_path),
          m_env(options.getenv) {
        if (!m_env) {
            m_env = [](const std::string& name) -> std::optional<std::string> {
                const char* v = std::getenv(name.c_str());
                return v == nullptr ? std::nullopt : std::optional<std::string>(v);
            };
        }
    }

    std::optional<Node> resolve(const std::string& path) {
        std::string id = identity_of(path);
        if (auto it = m_done.find(id); it != m_done.end()) {
            return it->second;
        }
        if (++m_files > k_max_profile_files) {
            m_diagnostics.error(SourceLocation::named(path), "",
                                "too many profile files (more than " +
                                    std::to_string(k_max_profile_files) + " through 'extends')");
            return std::nullopt;
        }
        std::optional<Document> doc = read_document(path, m_diagnostics);
        if (!doc) {
            return std::nullopt;
        }
        std::string dir = absolute_dir_of(path);
        bool ok = detail::interpolate_tree(doc->root, "", dir, m_env, m_diagnostics);
        absolutise_paths(doc->root, dir, [](const Node&) { return true; });

        Node merged = Node::make_table(doc->root.where);
        if (const Node* extends = doc->root.find("extends")) {
            m_chain.push_back({id, path});
            ok = merge_parents(*extends, path, merged) && ok;
            m_chain.pop_back();
        }
        // `name` names one sandbox: it is not inherited (see resolve.hpp).
        merged.erase("name");
        merge_into(merged, std::move(doc->root));
        if (!ok) {
            return std::nullopt;
        }
        m_done.emplace(id, merged);
        return merged;
    }

    const std::vector<std::string>& search_path() const { return m_search; }

private:
    std::string chain_text(const std::string& last) const {
        std::string out;
        for (const auto& [id, display] : m_chain) {
            out += display + " → ";
        }
        return out + last;
    }

    bool merge_parents(const Node& extends, const std::string& path, Node& merged) {
        std::vector<std::pair<const Node*, std::string>> names;
        if (extends.is_string()) {
            names.emplace_back(&extends, "extends");
        } else if (extends.is_array()) {
            for (size_t i = 0; i < extends.items.size(); ++i) {
                names.emplace_back(&extends.items[i], "extends[" + std::to_string(i) + "]");
            }
        } else {
            m_diagnostics.error(extends.where, "extends",
                                "expected a profile name or a list of them, got " +
                                    std::string(to_string(extends.kind)));
            return false;
        }
        if (names.size() > k_max_parents) {
            m_diagnostics.error(
                extends.where, "extends",
                "too many parents (the limit is " + std::to_string(k_max_parents) + ")");
            return false;
        }
        bool ok = true;
        for (const auto& [node, key_path] : names) {
            if (!node->is_string() || node->string.empty()) {
                m_diagnostics.error(
                    node->where, key_path,
                    "expected a profile name or path, got " +
                        std::string(node->is_string() ? "an empty string" : to_string(node->kind)));
                ok = false;
                continue;
            }
            std::optional<std::string> parent = find_parent(node->string, path);
            if (!parent) {
                std::vector<std::string> places{"next to " + path};
                places.insert(places.end(), m_search.begin(), m_search.end());
                m_diagnostics.error(node->where, key_path,
                                    "cannot find profile '" + node->string +
                                        "' (extends chain: " + chain_text(node->string) + ")",
                                    "looked " + text::join(places, ", "));
                ok = false;
                continue;
            }
            std::string parent_id = identity_of(*parent);
            bool cycle = std::any_of(m_chain.begin(), m_chain.end(),
                                     [&](const auto& link) { return link.first == parent_id; });
            if (cycle) {
                m_diagnostics.error(node->where, key_path, "extends cycle: " + chain_text(*parent));
                ok = false;
                continue;
            }
            if (m_chain.size() >= k_max_extends_depth) {
                m_diagnostics.error(node->where, key_path,
                                    "extends chain deeper than " +
                                        std::to_string(k_max_extends_depth) + ": " +
                                        chain_text(*parent));
                ok = false;
                continue;
            }
            std::optional<Node> resolved = resolve(*parent);
            if (!resolved) {
                ok = false;
                continue;
            }
            merge_into(merged, std::move(*resolved));
        }
        return ok;
    }

    std::optional<std::string> find_parent(const std::string& name, const std::string& includer) {
        fs::path includer_dir = fs::path(includer).parent_path();
        if (!name.empty() && name[0] == '/') {
            return find_in("", name);
        }
        if (auto found = find_in(includer_dir.string(), name)) {
            return found;
        }
        for (const std::string& dir : m_search) {
            if (auto found = find_in(dir, name)) {
                return found;
            }
        }
        return std::nullopt;
    }

    Diagnostics& m_diagnostics;
    std::vector<std::string> m_search;
    EnvLookup m_env;
    std::map<std::string, Node> m_done;                        // identity -> resolved tree
    std::vector<std::pair<std::string, std::string>> m_chain;  // (identity, as displayed)
    size_t m_files = 0;
};

}  // namespace

// For profile/apply_overrides.cpp and profile/search_path.cpp (profile/resolve_detail.hpp).
namespace detail {

void merge_mount_lists(Node& base, Node over) {
    merge_mounts(base, std::move(over));
}

void absolutise_host_paths(Node& root, const std::string& dir,
                           const std::function<bool(const Node&)>& select) {
    absolutise_paths(root, dir, select);
}

bool is_profile_file_name(std::string_view name) {
    return has_profile_extension(name);
}

std::optional<std::string> find_profile_in(const std::string& dir, const std::string& name) {
    return find_in(dir, name);
}

std::string working_dir() {
    return current_dir();
}

}  // namespace detail

std::vector<std::string> path_key_patterns() {
    static const std::vector<std::string> patterns = [] {
        std::vector<std::string> out;
        for (const Field& f : fields()) {
            if (f.type == ValueType::host_path) {
                out.push_back(f.path);
            }
        }
        return out;
    }();
    return patterns;
}

std::string join_key_path(const std::string& parent, const std::string& key) {
    bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    });
    std::string k = bare ? key : "\"" + key + "\"";
    return parent.empty() ? k : parent + "." + k;
}

void merge_into(Node& base, Node over, const std::string& key_path) {
    if (!base.is_table() || !over.is_table()) {
        base = std::move(over);
        return;
    }
    // An index of base's keys: a table may hold tens of thousands of keys, and a linear
    // lookup per key would make merging quadratic.
    std::unordered_map<std::string, size_t> index;
    index.reserve(base.entries.size() + over.entries.size());
    for (size_t i = 0; i < base.entries.size(); ++i) {
        index.emplace(base.entries[i].key, i);
    }
    for (TableEntry& e : over.entries) {
        auto it = index.find(e.key);
        if (it == index.end()) {
            index.emplace(e.key, base.entries.size());
            base.entries.push_back(std::move(e));
            continue;
        }
        TableEntry& existing = base.entries[it->second];
        std::string child_path = join_key_path(key_path, e.key);
        if (child_path == "mounts" && existing.value.is_array() && e.value.is_array()) {
            merge_mounts(existing.value, std::move(e.value));
        } else if (existing.value.is_table() && e.value.is_table()) {
            merge_into(existing.value, std::move(e.value), child_path);
        } else {
            existing.key_where = std::move(e.key_where);
            existing.value = std::move(e.value);
        }
    }
}

std::optional<Node> resolve_file(const std::string& path, const LoadOptions& options,
                                 Diagnostics& diagnostics) {
    Resolver resolver(options, diagnostics);
    return resolver.resolve(path);
}

std::optional<Node> resolve_profile(const std::string& path_or_name, const Overrides& overrides,
                                    const LoadOptions& options, Diagnostics& diagnostics,
                                    std::string* found_path) {
    std::optional<std::string> path = find_profile(path_or_name, options, diagnostics);
    if (!path) {
        return std::nullopt;
    }
    if (found_path != nullptr) {
        *found_path = *path;
    }
    std::optional<Node> root = resolve_file(*path, options, diagnostics);
    if (!root) {
        return std::nullopt;
    }
    size_t before = diagnostics.size();
    apply_overrides(*root, overrides, current_dir(), diagnostics);
    if (root->find("name") == nullptr) {
        SourceLocation where = SourceLocation::named(*path);
        root->set("name", where, Node::make_string(fs::path(*path).stem().string(), where));
    }
    if (diagnostics.size() != before) {
        return std::nullopt;
    }
    return root;
}

}  // namespace sandbox::profile
