// The pty master's way out of the sandbox: the child opens the pty in the sandbox's devpts and
// sends the master over the sync socket (pty_master + SCM_RIGHTS), before setup_done.
#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "exec/sync.hpp"

using namespace sandbox;
using namespace sandbox::exec;

TEST_CASE("sync: a pty master sent with SCM_RIGHTS arrives with setup_done", "[unit][sync]") {
    auto [parent, child] = sys::or_throw(SyncChannel::make_pair());
    int pipe_fds[2];
    REQUIRE(pipe2(pipe_fds, O_CLOEXEC) == 0);
    sys::UniqueFd read_end(pipe_fds[0]);
    {
        sys::UniqueFd write_end(pipe_fds[1]);
        child.send_fd(SyncMsg::pty_master(), write_end.get());
    }  // the sender's copy is closed: only the received one is left
    child.send(SyncMsg::setup_done(42));

    sys::UniqueFd received;
    CHECK(parent.expect_setup_done(-1, &received) == std::optional<pid_t>(42));
    REQUIRE(received);
    CHECK((fcntl(received.get(), F_GETFD) & FD_CLOEXEC) != 0);  // MSG_CMSG_CLOEXEC
    REQUIRE(write(received.get(), "x", 1) == 1);
    char c = 0;
    REQUIRE(read(read_end.get(), &c, 1) == 1);
    CHECK(c == 'x');
}

TEST_CASE("sync: a pty master nobody asked for is a ProtocolError, and its fd is closed",
          "[unit][sync]") {
    auto [parent, child] = sys::or_throw(SyncChannel::make_pair());
    int pipe_fds[2];
    REQUIRE(pipe2(pipe_fds, O_CLOEXEC) == 0);
    sys::UniqueFd read_end(pipe_fds[0]);
    child.send_fd(SyncMsg::pty_master(), pipe_fds[1]);
    close(pipe_fds[1]);
    try {
        parent.expect_setup_done(-1);
        FAIL("no exception");
    } catch (const ProtocolError& e) {
        CHECK(std::string(e.what()) == "sync: unexpected pty_master");
    }
    // The received copy was closed by the channel: the pipe's last writer is gone.
    char c = 0;
    CHECK(read(read_end.get(), &c, 1) == 0);
}
