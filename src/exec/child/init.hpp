#pragma once
// Step 13, init: with a new pid namespace the child stays as PID 1 (`sandbox:init`), starts the
// workload (sys::vfork_process), reaps every zombie, forwards signals to the workload, and exits
// with its status.
#include "exec/child/child_main.hpp"

namespace sandbox::exec::child {

// Forks the workload and supervises it; returns the exit status for _exit (the workload's own,
// or 128+N when it died of signal N).
int run_init(const ChildContext& ctx);

}  // namespace sandbox::exec::child
