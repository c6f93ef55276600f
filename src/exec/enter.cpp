// `sandbox exec`: enter a running sandbox from its recorded plan (enter.hpp has the order).
// Every check here is a refusal (125), never a fallback: a command that does not end up in
// every one of the sandbox's namespaces and its cgroup, under the workload's confinement, must
// not run at all (issue 12: a stat() failure once meant "same namespace" and ran the command
// in the host's).
#include "exec/enter.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>

#include "common/exit_codes.hpp"
#include "exec/child/child_main.hpp"
#include "exec/child/workload.hpp"
#include "exec/exec_record.hpp"
#include "exec/state.hpp"
#include "exec/supervise.hpp"
#include "exec/sync.hpp"
#include "profile/names.hpp"
#include "sys/namespaces.hpp"
#include "sys/process.hpp"
#include "sys/pty.hpp"
#include "sys/signals.hpp"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

namespace sandbox::exec {

namespace {

// Refusals: one line on stderr, exit 125.
class Refusal : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// /proc/PID/ns/<type> of the init. Without CAP_SYS_PTRACE it opens only while the init is
// dumpable, which it is not from before it starts the workload until just after the launcher
// has seen the workload's execve (exec/child/init.cpp). A few milliseconds of EACCES are that
// moment, not a refusal.
sys::UniqueFd open_init_ns(int init_dir, const std::string& path) {
    for (int attempt = 0;; ++attempt) {
        sys::UniqueFd ns(openat(init_dir, path.c_str(), O_RDONLY | O_CLOEXEC));
        if (ns || (errno != EACCES && errno != EPERM) || attempt == 50) {
            return ns;
        }
        usleep(2000);
    }
}

struct NsIdentity {
    std::string type;  // "net"
    int flag = 0;      // CLONE_NEWNET
    dev_t dev = 0;
    ino_t ino = 0;
};

// Read a file relative to a directory fd (a /proc/PID dir: it keeps naming that one process,
// and reads fail with ESRCH once it is gone, so a recycled pid cannot answer for it).
sys::Result<std::string> read_at(int dir_fd, const std::string& name) {
    sys::UniqueFd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        return sys::fail("open", name);
    }
    std::string text;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd.get(), buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return sys::fail("read", name);
        }
        if (n == 0) {
            return text;
        }
        text.append(buf, static_cast<size_t>(n));
    }
}

// /proc/PID/stat field 22 (start time, clock ticks since boot).
std::string start_time_at(int proc_pid_dir) {
    auto stat = read_at(proc_pid_dir, "stat");
    if (!stat) {
        return {};
    }
    size_t pos = stat->rfind(')');
    if (pos == std::string::npos) {
        return {};
    }
    std::istringstream fields(stat->substr(pos + 2));
    std::string field;
    for (int i = 3; i <= 22 && fields >> field; ++i) {
        if (i == 22) {
            return field;
        }
    }
    return {};
}

// "4:memory:/sandbox/x" lines whose path is the sandbox's group (`cgroup_path` relative to a
// hierarchy root, so also ".../app.slice/sandbox/x" under a delegated v2 root).
std::vector<std::string> sandbox_cgroup_lines(const std::string& text,
                                              const std::string& cgroup_path) {
    std::vector<std::string> out;
    std::istringstream in(text);
    std::string line;
    std::string suffix = "/" + cgroup_path;
    while (std::getline(in, line)) {
        size_t second = line.find(':', line.find(':') + 1);
        if (second == std::string::npos) {
            continue;
        }
        std::string path = line.substr(second + 1);
        if (path.size() >= suffix.size() &&
            path.compare(path.size() - suffix.size(), suffix.size(), suffix) == 0) {
            out.push_back(line);
        }
    }
    return out;
}

// A new pty from the devpts of the mount namespace we are in (the sandbox's), so `tty` inside
// names a device that exists there. The master's identity is checked (a workload may have
// replaced /dev/ptmx with anything); the slave comes from TIOCGPTPEER, not from a path lookup.
sys::PtyPair open_sandbox_pty() {
    sys::PtyPair p;
    p.master.reset(open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC));
    if (!p.master) {
        throw sys::SysError(errno, "open", "/dev/ptmx", {}, "in the sandbox (use -T: no pty)");
    }
    struct stat st {};
    if (fstat(p.master.get(), &st) != 0 || !S_ISCHR(st.st_mode) || major(st.st_rdev) != 5 ||
        minor(st.st_rdev) != 2) {
        throw sys::SysError(ENOTTY, "open", "/dev/ptmx", {},
                            "not the pty multiplexer in the sandbox (use -T: no pty)");
    }
    int unlock = 0;
    if (ioctl(p.master.get(), TIOCSPTLCK, &unlock) != 0) {
        throw sys::SysError(errno, "unlockpt", "/dev/ptmx");
    }
    int slave = ioctl(p.master.get(), TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (slave < 0) {
        throw sys::SysError(errno, "ioctl TIOCGPTPEER", "/dev/ptmx");
    }
    p.slave.reset(slave);
    return p;
}

// The child's half before the workload steps: cgroup, cgroup namespace, and the proof that it
// sits in every recorded namespace of the sandbox (inode for inode, read through the host's
// /proc, which the sandbox cannot touch).
struct JoinContext {
    int host_proc = -1;
    std::vector<int> cgroup_attach_fds;  // v1: `tasks`; written "0"
    std::vector<std::string> cgroup_attach_files;
    std::vector<std::string> init_cgroup_lines;  // the sandbox's hierarchies, from the init
    std::string cgroup_path;
    int cgroup_ns_fd = -1;  // the init's, opened through its pinned /proc/PID
    std::vector<NsIdentity> namespaces;
    bool user_namespace = false;
};

void join_and_verify(const JoinContext& j) {
    for (size_t i = 0; i < j.cgroup_attach_fds.size(); ++i) {
        if (write(j.cgroup_attach_fds[i], "0", 1) != 1) {
            throw sys::SysError(errno, "join cgroup", j.cgroup_attach_files[i]);
        }
    }
    if (!j.init_cgroup_lines.empty()) {
        // Still in the host's cgroup namespace: paths compare as the launcher read the init's.
        std::string mine = sys::or_throw(read_at(j.host_proc, "thread-self/cgroup"));
        std::vector<std::string> own = sandbox_cgroup_lines(mine, j.cgroup_path);
        for (const std::string& line : j.init_cgroup_lines) {
            if (std::find(own.begin(), own.end(), line) == own.end()) {
                throw sys::SysError(EPERM, "verify cgroup", line, {},
                                    "the command is not in the sandbox's cgroup");
            }
        }
    }
    if (j.cgroup_ns_fd >= 0) {
        // After joining the cgroup: a cgroup namespace is only entered from inside its root.
        // By the namespace fd the launcher opened, not the pidfd: setns(pidfd) asks for ptrace
        // access to the init, which we no longer have from inside its user namespace.
        sys::or_throw(sys::enter_namespace(j.cgroup_ns_fd, CLONE_NEWCGROUP, "cgroup namespace"));
    }
    for (const NsIdentity& ns : j.namespaces) {
        struct stat st {};
        std::string path = "thread-self/ns/" + ns.type;
        if (fstatat(j.host_proc, path.c_str(), &st, 0) != 0) {
            throw sys::SysError(errno, "verify namespace", "/proc/" + path);
        }
        if (st.st_dev != ns.dev || st.st_ino != ns.ino) {
            throw sys::SysError(EPERM, "verify namespace", ns.type, {},
                                "the command is not in the sandbox's " + ns.type + " namespace");
        }
    }
    if (j.user_namespace) {
        // The identity step of `up`: the mapped root, so the workload steps start from the
        // same credentials as the workload did (an unmapped uid would show as the overflow id).
        if (setresgid(0, 0, 0) != 0) {
            throw sys::SysError(errno, "setresgid", "0");
        }
        if (setresuid(0, 0, 0) != 0) {
            throw sys::SysError(errno, "setresuid", "0");
        }
        // A credential change clears PR_SET_PDEATHSIG (prctl(2)): arm it again.
        prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    }
}

// The groups the `up` launcher had: its workload inherited them (when the profile names no
// user or group), so the command gets the same.
void take_groups(const std::vector<uint32_t>& wanted) {
    int n = getgroups(0, nullptr);
    std::vector<gid_t> now(n > 0 ? static_cast<size_t>(n) : 0);
    if (n > 0) {
        n = getgroups(n, now.data());
        now.resize(static_cast<size_t>(std::max(n, 0)));
    }
    std::vector<gid_t> want(wanted.begin(), wanted.end());
    std::vector<gid_t> a = now, b = want;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    if (a == b) {
        return;
    }
    if (setgroups(want.size(), want.data()) != 0) {
        throw sys::SysError(errno, "setgroups", {}, {},
                            "cannot take the supplementary groups the sandbox's launcher had");
    }
}

void print_line(const std::string& text) {
    std::string line = "sandbox: exec: " + text + "\n";
    (void)!::write(STDERR_FILENO, line.data(), line.size());
}

int run(const EnterOptions& options, const std::string& state_root) {
    if (options.command.empty()) {
        throw Refusal("no command given (sandbox exec NAME -- CMD ARG...)");
    }
    // Nothing the invoker passed beyond stdio may reach the sandbox (escape (c) of issue 12,
    // `9</hostdir`): closed here, before anything of ours is opened, so not even the child
    // holds them before its execve; the workload steps close_range() again right before it.
    close_range(3, ~0U, 0);

    if (!profile::names::is_sandbox_name(options.name)) {
        throw Refusal("'" + options.name + "' is not a sandbox name");
    }
    const plan::StateLocation where{state_root, options.name};
    auto state = read_state(where);
    if (!state) {
        throw Refusal("no sandbox named '" + options.name + "'");
    }
    if (!is_state_locked(where)) {
        throw Refusal("sandbox '" + options.name + "' is not running");
    }
    // The launcher records its child's pid just after releasing it, and the exec record once
    // the child has switched to the sandbox's root; it removes the record as soon as the
    // workload has ended (exec/launcher.cpp). Between those, a sandbox is starting or stopping.
    const std::string starting_or_stopping =
        "sandbox '" + options.name +
        "': no exec record (it is starting or stopping: try again; or an older sandbox started "
        "it: restart it)";
    if (state->child_pid <= 0 || state->child_start_time.empty()) {
        throw Refusal("sandbox '" + options.name + "' is starting or stopping: try again");
    }
    auto record = load_exec_record(where);
    if (!record && record.error().err() == ENOENT) {
        throw Refusal(starting_or_stopping);
    }
    if (!record) {
        throw Refusal("sandbox '" + options.name + "': no usable record of its plan (" +
                      record.error().describe() +
                      "); it was started by an older sandbox: restart it");
    }
    sys::SeccompProgram program;
    if (record->seccomp) {
        auto loaded = sys::read_seccomp_cache(exec_seccomp_file(where));
        if (!loaded && loaded.error().err() == ENOENT) {
            throw Refusal(starting_or_stopping);  // removed just after the record was read
        }
        if (!loaded || loaded->empty()) {
            throw Refusal("sandbox '" + options.name + "': cannot load its seccomp filter: " +
                          (loaded ? std::string("empty program") : loaded.error().describe()));
        }
        program = std::move(*loaded);
    }

    // The init, pinned: the /proc/PID dir fd keeps naming the process it was opened for.
    sys::UniqueFd host_proc(open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!host_proc) {
        throw Refusal(std::string("open /proc: ") + std::strerror(errno));
    }
    std::string pid_text = std::to_string(state->child_pid);
    sys::UniqueFd init_dir(openat(host_proc.get(), pid_text.c_str(), O_DIRECTORY | O_CLOEXEC));
    if (!init_dir || start_time_at(init_dir.get()) != state->child_start_time) {
        throw Refusal("sandbox '" + options.name + "' is not running (its init " + pid_text +
                      " is gone)");
    }
    auto pidfd = sys::open_pidfd(state->child_pid);
    // Still the same process after pidfd_open: then the pidfd refers to it, not to a process
    // that took over the pid in between.
    if (!pidfd || start_time_at(init_dir.get()) != state->child_start_time) {
        throw Refusal("sandbox '" + options.name + "' is not running (its init " + pid_text +
                      " is gone)");
    }

    JoinContext join;
    join.host_proc = host_proc.get();
    join.user_namespace = record->user_namespace;
    int flags = 0;
    sys::UniqueFd cgroup_ns;
    for (const std::string& type : record->namespaces) {
        NsIdentity id;
        id.type = type;
        id.flag = sys::ns_flag(type);
        if (id.flag == 0) {
            throw Refusal("sandbox '" + options.name + "': unknown namespace '" + type +
                          "' in its record");
        }
        struct stat st {};
        std::string path = "ns/" + type;
        sys::UniqueFd ns = open_init_ns(init_dir.get(), path);
        if (!ns || fstat(ns.get(), &st) != 0) {
            throw Refusal("cannot verify the " + type + " namespace of sandbox '" + options.name +
                          "': /proc/" + pid_text + "/" + path + ": " + std::strerror(errno));
        }
        id.dev = st.st_dev;
        id.ino = st.st_ino;
        join.namespaces.push_back(id);
        if (id.flag == CLONE_NEWCGROUP) {
            cgroup_ns = std::move(ns);
            join.cgroup_ns_fd = cgroup_ns.get();
        } else {
            flags |= id.flag;
        }
    }

    // The cgroup, opened while the host's /sys/fs/cgroup is still what we see.
    std::vector<sys::UniqueFd> attach_fds;
    sys::UniqueFd cgroup_leaf;
    if (!record->cgroup_version.empty()) {
        auto text = read_at(init_dir.get(), "cgroup");
        if (!text) {
            throw Refusal("cannot read the cgroup of sandbox '" + options.name +
                          "': " + text.error().describe());
        }
        join.cgroup_path = record->cgroup_path;
        join.init_cgroup_lines = sandbox_cgroup_lines(*text, record->cgroup_path);
        if (join.init_cgroup_lines.empty()) {
            throw Refusal("cannot verify the cgroup of sandbox '" + options.name +
                          "': its init is not in " + record->cgroup_path);
        }
        if (record->cgroup_version == "v2") {
            cgroup_leaf.reset(open(record->cgroup_leaf.c_str(), O_DIRECTORY | O_PATH | O_CLOEXEC));
            if (!cgroup_leaf) {
                throw Refusal("open cgroup " + record->cgroup_leaf + ": " + std::strerror(errno));
            }
        } else {
            for (const std::string& file : record->cgroup_attach_files) {
                sys::UniqueFd fd(open(file.c_str(), O_WRONLY | O_CLOEXEC));
                if (!fd) {
                    throw Refusal("open cgroup " + file + ": " + std::strerror(errno));
                }
                join.cgroup_attach_fds.push_back(fd.get());
                join.cgroup_attach_files.push_back(file);
                attach_fds.push_back(std::move(fd));
            }
        }
    }
    try {
        take_groups(record->launcher_groups);
    } catch (const sys::SysError& e) {
        throw Refusal(e.describe());
    }

    // Signals are read from a signalfd (as in `up`); blocked before clone3, unblocked by the
    // workload's process step.
    sigset_t handled =
        sys::make_sigset({SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH});
    sys::ScopedSignalMask mask(handled);
    auto signal_fd = sys::open_signalfd(handled);
    if (!signal_fd) {
        throw Refusal(signal_fd.error().describe());
    }
    signal(SIGPIPE, SIG_IGN);
    // Nothing in the sandbox may read this process's memory or fds while it holds host
    // privileges (its child is visible in the sandbox's pid namespace until execve, which
    // resets this).
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);

    if (flags != 0) {
        if (auto st = sys::enter_namespaces_of(pidfd->get(), flags, "sandbox " + options.name);
            !st) {
            throw Refusal("cannot join the namespaces of sandbox '" + options.name +
                          "': " + st.error().describe());
        }
    }

    std::optional<sys::PtyPair> pty;
    bool want_pty = options.tty == ExecTty::force ||
                    (options.tty == ExecTty::auto_detect && isatty(STDIN_FILENO) == 1);
    if (want_pty) {
        try {
            pty = open_sandbox_pty();
        } catch (const sys::SysError& e) {
            throw Refusal("cannot allocate a pty: " + e.describe());
        }
    }

    std::vector<std::string> env = record->env;
    for (const std::string& kv : options.env) {
        std::string key = kv.substr(0, kv.find('=') + 1);
        auto it = std::find_if(env.begin(), env.end(),
                               [&](const std::string& e) { return e.rfind(key, 0) == 0; });
        if (it != env.end()) {
            *it = kv;
        } else {
            env.push_back(kv);
        }
    }
    plan::Plan plan = plan_for_exec(*record, options.command);

    auto pair = SyncChannel::make_pair();
    if (!pair) {
        throw Refusal(pair.error().describe());
    }
    SyncChannel launcher_end = std::move(pair->first);
    SyncChannel child_end = std::move(pair->second);

    child::ChildContext cctx;
    cctx.plan = &plan;
    cctx.sync = &child_end;
    cctx.launcher_pid = getpid();
    cctx.env = env;
    cctx.seccomp_program = record->seccomp ? &program : nullptr;
    cctx.launcher_only_fds = {launcher_end.fd(), signal_fd->get()};
    if (pty) {
        cctx.launcher_only_fds.push_back(pty->master.get());
        cctx.pty_slave = pty->slave.get();
    }

    auto child = sys::clone_process(
        sys::CloneOptions{0, cgroup_leaf ? cgroup_leaf.get() : -1, SIGCHLD}, [&]() -> int {
            // Dies with this launcher (which stays outside the pid namespace: getppid() is 0
            // here, so a dead launcher shows as EOF on the sync socket instead).
            prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
            for (int fd : cctx.launcher_only_fds) {
                close(fd);
            }
            try {
                child::run_child_step(plan::StepId::spawn, [&] { join_and_verify(join); });
            } catch (...) {
                return child::report_child_failure(child_end, std::current_exception());
            }
            child::run_workload(cctx);
        });
    if (!child) {
        throw Refusal("cannot start the command in sandbox '" + options.name +
                      "': " + child.error().describe());
    }
    child_end.close();
    if (pty) {
        pty->slave.reset();  // or the master never sees the hang-up
    }

    std::optional<int> exec_errno;
    try {
        exec_errno = launcher_end.expect_exec(signal_fd->get());
    } catch (const SetupError& e) {
        // No hint for the join step: `up`'s (namespace limits) does not apply to entering.
        std::string text = std::string(e.what());
        if (std::string hint = e.hint(); !hint.empty() && e.step() != plan::StepId::spawn) {
            text += "\n  hint: " + hint;
        }
        throw Refusal(text);
    } catch (const Interrupted& e) {
        return k_exit_signal_base + e.signal();
    }
    launcher_end.close();
    if (exec_errno) {
        int err = *exec_errno;
        (void)child->wait();
        std::string text = "sandbox: cannot execute '" + options.command.front() +
                           "': " + std::strerror(err) + " (" + sys::errno_name(err) + ")\n";
        (void)!::write(STDERR_FILENO, text.data(), text.size());
        return err == ENOENT ? k_exit_not_found : k_exit_not_executable;
    }

    std::optional<sys::ScopedRawMode> raw_mode;
    if (pty && isatty(STDIN_FILENO) == 1) {
        auto raw = sys::ScopedRawMode::enable(STDIN_FILENO);
        if (raw) {
            raw_mode = std::move(*raw);
        }
    }
    plan::ProcessPlan supervision = plan.process;  // no timeout: the sandbox's own applies
    SuperviseResult res =
        supervise(*child, supervision, signal_fd->get(), -1, nullptr, pty ? &*pty : nullptr);
    if (raw_mode) {
        raw_mode->restore();
    }
    return res.status.shell_code();
}

}  // namespace

int enter_sandbox(const EnterOptions& options, const std::string& state_root) {
    try {
        return run(options, state_root);
    } catch (const Refusal& e) {
        print_line(e.what());
    } catch (const sys::SysError& e) {
        print_line(e.describe());
    } catch (const std::exception& e) {
        print_line(e.what());
    }
    return k_exit_setup_failed;
}

}  // namespace sandbox::exec
