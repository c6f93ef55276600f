// cgroup v1/v2 writers against a fake cgroupfs in a temp dir (no privilege): which directories
// are made, which files get which values, how stats are parsed, how remove behaves.
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>

#include "exec/host/cgroup.hpp"
#include "support/temp_dir.hpp"
#include "sys/cgroup.hpp"
#include "sys/cgroup_common.hpp"

using namespace sandbox;
using sandbox::test::read_file;
using sandbox::test::TempDir;
using sandbox::test::write_file;
namespace fs = std::filesystem;

namespace {

void touch_files(const std::string& dir, std::initializer_list<const char*> files) {
    for (const char* f : files) {
        write_file(dir + "/" + f, "");
    }
}

}  // namespace

TEST_CASE("cgroup: v2 creates the leaf with its parents and refuses an existing leaf",
          "[unit][cgroup]") {
    TempDir root("cg");
    auto cg = sys::make_cgroup_v2(root.path(), "sandbox/web");
    REQUIRE(cg->create());
    CHECK(fs::is_directory(root / "sandbox/web"));
    CHECK(cg->dirs() == std::vector<std::string>{root / "sandbox/web"});
    CHECK(cg->parent_levels() == 1);
    CHECK(cg->self_attach_files() == std::vector<std::string>{root / "sandbox/web/cgroup.procs"});

    auto again = sys::make_cgroup_v2(root.path(), "sandbox/web")->create();
    REQUIRE_FALSE(again);
    CHECK(again.error().err() == EEXIST);
    CHECK(again.error().describe() == "mkdir " + (root / "sandbox/web") + ": File exists (EEXIST)");

    auto fd = cg->open_leaf();
    REQUIRE(fd.has_value());
    REQUIRE(*fd);
    struct stat st {};
    REQUIRE(::fstat((*fd)->get(), &st) == 0);
    CHECK(S_ISDIR(st.st_mode));

    // A sibling finds the parent there; a leaf whose parents are several levels missing gets
    // all of them (the leaf is tried first, then its parent, then mkdir -p).
    REQUIRE(sys::make_cgroup_v2(root.path(), "sandbox/db")->create());
    CHECK(fs::is_directory(root / "sandbox/db"));
    REQUIRE(sys::make_cgroup_v2(root.path(), "a/b/c/leaf")->create());
    CHECK(fs::is_directory(root / "a/b/c/leaf"));
}

TEST_CASE("cgroup: v2 writes exact values and names file, value and dir on failure",
          "[unit][cgroup]") {
    TempDir root("cg");
    auto cg = sys::make_cgroup_v2(root.path(), "sandbox/web");
    REQUIRE(cg->create());
    const std::string leaf = root / "sandbox/web";
    touch_files(leaf, {"memory.max", "pids.max", "cpu.max", "cgroup.procs"});

    REQUIRE(cg->write("", "memory.max", "1073741824"));
    REQUIRE(cg->write("", "pids.max", "64"));
    REQUIRE(cg->write("", "cpu.max", "50000 100000"));
    CHECK(read_file(leaf + "/memory.max") == "1073741824");
    CHECK(read_file(leaf + "/pids.max") == "64");
    CHECK(read_file(leaf + "/cpu.max") == "50000 100000");

    REQUIRE(cg->attach(4242));
    CHECK(read_file(leaf + "/cgroup.procs") == "4242");

    auto bad = cg->write("", "memory.swap.max", "0");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().describe() ==
          "write memory.swap.max = 0 in " + leaf + ": No such file or directory (ENOENT)");
}

TEST_CASE("cgroup: v2 enables controllers top down, writing only those missing", "[unit][cgroup]") {
    TempDir root("cg");
    write_file(root / "cgroup.subtree_control", "cpu\n");
    write_file(root / "sandbox/cgroup.subtree_control", "");
    write_file(root / "sandbox/ci/cgroup.subtree_control", "memory pids\n");
    auto cg = sys::make_cgroup_v2(root.path(), "sandbox/ci/job1");
    REQUIRE(cg->create());
    REQUIRE(cg->enable_controllers({"memory", "pids", "cpu"}));
    // One write per level with only the missing controllers.
    CHECK(read_file(root / "cgroup.subtree_control") == "+memory +pids");
    CHECK(read_file(root / "sandbox/cgroup.subtree_control") == "+memory +pids +cpu");
    // Only "+cpu" was written there (over the fake file's "memory pids\n", hence the tail).
    CHECK(read_file(root / "sandbox/ci/cgroup.subtree_control") == "+cpury pids\n");
    // The leaf's own subtree_control is never written (no internal processes rule).
    CHECK_FALSE(fs::exists(root / "sandbox/ci/job1/cgroup.subtree_control"));
}

TEST_CASE("cgroup: v2 writes a level whose controllers are already enabled, to wait for them",
          "[unit][cgroup]") {
    // The kernel shows a new subtree_control before the write that set it has made the
    // children's files: a sandbox that only reads it can find memory.max missing (ENOENT).
    // Writing the enabled set again takes the cgroup mutex, i.e. waits for that write.
    TempDir root("cg");
    write_file(root / "cgroup.subtree_control", "memory pids\n");
    write_file(root / "sandbox/cgroup.subtree_control", "memory pids\n");
    auto cg = sys::make_cgroup_v2(root.path(), "sandbox/job1");
    REQUIRE(cg->create());
    REQUIRE(cg->enable_controllers({"memory", "pids"}));
    CHECK(read_file(root / "cgroup.subtree_control") == "+memory +pids");
    CHECK(read_file(root / "sandbox/cgroup.subtree_control") == "+memory +pids");
}

TEST_CASE("cgroup: v1 makes one leaf per distinct hierarchy and writes into the right one",
          "[unit][cgroup]") {
    TempDir root("cg");
    std::map<std::string, std::string> h{{"memory", root / "memory"},
                                         {"pids", root / "pids"},
                                         {"cpu", root / "cpu,cpuacct"},
                                         {"cpuacct", root / "cpu,cpuacct"}};
    for (const auto& [c, m] : h) {
        fs::create_directories(m);
    }
    auto cg = sys::make_cgroup_v1(h, "sandbox/web");
    REQUIRE(cg->create());
    auto dirs = cg->dirs();
    std::sort(dirs.begin(), dirs.end());
    CHECK(dirs == std::vector<std::string>{root / "cpu,cpuacct/sandbox/web",
                                           root / "memory/sandbox/web", root / "pids/sandbox/web"});
    auto tasks = cg->self_attach_files();
    std::sort(tasks.begin(), tasks.end());
    CHECK(tasks == std::vector<std::string>{root / "cpu,cpuacct/sandbox/web/tasks",
                                            root / "memory/sandbox/web/tasks",
                                            root / "pids/sandbox/web/tasks"});
    CHECK_FALSE(cg->open_leaf().has_value());

    touch_files(root / "memory/sandbox/web", {"memory.limit_in_bytes", "cgroup.procs"});
    touch_files(root / "pids/sandbox/web", {"pids.max", "cgroup.procs"});
    touch_files(root / "cpu,cpuacct/sandbox/web",
                {"cpu.cfs_quota_us", "cpu.cfs_period_us", "cgroup.procs"});
    REQUIRE(cg->write("memory", "memory.limit_in_bytes", "536870912"));
    REQUIRE(cg->write("pids", "pids.max", "32"));
    REQUIRE(cg->write("cpu", "cpu.cfs_period_us", "100000"));
    REQUIRE(cg->write("cpu", "cpu.cfs_quota_us", "150000"));
    CHECK(read_file(root / "memory/sandbox/web/memory.limit_in_bytes") == "536870912");
    CHECK(read_file(root / "pids/sandbox/web/pids.max") == "32");
    CHECK(read_file(root / "cpu,cpuacct/sandbox/web/cpu.cfs_quota_us") == "150000");
    CHECK(read_file(root / "cpu,cpuacct/sandbox/web/cpu.cfs_period_us") == "100000");

    auto none = cg->write("blkio", "blkio.weight", "100");
    REQUIRE_FALSE(none);
    CHECK(none.error().describe() ==
          "write blkio.weight = 100: no v1 hierarchy for controller 'blkio': No such file or "
          "directory (ENOENT)");

    touch_files(root / "memory/sandbox/web", {"tasks"});
    touch_files(root / "pids/sandbox/web", {"tasks"});
    touch_files(root / "cpu,cpuacct/sandbox/web", {"tasks"});
    REQUIRE(sys::join_cgroup(cg->self_attach_files()));
    CHECK(read_file(root / "memory/sandbox/web/tasks") == "0");
    CHECK(read_file(root / "cpu,cpuacct/sandbox/web/tasks") == "0");
    REQUIRE(cg->enable_controllers({"memory"}));  // no-op on v1
    REQUIRE(cg->attach(77));
    CHECK(read_file(root / "memory/sandbox/web/cgroup.procs") == "77");
    CHECK(read_file(root / "pids/sandbox/web/cgroup.procs") == "77");
    CHECK(read_file(root / "cpu,cpuacct/sandbox/web/cgroup.procs") == "77");
}

TEST_CASE("cgroup: v1 create undoes its own leaves when a later hierarchy fails",
          "[unit][cgroup]") {
    TempDir root("cg");
    fs::create_directories(root / "memory");
    fs::create_directories(root / "pids/sandbox/web");  // left behind by someone else
    auto cg =
        sys::make_cgroup_v1({{"memory", root / "memory"}, {"pids", root / "pids"}}, "sandbox/web");
    auto r = cg->create();
    REQUIRE_FALSE(r);
    CHECK(r.error().err() == EEXIST);
    CHECK_FALSE(fs::exists(root / "memory/sandbox/web"));
    CHECK_FALSE(fs::exists(root / "memory/sandbox"));  // its now-empty parent pruned too
    CHECK(fs::exists(root / "pids/sandbox/web"));      // not ours: untouched
}

TEST_CASE("cgroup: v2 stats parse peak, oom kills, cpu and pids", "[unit][cgroup]") {
    TempDir root("cg");
    auto cg = sys::make_cgroup_v2(root.path(), "sandbox/s");
    REQUIRE(cg->create());
    const std::string leaf = root / "sandbox/s";
    write_file(leaf + "/memory.current", "1048576\n");
    write_file(leaf + "/memory.peak", "8388608\n");
    write_file(leaf + "/memory.events",
               "low 0\nhigh 0\nmax 12\noom 3\noom_kill 2\noom_group_kill 0\n");
    write_file(leaf + "/cpu.stat",
               "usage_usec 123456\nuser_usec 100000\nsystem_usec 23456\nnr_periods 0\n");
    write_file(leaf + "/pids.current", "5\n");
    auto s = cg->stats();
    REQUIRE(s);
    CHECK(s->memory_current == 1048576);
    CHECK(s->memory_peak == 8388608);
    CHECK(s->oom_kills == 2);
    CHECK(s->cpu_usage_usec == 123456);
    CHECK(s->pids_current == 5);
    CHECK(cg->oom_kills() == 2);  // what a run without a report reads alone
}

TEST_CASE("cgroup: without memory.peak the peak is the max memory.current seen", "[unit][cgroup]") {
    TempDir root("cg");
    auto cg = sys::make_cgroup_v2(root.path(), "s");
    REQUIRE(cg->create());
    write_file(root / "s/memory.current", "3000\n");
    CHECK(cg->stats()->memory_peak == 3000);
    write_file(root / "s/memory.current", "9000\n");
    CHECK(cg->stats()->memory_peak == 9000);
    write_file(root / "s/memory.current", "1000\n");
    auto s = cg->stats();
    CHECK(s->memory_peak == 9000);
    CHECK(s->memory_current == 1000);
    CHECK(s->oom_kills == 0);  // missing files read as 0
    CHECK(cg->oom_kills() == 0);
    CHECK(s->cpu_usage_usec == 0);
}

TEST_CASE("cgroup: v1 stats read max usage, oom_control and cpuacct in µs", "[unit][cgroup]") {
    TempDir root("cg");
    std::map<std::string, std::string> h{
        {"memory", root / "memory"}, {"cpuacct", root / "cpuacct"}, {"pids", root / "pids"}};
    auto cg = sys::make_cgroup_v1(h, "sandbox/s");
    REQUIRE(cg->create());
    write_file(root / "memory/sandbox/s/memory.usage_in_bytes", "4096\n");
    write_file(root / "memory/sandbox/s/memory.max_usage_in_bytes", "65536\n");
    write_file(root / "memory/sandbox/s/memory.oom_control",
               "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
    write_file(root / "cpuacct/sandbox/s/cpuacct.usage", "2500000\n");
    write_file(root / "pids/sandbox/s/pids.current", "3\n");
    auto s = cg->stats();
    REQUIRE(s);
    CHECK(s->memory_current == 4096);
    CHECK(s->memory_peak == 65536);
    CHECK(s->oom_kills == 1);
    CHECK(s->cpu_usage_usec == 2500);
    CHECK(s->pids_current == 3);
    CHECK(cg->oom_kills() == 1);
    auto no_memory = sys::make_cgroup_v1({{"pids", root / "pids"}}, "sandbox/t");
    REQUIRE(no_memory->create());
    CHECK(no_memory->oom_kills() == 0);  // no memory hierarchy: nothing to read
}

TEST_CASE("cgroup: parsers are strict about numbers and find keyed lines", "[unit][cgroup]") {
    using namespace sys::cgroup_detail;
    CHECK(parse_u64("42\n") == 42u);
    CHECK_FALSE(parse_u64("max\n"));
    CHECK_FALSE(parse_u64("12abc"));
    CHECK_FALSE(parse_u64(""));
    CHECK(parse_keyed("oom 4\noom_kill 7\n", "oom_kill") == 7u);
    CHECK(parse_keyed("oom_kill 7\noom 4\n", "oom") == 4u);
    CHECK_FALSE(parse_keyed("oom_kill_disable 0\n", "oom_kill"));
    CHECK(parent_levels_of("sandbox/web") == 1);
    CHECK(parent_levels_of("web") == 0);
    CHECK(parent_levels_of("/user.slice/user@1000.service/sandbox/web/") == 1);
}

TEST_CASE("cgroup: remove deletes the leaf, prunes the shared parent only when empty",
          "[unit][cgroup]") {
    TempDir root("cg");
    auto a = sys::make_cgroup_v2(root.path(), "sandbox/a");
    auto b = sys::make_cgroup_v2(root.path(), "sandbox/b");
    REQUIRE(a->create());
    REQUIRE(b->create());
    REQUIRE(a->remove());
    CHECK_FALSE(fs::exists(root / "sandbox/a"));
    CHECK(fs::exists(root / "sandbox/b"));  // the parent stays: b lives there
    REQUIRE(a->remove());                   // ENOENT = already gone = success
    REQUIRE(b->remove());
    CHECK_FALSE(fs::exists(root / "sandbox"));
    CHECK(fs::exists(root.path()));  // never above the parents the path names

    // The rollback form: the leaf plus an explicit prune count.
    REQUIRE(sys::make_cgroup_v2(root.path(), "sandbox/c")->create());
    REQUIRE(sys::remove_cgroup_dir(root / "sandbox/c", 0));
    CHECK(fs::exists(root / "sandbox"));
    REQUIRE(sys::make_cgroup_v2(root.path(), "sandbox/c")->create());
    REQUIRE(sys::remove_cgroup_dir(root / "sandbox/c", 1));
    CHECK_FALSE(fs::exists(root / "sandbox"));
}

TEST_CASE("cgroup: kill SIGKILLs the listed processes and uses cgroup.kill when present",
          "[unit][cgroup]") {
    TempDir root("cg");
    auto cg = sys::make_cgroup_v2(root.path(), "sandbox/k");
    REQUIRE(cg->create());
    pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    write_file(root / "sandbox/k/cgroup.procs", std::to_string(child) + "\n");
    // The fake cgroup.procs never empties and the dir is not empty: remove must give up after
    // its bounded wait with an error, having killed the member.
    auto t0 = std::chrono::steady_clock::now();
    auto r = sys::remove_cgroup_dir(root / "sandbox/k", 1, std::chrono::milliseconds(100));
    auto took = std::chrono::steady_clock::now() - t0;
    CHECK_FALSE(r);
    CHECK(took < std::chrono::seconds(2));
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    CHECK(fs::exists(root / "sandbox"));

    write_file(root / "sandbox/k/cgroup.kill", "");
    REQUIRE(cg->kill_all());
    CHECK(read_file(root / "sandbox/k/cgroup.kill") == "1");
}

TEST_CASE("cgroup: host step pushes one undo per leaf before writing limits", "[unit][cgroup]") {
    TempDir root("cg");
    fs::create_directories(root / "memory");
    fs::create_directories(root / "pids");
    plan::CgroupPlan p;
    p.enabled = true;
    p.version = plan::CgroupVersion::hybrid;
    p.path = "sandbox/hs";
    p.v1_controllers = {"memory", "pids"};
    p.v1_hierarchies = {{"memory", root / "memory"}, {"pids", root / "pids"}};
    p.writes = {{"memory", "memory.limit_in_bytes", "1048576"}};
    exec::Rollback rb;
    // The fake leaf has no memory.limit_in_bytes: the write fails, but the undo is already there.
    CHECK_THROWS_WITH(exec::host::create_cgroup(p, rb),
                      Catch::Contains("memory.limit_in_bytes = 1048576 in"));
    REQUIRE(rb.entries().size() == 2);
    for (const exec::UndoEntry& e : rb.entries()) {
        CHECK(e.kind == exec::UndoKind::remove_cgroup);
        CHECK(e.extra == "1");
        CHECK(fs::is_directory(e.target));
        REQUIRE(sys::remove_cgroup_dir(e.target, std::stoul(e.extra)));
    }
    CHECK_FALSE(fs::exists(root / "memory/sandbox"));

    SECTION("a write for a hierarchy the plan does not name is refused before anything is made") {
        // The planner drops such writes with a note (plan/cgroup_plan.cpp); the executor does
        // not look for the controller on the host again.
        p.writes = {{"cpu", "cpu.shares", "512"}};
        exec::Rollback rb2;
        try {
            exec::host::create_cgroup(p, rb2);
            FAIL("no error");
        } catch (const sys::SysError& e) {
            CHECK_THAT(e.describe(), Catch::Contains("names no hierarchy for 'cpu'"));
        }
        CHECK(rb2.empty());
        CHECK_FALSE(fs::exists(root / "memory/sandbox"));
    }
    SECTION("disabled: nothing is made") {
        p.enabled = false;
        exec::Rollback rb2;
        CHECK(exec::host::create_cgroup(p, rb2) == nullptr);
        CHECK(rb2.empty());
    }
}

TEST_CASE("cgroup: host step uses the plan's v2 root and hierarchies", "[unit][cgroup]") {
    TempDir root("cg");
    plan::CgroupPlan p;
    p.enabled = true;
    p.path = "sandbox/pv";
    exec::Rollback rb;

    SECTION("v2") {
        write_file(root / "cgroup.subtree_control", "");
        p.version = plan::CgroupVersion::v2;
        p.v2_root = root.path();
        p.v2_enable = {"memory", "pids"};
        p.writes = {{"", "memory.max", "1048576"}};
        // The fake leaf has no memory.max: controllers were enabled, the undo was pushed.
        CHECK_THROWS(exec::host::create_cgroup(p, rb));
        CHECK(read_file(root / "cgroup.subtree_control") == "+memory +pids");
        REQUIRE(rb.entries().size() == 1);
        CHECK(rb.entries()[0].target == root / "sandbox/pv");
        CHECK(rb.entries()[0].extra == "1");
    }
    SECTION("v1") {
        fs::create_directories(root / "memory");
        fs::create_directories(root / "cpu,cpuacct");
        p.version = plan::CgroupVersion::v1;
        p.v1_controllers = {"memory", "cpu", "cpuacct"};
        p.v1_hierarchies = {{"memory", root / "memory"},
                            {"cpu", root / "cpu,cpuacct"},
                            {"cpuacct", root / "cpu,cpuacct"}};
        auto cg = exec::host::create_cgroup(p, rb);
        REQUIRE(cg);
        CHECK(rb.entries().size() == 2);  // co-mounted cpu,cpuacct: one leaf
        CHECK(fs::is_directory(root / "cpu,cpuacct/sandbox/pv"));
        REQUIRE(cg->remove());
        CHECK_FALSE(fs::exists(root / "memory/sandbox"));
    }
}
