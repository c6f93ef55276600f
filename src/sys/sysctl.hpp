#pragma once
// /proc/sys values. A sysctl is named by its path ("/proc/sys/net/ipv4/ip_forward"), so the
// same strings appear in the rollback entries, the logs and the docs.
#include <string>

#include "sys/error.hpp"

namespace sandbox::sys {

// The value without its trailing newline.
Result<std::string> read_sysctl(const std::string& path);
// Writes `value` (a newline is not needed). O_WRONLY, no O_CREAT: ENOENT for unknown keys.
Status write_sysctl(const std::string& path, const std::string& value);

}  // namespace sandbox::sys
