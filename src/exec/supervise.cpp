// Supervision. After release and exec, before cleanup. One epoll set holds the child's pidfd,
// the launcher's signalfd and a timerfd; with a pty, sys::relay_pty pumps the terminal and
// returns whenever that epoll fd becomes readable. Single-threaded, no signal handlers.
#include "exec/supervise.hpp"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <chrono>

#include "common/eintr.hpp"
#include "sys/signals.hpp"

namespace sandbox::exec {

namespace {

void arm(int timer_fd, std::chrono::milliseconds after) {
    itimerspec spec{};
    auto ms = std::max<long long>(after.count(), 1);
    spec.it_value.tv_sec = static_cast<time_t>(ms / 1000);
    spec.it_value.tv_nsec = static_cast<long>((ms % 1000) * 1000000);
    if (timerfd_settime(timer_fd, 0, &spec, nullptr) != 0) {
        throw sys::SysError(errno, "timerfd_settime");
    }
}

void add(int epoll_fd, int fd) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        throw sys::SysError(errno, "epoll_ctl");
    }
}

}  // namespace

SuperviseResult supervise(sys::ChildProcess& child, const plan::ProcessPlan& process, int signal_fd,
                          int init_status_fd, sys::Cgroup* cgroup, sys::PtyPair* pty) {
    SuperviseResult result;
    sys::UniqueFd epoll(epoll_create1(EPOLL_CLOEXEC));
    sys::UniqueFd timer(timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK));
    if (!epoll || !timer) {
        throw sys::SysError(errno, "epoll/timerfd");
    }
    add(epoll.get(), child.pidfd());
    add(epoll.get(), signal_fd);
    if (init_status_fd >= 0) {
        add(epoll.get(), init_status_fd);
    }
    add(epoll.get(), timer.get());

    enum class Phase { running, stopping, killed } phase = Phase::running;
    if (process.timeout) {
        arm(timer.get(), *process.timeout);
    }
    auto kill_everything = [&] {
        phase = Phase::killed;
        result.killed = true;
        if (cgroup != nullptr) {
            if (auto st = cgroup->kill_all(); !st) {
                spdlog::warn("kill cgroup: {}", st.error().describe());
            }
        }
        (void)child.signal(SIGKILL);
    };
    auto begin_stop = [&](int sig) {
        if (phase != Phase::running) {
            kill_everything();  // a second request, or the grace period is over
            return;
        }
        phase = Phase::stopping;
        (void)child.signal(sig);
        arm(timer.get(), process.stop_grace);
    };
    bool pty_open = pty != nullptr;
    std::optional<sys::PtyRelay> relay;
    if (pty_open) {
        (void)sys::copy_window_size(STDIN_FILENO, pty->master.get());
        relay.emplace(pty->master.get(), STDIN_FILENO, STDOUT_FILENO);
    }

    for (;;) {
        if (pty_open) {
            auto end = sys::or_throw(relay->run(epoll.get()));
            if (end == sys::RelayEnd::hangup) {
                pty_open = false;
            }
        }
        epoll_event events[4];
        int n = epoll_wait(epoll.get(), events, 4, pty_open ? 0 : -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw sys::SysError(errno, "epoll_wait");
        }
        for (int i = 0; i < n; ++i) {
            int fd = events[i].data.fd;
            if (fd == child.pidfd()) {
                // Drain the pty before reporting, so the last output is not lost.
                if (pty_open) {
                    (void)relay->run(-1);
                }
                result.status = sys::or_throw(child.wait());
                return result;
            }
            if (fd == init_status_fd) {
                // The init's exit status, written just before it exits (the same value: it
                // returns what it writes). Nothing read: the init ended without a report
                // (killed); its pidfd says when it is gone.
                int32_t code = 0;
                ssize_t got = retry_eintr([&] { return ::read(fd, &code, sizeof code); });
                if (got == static_cast<ssize_t>(sizeof code)) {
                    // A real report comes from an init on its way out; a forged one (a
                    // workload that reached the init's fd 3) ends the sandbox here.
                    (void)child.signal(SIGKILL);
                    if (pty_open) {
                        (void)relay->run(-1);
                    }
                    result.status = sys::ExitStatus{false, code};
                    result.reported_by_init = true;
                    return result;
                }
                epoll_ctl(epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
                continue;
            }
            if (fd == timer.get()) {
                uint64_t expirations = 0;
                (void)!::read(timer.get(), &expirations, sizeof expirations);
                if (phase == Phase::running) {
                    spdlog::info("timeout after {} ms: sending signal {}",
                                 process.timeout ? process.timeout->count() : 0,
                                 process.stop_signal);
                    result.timed_out = true;
                    begin_stop(process.stop_signal);
                } else if (phase == Phase::stopping) {
                    spdlog::info("still running after the grace period: SIGKILL");
                    kill_everything();
                }
                continue;
            }
            // The signalfd: drain it.
            for (;;) {
                auto sig = sys::or_throw(sys::read_signalfd(signal_fd));
                if (!sig) {
                    break;
                }
                switch (*sig) {
                    case SIGCHLD:
                        break;  // the pidfd says when our child ends
                    case SIGINT:
                    case SIGTERM:
                    case SIGHUP:
                    case SIGQUIT:  // exec/setup_error.hpp is_stop_signal
                        if (result.terminated_by == 0) {
                            result.terminated_by = *sig;
                        }
                        begin_stop(*sig);
                        break;
                    case SIGWINCH:
                        if (pty_open) {
                            (void)sys::copy_window_size(STDIN_FILENO, pty->master.get());
                        }
                        (void)child.signal(SIGWINCH);
                        break;
                    default:
                        (void)child.signal(*sig);
                        break;
                }
            }
        }
    }
}

}  // namespace sandbox::exec
