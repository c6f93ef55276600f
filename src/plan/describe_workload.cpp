// describe() for the workload steps (13-18): init, process, credentials, capabilities and
// Landlock, exec. The seccomp step is described in plan/seccomp_plan.cpp.
#include <fmt/format.h>
#include <string.h>

#include "common/units.hpp"
#include "plan/describe.hpp"
#include "profile/enum_names.hpp"

namespace sandbox::plan {

namespace {

std::string_view tty_name(profile::TtyMode t) {
    return profile::name_of(profile::k_tty_mode_names, t);
}

std::string signal_str(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return abbrev ? fmt::format("SIG{} ({})", abbrev, sig) : std::to_string(sig);
}

std::string limit_str(const std::optional<uint64_t>& v) {
    return v ? std::to_string(*v) : "unlimited";
}

constexpr profile::EnumName<ProcessPlan::Groups> k_groups_names[] = {
    {ProcessPlan::Groups::unchanged, "unchanged"},
    {ProcessPlan::Groups::listed, "listed"},
    {ProcessPlan::Groups::user_memberships, "user_memberships"},
    {ProcessPlan::Groups::cleared, "cleared"},
    {ProcessPlan::Groups::denied, "denied"},
};

}  // namespace

StepDescription describe_init(const ProcessPlan& pr) {
    StepDescription d{StepId::init};
    if (pr.pid1_init) {
        d.lines.push_back(
            "sandbox:init stays PID 1: reaps, forwards signals, exits with the workload");
    }
    d.fields = {{"pid1_init", pr.pid1_init}};
    return d;
}

StepDescription describe(const ProcessPlan& pr) {
    StepDescription d{StepId::process};
    DescJson rl = DescJson::array();
    for (const RlimitOp& r : pr.rlimits) {
        d.lines.push_back(fmt::format("setrlimit {} soft={} hard={}", r.resource, limit_str(r.soft),
                                      limit_str(r.hard)));
        rl.push_back({{"resource", r.resource},
                      {"soft", r.soft ? DescJson(*r.soft) : DescJson(nullptr)},
                      {"hard", r.hard ? DescJson(*r.hard) : DescJson(nullptr)}});
    }
    d.lines.push_back("umask " + desc::octal(pr.umask));
    d.lines.push_back("clearenv");
    DescJson env = DescJson::array();
    for (const auto& [k, v] : pr.env) {
        d.lines.push_back(fmt::format("setenv {}={}", k, v));
        env.push_back({{"name", k}, {"value", v}});
    }
    for (const std::string& name : pr.inherit_env) {
        d.lines.push_back(fmt::format("setenv {} (inherited from the caller, if set)", name));
    }
    d.lines.push_back("chdir " + pr.cwd);
    if (pr.new_session) {
        d.lines.push_back("setsid");
    }
    // Only a chosen pty adds words, so plans without one read as before.
    d.lines.push_back(fmt::format(
        "tty {}{}", tty_name(pr.tty),
        pr.pty ? ": a pty from the sandbox's /dev/pts is stdin, stdout and stderr" : ""));
    if (pr.timeout) {
        d.lines.push_back(fmt::format("timeout {}: {}, then SIGKILL on the cgroup after {}",
                                      units::format_duration(*pr.timeout),
                                      signal_str(pr.stop_signal),
                                      units::format_duration(pr.stop_grace)));
    } else {
        d.lines.push_back(fmt::format("on stop: {}, then SIGKILL after {}",
                                      signal_str(pr.stop_signal),
                                      units::format_duration(pr.stop_grace)));
    }
    d.fields = {{"rlimits", rl},
                {"umask", desc::octal(pr.umask)},
                {"env", env},
                {"inherit_env", pr.inherit_env},
                {"cwd", pr.cwd},
                {"new_session", pr.new_session},
                {"tty", tty_name(pr.tty)},
                {"pty", pr.pty},
                {"timeout_ms", pr.timeout ? DescJson(pr.timeout->count()) : DescJson(nullptr)},
                {"stop_signal", pr.stop_signal},
                {"stop_grace_ms", pr.stop_grace.count()}};
    return d;
}

StepDescription describe_credentials(const ProcessPlan& pr) {
    StepDescription d{StepId::credentials};
    using Groups = ProcessPlan::Groups;
    switch (pr.groups) {
        case Groups::unchanged:
            d.lines.push_back("- unchanged (uid 0 in the sandbox)");
            break;
        case Groups::listed:
            d.lines.push_back("setgroups " + desc::join(pr.supplementary_groups, ","));
            break;
        case Groups::user_memberships:
            d.lines.push_back("setgroups <the groups the sandbox's /etc/group lists " + *pr.user +
                              " in> (initgroups)");
            break;
        case Groups::cleared:
            d.lines.push_back("setgroups []");
            break;
        case Groups::denied:
            d.lines.push_back("- setgroups denied in this user namespace");
            break;
    }
    if (pr.group) {
        d.lines.push_back("setresgid " + *pr.group);
    } else if (pr.user) {
        d.lines.push_back("setresgid <primary group of " + *pr.user + ">");
    }
    if (pr.user) {
        d.lines.push_back("setresuid " + *pr.user);
    }
    d.fields = {{"user", desc::optional(pr.user)},
                {"group", desc::optional(pr.group)},
                {"supplementary_groups", pr.supplementary_groups},
                {"setgroups", profile::name_of(k_groups_names, pr.groups)}};
    return d;
}

StepDescription describe(const CapsPlan& caps, const SecurityPlan& security) {
    StepDescription d{StepId::capabilities};
    std::string keep = caps.keep.empty() ? "(none)" : desc::join(caps.keep, ",");
    d.lines.push_back("bounding, permitted, effective, inheritable = " + keep);
    if (!caps.ambient.empty()) {
        d.lines.push_back("ambient = " + desc::join(caps.ambient, ","));
    }
    d.fields = {{"keep", caps.keep}, {"ambient", caps.ambient}};
    if (security.landlock) {
        const profile::Landlock& l = *security.landlock;
        d.lines.push_back(fmt::format("landlock: read [{}] read_write [{}]",
                                      desc::join(l.read, " "), desc::join(l.read_write, " ")));
        d.fields["landlock"] = {{"read", l.read}, {"read_write", l.read_write}};
    }
    return d;
}

StepDescription describe_exec(const ProcessPlan& pr) {
    StepDescription d{StepId::exec};
    std::string fds;
    for (int fd : pr.keep_fds) {
        fds += (fds.empty() ? "" : ",") + std::to_string(fd);
    }
    d.lines.push_back("close fds except 0,1,2" + (fds.empty() ? std::string() : "," + fds));
    std::string args = "[";
    for (size_t i = 0; i < pr.args.size(); ++i) {
        args += (i ? ", " : "") + DescJson(pr.args[i]).dump();
    }
    d.lines.push_back("execve " + args + "]");
    d.fields = {{"args", pr.args}, {"keep_fds", pr.keep_fds}};
    return d;
}

}  // namespace sandbox::plan
