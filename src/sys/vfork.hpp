#pragma once
// clone(CLONE_VM | CLONE_VFORK) on a stack of its own: posix_spawn's way of starting a process
// that is about to execve(). The child runs in the caller's memory while the caller is
// suspended, until the child execve()s or exits. Nothing of fork's work is done for it: no page
// tables copied, no copy-on-write fault in either process afterwards, no code faulted in again
// through fresh page tables, and at execve the old address space is the caller's, dropped by
// reference instead of torn down -- ~0.2 ms of a sandbox's start-up on the development VM
// (docs/performance.md, session 7).
//
// What the child may do: anything that changes only per-task state (credentials, capabilities,
// no_new_privs, seccomp, the signal dispositions and mask, its fd table, cwd, umask, session)
// and ordinary C++ in the shared heap -- the caller is stopped, so nothing races it. What it
// must not do: return into the caller's stack (it has its own), leave through exit() (atexit
// handlers and stdio would run on the caller's objects), or raise()/abort() (glibc signals the
// thread it thinks it is, the caller). It ends in execve() or _exit(). A change the kernel makes
// to the shared mm (a credential change clears "dumpable") stays with the caller's mm.
#include <sys/types.h>

#include "sys/error.hpp"

namespace sandbox::sys {

// Starts `child_main(arg)` as described above; returns once it has execve()d or exited, with its
// pid (the caller reaps it). If child_main returns, the child _exit()s with its value.
Result<pid_t> vfork_process(int (*child_main)(void*), void* arg);

}  // namespace sandbox::sys
