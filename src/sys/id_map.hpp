#pragma once
// User namespace id maps for another process: /proc/PID/setgroups, gid_map, uid_map
// (user_namespaces(7): setgroups must say "deny" before an unprivileged gid_map write), or the
// setuid helpers newuidmap/newgidmap for multi-range rootless maps (the one helper we exec).
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "sys/error.hpp"

namespace sandbox::sys {

struct IdRange {
    uint32_t inside = 0;
    uint32_t outside = 0;
    uint32_t count = 1;
};

// "0 1000 1\n1 100000 65536\n"
std::string format_id_map(const std::vector<IdRange>& ranges);

Status deny_setgroups(pid_t pid);
Status write_uid_map(pid_t pid, const std::vector<IdRange>& ranges);
Status write_gid_map(pid_t pid, const std::vector<IdRange>& ranges);
// newuidmap / newgidmap PID inside outside count ... (fork + execve, waited for).
Status run_id_map_helper(const std::string& helper, pid_t pid, const std::vector<IdRange>& ranges);

}  // namespace sandbox::sys
