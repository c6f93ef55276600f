// The pty, sandbox side. After pivot_root (so /dev/ptmx is the sandbox's own devpts instance,
// not the host's) and before init starts the workload (which makes the slave its controlling
// terminal). A pty from the host's devpts, as before, is not visible in the sandbox's
// /dev/pts, so ttyname() failed and `tty` printed "not a tty" (gpg, script, sudo care). This
// is what OCI runtimes do with a console socket: the container side opens the pty and passes
// the master out over a unix socket (runc libcontainer/console_linux.go, crun
// terminal.c); the launcher relays the master as before.
#include "exec/child/terminal.hpp"

#include "sys/pty.hpp"

namespace sandbox::exec::child {

int open_sandbox_pty(const SyncChannel& sync) {
    sys::PtyPair pty = sys::or_throw(sys::open_pty());
    sync.send_fd(SyncMsg::pty_master(), pty.master.get());
    return pty.slave.release();  // our copy of the master closes here: only the launcher's
}

}  // namespace sandbox::exec::child
