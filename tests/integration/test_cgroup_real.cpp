// A real cgroup on this host (v1 hybrid here, v2 elsewhere): create, limit, a forked child that
// joins by itself (self_attach_files, as the sandbox child does), stats, kill, remove, and
// nothing left behind. Needs root.
#include <fcntl.h>
#include <linux/sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "exec/host_probe.hpp"
#include "support/leak_check.hpp"
#include "support/privilege.hpp"
#include "sys/cgroup.hpp"

using namespace sandbox;
namespace fs = std::filesystem;

namespace {

struct RealCgroup {
    std::unique_ptr<sys::Cgroup> cg;
    bool v2 = false;
    std::string memory_limit_file;

    // Creates the group the way the product's cgroup step does (exec/host/cgroup.cpp): on v2
    // the leaf's memory.max, pids.max and cpu.stat usage appear only once memory, pids and cpu
    // are enabled in cgroup.subtree_control of the root and of every parent (a fresh v2 boot
    // enables none of them at the root). v1: enable_controllers is a no-op.
    sys::Status create() const {
        if (auto r = cg->create(); !r) {
            return r;
        }
        return cg->enable_controllers({"memory", "pids", "cpu"});
    }
};

// The group for this host's layout, with memory, pids and (v1) cpuacct.
RealCgroup make_real(const std::string& relative) {
    plan::HostFacts facts = exec::probe_host();
    RealCgroup out;
    if (facts.cgroup_version == plan::CgroupVersion::v2) {
        out.v2 = true;
        out.cg = sys::make_cgroup_v2(facts.cgroup_root, relative);
        out.memory_limit_file = "memory.max";
        return out;
    }
    if (facts.cgroup_version == plan::CgroupVersion::none ||
        facts.v1_controllers.count("memory") == 0 || facts.v1_controllers.count("pids") == 0) {
        test::skip_or_fail("no cgroup v1 memory+pids or v2 hierarchy on this host");
    }
    std::map<std::string, std::string> h;
    for (const char* c : {"memory", "pids", "cpuacct"}) {
        if (facts.v1_controllers.count(c) != 0) {
            h[c] = facts.v1_controllers.at(c);
        }
    }
    out.cg = sys::make_cgroup_v1(h, relative);
    out.memory_limit_file = "memory.limit_in_bytes";
    return out;
}

// Forks a child that joins the group through `files` (writing "0"), reports on `ready`, then
// touches `bytes` of memory, burns a little cpu and waits to be killed.
pid_t fork_member(const std::vector<std::string>& files, size_t bytes) {
    int p[2];
    REQUIRE(::pipe2(p, O_CLOEXEC) == 0);
    pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::close(p[0]);
        if (!sys::join_cgroup(files)) {
            ::_exit(3);
        }
        char ok = 'R';
        (void)!::write(p[1], &ok, 1);
        void* mem =
            ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (mem != MAP_FAILED) {
            std::memset(mem, 0x5a, bytes);
        }
        auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(30);
        volatile unsigned long spin = 0;
        while (std::chrono::steady_clock::now() < until) {
            spin = spin + 1;
        }
        (void)!::write(p[1], &ok, 1);
        for (;;) {
            ::pause();
        }
    }
    ::close(p[1]);
    char c = 0;
    REQUIRE(::read(p[0], &c, 1) == 1);  // joined
    (void)!::read(p[0], &c, 1);         // touched its memory (or died trying: EOF)
    ::close(p[0]);
    return pid;
}

std::string proc_cgroup(pid_t pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/cgroup");
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace

TEST_CASE("cgroup: a real group limits, accounts, kills and leaves nothing behind",
          "[root][cgroup]") {
    test::require_root("needs root to create cgroups");
    test::LeakCheck leaks("/nonexistent", {"itest-"});
    const std::string rel = "sandbox/itest-" + std::to_string(::getpid());
    RealCgroup real = make_real(rel);
    sys::Cgroup& cg = *real.cg;
    std::vector<bool> parent_existed;
    for (const std::string& d : cg.dirs()) {
        parent_existed.push_back(fs::exists(fs::path(d).parent_path()));
    }
    REQUIRE(real.create());
    for (const std::string& d : cg.dirs()) {
        CHECK(fs::is_directory(d));
    }
    CHECK_FALSE(cg.create());  // EEXIST on the leaf
    REQUIRE(cg.write("memory", real.memory_limit_file, "268435456"));
    REQUIRE(cg.write("pids", "pids.max", "16"));
    auto bad = cg.write("pids", "pids.max", "lots");
    REQUIRE_FALSE(bad);
    CHECK_THAT(bad.error().describe(),
               Catch::Contains("pids.max = lots in") && Catch::Contains("(EINVAL)"));

    const size_t touched = 32u << 20;
    pid_t child = fork_member(cg.self_attach_files(), touched);
    CHECK_THAT(proc_cgroup(child), Catch::Contains(rel));

    auto s = cg.stats();
    REQUIRE(s);
    CHECK(s->pids_current == 1);
    CHECK(s->memory_peak >= touched);
    CHECK(s->memory_current >= touched / 2);
    CHECK(s->oom_kills == 0);
    CHECK(s->cpu_usage_usec >= 10000);  // it spun 30 ms

    REQUIRE(cg.remove());
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    const auto dirs = cg.dirs();
    for (size_t i = 0; i < dirs.size(); ++i) {
        CHECK_FALSE(fs::exists(dirs[i]));
        if (!parent_existed[i]) {
            CHECK_FALSE(fs::exists(fs::path(dirs[i]).parent_path()));  // "sandbox/" pruned
        }
    }
    REQUIRE(cg.remove());  // already gone: success
    CHECK(leaks.leaks() == std::vector<std::string>{});
}

TEST_CASE("cgroup: the kernel's OOM kill is counted in stats", "[root][cgroup]") {
    test::require_root("needs root to create cgroups");
    test::LeakCheck leaks("/nonexistent", {"itest-"});
    const std::string rel = "sandbox/itest-oom-" + std::to_string(::getpid());
    RealCgroup real = make_real(rel);
    REQUIRE(real.create());
    REQUIRE(real.cg->write("memory", real.memory_limit_file, "16777216"));
    if (!real.v2 && fs::exists(real.cg->dirs()[0] + "/memory.memsw.limit_in_bytes")) {
        (void)real.cg->write("memory", "memory.memsw.limit_in_bytes", "16777216");
    }
    pid_t child = fork_member(real.cg->self_attach_files(), 64u << 20);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    auto s = real.cg->stats();
    REQUIRE(s);
    CHECK(s->oom_kills >= 1);
    CHECK(s->memory_peak <= (16u << 20) + (1u << 20));
    REQUIRE(real.cg->remove());
    for (const std::string& d : real.cg->dirs()) {
        CHECK_FALSE(fs::exists(d));
    }
    CHECK(leaks.leaks() == std::vector<std::string>{});
}

TEST_CASE("cgroup: remove_cgroup_dir replays a rollback entry on a populated group",
          "[root][cgroup]") {
    test::require_root("needs root to create cgroups");
    test::LeakCheck leaks("/nonexistent", {"itest-"});
    const std::string rel = "sandbox/itest-undo-" + std::to_string(::getpid());
    RealCgroup real = make_real(rel);
    REQUIRE(real.create());
    pid_t child = fork_member(real.cg->self_attach_files(), 1u << 20);
    for (const std::string& d : real.cg->dirs()) {
        REQUIRE(sys::remove_cgroup_dir(d, real.cg->parent_levels()));
        CHECK_FALSE(fs::exists(d));
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    CHECK(leaks.leaks() == std::vector<std::string>{});
}

// Not a test: `sandbox_integration_tests "[bench]"` prints the cost of one create + limit +
// remove cycle (docs/architecture.md §8 measured ~140 µs for mkdir + limit + attach + rmdir of a
// warm v1 memory group on this VM).
TEST_CASE("cgroup: create + limit + remove cycle timing", "[.][bench]") {
    test::require_root("needs root to create cgroups");
    plan::HostFacts facts = exec::probe_host();
    auto measure = [&](const char* label, auto make) {
        std::vector<double> us;
        for (int i = 0; i < 300; ++i) {
            auto [cg, limit_file] = make("sandbox/bench-" + std::to_string(i));
            auto t0 = std::chrono::steady_clock::now();
            REQUIRE(cg->create());
            REQUIRE(cg->write("memory", limit_file, "268435456"));
            REQUIRE(cg->remove());
            us.push_back(
                std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                    .count());
        }
        std::sort(us.begin(), us.end());
        std::cout << label << ": median " << us[150] << " µs, p10 " << us[30] << " µs, p90 "
                  << us[270] << " µs\n";
    };
    if (facts.cgroup_version != plan::CgroupVersion::v2 && facts.v1_controllers.count("memory")) {
        measure("v1 memory only", [&](const std::string& rel) {
            return std::pair{
                sys::make_cgroup_v1({{"memory", facts.v1_controllers.at("memory")}}, rel),
                std::string("memory.limit_in_bytes")};
        });
    }
    measure("this host's memory+pids(+cpuacct)", [&](const std::string& rel) {
        RealCgroup real = make_real(rel);
        return std::pair{std::move(real.cg), real.memory_limit_file};
    });
}

TEST_CASE("cgroup: v2 leaf fd spawns a child inside with clone3 and cgroup.kill ends it",
          "[root][cgroup]") {
    test::require_root("needs root to create cgroups");
    test::LeakCheck leaks("/nonexistent", {"itest-"});
    std::string unified;
    {
        std::ifstream mounts("/proc/self/mounts");
        std::string dev, dir, type, rest;
        while (mounts >> dev >> dir >> type && std::getline(mounts, rest)) {
            if (type == "cgroup2") {
                unified = dir;
            }
        }
    }
    if (unified.empty()) {
        test::skip_or_fail("no cgroup2 mount on this host");
    }
    const std::string rel = "sandbox/itest-v2-" + std::to_string(::getpid());
    auto cg = sys::make_cgroup_v2(unified, rel);
    const bool parent_existed = fs::exists(unified + "/sandbox");
    REQUIRE(cg->create());
    auto leaf = cg->open_leaf();
    REQUIRE(leaf.has_value());
    REQUIRE(*leaf);

    clone_args args{};
    args.flags = CLONE_INTO_CGROUP;
    args.exit_signal = SIGCHLD;
    args.cgroup = static_cast<uint64_t>((*leaf)->get());
    long pid = ::syscall(SYS_clone3, &args, sizeof args);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        for (;;) {
            ::pause();
        }
    }
    CHECK_THAT(proc_cgroup(static_cast<pid_t>(pid)), Catch::Contains("0::/" + rel + "\n"));
    auto s = cg->stats();
    REQUIRE(s);
    REQUIRE(cg->kill_all());  // cgroup.kill
    int status = 0;
    REQUIRE(::waitpid(static_cast<pid_t>(pid), &status, 0) == pid);
    CHECK(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGKILL);
    REQUIRE(cg->remove());
    CHECK_FALSE(fs::exists(unified + "/" + rel));
    if (!parent_existed) {
        CHECK_FALSE(fs::exists(unified + "/sandbox"));
    }
    CHECK(leaks.leaks() == std::vector<std::string>{});
}
