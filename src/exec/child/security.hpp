#pragma once
// Workload steps 16-17 (docs/architecture.md §2): capabilities, then no_new_privs and seccomp, last
// before execve so setup syscalls are not filtered. Called in the workload process only, except
// prepare_seccomp (launcher).
//
// The executor's exact order:
//
//   launcher, before spawn:   prepare_seccomp(plan.seccomp)          // cache lookup / compile
//                             (`sandbox exec`: the copy in the state entries instead)
//   workload (credentials):   prepare_for_uid_change(plan.capabilities)
//                             setgroups, setresgid, setresuid
//   workload (capabilities):  apply_capabilities(plan.capabilities)
//                             apply_landlock(plan.capabilities, plan.security)
//   workload (seccomp):       apply_seccomp(plan.capabilities, plan.seccomp)
//   workload (exec):          close_range, execve
//
// Why this order:
//   * the BPF cache is a host directory (<cache_root>/seccomp) that the workload cannot see
//     after pivot_root, and must not look for there (a path inside the sandbox's rootfs is the
//     sandbox owner's to plant a filter in); the launcher prepares the program and hands it to
//     the child through ChildContext::seccomp_program (clone/fork copy the address space).
//     `sandbox exec` hands over the copy `up` stored in the state entries, so a command entering
//     the sandbox gets exactly the workload's filter. Without a prepared program,
//     apply_seccomp compiles the filter in the workload (slower, same result).
//   * setresuid() away from uid 0 clears the permitted set unless PR_SET_KEEPCAPS is on
//     (capabilities(7)), so prepare_for_uid_change must come before it; apply_capabilities
//     turns keep-caps off again.
//   * capabilities before seccomp: capset/prctl are not in every filter's allow list.
//   * seccomp last: everything after it (close_range, execve) must be allowed by the filter;
//     both are in the default and strict presets.
#include <string>

#include "plan/plan.hpp"
#include "sys/seccomp.hpp"

namespace sandbox::exec::child {

struct PreparedSeccomp {
    std::string cache_key;  // plan.cache_key it was built for
    sys::SeccompProgram program;
    bool from_cache = false;
    std::string cache_file;  // empty when caching is off
};

// Launcher side, before spawn: loads <cache_dir>/<cache_key>-<sys::seccomp_cache_tag()>.bpf when it
// is present and trusted, else compiles the filter and writes the cache (a cache write failure
// only warns). The caller passes result.program to apply_seccomp (through the ChildContext).
// Throws sys::SysError when the filter cannot be compiled. Empty program when seccomp is off.
// `memo_program`: the program `up` loaded with the plan memo, for a plan whose rules are
// elided (exec/seccomp_memo.hpp); such a plan has no other way to a program.
PreparedSeccomp prepare_seccomp(const plan::SeccompPlan& seccomp,
                                const sys::SeccompProgram& memo_program = {});

// Before setresuid() in the workload: PR_SET_KEEPCAPS, so after a change to a non-root uid the
// permitted set survives for apply_capabilities (which needs CAP_SETPCAP to drop the bounding
// set even when nothing is kept, and the kept capabilities themselves).
void prepare_for_uid_change(const plan::CapsPlan& caps);

// After setresuid(): joins a fresh session keyring (keyctl(KEYCTL_JOIN_SESSION_KEYRING), so
// the workload cannot reach the launcher's keys), drops the bounding set to the keep list,
// sets permitted = effective = inheritable = keep, the ambient set, and turns keep-caps off.
// For a non-root workload only the ambient capabilities survive execve (capabilities(7)).
void apply_capabilities(const plan::CapsPlan& caps);

// [security.landlock]: PR_SET_NO_NEW_PRIVS (when asked; Landlock needs it or CAP_SYS_ADMIN),
// then a Landlock ruleset leaving only landlock.read (read/execute) and landlock.read_write
// (everything) reachable. Paths are inside the sandbox (after pivot_root). Where the kernel
// has no Landlock it fails (EOPNOTSUPP): the planner has already refused such a profile or,
// with best_effort, left Landlock out of the plan (docs/security.md). Before seccomp: the
// strict preset does not allow the landlock syscalls.
void apply_landlock(const plan::CapsPlan& caps, const plan::SecurityPlan& security);

// PR_SET_NO_NEW_PRIVS (when asked), then the seccomp filter: `prepared` (prepare_seccomp's, or
// the state entries' copy for `sandbox exec`) when it is non-null and not empty, else compiled
// now from the plan (only when the plan enables seccomp). A filter without
// no_new_privs needs CAP_SYS_ADMIN in the keep list (seccomp(2)); otherwise this fails with
// EACCES and says so.
void apply_seccomp(const plan::CapsPlan& caps, const plan::SeccompPlan& seccomp,
                   const sys::SeccompProgram* prepared);

// plan -> sys: the filter description exec/ hands to sys::compile_seccomp.
sys::SeccompFilterSpec to_filter_spec(const plan::SeccompPlan& seccomp);

}  // namespace sandbox::exec::child
