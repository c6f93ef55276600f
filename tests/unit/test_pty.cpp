// Pty pair, raw mode and the relay, with real pseudo-terminals (no privilege needed).
#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "support/temp_dir.hpp"
#include "sys/pty.hpp"

using namespace sandbox;
using sandbox::test::read_file;
using sandbox::test::TempDir;

namespace {

bool is_cloexec(int fd) {
    return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0;
}

// Forks a child whose stdin/stdout are the slave, runs `body` there and _exits.
template <typename F>
pid_t fork_on_slave(sys::PtyPair& pty, F body) {
    pid_t pid = ::fork();
    if (pid == 0) {
        ::dup2(pty.slave.get(), 0);
        ::dup2(pty.slave.get(), 1);
        ::close(pty.master.get());
        body();
        ::_exit(0);
    }
    (void)pty.slave.close();  // else the master never hangs up
    return pid;
}

}  // namespace

TEST_CASE("pty: open_pty gives a close-on-exec master and slave", "[unit][pty]") {
    auto pty = sys::open_pty();
    REQUIRE(pty);
    CHECK(pty->slave_path.rfind("/dev/pts/", 0) == 0);
    CHECK(::isatty(pty->slave.get()));
    CHECK(is_cloexec(pty->master.get()));
    CHECK(is_cloexec(pty->slave.get()));
}

TEST_CASE("pty: window size is copied between terminals", "[unit][pty]") {
    auto a = sys::open_pty();
    auto b = sys::open_pty();
    REQUIRE(a);
    REQUIRE(b);
    winsize ws{};
    ws.ws_row = 42;
    ws.ws_col = 133;
    REQUIRE(::ioctl(a->slave.get(), TIOCSWINSZ, &ws) == 0);
    REQUIRE(sys::copy_window_size(a->slave.get(), b->master.get()));
    winsize got{};
    REQUIRE(::ioctl(b->slave.get(), TIOCGWINSZ, &got) == 0);
    CHECK(got.ws_row == 42);
    CHECK(got.ws_col == 133);
    int p[2];
    REQUIRE(::pipe(p) == 0);
    CHECK(sys::copy_window_size(p[0], b->master.get()).error().err() == ENOTTY);
    ::close(p[0]);
    ::close(p[1]);
}

TEST_CASE("pty: raw mode is set and restored, a pipe is left alone", "[unit][pty]") {
    auto pty = sys::open_pty();
    REQUIRE(pty);
    const int fd = pty->slave.get();
    termios before{};
    REQUIRE(::tcgetattr(fd, &before) == 0);
    REQUIRE((before.c_lflag & ICANON) != 0);
    {
        auto raw = sys::ScopedRawMode::enable(fd);
        REQUIRE(raw);
        CHECK(raw->active());
        termios during{};
        REQUIRE(::tcgetattr(fd, &during) == 0);
        CHECK((during.c_lflag & (ICANON | ECHO | ISIG)) == 0);
        sys::ScopedRawMode moved = std::move(*raw);  // ownership moves, restore happens once
        CHECK_FALSE(raw->active());
        CHECK(moved.active());
    }
    termios after{};
    REQUIRE(::tcgetattr(fd, &after) == 0);
    CHECK(after.c_lflag == before.c_lflag);
    CHECK(after.c_oflag == before.c_oflag);
    CHECK(after.c_iflag == before.c_iflag);

    int p[2];
    REQUIRE(::pipe(p) == 0);
    auto none = sys::ScopedRawMode::enable(p[0]);
    REQUIRE(none);
    CHECK_FALSE(none->active());
    ::close(p[0]);
    ::close(p[1]);
}

TEST_CASE("pty: relay carries input to the workload and output back until hang-up", "[unit][pty]") {
    TempDir tmp("pty");
    auto pty = sys::open_pty();
    REQUIRE(pty);
    pid_t child = fork_on_slave(*pty, [] {
        char buf[64];
        ssize_t n = ::read(0, buf, sizeof buf);  // canonical mode: one line
        if (n > 0) {
            (void)!::write(1, "got: ", 5);
            (void)!::write(1, buf, static_cast<size_t>(n));
        }
    });
    int in[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::write(in[1], "hello\n", 6) == 6);
    ::close(in[1]);  // EOF on input must not end the relay
    sys::UniqueFd out(::open((tmp / "out").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    auto end = sys::relay_pty(pty->master.get(), in[0], out.get(), -1);
    ::close(in[0]);
    REQUIRE(end);
    CHECK(*end == sys::RelayEnd::hangup);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    // The tty echoes the input, then the workload answers (ONLCR turns \n into \r\n).
    CHECK(read_file(tmp / "out") == "hello\r\ngot: hello\r\n");
}

TEST_CASE("pty: relay stops on the stop fd and resumes without losing output", "[unit][pty]") {
    TempDir tmp("pty");
    auto pty = sys::open_pty();
    REQUIRE(pty);
    std::string expected;
    for (int i = 0; i < 300000; ++i) {
        expected += static_cast<char>('a' + i % 26);
    }
    pid_t child = fork_on_slave(*pty, [&] {
        size_t off = 0;
        while (off < expected.size()) {
            ssize_t n =
                ::write(1, expected.data() + off, std::min<size_t>(7000, expected.size() - off));
            if (n <= 0) {
                ::_exit(1);
            }
            off += static_cast<size_t>(n);
        }
    });
    sys::UniqueFd out(::open((tmp / "out").c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    sys::UniqueFd timer(::timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC));
    itimerspec every{{0, 200000}, {0, 200000}};  // 0.2 ms: many stops during the transfer
    REQUIRE(::timerfd_settime(timer.get(), 0, &every, nullptr) == 0);
    sys::PtyRelay relay(pty->master.get(), -1, out.get());
    int stops = 0;
    for (;;) {
        auto end = relay.run(timer.get());
        REQUIRE(end);
        if (*end == sys::RelayEnd::hangup) {
            break;
        }
        uint64_t ticks = 0;
        REQUIRE(::read(timer.get(), &ticks, sizeof ticks) == sizeof ticks);
        ++stops;
    }
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFEXITED(status));
    CHECK(stops > 0);
    CHECK(read_file(tmp / "out") == expected);

    SECTION("a readable stop fd returns at once") {
        auto pty2 = sys::open_pty();
        REQUIRE(pty2);
        sys::UniqueFd ev(::eventfd(1, EFD_CLOEXEC));
        CHECK(sys::relay_pty(pty2->master.get(), -1, out.get(), ev.get()).value() ==
              sys::RelayEnd::stopped);
    }
}
