#pragma once
// The one entry point of the profile layer: read -> resolve -> decode -> check.
// Never throws for a bad profile and never changes system state; every problem found is in
// the returned Diagnostics (all of them, not just the first).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "profile/diagnostics.hpp"
#include "profile/document.hpp"
#include "profile/origins.hpp"
#include "profile/profile.hpp"

namespace sandbox::profile {

// What the command line adds on top of the files (docs/architecture.md §1 resolve).
struct Overrides {
    std::vector<std::string> set;        // "limits.memory=1GiB" (value typed like in a file)
    std::vector<std::string> unset;      // "network.veth": removed before --set is applied
    std::vector<std::string> env;        // "K=V" -> process.env
    std::vector<std::string> volumes;    // "SRC:DST[:ro]" -> a bind mount
    std::vector<std::string> command;    // after `--`, verbatim: replaces process.args
    std::optional<std::string> name;     // --name
    std::optional<std::string> timeout;  // --timeout "30s"
};

struct LoadOptions {
    // Directories searched for a profile given by name and for `extends` parents, in order,
    // after the directory of the file that names them. Empty = default_search_path().
    std::vector<std::string> search_path;
    // Environment lookup for ${env:NAME} (injectable for tests). Empty = ::getenv.
    std::function<std::optional<std::string>(const std::string&)> getenv;
    // Also look at the host paths the profile names (rootfs.path: a directory that exists and
    // is not the host's /), read-only (stat, realpath). `validate` and `up` turn it on; off, the
    // result does not depend on this machine's files (explain, export, tests).
    bool check_host_paths = false;
    // The running kernel's release (uname -r, probed by the caller: profile/ makes no system
    // calls), for seccomp.import's includes/excludes.minKernel. Empty: minKernel is not judged
    // (every such entry applies).
    std::string kernel_release;
};

// $SANDBOX_PROFILE_PATH (colon-separated), ./profiles, ~/.config/sandbox/profiles,
// /etc/sandbox/profiles, the installed share/sandbox/profiles.
std::vector<std::string> default_search_path();

// The shipped profiles: PREFIX/share/sandbox/profiles relative to where this binary is
// installed; the source checkout's profiles/ for a binary still in its build tree.
std::string installed_profile_dir();

// A path (contains '/' or ends in .toml/.yaml/.yml and exists) or a name on the search path.
// Returns the file path, or nullopt with a diagnostic naming the places searched.
std::optional<std::string> find_profile(const std::string& path_or_name, const LoadOptions& options,
                                        Diagnostics& diagnostics);

// Reads one file (TOML or YAML by extension) into a Document. Size, depth and alias limits
// apply; nullopt when the file could not be read or parsed (diagnostics say why).
std::optional<Document> read_document(const std::string& path, Diagnostics& diagnostics);
std::optional<Document> read_toml(const std::string& path, std::string_view text,
                                  Diagnostics& diagnostics);
std::optional<Document> read_yaml(const std::string& path, std::string_view text,
                                  Diagnostics& diagnostics);

struct LoadResult {
    std::optional<Profile> profile;  // set only when diagnostics is empty
    Origins origins;
    Diagnostics diagnostics;
    std::string path;            // the profile file that was loaded
    std::optional<Node> merged;  // the resolved document (for tests and `explain --origin`)
};

LoadResult load_profile(const std::string& path_or_name, const Overrides& overrides = {},
                        const LoadOptions& options = {});

}  // namespace sandbox::profile
