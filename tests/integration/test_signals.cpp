// The launcher's signals, as a matrix: SIGINT, SIGHUP, SIGQUIT and SIGTERM sent while setup is
// at several steps (held there by SANDBOX_DELAY_AT, exec/fault.hpp) and while the workload
// runs. Each must end in the documented exit status (128 + N), a report saying so, and
// nothing left behind, cgroups included. SIGUSR1 and SIGWINCH are forwarded to the workload.
#include <signal.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
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

// Waits until a process named `comm` runs in sandbox `name`'s cgroup (any hierarchy).
bool wait_for_process(const std::string& name, const std::string& comm, int timeout_ms = 10000) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (std::chrono::steady_clock::now() < deadline) {
        for (const std::string& pid : list_dir("/proc")) {
            if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit)) {
                continue;
            }
            if (detail::read_proc("/proc/" + pid + "/comm") == comm + "\n" &&
                detail::read_proc("/proc/" + pid + "/cgroup").find("/sandbox/" + name + "\n") !=
                    std::string::npos) {
                return true;
            }
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

const char* k_limits = "[limits]\nmemory = \"64MiB\"\npids = 32\n";

}  // namespace

TEST_CASE("signals: a stop signal during setup unwinds at once, exit 128+N, nothing left",
          "[root][fault][signals]") {
    require_root();
    SandboxTest t;
    // Host steps (the launcher itself sleeps there; the next step must never start) and
    // sandbox steps (the child sleeps; the launcher is waiting for it and stops at once).
    struct Step {
        const char* name;
        const char* absent;   // a report entry that must be missing: what comes after `name`
        const char* present;  // and one that must be there
    };
    const std::vector<Step> steps = {
        {"rootfs", "cgroup", "rootfs"},             // host steps: the next one never starts
        {"cgroup", "seccomp", "cgroup"},            //
        {"id_maps", "network_host", "id_maps"},     //
        {"mounts", "sandbox_setup", "release"},     // the child's setup: never completed
        {"credentials", "exec", "sandbox_setup"}};  // the workload's steps: no exec
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
            REQUIRE(p.wait_for_stderr(delaying, 30000));
            if (std::string(step.name) == "credentials") {
                // The workload prints this while its init may not yet have sent setup_done
                // (seen on a slow qemu guest, tests/vm): let the launcher record sandbox_setup.
                // Still well inside the 1500 ms delay.
                std::this_thread::sleep_for(std::chrono::milliseconds(300));
            }
            p.signal(sig.number);
            RunResult r = p.finish();
            CHECK(r.status == 128 + sig.number);
            CHECK(r.out == "");
            CHECK(r.err == delaying);
            CHECK(r.seconds < 6);
            // The launcher unwound and said why: a launcher killed by the signal writes no
            // report and leaves its state entries and cgroup behind.
            CHECK(std::filesystem::exists(report));
            if (std::filesystem::exists(report)) {
                nlohmann::json j = nlohmann::json::parse(read_file(report));
                CHECK(j["exit_status"] == 128 + sig.number);
                CHECK(j["ended_how"] == "signaled");
                CHECK(j["signal"] == sig.number);
                std::vector<std::string> ran = report_steps(report);
                CHECK(has(ran, step.present));
                CHECK_FALSE(has(ran, step.absent));
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
        // `exec sleep`: busybox sh always ignores SIGQUIT; sleep has every signal at default.
        SandboxProcess p(
            {"up", profile, "--report", report, "--", "sh", "-c", "echo running; exec sleep 30"},
            t.env());
        REQUIRE(p.wait_for_output("running\n", 30000));
        // Signal `sleep`, not the shell before its exec (busybox sh ignores SIGQUIT).
        REQUIRE(wait_for_process(t.name(suffix), "sleep"));
        p.signal(sig.number);
        RunResult r = p.finish();
        // The workload died of the forwarded signal: 128 + N, well within stop_grace (10 s).
        CHECK(r.status == 128 + sig.number);
        CHECK(r.out == "running\n");
        CHECK(r.err == "");
        CHECK(r.seconds < 8);
        // (ended_how: init passes the workload's death on as exit status 128 + N, so the
        // launcher cannot tell it from an exit; the status is what is documented.)
        CHECK(std::filesystem::exists(report));
        if (std::filesystem::exists(report)) {
            CHECK(nlohmann::json::parse(read_file(report))["exit_status"] == 128 + sig.number);
        }
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
        auto profile =
            t.profile(suffix, std::string(k_limits) + "[process]\nstop_grace = \"1s\"\n");
        SandboxProcess p({"up", profile, "--", "sh", "-c",
                          "trap '' QUIT TERM; echo running; while :; do sleep 0.1; done"},
                         t.env());
        REQUIRE(p.wait_for_output("running\n", 30000));
        p.signal(sig.number);
        RunResult r = p.finish(20000);
        CHECK(r.status == 128 + SIGKILL);
        CHECK(r.seconds > 0.9);
        CHECK(r.seconds < 8);
        CHECK(t.leaks() == std::vector<std::string>{});
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
    REQUIRE(p.wait_for_output("ready\n", 30000));
    p.signal(SIGUSR1);
    CHECK(p.wait_for_output("got-usr1\n", 30000));
    p.signal(SIGWINCH);
    CHECK(p.wait_for_output("got-winch\n", 30000));
    // Forwarded, not acted on: the workload is still running and stops only when told.
    p.signal(SIGUSR1);
    CHECK(p.wait_for_output("got-usr1\ngot-winch\ngot-usr1\n", 30000));
    p.signal(SIGTERM);
    RunResult r = p.finish();
    CHECK(r.out == "ready\ngot-usr1\ngot-winch\ngot-usr1\n");
    CHECK(r.status == 128 + SIGTERM);
    CHECK(t.leaks() == std::vector<std::string>{});
}
