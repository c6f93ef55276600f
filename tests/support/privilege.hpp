#pragma once
// Privileged tests: without root, print "SKIP: reason" and exit 77 (ctest shows Skipped),
// unless CI=true, where a test that cannot run is a failure (bubblewrap's BWRAP_MUST_WORK).
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace sandbox::test {

inline bool in_ci() {
    const char* ci = std::getenv("CI");
    return ci != nullptr && std::string(ci) == "true";
}

inline void skip_or_fail(const std::string& reason) {
    if (in_ci()) {
        FAIL("cannot run in CI: " << reason);
    }
    std::printf("SKIP: %s\n", reason.c_str());
    std::fflush(stdout);
    std::_Exit(77);
}

inline void require_root(const std::string& reason = "needs root (CAP_SYS_ADMIN)") {
    if (geteuid() != 0) {
        skip_or_fail(reason);
    }
}

}  // namespace sandbox::test
