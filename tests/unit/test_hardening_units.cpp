// Issue 12 (trust boundary), the parts that need no privilege: the uid_map = "auto" range
// allocator (choice, leases, exhaustion), the state trust checks, the planner's decisions
// for Landlock on a kernel without it and for "auto" maps (made-up host facts), the
// parent-death re-arm check and the init's process title (in forked children).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "exec/host/id_ranges.hpp"
#include "exec/state.hpp"
#include "plan/plan.hpp"
#include "support/run_in_child.hpp"
#include "support/temp_dir.hpp"
#include "sys/fs.hpp"
#include "sys/process.hpp"
#include "unit/plan_fixtures.hpp"

using namespace sandbox;
using plan::SubIdRange;
using sandbox::test::TempDir;

namespace {

bool has_note(const plan::Plan& p, plan::PlanNote::Level level, const std::string& fragment) {
    return std::any_of(p.notes.begin(), p.notes.end(), [&](const plan::PlanNote& n) {
        return n.level == level && n.message.find(fragment) != std::string::npos;
    });
}

profile::Profile landlock_profile(bool best_effort) {
    profile::Profile p;
    p.name = "ll";
    p.process.args = {"/bin/true"};
    p.rootfs.host = true;
    p.security.landlock.enabled = true;
    p.security.landlock.read = {"/usr"};
    p.security.landlock.best_effort = best_effort;
    return p;
}

profile::Profile auto_profile() {
    profile::Profile p;
    p.name = "auto";
    p.process.args = {"/bin/true"};
    p.rootfs.host = true;
    p.namespaces.user = profile::NamespaceSetting::new_ns();
    p.uid_map_auto = p.gid_map_auto = true;
    return p;
}

std::vector<std::string> files_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
        out.push_back(e.path().filename().string());
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

TEST_CASE("id ranges: the first free block skips subordinate ranges and leases",
          "[unit][id_ranges]") {
    const SubIdRange pool{100000, 65536 * 4};
    // Nothing taken: the pool's start.
    CHECK(exec::host::choose_id_range(pool, 65536, {}) == 100000U);
    // A user's /etc/subuid range at the pool's start: the block after it.
    CHECK(exec::host::choose_id_range(pool, 65536, {{100000, 65536}}) == 165536U);
    // A range overlapping only the block's tail also pushes it past (given unsorted).
    CHECK(exec::host::choose_id_range(pool, 65536, {{300000, 10}, {150000, 1}}) == 150001U);
    CHECK(exec::host::choose_id_range(pool, 65536, {{300000, 10}, {120000, 100000}}) == 220000U);
    // Ranges entirely outside the pool do not matter.
    CHECK(exec::host::choose_id_range(pool, 65536, {{0, 100000}, {400000, 1000000}}) == 100000U);
    // A gap too small for a block is skipped.
    CHECK(exec::host::choose_id_range(pool, 65536, {{100010, 65536}, {100000, 5}}) == 165546U);
}

TEST_CASE("id ranges: a full pool has no block", "[unit][id_ranges]") {
    const SubIdRange pool{0x70000000U, 65536 * 2};
    CHECK_FALSE(
        exec::host::choose_id_range(pool, 65536, {{0x70000000U, 65536}, {0x70000000U + 65536, 1}}));
    CHECK_FALSE(exec::host::choose_id_range(SubIdRange{1000, 65535}, 65536, {}));
    // The last id of a 32-bit pool still fits exactly.
    CHECK(exec::host::choose_id_range(SubIdRange{0xFFFF0000U - 1, 65536}, 65536, {}) ==
          0xFFFF0000U - 1);
}

TEST_CASE("id ranges: leases are distinct, live ones held, stale ones taken back",
          "[unit][id_ranges]") {
    TempDir tmp("ids");
    const std::string dir = tmp / "id-ranges";
    const SubIdRange pool{200000, 65536 * 3};
    const std::vector<SubIdRange> subuid{{200000, 65536}};  // someone's /etc/subuid entry

    auto a = exec::host::lease_id_range(dir, pool, "test pool", subuid, 65536, "box-a");
    REQUIRE(a);
    CHECK(a->start == 265536);
    CHECK(a->path == dir + "/265536-65536.lease");
    auto b = exec::host::lease_id_range(dir, pool, "test pool", subuid, 65536, "box-b");
    REQUIRE(b);
    CHECK(b->start == 331072);
    CHECK((std::filesystem::status(dir).permissions() & std::filesystem::perms::all) ==
          std::filesystem::perms::owner_all);

    // The pool is full now: the error names the pool, where it came from and why.
    auto c = exec::host::lease_id_range(dir, pool, "test pool", subuid, 65536, "box-c");
    REQUIRE_FALSE(c);
    CHECK(c.error().err() == ENOSPC);
    CHECK(c.error().describe().find("pool 200000..396607 (test pool)") != std::string::npos);
    CHECK(c.error().describe().find("2 held by running sandboxes, 1 /etc/subuid") !=
          std::string::npos);
    CHECK(exec::host::live_id_leases(dir).size() == 2);

    // a's launcher dies (its lock goes): the next allocation takes the block back.
    std::string a_path = a->path;
    a->lock.reset();
    auto d = exec::host::lease_id_range(dir, pool, "test pool", subuid, 65536, "box-d");
    REQUIRE(d);
    CHECK(d->start == 265536);
    // a's rollback entry, replayed late, must not remove d's lease of the same file name.
    REQUIRE(exec::host::release_id_range(a_path, a->token));
    CHECK(files_in(dir) == std::vector<std::string>{"265536-65536.lease", "331072-65536.lease"});
    // b's own release removes b's file.
    REQUIRE(exec::host::release_id_range(b->path, b->token));
    CHECK(files_in(dir) == std::vector<std::string>{"265536-65536.lease"});
}

TEST_CASE("id ranges: a lease directory someone else may write is refused", "[unit][id_ranges]") {
    TempDir tmp("ids");
    const std::string dir = tmp / "id-ranges";
    REQUIRE(mkdir(dir.c_str(), 0777) == 0);
    REQUIRE(chmod(dir.c_str(), 0777) == 0);
    auto a = exec::host::lease_id_range(dir, {300000, 65536}, "p", {}, 65536, "x");
    REQUIRE_FALSE(a);
    CHECK(a.error().err() == EPERM);
    CHECK(files_in(dir).empty());
}

TEST_CASE("state: a world-writable or symlinked state is not trusted", "[unit][state]") {
    TempDir tmp("state");
    const std::string root = tmp / "root";
    REQUIRE(mkdir(root.c_str(), 0711) == 0);
    const plan::StateLocation box{root, "box"};
    const std::string record = box.entry(plan::state_entry::record);
    const std::string victim = tmp / "victim";
    REQUIRE(mkdir(victim.c_str(), 0700) == 0);
    sandbox::test::write_file(victim + "/precious", "x");
    // A forged rollback entry that would delete the victim's directory.
    sandbox::test::write_file(
        record,
        R"({"name":"box","rollback":[{"kind":"remove_tree","target":")" + victim + R"("}]})");
    REQUIRE(chmod(record.c_str(), 0600) == 0);
    REQUIRE(exec::open_trusted_dir(root));
    REQUIRE(exec::read_state(box));  // ours, 0600: trusted (the replay itself is not run here)
    CHECK(exec::list_sandboxes(root) == std::vector<std::string>{"box"});

    SECTION("state.json writable by others") {
        REQUIRE(chmod(record.c_str(), 0666) == 0);
        auto st = exec::read_state(box);
        REQUIRE_FALSE(st);
        CHECK(st.error().err() == EPERM);
        CHECK(st.error().describe().find("group or world writable (mode 0666)") !=
              std::string::npos);
        auto failures = exec::clean_stale_state(box);
        REQUIRE(failures.size() == 1);
        CHECK(failures[0].entry.kind == exec::UndoKind::remove_state);
        CHECK(std::filesystem::exists(victim + "/precious"));
        CHECK(std::filesystem::exists(record));
    }
    SECTION("state.json is a symbolic link") {
        REQUIRE(rename(record.c_str(), (tmp / "elsewhere.json").c_str()) == 0);
        REQUIRE(symlink((tmp / "elsewhere.json").c_str(), record.c_str()) == 0);
        auto st = exec::read_state(box);
        REQUIRE_FALSE(st);
        CHECK(st.error().err() == EPERM);
        CHECK(exec::clean_stale_state(box).size() == 1);
        CHECK(std::filesystem::exists(victim + "/precious"));
    }
    SECTION("the state root writable by others") {
        REQUIRE(chmod(root.c_str(), 0777) == 0);
        auto st = exec::open_trusted_dir(root);
        REQUIRE_FALSE(st);
        CHECK(st.error().err() == EPERM);
        CHECK_FALSE(exec::read_state(box));
        CHECK(exec::clean_stale_state(box).size() == 1);
        CHECK(std::filesystem::exists(victim + "/precious"));
        CHECK(exec::list_sandboxes(root).empty());
    }
}

TEST_CASE("state: a sandbox's entries are <name>@<kind>, removed together with the lock last",
          "[unit][state]") {
    TempDir tmp("state");
    const std::string root = tmp / "root";
    REQUIRE(mkdir(root.c_str(), 0711) == 0);
    // Names that share a prefix, a dot or a kind-like tail must not reach each other's entries.
    const plan::StateLocation web{root, "web"};
    const plan::StateLocation web_exec{root, "web.exec"};
    const plan::StateLocation webx{root, "webx"};
    for (const plan::StateLocation* s : {&web, &web_exec, &webx}) {
        sandbox::test::write_file(s->entry(plan::state_entry::lock), "");
        sandbox::test::write_file(s->entry(plan::state_entry::record), "{\"name\":\"x\"}");
        sandbox::test::write_file(s->entry(plan::state_entry::exec_record), "{}");
    }
    std::filesystem::create_directories(web.entry(plan::state_entry::overlay) + "/upper/a/b");
    sandbox::test::write_file(web.entry(plan::state_entry::record) + ".tmp", "");  // interrupted
    REQUIRE(mkdir((root + "/newroot").c_str(), 0711) == 0);
    CHECK(exec::list_sandboxes(root) == std::vector<std::string>{"web", "web.exec", "webx"});
    CHECK(exec::state_location_of(web.prefix()).root == root);
    CHECK(exec::state_location_of(web.prefix()).name == "web");
    CHECK(exec::state_location_of(root + "/web").name.empty());  // not a removal target

    REQUIRE(exec::remove_state_entries(web));
    CHECK(files_in(root) == std::vector<std::string>{"newroot", "web.exec@exec.json",
                                                     "web.exec@lock", "web.exec@state.json",
                                                     "webx@exec.json", "webx@lock",
                                                     "webx@state.json"});
    CHECK(exec::remove_state_entries(web));  // again: nothing left is success
    // A target that names no sandbox removes nothing.
    CHECK_FALSE(exec::remove_state_entries(exec::state_location_of(root + "/")));
    CHECK(files_in(root).size() == 7);
}

TEST_CASE("state: up takes a name's lock, sweeps stale sandboxes and nothing that is not one",
          "[unit][state]") {
    TempDir tmp("state");
    const std::string root = tmp / "root";
    REQUIRE(mkdir(root.c_str(), 0711) == 0);
    // Entries no sandbox name can have: never taken for a sandbox, never given a lock.
    for (const char* odd : {".x@foo", "a b@c", "@lock"}) {
        sandbox::test::write_file(root + "/" + odd, "");
    }
    // A dead sandbox: a lock nobody holds, and entries without a lock at all.
    const plan::StateLocation dead{root, "dead"};
    sandbox::test::write_file(dead.entry(plan::state_entry::lock), "");
    sandbox::test::write_file(dead.entry(plan::state_entry::hosts), "x");
    const plan::StateLocation orphan{root, "orphan"};
    sandbox::test::write_file(orphan.entry(plan::state_entry::hosts), "x");
    // A live one: its lock held (here, by this test).
    const plan::StateLocation live{root, "live"};
    sandbox::test::write_file(live.entry(plan::state_entry::lock), "");
    int held = open(live.entry(plan::state_entry::lock).c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(held >= 0);
    REQUIRE(flock(held, LOCK_EX) == 0);

    plan::StatePlan sp;
    sp.sandbox_name = "fresh";
    sp.root = root;
    sp.new_root_dir = root + "/newroot";
    exec::Rollback rollback;
    exec::StateFiles state = exec::StateFiles::create(sp, rollback);
    CHECK(files_in(root) == std::vector<std::string>{".x@foo", "@lock", "a b@c", "fresh@lock",
                                                     "live@lock", "newroot"});
    REQUIRE(rollback.entries().size() == 1);
    CHECK(rollback.entries()[0].kind == exec::UndoKind::remove_state);
    CHECK(rollback.entries()[0].target == root + "/fresh@");
    CHECK(exec::is_state_locked(sp.location()));
    // The live name is refused, after a moment's patience for a probe.
    sp.sandbox_name = "live";
    exec::Rollback other;
    try {
        (void)exec::StateFiles::create(sp, other);
        FAIL("a live sandbox's name was taken");
    } catch (const sys::SysError& e) {
        CHECK(e.err() == EBUSY);
        CHECK(e.describe().find("sandbox 'live' is already running") != std::string::npos);
    }
    CHECK(other.empty());
    close(held);
    CHECK(rollback.unwind().empty());
    CHECK(files_in(root) ==
          std::vector<std::string>{".x@foo", "@lock", "a b@c", "live@lock", "newroot"});
}

TEST_CASE("plan: Landlock on a kernel without it is refused unless best_effort",
          "[unit][plan][landlock]") {
    plan::HostFacts facts = test::facts_v2_root();
    facts.landlock_abi = 0;
    plan::Plan strict = plan::make_plan(landlock_profile(false), facts);
    CHECK(strict.has_errors());
    CHECK(has_note(strict, plan::PlanNote::Level::error, "set security.landlock.best_effort"));
    REQUIRE(strict.security.landlock);

    plan::Plan lenient = plan::make_plan(landlock_profile(true), facts);
    CHECK_FALSE(lenient.has_errors());
    CHECK(has_note(lenient, plan::PlanNote::Level::warning, "running without it"));
    CHECK_FALSE(lenient.security.landlock);

    facts.landlock_abi = 7;
    plan::Plan present = plan::make_plan(landlock_profile(false), facts);
    CHECK_FALSE(present.has_errors());
    REQUIRE(present.security.landlock);
    CHECK(present.security.landlock->read == std::vector<std::string>{"/usr"});
}

TEST_CASE("plan: uid_map auto leases from the pool as root, from subuid rootless",
          "[unit][plan][id_ranges]") {
    plan::HostFacts root = test::facts_v2_root();
    root.subid_entries = {{100000, 65536}, {165536, 65536}};
    plan::Plan p = plan::make_plan(auto_profile(), root);
    REQUIRE(p.id_maps.auto_range);
    CHECK(p.id_maps.auto_range->uid_pool.start == 0x70000000U);
    CHECK(p.id_maps.auto_range->excluded.size() == 2);
    CHECK(p.id_maps.auto_range->lease_dir == "/run/sandbox/id-ranges");
    CHECK_FALSE(p.id_maps.use_helpers);
    REQUIRE(p.id_maps.uid_lines.size() == 1);
    CHECK(p.id_maps.uid_lines[0].count == 65536);

    plan::Plan rootless = plan::make_plan(auto_profile(), test::facts_v2_rootless());
    REQUIRE(rootless.id_maps.auto_range);
    CHECK(rootless.id_maps.use_helpers);  // newuidmap/newgidmap: the only programs run
    CHECK(rootless.id_maps.auto_range->uid_pool.start == 100000);
    CHECK(rootless.id_maps.auto_range->excluded.empty());
    CHECK(rootless.id_maps.auto_range->lease_dir == "/run/user/1000/sandbox/id-ranges");

    plan::HostFacts no_sub = test::facts_v2_rootless();
    no_sub.subuid.reset();
    CHECK(plan::make_plan(auto_profile(), no_sub).has_errors());
}

TEST_CASE("plan: rootless without XDG_RUNTIME_DIR has no state root", "[unit][plan][state]") {
    plan::HostFacts facts = test::facts_v2_rootless();
    facts.state_root.clear();
    plan::Plan p = plan::make_plan(auto_profile(), facts);
    CHECK(p.has_errors());
    CHECK(has_note(p, plan::PlanNote::Level::error, "XDG_RUNTIME_DIR is not set"));
}

TEST_CASE("process: the parent-death check sees a parent that is gone", "[unit][process]") {
    // Alive and as expected: armed, no error.
    CHECK(test::run_in_child([] {
              sys::ParentWatch me{getppid(), -1};
              return sys::rearm_parent_death_signal(me) ? 0 : 1;
          }) == 0);
    // getppid() is not the expected launcher (we were re-parented): ESRCH.
    CHECK(test::run_in_child([] {
              auto r = sys::rearm_parent_death_signal(sys::ParentWatch{getppid() + 100000, -1});
              return !r && r.error().err() == ESRCH ? 0 : 1;
          }) == 0);
    // In a new pid namespace getppid() says nothing; the launcher's pidfd does. (In a child:
    // the re-arm sets PR_SET_PDEATHSIG on the caller.)
    CHECK(test::run_in_child([] {
              auto gone = sys::fork_process([] { return 0; });
              if (!gone || !gone->wait()) {  // reaped: its pidfd is readable
                  return 1;
              }
              auto r = sys::rearm_parent_death_signal(sys::ParentWatch{0, gone->pidfd()});
              return !r && r.error().err() == ESRCH ? 0 : 2;
          }) == 0);
    CHECK(test::run_in_child([] {
              return sys::rearm_parent_death_signal(sys::ParentWatch{0, -1}) ? 0 : 1;
          }) == 0);
}

TEST_CASE("process: the title replaces argv and clears the environment", "[unit][process]") {
    CHECK(test::run_in_child([] {
              if (!sys::set_process_title("sandbox-init")) {
                  return 1;
              }
              std::ifstream in("/proc/self/cmdline", std::ios::binary);
              std::string cmdline((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
              std::ifstream env_in("/proc/self/environ", std::ios::binary);
              std::string env((std::istreambuf_iterator<char>(env_in)),
                              std::istreambuf_iterator<char>());
              bool title = cmdline.rfind(std::string("sandbox-init\0", 13), 0) == 0 &&
                           cmdline.find_first_not_of('\0', 13) == std::string::npos;
              bool empty_env = env.find_first_not_of('\0') == std::string::npos;
              return title && empty_env ? 0 : 2;
          }) == 0);
}

TEST_CASE("state: state.json is replaced in one step, its mode kept, no temporary left",
          "[unit][state]") {
    TempDir tmp("atomic");
    const std::string path = tmp / "state.json";
    // The first write (nothing to exchange with) and two replacements (exchanged, the old
    // version unlinked): the file always holds one whole version.
    for (const std::string content : {"{\"v\":1}", "{\"v\":2,\"longer\":true}", "{}"}) {
        REQUIRE(sys::write_file_atomic(path, content, 0600));
        std::ifstream in(path);
        std::string got((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        CHECK(got == content);
        struct stat st {};
        REQUIRE(stat(path.c_str(), &st) == 0);
        CHECK((st.st_mode & 07777) == 0600);
        CHECK(files_in(tmp.path()) == std::vector<std::string>{"state.json"});
    }
}
