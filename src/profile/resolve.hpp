#pragma once
// resolve: the profile files as read -> one merged tree, before decode (docs/architecture.md §1):
//   * `extends` (a string or a list): parents are found next to the file that names them, then
//     on the search path; a bare name `locked` finds locked.toml / .yaml / .yml. Parents merge
//     left to right, the file itself last. Cycles and missing parents are errors at the
//     `extends` value, naming the chain.
//   * merge: tables key by key; scalars and arrays are replaced; `mounts` merge by `target`
//     (same target replaces in place, new ones are appended); `process.env` by name.
//     `name` is not inherited: it names one sandbox, so two profiles extending one base
//     must not share it (the file's stem is the default).
//   * `${env:NAME}`, `${env:NAME:-default}` (default also when NAME is set but empty, as in
//     sh), `${profile_dir}`, `$${` (a literal `${`), in every string value of every file.
//   * relative host paths (k_path_keys in resolve.cpp) resolve against the directory of the
//     file that wrote them; values from the command line against the current directory.
//   * command-line overrides, applied in this order on top: -e, -v, `-- CMD`, --name,
//     --timeout, --unset (removes a key or table: `--unset network.veth`; a key no profile can
//     hold is an error with a did-you-mean, one this profile does not hold is no change), then
//     --set (last, so it can change anything, e.g. `mounts[2].readonly`). The `-- CMD` words
//     are taken byte for byte.
//     Their values are taken literally (no ${…}: the shell already expanded them). `-e NAME`
//     without `=` adds NAME to process.inherit_env (docker's `-e NAME`).
// Every node keeps the location of the file (or the option) that set it.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/diagnostics.hpp"
#include "profile/document.hpp"
#include "profile/loader.hpp"

namespace sandbox::profile {

// Limits on `extends`: a chain deeper than this, more distinct files, or more parents named
// in one file are errors (a fan-out of parents must not make loading exponential).
inline constexpr size_t k_max_extends_depth = 16;
inline constexpr size_t k_max_profile_files = 64;
inline constexpr size_t k_max_parents = 32;
// A string after ${…} substitution may not grow beyond this.
inline constexpr size_t k_max_interpolated_bytes = 64 * 1024;

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// The patterns of the keys holding host paths ("rootfs.path", "mounts[].source", ...): the
// field table's ValueType::host_path rows, in table order (listed once, there).
std::vector<std::string> path_key_patterns();

// Expands the ${...} forms in one string. nullopt (and a diagnostic at `where`) on an unset
// variable without default, an unknown or unterminated form.
std::optional<std::string> interpolate(std::string_view text, const std::string& profile_dir,
                                       const EnvLookup& env, const SourceLocation& where,
                                       const std::string& key_path, Diagnostics& diagnostics);

// Merges `over` into `base` by the rules above. `key_path` is the path of `base` ("" = root).
void merge_into(Node& base, Node over, const std::string& key_path = {});

// Reads `path` and every parent it extends, and merges them. No overrides, no default name.
std::optional<Node> resolve_file(const std::string& path, const LoadOptions& options,
                                 Diagnostics& diagnostics);

// Applies the command-line overrides to a merged root. `cwd` makes -v sources and relative
// --set paths absolute.
void apply_overrides(Node& root, const Overrides& overrides, const std::string& cwd,
                     Diagnostics& diagnostics);

// Everything of load_profile before decode: find, read, resolve, overrides, default name.
// nullopt when anything failed (the diagnostics say what). `found_path` gets the file used.
std::optional<Node> resolve_profile(const std::string& path_or_name, const Overrides& overrides,
                                    const LoadOptions& options, Diagnostics& diagnostics,
                                    std::string* found_path = nullptr);

// Key path syntax shared by the readers and resolve: a.b, a."x.y", mounts[2].target.
std::string join_key_path(const std::string& parent, const std::string& key);

}  // namespace sandbox::profile
