#pragma once
// Runs a function in a forked child and returns its exit status (youki test_in_child_process):
// code that changes process state (unshare, mount, setns) cannot leak into the test runner.
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

namespace sandbox::test {

// The child's exit status, or 128 + signal.
inline int run_in_child(const std::function<int()>& fn) {
    pid_t pid = fork();
    if (pid == 0) {
        int rc = 1;
        try {
            rc = fn();
        } catch (...) {
            rc = 99;
        }
        _exit(rc);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace sandbox::test
