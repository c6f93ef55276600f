#pragma once
// The launcher <-> child protocol (docs/architecture.md §9.4): one SOCK_SEQPACKET socketpair,
// fixed-size trivially-copyable messages sent with a single send(), typed waits. No allocation or
// JSON is needed to send from the child. Both ends are CLOEXEC: once the workload's execve succeeds
// the launcher reads EOF.
//
//   launcher                        child
//   ─────────────── go ───────────▶ identity → mounts → pivot_root → network_sandbox → init
//   ◀── pty_master + SCM_RIGHTS fd (plan.process.pty: the master of a pty the child opened
//       in the sandbox's own devpts, as OCI runtimes' console socket does)
//   ◀── setup_done{pid} | step_failed{step, errno, op, path, path2, detail}
//   ◀── step_failed (steps 14-16) | exec_imminent
//   ◀── EOF (exec succeeded) | exec_failed{errno} | step_failed (steps 17-18)
//
// exec_imminent: all that is left of the workload's steps is the seccomp filter, closing fds
// and the execve (sent before the filter, which may not allow a send). A stop signal before
// it interrupts the setup (the launcher unwinds at once); after it, the signal is the
// supervision's (forwarded, SIGKILL after stop_grace) and the workload counts as started. The
// EOF can lag behind the exec: the init's copy of the socket closes only once the init runs
// again after the workload's execve (exec/child/init.cpp starts it with sys::vfork_process).
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>

#include "exec/setup_error.hpp"
#include "plan/step_id.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::exec {

enum class SyncType : uint32_t {
    go = 1,
    setup_done,
    step_failed,
    exec_failed,
    pty_master,
    exec_imminent
};
std::string_view to_string(SyncType type);

struct SyncMsg {
    static constexpr uint32_t k_version = 1;
    uint32_t version = k_version;
    SyncType type = SyncType::go;
    uint32_t step = 0;  // plan::StepId
    int32_t err = 0;
    int32_t pid = 0;
    char op[32] = {};
    char path[2][256] = {};
    char detail[256] = {};

    static SyncMsg go();
    static SyncMsg setup_done(pid_t workload);
    static SyncMsg step_failed(plan::StepId step, const sys::SysError& error);
    static SyncMsg exec_failed(int err, const char* path);
    static SyncMsg pty_master();  // sent with send_fd()
    static SyncMsg exec_imminent();
    // step_failed -> the SetupError it carries.
    SetupError to_setup_error() const;
};
static_assert(std::is_trivially_copyable_v<SyncMsg>);

class SyncChannel {
public:
    SyncChannel() = default;
    explicit SyncChannel(sys::UniqueFd fd) : m_fd(std::move(fd)) {}
    // socketpair(AF_UNIX, SOCK_SEQPACKET|SOCK_CLOEXEC): {launcher end, child end}.
    static sys::Result<std::pair<SyncChannel, SyncChannel>> make_pair();

    int fd() const { return m_fd.get(); }
    void close() { m_fd.reset(); }

    // One message with one send(). Throws SysError. Async-signal-safe enough for the child.
    void send(const SyncMsg& msg) const;
    // Like send but never throws (child error paths); false on failure.
    bool try_send(const SyncMsg& msg) const noexcept;
    // `msg` with `fd` attached (SCM_RIGHTS, one sendmsg). Throws SysError.
    void send_fd(const SyncMsg& msg, int fd) const;
    // The next message, or nullopt on EOF. `interrupt_fd` (a signalfd, or -1) is polled too:
    // when it becomes readable first, Interrupted is thrown with the signal read from it. Give
    // it a signalfd of the stop signals only: any other signal read from it would be lost.
    // timeout_ms < 0: wait forever; on timeout throws SysError(ETIMEDOUT).
    // An fd that came with the message (SCM_RIGHTS, received O_CLOEXEC) goes to `fd_out`, or
    // is closed when the caller passed none.
    std::optional<SyncMsg> recv(int interrupt_fd = -1, int timeout_ms = -1,
                                sys::UniqueFd* fd_out = nullptr) const;

    // Typed waits (youki channel.rs): anything else is a ProtocolError, a step_failed
    // becomes a SetupError, EOF is nullopt (the caller asks waitid how the child ended).
    void expect_go() const;  // child side: EOF (launcher died) -> _exit(125) by the caller
    // A pty_master before setup_done is taken into `pty_master` (ProtocolError when the
    // caller did not ask for one, or it came without its fd).
    std::optional<pid_t> expect_setup_done(int interrupt_fd,
                                           sys::UniqueFd* pty_master = nullptr) const;
    // After setup_done: nullopt = EOF (exec succeeded), else the exec errno. A stop signal on
    // `interrupt_fd` interrupts (Interrupted) until exec_imminent; after it, it ends the wait
    // unread -- nullopt, the workload counts as started -- for the supervision to handle.
    std::optional<int> expect_exec(int interrupt_fd) const;

private:
    // Waits until the socket is readable (a message or EOF: true) or, with a signalfd, a signal
    // is pending there. `stop_interrupts`: a stop signal is read and thrown as Interrupted, any
    // other read and waited past; else the wait ends with the signal unread (false). Throws
    // ETIMEDOUT after `timeout_ms` (-1: none).
    bool wait_readable(int interrupt_fd, int timeout_ms, bool stop_interrupts) const;

    sys::UniqueFd m_fd;
};

}  // namespace sandbox::exec
