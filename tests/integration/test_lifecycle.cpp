// Detached sandboxes (-d, ps, exec, down) and joining another sandbox's pid namespace.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

TEST_CASE("lifecycle: up -d, ps, exec and down", "[root][lifecycle]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("detached", "[uts]\nhostname = \"box-d\"\n[limits]\npids = 32\n");
    std::string name = t.name("detached");
    RunResult up = t.run({"up", "-d", profile, "--", "sleep", "60"});
    CHECK(up.out == name + "\n");
    CHECK(up.status == 0);

    RunResult second = t.run({"up", "-d", profile, "--", "sleep", "60"});
    CHECK(second.status == 125);
    CHECK(second.err.find("setup failed at state") != std::string::npos);

    RunResult ps = t.run({"ps"});
    CHECK(ps.out.find(name) != std::string::npos);
    CHECK(ps.out.find("running") != std::string::npos);
    CHECK(ps.out.find("sleep 60") != std::string::npos);

    RunResult ex = t.run({"exec", name, "--", "sh", "-c", "hostname; ps -o pid,comm"});
    CHECK(ex.out.rfind("box-d\nPID   COMMAND\n    1 sandbox:init\n    2 sleep\n", 0) == 0);
    CHECK(ex.status == 0);
    RunResult status = t.run({"exec", name, "--", "sh", "-c", "exit 5"});
    CHECK(status.status == 5);

    RunResult down = t.run({"down", name});
    CHECK(down.status == 0);
    CHECK(down.seconds < 5);
    RunResult ps2 = t.run({"ps"});
    CHECK(ps2.out.find(name) == std::string::npos);
    RunResult down2 = t.run({"down", name});
    CHECK(down2.status == 125);
    CHECK(down2.err == "sandbox: down: no sandbox named '" + name + "'\n");
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("lifecycle: joining another sandbox's pid namespace by name and by pid",
          "[root][lifecycle][pid]") {
    require_root();
    SandboxTest t;
    auto host_profile = t.profile("pidhost");
    std::string host_name = t.name("pidhost");
    RunResult up = t.run({"up", "-d", host_profile, "--", "sleep", "60"});
    REQUIRE(up.status == 0);

    auto by_name = t.profile("byname", "[namespaces]\npid = { join = \"" + host_name + "\" }\n");
    RunResult a = t.run(
        {"up", by_name, "--", "sh", "-c", "ps -o comm | grep -E '^(sleep|sandbox:init)$' | sort"});
    CHECK(a.err == "");
    CHECK(a.out == "sandbox:init\nsleep\n");
    CHECK(a.status == 0);

    auto state = nlohmann::json::parse(read_file(t.state_entry(host_name, "state.json")));
    int pid = state.at("child_pid").get<int>();
    auto by_pid = t.profile("bypid", "[namespaces]\npid = { pid = " + std::to_string(pid) + " }\n");
    RunResult b = t.run(
        {"up", by_pid, "--", "sh", "-c", "ps -o comm | grep -E '^(sleep|sandbox:init)$' | sort"});
    CHECK(b.out == "sandbox:init\nsleep\n");
    CHECK(b.status == 0);

    CHECK(t.run({"down", host_name}).status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}
