// Step 13, init. Last sandbox-side step: everything before it shapes the namespaces the
// workload inherits. As PID 1 of the new pid namespace we must reap re-parented orphans, and the
// kernel only delivers signals to PID 1 that it handles or blocks (pid_namespaces(7)); the
// launcher blocked SIGINT/TERM/HUP/QUIT/USR1/USR2/WINCH/CHLD before clone3, so they queue here
// and sigwaitinfo() picks them up. When PID 1 exits the kernel kills the rest of the namespace.
#include "exec/child/init.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec/child/workload.hpp"

namespace sandbox::exec::child {

int run_init(const ChildContext& ctx) {
    pid_t workload = -1;
    run_child_step(plan::StepId::init, [&] {
        workload = fork();
        if (workload < 0) {
            throw sys::SysError(errno, "fork", "workload");
        }
    });
    if (workload == 0) {
        prctl(PR_SET_NAME, "sandbox:workload", 0, 0, 0);
        run_workload(ctx);  // never returns
    }
    prctl(PR_SET_NAME, "sandbox:init", 0, 0, 0);
    // The workload has the pty slave; a copy held here would keep the launcher's master from
    // seeing the hang-up when the workload is done.
    if (ctx.pty_slave >= 0) {
        close(ctx.pty_slave);
    }
    SyncMsg done = SyncMsg::setup_done(workload);
    ctx.sync->try_send(done);
    // Our copy of the socket must go, or the launcher never sees the EOF that means
    // "execve succeeded".
    ctx.sync->close();

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
                if (WIFEXITED(status)) {
                    return WEXITSTATUS(status);
                }
                return 128 + WTERMSIG(status);
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
