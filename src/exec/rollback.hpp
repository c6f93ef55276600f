#pragma once
// The undo stack for what the host side creates (docs/architecture.md §9.3). Entries are data, not
// closures, so a detached sandbox's list can be written to state.json and replayed by `sandbox
// down`. Push right after a creation succeeds; unwind() runs newest first, never throws, keeps
// going past failures and returns them for the report.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox::exec {

enum class UndoKind {
    remove_dir,   // rmdir (empty)
    remove_tree,  // recursive removal of a directory we created (overlay upper/work)
    remove_file,
    unmount,           // umount2(target, MNT_DETACH) of a host-side mount we made
    remove_cgroup,     // target = cgroup dir (one per v1 hierarchy); kill, wait empty, rmdir
    delete_link,       // target = host-side interface name (veth), extra = "PID STARTTIME"
    delete_nft_table,  // target = "inet sandbox-NAME"
    restore_sysctl,    // target = "/proc/sys/net/ipv4/ip_forward", extra = the old value
    kill_process,      // target = pid (as text): SIGKILL + reap if still ours
    release_id_range,  // target = lease file, extra = its content (uid_map = "auto")
    remove_state,      // target = "<state root>/<name>@": every entry of the sandbox, lock last
};

std::string_view to_string(UndoKind kind);
std::optional<UndoKind> undo_kind_from_string(std::string_view name);

struct UndoEntry {
    UndoKind kind;
    std::string target;
    std::string extra;  // kind-specific (old sysctl value, ...)
};

struct UndoFailure {
    UndoEntry entry;
    std::string message;
    int error = 0;  // the errno, when one is known
};

class Rollback {
public:
    void push(UndoKind kind, std::string target, std::string extra = {});
    // Several entries made by one step (a cgroup's directories in each hierarchy): one
    // observer call for all of them, so state.json is written once, not once per entry.
    void push_all(UndoKind kind, const std::vector<std::string>& targets,
                  const std::string& extra = {});
    // Runs every entry newest first and empties the stack. noexcept: failures are logged at
    // warn and returned.
    std::vector<UndoFailure> unwind() noexcept;
    const std::vector<UndoEntry>& entries() const { return m_entries; }
    bool empty() const { return m_entries.empty(); }
    // Forget everything (ownership handed to a detached sandbox's state.json).
    std::vector<UndoEntry> release();
    // Forget the entries of `kind` for `target` without running them (their undo is done
    // another way: the launcher reaps its own child after the rest is undone). No observer call.
    void forget(UndoKind kind, const std::string& target);
    // Called after every push and pop with the current stack (state.json keeps a copy, so a
    // launcher killed with SIGKILL can be cleaned up by the next `up` or `down`).
    using Observer = std::function<void(const std::vector<UndoEntry>&)>;
    void set_observer(Observer observer) { m_observer = std::move(observer); }
    // Rebuilds a stack from entries read back (state.json), oldest first.
    static Rollback from_entries(std::vector<UndoEntry> entries);

private:
    std::vector<UndoEntry> m_entries;
    Observer m_observer;
};

// Runs one undo entry; the implementation of each kind lives with its mechanism.
void run_undo(const UndoEntry& entry);

}  // namespace sandbox::exec
