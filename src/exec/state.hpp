#pragma once
// Pipeline step 2, state (docs/architecture.md §2): <state_root>/<name>/ holds state.json (who
// runs, its namespaces and cgroups, the rollback entries). First host step, so every later creation
// can be recorded in it; its own removal is the first rollback entry, so it is undone last. The
// directory itself is flock()ed by the launcher for its whole life: a second `up` of the same name
// sees the lock (EBUSY); a directory whose lock nobody holds is stale (the launcher was SIGKILLed)
// and is cleaned by replaying its rollback entries — but only when the invoker owns the state root,
// the directory and state.json and nobody else may write them (docs/security.md, "Trust model"): a
// forged entry would run with the invoker's rights.
#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exec/rollback.hpp"
#include "plan/plan.hpp"
#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::exec {

struct SandboxState {
    std::string name;
    pid_t launcher_pid = 0;
    pid_t child_pid = 0;           // host pid of the sandbox's first process (init)
    std::string child_start_time;  // /proc/PID/stat field 22 (pid reuse check)
    long long created_unix = 0;
    bool detached = false;
    std::string profile;
    std::vector<std::string> command;
    std::vector<std::string> env;                   // the workload's environment (for exec)
    std::map<std::string, std::string> namespaces;  // "net" -> "/proc/PID/ns/net" (created ones)
    std::vector<std::string> cgroup_dirs;
    std::vector<UndoEntry> rollback;
};

std::string to_json(const SandboxState& state);
sys::Result<SandboxState> parse_state(const std::string& json_text);

class StateDir {
public:
    StateDir() = default;
    // Creates and locks <root>/<name>; cleans a stale one first. Pushes its removal on the
    // rollback. Throws SysError (EBUSY when a live sandbox has the name).
    static StateDir create(const plan::StatePlan& plan, const std::string& state_root,
                           Rollback& rollback);

    const std::string& dir() const { return m_dir; }
    int lock_fd() const { return m_lock.get(); }
    // Writes state.json atomically.
    sys::Status save(const SandboxState& state) const;

private:
    std::string m_dir;
    sys::UniqueFd m_lock;
};

// What to do when there is no state root (rootless without $XDG_RUNTIME_DIR).
inline constexpr const char* k_no_state_root_hint =
    "rootless sandbox keeps its state in $XDG_RUNTIME_DIR/sandbox, and XDG_RUNTIME_DIR is not "
    "set: log in through a session that sets it (systemd-logind), or set SANDBOX_STATE_ROOT to "
    "a directory only you can write";

// Opens a directory of the state tree (O_NOFOLLOW) and checks that the invoker owns it and
// that neither group nor others may write it; EPERM (with the reason) otherwise.
sys::Result<sys::UniqueFd> open_trusted_dir(const std::string& path);

// <root>/<name>/state.json
std::string state_file(const std::string& dir);
// Reads state.json after the trust checks (the directory as open_trusted_dir, the file
// O_NOFOLLOW, a regular file owned by the invoker, not group/world writable): EPERM if not.
sys::Result<SandboxState> read_state(const std::string& dir);
// true when a live launcher holds the directory's lock.
bool is_state_locked(const std::string& dir);
// Replays a dead sandbox's rollback entries and removes its directory. Needs the lock. An
// untrusted directory or state.json (read_state's EPERM) is left alone: one failure naming
// the directory (kind remove_tree), nothing replayed, nothing deleted.
std::vector<UndoFailure> clean_stale_state(const std::string& dir);
// Names of the sandboxes under the state root (directories holding a state.json).
std::vector<std::string> list_state_dirs(const std::string& state_root);
// /proc/PID/stat field 22, empty when the process is gone.
std::string process_start_time(pid_t pid);

}  // namespace sandbox::exec
