// Archive extraction (safety first: nothing may land outside the target), the archive cache of
// prepare_rootfs, and remove_tree. No privilege needed.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "exec/host/rootfs.hpp"
#include "support/archive_builder.hpp"
#include "support/temp_dir.hpp"
#include "sys/archive.hpp"

using namespace sandbox;
using sandbox::test::ArchiveBuilder;
using sandbox::test::read_file;
using sandbox::test::TempDir;
using sandbox::test::write_file;
namespace fs = std::filesystem;

namespace {

ino_t inode_of(const std::string& path) {
    struct stat st {};
    REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_ino;
}

// Every path below `dir`, relative, sorted (symlinks not followed).
std::vector<std::string> listing(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir)) {
        out.push_back(e.path().lexically_relative(dir).string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("rootfs: a normal tree extracts with contents, modes and links", "[unit][rootfs]") {
    TempDir tmp("ar");
    const std::string tar = tmp / "root.tar";
    {
        ArchiveBuilder b(tar);
        b.dir("./").dir("./bin").dir("etc", 0700).file("bin/tool", "#!/bin/sh\necho hi\n", 0755);
        b.file("etc/hostname", "box\n", 0600).symlink("bin/sh", "/bin/tool");
        b.symlink("etc/rel", "../bin/tool").hardlink("bin/tool2", "bin/tool");
    }
    fs::create_directories(tmp / "out");
    auto st = sys::extract_archive(tar, tmp / "out");
    REQUIRE(st);
    CHECK(st->skipped.empty());
    CHECK(st->files == 2);
    CHECK(st->dirs == 2);
    CHECK(st->symlinks == 2);
    CHECK(st->hardlinks == 1);
    CHECK(read_file(tmp / "out/bin/tool") == "#!/bin/sh\necho hi\n");
    CHECK(read_file(tmp / "out/etc/hostname") == "box\n");
    CHECK((fs::status(tmp / "out/bin/tool").permissions() & fs::perms::all) ==
          static_cast<fs::perms>(0755));
    CHECK((fs::status(tmp / "out/etc").permissions() & fs::perms::all) ==
          static_cast<fs::perms>(0700));
    CHECK(fs::read_symlink(tmp / "out/bin/sh") == "/bin/tool");
    CHECK(inode_of(tmp / "out/bin/tool2") == inode_of(tmp / "out/bin/tool"));
    CHECK(fs::current_path() != fs::path(tmp / "out"));  // cwd restored
}

TEST_CASE("rootfs: hostile entries are skipped and nothing escapes the target", "[unit][rootfs]") {
    TempDir tmp("ar");
    const std::string outside = tmp / "outside";
    write_file(outside + "/secret", "keep me\n");
    const std::string tar = tmp / "evil.tar";
    {
        ArchiveBuilder b(tar);
        b.dir("sub");
        b.file("../escape", "x");                // 1 dot-dot
        b.file("sub/../../escape2", "x");        // 2 dot-dot in the middle
        b.file(outside + "/abs", "x");           // 3 absolute
        b.symlink("link", outside);              // allowed: a symlink is just text ...
        b.file("link/pwned", "x");               // 4 ... but never written through
        b.symlink("sub/rel", "../../outside");   // allowed
        b.file("sub/rel/pwned2", "x");           // 5 through a relative symlink
        b.chardev("null", 1, 3);                 // device node: counted, not listed
        b.fifo("pipe");                          // 6 FIFO
        b.hardlink("hl1", "../outside/secret");  // 7 hard link out by dot-dot
        b.hardlink("hl2", outside + "/secret");  // 8 hard link out by absolute path
        b.hardlink("hl3", "link/secret");        // 9 hard link out through a symlink
        b.file("ok", "fine\n");
    }
    fs::create_directories(tmp / "out");
    auto st = sys::extract_archive(tar, tmp / "out");
    REQUIRE(st);
    CHECK(st->skipped.size() == 9);
    CHECK(st->device_nodes == 1);
    std::vector<std::string> skipped_paths;
    for (const std::string& s : st->skipped) {
        skipped_paths.push_back(s.substr(1, s.find("': ") - 1));
    }
    CHECK(skipped_paths == std::vector<std::string>{"../escape", "sub/../../escape2",
                                                    outside + "/abs", "link/pwned",
                                                    "sub/rel/pwned2", "pipe", "hl1", "hl2", "hl3"});
    CHECK(listing(outside) == std::vector<std::string>{"secret"});
    CHECK(read_file(outside + "/secret") == "keep me\n");
    struct stat sst {};
    REQUIRE(::stat((outside + "/secret").c_str(), &sst) == 0);
    CHECK(sst.st_nlink == 1);  // no hard link to it anywhere
    CHECK_FALSE(fs::exists(tmp / "escape"));
    CHECK_FALSE(fs::exists(tmp / "escape2"));
    CHECK(listing(tmp / "out") == std::vector<std::string>{"link", "ok", "sub", "sub/rel"});
    CHECK(read_file(tmp / "out/ok") == "fine\n");
}

TEST_CASE("rootfs: gzip, xz and zstd archives extract alike", "[unit][rootfs]") {
    TempDir tmp("ar");
    for (const char* filter : {"gzip", "xz", "zstd"}) {
        DYNAMIC_SECTION(filter) {
            const std::string tar = tmp / (std::string("r.tar.") + filter);
            {
                ArchiveBuilder b(tar, filter);
                b.dir("etc").file("etc/os-release", std::string(100000, 'z'));
            }
            const std::string out = tmp / (std::string("out-") + filter);
            fs::create_directories(out);
            auto st = sys::extract_archive(tar, out);
            REQUIRE(st);
            CHECK(read_file(out + "/etc/os-release") == std::string(100000, 'z'));
        }
    }
}

TEST_CASE("rootfs: a damaged or missing archive is an error naming it", "[unit][rootfs]") {
    TempDir tmp("ar");
    write_file(tmp / "junk.tar.gz", std::string("\x1f\x8b\x08\x00garbage", 12));
    fs::create_directories(tmp / "out");
    auto r = sys::extract_archive(tmp / "junk.tar.gz", tmp / "out");
    REQUIRE_FALSE(r);
    CHECK_THAT(r.error().describe(), Catch::Contains(tmp / "junk.tar.gz"));
    auto m = sys::extract_archive(tmp / "missing.tar", tmp / "out");
    REQUIRE_FALSE(m);
    CHECK_THAT(m.error().describe(), Catch::Contains("missing.tar"));
}

TEST_CASE("rootfs: sha256 of a file", "[unit][rootfs]") {
    TempDir tmp("ar");
    write_file(tmp / "abc", "abc");
    CHECK(sys::sha256_file(tmp / "abc").value() ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    write_file(tmp / "empty", "");
    CHECK(sys::sha256_file(tmp / "empty").value() ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK_FALSE(sys::sha256_file(tmp / "nope"));
}

TEST_CASE("rootfs: remove_tree deletes read-only dirs and never follows symlinks",
          "[unit][rootfs]") {
    TempDir tmp("ar");
    write_file(tmp / "keep/file", "k");
    write_file(tmp / "t/a/b/c", "x");
    fs::create_symlink(tmp / "keep", tmp / "t/a/to_keep");
    fs::create_symlink(tmp / "keep/file", tmp / "t/file_link");
    ::chmod((tmp / "t/a/b").c_str(), 0555);
    ::chmod((tmp / "t/a").c_str(), 0);
    REQUIRE(sys::remove_tree(tmp / "t"));
    CHECK_FALSE(fs::exists(tmp / "t"));
    CHECK(read_file(tmp / "keep/file") == "k");
    REQUIRE(sys::remove_tree(tmp / "t"));  // ENOENT = success
}

// The listing's d_type decides: files, symlinks and fifos are unlinked without being opened,
// empty directories (even mode 000) removed at once, the rest walked; more entries than one
// getdents64 buffer holds (8 KiB) take several reads.
TEST_CASE("rootfs: remove_tree removes every kind of entry, and directories of any size",
          "[unit][rootfs]") {
    TempDir tmp("ar");
    fs::create_directories(tmp / "t/empty");
    fs::create_directories(tmp / "t/locked_empty");
    ::chmod((tmp / "t/locked_empty").c_str(), 0);
    REQUIRE(::mkfifo((tmp / "t/fifo").c_str(), 0600) == 0);
    fs::create_directories(tmp / "t/many");
    for (int i = 0; i < 400; ++i) {
        write_file(tmp / ("t/many/a-rather-long-file-name-to-fill-the-buffer-" + std::to_string(i)),
                   "");
    }
    fs::create_directories(tmp / "t/many/sub/deeper");
    write_file(tmp / "t/many/sub/deeper/f", "x");
    REQUIRE(sys::remove_tree(tmp / "t"));
    CHECK_FALSE(fs::exists(tmp / "t"));
}

// A workload can make its overlay's upper dir (a state entry) as deep as it likes with
// `mkdir a; cd a` in a loop. A recursive walk with a getdents buffer on the stack per level ran
// out of the launcher's 8 MiB stack at ~900 levels (SIGSEGV in the undo, the state entries left for
// every later `up` and `down` to crash on); one level per fd would run out of fds.
TEST_CASE("rootfs: remove_tree removes a tree 20000 directories deep", "[unit][rootfs]") {
    TempDir tmp("ar");
    fs::create_directories(tmp / "deep");
    int fd = ::open((tmp / "deep").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    for (int i = 0; i < 20000; ++i) {
        REQUIRE(::mkdirat(fd, "d", 0755) == 0);
        if (i % 1000 == 0) {
            int file = ::openat(fd, "f", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
            REQUIRE(file >= 0);
            ::close(file);
        }
        int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        REQUIRE(next >= 0);
        ::close(fd);
        fd = next;
    }
    ::close(fd);
    REQUIRE(sys::remove_tree(tmp / "deep"));
    CHECK_FALSE(fs::exists(tmp / "deep"));
}

TEST_CASE("rootfs: directory kind checks the path", "[unit][rootfs]") {
    TempDir tmp("ar");
    fs::create_directories(tmp / "root/bin");
    write_file(tmp / "file", "");
    plan::StatePlan state;
    state.sandbox_name = "t";
    state.root = tmp / "state";
    plan::RootfsPlan p;
    p.kind = plan::RootfsKind::directory;
    exec::Rollback rb;
    p.source = tmp / "root";
    CHECK(exec::host::prepare_rootfs(p, state, rb).root == fs::canonical(tmp / "root").string());
    p.source = tmp / "missing";
    CHECK_THROWS_WITH(exec::host::prepare_rootfs(p, state, rb),
                      Catch::Contains("open rootfs") && Catch::Contains("missing"));
    p.source = tmp / "file";
    try {
        exec::host::prepare_rootfs(p, state, rb);
        FAIL("no error");
    } catch (const sys::SysError& e) {
        CHECK(e.err() == ENOTDIR);
        CHECK_THAT(e.describe(), Catch::Contains("must be a directory"));
    }
    CHECK(rb.empty());
}

TEST_CASE("rootfs: an archive is extracted once into the cache and reused", "[unit][rootfs]") {
    TempDir tmp("ar");
    const std::string tar = tmp / "img.tar.gz";
    {
        ArchiveBuilder b(tar, "gzip");
        b.dir("bin").file("bin/true", "#!/bin/sh\n", 0755);
    }
    fs::create_directories(tmp / "state");
    plan::StatePlan state;
    state.sandbox_name = "t";
    state.root = tmp / "state";
    plan::RootfsPlan p;
    p.kind = plan::RootfsKind::archive;
    p.source = tar;
    p.cache_dir = tmp / "cache";
    p.readonly = true;
    exec::Rollback rb;

    auto first = exec::host::prepare_rootfs(p, state, rb);
    CHECK_FALSE(first.cache_hit);
    CHECK(first.archive_sha256 == sys::sha256_file(tar).value());
    CHECK(first.root == tmp / ("cache/" + first.archive_sha256 + "/tree"));
    CHECK(read_file(first.root + "/bin/true") == "#!/bin/sh\n");
    CHECK((fs::status(first.root).permissions() & fs::perms::all) == static_cast<fs::perms>(0755));
    // Private: the cache and each entry are 0700, the manifest 0600.
    for (const std::string& d : {tmp / "cache", tmp / ("cache/" + first.archive_sha256)}) {
        CHECK((fs::status(d).permissions() & fs::perms::all) == fs::perms::owner_all);
    }
    CHECK((fs::status(tmp / ("cache/" + first.archive_sha256 + "/manifest")).permissions() &
           fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
    // Mount points the read-only root cannot get later.
    for (const char* point : {"proc", "sys", "dev", "tmp", "etc/hosts", "etc/resolv.conf"}) {
        CHECK(fs::exists(first.root + "/" + point));
    }
    const ino_t file_ino = inode_of(first.root + "/bin/true");
    write_file(first.root + "/marker", "");

    auto second = exec::host::prepare_rootfs(p, state, rb);
    CHECK(second.cache_hit);
    CHECK(second.root == first.root);
    CHECK(inode_of(second.root + "/bin/true") == file_ino);  // not re-extracted
    CHECK(fs::exists(second.root + "/marker"));
    CHECK(rb.empty());  // the cache is shared: nothing to undo
    // No temp dirs left beside the entry.
    for (const auto& e : fs::directory_iterator(tmp / "cache")) {
        CHECK(e.path().filename().string().rfind(".tmp-", 0) != 0);
    }

    SECTION("the hash sidecar is trusted while (dev, ino, size, mtime, ctime) match") {
        const std::string fake(64, 'a');
        for (const auto& e : fs::directory_iterator(tmp / "cache/.hashes")) {
            std::string text = read_file(e.path());
            write_file(e.path(), text.substr(0, text.size() - 65) + fake + "\n");
        }
        // The real entry under the fake name, its manifest edited to match: a hit.
        const std::string entry = tmp / ("cache/" + fake);
        fs::rename(tmp / ("cache/" + first.archive_sha256), entry);
        std::string manifest = read_file(entry + "/manifest");
        manifest.replace(manifest.find(first.archive_sha256), 64, fake);
        write_file(entry + "/manifest", manifest);
        auto third = exec::host::prepare_rootfs(p, state, rb);
        CHECK(third.archive_sha256 == fake);  // the archive was not read again
        CHECK(third.cache_hit);
        // A new mtime invalidates the sidecar: hashed again, unpacked again under the real hash.
        fs::last_write_time(tar, fs::last_write_time(tar) + std::chrono::seconds(5));
        auto fourth = exec::host::prepare_rootfs(p, state, rb);
        CHECK(fourth.archive_sha256 == first.archive_sha256);
        CHECK_FALSE(fourth.cache_hit);
    }
    SECTION("a lying sidecar never names what gets unpacked") {
        const std::string fake(64, 'b');
        for (const auto& e : fs::directory_iterator(tmp / "cache/.hashes")) {
            std::string text = read_file(e.path());
            write_file(e.path(), text.substr(0, text.size() - 65) + fake + "\n");
        }
        try {
            exec::host::prepare_rootfs(p, state, rb);
            FAIL("no error");
        } catch (const sys::SysError& e) {
            CHECK_THAT(e.describe(), Catch::Contains("the archive changed while it was read"));
        }
        CHECK_FALSE(fs::exists(tmp / ("cache/" + fake)));
    }
}

TEST_CASE("rootfs: overlay uses the state step's upper and work, or makes them with an undo",
          "[unit][rootfs]") {
    TempDir tmp("ar");
    fs::create_directories(tmp / "root");
    fs::create_directories(tmp / "state");
    plan::StatePlan state;
    state.sandbox_name = "t";
    state.root = tmp / "state";
    plan::RootfsPlan p;
    p.kind = plan::RootfsKind::directory;
    p.source = tmp / "root";
    p.overlay = true;
    p.upper_dir = tmp / "state/upper";
    p.work_dir = tmp / "state/work";

    SECTION("missing: made here, each with a remove_tree undo") {
        exec::Rollback rb;
        auto r = exec::host::prepare_rootfs(p, state, rb);
        CHECK(r.upper == tmp / "state/upper");
        CHECK(r.work == tmp / "state/work");
        CHECK(fs::is_directory(r.upper));
        CHECK(fs::is_directory(r.work));
        REQUIRE(rb.entries().size() == 2);
        CHECK(rb.entries()[0].kind == exec::UndoKind::remove_tree);
        CHECK(rb.entries()[0].target == tmp / "state/upper");
        CHECK(rb.entries()[1].target == tmp / "state/work");
    }
    SECTION("made empty by the state step: used, its undo stays the state step's") {
        fs::create_directories(p.upper_dir);
        fs::create_directories(p.work_dir);
        exec::Rollback rb;
        auto r = exec::host::prepare_rootfs(p, state, rb);
        CHECK(r.upper == p.upper_dir);
        CHECK(rb.empty());
    }
    SECTION("a stale upper layer with files is refused") {
        write_file(p.upper_dir + "/etc/leftover", "x");
        exec::Rollback rb;
        try {
            exec::host::prepare_rootfs(p, state, rb);
            FAIL("no error");
        } catch (const sys::SysError& e) {
            CHECK(e.err() == ENOTEMPTY);
            CHECK_THAT(e.describe(), Catch::Contains("left over"));
        }
        CHECK(rb.empty());
    }
}

TEST_CASE("rootfs: concurrent first runs agree on one cache entry and leave no temp dirs",
          "[unit][rootfs]") {
    TempDir tmp("ar");
    const std::string tar = tmp / "img.tar";
    {
        ArchiveBuilder b(tar);
        b.dir("data");
        for (int i = 0; i < 200; ++i) {
            b.file("data/f" + std::to_string(i),
                   std::string(4096, static_cast<char>('a' + i % 26)));
        }
    }
    plan::RootfsPlan p;
    p.kind = plan::RootfsKind::archive;
    p.source = tar;
    p.cache_dir = tmp / "cache";
    p.readonly = true;
    plan::StatePlan state;
    state.sandbox_name = "t";
    state.root = tmp / "state";
    std::vector<pid_t> kids;
    for (int i = 0; i < 4; ++i) {
        pid_t pid = ::fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            int rc = 1;
            try {
                exec::Rollback rb;
                auto r = exec::host::prepare_rootfs(p, state, rb);
                rc = read_file(r.root + "/data/f199").size() == 4096 ? 0 : 2;
            } catch (...) {
                rc = 3;
            }
            ::_exit(rc);
        }
        kids.push_back(pid);
    }
    for (pid_t pid : kids) {
        int status = 0;
        REQUIRE(::waitpid(pid, &status, 0) == pid);
        CHECK(WIFEXITED(status));
        CHECK(WEXITSTATUS(status) == 0);
    }
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(tmp / "cache")) {
        names.push_back(e.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    CHECK(names == std::vector<std::string>{".hashes", sys::sha256_file(tar).value()});
}
