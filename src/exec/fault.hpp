#pragma once
// Test-only fault injection: built with SANDBOX_FAULT_INJECTION and run with
// SANDBOX_FAIL_AT=<step name>, the named step throws SysError(EIO, "injected fault") before it
// does anything, so tests can prove that a failure at every step leaves nothing behind.
#include "plan/step_id.hpp"

namespace sandbox::exec {

// Throws sys::SysError(EIO, "injected fault") when `step` is the one SANDBOX_FAIL_AT names;
// sleeps 2 s first when SANDBOX_DELAY_AT names it.
void maybe_inject_fault(plan::StepId step);

}  // namespace sandbox::exec
