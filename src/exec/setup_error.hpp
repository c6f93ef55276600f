#pragma once
// A pipeline step failed: the step plus the system error (op, path, errno) that stopped it.
// Thrown by run_step (host) or rebuilt from the child's step_failed message (sync.cpp), and
// printed once, by the launcher: "sandbox: setup failed at mounts: bind /data → /work: ..."
#include <signal.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "exec/rollback.hpp"
#include "plan/step_id.hpp"
#include "sys/error.hpp"

namespace sandbox::exec {

class SetupError : public std::runtime_error {
public:
    SetupError(plan::StepId step, sys::SysError error)
        : std::runtime_error("setup failed at " + std::string(plan::to_string(step)) + ": " +
                             error.describe()),
          m_step(step),
          m_error(std::move(error)) {}

    plan::StepId step() const { return m_step; }
    const sys::SysError& error() const { return m_error; }
    // A remedy where the step and errno are known to mean something; empty otherwise.
    std::string hint() const;

private:
    plan::StepId m_step;
    sys::SysError m_error;
};

// The sync protocol was violated ("expected setup_done, got go").
class ProtocolError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The signals that stop a sandbox: during setup the launcher unwinds and exits 128 + N; during
// the run it forwards N to the sandbox, then SIGKILLs the cgroup after stop_grace (supervise).
// SIGQUIT belongs here: like the others it asks the program to end (with a core dump), and a
// launcher that merely forwarded it would wait forever on a workload that ignores it.
inline bool is_stop_signal(int sig) {
    return sig == SIGHUP || sig == SIGINT || sig == SIGQUIT || sig == SIGTERM;
}

// A stop signal (is_stop_signal) reached the launcher during setup.
class Interrupted : public std::runtime_error {
public:
    explicit Interrupted(int sig)
        : std::runtime_error("interrupted by signal " + std::to_string(sig)), m_signal(sig) {}
    int signal() const { return m_signal; }

private:
    int m_signal;
};

}  // namespace sandbox::exec
