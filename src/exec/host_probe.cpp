#include "exec/host_probe.hpp"

#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <mntent.h>
#include <nss.h>
#include <pwd.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "sys/landlock.hpp"

namespace sandbox::exec {

namespace {

// No program interpreter: the kernel started a static executable (AT_BASE is ld.so's address).
bool statically_linked() {
    return ::getauxval(AT_BASE) == 0;
}

// The name /etc/subuid and /etc/subgid may list `uid` under ("" when there is none: lines that
// give the uid still match). Through NSS, except in a static `sandbox` (the Debian build,
// CMakeLists.txt): NSS modules are shared objects built against the shared libc, and
// libnss_systemd crashes when glibc dlopen()s it into a static binary, so there /etc/passwd
// through glibc's built-in `files` service, then the login name the session gives (a user of
// LDAP, sssd or systemd-homed). That only chooses which lines to offer: newuidmap, which
// writes the map, checks the range against the real user with the full NSS.
std::string user_name(uid_t uid) {
    const bool static_binary = statically_linked();
    if (static_binary) {
        static const bool files_only = __nss_configure_lookup("passwd", "files") == 0;
        (void)files_only;
    }
    if (passwd* pw = getpwuid(uid)) {
        return pw->pw_name;
    }
    if (static_binary) {
        for (const char* var : {"LOGNAME", "USER"}) {
            if (const char* name = std::getenv(var); name != nullptr && *name != '\0') {
                return name;
            }
        }
    }
    return {};
}

std::string read_first_line(const std::string& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

struct SubIdEntry {
    std::string who;  // a user name or a numeric uid
    plan::SubIdRange range;
};

// Every well-formed "who:start:count" line of an /etc/subuid-style file.
std::vector<SubIdEntry> read_subid_file(const std::string& file) {
    std::vector<SubIdEntry> out;
    std::ifstream in(file);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string who, start, count;
        if (!std::getline(fields, who, ':') || !std::getline(fields, start, ':') ||
            !std::getline(fields, count)) {
            continue;
        }
        try {
            unsigned long s = std::stoul(start);
            unsigned long c = std::stoul(count);
            if (s <= UINT32_MAX && c <= UINT32_MAX) {
                out.push_back(
                    {who, plan::SubIdRange{static_cast<uint32_t>(s), static_cast<uint32_t>(c)}});
            }
        } catch (...) {
            continue;
        }
    }
    return out;
}

// The first range `entries` give the user (by name or by number).
std::optional<plan::SubIdRange> find_subid(const std::vector<SubIdEntry>& entries,
                                           const std::string& name, uint32_t id) {
    std::string number = std::to_string(id);
    for (const SubIdEntry& e : entries) {
        if ((!name.empty() && e.who == name) || e.who == number) {
            return e.range;
        }
    }
    return std::nullopt;
}

// "START:COUNT" (SANDBOX_ID_POOL); nullopt when malformed.
std::optional<plan::SubIdRange> parse_pool(const std::string& text) {
    size_t colon = text.find(':');
    if (colon == std::string::npos) {
        return std::nullopt;
    }
    try {
        unsigned long long s = std::stoull(text.substr(0, colon));
        unsigned long long c = std::stoull(text.substr(colon + 1));
        if (c == 0 || s + c > (1ULL << 32) - 1) {
            return std::nullopt;
        }
        return plan::SubIdRange{static_cast<uint32_t>(s), static_cast<uint32_t>(c)};
    } catch (...) {
        return std::nullopt;
    }
}

void probe_cgroups(plan::HostFacts& facts) {
    facts.cgroup_version = plan::CgroupVersion::none;
    std::string unified;
    FILE* mounts = setmntent("/proc/self/mounts", "re");
    if (mounts == nullptr) {
        return;
    }
    while (mntent* m = getmntent(mounts)) {
        std::string type = m->mnt_type;
        if (type == "cgroup2") {
            unified = m->mnt_dir;
        } else if (type == "cgroup") {
            // One v1 hierarchy per mount; its options name the controllers it holds.
            std::istringstream opts(m->mnt_opts);
            std::string opt;
            while (std::getline(opts, opt, ',')) {
                if (opt == "memory" || opt == "pids" || opt == "cpu" || opt == "cpuacct" ||
                    opt == "blkio" || opt == "cpuset" || opt == "freezer" || opt == "devices") {
                    facts.v1_controllers[opt] = m->mnt_dir;
                }
            }
        }
    }
    endmntent(mounts);

    if (!facts.v1_controllers.empty()) {
        facts.cgroup_version =
            unified.empty() ? plan::CgroupVersion::v1 : plan::CgroupVersion::hybrid;
        facts.cgroup_root = "/sys/fs/cgroup";
    } else if (!unified.empty()) {
        facts.cgroup_version = plan::CgroupVersion::v2;
        facts.cgroup_root = unified;
    }
    if (!unified.empty()) {
        std::istringstream controllers(read_first_line(unified + "/cgroup.controllers"));
        std::string c;
        while (controllers >> c) {
            facts.v2_controllers.push_back(c);
        }
        // "0::/user.slice/..." is the launcher's place in the unified hierarchy.
        std::ifstream self("/proc/self/cgroup");
        std::string line;
        while (std::getline(self, line)) {
            if (line.rfind("0::", 0) == 0) {
                facts.own_cgroup = line.substr(3);
            }
        }
        if (facts.uid != 0 && !facts.own_cgroup.empty()) {
            // Rootless groups go next to our own (plan/cgroup_plan.cpp): we must be able to
            // mkdir there, enable controllers there, and move processes below it (cgroup.procs
            // of the common ancestor must be writable: cgroup-v2.rst, "Delegation Containment").
            std::string base = facts.own_cgroup.substr(0, facts.own_cgroup.rfind('/'));
            std::string dir = unified + base;
            facts.own_cgroup_delegated =
                ::access(dir.c_str(), W_OK) == 0 &&
                ::access((dir + "/cgroup.subtree_control").c_str(), W_OK) == 0 &&
                ::access((dir + "/cgroup.procs").c_str(), W_OK) == 0;
        }
    }
}

}  // namespace

std::string kernel_release() {
    struct utsname u {};
    return ::uname(&u) == 0 ? std::string(u.release) : std::string();
}

plan::KernelFeatures probe_kernel() {
    plan::KernelFeatures k;
    k.release = kernel_release();
    // Each probe is a call the kernel rejects before doing anything (or a harmless open):
    // ENOSYS = the syscall does not exist; any other answer = it does.
    errno = 0;
    k.clone3 = ::syscall(SYS_clone3, nullptr, 0) == -1 && errno != ENOSYS;
    if (k.clone3) {
        // Is CLONE_INTO_CGROUP (5.7) known? Asked with a call every kernel rejects before it
        // copies anything: CLONE_THREAD without CLONE_SIGHAND is refused first thing in
        // copy_process() (EINVAL), after the flag and the 88-byte struct passed
        // copy_clone_args_from_user(). A kernel without the flag stops earlier: the bytes past
        // its shorter struct are not zero (E2BIG). (A closed cgroup fd would answer EBADF only
        // after copy_process() has duplicated our address space: 0.2-0.4 ms, docs/performance.md.)
        clone_args args{};
        args.flags = CLONE_INTO_CGROUP | CLONE_THREAD;
        args.cgroup = INT_MAX;
        errno = 0;
        long r = ::syscall(SYS_clone3, &args, sizeof args);
        if (r == 0) {
            ::_exit(127);  // cannot happen (refused above); never run our code twice
        }
        k.clone_into_cgroup = r == -1 && errno == EINVAL;
    } else {
        k.clone_into_cgroup = false;
    }
    open_how how{};
    how.flags = O_PATH | O_CLOEXEC;
    how.resolve = RESOLVE_IN_ROOT;
    long fd = ::syscall(SYS_openat2, AT_FDCWD, "/", &how, sizeof how);
    k.openat2 = fd >= 0;
    if (fd >= 0) {
        ::close(static_cast<int>(fd));
    }
    // The range [~0U, ~0U] holds no open fd: 0 where close_range exists; EINVAL for a flag
    // this kernel does not know (CLOSE_RANGE_CLOEXEC before 5.11).
    k.close_range = ::syscall(SYS_close_range, ~0U, ~0U, 0) == 0;
    k.close_range_cloexec =
        k.close_range && ::syscall(SYS_close_range, ~0U, ~0U, CLOSE_RANGE_CLOEXEC) == 0;
    errno = 0;
    k.mount_setattr = ::syscall(SYS_mount_setattr, -1, "", 0, nullptr, 0) == -1 && errno != ENOSYS;
    k.time_namespace = ::access("/proc/self/ns/time", F_OK) == 0;
    return k;
}

void probe_needed_facts(plan::HostFacts& facts, const plan::FactsNeeded& needed) {
    if (needed.subordinate_ids) {
        // Each file read once, the user's name looked up once.
        const std::string user = user_name(facts.uid);
        facts.subid_entries.clear();
        for (bool gids : {false, true}) {
            std::vector<SubIdEntry> entries = read_subid_file(gids ? "/etc/subgid" : "/etc/subuid");
            (gids ? facts.subgid : facts.subuid) = find_subid(entries, user, facts.uid);
            for (const SubIdEntry& e : entries) {
                facts.subid_entries.push_back(e.range);
            }
        }
    }
    if (needed.cgroups) {
        probe_cgroups(facts);
    }
}

std::string probe_state_root() {
    std::string root = plan::k_system_state_root;
    if (getuid() != 0) {
        // Never a shared directory such as /tmp: another user could create it first and
        // plant state for us to trust (docs/security.md, "Trust model"). Without
        // $XDG_RUNTIME_DIR (a per-user 0700 directory) the state root stays empty and `up`,
        // `down` and `ps` refuse with a hint.
        const char* runtime = std::getenv("XDG_RUNTIME_DIR");
        root = runtime != nullptr && runtime[0] == '/' ? std::string(runtime) + "/sandbox" : "";
    }
    // Tests and CI may relocate it (never under the source tree).
    if (const char* s = std::getenv("SANDBOX_STATE_ROOT")) {
        root = s;
    }
    return root;
}

plan::HostFacts probe_host(const plan::FactsNeeded& needed) {
    plan::HostFacts facts;
    facts.uid = getuid();
    facts.gid = getgid();
    facts.stdin_is_tty = isatty(STDIN_FILENO) == 1;
    facts.stdout_is_tty = isatty(STDOUT_FILENO) == 1;
    // Left-out costlier facts say "nothing found" (host_facts.hpp, FactsNeeded), not the
    // fakes' defaults.
    facts.cgroup_version = plan::CgroupVersion::none;
    facts.cgroup_root.clear();
    probe_needed_facts(facts, needed);
    // The uid_map = "auto" pool is host policy, set by whoever runs sandbox as root
    // (docs/security.md, "Id ranges"). A malformed value keeps the default, with a warning
    // from the planner's explain line naming the origin.
    if (const char* pool = std::getenv("SANDBOX_ID_POOL")) {
        if (auto parsed = parse_pool(pool)) {
            facts.id_pool = *parsed;
            facts.id_pool_origin = "SANDBOX_ID_POOL";
        } else {
            facts.id_pool_origin =
                std::string("default pool; SANDBOX_ID_POOL='") + pool + "' is not START:COUNT";
        }
    }
    // The same variables exec/host/network.cpp reads when it leases the subnet.
    for (bool v6 : {false, true}) {
        const char* name = v6 ? "SANDBOX_ADDRESS_POOL6" : "SANDBOX_ADDRESS_POOL";
        if (const char* pool = std::getenv(name); pool != nullptr && *pool != '\0') {
            (v6 ? facts.address_pool6 : facts.address_pool4) = pool;
            (v6 ? facts.address_pool6_origin : facts.address_pool4_origin) = name;
        }
    }
    facts.landlock_abi = sys::landlock_abi_version();
    facts.kernel = probe_kernel();

    facts.state_root = probe_state_root();
    if (facts.uid != 0) {
        const char* cache = std::getenv("XDG_CACHE_HOME");
        const char* home = std::getenv("HOME");
        facts.cache_root = cache ? std::string(cache) + "/sandbox"
                                 : std::string(home ? home : "/tmp") + "/.cache/sandbox";
    }
    // Tests and CI may relocate it (never under the source tree), as the state root.
    if (const char* c = std::getenv("SANDBOX_CACHE_ROOT")) {
        facts.cache_root = c;
    }
    char cwd[4096];
    if (getcwd(cwd, sizeof cwd) != nullptr) {
        facts.cwd = cwd;
    }
    return facts;
}

}  // namespace sandbox::exec
