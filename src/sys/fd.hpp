#pragma once
// An owned file descriptor (after ccache util::Fd). Every fd the tool opens is opened with
// O_CLOEXEC / SOCK_CLOEXEC and held by one of these.
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <utility>

namespace sandbox::sys {

class UniqueFd {
public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : m_fd(fd) {}
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    UniqueFd(UniqueFd&& other) noexcept : m_fd(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }
    ~UniqueFd() { reset(); }

    int get() const { return m_fd; }
    explicit operator bool() const { return m_fd >= 0; }
    // Gives up ownership without closing.
    int release() { return std::exchange(m_fd, -1); }
    // Closes the current fd (if any) and takes `fd`.
    void reset(int fd = -1) {
        if (m_fd >= 0) {
            [[maybe_unused]] const bool closed = ::close(m_fd) == 0 || errno != EBADF;
            // EBADF: the fd was closed behind its owner's back. Closing it again here could
            // have closed whatever the number was given to next (another owner's fd): a
            // double close, always a bug. Debug builds (the test presets) stop on it.
            assert(closed && "UniqueFd: double close");
        }
        m_fd = fd;
    }
    // Closes now; false when close(2) failed (errno set).
    [[nodiscard]] bool close() { return m_fd < 0 || ::close(std::exchange(m_fd, -1)) == 0; }

private:
    int m_fd = -1;
};

}  // namespace sandbox::sys
