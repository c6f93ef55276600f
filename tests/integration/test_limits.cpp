// Limits through the cgroup: memory (OOM → 137 + report "oom"), pids, timeout.
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

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
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("limits: a fork bomb is stopped by the pids limit", "[root][cgroup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("bomb", "[limits]\npids = 64\n");
    // The bomb runs until the timeout; the shell waits for it with a builtin loop. (The workload
    // must not need a fork of its own while the bomb holds every pid: busybox sh exits 2 on a
    // failed fork. An earlier version, `bomb; sleep 1; echo survived`, failed under load, and so
    // did `bomb; while ...`: the shell forks once per side of `bomb | bomb &`, and the second
    // fork could already find the limit full. `(bomb) &` is the shell's only fork, made while
    // the sandbox holds two pids.)
    SandboxProcess p({"up", profile, "--timeout", "4s", "--", "sh", "-c",
                      "echo started; bomb() { bomb | bomb & }; (bomb) & while :; do :; done"},
                     t.env());
    REQUIRE(p.wait_for_output("started\n", 30000));
    // The sandbox's pids cgroup, whichever hierarchy holds it (v1 pids or the v2 tree).
    std::string group;
    for (const std::string& dir : take_leak_snapshot(t.state_root()).cgroups) {
        if (dir.ends_with("/sandbox/" + t.name("bomb")) &&
            std::filesystem::exists(dir + "/pids.max")) {
            group = dir;
        }
    }
    REQUIRE_FALSE(group.empty());
    // The limit is hit (pids.events "max N", N > 0) and holds (pids.current <= 64).
    auto limit_hits = [&] {
        std::string events = read_file(group + "/pids.events");
        size_t at = events.find("max ");
        return at == std::string::npos ? 0L : std::stol(events.substr(at + 4));
    };
    for (int i = 0; i < 300 && limit_hits() == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    CHECK(limit_hits() > 0);
    CHECK(std::stol(read_file(group + "/pids.current")) <= 64);
    RunResult r = p.finish(30000);
    CHECK(r.status == 124);
    CHECK(r.out == "started\n");
    CHECK(r.seconds < 15);
    CHECK(t.leaks() == std::vector<std::string>{});
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
    CHECK(t.leaks() == std::vector<std::string>{});
}
