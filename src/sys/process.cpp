#include "sys/process.hpp"

#include <linux/sched.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace sandbox::sys {

namespace {

ExitStatus status_from(const siginfo_t& info) {
    ExitStatus st;
    if (info.si_code == CLD_EXITED) {
        st.code = info.si_status;
    } else {
        st.signaled = true;
        st.code = info.si_status;
    }
    return st;
}

[[noreturn]] void run_child(const std::function<int()>& child_main) {
    int rc = 125;
    try {
        rc = child_main();
    } catch (...) {
        rc = 125;
    }
    _exit(rc);
}

}  // namespace

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
    if (this != &other) {
        kill_and_reap();
        m_pid = std::exchange(other.m_pid, -1);
        m_pidfd = std::move(other.m_pidfd);
    }
    return *this;
}

ChildProcess::~ChildProcess() {
    kill_and_reap();
}

void ChildProcess::kill_and_reap() {
    if (m_pid <= 0) {
        return;
    }
    if (m_pidfd) {
        pidfd_signal(m_pidfd.get(), SIGKILL);
        siginfo_t info{};
        while (waitid(P_PIDFD, static_cast<id_t>(m_pidfd.get()), &info, WEXITED) != 0 &&
               errno == EINTR) {
        }
    } else {
        kill(m_pid, SIGKILL);
        while (waitpid(m_pid, nullptr, 0) < 0 && errno == EINTR) {
        }
    }
    m_pid = -1;
}

Status ChildProcess::signal(int sig) const {
    if (m_pid <= 0) {
        return {};
    }
    if (pidfd_signal(m_pidfd.get(), sig) != 0 && errno != ESRCH) {
        return fail("pidfd_send_signal", std::to_string(m_pid), {});
    }
    return {};
}

Result<ExitStatus> ChildProcess::wait() {
    siginfo_t info{};
    while (waitid(P_PIDFD, static_cast<id_t>(m_pidfd.get()), &info, WEXITED) != 0) {
        if (errno != EINTR) {
            return fail("waitid", std::to_string(m_pid));
        }
    }
    m_pid = -1;
    return status_from(info);
}

Result<std::optional<ExitStatus>> ChildProcess::try_wait() {
    siginfo_t info{};
    info.si_pid = 0;
    if (waitid(P_PIDFD, static_cast<id_t>(m_pidfd.get()), &info, WEXITED | WNOHANG) != 0) {
        return fail("waitid", std::to_string(m_pid));
    }
    if (info.si_pid == 0) {
        return std::optional<ExitStatus>{};
    }
    m_pid = -1;
    return std::optional<ExitStatus>{status_from(info)};
}

pid_t ChildProcess::release() {
    m_pidfd.reset();
    return std::exchange(m_pid, -1);
}

Result<ChildProcess> clone_process(const CloneOptions& options,
                                   const std::function<int()>& child_main) {
    int pidfd = -1;
    clone_args args{};
    args.flags = options.flags | CLONE_PIDFD;
    args.pidfd = reinterpret_cast<uint64_t>(&pidfd);
    args.exit_signal = static_cast<uint64_t>(options.exit_signal);
    if (options.cgroup_fd >= 0) {
        args.flags |= CLONE_INTO_CGROUP;
        args.cgroup = static_cast<uint64_t>(options.cgroup_fd);
    }
    long pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid < 0) {
        return fail_with(errno, "clone3", clone_flags_to_string(args.flags));
    }
    if (pid == 0) {
        run_child(child_main);
    }
    // clone3 does not set O_CLOEXEC on the pidfd in every kernel; make sure.
    UniqueFd fd(pidfd);
    return ChildProcess(static_cast<pid_t>(pid), std::move(fd));
}

Result<ChildProcess> fork_process(const std::function<int()>& child_main) {
    return clone_process(CloneOptions{}, child_main);
}

int pidfd_signal(int pidfd, int sig) {
    return static_cast<int>(syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

int pidfd_open_raw(pid_t pid) {
    return static_cast<int>(syscall(SYS_pidfd_open, pid, 0));
}

Result<UniqueFd> open_pidfd(pid_t pid) {
    int fd = pidfd_open_raw(pid);
    if (fd < 0) {
        return fail("pidfd_open", std::to_string(pid));
    }
    return UniqueFd(fd);
}

Result<bool> wait_pidfd_readable(int pidfd, int timeout_ms) {
    pollfd p{pidfd, POLLIN, 0};
    for (;;) {
        int n = poll(&p, 1, timeout_ms);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return fail("poll", "pidfd");
        }
        return n > 0;
    }
}

std::string clone_flags_to_string(uint64_t flags) {
    static constexpr std::array<std::pair<uint64_t, const char*>, 11> k_names{{
        {CLONE_NEWUSER, "CLONE_NEWUSER"},
        {CLONE_NEWPID, "CLONE_NEWPID"},
        {CLONE_NEWNS, "CLONE_NEWNS"},
        {CLONE_NEWUTS, "CLONE_NEWUTS"},
        {CLONE_NEWIPC, "CLONE_NEWIPC"},
        {CLONE_NEWNET, "CLONE_NEWNET"},
        {CLONE_NEWCGROUP, "CLONE_NEWCGROUP"},
        {CLONE_NEWTIME, "CLONE_NEWTIME"},
        {CLONE_PIDFD, "CLONE_PIDFD"},
        {CLONE_INTO_CGROUP, "CLONE_INTO_CGROUP"},
        {CLONE_VFORK, "CLONE_VFORK"},
    }};
    std::string out;
    for (const auto& [bit, name] : k_names) {
        if ((flags & bit) != 0) {
            if (!out.empty()) {
                out += '|';
            }
            out += name;
            flags &= ~bit;
        }
    }
    if (flags != 0) {
        if (!out.empty()) {
            out += '|';
        }
        out += "0x" + [&] {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(flags));
            return std::string(buf);
        }();
    }
    return out.empty() ? "0" : out;
}

Status rearm_parent_death_signal(const ParentWatch& parent) {
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        return fail("prctl", "PR_SET_PDEATHSIG");
    }
    // Armed now; if the parent is already gone it never fires, so look once more.
    if (parent.pidfd >= 0) {
        pollfd p{parent.pidfd, POLLIN, 0};
        if (::poll(&p, 1, 0) > 0) {  // a pidfd is readable once its process has exited
            return fail_with(ESRCH, "parent-death check", {}, {}, "the launcher has exited");
        }
    }
    if (parent.pid > 0 && ::getppid() != parent.pid) {
        return fail_with(ESRCH, "parent-death check", {}, {},
                         "re-parented: the launcher has exited");
    }
    return {};
}

namespace {

struct TitleArea {
    char* args = nullptr;
    size_t args_size = 0;
    char* env = nullptr;
    size_t env_size = 0;
};
TitleArea g_title_area;  // set once in main(), inherited by every clone

// The span of strings[0..n) when each starts right after the previous one's NUL, else empty.
std::pair<char*, size_t> back_to_back(char* const* strings, size_t n) {
    if (n == 0 || strings[0] == nullptr) {
        return {nullptr, 0};
    }
    char* end = strings[0];
    for (size_t i = 0; i < n; ++i) {
        if (strings[i] != end) {
            return {nullptr, 0};
        }
        end += std::strlen(strings[i]) + 1;
    }
    return {strings[0], static_cast<size_t>(end - strings[0])};
}

void write_title(char* args, size_t args_size, char* env, size_t env_size,
                 const std::string& title) {
    std::memset(args, 0, args_size);
    std::memcpy(args, title.data(), std::min(title.size(), args_size - 1));
    if (env != nullptr && env_size > 0) {
        std::memset(env, 0, env_size);
    }
}

}  // namespace

void remember_process_title_area(int argc, char** argv) {
    auto [args, args_size] = back_to_back(argv, argc > 0 ? static_cast<size_t>(argc) : 0);
    size_t envc = 0;
    while (environ != nullptr && environ[envc] != nullptr) {
        ++envc;
    }
    auto [env, env_size] = back_to_back(environ, envc);
    if (args != nullptr && (env != nullptr || envc == 0)) {
        g_title_area = TitleArea{args, args_size, env, env_size};
    }
}

Status set_process_title(const std::string& title) {
    if (g_title_area.args != nullptr) {
        write_title(g_title_area.args, g_title_area.args_size, g_title_area.env,
                    g_title_area.env_size, title);
        return {};
    }
    FILE* f = std::fopen("/proc/self/stat", "re");
    if (f == nullptr) {
        return fail("open", "/proc/self/stat");
    }
    char buf[4096];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    // Fields after the command name, which may hold spaces and ')': start after the last ')'.
    const char* p = std::strrchr(buf, ')');
    if (p == nullptr) {
        return fail_with(EINVAL, "parse", "/proc/self/stat");
    }
    std::array<unsigned long, 4> bounds{};  // arg_start arg_end env_start env_end
    int field = 2;
    for (const char* c = p + 1; *c != '\0'; ++c) {
        if (*c != ' ') {
            continue;
        }
        ++field;
        if (field >= 48 && field <= 51) {
            bounds[static_cast<size_t>(field - 48)] = std::strtoul(c + 1, nullptr, 10);
        }
    }
    auto [arg_start, arg_end, env_start, env_end] = bounds;
    if (field < 51 || arg_start == 0 || arg_end <= arg_start) {
        return fail_with(EINVAL, "parse", "/proc/self/stat", {}, "no argv bounds");
    }
    // The argv strings live in our own (copied) stack: plain memory writes, as setproctitle(3).
    bool has_env = env_start != 0 && env_end > env_start;
    write_title(reinterpret_cast<char*>(arg_start), arg_end - arg_start,
                has_env ? reinterpret_cast<char*>(env_start) : nullptr,
                has_env ? env_end - env_start : 0, title);
    return {};
}

}  // namespace sandbox::sys
