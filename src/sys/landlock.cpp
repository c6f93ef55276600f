#include "sys/landlock.hpp"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

#include "sys/fd.hpp"

namespace sandbox::sys {
namespace {

// Newer than Debian 12's <linux/landlock.h> (ABI 1-2); values from the kernel's uapi header.
constexpr uint64_t k_fs_truncate = 1ULL << 14;   // ABI 3
constexpr uint64_t k_fs_ioctl_dev = 1ULL << 15;  // ABI 5: ioctl(2) on a character/block device
constexpr uint64_t k_scope_abstract_unix_socket = 1ULL << 0;  // ABI 6
// The ABI 6 ruleset attribute. An older kernel accepts the longer struct as long as the
// fields it does not know are zero (copy_struct_from_user), so one layout serves every ABI.
struct RulesetAttr {
    uint64_t handled_access_fs = 0;
    // ABI 4: TCP bind/connect rights. Not handled on purpose: the network namespace and
    // network.mode decide what a sandbox may reach; handling them here with no rule would
    // deny every TCP bind and connect (docs/security.md, "Landlock").
    uint64_t handled_access_net = 0;
    // ABI 6: a sandboxed process cannot connect to an abstract unix socket made outside its
    // Landlock domain. Signals are not scoped: the pid namespace already confines them, and
    // scoping would keep the workload from signalling `sandbox exec` processes.
    uint64_t scoped = 0;
};

constexpr uint64_t k_fs_v1 =
    LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
    LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
    LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
    LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
    LANDLOCK_ACCESS_FS_MAKE_SYM;
constexpr uint64_t k_read =
    LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
// Rights that make sense on a file (not a directory) in a path-beneath rule.
constexpr uint64_t k_file_rights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                   LANDLOCK_ACCESS_FS_READ_FILE | k_fs_truncate | k_fs_ioctl_dev;

uint64_t handled_for(int abi) {
    uint64_t h = k_fs_v1;
    if (abi >= 2) {
        h |= LANDLOCK_ACCESS_FS_REFER;
    }
    if (abi >= 3) {
        h |= k_fs_truncate;
    }
    if (abi >= 5) {
        h |= k_fs_ioctl_dev;  // else device ioctls stay allowed everywhere
    }
    return h;
}

Status add_path(int ruleset, const std::string& path, uint64_t access) {
    UniqueFd fd(::open(path.c_str(), O_PATH | O_CLOEXEC));
    if (!fd) {
        return fail("open", path);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        return fail("fstat", path);
    }
    if (!S_ISDIR(st.st_mode)) {
        access &= k_file_rights;
    }
    landlock_path_beneath_attr attr{};
    attr.allowed_access = access;
    attr.parent_fd = fd.get();
    if (::syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &attr, 0) != 0) {
        return fail("landlock_add_rule", path);
    }
    return {};
}

}  // namespace

int landlock_abi_version() {
    long v = ::syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
    return v < 0 ? 0 : static_cast<int>(v);
}

Status apply_landlock(const LandlockPaths& paths) {
    int abi = landlock_abi_version();
    if (abi == 0) {
        return fail_with(EOPNOTSUPP, "landlock_create_ruleset");
    }
    uint64_t handled = handled_for(abi);
    RulesetAttr attr{};
    attr.handled_access_fs = handled;
    if (abi >= 6) {
        attr.scoped = k_scope_abstract_unix_socket;
    }
    UniqueFd ruleset(
        static_cast<int>(::syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0)));
    if (!ruleset) {
        return fail("landlock_create_ruleset");
    }
    for (const std::string& p : paths.read) {
        if (auto r = add_path(ruleset.get(), p, k_read & handled); !r) {
            return r;
        }
    }
    for (const std::string& p : paths.read_write) {
        if (auto r = add_path(ruleset.get(), p, handled); !r) {
            return r;
        }
    }
    if (::syscall(SYS_landlock_restrict_self, ruleset.get(), 0) != 0) {
        return fail("landlock_restrict_self");
    }
    return {};
}

}  // namespace sandbox::sys
