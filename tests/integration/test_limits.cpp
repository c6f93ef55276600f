// Limits through the cgroup: memory (OOM → 137 + report "oom"), pids, timeout.
#include <catch2/catch.hpp>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

TEST_CASE("limits: a memory eater is OOM-killed: 137 and the report says oom", "[root][cgroup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("oom", "[limits]\nmemory = \"128MiB\"\n");
    std::string report = t.dir() / "report.json";
    // dd allocates its 512 MiB block up front and touches it while reading /dev/zero.
    RunResult r = t.run({"up", profile, "--report", report, "--", "dd", "if=/dev/zero",
                         "of=/dev/null", "bs=512M", "count=1"});
    CHECK(r.status == 137);
    std::string json = read_file(report);
    CHECK(json.find("\"ended_how\": \"oom\"") != std::string::npos);
    CHECK(json.find("\"oom_kills\": 0") == std::string::npos);
    CHECK(t.leaks().empty());
}

TEST_CASE("limits: a fork bomb is stopped by the pids limit", "[root][cgroup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("bomb", "[limits]\npids = 64\n");
    RunResult r = t.run({"up", profile, "--timeout", "20s", "--", "sh", "-c",
                         "bomb() { bomb | bomb & }; bomb; sleep 1; echo survived"});
    CHECK(r.out == "survived\n");
    CHECK(r.status == 0);
    CHECK(r.seconds < 15);
    CHECK(t.leaks().empty());
}

TEST_CASE("limits: a timeout stops the workload with 124 and leaves nothing", "[root][cgroup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("timeout", "[process]\nstop_grace = \"1s\"\n");
    std::string report = t.dir() / "report.json";
    RunResult r = t.run({"up", profile, "--timeout", "1s", "--report", report, "--", "sh", "-c",
                         "trap '' TERM; echo started; sleep 30"});
    CHECK(r.out == "started\n");
    CHECK(r.status == 124);
    CHECK(r.seconds < 6);
    CHECK(read_file(report).find("\"ended_how\": \"timeout\"") != std::string::npos);
    CHECK(t.leaks().empty());
}
