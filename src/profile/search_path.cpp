// Where a profile named without a path is looked for: $SANDBOX_PROFILE_PATH, the user's and the
// system's profile directories, the installed ones (profile/loader.hpp).
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "build_config.hpp"
#include "common/text.hpp"
#include "profile/fields.hpp"
#include "profile/resolve.hpp"
#include "profile/resolve_detail.hpp"

namespace sandbox::profile {

namespace fs = std::filesystem;
using detail::absolutise_host_paths;
using detail::merge_mount_lists;

// ---- the search path ---------------------------------------------------------------------------
std::vector<std::string> default_search_path() {
    std::vector<std::string> out;
    auto add = [&](std::string dir) {
        if (!dir.empty() && std::find(out.begin(), out.end(), dir) == out.end()) {
            out.push_back(std::move(dir));
        }
    };
    if (const char* env = std::getenv("SANDBOX_PROFILE_PATH")) {
        std::string_view list(env);
        size_t start = 0;
        while (start <= list.size()) {
            size_t colon = list.find(':', start);
            if (colon == std::string_view::npos) {
                colon = list.size();
            }
            add(std::string(list.substr(start, colon - start)));
            start = colon + 1;
        }
    }
    add("./profiles");
    if (const char* home = std::getenv("HOME"); home != nullptr && home[0] != '\0') {
        add(std::string(home) + "/.config/sandbox/profiles");
    }
    add("/etc/sandbox/profiles");
    add(installed_profile_dir());
    return out;
}

std::string installed_profile_dir() {
    // Read-only: where this binary is. An installed binary's profiles are under its own prefix
    // (PREFIX/bin/sandbox -> PREFIX/share/sandbox/profiles), so a tree installed with
    // `cmake --install --prefix P` or unpacked with `dpkg -x` uses its own profiles, never the
    // configure-time prefix or the source checkout.
    std::error_code ec;
    fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec || exe.empty()) {
        return SANDBOX_DATADIR "/profiles";  // no /proc: the configured prefix
    }
    std::string build_dir = SANDBOX_BUILD_DIR "/";
    if (exe.string().compare(0, build_dir.size(), build_dir) == 0) {
        return SANDBOX_SOURCE_PROFILES;  // a binary in the build tree (tests, development)
    }
    return (exe.parent_path() / SANDBOX_DATADIR_FROM_BINDIR / "profiles")
        .lexically_normal()
        .string();
}

std::optional<std::string> find_profile(const std::string& path_or_name, const LoadOptions& options,
                                        Diagnostics& diagnostics) {
    SourceLocation where = SourceLocation::named(path_or_name);
    if (path_or_name.empty()) {
        diagnostics.error(where, "", "no profile given");
        return std::nullopt;
    }
    bool is_path = path_or_name.find('/') != std::string::npos;
    if (is_path || detail::is_profile_file_name(path_or_name)) {
        if (auto found = detail::find_profile_in("", path_or_name)) {
            return found;
        }
        if (is_path) {
            diagnostics.error(where, "", "cannot find profile: no such file");
            return std::nullopt;
        }
    }
    std::vector<std::string> search =
        options.search_path.empty() ? default_search_path() : options.search_path;
    for (const std::string& dir : search) {
        if (auto found = detail::find_profile_in(dir, path_or_name)) {
            return found;
        }
    }
    diagnostics.error(where, "", "cannot find profile '" + path_or_name + "'",
                      "looked in " + text::join(search, ", "));
    return std::nullopt;
}

}  // namespace sandbox::profile
