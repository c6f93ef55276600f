// Pseudo-terminal pair, raw mode for the launcher's terminal, and the relay between them.
#include "sys/pty.hpp"

#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace sandbox::sys {

Result<PtyPair> open_pty() {
    PtyPair p;
    p.master.reset(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!p.master) {
        return fail("open", "/dev/ptmx");
    }
    if (::grantpt(p.master.get()) != 0) {
        return fail("grantpt", "/dev/ptmx");
    }
    if (::unlockpt(p.master.get()) != 0) {
        return fail("unlockpt", "/dev/ptmx");
    }
    char name[128];
    if (int err = ::ptsname_r(p.master.get(), name, sizeof name); err != 0) {
        return fail_with(err, "ptsname", "/dev/ptmx");
    }
    p.slave_path = name;
    p.slave.reset(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!p.slave) {
        return fail("open", p.slave_path);
    }
    return p;
}

Status copy_window_size(int from_fd, int to_fd) {
    winsize ws{};
    if (::ioctl(from_fd, TIOCGWINSZ, &ws) != 0) {
        return fail("ioctl TIOCGWINSZ", "fd " + std::to_string(from_fd));
    }
    if (::ioctl(to_fd, TIOCSWINSZ, &ws) != 0) {
        return fail("ioctl TIOCSWINSZ", "fd " + std::to_string(to_fd));
    }
    return {};
}

Result<ScopedRawMode> ScopedRawMode::enable(int fd) {
    ScopedRawMode mode;
    if (!::isatty(fd)) {
        return mode;
    }
    if (::tcgetattr(fd, &mode.m_saved) != 0) {
        return fail("tcgetattr", "fd " + std::to_string(fd));
    }
    termios raw = mode.m_saved;
    ::cfmakeraw(&raw);
    if (::tcsetattr(fd, TCSANOW, &raw) != 0) {
        return fail("tcsetattr", "fd " + std::to_string(fd));
    }
    mode.m_fd = fd;
    return mode;
}

ScopedRawMode::ScopedRawMode(ScopedRawMode&& other) noexcept
    : m_fd(std::exchange(other.m_fd, -1)), m_saved(other.m_saved) {}

ScopedRawMode& ScopedRawMode::operator=(ScopedRawMode&& other) noexcept {
    if (this != &other) {
        restore();
        m_fd = std::exchange(other.m_fd, -1);
        m_saved = other.m_saved;
    }
    return *this;
}

ScopedRawMode::~ScopedRawMode() {
    restore();
}

void ScopedRawMode::restore() noexcept {
    if (m_fd >= 0) {
        // TCSADRAIN: let the workload's last output reach the screen in raw mode first.
        (void)::tcsetattr(m_fd, TCSADRAIN, &m_saved);
        m_fd = -1;
    }
}

PtyRelay::PtyRelay(int master_fd, int in_fd, int out_fd)
    : m_master(master_fd), m_in(in_fd), m_out(out_fd), m_in_open(in_fd >= 0) {}

Result<RelayEnd> PtyRelay::run(int stop_fd) {
    int fl = ::fcntl(m_master, F_GETFL);
    if (fl < 0 || (!(fl & O_NONBLOCK) && ::fcntl(m_master, F_SETFL, fl | O_NONBLOCK) != 0)) {
        return fail("fcntl O_NONBLOCK", "pty master");
    }
    bool master_gone = false;
    for (;;) {
        // Output is drained before a hang-up is reported: the workload's last words count.
        if (master_gone && m_to_out.empty()) {
            return RelayEnd::hangup;
        }
        pollfd fds[4];
        nfds_t n = 0;
        int i_stop = -1, i_in = -1, i_master = -1, i_out = -1;
        if (stop_fd >= 0) {
            i_stop = static_cast<int>(n);
            fds[n++] = {stop_fd, POLLIN, 0};
        }
        if (m_in_open && m_to_master.empty() && !master_gone) {
            i_in = static_cast<int>(n);
            fds[n++] = {m_in, POLLIN, 0};
        }
        short master_events = 0;
        if (!master_gone && m_to_out.empty()) {
            master_events |= POLLIN;
        }
        if (!master_gone && !m_to_master.empty()) {
            master_events |= POLLOUT;
        }
        if (master_events != 0) {
            i_master = static_cast<int>(n);
            fds[n++] = {m_master, master_events, 0};
        }
        if (!m_to_out.empty()) {
            i_out = static_cast<int>(n);
            fds[n++] = {m_out, POLLOUT, 0};
        }
        if (::poll(fds, n, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            return fail("poll", "pty relay");
        }
        if (i_stop >= 0 && (fds[i_stop].revents & POLLIN)) {
            return RelayEnd::stopped;
        }
        if (i_in >= 0 && fds[i_in].revents != 0) {
            ssize_t r = ::read(m_in, m_to_master.data, sizeof m_to_master.data);
            if (r > 0) {
                m_to_master.begin = 0;
                m_to_master.end = static_cast<size_t>(r);
            } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                m_in_open = false;  // EOF (or an unreadable stdin): output keeps flowing
            }
        }
        if (i_master >= 0 && fds[i_master].revents != 0) {
            short re = fds[i_master].revents;
            if ((re & POLLOUT) && !m_to_master.empty()) {
                ssize_t w = ::write(m_master, m_to_master.data + m_to_master.begin,
                                    m_to_master.end - m_to_master.begin);
                if (w > 0) {
                    m_to_master.begin += static_cast<size_t>(w);
                } else if (w < 0 && errno != EINTR && errno != EAGAIN) {
                    master_gone = true;
                }
            }
            if (re & (POLLIN | POLLHUP | POLLERR)) {
                ssize_t r = ::read(m_master, m_to_out.data, sizeof m_to_out.data);
                if (r > 0) {
                    m_to_out.begin = 0;
                    m_to_out.end = m_out_open ? static_cast<size_t>(r) : 0;
                } else if (r == 0 || (errno != EINTR && errno != EAGAIN)) {
                    master_gone = true;  // EIO: every slave fd is closed
                }
            }
        }
        if (i_out >= 0 && fds[i_out].revents != 0) {
            ssize_t w =
                ::write(m_out, m_to_out.data + m_to_out.begin, m_to_out.end - m_to_out.begin);
            if (w > 0) {
                m_to_out.begin += static_cast<size_t>(w);
            } else if (w < 0 && errno != EINTR && errno != EAGAIN) {
                m_out_open = false;  // EPIPE / EIO: nobody reads our output any more
            }
            if (!m_out_open) {
                m_to_out.begin = m_to_out.end;
            }
        }
        if (m_to_out.empty()) {
            m_to_out.begin = m_to_out.end = 0;
        }
        if (m_to_master.empty()) {
            m_to_master.begin = m_to_master.end = 0;
        }
    }
}

Result<RelayEnd> relay_pty(int master_fd, int in_fd, int out_fd, int stop_fd) {
    PtyRelay relay(master_fd, in_fd, out_fd);
    return relay.run(stop_fd);
}

}  // namespace sandbox::sys
