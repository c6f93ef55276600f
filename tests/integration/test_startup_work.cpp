// Work `sandbox up` must not repeat on every run (issue 10, docs/performance.md): counted, not
// timed -- a timing test would fail on a busy machine and prove nothing on a quiet one.
#include <fcntl.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/leak_check.hpp"
#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

namespace {

// fanotify events on what `marks` names (FAN_MARK_MOUNT: the mount holding a directory; 0:
// each file itself), each file as the path its fd names when read back (a renamed-over or
// deleted file keeps its last name plus " (deleted)").
class FileWatch {
public:
    FileWatch(unsigned int mark_flags, uint64_t events, const std::vector<std::string>& marks)
        : m_fd(
              fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE)) {
        REQUIRE(m_fd >= 0);
        for (const std::string& m : marks) {
            INFO(m);
            REQUIRE(fanotify_mark(m_fd, FAN_MARK_ADD | mark_flags, events, AT_FDCWD, m.c_str()) ==
                    0);
        }
    }
    ~FileWatch() { close(m_fd); }
    FileWatch(const FileWatch&) = delete;
    FileWatch& operator=(const FileWatch&) = delete;

    // The files of the events since the last call (of process `only`'s events, when given).
    std::vector<std::string> drain(pid_t only = 0) {
        std::vector<std::string> paths;
        alignas(fanotify_event_metadata) char buf[64 * 1024];
        for (;;) {
            ssize_t n = read(m_fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n <= 0) {
                REQUIRE((n == 0 || errno == EAGAIN));
                return paths;
            }
            auto* ev = reinterpret_cast<fanotify_event_metadata*>(buf);
            for (; FAN_EVENT_OK(ev, n); ev = FAN_EVENT_NEXT(ev, n)) {
                REQUIRE((ev->mask & FAN_Q_OVERFLOW) == 0);
                if (ev->fd < 0) {
                    continue;
                }
                if (only != 0 && ev->pid != only) {
                    close(ev->fd);
                    continue;
                }
                char path[4096];
                std::string link = "/proc/self/fd/" + std::to_string(ev->fd);
                ssize_t len = readlink(link.c_str(), path, sizeof path - 1);
                if (len > 0) {
                    paths.emplace_back(path, static_cast<size_t>(len));
                }
                close(ev->fd);
            }
        }
    }

private:
    int m_fd;
};

}  // namespace

TEST_CASE(
    "startup: state.json is written once per object a SIGKILL could orphan, not per undo entry",
    "[root][startup]") {
    require_root();
    SandboxTest t;
    // Limits on two controllers: a cgroup directory in two hierarchies (v1), each an undo
    // entry. Written: once with the lock (so `down` and the sweep of any `up` find it),
    // once for the cgroup (all its directories, created by one step), once after `go` with the
    // child's pid (the child itself dies with the launcher: no write of its own, and this one
    // overlaps the child's setup). Three; once they were one per undo entry plus one after
    // spawn (seven on this v1 host).
    auto profile = t.profile("statewrites", "[limits]\nmemory = \"64MiB\"\npids = 32\n");
    FileWatch watch(FAN_MARK_MOUNT, FAN_CLOSE_WRITE, {t.dir().path()});
    RunResult r = t.run({"up", profile, "--", "true"});
    REQUIRE(r.status == 0);
    const std::string state_json = t.state_entry(t.name("statewrites"), "state.json");
    int writes = 0;
    for (const std::string& p : watch.drain()) {
        if (p.rfind(state_json, 0) == 0) {
            INFO(p);
            ++writes;
        }
    }
    CHECK(writes == 3);
    CHECK(t.leaks() == std::vector<std::string>{});
}

namespace {

// Starts `profile`, SIGKILLs the launcher while it is held at the spawn step (after the state
// and cgroup steps, before `go`), then checks that `down NAME` leaves nothing behind.
void kill_at_spawn_then_down(SandboxTest& t, const std::string& suffix, const std::string& extra) {
    auto profile = t.profile(suffix, extra);
    SandboxProcess p({"up", profile, "--", "true"}, t.env({{"SANDBOX_DELAY_AT", "spawn"}}));
    REQUIRE(p.wait_for_stderr("delaying spawn"));
    p.signal(SIGKILL);
    RunResult r = p.finish();
    CHECK(r.status == 128 + SIGKILL);
    RunResult down = t.run({"down", t.name(suffix)});
    INFO(down.err);
    CHECK(down.status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

}  // namespace

namespace {

// The state root's entries, sorted, each with "/" appended when it is a directory.
std::vector<std::string> state_entries(const SandboxTest& t) {
    std::vector<std::string> out;
    for (const std::string& e : list_dir(t.state_root())) {
        struct stat st {};
        REQUIRE(lstat((t.state_root() + "/" + e).c_str(), &st) == 0);
        out.push_back(S_ISDIR(st.st_mode) ? e + "/" : e);
    }
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

// Up to 6c86c34 each run made <root>/<name>/ and <root>/<name>/root/ and removed both: on a
// state root that is not a tmpfs (ext4 /run here) a block allocated and discarded per
// directory, 0.45 ms of every start (docs/performance.md). Now a sandbox's state is files named
// <name>@<kind>, the new root is mounted on the one shared <root>/newroot, and a directory of
// its own appears only for an overlay's upper and work.
TEST_CASE("startup: a sandbox's state is flat <name>@ entries, no directory of its own",
          "[root][startup]") {
    require_root();
    SandboxTest t;
    const std::string name = t.name("flat");
    auto profile = t.profile("flat", "[seccomp]\npreset = \"default\"\n");
    REQUIRE(t.run({"up", "-d", profile, "--", "sleep", "60"}).status == 0);
    std::vector<std::string> running = state_entries(t);
    CHECK(running == std::vector<std::string>{name + "@exec.json", name + "@hosts", name + "@lock",
                                              name + "@output.log", name + "@seccomp.bpf",
                                              name + "@state.json", "newroot/"});
    // The shared mount point stays empty on the host: each root is mounted on it only in its
    // sandbox's own mount namespace.
    CHECK(list_dir(t.state_root() + "/newroot").empty());
    CHECK(read_file("/proc/self/mountinfo").find(t.state_root() + "/newroot") == std::string::npos);
    CHECK(t.run({"ps"}).out.find(name) != std::string::npos);
    REQUIRE(t.run({"down", name}).status == 0);
    CHECK(state_entries(t) == std::vector<std::string>{"newroot/"});

    // An overlay rootfs: its upper and work are the one directory a sandbox has.
    const std::string ov = t.name("flatov");
    auto overlay = t.profile("flatov", "overlay = true\n");
    REQUIRE(t.run({"up", "-d", overlay, "--", "sleep", "60"}).status == 0);
    std::vector<std::string> dirs;
    for (const std::string& e : state_entries(t)) {
        if (e.back() == '/') {
            dirs.push_back(e);
        }
    }
    CHECK(dirs == std::vector<std::string>{ov + "@overlay/", "newroot/"});
    REQUIRE(t.run({"down", ov}).status == 0);
    CHECK(state_entries(t) == std::vector<std::string>{"newroot/"});
    // `down` and `exec` take only names `up` gives: none reaches past "<name>@" in the root.
    for (const char* bad : {"../x", "a@b", "x/y"}) {
        INFO(bad);
        RunResult down = t.run({"down", bad});
        CHECK(down.status == 125);
        CHECK(down.err.find("is not a sandbox name") != std::string::npos);
        RunResult exec = t.run({"exec", bad, "--", "true"});
        CHECK(exec.status == 125);
        CHECK(exec.err.find("is not a sandbox name") != std::string::npos);
    }
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("startup: a launcher SIGKILLed right after the cgroup step leaves nothing after down",
          "[root][startup][fault]") {
    require_root();
    SandboxTest t;
    // The cgroup's directories reach state.json in one write, after all of them exist: a
    // launcher killed at the next step must have every one of them there for `down` (and the
    // leak check) to find.
    kill_at_spawn_then_down(t, "cgkill", "[limits]\nmemory = \"64MiB\"\npids = 32\n");
}

TEST_CASE("startup: a launcher SIGKILLed before go leaves nothing after down, without a cgroup",
          "[root][startup][fault]") {
    require_root();
    SandboxTest t;
    // No limits, a pid namespace of its own: no cgroup, so nothing but the state entries record
    // the sandbox before `go`. `down` (and the sweep of the next `up`) must still find it.
    kill_at_spawn_then_down(t, "nocgkill", "");
}

namespace {

// The cgroup directories named `name` in any hierarchy while `profile` runs `sleep`.
std::vector<std::string> cgroups_while_running(SandboxTest& t, const std::string& profile,
                                               const std::string& name,
                                               std::vector<std::string> extra_args = {}) {
    std::vector<std::string> args = {"up", profile};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    for (const char* w : {"--", "sh", "-c", "echo ready; exec sleep 30"}) {
        args.emplace_back(w);
    }
    SandboxProcess p(args, t.env());
    REQUIRE(p.wait_for_output("ready"));
    std::vector<std::string> found;
    for (const std::string& dir : take_leak_snapshot(t.state_root()).cgroups) {
        if (dir.size() > name.size() &&
            dir.compare(dir.size() - name.size(), name.size(), name) == 0 &&
            dir[dir.size() - name.size() - 1] == '/') {
            found.push_back(dir);
        }
    }
    p.signal(SIGTERM);
    RunResult r = p.finish();
    CHECK(r.status == 128 + SIGTERM);
    return found;
}

}  // namespace

TEST_CASE("startup: a cgroup only for what needs one, in only the hierarchies that need it",
          "[root][startup][cgroup]") {
    require_root();
    SandboxTest t;
    // bwrap's kind of sandbox (no limits, its own pid namespace, no report): no cgroup at all.
    // Before: one directory in each of cpu, cpuacct, memory and pids (v1).
    auto plain = t.profile("cgnone", "");
    CHECK(cgroups_while_running(t, plain, t.name("cgnone")).empty());

    // A memory limit: the memory hierarchy only (v1; v2: the one directory).
    auto limited = t.profile("cgmem", "[limits]\nmemory = \"64MiB\"\n");
    std::vector<std::string> dirs = cgroups_while_running(t, limited, t.name("cgmem"));
    REQUIRE(dirs.size() == 1);
    CHECK((dirs[0].find("/memory/") != std::string::npos ||
           dirs[0].find("/memory,") != std::string::npos ||
           dirs[0].find("/unified/") != std::string::npos ||
           dirs[0].rfind("/sys/fs/cgroup/sandbox/", 0) == 0));

    // --report wants the usage figures: memory peak and cpu time, from a cgroup.
    std::string report = t.dir() / "report.json";
    RunResult r = t.run({"up", plain, "--report", report, "--", "true"});
    REQUIRE(r.status == 0);
    nlohmann::json j = nlohmann::json::parse(read_file(report));
    CHECK_FALSE(j["cgroup"].is_null());
    CHECK(j["usage"]["peak_memory_bytes"].is_number());
    CHECK(j["usage"]["cpu_usec"].is_number());

    // No pid namespace of its own: cleanup finds the workload's children by the cgroup.
    auto shared = t.profile("cgmembers", "[namespaces]\npid = false\n");
    CHECK(cgroups_while_running(t, shared, t.name("cgmembers")).size() == 1);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("startup: `up` reads the cgroup layout and /etc/subuid only for a plan that needs them",
          "[root][startup]") {
    require_root();
    SandboxTest t;
    // What the probes read: the subordinate id files and the unified hierarchy's controller
    // list (present on v2 and on hybrid and v1 hosts that mount the unified tree).
    std::vector<std::string> watched;
    for (const char* p : {"/etc/subuid", "/etc/subgid", "/sys/fs/cgroup/cgroup.controllers",
                          "/sys/fs/cgroup/unified/cgroup.controllers"}) {
        if (access(p, F_OK) == 0) {
            watched.emplace_back(p);
        }
    }
    if (watched.empty()) {
        skip_or_fail("neither /etc/subuid nor a unified cgroup hierarchy to watch");
    }
    FileWatch watch(0, FAN_OPEN, watched);
    // The files one `sandbox` process opened (the probes run in the launcher itself; anything
    // else on the host that opens them meanwhile is not counted).
    auto opened_by = [&](const std::vector<std::string>& args) {
        SandboxProcess p(args, t.env());
        pid_t pid = p.pid();
        RunResult r = p.finish();
        INFO(r.err);
        CHECK(r.status == 0);
        return watch.drain(pid);
    };
    // As root, no limits, a pid namespace of its own, no user namespace: neither is read.
    auto plain = t.profile("factsnone", "");
    CHECK(opened_by({"up", plain, "--", "true"}) == std::vector<std::string>{});
    // explain shows the host as it is: it reads them.
    CHECK_FALSE(opened_by({"explain", plain, "--", "true"}).empty());
    // A limit: the cgroup layout, and still no subordinate ids (no user namespace).
    auto limited = t.profile("factscg", "[limits]\npids = 32\n");
    std::vector<std::string> reads = opened_by({"up", limited, "--", "true"});
    bool cgroup_watched = std::any_of(watched.begin(), watched.end(), [](const std::string& p) {
        return p.find("cgroup") != std::string::npos;
    });
    CHECK(reads.empty() != cgroup_watched);
    for (const std::string& p : reads) {
        CHECK(p.find("cgroup.controllers") != std::string::npos);
    }
    CHECK(t.leaks() == std::vector<std::string>{});
}
