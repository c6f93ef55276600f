#pragma once
// clone3 with CLONE_PIDFD (and CLONE_INTO_CGROUP on v2), and an owning handle for the child
// (crun cleanup_pid): unless release()d, the destructor SIGKILLs and reaps it, so an exception
// anywhere in the launcher never leaves a half-set-up child behind.
#include <signal.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::sys {

// How a process ended (waitid's CLD_EXITED / CLD_KILLED / CLD_DUMPED).
struct ExitStatus {
    bool signaled = false;
    int code = 0;  // exit status, or the signal number when signaled
    // The shell convention: the status itself, or 128 + signal.
    int shell_code() const { return signaled ? 128 + code : code; }
};

class ChildProcess {
public:
    ChildProcess() = default;
    ChildProcess(pid_t pid, UniqueFd pidfd) : m_pid(pid), m_pidfd(std::move(pidfd)) {}
    ChildProcess(ChildProcess&& other) noexcept
        : m_pid(std::exchange(other.m_pid, -1)), m_pidfd(std::move(other.m_pidfd)) {}
    ChildProcess& operator=(ChildProcess&& other) noexcept;
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    // SIGKILL + waitid unless released or already reaped.
    ~ChildProcess();

    pid_t pid() const { return m_pid; }
    int pidfd() const { return m_pidfd.get(); }
    bool running() const { return m_pid > 0; }

    // pidfd_send_signal; ESRCH (already gone) is success.
    Status signal(int sig) const;
    // Blocks until the process ends and reaps it.
    Result<ExitStatus> wait();
    // Non-blocking: nullopt while still running.
    Result<std::optional<ExitStatus>> try_wait();
    // Stop owning the process (the caller or a detached supervisor takes over).
    pid_t release();

private:
    // The destructor's work, also done by move-assignment before it takes the other's
    // process (not by calling the destructor: that would end m_pidfd too, and assigning to
    // it afterwards closed the same descriptor twice).
    void kill_and_reap();

    pid_t m_pid = -1;
    UniqueFd m_pidfd;
};

struct CloneOptions {
    uint64_t flags = 0;  // CLONE_NEW* ...; CLONE_PIDFD is always added
    int cgroup_fd = -1;  // >= 0: CLONE_INTO_CGROUP into this cgroup directory
    int exit_signal = SIGCHLD;
};

// clone3 like fork(): returns the child handle in the parent; in the child, runs `child_main`
// and _exit()s with its return value (never returns, never unwinds into the caller).
Result<ChildProcess> clone_process(const CloneOptions& options,
                                   const std::function<int()>& child_main);

// fork() with a pidfd (for helpers that need no namespaces).
Result<ChildProcess> fork_process(const std::function<int()>& child_main);

// pidfd_send_signal(2) / pidfd_open(2) through syscall(): Debian 12's <sys/pidfd.h> lacks
// extern "C", so its declarations do not link from C++.
int pidfd_signal(int pidfd, int sig);
int pidfd_open_raw(pid_t pid);

// pidfd_open(pid): an owning handle for a process we did not create (for `down`).
Result<UniqueFd> open_pidfd(pid_t pid);

// "CLONE_NEWPID|CLONE_NEWNS|..." for debug logs.
std::string clone_flags_to_string(uint64_t flags);

// Waits with a pidfd for the process to end, up to timeout_ms (-1 = forever). true = ended.
Result<bool> wait_pidfd_readable(int pidfd, int timeout_ms);

// The process whose death must take a sandbox process with it. `pid` is what getppid() returns
// while that parent lives (0: not visible from our pid namespace, e.g. PID 1 of a new one);
// `pidfd` (-1: none) is a pidfd of the parent, inherited across clone3, which still tells in a
// new pid namespace whether the parent has exited.
struct ParentWatch {
    pid_t pid = 0;
    int pidfd = -1;
};

// PR_SET_PDEATHSIG(SIGKILL), then checks that the parent is still alive: ESRCH when it died
// before the signal was armed (no signal would ever come). The kernel resets the parent-death
// signal on every credential change (commit_creds(): a new euid/egid/fsuid/fsgid, or
// capabilities that are not a subset of the old ones, which a setns() into a user namespace
// gives), so every such change must be followed by this call (prctl(2) PR_SET_PDEATHSIG).
Status rearm_parent_death_signal(const ParentWatch& parent);

// Notes where main()'s argv and environment strings lie, for set_process_title; call it first
// thing in main(), before anything may change them. Only when each lies back to back, as the
// kernel laid them out (then they are /proc/PID/cmdline's and environ's areas).
void remember_process_title_area(int argc, char** argv);

// Overwrites this process's argv area (what /proc/PID/cmdline and ps show) with `title`,
// truncated to the area's size, and clears the environment area (/proc/PID/environ). For a
// clone of the launcher that stays around (the sandbox's init). The areas are the ones
// remember_process_title_area noted; without them it reads their bounds from /proc/self/stat
// (proc(5), fields 48-51), which costs ~70 us in a fresh pid namespace here.
Status set_process_title(const std::string& title);

}  // namespace sandbox::sys
