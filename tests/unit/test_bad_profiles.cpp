// Bad input as data (docs/architecture.md §6): every tests/profiles/bad/NAME.{toml,yaml,yml} is
// loaded with the cwd set to that folder, and its diagnostics must equal NAME.expected byte for
// byte. SANDBOX_UPDATE_EXPECTED=1 rewrites the .expected files instead (review the diff by hand;
// refused with CI=true, support/golden.hpp).
// Parents used by `extends` live in bad/parents/ (by path) and bad/search-path/ (by name); the
// environment seen by ${env:…} is fixed below, so the output does not depend on the machine.
// host-*.{toml,yaml} are loaded with the read-only host path checks of `validate` and `up`
// (check_host_paths), on paths every Linux host has or lacks (/etc/passwd, /nonexistent).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "profile/loader.hpp"
#include "support/golden.hpp"

using namespace sandbox::profile;
namespace test = sandbox::test;
namespace fs = std::filesystem;

namespace {

struct ScopedCwd {
    fs::path old;
    explicit ScopedCwd(const fs::path& dir) : old(fs::current_path()) { fs::current_path(dir); }
    ~ScopedCwd() { fs::current_path(old); }
};

LoadOptions fixed_options() {
    LoadOptions o;
    o.search_path = {"search-path"};
    o.getenv = [](const std::string& name) -> std::optional<std::string> {
        static const std::map<std::string, std::string> env{{"HOME", "/home/tester"},
                                                            {"EMPTY", ""}};
        auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    return o;
}

}  // namespace

TEST_CASE("profile: each bad profile gives exactly its expected diagnostics", "[unit][bad]") {
    const fs::path dir = fs::path(SANDBOX_SOURCE_DIR) / "tests" / "profiles" / "bad";
    // Every file in the folder takes part: a profile needs its .expected, an .expected its
    // profile, and nothing else may sit there (a bad profile in a format this loop forgot would
    // otherwise never be loaded).
    std::vector<std::string> names;
    std::set<std::string> expected_files;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
        if (e.is_directory()) {
            continue;  // parents/ and search-path/: loaded through `extends`
        }
        std::string file = e.path().filename().string();
        std::string ext = e.path().extension().string();
        if (ext == ".toml" || ext == ".yaml" || ext == ".yml") {
            names.push_back(file);
        } else if (ext == ".expected") {
            expected_files.insert(file);
        } else {
            FAIL_CHECK("unexpected file in tests/profiles/bad: " << file);
        }
    }
    std::sort(names.begin(), names.end());
    REQUIRE_FALSE(names.empty());
    for (const std::string& name : names) {
        std::string expected = fs::path(name).replace_extension(".expected").string();
        INFO(name);
        const bool update = test::golden_update_requested("SANDBOX_UPDATE_EXPECTED");
        CHECK((expected_files.erase(expected) == 1 || update));
    }
    for (const std::string& orphan : expected_files) {
        FAIL_CHECK(orphan << " has no profile next to it");
    }

    ScopedCwd cwd(dir);
    for (const std::string& name : names) {
        LoadOptions options = fixed_options();
        options.check_host_paths = name.rfind("host-", 0) == 0;
        LoadResult result = load_profile(name, {}, options);
        std::string actual = result.diagnostics.str();
        fs::path expected_path = dir / fs::path(name).replace_extension(".expected");
        INFO(name << " gave:\n" << actual);
        CHECK_FALSE(result.profile.has_value());
        CHECK_FALSE(actual.empty());
        test::check_golden(expected_path.string(), actual, "SANDBOX_UPDATE_EXPECTED");
    }
}
