#pragma once
// What `sandbox exec` needs to confine a command exactly like the sandbox's workload, recorded
// by `sandbox up` among the sandbox's state entries (docs/security.md, "sandbox exec"):
//
//   <name>@exec.json    the namespaces the sandbox created or joined, its cgroup, and the
//                       process/security parts of the plan (rlimits, umask, env, cwd,
//                       user/group, capabilities, Landlock, no_new_privs, seccomp on/off)
//   <name>@seccomp.bpf  a copy of the exact BPF program the workload installed
//
// Both are root's (the launcher's) files, mode 0600, in the launcher's 0711 state root, and are
// read back only after checking owner and mode (O_NOFOLLOW): nothing a workload or another user
// can write decides what exec does. The copy of the filter means a later change of the BPF
// cache (a libseccomp upgrade, a new preset) cannot change what an exec into a running sandbox
// gets. Serialisation is JSON (nlohmann-json), kept here and nowhere else.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "plan/plan.hpp"
#include "sys/error.hpp"
#include "sys/seccomp.hpp"

namespace sandbox::sys {
class Cgroup;
}

namespace sandbox::exec {

struct ExecRecord {
    static constexpr int k_version = 1;
    // /proc/PID/ns names ("user", "pid", "mnt", ...) of every namespace the sandbox created or
    // joined: exec enters exactly these, from the init's pidfd.
    std::vector<std::string> namespaces;
    // The sandbox's cgroup (empty when it has none): v1 the `tasks` files of each hierarchy
    // the child joined; v2 the leaf directory (clone3 CLONE_INTO_CGROUP). `cgroup_path` is the
    // path relative to the hierarchy roots ("sandbox/<name>"), used to verify membership.
    std::string cgroup_version;  // "", "v1" or "v2"
    std::string cgroup_path;
    std::vector<std::string> cgroup_attach_files;
    std::string cgroup_leaf;
    // A new user namespace: the child becomes its mapped root before the workload steps (the
    // identity step of `up`); deny_setgroups as in IdMapPlan.
    bool user_namespace = false;
    bool deny_setgroups = true;
    // The supplementary groups the `up` launcher had (its workload inherits them when the
    // profile sets no user/group): exec takes the same before it enters.
    std::vector<uint32_t> launcher_groups;
    // The workload's process/security plan. process.args is not used (exec runs its own
    // command); process.env is unused too: `env` is the resolved environment the workload got.
    plan::ProcessPlan process;
    std::vector<std::string> env;
    plan::CapsPlan capabilities;
    plan::SecurityPlan security;
    bool seccomp = false;  // true: seccomp.bpf holds the program
    std::string seccomp_cache_key;
};

// The record for a plan about to be spawned: `env` the resolved workload environment, `cgroup`
// the created group (nullptr when none).
ExecRecord make_exec_record(const plan::Plan& plan, const std::vector<std::string>& env,
                            const sys::Cgroup* cgroup);

std::string to_json(const ExecRecord& record);
sys::Result<ExecRecord> parse_exec_record(const std::string& json_text);

// <root>/<name>@exec.json and <root>/<name>@seccomp.bpf
std::string exec_record_file(const plan::StateLocation& where);
std::string exec_seccomp_file(const plan::StateLocation& where);

// Writes exec.json (0600, atomically) and, when record.seccomp, seccomp.bpf (0600).
sys::Status save_exec_record(const plan::StateLocation& where, const ExecRecord& record,
                             const sys::SeccompProgram& program);
// Reads exec.json: O_NOFOLLOW, must be a regular file owned by the effective uid and not
// writable by group or others (EPERM otherwise).
sys::Result<ExecRecord> load_exec_record(const plan::StateLocation& where);

// The plan run_workload gets for `sandbox exec`: the recorded process/security parts, `args`
// as the command, no inherited fds, always a new session, seccomp as recorded.
plan::Plan plan_for_exec(const ExecRecord& record, const std::vector<std::string>& args);

}  // namespace sandbox::exec
