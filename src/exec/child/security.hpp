#pragma once
// Workload steps 16-17 (DESIGN §2): capabilities, then no_new_privs and seccomp, last before
// execve so setup syscalls are not filtered. Called in the workload process only.
#include "plan/plan.hpp"

namespace sandbox::exec::child {

// Bounding set dropped to the keep list; permitted/effective/inheritable; ambient.
void apply_capabilities(const plan::CapsPlan& caps);
// PR_SET_NO_NEW_PRIVS (when asked), then the seccomp filter (cached BPF when available).
void apply_seccomp(const plan::CapsPlan& caps, const plan::SeccompPlan& seccomp);

}  // namespace sandbox::exec::child
