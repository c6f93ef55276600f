#pragma once
// Where a sandbox keeps its state under the state root (docs/architecture.md §2, "State
// layout"): flat entries named <name>@<kind> -- web@lock, web@state.json, web@exec.json,
// web@seccomp.bpf, web@hosts, web@resolv.conf, web@output.log, and web@overlay/ only for an
// overlay rootfs -- and no directory per sandbox. A directory costs a block on a disk-backed
// state root (a host whose /run is not a tmpfs), and freeing it at removal a synchronous discard:
// ~0.3 ms of every run, where files written and unlinked within milliseconds never get a block
// (docs/performance.md). A sandbox name never contains '@' (profile::names::is_sandbox_name), so
// "<name>@" starts exactly one sandbox's entries, and the root's own entries (newroot, id-ranges,
// ip-pool, .ip_forward) have none.
#include <string>
#include <string_view>

namespace sandbox::plan {

// The kinds of entry a sandbox has; each is "<name>@<kind>" in the state root.
namespace state_entry {
inline constexpr std::string_view lock = "lock";  // flock()ed by the launcher for its whole life
inline constexpr std::string_view record = "state.json";
inline constexpr std::string_view exec_record = "exec.json";
inline constexpr std::string_view exec_seccomp = "seccomp.bpf";
inline constexpr std::string_view hosts = "hosts";
inline constexpr std::string_view resolv_conf = "resolv.conf";
inline constexpr std::string_view output_log = "output.log";
inline constexpr std::string_view overlay = "overlay";  // a directory: upper/ and work/
}  // namespace state_entry

inline constexpr char k_state_separator = '@';

// The new root's mount point, one directory of the state root shared by every sandbox: each
// mounts its root there in its own mount namespace, so they never see each other's. Made once
// and never removed: an rmdir while another sandbox's child has its root mounted there (in that
// child's namespace) would detach the mount under its setup.
inline constexpr std::string_view k_new_root_dir = "newroot";

// A sandbox's entries: the state root and the sandbox's name.
struct StateLocation {
    std::string root;
    std::string name;

    // "<root>/<name>@": every entry of this sandbox, and nothing else, starts with it.
    std::string prefix() const { return root + "/" + name + k_state_separator; }
    // "<name>@<kind>", the entry's name in the root (for the *at() calls on the root's fd)
    std::string entry_name(std::string_view kind) const {
        return name + k_state_separator + std::string(kind);
    }
    // "<root>/<name>@<kind>"
    std::string entry(std::string_view kind) const { return root + "/" + entry_name(kind); }
};

// The sandbox an entry of the state root belongs to ("web" for "web@state.json"); empty for
// the root's own entries.
std::string_view sandbox_of_entry(std::string_view entry);

}  // namespace sandbox::plan
