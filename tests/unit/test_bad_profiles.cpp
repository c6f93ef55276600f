// Bad input as data (DESIGN §6): every tests/profiles/bad/NAME.{toml,yaml,yml} is loaded with
// the cwd set to that folder, and its diagnostics must equal NAME.expected byte for byte.
// SANDBOX_UPDATE_EXPECTED=1 rewrites the .expected files instead (review the diff by hand).
// Parents used by `extends` live in bad/parents/ (by path) and bad/search-path/ (by name); the
// environment seen by ${env:…} is fixed below, so the output does not depend on the machine.
// host-*.{toml,yaml} are loaded with the read-only host path checks of `validate` and `up`
// (check_host_paths), on paths every Linux host has or lacks (/etc/passwd, /nonexistent).
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "profile/loader.hpp"

using namespace sandbox::profile;
namespace fs = std::filesystem;

namespace {

struct ScopedCwd {
    fs::path old;
    explicit ScopedCwd(const fs::path& dir) : old(fs::current_path()) { fs::current_path(dir); }
    ~ScopedCwd() { fs::current_path(old); }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

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
    std::vector<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
        std::string ext = e.path().extension().string();
        if (e.is_regular_file() && (ext == ".toml" || ext == ".yaml" || ext == ".yml")) {
            names.push_back(e.path().filename().string());
        }
    }
    std::sort(names.begin(), names.end());
    REQUIRE(names.size() >= 25);
    const bool update = [] {
        const char* v = std::getenv("SANDBOX_UPDATE_EXPECTED");
        return v != nullptr && std::string(v) == "1";
    }();

    ScopedCwd cwd(dir);
    for (const std::string& name : names) {
        LoadOptions options = fixed_options();
        options.check_host_paths = name.rfind("host-", 0) == 0;
        LoadResult result = load_profile(name, {}, options);
        std::string actual = result.diagnostics.str();
        fs::path expected_path = fs::path(name).replace_extension(".expected");
        INFO(name << " gave:\n" << actual);
        CHECK_FALSE(result.profile.has_value());
        CHECK_FALSE(actual.empty());
        if (update) {
            std::ofstream(expected_path, std::ios::binary) << actual;
            continue;
        }
        REQUIRE(fs::exists(expected_path));
        CHECK(actual == slurp(expected_path));
    }
}
