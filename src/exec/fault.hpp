#pragma once
// Test-only fault injection: built with SANDBOX_FAULT_INJECTION and run with
// SANDBOX_FAIL_AT=<step name>, the named step throws SysError(EIO, "injected fault") before it
// does anything, so tests can prove that a failure at every step leaves nothing behind.
// SANDBOX_DELAY_AT=<step>[:<ms>] sleeps there first (2000 ms by default) and says so on stderr,
// so tests can signal the launcher while that step is in progress. `cleanup` is the first undo
// of the rollback (exec/rollback.cpp): it fails, and the unwind must go on past it.
#include <string_view>

#include "plan/step_id.hpp"

namespace sandbox::exec {

// Throws sys::SysError(EIO, "injected fault") when `step` is the one SANDBOX_FAIL_AT names;
// sleeps first when SANDBOX_DELAY_AT names it.
void maybe_inject_fault(plan::StepId step);

// Sleeps when SANDBOX_DELAY_AT names `point`: a step's name, or a point between steps that a
// test needs held open ("workload-started": the init, once the workload has exec'd,
// exec/child/init.cpp).
void maybe_delay_at(std::string_view point);

}  // namespace sandbox::exec
