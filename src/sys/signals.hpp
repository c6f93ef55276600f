#pragma once
// Scoped signal masks and signalfd. The launcher blocks the signals it handles before clone3
// and reads them from a signalfd in the supervise loop, so a signal causes an orderly unwind
// instead of exiting halfway (docs/architecture.md §9.3).
#include <signal.h>

#include <initializer_list>
#include <optional>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::sys {

sigset_t make_sigset(std::initializer_list<int> signals);

// Blocks `signals` for its lifetime; restores the previous mask in the destructor.
class ScopedSignalMask {
public:
    explicit ScopedSignalMask(const sigset_t& block);
    ~ScopedSignalMask();
    ScopedSignalMask(const ScopedSignalMask&) = delete;
    ScopedSignalMask& operator=(const ScopedSignalMask&) = delete;
    const sigset_t& previous() const { return m_previous; }

private:
    sigset_t m_previous{};
};

// signalfd(SFD_CLOEXEC|SFD_NONBLOCK) for the given (already blocked) set.
Result<UniqueFd> open_signalfd(const sigset_t& set);
// One pending signal from a non-blocking signalfd; nullopt when none is pending.
Result<std::optional<int>> read_signalfd(int fd);

// Takes (dequeues) the lowest pending signal of `which`, all of which must be blocked, without
// waiting and without touching any other pending signal; nullopt when none of them is pending.
std::optional<int> take_pending(std::initializer_list<int> which);

// In a freshly cloned child: every signal unblocked and handled by default.
void reset_signals_for_exec();

}  // namespace sandbox::sys
