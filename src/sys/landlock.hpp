#pragma once
// Landlock file-system sandboxing through the raw syscalls (landlock(7)): a ruleset that
// handles every file-system right the running kernel knows (ABI 1-5; ABI 4's network rights
// are left to the network namespace; ABI 6 scopes abstract unix sockets), path rules for the
// paths that stay readable / writable, then landlock_restrict_self. Knows nothing about plans.
#include <string>
#include <vector>

#include "sys/error.hpp"

namespace sandbox::sys {

// The kernel's Landlock ABI version; 0 when Landlock is not built in or disabled at boot.
int landlock_abi_version();

struct LandlockPaths {
    std::vector<std::string> read;        // read files, list directories, execute
    std::vector<std::string> read_write;  // every handled right
};

// Restricts this thread (and its future children) to `paths`; everything else in the file
// system loses every handled right. Needs no_new_privs or CAP_SYS_ADMIN (landlock(7)).
// ENOENT when a listed path does not exist; EOPNOTSUPP when the kernel has no Landlock.
Status apply_landlock(const LandlockPaths& paths);

}  // namespace sandbox::sys
