#include "sys/signals.hpp"

#include <sys/signalfd.h>
#include <unistd.h>

namespace sandbox::sys {

sigset_t make_sigset(std::initializer_list<int> signals) {
    sigset_t set;
    sigemptyset(&set);
    for (int s : signals) {
        sigaddset(&set, s);
    }
    return set;
}

ScopedSignalMask::ScopedSignalMask(const sigset_t& block) {
    sigprocmask(SIG_BLOCK, &block, &m_previous);
}

ScopedSignalMask::~ScopedSignalMask() {
    sigprocmask(SIG_SETMASK, &m_previous, nullptr);
}

Result<UniqueFd> open_signalfd(const sigset_t& set) {
    int fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    if (fd < 0) {
        return fail("signalfd");
    }
    return UniqueFd(fd);
}

Result<std::optional<int>> read_signalfd(int fd) {
    signalfd_siginfo info{};
    for (;;) {
        ssize_t n = ::read(fd, &info, sizeof info);
        if (n == static_cast<ssize_t>(sizeof info)) {
            return std::optional<int>(static_cast<int>(info.ssi_signo));
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && errno == EAGAIN) {
            return std::optional<int>{};
        }
        return fail("read", "signalfd");
    }
}

std::optional<int> take_pending(std::initializer_list<int> which) {
    sigset_t pending;
    if (sigpending(&pending) != 0) {
        return std::nullopt;
    }
    for (int s : which) {
        if (sigismember(&pending, s) == 1) {
            sigset_t one = make_sigset({s});
            const timespec zero{};
            if (sigtimedwait(&one, nullptr, &zero) == s) {
                return s;
            }
        }
    }
    return std::nullopt;
}

void reset_signals_for_exec() {
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int s = 1; s < NSIG; ++s) {
        if (s != SIGKILL && s != SIGSTOP) {
            sigaction(s, &dfl, nullptr);
        }
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
}

}  // namespace sandbox::sys
