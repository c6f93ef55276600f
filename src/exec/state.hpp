#pragma once
// Pipeline step 2, state (docs/architecture.md §2): a sandbox's entries in the state root,
// <name>@<kind> (plan/state_layout.hpp). <name>@state.json says who runs, its namespaces and
// cgroups and the rollback entries. First host step, so every later creation can be recorded
// in it; the entries' removal is the first rollback entry, so it is undone last. <name>@lock is
// flock()ed by the launcher for its whole life: a second `up` of the same name sees the lock
// (EBUSY); entries whose lock nobody holds are stale (the launcher was SIGKILLed) and are
// cleaned by replaying their rollback entries -- but only when the invoker owns the state root
// and state.json and nobody else may write them (docs/security.md, "Trust model"): a forged
// entry would run with the invoker's rights.
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

class StateFiles {
public:
    StateFiles() = default;
    // Takes <root>/<name>@lock (made when missing) after cleaning every stale sandbox of the
    // root (this name's too), and makes the shared new-root mount point when it is missing.
    // Pushes the removal of the sandbox's entries on the rollback. Throws SysError (EBUSY when
    // a live sandbox has the name).
    static StateFiles create(const plan::StatePlan& plan, Rollback& rollback);

    const plan::StateLocation& location() const { return m_location; }
    int lock_fd() const { return m_lock.get(); }
    // Writes <name>@state.json atomically.
    sys::Status save(const SandboxState& state) const;

private:
    plan::StateLocation m_location;
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

// Reads <name>@state.json after the trust checks (the state root as open_trusted_dir, the file
// O_NOFOLLOW, a regular file owned by the invoker, not group/world writable): EPERM if not.
sys::Result<SandboxState> read_state(const plan::StateLocation& where);
// true when a live launcher holds the sandbox's lock.
bool is_state_locked(const plan::StateLocation& where);
// Replays a dead sandbox's rollback entries and removes its entries. Needs its lock (or a lock
// nobody holds). An untrusted state root or state.json (read_state's EPERM) is left alone: one
// failure naming state.json (kind remove_state), nothing replayed, nothing deleted.
std::vector<UndoFailure> clean_stale_state(const plan::StateLocation& where);
// `down`'s clean-up of a sandbox whose launcher is gone: clean_stale_state under the root's
// flock and the sandbox's own lock (made when missing), as `up` does, so it never replays the
// record of a launcher that has just started with the name. `running`: a live launcher holds
// the lock (nothing done).
std::vector<UndoFailure> clean_stale_sandbox(const plan::StateLocation& where, bool& running);
// Removes every <name>@ entry of the root (a directory with what is in it), state.json second
// to last and the lock last, each only once all before it are gone; what is already gone is
// success. The undo of UndoKind::remove_state.
sys::Status remove_state_entries(const plan::StateLocation& where);
// The location an UndoKind::remove_state target ("<root>/<name>@") names; an empty name when it
// names none (remove_state_entries refuses it).
plan::StateLocation state_location_of(const std::string& removal_target);
// Names of the sandboxes in the state root (those with a <name>@state.json), sorted.
std::vector<std::string> list_sandboxes(const std::string& state_root);
// /proc/PID/stat field 22, empty when the process is gone.
std::string process_start_time(pid_t pid);

}  // namespace sandbox::exec
