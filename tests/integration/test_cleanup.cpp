// The cleanup guarantee (docs/architecture.md §5): nothing is left after a failure at any step, a
// signal to the launcher during setup or during the run, or a launcher killed outright.
#include <fcntl.h>
#include <linux/fs.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

TEST_CASE("cleanup: a fault injected at every step exits 125 naming it, leaving nothing",
          "[root][fault][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("fault", "[limits]\nmemory = \"64MiB\"\npids = 32\n");
    for (const char* step :
         {"validate", "state", "rootfs", "cgroup", "spawn", "id_maps", "network_host", "release",
          "identity", "mounts", "pivot_root", "network_sandbox", "init", "process", "credentials",
          "capabilities", "seccomp", "exec"}) {
        INFO("SANDBOX_FAIL_AT=" << step);
        RunResult r = t.run({"up", profile, "--", "true"}, {{"SANDBOX_FAIL_AT", step}});
        CHECK(r.status == 125);
        CHECK(r.err == std::string("sandbox: setup failed at ") + step +
                           ": injected fault: Input/output error (EIO)\n");
        CHECK(r.out == "");
        CHECK(t.leaks() == std::vector<std::string>{});
    }
}

TEST_CASE(
    "cleanup: with an archive rootfs, a user namespace and a veth, a fault at every step "
    "leaves nothing",
    "[root][fault][cleanup]") {
    require_root();
    SandboxTest t;
    // The test may use tar to make its input; the tool itself reads it with libarchive.
    const std::string archive = t.dir() / "rootfs.tar.gz";
    REQUIRE(std::system(("tar -C '" + test_rootfs() + "' -czf '" + archive + "' .").c_str()) == 0);
    const std::string profile = t.dir() / "full.toml";
    write_file(profile, "version = 1\nname = \"" + t.name("full") + "\"\n[rootfs]\narchive = \"" +
                            archive +
                            "\"\nreadonly = true\n[limits]\nmemory = \"64MiB\"\npids = 32\n"
                            "[namespaces]\nuser = true\n"
                            "[[uid_map]]\ninside = 0\noutside = 100000\ncount = 65536\n"
                            "[[gid_map]]\ninside = 0\noutside = 100000\ncount = 65536\n"
                            "[network]\nmode = \"veth\"\n[network.veth]\n"
                            "address = \"10.209.1.2/24\"\nhost_address = \"10.209.1.1/24\"\n"
                            "nat = true\n[[network.ports]]\nhost = 18089\nsandbox = 80\n");
    // The profile works when nothing is injected (else the loop below proves nothing).
    RunResult ok = t.run({"up", profile, "--", "sh", "-c", "id -u; ip -o addr"});
    INFO(ok.err);
    REQUIRE(ok.status == 0);
    CHECK(ok.err == "");
    CHECK(ok.out.rfind("0\n", 0) == 0);
    CHECK(ok.out.find("10.209.1.2/24") != std::string::npos);
    CHECK(t.leaks() == std::vector<std::string>{});
    for (const char* step :
         {"validate", "state", "rootfs", "cgroup", "spawn", "id_maps", "network_host", "release",
          "identity", "mounts", "pivot_root", "network_sandbox", "init", "process", "credentials",
          "capabilities", "seccomp", "exec", "supervise"}) {
        INFO("SANDBOX_FAIL_AT=" << step);
        RunResult r = t.run({"up", profile, "--", "true"}, {{"SANDBOX_FAIL_AT", step}});
        CHECK(r.status == 125);
        CHECK(r.err == std::string("sandbox: setup failed at ") + step +
                           ": injected fault: Input/output error (EIO)\n");
        CHECK(r.out == "");
        std::vector<std::string> leaks = t.leaks();
        for (const std::string& l : leaks) {
            UNSCOPED_INFO("left behind: " << l);
        }
        CHECK(leaks.empty());
    }
}

TEST_CASE("cleanup: a fault at supervise stops the running workload, exits 125, leaves nothing",
          "[root][fault][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("supervise", "[limits]\nmemory = \"64MiB\"\npids = 32\n");
    // The workload has been exec'd when supervise starts; the launcher must still kill it
    // (not wait 30 s for it) and undo everything.
    RunResult r =
        t.run({"up", profile, "--", "sh", "-c", "sleep 30"}, {{"SANDBOX_FAIL_AT", "supervise"}});
    CHECK(r.status == 125);
    CHECK(r.err ==
          "sandbox: setup failed at supervise: injected fault: Input/output error (EIO)\n");
    CHECK(r.out == "");
    CHECK(r.seconds < 10);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("cleanup: an undo that fails is reported and the rest of the unwind still runs",
          "[root][fault][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("undo", "[limits]\nmemory = \"64MiB\"\npids = 32\n");
    const std::string report = t.dir() / "report.json";
    // SANDBOX_FAIL_AT=cleanup: the newest undo entry fails before it runs. That is the spawned
    // child's kill_process (already killed and reaped by then, so nothing stays behind from
    // it); everything pushed before it (cgroups in every hierarchy, the state entries) must still
    // be undone.
    RunResult r = t.run({"up", profile, "--report", report, "--", "echo", "ran"},
                        {{"SANDBOX_FAIL_AT", "cleanup"}});
    CHECK(r.status == 0);  // the workload's own status: cleanup problems are reported, not fatal
    CHECK(r.out == "ran\n");
    CHECK(r.err.find("sandbox: warning: undo kill_process '") != std::string::npos);
    CHECK(r.err.find("': injected fault: Input/output error (EIO)\n") != std::string::npos);
    REQUIRE(std::filesystem::exists(report));
    nlohmann::json j = nlohmann::json::parse(read_file(report));
    REQUIRE(j["undo_failures"].size() == 1);
    CHECK(j["undo_failures"][0]["kind"] == "kill_process");
    CHECK(j["undo_failures"][0]["message"] == "injected fault: Input/output error (EIO)");
    std::vector<std::string> leaks = t.leaks();
    for (const std::string& l : leaks) {
        UNSCOPED_INFO("left behind: " << l);
    }
    CHECK(leaks.empty());
}

TEST_CASE("cleanup: SIGTERM to the launcher during setup unwinds everything",
          "[root][fault][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("termsetup", "[limits]\nmemory = \"64MiB\"\n");
    // The child lingers 2 s in its mounts step; the launcher is waiting for setup_done.
    SandboxProcess p({"up", profile, "--", "echo", "never"},
                     t.env({{"SANDBOX_DELAY_AT", "mounts"}}));
    // Polled, not a fixed sleep: on a slow host (tests/vm: qemu without KVM) the launcher
    // needs well over 500 ms to reach its state step. It then lingers 2 s in mounts.
    const std::string state = t.state_entry(t.name("termsetup"), "state.json");
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!std::filesystem::exists(state) && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    CHECK(std::filesystem::exists(state));
    auto signalled = std::chrono::steady_clock::now();
    p.signal(SIGTERM);
    RunResult r = p.finish();
    CHECK(r.status == 128 + SIGTERM);
    CHECK(r.out == "");
    // Stopped at once, not after the 2 s the child lingers in its mounts step.
    CHECK(std::chrono::steady_clock::now() - signalled < std::chrono::milliseconds(1500));
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("cleanup: SIGTERM to the launcher during the run stops the workload", "[root][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("termrun", "[limits]\nmemory = \"64MiB\"\n");
    SandboxProcess p({"up", profile, "--", "sh", "-c", "echo running; sleep 30"}, t.env());
    REQUIRE(p.wait_for_output("running\n"));
    p.signal(SIGTERM);
    RunResult r = p.finish();
    CHECK(r.status == 128 + SIGTERM);
    CHECK(r.seconds < 5);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE(
    "cleanup: the workload's background children are gone when up returns, "
    "with or without an undo besides the state entries",
    "[root][cleanup]") {
    require_root();
    SandboxTest t;
    // No cgroup (the init reports the end and is reaped after the undo), an overlay (its upper
    // dir is undone: reaped first), a memory limit (a cgroup: reaped first). Each time the
    // children the workload leaves behind die with it, and up returns at once.
    for (const auto& [suffix, extra] : std::vector<std::pair<std::string, std::string>>{
             {"bgplain", ""},
             {"bgoverlay", "overlay = true\n"},
             {"bgcgroup", "[limits]\nmemory = \"64MiB\"\n"}}) {
        INFO(suffix);
        auto profile = t.profile(suffix, extra);
        // No --report: it would give every run a cgroup (for the usage figures).
        RunResult r = t.run({"up", profile, "--", "sh", "-c",
                             "sleep 30 & (while :; do echo x > /tmp/busy; done) & exit 3"});
        CHECK(r.status == 3);
        CHECK(r.seconds < 5);
        CHECK(r.err == "");  // no undo failure, no warning
        CHECK(t.leaks() == std::vector<std::string>{});
    }
}

TEST_CASE("cleanup: a SIGKILLed launcher takes the workload along, down cleans the rest",
          "[root][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("killed", "[limits]\nmemory = \"64MiB\"\n");
    SandboxProcess p({"up", profile, "--", "sh", "-c", "echo running; sleep 30"}, t.env());
    REQUIRE(p.wait_for_output("running\n"));
    p.signal(SIGKILL);
    RunResult r = p.finish();
    CHECK(r.status == 128 + SIGKILL);
    // PDEATHSIG took init (and with it the pid namespace) down.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    RunResult ps = t.run({"ps"});
    CHECK(ps.out.find(t.name("killed")) != std::string::npos);
    CHECK(ps.out.find("stale") != std::string::npos);
    RunResult down = t.run({"down", t.name("killed")});
    CHECK(down.status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("cleanup: the next up of a SIGKILLed sandbox's name cleans its stale state",
          "[root][cleanup]") {
    require_root();
    SandboxTest t;
    auto profile = t.profile("stale", "[limits]\nmemory = \"64MiB\"\n");
    {
        SandboxProcess p({"up", profile, "--", "sh", "-c", "echo running; sleep 30"}, t.env());
        REQUIRE(p.wait_for_output("running\n"));
        p.signal(SIGKILL);
        p.finish();
    }
    RunResult again = t.run({"up", profile, "--", "echo", "again"});
    CHECK(again.out == "again\n");
    CHECK(again.status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

namespace {

// The test's state root as `up` makes it (0711), for state planted before any `up` ran.
void make_state_root(const SandboxTest& t) {
    std::filesystem::create_directories(t.state_root());
    std::filesystem::permissions(t.state_root(), std::filesystem::perms(0711));
}

// A file a planted rollback entry (remove_file) removes: gone = the entry was replayed.
std::string marker_file(const SandboxTest& t) {
    const std::string marker = t.dir() / "marker";
    write_file(marker, "x");
    return marker;
}

}  // namespace

// A sandbox of the layout before flat entries (<root>/<name>/state.json, the directory flock()ed
// by its launcher), left by an older binary on a state root that outlives it (this VM's ext4
// /run survives a reboot): the sweep of any `up` cleans a stale one as it always was, and the
// name of a live one is refused instead of started beside it.
TEST_CASE("cleanup: an older layout's stale sandbox is swept, a live one's name refused",
          "[root][cleanup]") {
    require_root();
    SandboxTest t;
    namespace fs = std::filesystem;
    make_state_root(t);
    const std::string marker = marker_file(t);
    const std::string stale = t.state_root() + "/" + t.name("oldstale");
    REQUIRE(mkdir(stale.c_str(), 0711) == 0);
    write_file(stale + "/state.json", "{\"name\": \"" + t.name("oldstale") +
                                          "\", \"launcher_pid\": 0, \"rollback\": [{\"kind\": "
                                          "\"remove_file\", \"target\": \"" +
                                          marker + "\"}]}\n");
    REQUIRE(chmod((stale + "/state.json").c_str(), 0600) == 0);
    const std::string live = t.state_root() + "/" + t.name("oldlive");
    REQUIRE(mkdir(live.c_str(), 0711) == 0);
    write_file(live + "/state.json", "{\"name\": \"" + t.name("oldlive") + "\"}\n");
    REQUIRE(chmod((live + "/state.json").c_str(), 0600) == 0);
    int held = open(live.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(held >= 0);
    REQUIRE(flock(held, LOCK_EX) == 0);  // its launcher, alive

    RunResult other = t.run({"up", t.profile("other"), "--", "true"});
    CHECK(other.status == 0);
    CHECK_FALSE(fs::exists(marker));  // the stale one's rollback ran
    CHECK_FALSE(fs::exists(stale));
    CHECK(fs::exists(live + "/state.json"));
    auto same = t.profile("oldlive");
    RunResult busy = t.run({"up", same, "--", "true"});
    CHECK(busy.status == 125);
    CHECK(busy.err.find("already running (started by an older sandbox)") != std::string::npos);
    close(held);
    RunResult after = t.run({"up", same, "--", "true"});
    CHECK(after.status == 0);
    CHECK_FALSE(fs::exists(live));
    CHECK(t.leaks() == std::vector<std::string>{});
}

// An entry that cannot be removed (here an immutable file in an overlay's upper layer; in life a
// layer still busy, or one the invoker cannot empty): its sandbox's state.json stays with its
// removal as the only entry, so later `up`s retry the removal alone instead of replaying the
// whole rollback under the root's lock on every start.
TEST_CASE("cleanup: an entry that cannot be removed leaves a state.json with only its removal",
          "[root][cleanup]") {
    require_root();
    SandboxTest t;
    namespace fs = std::filesystem;
    make_state_root(t);
    const std::string name = t.name("stuck");
    const std::string prefix = t.state_root() + "/" + name + "@";
    const std::string marker = marker_file(t);
    write_file(prefix + "lock", "");
    write_file(prefix + "state.json",
               "{\"name\": \"" + name +
                   "\", \"rollback\": [{\"kind\": \"remove_state\", "
                   "\"target\": \"" +
                   prefix + "\"}, {\"kind\": \"remove_file\", \"target\": \"" + marker + "\"}]}\n");
    REQUIRE(chmod((prefix + "state.json").c_str(), 0600) == 0);
    fs::create_directories(prefix + "overlay/upper");
    const std::string stuck = prefix + "overlay/upper/f";
    write_file(stuck, "x");
    int fd = open(stuck.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    int flags = 0;
    REQUIRE(ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0);
    flags |= FS_IMMUTABLE_FL;
    REQUIRE(ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0);

    CHECK(t.run({"up", t.profile("sweeper"), "--", "true"}).status == 0);
    CHECK_FALSE(fs::exists(marker));  // replayed once
    REQUIRE(fs::exists(prefix + "state.json"));
    auto state = nlohmann::json::parse(read_file(prefix + "state.json"));
    CHECK(state.at("rollback") == nlohmann::json::parse(R"([{"kind": "remove_state", "target": ")" +
                                                        prefix + R"(", "extra": ""}])"));
    CHECK(fs::exists(prefix + "lock"));

    flags &= ~FS_IMMUTABLE_FL;
    REQUIRE(ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0);
    close(fd);
    CHECK(t.run({"up", t.profile("sweeper"), "--", "true"}).status == 0);
    for (const std::string& e : list_dir(t.state_root())) {
        CHECK(e.rfind(name + "@", 0) != 0);
    }
    CHECK(t.leaks() == std::vector<std::string>{});
}
