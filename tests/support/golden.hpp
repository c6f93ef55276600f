#pragma once
// The one "compare with a golden file / update it" helper for every test that checks output
// against a committed file (explain output, seccomp plans, the generated schema and reference,
// the bad profiles' .expected files).
//
// A golden must never bless itself: in update mode (`<update_var>=1`) the file is rewritten
// and the case WARNs and compares nothing, so a run that updates is never mistaken for one that
// checked; with CI=true an update variable is an error (CI must compare, not regenerate); and a
// missing golden is a failure, never an empty expectation.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/privilege.hpp"

namespace sandbox::test {

// True when `update_var` is set to "1". With CI=true that is a test failure.
inline bool golden_update_requested(const char* update_var) {
    const char* v = std::getenv(update_var);
    if (v == nullptr || std::string(v) != "1") {
        return false;
    }
    if (in_ci()) {
        FAIL(update_var << "=1 with CI=true: CI compares goldens, it never rewrites them");
    }
    return true;
}

// Compares `actual` with the file at `path`, byte for byte; with `update_var`=1 (outside CI)
// rewrites the file instead.
inline void check_golden(const std::string& path, const std::string& actual,
                         const char* update_var) {
    if (golden_update_requested(update_var)) {
        std::filesystem::create_directories(std::filesystem::path(path).parent_path());
        std::ofstream(path, std::ios::binary | std::ios::trunc) << actual;
        WARN("rewrote " << path << " (" << update_var << "=1): nothing was compared");
        return;
    }
    std::ifstream in(path, std::ios::binary);
    INFO("golden file " << path << " (" << update_var << "=1 rewrites it; review the diff)");
    if (!in) {
        FAIL("missing golden file " << path);
    }
    std::stringstream expected;
    expected << in.rdbuf();
    CHECK(actual == expected.str());
}

}  // namespace sandbox::test
