#pragma once
// Steps 14-18, in the workload process (docs/architecture.md §2): process (rlimits, umask,
// environment, cwd), credentials, capabilities, seccomp, exec. Never returns: execve, or _exit
// after reporting. Used by `sandbox up` (after pivot_root, in the workload process) and by `sandbox
// exec` (in the process it forked inside the sandbox's namespaces and cgroup), with a ChildContext
// built from the plan the state entries recorded (exec/exec_record.hpp): both run exactly these
// steps.
#include "exec/child/child_main.hpp"

namespace sandbox::exec::child {

[[noreturn]] void run_workload(const ChildContext& ctx);

// The uid/gid/groups a `user`/`group` setting names, looked up in the (new) root's
// /etc/passwd and /etc/group (no NSS: it could load libraries from the sandbox).
struct Credentials {
    uint32_t uid = 0;
    uint32_t gid = 0;
    std::vector<uint32_t> groups;
    bool set_groups = false;
};
Credentials resolve_credentials(const plan::ProcessPlan& process, const std::string& passwd,
                                const std::string& group);

}  // namespace sandbox::exec::child
