#pragma once
// Pseudo-terminals for `process.tty`: the launcher keeps the master and relays it to its own
// terminal; the child makes the slave its controlling terminal (setsid + TIOCSCTTY) and stdio.
#include <termios.h>

#include <string>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::sys {

struct PtyPair {
    UniqueFd master;         // O_RDWR|O_NOCTTY|O_CLOEXEC
    UniqueFd slave;          // O_RDWR|O_NOCTTY|O_CLOEXEC; close the launcher's copy after spawn,
                             // or the master never sees the hang-up
    std::string slave_path;  // "/dev/pts/N"
};

// posix_openpt + grantpt + unlockpt + ptsname_r, then opens the slave.
Result<PtyPair> open_pty();

// Copies the window size (TIOCGWINSZ -> TIOCSWINSZ); e.g. launcher's stdin -> master, again on
// SIGWINCH. ENOTTY from `from_fd` is returned as an error; callers usually ignore it.
Status copy_window_size(int from_fd, int to_fd);

// Puts a terminal in raw mode and puts the saved termios back when destroyed (noexcept).
// Not a tty: does nothing (active() == false).
class ScopedRawMode {
public:
    ScopedRawMode() = default;
    // Saves the termios of `fd` and sets cfmakeraw(); error only when `fd` is a tty and
    // tcgetattr/tcsetattr fail.
    static Result<ScopedRawMode> enable(int fd);
    ScopedRawMode(const ScopedRawMode&) = delete;
    ScopedRawMode& operator=(const ScopedRawMode&) = delete;
    ScopedRawMode(ScopedRawMode&& other) noexcept;
    ScopedRawMode& operator=(ScopedRawMode&& other) noexcept;
    ~ScopedRawMode();

    bool active() const { return m_fd >= 0; }
    // Restores now (idempotent).
    void restore() noexcept;

private:
    int m_fd = -1;
    termios m_saved{};
};

enum class RelayEnd {
    hangup,   // the master hung up (every slave fd closed: the workload is gone); output drained
    stopped,  // `stop_fd` became readable (signalfd / eventfd); nothing was read from it
};

// Pumps `in_fd` -> master and master -> `out_fd` with poll() until the master hangs up or
// `stop_fd` is readable. Keeps data that was read but not yet written between calls, so a
// supervisor that stops to handle a signal (SIGWINCH: copy_window_size; SIGINT: forward it)
// calls run() again without losing a byte. EOF on `in_fd` stops reading input but output keeps
// flowing; EPIPE on `out_fd` drops output from then on (block or ignore SIGPIPE in the caller:
// the default action would kill the launcher before it cleans up). The master is switched to
// O_NONBLOCK. `in_fd` may be -1 (no input).
class PtyRelay {
public:
    PtyRelay(int master_fd, int in_fd, int out_fd);
    // `stop_fd` (-1 = none): a signalfd / eventfd; run() returns `stopped` without reading it.
    Result<RelayEnd> run(int stop_fd);

private:
    struct Pending {
        char data[4096];
        size_t begin = 0;
        size_t end = 0;
        bool empty() const { return begin == end; }
    };
    int m_master;
    int m_in;
    int m_out;
    bool m_in_open;
    bool m_out_open = true;
    Pending m_to_master;
    Pending m_to_out;
};

// One-shot form of PtyRelay for callers without a stop fd to come back from (or a test).
Result<RelayEnd> relay_pty(int master_fd, int in_fd, int out_fd, int stop_fd);

}  // namespace sandbox::sys
