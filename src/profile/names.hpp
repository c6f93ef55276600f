#pragma once
// Names a profile may use, as the running libraries know them: syscalls (libseccomp, native
// architecture), capabilities (libcap), signals, rlimits and mount options. Pure look-ups; the
// lists feed both validation and did-you-mean hints.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox::profile::names {

// A name `up` may give a sandbox, and `down`, `exec` and `ps` may look up: 1 to 64 letters,
// digits, '-', '_' and '.', starting with a letter or digit -- so never '@' (the state layout's
// separator, plan/state_layout.hpp), '/', "." or "..".
bool is_sandbox_name(std::string_view name);

// libseccomp knows the name (on the native architecture, or as a pseudo syscall of another
// architecture that libseccomp ignores here).
bool is_syscall(std::string_view name);
// Every syscall name of the native architecture, sorted (for did-you-mean).
const std::vector<std::string>& syscalls();

// "CAP_NET_ADMIN" for "cap_net_admin" / "CAP_NET_ADMIN"; nullopt for anything libcap does not
// know (a name without the CAP_ prefix included).
std::optional<std::string> canonical_capability(std::string_view name);
// "CAP_CHOWN" ... for 0..CAP_LAST_CAP, in number order.
const std::vector<std::string>& capabilities();

// "SIGTERM", "TERM", "sigterm" or "15" -> 15; nullopt when unknown. Numbers 1..64.
std::optional<int> signal_number(std::string_view text);
// 15 -> "SIGTERM"; "" for a number that is not a standard signal.
std::string signal_name(int number);
// "SIGHUP" ... "SIGSYS" (the standard signals, in number order).
const std::vector<std::string>& signals();

// "nofile", "nproc", ... (lowercase RLIMIT_ names without the prefix).
const std::vector<std::string>& rlimits();
bool is_rlimit(std::string_view name);

// Mount flags a profile may list in mounts[].options ("nosuid", "nodev", ...).
const std::vector<std::string>& mount_flags();
// Filesystem data options allowed as "name" or "name=value" for tmpfs/devpts/mqueue/proc
// ("uid", "gid", "nr_inodes", "ptmxmode", "newinstance", "hidepid", ...).
const std::vector<std::string>& mount_data_options();

}  // namespace sandbox::profile::names
