// Step 13, init. Last sandbox-side step: everything before it shapes the namespaces the
// workload inherits. As PID 1 of the new pid namespace we must reap re-parented orphans, and the
// kernel only delivers signals to PID 1 that it handles or blocks (pid_namespaces(7)); the
// launcher blocked SIGINT/TERM/HUP/QUIT/USR1/USR2/WINCH/CHLD before clone3, so they queue here
// and sigwaitinfo() picks them up. When PID 1 exits the kernel kills the rest of the namespace.
//
// The init is a clone of the launcher: it would otherwise keep the launcher's argv and
// environment (/proc/1/cmdline, /proc/1/environ) and every fd the launcher had open at clone3
// (the launcher's pidfd, its terminal on 0-2). Once the workload is started, it keeps nothing
// but its signal mask and, on fd 3, the write end of a pipe to the launcher for its one report
// (report_end): a workload that can ptrace it finds nothing of the host there, and a report
// written into that pipe by anyone else makes the launcher SIGKILL the init, ending the sandbox
// (exec/supervise.cpp) -- what the workload could do by exiting.
#include "exec/child/init.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/child/workload.hpp"
#include "sys/vfork.hpp"

namespace sandbox::exec::child {

namespace {

// The fd the init keeps for its report to the launcher (ChildContext::init_status_fd).
constexpr int k_status_fd = 3;

// 0-2 onto /dev/null (nothing to print; an fd number left free would be reused by whatever
// opens next), the status pipe (if any) onto 3, everything above closed.
void drop_inherited_fds(int status_fd) {
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int fd = 0; fd < 3; ++fd) {
        if (null_fd >= 0) {
            dup2(null_fd, fd);
        } else {
            close(fd);
        }
    }
    if (status_fd >= 0 && status_fd != k_status_fd) {
        dup2(status_fd, k_status_fd);
    }
    close_range(status_fd >= 0 ? k_status_fd + 1 : k_status_fd, ~0U, 0);
}

// The workload ended with `code` (the init's own exit status to be): end every other process
// of the sandbox (what the kernel does when PID 1 exits, only sooner: a SIGKILLed task never
// runs its own code again), then tell the launcher, before exit(2) tears down what the init
// holds -- the sandbox's namespaces and a copy of the launcher's address space -- time the
// launcher can spend on its own cleanup (exec/launcher.cpp reaped_last). EPIPE (the launcher
// is gone) changes nothing.
int report_end(int code, bool has_status_fd) {
    (void)kill(-1, SIGKILL);  // as PID 1: every process of this pid namespace but us
    if (has_status_fd) {
        int32_t value = code;
        (void)!::write(k_status_fd, &value, sizeof value);
    }
    return code;
}

// The workload: started by sys::vfork_process, so it runs in the init's memory, with the init
// stopped, until it execve()s (or exits on a failure it has reported).
int workload_main(void* arg) {
    ChildContext& ctx = *static_cast<ChildContext*>(arg);
    prctl(PR_SET_NAME, "sandbox:workload", 0, 0, 0);
    if (ctx.init_status_fd >= 0) {
        close(ctx.init_status_fd);  // the init's alone: the workload never writes it
        ctx.init_status_fd = -1;
    }
    // The sandbox is set up; the launcher hears it from here, not from the init, which stays
    // stopped until the exec: setup_done still comes first, then EOF (execve succeeded),
    // exec_failed or a later step's step_failed (exec/sync.hpp). The pid is the one the init
    // knows the workload by: both are in the sandbox's pid namespace.
    ctx.sync->try_send(SyncMsg::setup_done(getpid()));
    run_workload(ctx);  // never returns
}

}  // namespace

int run_init(const ChildContext& ctx) {
    pid_t workload = -1;
    // The workload's parent is this init (PID 1 of the namespace), not the launcher: its
    // PDEATHSIG check after setresuid() looks for us.
    ChildContext workload_ctx = ctx;
    workload_ctx.parent = sys::ParentWatch{1, -1};
    // Until the launcher's descriptors, argv and environment are gone below, nobody may read
    // them through /proc/1: not dumpable, so only CAP_SYS_PTRACE could. The workload starts in
    // this memory and runs as a program of its own before this process runs again. The old
    // setting comes back afterwards: it is also what `sandbox exec` needs to reach us without
    // root, and the workload's credential change (setresuid in its steps, run in this memory)
    // would otherwise have cleared it for good.
    const int dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
    (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    // Named before the workload exists: once it runs, nothing orders this process's next step
    // before the workload's first look at /proc/1 (`ps` must see sandbox:init, never
    // sandbox:setup or the launcher's command line). The workload names itself, as a task of
    // its own, and reads nothing from `environ` (exec/fault.cpp keeps copies).
    prctl(PR_SET_NAME, "sandbox:init", 0, 0, 0);
    (void)sys::set_process_title("sandbox-init");  // cosmetic: a failure changes nothing else
    run_child_step(plan::StepId::init, [&] {
        // Not fork(): the workload only runs its own steps and execs, and a copy of this
        // address space (page tables, copy-on-write faults on both sides, the code faulted in
        // again, the copy torn down at exec) cost ~0.2 ms of every start (sys/vfork.hpp).
        workload = sys::or_throw(sys::vfork_process(workload_main, &workload_ctx));
    });
    maybe_delay_at("workload-started");  // tests: the workload runs; this process waits here
    // The workload has the pty slave; a copy held here would keep the launcher's master from
    // seeing the hang-up when the workload is done.
    if (ctx.pty_slave >= 0) {
        close(ctx.pty_slave);
    }
    // Our copy of the socket must go, or the launcher never sees the EOF that means
    // "execve succeeded". While we are not dumpable: a workload allowed to ptrace us never
    // finds it. A rootless `sandbox exec` right after that EOF waits out the moment until we
    // are dumpable again (exec/enter.cpp open_init_ns).
    ctx.sync->close();
    bool has_status_fd = ctx.init_status_fd >= 0;
    drop_inherited_fds(ctx.init_status_fd);
    if (dumpable > 0) {
        (void)prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
    }

    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH}) {
        sigaddset(&set, s);
    }
    sigprocmask(SIG_BLOCK, &set, nullptr);
    for (;;) {
        // Reap everything that is ready first: a SIGCHLD may have been merged with another.
        for (;;) {
            int status = 0;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid <= 0) {
                break;
            }
            if (pid == workload) {
                return report_end(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                                  has_status_fd);
            }
        }
        siginfo_t info{};
        int sig = sigwaitinfo(&set, &info);
        if (sig < 0 || sig == SIGCHLD) {
            continue;
        }
        kill(workload, sig);
    }
}

}  // namespace sandbox::exec::child
