#pragma once
// After setup (docs/architecture.md §2 "After exit"): wait for the sandbox's first process with a
// pidfd and the launcher's signals with a signalfd (one poll, no handlers), forward signals,
// enforce the timeout (stop_signal, stop_grace, then SIGKILL of the whole cgroup), relay the pty.
#include <optional>

#include "plan/plan.hpp"
#include "sys/cgroup.hpp"
#include "sys/process.hpp"
#include "sys/pty.hpp"

namespace sandbox::exec {

struct SuperviseResult {
    sys::ExitStatus status;
    // The status came from the init's report (init_status_fd), not from its end: the child is
    // still to be reaped, and the kernel may still be tearing its namespaces down.
    bool reported_by_init = false;
    bool timed_out = false;
    bool killed = false;    // SIGKILL on everything: the grace period ran out (or a 2nd signal)
    int terminated_by = 0;  // a stop signal (is_stop_signal) the launcher received and forwarded
};

// `child` is the sandbox's first process (init, or the workload itself); `init_status_fd` the
// read end of the init's report pipe, or -1 (exec/child/init.cpp). Throws SysError.
SuperviseResult supervise(sys::ChildProcess& child, const plan::ProcessPlan& process, int signal_fd,
                          int init_status_fd, sys::Cgroup* cgroup, sys::PtyPair* pty);

}  // namespace sandbox::exec
