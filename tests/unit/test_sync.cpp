// The sync protocol over a real socketpair and a fork (docs/architecture.md §9.8).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <optional>

#include "exec/sync.hpp"
#include "sys/signals.hpp"

using namespace sandbox;
using namespace sandbox::exec;

TEST_CASE("sync: go, setup_done and EOF cross a fork", "[unit][sync]") {
    auto [parent, child] = sys::or_throw(SyncChannel::make_pair());
    pid_t pid = fork();
    if (pid == 0) {
        parent.close();
        try {
            child.expect_go();
            child.send(SyncMsg::setup_done(42));
        } catch (...) {
            _exit(1);
        }
        _exit(0);
    }
    child.close();
    parent.send(SyncMsg::go());
    CHECK(parent.expect_setup_done(-1) == std::optional<pid_t>(42));
    CHECK(parent.expect_exec(-1) == std::nullopt);  // EOF: the peer is gone
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("sync: a child's step failure becomes a SetupError with every field", "[unit][sync]") {
    auto [parent, child] = sys::or_throw(SyncChannel::make_pair());
    child.send(SyncMsg::step_failed(plan::StepId::mounts,
                                    sys::SysError(ENOENT, "bind", "/data", "/work")));
    try {
        parent.expect_setup_done(-1);
        FAIL("no exception");
    } catch (const SetupError& e) {
        CHECK(e.step() == plan::StepId::mounts);
        CHECK(std::string(e.what()) ==
              "setup failed at mounts: bind /data → /work: No such file or directory (ENOENT)");
    }
}

TEST_CASE("sync: an unexpected message is a ProtocolError naming both", "[unit][sync]") {
    auto [parent, child] = sys::or_throw(SyncChannel::make_pair());
    child.send(SyncMsg::go());
    try {
        parent.expect_setup_done(-1);
        FAIL("no exception");
    } catch (const ProtocolError& e) {
        CHECK(std::string(e.what()) == "sync: expected setup_done, got go");
    }
}

TEST_CASE("sync: exec_failed carries the errno", "[unit][sync]") {
    auto [parent, child] = sys::or_throw(SyncChannel::make_pair());
    child.send(SyncMsg::exec_failed(EACCES, "/bin/x"));
    CHECK(parent.expect_exec(-1) == std::optional<int>(EACCES));
}

TEST_CASE("sync: long paths are truncated, never overflow", "[unit][sync]") {
    SyncMsg m = SyncMsg::step_failed(plan::StepId::mounts,
                                     sys::SysError(EIO, "op", std::string(1000, 'a'), "b"));
    SetupError e = m.to_setup_error();
    CHECK(e.error().path().size() == 255);
    CHECK(e.error().path2() == "b");
}

TEST_CASE("sync: a stop signal interrupts a wait, any other signal stays pending for supervise",
          "[unit][sync]") {
    // In a child: the signal mask and the pending set are per process.
    pid_t pid = fork();
    if (pid == 0) {
        auto run = [] {
            sigset_t all = sys::make_sigset({SIGTERM, SIGUSR1});
            sys::ScopedSignalMask mask(all);
            auto stop_fd = sys::or_throw(sys::open_signalfd(sys::make_sigset({SIGTERM})));
            auto [a, b] = sys::or_throw(SyncChannel::make_pair());
            raise(SIGUSR1);
            raise(SIGTERM);
            try {
                (void)a.expect_setup_done(stop_fd.get());
                return 1;
            } catch (const Interrupted& e) {
                if (e.signal() != SIGTERM) {
                    return 2;
                }
            }
            // SIGUSR1 was not consumed by the wait: supervise's signalfd still sees it.
            sigset_t pending;
            sigpending(&pending);
            if (sigismember(&pending, SIGUSR1) != 1 || sigismember(&pending, SIGTERM) == 1) {
                return 3;
            }
            // take_pending dequeues only what it is asked for.
            if (sys::take_pending({SIGTERM}).has_value()) {
                return 4;
            }
            if (sys::take_pending({SIGHUP, SIGUSR1}) != std::optional<int>(SIGUSR1)) {
                return 5;
            }
            return 0;
        };
        int rc = 9;
        try {
            rc = run();
        } catch (...) {
            rc = 8;
        }
        _exit(rc);
    }
    int status = 0;
    REQUIRE(waitpid(pid, &status, 0) == pid);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("sync: after exec_imminent a stop signal is left to the supervision", "[unit][sync]") {
    // The workload says exec_imminent before its last steps (filter, fds, execve); the EOF that
    // means "execve succeeded" may come later (the init's copy of the socket closes after the
    // init runs again). A stop signal from then on is not a setup interrupt: the wait ends
    // without reading it (the workload counts as started) and supervise's signalfd gets it.
    pid_t pid = fork();
    if (pid == 0) {
        auto run = [] {
            sys::ScopedSignalMask mask(sys::make_sigset({SIGTERM}));
            auto stop_fd = sys::or_throw(sys::open_signalfd(sys::make_sigset({SIGTERM})));
            {
                // The outcome already there wins over the signal.
                auto [a, b] = sys::or_throw(SyncChannel::make_pair());
                b.send(SyncMsg::exec_imminent());
                b.send(SyncMsg::exec_failed(ENOENT, "/bin/nope"));
                raise(SIGTERM);
                if (a.expect_exec(stop_fd.get()) != std::optional<int>(ENOENT)) {
                    return 1;
                }
            }
            {
                // No outcome yet (the socket stays open): the signal ends the wait, unread.
                auto [a, b] = sys::or_throw(SyncChannel::make_pair());
                b.send(SyncMsg::exec_imminent());
                if (a.expect_exec(stop_fd.get()) != std::nullopt) {
                    return 2;
                }
            }
            if (sys::take_pending({SIGTERM}) != std::optional<int>(SIGTERM)) {
                return 3;
            }
            // Before exec_imminent the same signal interrupts the wait.
            auto [a, b] = sys::or_throw(SyncChannel::make_pair());
            raise(SIGTERM);
            try {
                (void)a.expect_exec(stop_fd.get());
                return 4;
            } catch (const Interrupted& e) {
                return e.signal() == SIGTERM ? 0 : 5;
            }
        };
        int code = 6;
        try {
            code = run();
        } catch (...) {
        }
        _exit(code);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
}
