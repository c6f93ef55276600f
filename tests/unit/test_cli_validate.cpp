// `sandbox validate`: "FILE: ok" per valid profile (not with -q), and the read-only host checks
// of rootfs.path (missing, a file, the host's /) as file:line:col diagnostics. Also: the README
// scripts show CMake's configure output when it fails.
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "support/run_sandbox.hpp"

using namespace sandbox::test;

namespace {

std::string profile_at(const TempDir& dir, const std::string& name, const std::string& rootfs) {
    std::string path = dir / (name + ".toml");
    write_file(path, "version = 1\n[process]\nargs = [\"/bin/true\"]\n[rootfs]\npath = \"" +
                         rootfs + "\"\n");
    return path;
}

}  // namespace

TEST_CASE("cli: validate prints FILE: ok for each valid profile, nothing with -q", "[unit][cli]") {
    TempDir dir("cli");
    std::string a = profile_at(dir, "a", dir.path());
    std::string b = profile_at(dir, "b", dir.path());
    RunResult r = run_sandbox({"validate", a, b});
    CHECK(r.status == 0);
    CHECK(r.out == a + ": ok\n" + b + ": ok\n");
    CHECK(r.err == "");
    for (std::vector<std::string> quiet : {std::vector<std::string>{"-q", "validate", a, b},
                                           std::vector<std::string>{"validate", a, b, "-q"}}) {
        RunResult q = run_sandbox(quiet);
        CHECK(q.status == 0);
        CHECK(q.out == "");
        CHECK(q.err == "");
    }
}

TEST_CASE("cli: validate and up refuse a rootfs.path that is missing, a file or the host's /",
          "[unit][cli]") {
    TempDir dir("cli");
    write_file(dir / "rootfs/etc/hostname", "x\n");
    std::filesystem::create_symlink(dir / "rootfs", dir / "link");
    std::filesystem::create_symlink("/", dir / "slash");
    std::string good = profile_at(dir, "good", dir / "link");
    std::string missing = profile_at(dir, "missing", dir / "nope");
    std::string file = profile_at(dir, "file", dir / "rootfs/etc/hostname");
    std::string slash = profile_at(dir, "slash", dir / "slash");
    struct Case {
        std::string profile;
        std::string err;
    };
    for (const Case& c : {
             Case{missing, missing + ":5:8: rootfs.path: no such directory '" + dir / "nope" +
                               "'\n  hint: rootfs.path is a directory holding the root "
                               "filesystem; tests/fixtures/make-busybox-rootfs.sh DIR builds "
                               "a small one\n"},
             Case{file, file + ":5:8: rootfs.path: '" + dir / "rootfs/etc/hostname" +
                            "' is a file, not a directory\n  hint: for a tar archive use "
                            "rootfs.archive\n"},
             Case{slash, slash + ":5:8: rootfs.path: '" + dir / "slash" +
                             "' (resolves to '/') is the host's root directory\n  hint: use "
                             "rootfs.host = true: read-only binds of the host's /usr, /bin, "
                             "/lib and /etc over an empty root\n"},
         }) {
        RunResult v = run_sandbox({"validate", c.profile});
        CHECK(v.status == 125);
        CHECK(v.out == "");
        CHECK(v.err == c.err);
        // `up` says the same before it creates anything (no root needed to get this far).
        RunResult up = run_sandbox({"up", c.profile});
        CHECK(up.status == 125);
        CHECK(up.err == c.err);
    }
    RunResult ok = run_sandbox({"validate", good});
    CHECK(ok.status == 0);
    CHECK(ok.out == good + ": ok\n");
    // explain and export do not look at the host: a bundle may be made for another machine.
    RunResult ex = run_sandbox({"explain", missing});
    CHECK(ex.status == 0);
}

TEST_CASE("cli: the README scripts show CMake's configure output when it fails", "[unit][cli]") {
    // Configure output sent to /dev/null hid why a fresh machine could not build (a missing
    // -dev package). Each script runs from a copy of scripts/ whose helpers succeed, with a
    // `cmake` first on PATH that fails the way CMake does: its words must reach stderr.
    TempDir dir("cli");
    namespace fs = std::filesystem;
    fs::create_directories(dir / "tree/scripts");
    fs::create_directories(dir / "bin");
    for (const char* helper : {"install-deps.sh", "check-style.sh"}) {
        write_file(dir / ("tree/scripts/" + std::string(helper)), "#!/bin/sh\nexit 0\n");
    }
    // As CMake does: the progress and the summary on stdout, the error itself on stderr.
    write_file(dir / "bin/cmake",
               "#!/bin/sh\necho '-- Could NOT find LibArchive (missing: LibArchive_LIBRARY)'\n"
               "echo 'CMake Error at CMakeLists.txt:42 (find_package): no libfoo' >&2\n"
               "echo '-- Configuring incomplete, errors occurred!'\nexit 1\n");
    for (const std::string& f : {dir / "tree/scripts/install-deps.sh",
                                 dir / "tree/scripts/check-style.sh", dir / "bin/cmake"}) {
        fs::permissions(f, fs::perms::owner_all, fs::perm_options::add);
    }
    for (const char* script : {"quickstart.sh", "test.sh"}) {
        fs::copy_file(std::string(SANDBOX_SOURCE_DIR) + "/scripts/" + script,
                      dir / ("tree/scripts/" + std::string(script)));
        std::string command = "PATH='" + dir / "bin" + "':/usr/bin:/bin bash '" +
                              dir / ("tree/scripts/" + std::string(script)) + "' 2>&1";
        FILE* p = popen(command.c_str(), "r");
        REQUIRE(p != nullptr);
        std::string out;
        char buf[4096];
        while (size_t n = fread(buf, 1, sizeof buf, p)) {
            out.append(buf, n);
        }
        int status = pclose(p);
        INFO(script << " printed:\n" << out);
        CHECK(status != 0);
        CHECK(out.find("CMake Error at CMakeLists.txt:42 (find_package): no libfoo") !=
              std::string::npos);
        CHECK(out.find("-- Could NOT find LibArchive (missing: LibArchive_LIBRARY)") !=
              std::string::npos);
        CHECK(out.find("-- Configuring incomplete, errors occurred!") != std::string::npos);
    }
}
