// --set, --unset, -e, -v, --name, --timeout and `-- CMD`: the command line's changes to a
// resolved profile document, each node marked with where it came from.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "build_config.hpp"
#include "common/text.hpp"
#include "profile/fields.hpp"
#include "profile/readers.hpp"
#include "profile/resolve.hpp"
#include "profile/resolve_detail.hpp"

namespace sandbox::profile {

namespace fs = std::filesystem;
using detail::absolutise_host_paths;
using detail::merge_mount_lists;

namespace {

// ---- overrides --------------------------------------------------------------------------------
struct PathSegment {
    std::string key;  // empty when this is an index
    std::optional<size_t> index;
};

// "a.b[2].c", "process.env.\"X.Y\"" -> segments; nullopt when malformed.
std::optional<std::vector<PathSegment>> parse_key_path(std::string_view text) {
    std::vector<PathSegment> out;
    size_t i = 0;
    auto bare = [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    };
    while (true) {
        std::string key;
        if (i < text.size() && text[i] == '"') {
            size_t end = text.find('"', i + 1);
            if (end == std::string_view::npos) {
                return std::nullopt;
            }
            key = std::string(text.substr(i + 1, end - i - 1));
            i = end + 1;
        } else {
            while (i < text.size() && bare(text[i])) {
                key += text[i++];
            }
        }
        if (key.empty()) {
            return std::nullopt;
        }
        out.push_back({key, std::nullopt});
        while (i < text.size() && text[i] == '[') {
            size_t end = text.find(']', i);
            if (end == std::string_view::npos || end == i + 1 || end - i > 10) {
                return std::nullopt;
            }
            size_t index = 0;
            for (size_t k = i + 1; k < end; ++k) {
                if (text[k] < '0' || text[k] > '9') {
                    return std::nullopt;
                }
                index = index * 10 + static_cast<size_t>(text[k] - '0');
            }
            out.push_back({"", index});
            i = end + 1;
        }
        if (out.size() > k_max_depth) {
            return std::nullopt;  // deeper than any profile can be
        }
        if (i == text.size()) {
            return out;
        }
        if (text[i] != '.') {
            return std::nullopt;
        }
        ++i;
    }
}

// Finds or creates the table at `path` ("process", "process.env") under root.
Node* table_at(Node& root, std::initializer_list<const char*> path, const SourceLocation& where,
               const std::string& option, Diagnostics& diagnostics) {
    Node* cur = &root;
    std::string key_path;
    for (const char* key : path) {
        key_path = join_key_path(key_path, key);
        Node* child = cur->find(key);
        if (child == nullptr) {
            child = &cur->set(key, where, Node::make_table(where));
        } else if (!child->is_table()) {
            diagnostics.error(where, key_path,
                              option + " needs '" + key_path + "' to be a table, but it is " +
                                  std::string(to_string(child->kind)),
                              "it was set at " + child->where.str());
            return nullptr;
        }
        cur = child;
    }
    return cur;
}

void apply_set(Node& root, const std::string& assignment, Diagnostics& diagnostics) {
    SourceLocation where = SourceLocation::named("--set");
    size_t eq = assignment.find('=');
    if (eq == std::string::npos) {
        diagnostics.error(where, "", "expected KEY=VALUE, got '" + assignment + "'",
                          "for example --set limits.memory=1GiB");
        return;
    }
    std::string key = assignment.substr(0, eq);
    std::string text = assignment.substr(eq + 1);
    auto segments = parse_key_path(key);
    if (!segments) {
        diagnostics.error(where, "", "malformed key '" + key + "'",
                          "keys are dotted names with optional indices, e.g. mounts[0].readonly");
        return;
    }
    std::optional<Node> parsed = parse_toml_value(text, where);
    Node value = parsed ? std::move(*parsed) : Node::make_string(text, where);

    Node* cur = &root;
    std::string path;
    for (size_t s = 0; s < segments->size(); ++s) {
        const PathSegment& seg = (*segments)[s];
        bool last = s + 1 == segments->size();
        const PathSegment* next = last ? nullptr : &(*segments)[s + 1];
        // What to create when the next step does not exist yet.
        auto fresh = [&] {
            if (last) {
                return std::move(value);
            }
            return next->index ? Node::make_array(where) : Node::make_table(where);
        };
        auto wrong_kind = [&](const char* wanted) {
            diagnostics.error(
                where, key,
                "'" + path + "' is " + std::string(to_string(cur->kind)) + ", not " + wanted,
                "it was set at " + cur->where.str());
        };
        if (!seg.index) {
            std::string child_path = join_key_path(path, seg.key);
            if (!cur->is_table()) {
                wrong_kind("a table");
                return;
            }
            Node* child = cur->find(seg.key);
            if (child == nullptr || last) {
                child = &cur->set(seg.key, where, fresh());
            }
            cur = child;
            path = child_path;
        } else {
            if (!cur->is_array()) {
                wrong_kind("an array");
                return;
            }
            size_t index = *seg.index;
            if (index > cur->items.size()) {
                diagnostics.error(where, key,
                                  "index " + std::to_string(index) + " is out of range ('" + path +
                                      "' has " + std::to_string(cur->items.size()) + " entries)",
                                  "use index " + std::to_string(cur->items.size()) + " to append");
                return;
            }
            if (index == cur->items.size()) {
                cur->items.push_back(fresh());
            } else if (last) {
                cur->items[index] = std::move(value);
            }
            cur = &cur->items[index];
            path += "[" + std::to_string(index) + "]";
        }
    }
}

// Whether `key` (concrete, "mounts[2]", "process.env.FOO") names something a profile can hold:
// a field, a section, an element of an array section, or a value inside a field (an env entry,
// an element of a list).
bool is_profile_key(const std::vector<PathSegment>& segments) {
    std::string schema;
    for (size_t i = 0; i < segments.size(); ++i) {
        const PathSegment& seg = segments[i];
        if (seg.index) {
            schema += "[]";
        } else {
            schema += (schema.empty() ? "" : ".") + seg.key;
        }
        bool last = i + 1 == segments.size();
        if (find_field(schema) != nullptr) {
            return true;  // the field itself, or a value inside it
        }
        if (last && (find_section(schema) != nullptr || find_section(schema + "[]") != nullptr)) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> profile_key_names() {
    std::vector<std::string> out;
    auto add = [&out](std::string path) {
        for (size_t at = path.find("[]"); at != std::string::npos; at = path.find("[]")) {
            path.erase(at, 2);
        }
        if (!path.empty()) {
            out.push_back(std::move(path));
        }
    };
    for (const Field& f : fields()) {
        add(f.path);
    }
    for (const Section& s : sections()) {
        add(s.path);
    }
    return out;
}

// --unset KEY: removes the key (a value, a table, an element of an array) from the resolved
// document, so a value an `extends` parent or the file set can be taken away before decode
// (`--set network.mode=none --unset network.veth`). A key the profile does not hold is
// nothing to remove; a key no profile can hold is an error, with the closest known key.
void apply_unset(Node& root, const std::string& key, Diagnostics& diagnostics) {
    SourceLocation where = SourceLocation::named("--unset");
    auto segments = parse_key_path(key);
    if (!segments) {
        diagnostics.error(where, "", "malformed key '" + key + "'",
                          "keys are dotted names with optional indices, e.g. network.veth");
        return;
    }
    if (!is_profile_key(*segments)) {
        diagnostics.error(where, "", "unknown key '" + key + "'",
                          did_you_mean(key, profile_key_names()));
        return;
    }
    Node* cur = &root;
    for (size_t s = 0; s + 1 < segments->size(); ++s) {
        const PathSegment& seg = (*segments)[s];
        if (seg.index) {
            cur = cur->is_array() && *seg.index < cur->items.size() ? &cur->items[*seg.index]
                                                                    : nullptr;
        } else {
            cur = cur->is_table() ? cur->find(seg.key) : nullptr;
        }
        if (cur == nullptr) {
            return;  // not in this profile: nothing to remove
        }
    }
    const PathSegment& last = segments->back();
    if (last.index) {
        if (cur->is_array() && *last.index < cur->items.size()) {
            cur->items.erase(cur->items.begin() + static_cast<std::ptrdiff_t>(*last.index));
        }
    } else if (cur->is_table()) {
        cur->erase(last.key);
    }
}

void apply_env(Node& root, const std::string& assignment, Diagnostics& diagnostics) {
    SourceLocation where = SourceLocation::named("-e");
    size_t eq = assignment.find('=');
    std::string name = assignment.substr(0, eq);
    if (name.empty()) {
        diagnostics.error(where, "process.env",
                          "expected NAME=VALUE (or NAME to inherit it), got '" + assignment + "'");
        return;
    }
    if (eq == std::string::npos) {
        // -e NAME: pass the caller's value through, like docker run -e NAME.
        Node* process = table_at(root, {"process"}, where, "-e", diagnostics);
        if (process == nullptr) {
            return;
        }
        Node* inherit = process->find("inherit_env");
        if (inherit == nullptr) {
            inherit = &process->set("inherit_env", where, Node::make_array(where));
        }
        if (!inherit->is_array()) {
            diagnostics.error(where, "process.inherit_env",
                              "-e needs 'process.inherit_env' to be a list");
            return;
        }
        bool present =
            std::any_of(inherit->items.begin(), inherit->items.end(),
                        [&](const Node& n) { return n.is_string() && n.string == name; });
        if (!present) {
            inherit->items.push_back(Node::make_string(name, where));
        }
        return;
    }
    Node* env = table_at(root, {"process", "env"}, where, "-e", diagnostics);
    if (env != nullptr) {
        env->set(name, where, Node::make_string(assignment.substr(eq + 1), where));
    }
}

void apply_volume(Node& root, const std::string& spec, const std::string& cwd,
                  Diagnostics& diagnostics) {
    SourceLocation where = SourceLocation::named("-v");
    std::vector<std::string> parts = text::split(spec, ':');
    bool bad = parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty() ||
               (parts.size() == 3 && parts[2] != "ro" && parts[2] != "rw");
    if (bad) {
        diagnostics.error(where, "mounts", "expected SRC:DST[:ro|:rw], got '" + spec + "'",
                          "for example -v ./data:/data:ro");
        return;
    }
    std::string source = parts[0][0] == '/'
                             ? fs::path(parts[0]).lexically_normal().string()
                             : (fs::path(cwd) / parts[0]).lexically_normal().string();
    Node mount = Node::make_table(where);
    mount.set("type", where, Node::make_string("bind", where));
    mount.set("source", where, Node::make_string(source, where));
    mount.set("target", where, Node::make_string(parts[1], where));
    if (parts.size() == 3) {
        mount.set("readonly", where, Node::make_boolean(parts[2] == "ro", where));
    }
    Node* mounts = root.find("mounts");
    if (mounts == nullptr) {
        mounts = &root.set("mounts", where, Node::make_array(where));
    }
    if (!mounts->is_array()) {
        diagnostics.error(where, "mounts", "-v needs 'mounts' to be a list",
                          "it was set at " + mounts->where.str());
        return;
    }
    Node over = Node::make_array(where);
    over.items.push_back(std::move(mount));
    merge_mount_lists(*mounts, std::move(over));
}

}  // namespace

void apply_overrides(Node& root, const Overrides& overrides, const std::string& cwd,
                     Diagnostics& diagnostics) {
    for (const std::string& e : overrides.env) {
        apply_env(root, e, diagnostics);
    }
    for (const std::string& v : overrides.volumes) {
        apply_volume(root, v, cwd, diagnostics);
    }
    if (!overrides.command.empty()) {
        SourceLocation where = SourceLocation::named("--");
        Node args = Node::make_array(where);
        for (const std::string& a : overrides.command) {
            args.items.push_back(Node::make_string(a, where));
        }
        if (Node* process = table_at(root, {"process"}, where, "--", diagnostics)) {
            process->set("args", where, std::move(args));
        }
    }
    if (overrides.name) {
        SourceLocation where = SourceLocation::named("--name");
        root.set("name", where, Node::make_string(*overrides.name, where));
    }
    if (overrides.timeout) {
        SourceLocation where = SourceLocation::named("--timeout");
        if (Node* process = table_at(root, {"process"}, where, "--timeout", diagnostics)) {
            process->set("timeout", where, Node::make_string(*overrides.timeout, where));
        }
    }
    for (const std::string& key : overrides.unset) {
        apply_unset(root, key, diagnostics);
    }
    for (const std::string& s : overrides.set) {
        apply_set(root, s, diagnostics);
    }
    // Relative paths given with --set resolve against the current directory.
    absolutise_host_paths(root, cwd, [](const Node& n) {
        return n.where.line == 0 && n.where.file_name() == "--set";
    });
}

}  // namespace sandbox::profile
