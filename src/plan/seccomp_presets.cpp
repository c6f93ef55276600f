// The built-in seccomp presets as data.
//
// `default` follows Docker's default seccomp profile (moby/moby profiles/seccomp/default.json:
// defaultAction SCMP_ACT_ERRNO / EPERM, one large allow list, argument rules for clone,
// personality and socket, clone3 -> ENOSYS) as it applies to a process without CAP_SYS_ADMIN
// and the other capabilities Docker's "includes.caps" entries look at: those conditional allows
// are left out, so mount, umount2, unshare, setns, chroot, pivot_root, bpf, perf_event_open,
// keyctl/add_key/request_key, ptrace, process_vm_*, kcmp, syslog, reboot, module loading,
// acct, quotactl, the new mount API, swapon/off, time setting, iopl/ioperm, mempolicy, ...
// fall to the default EPERM. Deliberate differences from Docker's file, each stricter:
//   * ptrace / process_vm_readv / process_vm_writev are not allowed (Docker allows them on
//     kernels >= 4.8); name_to_handle_at (pairs with the blocked open_by_handle_at), adjtimex
//     and clock_adjtime are not allowed;
//   * io_uring_* are not allowed (Docker >= 25 dropped them too: a large kernel attack surface
//     that also bypasses per-syscall filtering);
//   * ioctl TIOCSTI / TIOCLINUX and socket(AF_VSOCK) are refused with arguments compared on the
//     low 32 bits (the kernel truncates these int arguments, so a 64-bit "!=" can be bypassed
//     by setting high bits);
//   * names that exist only for 32-bit ABIs are omitted: other ABIs are killed outright (see
//     SeccompPlan::foreign_arch_action).
//
// `strict` is a short allow list for simple compute jobs (enough for a static busybox `true`,
// `echo`, `cat`) with default kill_process.
#include "plan/seccomp_presets.hpp"

#include "profile/enum_names.hpp"

namespace sandbox::plan {
namespace {

using profile::ArgOp;
using profile::SeccompAction;
using profile::SeccompArg;
using profile::SeccompRule;

constexpr uint32_t k_eperm = 1;
constexpr uint32_t k_enosys = 38;
constexpr uint64_t k_clone_namespace_flags =
    0x7E020000;  // CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET
constexpr uint64_t k_low32 = 0xffffffff;
constexpr uint64_t k_tiocsti = 0x5412;
constexpr uint64_t k_tioclinux = 0x541C;
constexpr uint64_t k_af_vsock = 40;

SeccompRule allow(std::vector<std::string> names, std::vector<SeccompArg> args = {}) {
    return SeccompRule{std::move(names), SeccompAction::allow, std::nullopt, std::move(args)};
}

// A preset whose first rule allows `allowed`; refused syscalls get EPERM unless a rule says.
SeccompPresetData preset(SeccompAction default_action, std::vector<std::string> allowed) {
    SeccompPresetData p;
    p.default_action = default_action;
    p.default_errno = k_eperm;
    p.rules.push_back(allow(std::move(allowed)));
    return p;
}

SeccompRule refuse(std::vector<std::string> names, uint32_t err,
                   std::vector<SeccompArg> args = {}) {
    return SeccompRule{std::move(names), SeccompAction::errno_, err, std::move(args)};
}

SeccompPresetData make_default() {
    // clang-format off
    SeccompPresetData p = preset(SeccompAction::errno_, {
        "accept", "accept4", "access", "alarm", "bind", "brk", "capget", "capset", "chdir",
        "chmod", "chown", "clock_getres", "clock_gettime", "clock_nanosleep", "close",
        "close_range", "connect", "copy_file_range", "creat", "dup", "dup2", "dup3",
        "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
        "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve",
        "execveat", "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fallocate",
        "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchown", "fchownat", "fcntl",
        "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr", "fsetxattr",
        "fstat", "fstatfs", "fsync", "ftruncate", "futex", "futex_waitv", "futimesat", "getcpu",
        "getcwd", "getdents", "getdents64", "getegid", "geteuid", "getgid", "getgroups",
        "getitimer", "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority",
        "getrandom", "getresgid", "getresuid", "getrlimit", "get_robust_list", "getrusage",
        "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
        "getuid", "getxattr", "inotify_add_watch", "inotify_init", "inotify_init1",
        "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents", "io_pgetevents",
        "ioprio_get", "ioprio_set", "io_setup", "io_submit", "kill", "landlock_add_rule",
        "landlock_create_ruleset", "landlock_restrict_self", "lchown", "lgetxattr", "link",
        "linkat", "listen", "listxattr", "llistxattr", "lremovexattr", "lseek", "lsetxattr",
        "lstat", "madvise", "membarrier", "memfd_create", "memfd_secret", "mincore", "mkdir",
        "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap", "mprotect",
        "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive", "mq_timedsend", "mq_unlink",
        "mremap", "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall",
        "munmap", "nanosleep", "newfstatat", "open", "openat", "openat2", "pause", "pidfd_open",
        "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free", "pkey_mprotect", "poll",
        "ppoll", "prctl", "pread64", "preadv", "preadv2", "prlimit64", "process_mrelease",
        "pselect6", "pwrite64", "pwritev", "pwritev2", "read", "readahead", "readlink",
        "readlinkat", "readv", "recvfrom", "recvmmsg", "recvmsg", "remap_file_pages",
        "removexattr", "rename", "renameat", "renameat2", "restart_syscall", "rmdir", "rseq",
        "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
        "rt_sigsuspend", "rt_sigtimedwait", "rt_tgsigqueueinfo", "sched_getaffinity",
        "sched_getattr", "sched_getparam", "sched_get_priority_max", "sched_get_priority_min",
        "sched_getscheduler", "sched_rr_get_interval", "sched_setaffinity", "sched_setattr",
        "sched_setparam", "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl",
        "semget", "semop", "semtimedop", "sendfile", "sendmmsg", "sendmsg", "sendto", "setfsgid",
        "setfsuid", "setgid", "setgroups", "setitimer", "setpgid", "setpriority", "setregid",
        "setresgid", "setresuid", "setreuid", "setrlimit", "set_robust_list", "setsid",
        "setsockopt", "set_thread_area", "set_tid_address", "setuid", "setxattr", "shmat",
        "shmctl", "shmdt", "shmget", "shutdown", "sigaltstack", "signalfd", "signalfd4",
        "socketpair", "splice", "stat", "statfs", "statx", "symlink", "symlinkat", "sync",
        "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
        "timer_delete", "timer_getoverrun", "timer_gettime", "timer_settime", "timerfd_create",
        "timerfd_gettime", "timerfd_settime", "times", "tkill", "truncate", "umask", "uname",
        "unlink", "unlinkat", "utime", "utimensat", "utimes", "vfork", "vmsplice", "wait4",
        "waitid", "write", "writev",
    });
    // clang-format on
    // personality: only the values Docker allows (PER_LINUX, PER_LINUX32, UNAME26 variants and
    // the 0xffffffff query).
    for (uint64_t persona : {0x0ULL, 0x8ULL, 0x20000ULL, 0x20008ULL, 0xffffffffULL}) {
        p.rules.push_back(allow({"personality"}, {SeccompArg{0, ArgOp::eq, persona, 0}}));
    }
    // clone without any namespace flag; clone3 cannot be argument-filtered (its flags are behind
    // a pointer), so it gets ENOSYS and glibc falls back to clone.
    p.rules.push_back(
        allow({"clone"}, {SeccompArg{0, ArgOp::masked_eq, k_clone_namespace_flags, 0}}));
    p.rules.push_back(refuse({"clone3"}, k_enosys));
    p.rules.push_back(allow({"ioctl"}));
    p.rules.push_back(
        refuse({"ioctl"}, k_eperm, {SeccompArg{1, ArgOp::masked_eq, k_low32, k_tiocsti}}));
    p.rules.push_back(
        refuse({"ioctl"}, k_eperm, {SeccompArg{1, ArgOp::masked_eq, k_low32, k_tioclinux}}));
    p.rules.push_back(allow({"socket"}));
    p.rules.push_back(
        refuse({"socket"}, k_eperm, {SeccompArg{0, ArgOp::masked_eq, k_low32, k_af_vsock}}));
    p.rules.push_back(allow({"arch_prctl", "modify_ldt"}));
    return p;
}

SeccompPresetData make_strict() {
    // clang-format off
    SeccompPresetData p = preset(SeccompAction::kill_process, {
        "read", "write", "readv", "writev", "pread64", "pwrite64", "close", "close_range", "exit",
        "exit_group", "brk", "mmap", "munmap", "mprotect", "mremap", "madvise", "rt_sigreturn",
        "rt_sigaction", "rt_sigprocmask", "sigaltstack", "futex", "clock_gettime", "clock_getres",
        "clock_nanosleep", "nanosleep", "gettimeofday", "getrandom", "execve", "arch_prctl",
        "set_tid_address", "set_robust_list", "rseq", "prlimit64", "getrlimit", "getpid",
        "getppid", "gettid", "getuid", "geteuid", "getgid", "getegid", "uname", "openat", "fstat",
        "newfstatat", "lseek", "fcntl", "dup", "dup2", "dup3", "readlink", "getcwd", "sendfile",
        "prctl", "sched_yield", "sched_getaffinity", "restart_syscall",
    });
    // clang-format on
    return p;
}

}  // namespace

const SeccompPresetData& seccomp_preset(profile::SeccompPreset preset) {
    // Each built on first use only: a run plans one preset, and building one is a few hundred
    // strings (docs/performance.md).
    static const SeccompPresetData k_none{};
    switch (preset) {
        case profile::SeccompPreset::default_: {
            static const SeccompPresetData k_default = make_default();
            return k_default;
        }
        case profile::SeccompPreset::strict: {
            static const SeccompPresetData k_strict = make_strict();
            return k_strict;
        }
        case profile::SeccompPreset::none:
            return k_none;
    }
    return k_none;
}

std::string_view to_string(profile::SeccompPreset preset) {
    return profile::name_of(profile::k_seccomp_preset_names, preset);
}

}  // namespace sandbox::plan
