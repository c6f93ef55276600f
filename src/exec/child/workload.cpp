// Steps 14-18, the workload. After init started us (or directly after network_sandbox when the
// sandbox has no pid-1 init). Order (docs/architecture.md §2): process → credentials → capabilities
// → seccomp → exec. Credentials before capabilities, because setresuid() to non-root clears the
// permitted set unless PR_SET_KEEPCAPS is on; seccomp last but one, "as close to exec as
// possible" (youki), so no setup syscall is filtered; fds closed last so the sync socket can
// still carry an error until execve itself.
//
// `sandbox exec` runs these same steps (run_workload) in the process exec/enter.cpp forked
// into the sandbox's namespaces and cgroup: one code path for both, so a command entering a
// sandbox is confined exactly like its workload (docs/security.md, "sandbox exec").
#include "exec/child/workload.hpp"

#include <fcntl.h>
#include <grp.h>
#include <linux/close_range.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <sstream>

#include "exec/child/security.hpp"
#include "profile/enum_names.hpp"
#include "sys/fs.hpp"
#include "sys/signals.hpp"

namespace sandbox::exec::child {

namespace {

bool is_number(const std::string& s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<std::vector<std::string>> parse_colon_file(const std::string& text) {
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') {
            continue;
        }
        std::vector<std::string> fields;
        std::string field;
        std::istringstream ls(line);
        while (std::getline(ls, field, ':')) {
            fields.push_back(field);
        }
        if (!line.empty() && line.back() == ':') {
            fields.emplace_back();
        }
        rows.push_back(std::move(fields));
    }
    return rows;
}

void apply_process(const ChildContext& ctx) {
    const plan::ProcessPlan& p = ctx.plan->process;
    for (const plan::RlimitOp& r : p.rlimits) {
        const profile::RlimitName* it = profile::find_rlimit(r.resource);
        if (it == nullptr) {
            throw sys::SysError(EINVAL, "setrlimit", r.resource);
        }
        rlimit lim{};
        lim.rlim_cur = r.soft ? static_cast<rlim_t>(*r.soft) : RLIM_INFINITY;
        lim.rlim_max = r.hard ? static_cast<rlim_t>(*r.hard) : RLIM_INFINITY;
        if (setrlimit(static_cast<__rlimit_resource>(it->resource), &lim) != 0) {
            throw sys::SysError(errno, "setrlimit", r.resource);
        }
    }
    umask(static_cast<mode_t>(p.umask));
    // A new session, so TIOCSTI cannot type into the launcher's terminal; with a pty, the
    // slave becomes the controlling terminal and stdio.
    if (p.new_session || ctx.pty_slave >= 0) {
        if (setsid() < 0) {
            throw sys::SysError(errno, "setsid");
        }
    }
    if (ctx.pty_slave >= 0) {
        if (ioctl(ctx.pty_slave, TIOCSCTTY, 0) != 0) {
            throw sys::SysError(errno, "ioctl TIOCSCTTY", "pty");
        }
        for (int fd = 0; fd < 3; ++fd) {
            if (dup2(ctx.pty_slave, fd) < 0) {
                throw sys::SysError(errno, "dup2", "pty");
            }
        }
        if (ctx.pty_slave > 2) {
            close(ctx.pty_slave);
        }
    }
    if (chdir(p.cwd.c_str()) != 0) {
        throw sys::SysError(errno, "chdir", p.cwd);
    }
    sys::reset_signals_for_exec();
}

void apply_credentials(const ChildContext& ctx) {
    const plan::ProcessPlan& p = ctx.plan->process;
    if (p.groups == plan::ProcessPlan::Groups::unchanged) {
        return;
    }
    std::string passwd, group;
    if (auto t = sys::read_file("/etc/passwd")) {
        passwd = std::move(*t);
    }
    if (auto t = sys::read_file("/etc/group")) {
        group = std::move(*t);
    }
    Credentials c = resolve_credentials(p, passwd, group);
    // The pty is the user's terminal, as login(1) and runc's fixStdioPermissions make it: a
    // program that reopens it by name (gpg's pinentry, sudo, script) needs to own it.
    if (ctx.pty_slave >= 0 && fchown(STDIN_FILENO, c.uid, c.gid) != 0) {
        throw sys::SysError(errno, "fchown", "pty");
    }
    if (c.set_groups) {
        std::vector<gid_t> gids(c.groups.begin(), c.groups.end());
        if (setgroups(gids.size(), gids.data()) != 0) {
            throw sys::SysError(errno, "setgroups");
        }
    }
    // Keep the permitted set across the uid change; the capabilities step then drops the
    // bounding set and sets exactly the kept ones (capabilities(7), "Effect of user ID changes
    // on capabilities"; exec/child/security.hpp).
    prepare_for_uid_change(ctx.plan->capabilities);
    if (setresgid(c.gid, c.gid, c.gid) != 0) {
        throw sys::SysError(errno, "setresgid", std::to_string(c.gid));
    }
    if (setresuid(c.uid, c.uid, c.uid) != 0) {
        throw sys::SysError(errno, "setresuid", std::to_string(c.uid));
    }
    sys::or_throw(sys::rearm_parent_death_signal(ctx.parent));  // cleared by setresuid
}

// close_range(CLOEXEC) everything from 3 up, except keep_fds (whose CLOEXEC is cleared): the
// sync socket stays usable until execve and closes itself there (CVE-2024-21626: no fd of the
// launcher may leak into the workload).
// Before Linux 5.11 (no CLOSE_RANGE_CLOEXEC, plan.kernel.close_range_cloexec false) the range
// is closed outright instead, except the sync socket, which gets FD_CLOEXEC: it must still carry
// an exec failure back, and closes itself at execve.
int cloexec_range(const ChildContext& ctx, unsigned int first, unsigned int last) {
    if (ctx.plan->kernel.close_range_cloexec) {
        return close_range(first, last, CLOSE_RANGE_CLOEXEC);
    }
    const int sync_fd = ctx.sync != nullptr ? ctx.sync->fd() : -1;
    if (sync_fd < 0 || static_cast<unsigned int>(sync_fd) < first ||
        static_cast<unsigned int>(sync_fd) > last) {
        return close_range(first, last, 0);
    }
    const auto sync = static_cast<unsigned int>(sync_fd);
    if (sync > first && close_range(first, sync - 1, 0) != 0) {
        return -1;
    }
    if (fcntl(sync_fd, F_SETFD, FD_CLOEXEC) != 0) {
        return -1;
    }
    return sync < last ? close_range(sync + 1, last, 0) : 0;
}

void close_fds(const ChildContext& ctx) {
    std::vector<int> keep = ctx.plan->process.keep_fds;
    std::sort(keep.begin(), keep.end());
    unsigned int from = 3;
    for (int fd : keep) {
        if (fd < 3) {
            continue;
        }
        if (static_cast<unsigned int>(fd) > from) {
            cloexec_range(ctx, from, static_cast<unsigned int>(fd) - 1);
        }
        int flags = fcntl(fd, F_GETFD);
        if (flags >= 0) {
            fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC);
        }
        from = static_cast<unsigned int>(fd) + 1;
    }
    if (cloexec_range(ctx, from, ~0U) != 0) {
        throw sys::SysError(errno, "close_range");
    }
}

std::string env_value(const std::vector<std::string>& env, const std::string& name) {
    for (const std::string& e : env) {
        if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 &&
            e[name.size()] == '=') {
            return e.substr(name.size() + 1);
        }
    }
    return {};
}

// execvpe(3) semantics, done here so the search runs inside the new root with the workload's
// PATH: the first ENOENT/ENOTDIR moves on, EACCES is remembered, anything else stops.
[[noreturn]] void exec_program(const ChildContext& ctx) {
    const auto& args = ctx.plan->process.args;
    std::vector<char*> argv;
    for (const std::string& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const std::string& e : ctx.env) {
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    envp.push_back(nullptr);

    const std::string& program = args.empty() ? std::string() : args.front();
    int err = ENOENT;
    if (program.find('/') != std::string::npos) {
        execve(program.c_str(), argv.data(), envp.data());
        err = errno;
    } else if (!program.empty()) {
        std::string path = env_value(ctx.env, "PATH");
        if (path.empty()) {
            path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
        }
        bool saw_eacces = false;
        std::istringstream dirs(path);
        std::string dir;
        err = ENOENT;
        while (std::getline(dirs, dir, ':')) {
            std::string candidate = (dir.empty() ? "." : dir) + "/" + program;
            execve(candidate.c_str(), argv.data(), envp.data());
            if (errno == EACCES) {
                saw_eacces = true;
            } else if (errno != ENOENT && errno != ENOTDIR) {
                err = errno;
                break;
            }
        }
        if (err == ENOENT && saw_eacces) {
            err = EACCES;
        }
    }
    ctx.sync->try_send(SyncMsg::exec_failed(err, program.c_str()));
    _exit(err == ENOENT ? 127 : 126);
}

}  // namespace

Credentials resolve_credentials(const plan::ProcessPlan& p, const std::string& passwd,
                                const std::string& group) {
    Credentials c;
    auto users = parse_colon_file(passwd);
    auto groups = parse_colon_file(group);
    std::string user_name;
    if (p.user) {
        if (is_number(*p.user)) {
            c.uid = static_cast<uint32_t>(std::stoul(*p.user));
            for (const auto& u : users) {
                if (u.size() >= 4 && u[2] == *p.user) {
                    c.gid = static_cast<uint32_t>(std::stoul(u[3]));
                    user_name = u[0];
                    break;
                }
            }
        } else {
            bool found = false;
            for (const auto& u : users) {
                if (u.size() >= 4 && u[0] == *p.user && is_number(u[2]) && is_number(u[3])) {
                    c.uid = static_cast<uint32_t>(std::stoul(u[2]));
                    c.gid = static_cast<uint32_t>(std::stoul(u[3]));
                    user_name = u[0];
                    found = true;
                    break;
                }
            }
            if (!found) {
                throw sys::SysError(ENOENT, "look up user", *p.user, {}, "not in /etc/passwd");
            }
        }
    }
    auto lookup_group = [&](const std::string& g) -> uint32_t {
        if (is_number(g)) {
            return static_cast<uint32_t>(std::stoul(g));
        }
        for (const auto& row : groups) {
            if (row.size() >= 3 && row[0] == g && is_number(row[2])) {
                return static_cast<uint32_t>(std::stoul(row[2]));
            }
        }
        throw sys::SysError(ENOENT, "look up group", g, {}, "not in /etc/group");
    };
    if (p.group) {
        c.gid = lookup_group(*p.group);
    }
    // Supplementary groups, as the planner decided (ProcessPlan::groups): the listed ones, the
    // user's own memberships (initgroups(3)), none, or no setgroups(2) call at all.
    using Groups = plan::ProcessPlan::Groups;
    c.set_groups = p.groups == Groups::listed || p.groups == Groups::user_memberships ||
                   p.groups == Groups::cleared;
    c.groups.clear();
    if (p.groups == Groups::listed) {
        for (const std::string& g : p.supplementary_groups) {
            c.groups.push_back(lookup_group(g));
        }
    }
    if (p.groups == Groups::user_memberships && !user_name.empty()) {
        for (const auto& row : groups) {
            if (row.size() < 4 || !is_number(row[2])) {
                continue;
            }
            std::istringstream members(row[3]);
            std::string m;
            while (std::getline(members, m, ',')) {
                if (m == user_name) {
                    c.groups.push_back(static_cast<uint32_t>(std::stoul(row[2])));
                }
            }
        }
    }
    return c;
}

void run_workload(const ChildContext& ctx) {
    try {
        run_child_step(plan::StepId::process, [&] { apply_process(ctx); });
        run_child_step(plan::StepId::credentials, [&] { apply_credentials(ctx); });
        run_child_step(plan::StepId::capabilities, [&] {
            apply_capabilities(ctx.plan->capabilities);
            apply_landlock(ctx.plan->capabilities, ctx.plan->security);
        });
        // What is left is the filter, closing fds and the execve: from here on a stop signal
        // is the supervision's, not a setup interruption (exec/sync.hpp). Sent before the
        // filter, which may not allow sending anything.
        ctx.sync->try_send(SyncMsg::exec_imminent());
        run_child_step(plan::StepId::seccomp, [&] {
            apply_seccomp(ctx.plan->capabilities, ctx.plan->seccomp, ctx.seccomp_program);
        });
        run_child_step(plan::StepId::exec, [&] { close_fds(ctx); });
    } catch (...) {
        _exit(report_child_failure(*ctx.sync, std::current_exception()));
    }
    exec_program(ctx);
}

}  // namespace sandbox::exec::child
