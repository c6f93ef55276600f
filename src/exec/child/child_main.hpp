#pragma once
// The sandbox side (docs/architecture.md §2 steps 9-13, then 14-18 in the workload). child_main
// runs in the process clone3 made; it shares nothing with the launcher but a copy of its memory, so
// it reads the plan directly (no serialisation) and reports back only through the sync socket.
#include <sys/types.h>

#include <string>
#include <vector>

#include "exec/sync.hpp"
#include "plan/plan.hpp"
#include "sys/fd.hpp"
#include "sys/process.hpp"
#include "sys/seccomp.hpp"

namespace sandbox::exec::child {

struct JoinNamespace {
    int fd = -1;   // owned by the launcher; the child's copy is used once
    int type = 0;  // CLONE_NEW*
    std::string what;
};

struct ChildContext {
    const plan::Plan* plan = nullptr;
    SyncChannel* sync = nullptr;  // the child's end
    pid_t launcher_pid = 0;
    // Whose death kills this process (PR_SET_PDEATHSIG, re-armed after every credential
    // change): the launcher; for the workload under a pid-1 init, the init.
    sys::ParentWatch parent;
    bool new_pid_namespace = false;
    bool joins_pid_namespace = false;             // created in another sandbox's pid namespace
    std::string rootfs_dir;                       // prepared rootfs (archive: the unpacked tree)
    std::vector<std::string> cgroup_self_attach;  // v1: "0" into each before anything runs
    bool unshare_cgroup_namespace = false;        // v1: CLONE_NEWCGROUP after joining the cgroup
    std::vector<JoinNamespace> joins;             // user first
    std::vector<int> launcher_only_fds;           // closed first thing in the child
    int pty_slave = -1;                           // >= 0: the workload's controlling terminal
    std::vector<std::string> env;                 // the workload's environment, resolved
    // The filter to install (prepare_seccomp's, or for `sandbox exec` the copy `up` stored in
    // the state entries); nullptr or empty: compiled from plan->seccomp when that is enabled.
    const sys::SeccompProgram* seccomp_program = nullptr;
    // A detached clone of rootfs_dir made by the launcher (open_tree), or -1.
    int rootfs_tree_fd = -1;
    // The pid-1 init's report of the workload's end to the launcher (a pipe's write end), or
    // -1: the init writes the status it is about to exit with, so the launcher can clean up
    // while the kernel still tears the init's namespaces down (exec/child/init.cpp).
    int init_status_fd = -1;
};

// Runs steps 9-13 (and, without a pid-1 init, 14-18). Returns only on failure, with the exit
// status for _exit (the error has been sent to the launcher).
// Takes its own copy of the context: it fills in pty_slave after pivot_root (plan.process.pty).
int child_main(ChildContext ctx) noexcept;

// Runs one child step: fault injection, then `fn`; a SysError becomes SetupError{step}.
template <typename Fn>
void run_child_step(plan::StepId step, Fn&& fn);

// Sends the error to the launcher (step_failed) and returns 125. Used by every child-side
// catch, in child_main and in the workload.
int report_child_failure(const SyncChannel& sync, const std::exception_ptr& error) noexcept;

}  // namespace sandbox::exec::child

#include "exec/fault.hpp"
#include "exec/setup_error.hpp"

template <typename Fn>
void sandbox::exec::child::run_child_step(plan::StepId step, Fn&& fn) {
    try {
        maybe_inject_fault(step);
        fn();
    } catch (const sys::SysError& e) {
        throw SetupError(step, e);
    }
}
