// exec::probe_kernel() on the kernel the tests run on: each probe must answer what the running
// kernel can do (the plan's fast paths hang on it), and none may fork. Every kernel this suite
// runs on (CI: Debian 12's 6.1 and the development VM's 6.x) is past every feature's version.
#include <sys/utsname.h>
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <string>

#include "exec/host_probe.hpp"

namespace {

// (major, minor) of the running kernel, from uname(2).
std::pair<int, int> running_kernel() {
    struct utsname u {};
    REQUIRE(uname(&u) == 0);
    int major = 0;
    int minor = 0;
    REQUIRE(std::sscanf(u.release, "%d.%d", &major, &minor) == 2);
    return {major, minor};
}

}  // namespace

TEST_CASE("host probe: a kernel past 5.7 knows CLONE_INTO_CGROUP, and probing forks nothing",
          "[unit][kernel]") {
    auto [major, minor] = running_kernel();
    REQUIRE(std::make_pair(major, minor) >= std::make_pair(5, 11));
    sandbox::plan::KernelFeatures k = sandbox::exec::probe_kernel();
    CHECK(k.clone3);
    CHECK(k.clone_into_cgroup);
    CHECK(k.close_range);
    CHECK(k.close_range_cloexec);
    CHECK(k.openat2);
    // No child of ours came out of a probe (a probe that forked would leave one to reap).
    CHECK(::waitpid(-1, nullptr, WNOHANG) == -1);
}
