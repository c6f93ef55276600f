// The archive rootfs at the trust boundary (issue 12): set-id bits and file capabilities are
// stripped unless asked for, the archive is read through one fd, and the cache is private and
// checked before use. No privilege needed (a few checks need root and say so).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <filesystem>

#include "exec/host/rootfs.hpp"
#include "plan/plan.hpp"
#include "support/archive_builder.hpp"
#include "support/temp_dir.hpp"
#include "sys/archive.hpp"
#include "unit/plan_fixtures.hpp"

using namespace sandbox;
using sandbox::test::ArchiveBuilder;
using sandbox::test::read_file;
using sandbox::test::TempDir;
using sandbox::test::write_file;
namespace fs = std::filesystem;

namespace {

mode_t mode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

// struct vfs_cap_data, revision 2, effective, permitted = CAP_NET_RAW (13).
std::string net_raw_cap() {
    uint32_t cap[5] = {0x02000001u, 1u << 13, 0, 0, 0};
    return std::string(reinterpret_cast<const char*>(cap), sizeof cap);
}

void make_setid_archive(const std::string& tar) {
    ArchiveBuilder b(tar);
    b.dir("bin").dir("shared", 02775);
    b.file("bin/suid", "#!/bin/sh\n", 04755).file("bin/sgid", "#!/bin/sh\n", 02755);
    b.file("bin/both", "#!/bin/sh\n", 06711).file("bin/plain", "#!/bin/sh\n", 0755);
    b.hardlink("bin/suid-link", "bin/suid");
    b.file_with_xattr("bin/ping", "#!/bin/sh\n", 0755, "security.capability", net_raw_cap());
}

plan::RootfsPlan archive_plan(const std::string& tar, const std::string& cache) {
    plan::RootfsPlan p;
    p.kind = plan::RootfsKind::archive;
    p.source = tar;
    p.cache_dir = cache;
    p.readonly = true;
    return p;
}

}  // namespace

TEST_CASE("rootfs: set-id bits and file capabilities are stripped on extraction",
          "[unit][rootfs]") {
    TempDir tmp("ar");
    const std::string tar = tmp / "setid.tar";
    make_setid_archive(tar);
    fs::create_directories(tmp / "out");
    auto st = sys::extract_archive(tar, tmp / "out");
    REQUIRE(st);
    CHECK(st->skipped.empty());
    CHECK(mode_of(tmp / "out/bin/suid") == 0755);
    CHECK(mode_of(tmp / "out/bin/sgid") == 0755);
    CHECK(mode_of(tmp / "out/bin/both") == 0711);
    CHECK(mode_of(tmp / "out/bin/plain") == 0755);
    CHECK(mode_of(tmp / "out/bin/suid-link") == 0755);
    CHECK(mode_of(tmp / "out/shared") == 02775);  // a directory's setgid grants nothing
    CHECK(st->setid_stripped == 3);
    CHECK(st->caps_stripped == 1);
    char buf[64];
    CHECK(::getxattr((tmp / "out/bin/ping").c_str(), "security.capability", buf, sizeof buf) < 0);
    CHECK(errno == ENODATA);
}

TEST_CASE("rootfs: keep_setuid keeps set-id bits and only the security.capability xattr",
          "[unit][rootfs]") {
    if (::geteuid() != 0) {
        return;  // set-id bits of root's files and security.* xattrs need root to write
    }
    TempDir tmp("ar");
    const std::string tar = tmp / "setid.tar";
    make_setid_archive(tar);
    fs::create_directories(tmp / "out");
    sys::ExtractOptions keep;
    keep.keep_setuid = true;
    auto st = sys::extract_archive(tar, tmp / "out", keep);
    REQUIRE(st);
    CHECK(mode_of(tmp / "out/bin/suid") == 04755);
    CHECK(mode_of(tmp / "out/bin/both") == 06711);
    CHECK(st->setid_stripped == 0);
    char buf[64];
    ssize_t n = ::getxattr((tmp / "out/bin/ping").c_str(), "security.capability", buf, sizeof buf);
    REQUIRE(n == 20);
    CHECK(std::string(buf, 20) == net_raw_cap());
}

TEST_CASE("rootfs: the archive is hashed and unpacked from one open file", "[unit][rootfs]") {
    TempDir tmp("ar");
    const std::string tar = tmp / "a.tar";
    {
        ArchiveBuilder b(tar);
        b.file("genuine", "yes\n");
    }
    const std::string genuine_hash = sys::sha256_file(tar).value();
    sys::UniqueFd fd(::open(tar.c_str(), O_RDONLY | O_CLOEXEC));
    REQUIRE(fd);
    // A racer swaps the path after it was opened: the fd still reads the genuine archive.
    {
        ArchiveBuilder b(tmp / "evil.tar");
        b.file("evil", "no\n");
    }
    fs::rename(tmp / "evil.tar", tar);
    CHECK(sys::sha256_fd(fd.get(), tar).value() == genuine_hash);
    fs::create_directories(tmp / "out");
    auto st = sys::extract_archive_fd(fd.get(), tar, tmp / "out");
    REQUIRE(st);
    CHECK(st->sha256 == genuine_hash);  // what was unpacked is what was hashed
    CHECK(fs::exists(tmp / "out/genuine"));
    CHECK_FALSE(fs::exists(tmp / "out/evil"));
    // A second extraction from the same fd rewinds it.
    fs::create_directories(tmp / "out2");
    auto again = sys::extract_archive_fd(fd.get(), tar, tmp / "out2");
    REQUIRE(again);
    CHECK(again->sha256 == genuine_hash);
    CHECK(fs::exists(tmp / "out2/genuine"));
}

TEST_CASE("rootfs: a cache entry that does not check out is unpacked again", "[unit][rootfs]") {
    TempDir tmp("ar");
    const std::string tar = tmp / "img.tar";
    {
        ArchiveBuilder b(tar);
        b.dir("bin").file("bin/tool", "genuine\n", 0755);
    }
    auto p = archive_plan(tar, tmp / "cache/rootfs");
    plan::StatePlan state;
    state.root = tmp / "state";
    exec::Rollback rb;
    auto first = exec::host::prepare_rootfs(p, state, rb);
    REQUIRE_FALSE(first.cache_hit);
    const std::string entry = tmp / ("cache/rootfs/" + first.archive_sha256);
    CHECK(first.root == entry + "/tree");

    SECTION("a tree swapped under the manifest") {
        fs::rename(entry + "/tree", entry + "/old");
        fs::create_directories(entry + "/tree/bin");
        write_file(entry + "/tree/bin/tool", "planted\n");
    }
    SECTION("an entry others may write") {
        ::chmod(entry.c_str(), 0777);
        write_file(entry + "/tree/bin/tool", "planted\n");
    }
    SECTION("a manifest others may write") {
        ::chmod((entry + "/manifest").c_str(), 0666);
        write_file(entry + "/tree/bin/tool", "planted\n");
    }
    SECTION("an entry from an older version (no manifest)") {
        fs::remove(entry + "/manifest");
        write_file(entry + "/tree/bin/tool", "planted\n");
    }
    auto second = exec::host::prepare_rootfs(p, state, rb);
    CHECK_FALSE(second.cache_hit);
    CHECK(read_file(second.root + "/bin/tool") == "genuine\n");
    CHECK(mode_of(entry) == 0700);
    CHECK(mode_of(entry + "/manifest") == 0600);
    auto third = exec::host::prepare_rootfs(p, state, rb);
    CHECK(third.cache_hit);
    // No stale or temp dirs left behind.
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(tmp / "cache/rootfs")) {
        names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{".hashes", first.archive_sha256});
}

TEST_CASE("rootfs: the cache root is made private, someone else's is refused", "[unit][rootfs]") {
    TempDir tmp("ar");
    const std::string tar = tmp / "img.tar";
    {
        ArchiveBuilder b(tar);
        b.file("f", "x");
    }
    // Made 0755 by an older version: tightened.
    fs::create_directories(tmp / "cache/rootfs");
    ::chmod((tmp / "cache").c_str(), 0755);
    ::chmod((tmp / "cache/rootfs").c_str(), 0755);
    auto p = archive_plan(tar, tmp / "cache/rootfs");
    plan::StatePlan state;
    exec::Rollback rb;
    auto r = exec::host::prepare_rootfs(p, state, rb);
    CHECK(mode_of(tmp / "cache") == 0700);
    CHECK(mode_of(tmp / "cache/rootfs") == 0700);
    CHECK(mode_of(tmp / "cache/rootfs/.hashes") == 0700);
    CHECK_FALSE(r.cache_hit);
    // keep_setuid has its own entry: a stripped tree is never reused for it, nor vice versa.
    p.keep_setuid = true;
    auto k = exec::host::prepare_rootfs(p, state, rb);
    CHECK(k.root == tmp / ("cache/rootfs/" + r.archive_sha256 + "-setuid/tree"));
    if (::geteuid() == 0) {
        REQUIRE(::chown((tmp / "cache/rootfs").c_str(), 4242, 4242) == 0);
        try {
            exec::host::prepare_rootfs(p, state, rb);
            FAIL("no error");
        } catch (const sys::SysError& e) {
            CHECK(e.err() == EPERM);
            CHECK_THAT(e.describe(), Catch::Contains("owned by uid 4242"));
        }
    }
}

TEST_CASE("plan: an archive rootfs is read-only from the first mount unless overlaid",
          "[unit][plan][rootfs]") {
    profile::Profile p = test::minimal_profile();
    p.rootfs.path.reset();
    p.rootfs.archive = "/images/debian.tar";
    plan::Plan ro = plan::make_plan(p, test::facts_v2_root());
    CHECK(ro.rootfs.readonly);
    CHECK(ro.pivot.readonly_root);
    REQUIRE(ro.mounts.size() > 1);
    CHECK(ro.mounts[1].kind == plan::MountOpKind::bind_root);
    CHECK(ro.mounts[1].flags.readonly);  // not only after pivot_root: setup never writes it
    CHECK_FALSE(ro.rootfs.keep_setuid);
    CHECK(std::any_of(ro.notes.begin(), ro.notes.end(), [](const plan::PlanNote& n) {
        return n.message.find("an archive rootfs is read-only") != std::string::npos;
    }));

    p.rootfs.overlay = true;
    p.rootfs.keep_setuid = true;
    plan::Plan ovl = plan::make_plan(p, test::facts_v2_root());
    CHECK_FALSE(ovl.rootfs.readonly);
    CHECK(ovl.rootfs.keep_setuid);
    CHECK(ovl.mounts[1].kind == plan::MountOpKind::overlay_root);

    // A directory stays as the profile says; keep_setuid means nothing there.
    p.rootfs.archive.reset();
    p.rootfs.path = "/srv/rootfs";
    p.rootfs.overlay = false;
    plan::Plan dir = plan::make_plan(p, test::facts_v2_root());
    CHECK_FALSE(dir.rootfs.readonly);
    CHECK_FALSE(dir.mounts[1].flags.readonly);
    CHECK_FALSE(dir.rootfs.keep_setuid);
}
