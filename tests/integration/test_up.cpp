// `sandbox up` end to end: output, exit statuses, exec errors, setup errors.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

TEST_CASE("up: hello prints from inside the sandbox", "[root][up]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("hello", "[process]\nargs = [\"/bin/echo\", \"hello from inside\"]\n");
    RunResult r = t.run({"up", profile});
    CHECK(r.err == "");
    CHECK(r.out == "hello from inside\n");
    CHECK(r.status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("up: the workload's exit status and 128+N pass through", "[root][up]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("status");
    RunResult a = t.run({"up", profile, "--", "sh", "-c", "echo out; exit 7"});
    CHECK(a.out == "out\n");
    CHECK(a.status == 7);
    RunResult b = t.run({"up", profile, "--", "sh", "-c", "kill -TERM $$"});
    CHECK(b.status == 128 + 15);
    RunResult c = t.run({"up", profile, "--", "sh", "-c", "kill -KILL $$"});
    CHECK(c.status == 128 + 9);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("up: a missing program exits 127, a non-executable one 126", "[root][up]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("exec");
    RunResult a = t.run({"up", profile, "--", "/no/such/program"});
    CHECK(a.status == 127);
    CHECK(a.err ==
          "sandbox: cannot execute '/no/such/program': No such file or directory (ENOENT)\n");
    RunResult b = t.run({"up", profile, "--", "no-such-program"});
    CHECK(b.status == 127);
    CHECK(b.err ==
          "sandbox: cannot execute 'no-such-program': No such file or directory (ENOENT)\n");
    RunResult c = t.run({"up", profile, "--", "/etc/passwd"});
    CHECK(c.status == 126);
    CHECK(c.err == "sandbox: cannot execute '/etc/passwd': Permission denied (EACCES)\n");
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("up: a missing bind source fails at mounts with the exact error", "[root][up][mounts]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("badbind",
                             "[[mounts]]\ntype = \"bind\"\nsource = \"/nonexistent-sbx\"\n"
                             "target = \"/data\"\n[process]\nargs = [\"true\"]\n");
    RunResult r = t.run({"up", profile});
    CHECK(r.status == 125);
    CHECK(r.out == "");
    CHECK(r.err ==
          "sandbox: setup failed at mounts: bind /nonexistent-sbx → /data: No such file or "
          "directory (ENOENT)\n  hint: create the source, or mark the mount optional = true\n");
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("up: the report says how the run ended and how long each step took", "[root][up]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("report", "[limits]\nmemory = \"64MiB\"\n");
    std::string report = t.dir() / "report.json";
    RunResult r = t.run({"up", profile, "--report", report, "--", "sh", "-c", "exit 3"});
    CHECK(r.status == 3);
    std::string json = read_file(report);
    CHECK(json.find("\"ended_how\": \"exited\"") != std::string::npos);
    CHECK(json.find("\"exit_status\": 3") != std::string::npos);
    for (const char* step : {"validate", "state", "rootfs", "cgroup", "spawn", "release"}) {
        CHECK(json.find(std::string("\"step\": \"") + step + "\"") != std::string::npos);
    }
    CHECK(json.find("\"peak_memory_bytes\": null") == std::string::npos);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("up: an archive rootfs is unpacked once into the cache and run read-only",
          "[root][up][rootfs]") {
    require_root();
    SandboxTest t;
    // The test may use tar to make its input; the tool itself reads it with libarchive.
    const std::string archive = t.dir() / "rootfs.tar.gz";
    REQUIRE(std::system(("tar -C '" + test_rootfs() + "' -czf '" + archive + "' .").c_str()) == 0);
    const std::string profile = t.dir() / "archive.toml";
    write_file(profile, "version = 1\nname = \"" + t.name("archive") +
                            "\"\n[process]\nargs = [\"/bin/sh\", \"-c\", \"echo unpacked; "
                            "touch /x 2>/dev/null || echo read-only\"]\n[rootfs]\narchive = \"" +
                            archive + "\"\nreadonly = true\n");
    RunResult first = t.run({"up", profile});
    CHECK(first.err == "");
    CHECK(first.out == "unpacked\nread-only\n");
    CHECK(first.status == 0);
    // The second run reuses the content-addressed cache: still exactly one unpacked tree.
    RunResult second = t.run({"up", profile});
    CHECK(second.out == "unpacked\nread-only\n");
    size_t trees = 0;
    for (const auto& e : std::filesystem::directory_iterator(t.dir() / "cache/rootfs")) {
        trees += e.is_directory() && e.path().filename().string().size() == 64 ? 1 : 0;
    }
    CHECK(trees == 1);
    CHECK(t.leaks() == std::vector<std::string>{});
}
