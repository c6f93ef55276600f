#pragma once
// Shared host sysctls (net.ipv4.ip_forward, net.ipv6.conf.all.forwarding) turned on while at
// least one sandbox needs them. Several sandboxes may run at once, so each sysctl has a holder
// file under the state root (`<state_root>/.ip_forward`, `<state_root>/.ipv6_forwarding`),
// guarded by flock(2):
//     saved=<value before the first holder>
//     holder=<host veth name>          one line per sandbox that needs it
// The first holder saves the value and writes 1; the last one to leave writes the saved value
// back and removes the file. Holders whose veth no longer exists (a launcher that was killed)
// are dropped on every visit, so a crash cannot pin the sysctl on forever. docs/networking.md.
#include <string>

namespace sandbox::exec::host {

inline constexpr const char* k_ipv4_forward = "/proc/sys/net/ipv4/ip_forward";
inline constexpr const char* k_ipv6_forward = "/proc/sys/net/ipv6/conf/all/forwarding";

// The holder file for `sysctl` under `state_root`.
std::string forwarding_holder_file(const std::string& state_root, const std::string& sysctl);

// Registers `holder` and turns `sysctl` on. Returns the opaque undo argument for
// release_forwarding (UndoEntry::extra). Throws SysError.
std::string acquire_forwarding(const std::string& sysctl, const std::string& holder_file,
                               const std::string& holder);
// Unregisters the holder named in `undo_arg`; restores the saved value when none is left.
void release_forwarding(const std::string& sysctl, const std::string& undo_arg);

}  // namespace sandbox::exec::host
