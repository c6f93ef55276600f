#pragma once
// `sandbox exec NAME -- CMD`: run a command inside a running sandbox, confined exactly like its
// workload (docs/security.md, "sandbox exec"). From the sandbox's recorded plan
// (exec/exec_record.hpp), through the init's pidfd:
//
//   launcher (this process, stays in the host's pid namespace)
//     verify the init (state lock, start time before and after pidfd_open)
//     stat the init's namespaces; open the cgroup files; take the recorded groups
//     setns(pidfd, every recorded namespace but cgroup); open a pty in the sandbox's devpts
//     clone3 (v2: CLONE_INTO_CGROUP)                   ── child (in the sandbox's pid ns) ──
//                                                       v1: write "0" into each `tasks`
//                                                       verify cgroup, setns(CLONE_NEWCGROUP)
//                                                       verify every namespace (inode)
//                                                       mapped root (user namespace)
//                                                       run_workload(): the same steps as `up`
//     relay the pty, forward signals, pass the status on
//
// Anything that cannot be verified or joined refuses with 125; nothing ever falls back to the
// host's namespaces.
#include <string>
#include <vector>

namespace sandbox::exec {

enum class ExecTty { auto_detect, force, forbid };

struct EnterOptions {
    std::string name;
    std::vector<std::string> command;
    std::vector<std::string> env;  // "K=V" from -e, over the workload's environment
    ExecTty tty = ExecTty::auto_detect;
};

// Returns the exit status to pass on: the command's, 125 when the sandbox cannot be entered
// (the reason printed on stderr), 126/127 when the command cannot be executed.
int enter_sandbox(const EnterOptions& options, const std::string& state_root);

}  // namespace sandbox::exec
