#pragma once
// The host driver (docs/architecture.md §2 steps 2-8, then supervise and cleanup): the fixed step
// list, the Rollback that owns everything host-side, the one place a setup error is printed.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exec/child/child_main.hpp"
#include "exec/child/security.hpp"
#include "exec/fault.hpp"
#include "exec/host/id_ranges.hpp"
#include "exec/host/rootfs.hpp"
#include "exec/report.hpp"
#include "exec/rollback.hpp"
#include "exec/setup_error.hpp"
#include "exec/state.hpp"
#include "exec/sync.hpp"
#include "plan/plan.hpp"
#include "sys/cgroup.hpp"
#include "sys/process.hpp"
#include "sys/pty.hpp"
#include "sys/signals.hpp"

namespace sandbox::exec {

struct LaunchOptions {
    std::optional<std::string> report_path;
    std::string profile_path;
    double validate_ms = 0;  // step 1 ran in the CLI; its time goes into the report
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
    // -d: the launcher runs as a daemon; after exec succeeded (or setup failed) it writes one
    // line to this fd ("ok" or the error text) for the foreground `sandbox up` to print.
    int detach_notify_fd = -1;
    // The filter program `up` loaded with the seccomp plan memo (exec/seccomp_memo.hpp), for a
    // plan whose rules it elided: the seccomp step takes it instead of reading the cache again.
    sys::SeccompProgram seccomp_program;
};

// Everything the host steps share. Members are declared in the order they are created, so
// they are destroyed in reverse (the child is killed before its fds close).
struct HostContext {
    HostContext(const plan::Plan& p, const plan::HostFacts& f, Rollback& r, Report& rep)
        : plan(p), facts(f), rollback(r), report(rep) {}
    const plan::Plan& plan;
    const plan::HostFacts& facts;
    Rollback& rollback;
    Report& report;
    int signal_fd = -1;
    int stop_signal_fd = -1;  // the stop signals only (exec/setup_error.hpp is_stop_signal)
    int notify_fd = -1;       // -d: the pipe to the foreground `sandbox up` (closed once exec'd)
    StateFiles state;
    SandboxState record;
    host::PreparedRootfs rootfs;
    std::unique_ptr<sys::Cgroup> cgroup;
    SyncChannel sync;           // launcher end
    sys::UniqueFd init_status;  // read end of ChildContext::init_status_fd, when there is an init
    std::optional<sys::PtyPair> pty;
    std::vector<std::string> workload_env;
    child::PreparedSeccomp seccomp;  // the filter the workload installs (and exec's copy)
    sys::ChildProcess child;
    pid_t workload_pid = 0;  // as the sandbox sees it
    // uid_map = "auto": the range's lease, held until the sandbox is gone.
    host::IdRangeLease id_lease;
};

// Runs one host step: fault injection, timing (debug log + report), SysError -> SetupError.
template <typename Fn>
auto run_step(HostContext& ctx, plan::StepId step, Fn&& fn) -> decltype(fn());

// The whole of `sandbox up` after validate: returns the exit status (docs/architecture.md §4) and
// has printed any setup error (once).
int launch(const plan::Plan& plan, const plan::HostFacts& facts, const LaunchOptions& options);

// Builds the workload environment: plan.env, then inherit_env values from this process.
std::vector<std::string> resolve_environment(const plan::ProcessPlan& process);

}  // namespace sandbox::exec

#include <spdlog/spdlog.h>

template <typename Fn>
auto sandbox::exec::run_step(HostContext& ctx, plan::StepId step, Fn&& fn) -> decltype(fn()) {
    auto t0 = std::chrono::steady_clock::now();
    auto record = [&] {
        double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0)
                        .count();
        ctx.report.step_ms.emplace_back(std::string(plan::to_string(step)), ms);
        spdlog::debug("step {}: {:.3f} ms", plan::to_string(step), ms);
    };
    // A stop signal that arrived during an earlier host step ends setup here, before this step
    // creates anything (the launcher only reads its signalfd while it waits for the child).
    if (auto sig = sys::take_pending({SIGHUP, SIGINT, SIGQUIT, SIGTERM})) {
        throw Interrupted(*sig);
    }
    try {
        maybe_inject_fault(step);
        if constexpr (std::is_void_v<decltype(fn())>) {
            fn();
            record();
        } else {
            auto result = fn();
            record();
            return result;
        }
    } catch (const sys::SysError& e) {
        record();
        throw SetupError(step, e);
    }
}
