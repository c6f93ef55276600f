// The launcher's signals, as a matrix: SIGINT, SIGHUP, SIGQUIT and SIGTERM sent while setup is
// at several steps (held there by SANDBOX_DELAY_AT, exec/fault.hpp) and while the workload
// runs. Each must end in the documented exit status (128 + N), a report saying so, and
// nothing left behind, cgroups included. SIGUSR1 and SIGWINCH are forwarded to the workload.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

namespace {

struct Sig {
    int number;
    const char* name;
};

const std::vector<Sig> k_stop_signals = {
    {SIGINT, "SIGINT"}, {SIGHUP, "SIGHUP"}, {SIGQUIT, "SIGQUIT"}, {SIGTERM, "SIGTERM"}};

// The steps the report lists, in order (report.json "steps").
std::vector<std::string> report_steps(const std::string& path) {
    std::vector<std::string> out;
    nlohmann::json j = nlohmann::json::parse(read_file(path));
    for (const auto& s : j["steps"]) {
        out.push_back(s["step"].get<std::string>());
    }
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) {
    return std::find(v.begin(), v.end(), x) != v.end();
}

const char* k_limits = "[limits]\nmemory = \"64MiB\"\npids = 32\n";

}  // namespace

TEST_CASE("signals: a stop signal during setup unwinds at once, exit 128+N, nothing left",
          "[root][signals]") {
    require_root();
    SandboxTest t;
    // Host steps (the launcher itself sleeps there; the next step must never start) and
    // sandbox steps (the child sleeps; the launcher is waiting for it and stops at once).
    struct Step {
        const char* name;
        const char* next;  // the host step after it, which must not run; nullptr: a child step
    };
    const std::vector<Step> steps = {{"rootfs", "cgroup"},
                                     {"cgroup", "seccomp"},
                                     {"id_maps", "network_host"},
                                     {"mounts", nullptr},
                                     {"credentials", nullptr}};
    int n = 0;
    for (const Sig& sig : k_stop_signals) {
        for (const Step& step : steps) {
            const std::string suffix = "s" + std::to_string(n++);
            INFO(sig.name << " during " << step.name << " (sandbox " << t.name(suffix) << ")");
            auto profile = t.profile(suffix, k_limits);
            const std::string report = t.dir() / (suffix + ".json");
            const std::string delay = std::string(step.name) + ":1500";
            SandboxProcess p({"up", profile, "--report", report, "--", "echo", "never"},
                             t.env({{"SANDBOX_DELAY_AT", delay}}));
            const std::string delaying =
                std::string("sandbox: fault injection: delaying ") + step.name + " by 1500 ms\n";
            REQUIRE(p.wait_for_stderr(delaying, 10000));
            p.signal(sig.number);
            RunResult r = p.finish();
            CHECK(r.status == 128 + sig.number);
            CHECK(r.out == "");
            CHECK(r.err == delaying);
            CHECK(r.seconds < 6);
            // The launcher unwound and said why: a launcher killed by the signal writes no
            // report and leaves its state dir and cgroup behind.
            REQUIRE(std::filesystem::exists(report));
            nlohmann::json j = nlohmann::json::parse(read_file(report));
            CHECK(j["exit_status"] == 128 + sig.number);
            CHECK(j["ended_how"] == "signaled");
            CHECK(j["signal"] == sig.number);
            std::vector<std::string> ran = report_steps(report);
            CHECK_FALSE(has(ran, "sandbox_setup"));
            if (step.next != nullptr) {
                CHECK(has(ran, step.name));
                CHECK_FALSE(has(ran, step.next));
            } else {
                CHECK(has(ran, "release"));
            }
            std::vector<std::string> leaks = t.leaks();
            for (const std::string& l : leaks) {
                UNSCOPED_INFO("left behind: " << l);
            }
            CHECK(leaks.empty());
        }
    }
}

TEST_CASE("signals: a stop signal during the run reaches the workload, exit 128+N, nothing left",
          "[root][signals]") {
    require_root();
    SandboxTest t;
    int n = 0;
    for (const Sig& sig : k_stop_signals) {
        const std::string suffix = "r" + std::to_string(n++);
        INFO(sig.name << " during the run (sandbox " << t.name(suffix) << ")");
        auto profile = t.profile(suffix, k_limits);
        const std::string report = t.dir() / (suffix + ".json");
        SandboxProcess p(
            {"up", profile, "--report", report, "--", "sh", "-c", "echo running; sleep 30"},
            t.env());
        REQUIRE(p.wait_for_output("running\n", 10000));
        p.signal(sig.number);
        RunResult r = p.finish();
        // The workload (`sleep`, exec'd by sh) died of the forwarded signal: 128 + N.
        CHECK(r.status == 128 + sig.number);
        CHECK(r.out == "running\n");
        CHECK(r.err == "");
        CHECK(r.seconds < 8);
        REQUIRE(std::filesystem::exists(report));
        nlohmann::json j = nlohmann::json::parse(read_file(report));
        CHECK(j["exit_status"] == 128 + sig.number);
        CHECK(j["ended_how"] == "signaled");
        CHECK(j["signal"] == sig.number);
        std::vector<std::string> leaks = t.leaks();
        for (const std::string& l : leaks) {
            UNSCOPED_INFO("left behind: " << l);
        }
        CHECK(leaks.empty());
    }
}

TEST_CASE("signals: a workload that ignores the stop signal is killed after stop_grace",
          "[root][signals]") {
    require_root();
    SandboxTest t;
    // SIGQUIT as well as SIGTERM: both stop the sandbox, neither may hang the launcher.
    int n = 0;
    for (const Sig& sig : {Sig{SIGQUIT, "SIGQUIT"}, Sig{SIGTERM, "SIGTERM"}}) {
        const std::string suffix = "g" + std::to_string(n++);
        INFO(sig.name);
        auto profile = t.profile(suffix, std::string(k_limits) + "[process]\nstop_grace = \"1s\"\n");
        SandboxProcess p({"up", profile, "--", "sh", "-c",
                          "trap '' QUIT TERM; echo running; while :; do sleep 0.1; done"},
                         t.env());
        REQUIRE(p.wait_for_output("running\n", 10000));
        p.signal(sig.number);
        RunResult r = p.finish(20000);
        CHECK(r.status == 128 + SIGKILL);
        CHECK(r.seconds > 0.9);
        CHECK(r.seconds < 8);
        CHECK(t.leaks().empty());
    }
}

TEST_CASE("signals: SIGUSR1 and SIGWINCH are forwarded to the workload", "[root][signals]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("fwd", k_limits);
    SandboxProcess p({"up", profile, "--", "sh", "-c",
                      "trap 'echo got-usr1' USR1; trap 'echo got-winch' WINCH; echo ready; "
                      "while :; do sleep 0.05; done"},
                     t.env());
    REQUIRE(p.wait_for_output("ready\n", 10000));
    p.signal(SIGUSR1);
    CHECK(p.wait_for_output("got-usr1\n", 5000));
    p.signal(SIGWINCH);
    CHECK(p.wait_for_output("got-winch\n", 5000));
    // Forwarded, not acted on: the workload is still running and stops only when told.
    p.signal(SIGUSR1);
    CHECK(p.wait_for_output("got-usr1\ngot-winch\ngot-usr1\n", 5000));
    p.signal(SIGTERM);
    RunResult r = p.finish();
    CHECK(r.out == "ready\ngot-usr1\ngot-winch\ngot-usr1\n");
    CHECK(r.status == 128 + SIGTERM);
    CHECK(t.leaks().empty());
}
