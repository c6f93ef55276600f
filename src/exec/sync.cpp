#include "exec/sync.hpp"

#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cstring>

#include "common/eintr.hpp"
#include "common/enum_names.hpp"
#include "sys/signals.hpp"

namespace sandbox::exec {

namespace {

template <size_t N>
void copy_text(char (&dst)[N], const std::string& src) {
    size_t n = std::min(src.size(), N - 1);
    std::memcpy(dst, src.data(), n);
    dst[n] = '\0';
}

template <size_t N>
std::string text_of(const char (&src)[N]) {
    return std::string(src, strnlen(src, N));
}

}  // namespace

namespace {

constexpr EnumName<SyncType> k_sync_type_names[] = {
    {SyncType::go, "go"},
    {SyncType::setup_done, "setup_done"},
    {SyncType::step_failed, "step_failed"},
    {SyncType::exec_failed, "exec_failed"},
    {SyncType::pty_master, "pty_master"},
    {SyncType::exec_imminent, "exec_imminent"},
};

}  // namespace

namespace {

// A msghdr for one SyncMsg with room for one SCM_RIGHTS fd (send_fd and recv).
struct FdMessage {
    iovec iov;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr header{};

    explicit FdMessage(SyncMsg& msg) : iov{&msg, sizeof msg} {
        header.msg_iov = &iov;
        header.msg_iovlen = 1;
        header.msg_control = control;
        header.msg_controllen = sizeof control;
    }
    FdMessage(const FdMessage&) = delete;
    FdMessage& operator=(const FdMessage&) = delete;
};

}  // namespace

std::string_view to_string(SyncType type) {
    return name_of(k_sync_type_names, type, "unknown");
}

SyncMsg SyncMsg::go() {
    SyncMsg m;
    m.type = SyncType::go;
    return m;
}

SyncMsg SyncMsg::setup_done(pid_t workload) {
    SyncMsg m;
    m.type = SyncType::setup_done;
    m.pid = workload;
    return m;
}

SyncMsg SyncMsg::step_failed(plan::StepId step, const sys::SysError& error) {
    SyncMsg m;
    m.type = SyncType::step_failed;
    m.step = static_cast<uint32_t>(step);
    m.err = error.err();
    copy_text(m.op, error.op());
    copy_text(m.path[0], error.path());
    copy_text(m.path[1], error.path2());
    copy_text(m.detail, error.detail());
    return m;
}

SyncMsg SyncMsg::exec_failed(int err, const char* path) {
    SyncMsg m;
    m.type = SyncType::exec_failed;
    m.step = static_cast<uint32_t>(plan::StepId::exec);
    m.err = err;
    copy_text(m.op, "execve");
    copy_text(m.path[0], path ? std::string(path) : std::string());
    return m;
}

SyncMsg SyncMsg::pty_master() {
    SyncMsg m;
    m.type = SyncType::pty_master;
    return m;
}

SyncMsg SyncMsg::exec_imminent() {
    SyncMsg m;
    m.type = SyncType::exec_imminent;
    m.step = static_cast<uint32_t>(plan::StepId::exec);
    return m;
}

SetupError SyncMsg::to_setup_error() const {
    auto step_id = static_cast<plan::StepId>(step);
    if (step > static_cast<uint32_t>(plan::StepId::cleanup)) {
        step_id = plan::StepId::init;
    }
    return SetupError(step_id, sys::SysError(err, text_of(op), text_of(path[0]), text_of(path[1]),
                                             text_of(detail)));
}

sys::Result<std::pair<SyncChannel, SyncChannel>> SyncChannel::make_pair() {
    int fds[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) {
        return sys::fail("socketpair", "AF_UNIX SOCK_SEQPACKET");
    }
    return std::pair<SyncChannel, SyncChannel>(SyncChannel(sys::UniqueFd(fds[0])),
                                               SyncChannel(sys::UniqueFd(fds[1])));
}

void SyncChannel::send(const SyncMsg& msg) const {
    if (!try_send(msg)) {
        throw sys::SysError(errno, "send", "sync socket", {}, std::string(to_string(msg.type)));
    }
    spdlog::trace("sync: sent {}", to_string(msg.type));
}

bool SyncChannel::try_send(const SyncMsg& msg) const noexcept {
    ssize_t n = retry_eintr([&] { return ::send(m_fd.get(), &msg, sizeof msg, MSG_NOSIGNAL); });
    if (n == static_cast<ssize_t>(sizeof msg)) {
        return true;
    }
    if (n >= 0) {
        errno = EMSGSIZE;
    }
    return false;
}

void SyncChannel::send_fd(const SyncMsg& msg, int fd) const {
    SyncMsg copy = msg;
    FdMessage message(copy);
    msghdr& mh = message.header;
    cmsghdr* cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof(int));
    std::memcpy(CMSG_DATA(cm), &fd, sizeof fd);
    ssize_t n = retry_eintr([&] { return ::sendmsg(m_fd.get(), &mh, MSG_NOSIGNAL); });
    if (n != static_cast<ssize_t>(sizeof copy)) {
        throw sys::SysError(n < 0 ? errno : EMSGSIZE, "sendmsg", "sync socket", {},
                            std::string(to_string(msg.type)));
    }
    spdlog::trace("sync: sent {} with fd {}", to_string(msg.type), fd);
}

bool SyncChannel::wait_readable(int interrupt_fd, int timeout_ms, bool stop_interrupts) const {
    pollfd fds[2] = {{m_fd.get(), POLLIN, 0}, {interrupt_fd, POLLIN, 0}};
    nfds_t count = interrupt_fd >= 0 ? 2 : 1;
    for (;;) {
        int n = poll(fds, count, timeout_ms);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw sys::SysError(errno, "poll", "sync socket");
        }
        if (n == 0) {
            throw sys::SysError(ETIMEDOUT, "wait", "sync socket");
        }
        // The child's message first: when a stop signal and the EOF that means "execve
        // succeeded" arrive together, the workload is running and the signal is supervise's to
        // forward (with stop_grace), not a setup interruption that SIGKILLs it. Left unread,
        // the signal stays pending for the next wait.
        if (count == 1 || fds[0].revents != 0 || (fds[1].revents & POLLIN) == 0) {
            return true;
        }
        if (!stop_interrupts) {
            return false;
        }
        auto sig = sys::or_throw(sys::read_signalfd(interrupt_fd));
        if (sig && is_stop_signal(*sig)) {
            throw Interrupted(*sig);
        }
        // Not a stop signal (a caller's signalfd with more in it): wait on.
    }
}

std::optional<SyncMsg> SyncChannel::recv(int interrupt_fd, int timeout_ms,
                                         sys::UniqueFd* fd_out) const {
    wait_readable(interrupt_fd, timeout_ms, /*stop_interrupts=*/true);
    SyncMsg msg;
    for (;;) {
        FdMessage message(msg);
        msghdr& mh = message.header;
        ssize_t n = ::recvmsg(m_fd.get(), &mh, MSG_CMSG_CLOEXEC);
        if (n > 0) {
            // Own every fd that arrived before anything can throw, so none leaks.
            for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm != nullptr; cm = CMSG_NXTHDR(&mh, cm)) {
                if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS) {
                    int fd = -1;
                    std::memcpy(&fd, CMSG_DATA(cm), sizeof fd);
                    sys::UniqueFd owned(fd);
                    if (fd_out != nullptr) {
                        *fd_out = std::move(owned);
                    }
                }
            }
            if ((mh.msg_flags & MSG_CTRUNC) != 0) {
                throw ProtocolError("sync: control data truncated");
            }
        }
        if (n == 0) {
            spdlog::trace("sync: EOF");
            return std::nullopt;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == ECONNRESET) {
                return std::nullopt;
            }
            throw sys::SysError(errno, "recv", "sync socket");
        }
        if (n != static_cast<ssize_t>(sizeof msg) || msg.version != SyncMsg::k_version) {
            throw ProtocolError("sync: malformed message of " + std::to_string(n) + " bytes");
        }
        spdlog::trace("sync: received {}", to_string(msg.type));
        return msg;
    }
}

void SyncChannel::expect_go() const {
    auto msg = recv();
    if (!msg) {
        throw sys::SysError(EPIPE, "wait for go", "sync socket", {}, "the launcher went away");
    }
    if (msg->type != SyncType::go) {
        throw ProtocolError("sync: expected go, got " + std::string(to_string(msg->type)));
    }
}

std::optional<pid_t> SyncChannel::expect_setup_done(int interrupt_fd,
                                                    sys::UniqueFd* pty_master) const {
    sys::UniqueFd fd;
    auto msg = recv(interrupt_fd, -1, &fd);
    if (msg && msg->type == SyncType::pty_master) {
        if (pty_master == nullptr || !fd) {
            throw ProtocolError("sync: unexpected pty_master");
        }
        *pty_master = std::move(fd);
        msg = recv(interrupt_fd);
    }
    if (!msg) {
        return std::nullopt;
    }
    if (msg->type == SyncType::step_failed) {
        throw msg->to_setup_error();
    }
    if (msg->type != SyncType::setup_done) {
        throw ProtocolError("sync: expected setup_done, got " + std::string(to_string(msg->type)));
    }
    return msg->pid;
}

std::optional<int> SyncChannel::expect_exec(int interrupt_fd) const {
    auto msg = recv(interrupt_fd);
    if (msg && msg->type == SyncType::exec_imminent) {
        // Only the filter, closing fds and the execve are left -- and an execve can still block
        // (a binary on a hung network mount). A stop signal from here on is the supervision's:
        // it stays pending in the signalfd, and the workload counts as started (if its execve
        // then fails, the init reports the workload's 127/126 as its end).
        if (!wait_readable(interrupt_fd, -1, /*stop_interrupts=*/false)) {
            return std::nullopt;
        }
        msg = recv();
    }
    if (!msg) {
        return std::nullopt;
    }
    if (msg->type == SyncType::step_failed) {
        throw msg->to_setup_error();
    }
    if (msg->type != SyncType::exec_failed) {
        throw ProtocolError("sync: expected EOF or exec_failed, got " +
                            std::string(to_string(msg->type)));
    }
    return msg->err;
}

}  // namespace sandbox::exec
