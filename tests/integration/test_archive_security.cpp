// Archive rootfs at the trust boundary (issue 12 §2, issue 15): what an archive carries
// (setuid-root files, file capabilities, device nodes) never reaches the cache as such, the
// cache is private and never writable by a workload, overlay writes stay in a throw-away layer
// (over an archive and over a directory), a user namespace runs from a private cache, and the
// /etc mount points work on a read-only rootfs that lacks them. The tests may use tar and
// mmdebstrap to make their input; the tool itself reads archives with libarchive.
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;
namespace fs = std::filesystem;

namespace {

int shell(const std::string& cmd) {
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

// A copy of the busybox test rootfs at `dir` (owned by root, as the original).
void copy_rootfs(const std::string& dir) {
    REQUIRE(shell("cp -a '" + test_rootfs() + "' '" + dir + "'") == 0);
}

// Paths below `dir` (not crossing into other filesystems) that are setuid/setgid files or
// device nodes: what `find DIR -xdev \( -perm -4000 -o -perm -2000 -type f -o -type c \)` shows.
std::vector<std::string> dangerous_files(const std::string& dir) {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir, ec); it != fs::end(it); it.increment(ec)) {
        struct stat st {};
        if (::lstat(it->path().c_str(), &st) != 0) {
            continue;
        }
        bool setid = !S_ISDIR(st.st_mode) && (st.st_mode & (S_ISUID | S_ISGID)) != 0;
        if (setid || S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
            out.push_back(it->path().string());
        }
    }
    return out;
}

std::string archive_profile(const SandboxTest& t, const std::string& suffix,
                            const std::string& archive, const std::string& extra = {}) {
    std::string path = t.dir() / (suffix + ".toml");
    write_file(path, "version = 1\nname = \"" + t.name(suffix) + "\"\n[rootfs]\narchive = \"" +
                         archive + "\"\n" + extra);
    return path;
}

// A tar of the busybox rootfs plus a setuid-root and a setgid copy of busybox, a file with a
// file capability (cap_net_raw+ep) and a character device: the evil archive of issue 12.
std::string make_evil_archive(const SandboxTest& t) {
    const std::string stage = t.dir() / "stage";
    copy_rootfs(stage);
    REQUIRE(shell("cp '" + stage + "/bin/busybox' '" + stage + "/bin/suidsh' && chmod 4755 '" +
                  stage + "/bin/suidsh' && cp '" + stage + "/bin/busybox' '" + stage +
                  "/bin/sgidsh' && chmod 2755 '" + stage + "/bin/sgidsh' && cp '" + stage +
                  "/bin/busybox' '" + stage + "/bin/capsh'") == 0);
    // struct vfs_cap_data, revision 2, effective, permitted = CAP_NET_RAW (13).
    uint32_t cap[5] = {0x02000001u, 1u << 13, 0, 0, 0};
    REQUIRE(::setxattr((stage + "/bin/capsh").c_str(), "security.capability", cap, sizeof cap, 0) ==
            0);
    fs::create_directories(stage + "/dev");
    REQUIRE(::mknod((stage + "/dev/evilnull").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
    const std::string archive = t.dir() / "evil.tar";
    REQUIRE(shell("tar --xattrs --xattrs-include=security.capability -C '" + stage + "' -cf '" +
                  archive + "' .") == 0);
    fs::remove_all(stage);
    return archive;
}

}  // namespace

TEST_CASE("archive: setuid files, file caps and device nodes never reach the private cache",
          "[root][rootfs]") {
    require_root();
    SandboxTest t;
    const std::string archive = make_evil_archive(t);
    // No user namespace, root inside: the workload tries to plant a setuid-root file.
    auto profile = archive_profile(t, "evil", archive);
    RunResult r = t.run({"up", profile, "--", "/bin/sh", "-c",
                         "ls -l /bin/suidsh /bin/sgidsh | cut -c1-10; "
                         "test -e /dev/evilnull && echo device-node-present; "
                         "cp /bin/busybox /bin/planted 2>&1 && chmod 4755 /bin/planted; "
                         "touch /pwn 2>&1; true"});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out ==
          "-rwxr-xr-x\n-rwxr-xr-x\n"
          "cp: can't create '/bin/planted': Read-only file system\n"
          "touch: /pwn: Read-only file system\n");
    // One info line at most, and nothing about ./dev at the default level (issue 15).
    CHECK(r.err == "");

    const std::string cache = t.dir() / "cache";
    CHECK(dangerous_files(cache).empty());
    for (const std::string& dir : {cache, cache + "/rootfs"}) {
        struct stat st {};
        REQUIRE(::stat(dir.c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0700);
        CHECK(st.st_uid == ::geteuid());
    }
    size_t entries = 0;
    for (const auto& e : fs::directory_iterator(cache + "/rootfs")) {
        if (e.path().filename().string().size() != 64) {
            continue;
        }
        ++entries;
        struct stat st {};
        REQUIRE(::stat(e.path().c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0700);
        CHECK_FALSE(fs::exists(e.path() / "tree/bin/planted"));
        CHECK_FALSE(fs::exists(e.path() / "tree/pwn"));
        char buf[64];
        CHECK(::getxattr((e.path() / "tree/bin/capsh").c_str(), "security.capability", buf,
                         sizeof buf) < 0);
    }
    CHECK(entries == 1);

    // With --verbose a first run says it once, as one summary line (issue 15).
    fs::remove_all(cache + "/rootfs");
    RunResult v = t.run({"--verbose", "up", profile, "--", "/bin/true"});
    CHECK(v.status == 0);
    size_t lines = 0;
    for (size_t at = v.err.find("device node"); at != std::string::npos;
         at = v.err.find("device node", at + 1)) {
        ++lines;
    }
    CHECK(lines == 1);
    CHECK_THAT(v.err, Catch::Contains("info: rootfs: skipped 1 device node(s) in " + archive));
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("archive: rootfs.keep_setuid keeps the set-id bits, in its own cache entry",
          "[root][rootfs]") {
    require_root();
    SandboxTest t;
    const std::string archive = make_evil_archive(t);
    auto profile = archive_profile(t, "keep", archive, "keep_setuid = true\n");
    RunResult r = t.run({"up", profile, "--", "/bin/sh", "-c", "ls -l /bin/suidsh | cut -c1-10"});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "-rwsr-xr-x\n");
    bool found = false;
    for (const auto& e : fs::directory_iterator(t.dir() / "cache/rootfs")) {
        found |= e.path().filename().string().size() == 64 + 7;  // <sha256>-setuid
    }
    CHECK(found);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("archive: with overlay the workload writes, the cache and the next run do not see it",
          "[root][rootfs]") {
    require_root();
    SandboxTest t;
    const std::string archive = t.dir() / "rootfs.tar";
    REQUIRE(shell("tar -C '" + test_rootfs() + "' -cf '" + archive + "' .") == 0);
    auto profile = archive_profile(t, "ovl", archive, "overlay = true\n");
    RunResult first = t.run({"up", profile, "--", "/bin/sh", "-c",
                             "echo data > /etc/written && cat /etc/written && rm /bin/ls && "
                             "echo removed"});
    INFO(first.err);
    CHECK(first.status == 0);
    CHECK(first.out == "data\nremoved\n");
    RunResult second = t.run({"up", profile, "--", "/bin/sh", "-c",
                              "test -e /etc/written && echo seen || echo clean; "
                              "test -e /bin/ls && echo ls-present"});
    CHECK(second.out == "clean\nls-present\n");
    for (const auto& e : fs::directory_iterator(t.dir() / "cache/rootfs")) {
        if (e.path().filename().string().size() == 64) {
            CHECK_FALSE(fs::exists(e.path() / "tree/etc/written"));
            CHECK(fs::exists(e.path() / "tree/bin/ls"));
        }
    }
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("rootfs: overlay over a directory works and never writes to the directory",
          "[root][rootfs]") {
    require_root();
    SandboxTest t;
    const std::string dir = t.dir() / "dirroot";
    copy_rootfs(dir);
    auto profile = t.profile("dirovl", "overlay = true\n", dir);
    RunResult first = t.run({"up", profile, "--", "/bin/sh", "-c",
                             "echo data > /etc/written && cat /etc/written && rm /bin/ls && "
                             "echo removed"});
    INFO(first.err);
    CHECK(first.status == 0);
    CHECK(first.out == "data\nremoved\n");
    CHECK_FALSE(fs::exists(dir + "/etc/written"));
    CHECK(fs::exists(dir + "/bin/ls"));
    RunResult second = t.run(
        {"up", profile, "--", "/bin/sh", "-c", "test -e /etc/written && echo seen || echo clean"});
    CHECK(second.out == "clean\n");
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("archive: a user-namespace profile runs from a private cache made before it",
          "[root][rootfs]") {
    require_root();
    SandboxTest t;
    // The cache root exists first with mode 0700 (as the seccomp cache makes it): the mapped
    // root (uid 100000) cannot traverse it, nor the 0700 test dir holding the state root.
    fs::create_directories(t.dir() / "cache");
    REQUIRE(::chmod((t.dir() / "cache").c_str(), 0700) == 0);
    const std::string archive = t.dir() / "rootfs.tar.gz";
    REQUIRE(shell("tar -C '" + test_rootfs() + "' -czf '" + archive + "' .") == 0);
    const std::string profile = t.dir() / "userns.toml";
    write_file(profile, "version = 1\nextends = \"" + std::string(SANDBOX_SOURCE_DIR) +
                            "/profiles/locked.toml\"\nname = \"" + t.name("userns") +
                            "\"\n[rootfs]\nhost = false\narchive = \"" + archive + "\"\n");
    RunResult r = t.run({"up", profile, "--", "/bin/sh", "-c",
                         "id -u; cat /etc/passwd >/dev/null && echo read; "
                         "touch /x 2>/dev/null || echo read-only"});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "0\nread\nread-only\n");
    CHECK(r.err == "");
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("mounts: /etc/hosts and resolv.conf on a read-only rootfs of another id without them",
          "[root][mounts]") {
    require_root();
    SandboxTest t;
    const std::string dir = t.dir() / "bare";
    copy_rootfs(dir);
    fs::remove(dir + "/etc/hosts");
    fs::remove(dir + "/etc/resolv.conf");
    fs::remove(dir + "/etc/hostname");
    // A dangling link where resolv.conf would be (systemd-resolved style).
    fs::create_symlink("../run/systemd/resolve/stub-resolv.conf", dir + "/etc/resolv.conf");
    const std::string before = read_file(dir + "/etc/passwd");
    // locked-like: a user namespace mapping root to 100000, so the rootfs (host root's files)
    // belongs to an id the sandbox does not map; read-only root.
    auto profile = t.profile("etc",
                             "readonly = true\n[namespaces]\nuser = true\nmount = true\n"
                             "pid = true\nuts = true\nnet = true\nipc = true\n"
                             "[[uid_map]]\ninside = 0\noutside = 100000\ncount = 65536\n"
                             "[[gid_map]]\ninside = 0\noutside = 100000\ncount = 65536\n"
                             "[uts]\nhostname = \"etcbox\"\n"
                             "[network]\nmode = \"none\"\ndns = [\"192.0.2.53\"]\n",
                             dir);
    RunResult r = t.run({"up", profile, "--", "/bin/sh", "-c",
                         "grep etcbox /etc/hosts | cut -f2; cat /etc/resolv.conf; "
                         "touch /etc/new 2>/dev/null || echo etc-read-only; ls /etc | sort"});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out ==
          "etcbox\nnameserver 192.0.2.53\netc-read-only\ngroup\nhosts\npasswd\nresolv.conf\n");
    // Nothing was written into the directory on the host.
    CHECK_FALSE(fs::exists(dir + "/etc/hosts"));
    CHECK_FALSE(fs::exists(dir + "/etc/new"));
    CHECK(fs::is_symlink(dir + "/etc/resolv.conf"));
    CHECK(read_file(dir + "/etc/passwd") == before);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("archive: a Debian rootfs from mmdebstrap runs under locked and default",
          "[root][rootfs][debian]") {
    require_root();
    // Built once per build dir (tests/fixtures/make-debian-rootfs.sh), then reused.
    const std::string tarball = std::string(SANDBOX_BINARY_DIR) + "/debian-bookworm.tar";
    int rc = shell(std::string(SANDBOX_SOURCE_DIR) + "/tests/fixtures/make-debian-rootfs.sh '" +
                   tarball + "'");
    if (rc == 77) {
        skip_or_fail("mmdebstrap is not installed (scripts/install-deps.sh)");
    }
    REQUIRE(rc == 0);
    SandboxTest t;
    for (const char* base : {"default", "locked"}) {
        DYNAMIC_SECTION(base) {
            const std::string profile = t.dir() / (std::string(base) + ".toml");
            write_file(profile, "version = 1\nextends = \"" + std::string(SANDBOX_SOURCE_DIR) +
                                    "/profiles/" + base + ".toml\"\nname = \"" + t.name(base) +
                                    "\"\n[rootfs]\nhost = false\narchive = \"" + tarball + "\"\n");
            RunResult r = t.run({"up", profile, "--", "/bin/sh", "-c",
                                 "apt-get --version | head -n1 | cut -d' ' -f1; "
                                 ". /etc/os-release && echo $ID $VERSION_CODENAME; "
                                 "(echo x > /root/planted) 2>/dev/null || echo refused"},
                                {}, 300000);
            INFO(r.err);
            CHECK(r.status == 0);
            CHECK(r.out == "apt\ndebian bookworm\nrefused\n");
            CHECK(r.err == "");
            RunResult again = t.run({"up", profile, "--", "/bin/sh", "-c",
                                     "test -e /root/planted && echo seen || echo clean"});
            CHECK(again.out == "clean\n");
            for (const auto& e : fs::directory_iterator(t.dir() / "cache/rootfs")) {
                CHECK_FALSE(fs::exists(e.path() / "tree/root/planted"));
            }
            CHECK(dangerous_files(t.dir() / "cache").empty());
        }
    }
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("rootfs: a rootfs on a shared host mount propagates nothing back to the host",
          "[root][rootfs][mounts]") {
    require_root();
    SandboxTest t;
    // systemd makes / shared; here a shared tmpfs holds the rootfs. The launcher's clone of
    // it must be private, or the sandbox's /proc, /dev ... would appear on the host.
    const std::string shared = t.dir() / "shared";
    fs::create_directories(shared);
    REQUIRE(::mount("tmpfs", shared.c_str(), "tmpfs", 0, "mode=0755") == 0);
    REQUIRE(::mount(nullptr, shared.c_str(), nullptr, MS_SHARED, nullptr) == 0);
    copy_rootfs(shared + "/root");
    auto profile = t.profile("shared", {}, shared + "/root");
    RunResult r = t.run({"up", profile, "--", "/bin/sh", "-c", "echo inside"});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "inside\n");
    std::string mountinfo = read_file("/proc/self/mountinfo");
    CHECK(mountinfo.find(shared + "/root/") == std::string::npos);
    // Anything propagated would sit on top of the tmpfs: detach it all before the leak check.
    REQUIRE(::umount2(shared.c_str(), MNT_DETACH) == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("mounts: a user-namespace sandbox on a directory rootfs without /etc/hosts runs",
          "[root][mounts]") {
    require_root();
    SandboxTest t;
    const std::string dir = t.dir() / "nohosts";
    copy_rootfs(dir);
    fs::remove(dir + "/etc/hosts");
    // a40709c: "setup failed at mounts: create /etc/hosts: Permission denied (EACCES)".
    auto profile = t.profile("nohosts",
                             "readonly = true\n[namespaces]\nuser = true\nmount = true\n"
                             "pid = true\nuts = true\n"
                             "[[uid_map]]\ninside = 0\noutside = 100000\ncount = 65536\n"
                             "[[gid_map]]\ninside = 0\noutside = 100000\ncount = 65536\n"
                             "[uts]\nhostname = \"hostsbox\"\n",
                             dir);
    RunResult r = t.run({"up", profile, "--", "/bin/sh", "-c", "grep hostsbox /etc/hosts"});
    CHECK(r.err == "");
    CHECK(r.out == "127.0.1.1\thostsbox\n");
    CHECK(r.status == 0);
    CHECK_FALSE(fs::exists(dir + "/etc/hosts"));
    CHECK(t.leaks() == std::vector<std::string>{});
}
