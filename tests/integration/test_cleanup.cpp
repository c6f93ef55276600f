// The cleanup guarantee (DESIGN §5): nothing is left after a failure at any step, a signal to
// the launcher during setup or during the run, or a launcher killed outright.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

TEST_CASE("cleanup: a fault injected at every step exits 125 naming it, leaving nothing",
          "[root][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("fault", "[limits]\nmemory = \"64MiB\"\npids = 32\n");
    for (const char* step :
         {"validate", "state", "rootfs", "cgroup", "spawn", "id_maps", "network_host", "release",
          "identity", "mounts", "pivot_root", "network_sandbox", "init", "process", "credentials",
          "capabilities", "seccomp", "exec"}) {
        INFO("SANDBOX_FAIL_AT=" << step);
        RunResult r = t.run({"up", profile, "--", "true"}, {{"SANDBOX_FAIL_AT", step}});
        CHECK(r.status == 125);
        CHECK(r.err == std::string("sandbox: setup failed at ") + step +
                           ": injected fault: Input/output error (EIO)\n");
        CHECK(r.out == "");
        CHECK(t.leaks().empty());
    }
}

TEST_CASE("cleanup: SIGTERM to the launcher during setup unwinds everything", "[root][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("termsetup", "[limits]\nmemory = \"64MiB\"\n");
    // The child lingers 2 s in its mounts step; the launcher is waiting for setup_done.
    SandboxProcess p({"up", profile, "--", "echo", "never"},
                     t.env({{"SANDBOX_DELAY_AT", "mounts"}}));
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    CHECK(std::filesystem::exists(t.state_root() + "/" + t.name("termsetup")));
    p.signal(SIGTERM);
    RunResult r = p.finish();
    CHECK(r.status == 128 + SIGTERM);
    CHECK(r.out == "");
    CHECK(r.seconds < 2);
    CHECK(t.leaks().empty());
}

TEST_CASE("cleanup: SIGTERM to the launcher during the run stops the workload", "[root][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("termrun", "[limits]\nmemory = \"64MiB\"\n");
    SandboxProcess p({"up", profile, "--", "sh", "-c", "echo running; sleep 30"}, t.env());
    REQUIRE(p.wait_for_output("running\n"));
    p.signal(SIGTERM);
    RunResult r = p.finish();
    CHECK(r.status == 128 + SIGTERM);
    CHECK(r.seconds < 5);
    CHECK(t.leaks().empty());
}

TEST_CASE("cleanup: a SIGKILLed launcher takes the workload along, down cleans the rest",
          "[root][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("killed", "[limits]\nmemory = \"64MiB\"\n");
    SandboxProcess p({"up", profile, "--", "sh", "-c", "echo running; sleep 30"}, t.env());
    REQUIRE(p.wait_for_output("running\n"));
    p.signal(SIGKILL);
    RunResult r = p.finish();
    CHECK(r.status == 128 + SIGKILL);
    // PDEATHSIG took init (and with it the pid namespace) down.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    RunResult ps = t.run({"ps"});
    CHECK(ps.out.find(t.name("killed")) != std::string::npos);
    CHECK(ps.out.find("stale") != std::string::npos);
    RunResult down = t.run({"down", t.name("killed")});
    CHECK(down.status == 0);
    CHECK(t.leaks().empty());
}

TEST_CASE("cleanup: the next up of a SIGKILLed sandbox's name cleans its stale state",
          "[root][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("stale", "[limits]\nmemory = \"64MiB\"\n");
    {
        SandboxProcess p({"up", profile, "--", "sh", "-c", "echo running; sleep 30"}, t.env());
        REQUIRE(p.wait_for_output("running\n"));
        p.signal(SIGKILL);
        p.finish();
    }
    RunResult again = t.run({"up", profile, "--", "echo", "again"});
    CHECK(again.out == "again\n");
    CHECK(again.status == 0);
    CHECK(t.leaks().empty());
}
