// security.landlock (issue 12): what the workload may read and write is what the profile
// lists, on the running kernel's Landlock ABI. The no-Landlock decision (exit 125 unless
// best_effort) is a planner rule, unit-tested with made-up host facts in
// tests/unit/test_hardening_units.cpp, since this kernel has Landlock.
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
    if (landlock_abi() == 0) {
        skip_or_fail("the kernel has no Landlock");
    }
    SandboxTest t;
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
    CHECK(t.leaks().empty());
}

TEST_CASE("landlock: device ioctls are a handled right on ABI 5 and later", "[root][landlock]") {
    require_root();
    if (landlock_abi() < 5) {
        skip_or_fail("Landlock ABI < 5: no LANDLOCK_ACCESS_FS_IOCTL_DEV");
    }
    SandboxTest t;
    // /dev/zero is opened by the workload after Landlock is in force, under a rule that gives
    // read but not ioctl rights: stty's TCGETS is refused with EACCES. Without the ABI 5
    // right handled (a40709c) it reaches the driver: ENOTTY, "Inappropriate ioctl for device".
    auto profile = t.profile("llio",
                             "[security.landlock]\nenabled = true\n"
                             "read = [\"/bin\", \"/usr\", \"/etc\", \"/dev\"]\n");
    RunResult r = t.run({"up", profile, "--", "sh", "-c", "stty size < /dev/zero; echo rc=$?"});
    CHECK(r.out == "rc=1\n");
    CHECK(r.err.find("Permission denied") != std::string::npos);
    CHECK(t.leaks().empty());
}
