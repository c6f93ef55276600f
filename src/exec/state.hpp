#pragma once
// Pipeline step 2, state (DESIGN §2): <state_root>/<name>/ holds state.json (who runs, its
// namespaces and cgroups, the rollback entries). First host step, so every later creation can
// be recorded in it; its own removal is the first rollback entry, so it is undone last.
// The directory itself is flock()ed by the launcher for its whole life: a second `up` of the
// same name sees the lock (EBUSY); a directory whose lock nobody holds is stale (the launcher
// was SIGKILLed) and is cleaned by replaying its rollback entries.
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

// <root>/<name>/state.json
std::string state_file(const std::string& dir);
sys::Result<SandboxState> read_state(const std::string& dir);
// true when a live launcher holds the directory's lock.
bool is_state_locked(const std::string& dir);
// Replays a dead sandbox's rollback entries and removes its directory. Needs the lock.
std::vector<UndoFailure> clean_stale_state(const std::string& dir);
// Names of the sandboxes under the state root (directories holding a state.json).
std::vector<std::string> list_state_dirs(const std::string& state_root);
// /proc/PID/stat field 22, empty when the process is gone.
std::string process_start_time(pid_t pid);

}  // namespace sandbox::exec
