// Work `sandbox up` must not repeat on every run (issue 10, docs/performance.md): counted, not
// timed -- a timing test would fail on a busy machine and prove nothing on a quiet one.
#include <fcntl.h>
#include <sys/fanotify.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <csignal>
#include <string>
#include <vector>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

namespace {

// Every file closed after writing on the mount that holds `dir`, as the path its fd names when
// read back (a renamed-over or deleted file keeps its last name plus " (deleted)").
class CloseWriteWatch {
public:
    explicit CloseWriteWatch(const std::string& dir)
        : m_fd(
              fanotify_init(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE)) {
        REQUIRE(m_fd >= 0);
        REQUIRE(fanotify_mark(m_fd, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_CLOSE_WRITE, AT_FDCWD,
                              dir.c_str()) == 0);
    }
    ~CloseWriteWatch() { close(m_fd); }
    CloseWriteWatch(const CloseWriteWatch&) = delete;
    CloseWriteWatch& operator=(const CloseWriteWatch&) = delete;

    std::vector<std::string> drain() {
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
    // Limits on two controllers: a cgroup directory in two (v1: or more) hierarchies, each an
    // undo entry. The objects a SIGKILLed launcher would leave on the host are the state dir,
    // the cgroup (all its directories, created by one step) and the child: three writes.
    // Before: one write per undo entry plus one after spawn (six on a v1 host).
    auto profile = t.profile("statewrites", "[limits]\nmemory = \"64MiB\"\npids = 32\n");
    CloseWriteWatch watch(t.dir().path());
    RunResult r = t.run({"up", profile, "--", "true"});
    REQUIRE(r.status == 0);
    const std::string state_json = t.state_root() + "/" + t.name("statewrites") + "/state.json";
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

TEST_CASE("startup: a launcher SIGKILLed right after the cgroup step leaves nothing after down",
          "[root][startup][fault]") {
    require_root();
    SandboxTest t;
    // The cgroup's directories reach state.json in one write, after all of them exist: a
    // launcher killed at the next step must have every one of them there for `down` (and the
    // leak check) to find.
    auto profile = t.profile("cgkill", "[limits]\nmemory = \"64MiB\"\npids = 32\n");
    SandboxProcess p({"up", profile, "--", "true"}, t.env({{"SANDBOX_DELAY_AT", "spawn"}}));
    REQUIRE(p.wait_for_stderr("delaying spawn"));
    p.signal(SIGKILL);
    RunResult r = p.finish();
    CHECK(r.status == 128 + SIGKILL);
    RunResult down = t.run({"down", t.name("cgkill")});
    CHECK(down.status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}
