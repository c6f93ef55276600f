#pragma once
// The workload's pty (plan.process.pty), opened by the child after pivot_root and before init.
#include "exec/sync.hpp"

namespace sandbox::exec::child {

// Opens a pty in the sandbox's own devpts (/dev/ptmx -> pts/ptmx, mounted newinstance by the
// mounts step), sends the master to the launcher over `sync` (pty_master + SCM_RIGHTS) and
// returns the slave fd (O_CLOEXEC) for the workload's stdio. Throws SysError.
int open_sandbox_pty(const SyncChannel& sync);

}  // namespace sandbox::exec::child
