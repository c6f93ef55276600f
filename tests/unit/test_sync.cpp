// The sync protocol over a real socketpair and a fork (STYLE §2.8).
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "exec/sync.hpp"

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
