// security.landlock (issue 12): what the workload may read and write is what the profile
// lists, on the running kernel's Landlock ABI. The no-Landlock decision (exit 125 unless
// best_effort) is a planner rule, unit-tested with made-up host facts in
// tests/unit/test_hardening_units.cpp; on a kernel without Landlock these cases check the
// refusal instead (no skip: both kernels have a right answer).
#include <sys/syscall.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

namespace {

int landlock_abi() {
    long v = syscall(SYS_landlock_create_ruleset, nullptr, 0, 1U /* ..._VERSION */);
    return v < 0 ? 0 : static_cast<int>(v);
}

}  // namespace

TEST_CASE("landlock: a read path is readable not writable, and a path outside is denied",
          "[root][landlock]") {
    require_root();
    SandboxTest t;
    if (landlock_abi() == 0) {
        // No Landlock here: the profile is refused (exit 125) unless best_effort says so.
        auto strict = t.profile("llno", "[security.landlock]\nenabled = true\nread = [\"/bin\"]\n");
        RunResult r = t.run({"up", strict, "--", "true"});
        CHECK(r.status == 125);
        CHECK(r.err.find("set security.landlock.best_effort = true") != std::string::npos);
        auto lenient = t.profile(
            "llbe", "[security.landlock]\nenabled = true\nbest_effort = true\nread = [\"/bin\"]\n");
        RunResult ok = t.run({"up", lenient, "--", "true"});
        CHECK(ok.status == 0);
        CHECK(t.leaks() == std::vector<std::string>{});
        return;
    }
    write_file(t.dir() / "ro/file", "readable\n");
    write_file(t.dir() / "rw/file", "old\n");
    write_file(t.dir() / "outside/secret", "hidden\n");
    // All three are writable binds: only Landlock stands between the workload and them.
    auto profile = t.profile("ll", "[[mounts]]\nsource = \"" + t.dir() / "ro" +
                                       "\"\ntarget = \"/ro\"\n"
                                       "[[mounts]]\nsource = \"" +
                                       t.dir() / "rw" +
                                       "\"\ntarget = \"/rw\"\n"
                                       "[[mounts]]\nsource = \"" +
                                       t.dir() / "outside" +
                                       "\"\ntarget = \"/outside\"\n"
                                       "[security.landlock]\nenabled = true\n"
                                       "read = [\"/bin\", \"/usr\", \"/etc\", \"/ro\"]\n"
                                       "read_write = [\"/rw\"]\n");
    RunResult r = t.run({"up", profile, "--", "sh", "-c",
                         "cat /ro/file; echo x > /ro/file || echo ro-write-denied; "
                         "echo new > /rw/file && cat /rw/file; "
                         "cat /outside/secret || echo outside-read-denied; "
                         "ls /outside || echo outside-list-denied; "
                         "touch /ro/new || echo ro-create-denied"});
    CHECK(r.out ==
          "readable\nro-write-denied\nnew\noutside-read-denied\noutside-list-denied\n"
          "ro-create-denied\n");
    CHECK(r.err.find("Permission denied") != std::string::npos);
    CHECK(r.status == 0);
    CHECK(read_file(t.dir() / "ro/file") == "readable\n");
    CHECK(read_file(t.dir() / "rw/file") == "new\n");
    CHECK_FALSE(std::filesystem::exists(t.dir() / "ro/new"));
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("landlock: device ioctls are a handled right on ABI 5 and later", "[root][landlock]") {
    require_root();
    const bool handled = landlock_abi() >= 5;  // older kernels have no such right
    SandboxTest t;
    // /dev/zero is opened by the workload after Landlock is in force, under a rule that gives
    // read but not ioctl rights: stty's TCGETS is refused with EACCES. Without the ABI 5
    // right handled (a40709c) it reaches the driver: ENOTTY, "Inappropriate ioctl for device".
    auto profile = t.profile("llio",
                             "[security.landlock]\nenabled = true\n"
                             "read = [\"/bin\", \"/usr\", \"/etc\", \"/dev\"]\n");
    RunResult r = t.run({"up", profile, "--", "sh", "-c", "stty size < /dev/zero; echo rc=$?"});
    if (landlock_abi() == 0) {
        CHECK(r.status == 125);  // refused: see the test above
        CHECK(t.leaks() == std::vector<std::string>{});
        return;
    }
    CHECK(r.out == "rc=1\n");
    CHECK(r.err.find(handled ? "Permission denied" : "Inappropriate ioctl") != std::string::npos);
    CHECK(t.leaks() == std::vector<std::string>{});
}
