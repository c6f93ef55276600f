#pragma once
// Namespace flags and setns by path or by pidfd. Knows nothing about profiles: exec/ maps the
// plan's NsType to these.
#include <sys/types.h>

#include <string>
#include <string_view>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::sys {

// "user" "pid" "mnt" "uts" "ipc" "net" "cgroup" "time" -> CLONE_NEW*; 0 when unknown.
int ns_flag(std::string_view proc_name);
// The /proc/PID/ns/<name> entry for a flag ("mnt" for CLONE_NEWNS).
std::string_view ns_proc_name(int flag);

// Opens a namespace file (/proc/PID/ns/net, a bind-mounted ns file) O_RDONLY|O_CLOEXEC.
Result<UniqueFd> open_namespace(const std::string& path);
// setns(fd, nstype); nstype 0 accepts any type.
Status enter_namespace(int fd, int nstype, const std::string& what);

// setns(pidfd, flags): enter several namespaces of a process at once (Linux 5.8).
Status enter_namespaces_of(int pidfd, int flags, const std::string& what);

// unshare(flags)
Status unshare_namespaces(int flags);

}  // namespace sandbox::sys
