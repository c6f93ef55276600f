// ${…} interpolation of profile strings: ${env:NAME}, ${env:NAME:-default}, ${profile_dir}
// and $${ for a literal. resolve runs it over each file's tree before relative paths are made
// absolute and parents are merged (profile/resolve.cpp).
#include <algorithm>
#include <cctype>

#include "profile/resolve.hpp"
#include "profile/resolve_detail.hpp"

namespace sandbox::profile {

namespace {

bool is_env_name(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
    });
}

// Interpolates every string value under `node` (keys are left as written).
}  // namespace

namespace detail {

bool interpolate_tree(Node& node, const std::string& key_path, const std::string& profile_dir,
                      const EnvLookup& env, Diagnostics& diagnostics) {
    bool ok = true;
    switch (node.kind) {
        case NodeKind::string:
            if (node.string.find('$') != std::string::npos) {
                auto value =
                    interpolate(node.string, profile_dir, env, node.where, key_path, diagnostics);
                if (value) {
                    node.string = std::move(*value);
                } else {
                    ok = false;
                }
            }
            break;
        case NodeKind::array:
            for (size_t i = 0; i < node.items.size(); ++i) {
                ok = interpolate_tree(node.items[i], key_path + "[" + std::to_string(i) + "]",
                                      profile_dir, env, diagnostics) &&
                     ok;
            }
            break;
        case NodeKind::table:
            for (TableEntry& e : node.entries) {
                ok = interpolate_tree(e.value, join_key_path(key_path, e.key), profile_dir, env,
                                      diagnostics) &&
                     ok;
            }
            break;
        default:
            break;
    }
    return ok;
}

}  // namespace detail

std::optional<std::string> interpolate(std::string_view text, const std::string& profile_dir,
                                       const EnvLookup& env, const SourceLocation& where,
                                       const std::string& key_path, Diagnostics& diagnostics) {
    const std::string k_forms =
        "use ${env:NAME}, ${env:NAME:-default}, ${profile_dir}, or $${ for a literal '${'";
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
        if (text.substr(i, 3) == "$${") {
            out += "${";
            i += 3;
            continue;
        }
        if (text.substr(i, 2) != "${") {
            out += text[i++];
            continue;
        }
        size_t end = text.find('}', i + 2);
        if (end == std::string_view::npos) {
            diagnostics.error(where, key_path, "unterminated '${' in a string", k_forms);
            return std::nullopt;
        }
        std::string_view expr = text.substr(i + 2, end - i - 2);
        if (expr == "profile_dir") {
            out += profile_dir;
        } else if (expr.substr(0, 4) == "env:") {
            std::string_view rest = expr.substr(4);
            size_t dash = rest.find(":-");
            std::string name(rest.substr(0, dash));
            std::optional<std::string> fallback;
            if (dash != std::string_view::npos) {
                fallback = std::string(rest.substr(dash + 2));
            }
            if (!is_env_name(name)) {
                diagnostics.error(where, key_path,
                                  "'${" + std::string(expr) + "}': '" + name +
                                      "' is not an environment variable name",
                                  k_forms);
                return std::nullopt;
            }
            if (fallback && fallback->find("${") != std::string::npos) {
                diagnostics.error(where, key_path,
                                  "'${" + std::string(expr) +
                                      "}': substitutions inside a default are not supported",
                                  k_forms);
                return std::nullopt;
            }
            std::optional<std::string> value = env(name);
            if (value && !value->empty()) {
                out += *value;
            } else if (fallback) {
                out += *fallback;
            } else if (value) {
                out += *value;  // set but empty, no default: empty
            } else {
                diagnostics.error(where, key_path, "environment variable '" + name + "' is not set",
                                  "set it, or give a default: ${env:" + name + ":-value}");
                return std::nullopt;
            }
        } else {
            diagnostics.error(where, key_path,
                              "unknown substitution '${" + std::string(expr) + "}'", k_forms);
            return std::nullopt;
        }
        i = end + 1;
        if (out.size() > k_max_interpolated_bytes) {
            break;
        }
    }
    if (out.size() > k_max_interpolated_bytes) {
        diagnostics.error(where, key_path,
                          "string longer than " + std::to_string(k_max_interpolated_bytes) +
                              " bytes after substitution");
        return std::nullopt;
    }
    return out;
}

}  // namespace sandbox::profile
