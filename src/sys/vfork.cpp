#include "sys/vfork.hpp"

#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>

namespace sandbox::sys {

namespace {

// Room for the workload's steps (C++ with exceptions and formatted errors) with plenty to
// spare; only the pages it touches are ever allocated (MAP_NORESERVE).
constexpr size_t k_stack_size = size_t{1} << 20;

struct Start {
    int (*child_main)(void*);
    void* arg;
};

int trampoline(void* start) {
    const Start& s = *static_cast<const Start*>(start);
    _exit(s.child_main(s.arg));
}

}  // namespace

Result<pid_t> vfork_process(int (*child_main)(void*), void* arg) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    void* map = mmap(nullptr, k_stack_size + page, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
    if (map == MAP_FAILED) {
        return fail("mmap", "child stack");
    }
    // A guard page below the stack: an overflow faults instead of writing over a neighbour.
    if (mprotect(map, page, PROT_NONE) != 0) {
        int err = errno;
        munmap(map, k_stack_size + page);
        return fail_with(err, "mprotect", "child stack guard");
    }
    Start start{child_main, arg};
    char* top = static_cast<char*>(map) + page + k_stack_size;
    pid_t pid = clone(trampoline, top, CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
    int err = errno;
    munmap(map, k_stack_size + page);  // the child has execve()d or exited: no longer in use
    if (pid < 0) {
        return fail_with(err, "clone", "CLONE_VM|CLONE_VFORK");
    }
    return pid;
}

}  // namespace sandbox::sys
