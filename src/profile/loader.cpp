// load_profile: find -> read -> resolve -> decode -> check (docs/architecture.md §1). Decode only
// runs on a tree that read and resolve accepted, so one broken file does not cascade into a page of
// "missing key" errors. The search functions live in resolve.cpp (resolve needs them for
// `extends`).
#include "profile/loader.hpp"

#include "profile/decode.hpp"
#include "profile/resolve.hpp"
#include "profile/seccomp_import.hpp"

namespace sandbox::profile {

LoadResult load_profile(const std::string& path_or_name, const Overrides& overrides,
                        const LoadOptions& options) {
    LoadResult result;
    result.merged =
        resolve_profile(path_or_name, overrides, options, result.diagnostics, &result.path);
    if (!result.merged) {
        return result;
    }
    Profile profile = decode(*result.merged, result.diagnostics, result.origins);
    // Import and check run even when decode refused some values: the user gets every problem
    // in one run. A refused value is left at its default, and check() skips the rules about
    // key paths decode already reported, so nothing is said twice.
    // seccomp.import: the OCI / Docker JSON file's rules (needs capabilities.keep).
    load_seccomp_import(profile, result.origins, result.diagnostics, options.kernel_release);
    check(profile, result.origins, result.diagnostics);
    if (options.check_host_paths) {
        check_host_paths(profile, result.origins, result.diagnostics);
    }
    if (result.diagnostics.empty()) {
        result.profile = std::move(profile);
    }
    return result;
}

}  // namespace sandbox::profile
