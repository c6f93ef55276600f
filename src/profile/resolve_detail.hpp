#pragma once
// Helpers of profile/resolve.cpp shared with profile/apply_overrides.cpp and
// profile/search_path.cpp: the document merge and path rules are written once.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/diagnostics.hpp"
#include "profile/document.hpp"
#include "profile/resolve.hpp"

namespace sandbox::profile::detail {

// mounts[] merge: an entry with the same (normalised) target replaces in place; others append.
void merge_mount_lists(Node& base, Node over);
// Makes the relative host paths (path_key_patterns()) under `root` absolute against `dir`, for
// the nodes `select` accepts.
void absolutise_host_paths(Node& root, const std::string& dir,
                           const std::function<bool(const Node&)>& select);
bool is_profile_file_name(std::string_view name);  // .toml / .yaml / .yml
// `dir`/`name` (a bare name with each extension tried), the first that exists ("" dir = as given).
std::optional<std::string> find_profile_in(const std::string& dir, const std::string& name);
std::string working_dir();  // "." when it cannot be read
// Interpolates every string value under `node` (keys are left as written); false after an
// error (profile/interpolate.cpp).
bool interpolate_tree(Node& node, const std::string& key_path, const std::string& profile_dir,
                      const EnvLookup& env, Diagnostics& diagnostics);

}  // namespace sandbox::profile::detail
