// Plan printer. No decisions are made here: every line is one field of the Plan, so explain
// cannot drift from what the executor runs. Steps print in docs/architecture.md §2 order.
#include "plan/explain.hpp"

#include <fmt/format.h>
#include <string.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/units.hpp"

namespace sandbox::plan {

namespace {

using Json = nlohmann::ordered_json;

std::string_view to_string(CgroupVersion v) {
    switch (v) {
        case CgroupVersion::none:
            return "none";
        case CgroupVersion::v1:
            return "v1";
        case CgroupVersion::v2:
            return "v2";
        case CgroupVersion::hybrid:
            return "hybrid";
    }
    return "unknown";
}

std::string_view to_string(RootfsKind k) {
    switch (k) {
        case RootfsKind::directory:
            return "directory";
        case RootfsKind::archive:
            return "archive";
        case RootfsKind::host:
            return "host";
    }
    return "unknown";
}

std::string_view to_string(PlanNote::Level l) {
    switch (l) {
        case PlanNote::Level::info:
            return "info";
        case PlanNote::Level::warning:
            return "warning";
        case PlanNote::Level::error:
            return "error";
    }
    return "unknown";
}

std::string_view to_string(profile::NetworkMode m) {
    switch (m) {
        case profile::NetworkMode::none:
            return "none";
        case profile::NetworkMode::host:
            return "host";
        case profile::NetworkMode::veth:
            return "veth";
    }
    return "unknown";
}

std::string_view to_string(profile::Protocol p) {
    return p == profile::Protocol::udp ? "udp" : "tcp";
}

std::string_view to_string(profile::TtyMode t) {
    switch (t) {
        case profile::TtyMode::auto_detect:
            return "auto";
        case profile::TtyMode::enabled:
            return "true";
        case profile::TtyMode::disabled:
            return "false";
    }
    return "unknown";
}

std::string_view propagation_flag(profile::Propagation p) {
    switch (p) {
        case profile::Propagation::private_:
            return "MS_PRIVATE";
        case profile::Propagation::slave:
            return "MS_SLAVE";
        case profile::Propagation::shared:
            return "MS_SHARED";
        case profile::Propagation::unbindable:
            return "MS_UNBINDABLE";
    }
    return "";
}

std::string_view to_string(profile::SeccompAction a) {
    switch (a) {
        case profile::SeccompAction::allow:
            return "allow";
        case profile::SeccompAction::errno_:
            return "errno";
        case profile::SeccompAction::kill_process:
            return "kill_process";
        case profile::SeccompAction::kill_thread:
            return "kill_thread";
        case profile::SeccompAction::trap:
            return "trap";
        case profile::SeccompAction::log:
            return "log";
    }
    return "unknown";
}

std::string_view to_string(profile::ArgOp op) {
    switch (op) {
        case profile::ArgOp::eq:
            return "==";
        case profile::ArgOp::ne:
            return "!=";
        case profile::ArgOp::lt:
            return "<";
        case profile::ArgOp::le:
            return "<=";
        case profile::ArgOp::gt:
            return ">";
        case profile::ArgOp::ge:
            return ">=";
        case profile::ArgOp::masked_eq:
            return "&";
    }
    return "?";
}

std::string action_str(profile::SeccompAction a, uint32_t errno_value) {
    if (a == profile::SeccompAction::errno_) {
        return fmt::format("errno({})", errno_value);
    }
    return std::string(to_string(a));
}

std::string signal_str(int sig) {
    const char* abbrev = sigabbrev_np(sig);
    return abbrev ? fmt::format("SIG{} ({})", abbrev, sig) : std::to_string(sig);
}

std::string octal(uint32_t mode) {
    return fmt::format("{:04o}", mode);
}

std::string join(const std::vector<std::string>& items, std::string_view sep) {
    std::string out;
    for (const std::string& i : items) {
        if (!out.empty()) {
            out += sep;
        }
        out += i;
    }
    return out;
}

std::string cidr_str(const Cidr& c) {
    return fmt::format("{}/{}", c.address, c.prefix);
}

std::string limit_str(const std::optional<uint64_t>& v) {
    return v ? std::to_string(*v) : "unlimited";
}

std::string quoted_args(const std::vector<std::string>& args) {
    std::string out = "[";
    for (size_t i = 0; i < args.size(); ++i) {
        out += (i ? ", " : "") + Json(args[i]).dump();
    }
    return out + "]";
}

// The cgroup directories, one per distinct hierarchy (cpu and cpuacct share one on most hosts).
std::vector<std::string> cgroup_dirs(const CgroupPlan& c) {
    std::vector<std::string> dirs;
    if (c.version == CgroupVersion::v2) {
        dirs.push_back(c.v2_root + "/" + c.path);
        return dirs;
    }
    for (const std::string& controller : c.v1_controllers) {
        auto it = c.v1_hierarchies.find(controller);
        if (it == c.v1_hierarchies.end()) {
            continue;
        }
        std::string dir = it->second + "/" + c.path;
        if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) {
            dirs.push_back(dir);
        }
    }
    return dirs;
}

std::string cgroup_write_target(const CgroupWrite& w) {
    return w.controller.empty() ? w.file : w.controller + "/" + w.file;
}

// Where a mount op's profile values were written (its target key, else any key under it).
std::string origin_of(const profile::Origins& origins, const std::string& key) {
    for (const std::string& k : {key + ".target", key}) {
        auto it = origins.find(k);
        if (it != origins.end()) {
            return it->second.str();
        }
    }
    auto it = origins.lower_bound(key + ".");
    if (it != origins.end() && it->first.rfind(key + ".", 0) == 0) {
        return it->second.str();
    }
    return {};
}

std::string mount_line(const MountOp& op, const ExplainOptions& options) {
    std::string flags = mount_flags_str(op);
    std::string line;
    std::string target = op.target;
    switch (op.kind) {
        case MountOpKind::make_private:
            line = fmt::format("make-private {}", target);
            break;
        case MountOpKind::bind_root:
            line = fmt::format("bind {} → {} (new root)",
                               op.source.empty() ? "<unpacked archive>" : op.source, target);
            break;
        case MountOpKind::overlay_root:
            line = fmt::format("overlay → {} (new root) \"{}\"", target, op.data);
            break;
        case MountOpKind::tmpfs_root:
            line = fmt::format("tmpfs → {} (new root) \"{}\"", target, op.data);
            break;
        case MountOpKind::bind:
        case MountOpKind::dev_node:
        case MountOpKind::write_file:
            line = fmt::format("{} {} → {}", to_string(op.kind), op.source, target);
            break;
        case MountOpKind::readonly:
            line = fmt::format("readonly {}", target);
            break;
        case MountOpKind::mask:
            line = fmt::format("mask {}", target);
            break;
        case MountOpKind::symlink:
            line = fmt::format("symlink {} → {}", target, op.source);
            break;
        case MountOpKind::tmpfs:
        case MountOpKind::proc:
        case MountOpKind::sysfs:
        case MountOpKind::devpts:
        case MountOpKind::mqueue:
            line = fmt::format("{} {} → {}", to_string(op.kind), op.source, target);
            break;
    }
    if (!flags.empty()) {
        line += " [" + flags + "]";
    }
    bool data_shown = op.kind == MountOpKind::overlay_root || op.kind == MountOpKind::tmpfs_root;
    if (!op.data.empty() && !data_shown) {
        line += " \"" + op.data + "\"";
    }
    if (op.create != MountOp::Create::none) {
        line += fmt::format(" create={}", to_string(op.create));
        if (op.create_mode) {
            line += fmt::format(" mode={}", octal(*op.create_mode));
        }
    }
    if (op.optional) {
        line += " optional";
    }
    line += " (" + op.origin + ")";
    if (options.origins && op.origin.rfind("mounts[", 0) == 0) {
        std::string where = origin_of(*options.origins, op.origin);
        if (!where.empty()) {
            line += " @ " + where;
        }
    }
    return line;
}

// ---- text ------------------------------------------------------------------------------------
class TextWriter {
public:
    TextWriter(const Plan& plan, const ExplainOptions& options)
        : m_plan(plan), m_options(options) {}

    void header(StepId step, std::string suffix = {}) {
        m_out += std::string(to_string(step));
        if (!suffix.empty()) {
            m_out += " (" + suffix + ")";
        }
        m_out += "\n";
        for (const PlanNote& n : m_plan.notes) {
            if (n.step == step) {
                line(fmt::format("! {}: {}", to_string(n.level), n.message));
            }
        }
    }
    void line(const std::string& text) { m_out += "  " + text + "\n"; }
    std::string take() { return std::move(m_out); }

private:
    const Plan& m_plan;
    const ExplainOptions& m_options;
    std::string m_out;
};

void text_state(const Plan& p, TextWriter& w) {
    w.header(StepId::state);
    w.line("mkdir " + p.state.dir + " (0700)");
    for (const std::string& d : p.state.subdirs) {
        w.line("mkdir " + d + " (0700)");
    }
    for (const StateFile& f : p.state.files) {
        w.line(fmt::format("write {} ({})", f.path, octal(f.mode)));
        size_t start = 0;
        while (start < f.content.size()) {
            size_t end = f.content.find('\n', start);
            if (end == std::string::npos) {
                end = f.content.size();
            }
            w.line("  | " + f.content.substr(start, end - start));
            start = end + 1;
        }
    }
}

void text_rootfs(const Plan& p, TextWriter& w) {
    const RootfsPlan& r = p.rootfs;
    w.header(StepId::rootfs, std::string(to_string(r.kind)));
    switch (r.kind) {
        case RootfsKind::directory:
            w.line("use directory " + r.source);
            break;
        case RootfsKind::archive:
            w.line(fmt::format("unpack {} into {}/<sha256 of the archive> (once; cached)", r.source,
                               r.cache_dir));
            break;
        case RootfsKind::host:
            w.line("tmpfs root with read-only binds of " + join(r.host_binds, " ") +
                   " and an /etc subset");
            break;
    }
    if (r.overlay) {
        w.line(fmt::format("overlay: upper {} work {}", r.upper_dir, r.work_dir));
    }
    if (r.readonly) {
        w.line("readonly: / remounted read-only after pivot_root");
    }
}

void text_cgroup(const Plan& p, TextWriter& w) {
    const CgroupPlan& c = p.cgroup;
    if (!c.enabled) {
        w.header(StepId::cgroup, fmt::format("host {}", to_string(c.host_version)));
        w.line("- no cgroup");
        return;
    }
    std::string suffix = fmt::format("{}", to_string(c.version));
    if (c.host_version != c.version) {
        suffix += fmt::format(", host {}", to_string(c.host_version));
    }
    w.header(StepId::cgroup, suffix);
    for (const std::string& dir : cgroup_dirs(c)) {
        w.line("mkdir " + dir);
    }
    if (c.version == CgroupVersion::v2 && !c.v2_enable.empty()) {
        std::string enable;
        for (const std::string& ctl : c.v2_enable) {
            enable += (enable.empty() ? "+" : " +") + ctl;
        }
        // Top down, every level from v2_root to the leaf's parent.
        std::string dir = c.v2_root;
        std::string rest = c.path;
        while (true) {
            w.line(fmt::format("write {}/cgroup.subtree_control = \"{}\"", dir, enable));
            size_t slash = rest.find('/');
            if (slash == std::string::npos) {
                break;
            }
            dir += "/" + rest.substr(0, slash);
            rest = rest.substr(slash + 1);
        }
    }
    for (const CgroupWrite& wr : c.writes) {
        w.line(fmt::format("write {} = {}", cgroup_write_target(wr), wr.value));
    }
    if (c.version != CgroupVersion::v2) {
        w.line("attach: the child writes 0 into each hierarchy's tasks before exec");
    } else if (p.kernel.clone_into_cgroup) {
        w.line("attach: clone3(CLONE_INTO_CGROUP)");
    } else {
        w.line("attach: the child writes 0 into cgroup.procs before exec (no CLONE_INTO_CGROUP)");
    }
}

void text_spawn(const Plan& p, TextWriter& w) {
    w.header(StepId::spawn);
    std::string flags = clone_flags_str(p.spawn);
    w.line("clone3 [" + (flags.empty() ? std::string("no new namespaces") : flags) + "]");
    for (const NamespaceOp& op : p.spawn.namespaces) {
        if (op.action != NamespaceOp::Action::join) {
            continue;
        }
        w.line(fmt::format("setns {} {}", to_string(op.type),
                           op.path.empty() ? "of sandbox \"" + op.sandbox + "\"" : op.path));
    }
    if (p.spawn.join_pid_namespace) {
        w.line("intermediate process: setns(pid) affects only children");
    }
    if (p.spawn.unshare_cgroup_after_attach) {
        w.line(p.cgroup.version == CgroupVersion::v1
                   ? "child: unshare [CLONE_NEWCGROUP] after joining the cgroup (v1 tasks)"
                   : "child: unshare [CLONE_NEWCGROUP] after joining the cgroup (cgroup.procs)");
    }
    // The paths taken on this kernel (plan/kernel_plan.cpp); only when it was probed, so
    // explain on made-up hosts (goldens) stays kernel-independent.
    if (!p.kernel.release.empty()) {
        w.line("kernel " + p.kernel.release + " (floor 5.10):");
        for (const std::string& path : p.kernel.paths) {
            w.line("  " + path);
        }
    }
}

void text_id_maps(const Plan& p, TextWriter& w) {
    const IdMapPlan& m = p.id_maps;
    w.header(StepId::id_maps);
    if (!m.enabled) {
        w.line("- no new user namespace");
        return;
    }
    if (m.deny_setgroups) {
        w.line("write setgroups = deny");
    }
    // "auto": the outside start is leased at run time; the run logs the range it got.
    auto outside = [&m](const IdMapLine& l) {
        return m.auto_range ? std::string("<auto>") : std::to_string(l.outside);
    };
    if (m.auto_range) {
        const IdMapPlan::AutoRange& a = *m.auto_range;
        w.line(fmt::format(
            "uid_map/gid_map auto: lease {} ids in {}..{} ({}), skipping {} /etc/subuid "
            "and /etc/subgid entries and the other sandboxes' leases (in {})",
            a.count, a.uid_pool.start, uint64_t{a.uid_pool.start} + a.uid_pool.count - 1,
            a.pool_origin, a.excluded.size(), a.lease_dir));
    }
    std::string how = m.use_helpers ? "newgidmap" : "write gid_map";
    for (const IdMapLine& l : m.gid_lines) {
        w.line(fmt::format("{} {} {} {}", how, l.inside, outside(l), l.count));
    }
    how = m.use_helpers ? "newuidmap" : "write uid_map";
    for (const IdMapLine& l : m.uid_lines) {
        w.line(fmt::format("{} {} {} {}", how, l.inside, outside(l), l.count));
    }
}

void text_network_host(const Plan& p, TextWriter& w) {
    const NetHostPlan& n = p.network_host;
    w.header(StepId::network_host, std::string(to_string(n.mode)));
    if (n.host_name.empty()) {
        w.line("- nothing on the host");
        return;
    }
    w.line(fmt::format("veth {} ↔ {} (peer created in the sandbox netns){}", n.host_name,
                       n.peer_name, n.mtu ? fmt::format(" mtu {}", *n.mtu) : std::string()));
    for (const Cidr& c : n.host_addresses) {
        w.line(fmt::format("address {} dev {}", cidr_str(c), n.host_name));
    }
    w.line("link up " + n.host_name);
    if (!n.nft_table.empty()) {
        w.line("nft table inet " + n.nft_table);
        if (n.nat) {
            for (const Cidr& c : n.sandbox_addresses) {
                w.line("  masquerade from " + cidr_str(c));
            }
        }
        for (const PortForwardOp& port : n.ports) {
            for (const Cidr& c : n.sandbox_addresses) {
                w.line(fmt::format("  dnat {} {} → {}{}{}:{}", to_string(port.protocol),
                                   port.host_port, c.v6 ? "[" : "", c.address, c.v6 ? "]" : "",
                                   port.sandbox_port));
            }
        }
    }
    if (n.forwarding) {
        w.line("sysctl net.ipv4.ip_forward = 1 (restored after the run)");
    }
}

void text_identity(const Plan& p, TextWriter& w) {
    w.header(StepId::identity);
    if (!p.identity.hostname && !p.identity.domainname) {
        w.line("- host's uts namespace");
    }
    if (p.identity.hostname) {
        w.line("sethostname " + *p.identity.hostname);
    }
    if (p.identity.domainname) {
        w.line("setdomainname " + *p.identity.domainname);
    }
}

void text_mounts(const Plan& p, const ExplainOptions& options, TextWriter& w) {
    w.header(StepId::mounts);
    if (p.mounts.empty()) {
        w.line("- none");
    }
    for (const MountOp& op : p.mounts) {
        w.line(mount_line(op, options));
    }
}

void text_pivot(const Plan& p, TextWriter& w) {
    w.header(StepId::pivot_root);
    if (!p.pivot.enabled) {
        w.line("- host's mount namespace: no pivot_root");
        return;
    }
    w.line("pivot_root " + p.pivot.new_root + ", detach the old root, chdir /");
    if (p.pivot.readonly_root) {
        w.line("remount / [MS_BIND|MS_REMOUNT|MS_RDONLY]");
    }
}

void text_network_sandbox(const Plan& p, TextWriter& w) {
    const NetSandboxPlan& n = p.network_sandbox;
    w.header(StepId::network_sandbox);
    if (!n.loopback_up) {
        w.line("- no network namespace of our own");
        return;
    }
    w.line("link up lo");
    if (n.interface_name.empty()) {
        return;
    }
    w.line(fmt::format("rename {} → {}", n.peer_name, n.interface_name));
    if (n.mtu) {
        w.line(fmt::format("mtu {} dev {}", *n.mtu, n.interface_name));
    }
    for (const Cidr& c : n.addresses) {
        w.line(fmt::format("address {} dev {}", cidr_str(c), n.interface_name));
    }
    w.line("link up " + n.interface_name);
    for (const RouteOp& r : n.default_routes) {
        w.line(fmt::format("route {} default via {} dev {}", r.v6 ? "-6" : "-4", r.gateway,
                           n.interface_name));
    }
}

void text_workload(const Plan& p, TextWriter& w) {
    const ProcessPlan& pr = p.process;
    if (pr.pid1_init) {
        w.header(StepId::init);
        w.line("sandbox:init stays PID 1: reaps, forwards signals, exits with the workload");
    }
    w.header(StepId::process);
    for (const RlimitOp& r : pr.rlimits) {
        w.line(fmt::format("setrlimit {} soft={} hard={}", r.resource, limit_str(r.soft),
                           limit_str(r.hard)));
    }
    w.line("umask " + octal(pr.umask));
    w.line("clearenv");
    for (const auto& [k, v] : pr.env) {
        w.line(fmt::format("setenv {}={}", k, v));
    }
    for (const std::string& name : pr.inherit_env) {
        w.line(fmt::format("setenv {} (inherited from the caller, if set)", name));
    }
    w.line("chdir " + pr.cwd);
    if (pr.new_session) {
        w.line("setsid");
    }
    // Only a chosen pty adds words, so plans without one read as before.
    w.line(fmt::format(
        "tty {}{}", to_string(pr.tty),
        pr.pty ? ": a pty from the sandbox's /dev/pts is stdin, stdout and stderr" : ""));
    if (pr.timeout) {
        w.line(fmt::format("timeout {}: {}, then SIGKILL on the cgroup after {}",
                           units::format_duration(*pr.timeout), signal_str(pr.stop_signal),
                           units::format_duration(pr.stop_grace)));
    } else {
        w.line(fmt::format("on stop: {}, then SIGKILL after {}", signal_str(pr.stop_signal),
                           units::format_duration(pr.stop_grace)));
    }

    w.header(StepId::credentials);
    if (!pr.user && !pr.group && pr.supplementary_groups.empty()) {
        w.line("- unchanged (uid 0 in the sandbox)");
    }
    if (!pr.supplementary_groups.empty()) {
        w.line("setgroups " + join(pr.supplementary_groups, ","));
    } else if (pr.user || pr.group) {
        // Dropping the launcher's supplementary groups, unless the kernel forbids setgroups.
        w.line(p.id_maps.deny_setgroups ? "- setgroups denied in this user namespace"
                                        : "setgroups []");
    }
    if (pr.group) {
        w.line("setresgid " + *pr.group);
    }
    if (pr.user) {
        w.line("setresuid " + *pr.user);
    }

    w.header(StepId::capabilities);
    std::string keep = p.capabilities.keep.empty() ? "(none)" : join(p.capabilities.keep, ",");
    w.line("bounding, permitted, effective, inheritable = " + keep);
    if (!p.capabilities.ambient.empty()) {
        w.line("ambient = " + join(p.capabilities.ambient, ","));
    }
    if (p.security.landlock) {
        const profile::Landlock& l = *p.security.landlock;
        w.line(fmt::format("landlock: read [{}] read_write [{}]", join(l.read, " "),
                           join(l.read_write, " ")));
    }

    w.header(StepId::seccomp);
    if (p.capabilities.no_new_privileges) {
        w.line("prctl PR_SET_NO_NEW_PRIVS");
    }
    const SeccompPlan& s = p.seccomp;
    if (!s.enabled) {
        w.line("- no filter");
    } else {
        w.line(fmt::format("filter default {}{}{}", action_str(s.default_action, s.default_errno),
                           s.architectures.empty() ? "" : " arch " + join(s.architectures, ","),
                           s.cache_key.empty() ? "" : " key " + s.cache_key));
        w.line(
            fmt::format("other ABIs (x86 int 0x80, x32): {}; per syscall the most severe "
                        "matching rule wins",
                        action_str(s.foreign_arch_action, 0)));
        // Consecutive rules with the same action and no argument filters share a line.
        size_t i = 0;
        while (i < s.rules.size()) {
            const SeccompRuleOp& r = s.rules[i];
            std::string act = action_str(r.action, r.errno_value);
            if (!r.args.empty()) {
                std::string args;
                for (const SeccompArgOp& a : r.args) {
                    args += fmt::format(" arg{} {} {}", a.index, to_string(a.op), a.value);
                    if (a.op == profile::ArgOp::masked_eq) {
                        args += fmt::format(" == {}", a.value2);
                    }
                }
                w.line(fmt::format("{} {} if{}", act, r.syscall, args));
                ++i;
                continue;
            }
            std::vector<std::string> names;
            size_t j = i;
            while (j < s.rules.size() && s.rules[j].args.empty() &&
                   action_str(s.rules[j].action, s.rules[j].errno_value) == act) {
                names.push_back(s.rules[j].syscall);
                ++j;
            }
            w.line(fmt::format("{} {}", act, join(names, " ")));
            i = j;
        }
        for (const std::string& note : s.notes) {
            w.line("note: " + note);
        }
    }

    w.header(StepId::exec);
    std::string fds;
    for (int fd : pr.keep_fds) {
        fds += (fds.empty() ? "" : ",") + std::to_string(fd);
    }
    w.line("close fds except 0,1,2" + (fds.empty() ? std::string() : "," + fds));
    w.line("execve " + quoted_args(pr.args));
}

// ---- json ------------------------------------------------------------------------------------
Json json_flags(const MountFlags& f) {
    return Json{{"readonly", f.readonly},
                {"nosuid", f.nosuid},
                {"nodev", f.nodev},
                {"noexec", f.noexec},
                {"noatime", f.noatime},
                {"relatime", f.relatime},
                {"strictatime", f.strictatime},
                {"nodiratime", f.nodiratime},
                {"nosymfollow", f.nosymfollow},
                {"recursive", f.recursive}};
}

Json json_cidrs(const std::vector<Cidr>& list) {
    Json out = Json::array();
    for (const Cidr& c : list) {
        out.push_back(cidr_str(c));
    }
    return out;
}

Json json_notes(const Plan& p, StepId step) {
    Json out = Json::array();
    for (const PlanNote& n : p.notes) {
        if (n.step == step) {
            out.push_back({{"level", to_string(n.level)}, {"message", n.message}});
        }
    }
    return out;
}

Json optional_json(const std::optional<std::string>& v) {
    return v ? Json(*v) : Json(nullptr);
}

}  // namespace

std::string_view to_string(MountOpKind kind) {
    switch (kind) {
        case MountOpKind::make_private:
            return "make_private";
        case MountOpKind::bind_root:
            return "bind_root";
        case MountOpKind::overlay_root:
            return "overlay_root";
        case MountOpKind::tmpfs_root:
            return "tmpfs_root";
        case MountOpKind::bind:
            return "bind";
        case MountOpKind::tmpfs:
            return "tmpfs";
        case MountOpKind::proc:
            return "proc";
        case MountOpKind::sysfs:
            return "sysfs";
        case MountOpKind::devpts:
            return "devpts";
        case MountOpKind::mqueue:
            return "mqueue";
        case MountOpKind::dev_node:
            return "dev_node";
        case MountOpKind::symlink:
            return "symlink";
        case MountOpKind::mask:
            return "mask";
        case MountOpKind::readonly:
            return "readonly";
        case MountOpKind::write_file:
            return "write_file";
    }
    return "unknown";
}

std::string_view to_string(MountOp::Create create) {
    switch (create) {
        case MountOp::Create::none:
            return "none";
        case MountOp::Create::dir:
            return "dir";
        case MountOp::Create::file:
            return "file";
        case MountOp::Create::like_source:
            return "like-source";
    }
    return "unknown";
}

std::string mount_flags_str(const MountOp& op) {
    std::vector<std::string> f;
    bool is_bind = op.kind == MountOpKind::bind || op.kind == MountOpKind::bind_root ||
                   op.kind == MountOpKind::dev_node || op.kind == MountOpKind::write_file ||
                   op.kind == MountOpKind::readonly;
    if (op.kind == MountOpKind::symlink || op.kind == MountOpKind::mask) {
        if (op.kind == MountOpKind::mask) {
            return "MS_BIND|MS_RDONLY or tmpfs MS_RDONLY";
        }
        return {};
    }
    if (is_bind) {
        f.emplace_back("MS_BIND");
    }
    if (op.flags.recursive) {
        f.emplace_back("MS_REC");
    }
    const std::pair<bool, const char*> flags[] = {
        {op.flags.readonly, "MS_RDONLY"},
        {op.flags.nosuid, "MS_NOSUID"},
        {op.flags.nodev, "MS_NODEV"},
        {op.flags.noexec, "MS_NOEXEC"},
        {op.flags.noatime, "MS_NOATIME"},
        {op.flags.relatime, "MS_RELATIME"},
        {op.flags.strictatime, "MS_STRICTATIME"},
        {op.flags.nodiratime, "MS_NODIRATIME"},
        {op.flags.nosymfollow, "MS_NOSYMFOLLOW"},
    };
    for (const auto& [on, name] : flags) {
        if (on) {
            f.emplace_back(name);
        }
    }
    if (op.propagation) {
        f.emplace_back(propagation_flag(*op.propagation));
    }
    return join(f, "|");
}

std::string clone_flags_str(const SpawnPlan& spawn) {
    std::vector<std::string> f;
    for (const NamespaceOp& op : spawn.namespaces) {
        if (op.action != NamespaceOp::Action::create ||
            (op.type == NsType::cgroup && spawn.unshare_cgroup_after_attach)) {
            continue;
        }
        switch (op.type) {
            case NsType::user:
                f.emplace_back("CLONE_NEWUSER");
                break;
            case NsType::pid:
                f.emplace_back("CLONE_NEWPID");
                break;
            case NsType::mount:
                f.emplace_back("CLONE_NEWNS");
                break;
            case NsType::uts:
                f.emplace_back("CLONE_NEWUTS");
                break;
            case NsType::ipc:
                f.emplace_back("CLONE_NEWIPC");
                break;
            case NsType::net:
                f.emplace_back("CLONE_NEWNET");
                break;
            case NsType::cgroup:
                f.emplace_back("CLONE_NEWCGROUP");
                break;
            case NsType::time:
                f.emplace_back("CLONE_NEWTIME");
                break;
        }
    }
    return join(f, "|");
}

std::string explain_text(const Plan& plan, const ExplainOptions& options) {
    TextWriter w(plan, options);
    std::string head = fmt::format("sandbox \"{}\"", plan.state.sandbox_name);
    if (!options.profile_path.empty()) {
        head += " from " + options.profile_path;
    }
    std::string out = head + "\n";
    text_state(plan, w);
    text_rootfs(plan, w);
    text_cgroup(plan, w);
    text_spawn(plan, w);
    text_id_maps(plan, w);
    text_network_host(plan, w);
    text_identity(plan, w);
    text_mounts(plan, options, w);
    text_pivot(plan, w);
    text_network_sandbox(plan, w);
    text_workload(plan, w);
    out += w.take();
    if (plan.has_errors()) {
        out += "! this plan has errors: `sandbox up` refuses to run it\n";
    }
    if (options.origins) {
        // Every key path the profile files (or the command line) set, with where it was set;
        // values not listed are the field table's defaults.
        out += "origins\n";
        size_t width = 0;
        for (const auto& [key, where] : *options.origins) {
            width = std::max(width, key.size());
        }
        for (const auto& [key, where] : *options.origins) {
            out += fmt::format("  {:<{}}  {}\n", key.empty() ? "<root>" : key, width, where.str());
        }
    }
    return out;
}

std::string explain_json(const Plan& p, const ExplainOptions& options) {
    Json j;
    j["sandbox"] = p.state.sandbox_name;
    if (!options.profile_path.empty()) {
        j["profile"] = options.profile_path;
    }
    j["valid"] = !p.has_errors();

    Json steps;
    {
        Json files = Json::array();
        for (const StateFile& f : p.state.files) {
            files.push_back({{"path", f.path}, {"mode", octal(f.mode)}, {"content", f.content}});
        }
        steps["state"] = {{"dir", p.state.dir},
                          {"subdirs", p.state.subdirs},
                          {"files", files},
                          {"notes", json_notes(p, StepId::state)}};
    }
    steps["rootfs"] = {{"kind", to_string(p.rootfs.kind)},      {"source", p.rootfs.source},
                       {"cache_dir", p.rootfs.cache_dir},       {"overlay", p.rootfs.overlay},
                       {"upper_dir", p.rootfs.upper_dir},       {"work_dir", p.rootfs.work_dir},
                       {"readonly", p.rootfs.readonly},         {"host_binds", p.rootfs.host_binds},
                       {"notes", json_notes(p, StepId::rootfs)}};
    {
        const CgroupPlan& c = p.cgroup;
        Json writes = Json::array();
        for (const CgroupWrite& wr : c.writes) {
            writes.push_back(
                {{"controller", wr.controller}, {"file", wr.file}, {"value", wr.value}});
        }
        Json hier = Json::object();
        for (const auto& [k, v] : c.v1_hierarchies) {
            hier[k] = v;
        }
        steps["cgroup"] = {{"enabled", c.enabled},
                           {"version", to_string(c.version)},
                           {"host_version", to_string(c.host_version)},
                           {"path", c.path},
                           {"dirs", c.enabled ? cgroup_dirs(c) : std::vector<std::string>{}},
                           {"v1_controllers", c.v1_controllers},
                           {"v1_hierarchies", hier},
                           {"v2_root", c.v2_root},
                           {"v2_enable", c.v2_enable},
                           {"writes", writes},
                           {"notes", json_notes(p, StepId::cgroup)}};
    }
    {
        Json ns = Json::array();
        for (const NamespaceOp& op : p.spawn.namespaces) {
            Json o = {{"type", to_string(op.type)},
                      {"action", op.action == NamespaceOp::Action::create ? "create" : "join"}};
            if (!op.path.empty()) {
                o["path"] = op.path;
            }
            if (!op.sandbox.empty()) {
                o["sandbox"] = op.sandbox;
            }
            ns.push_back(o);
        }
        steps["spawn"] = {{"clone_flags", clone_flags_str(p.spawn)},
                          {"namespaces", ns},
                          {"join_pid_namespace", p.spawn.join_pid_namespace},
                          {"unshare_cgroup_after_attach", p.spawn.unshare_cgroup_after_attach},
                          {"notes", json_notes(p, StepId::spawn)}};
    }
    {
        auto lines = [](const std::vector<IdMapLine>& l) {
            Json out = Json::array();
            for (const IdMapLine& x : l) {
                out.push_back({{"inside", x.inside}, {"outside", x.outside}, {"count", x.count}});
            }
            return out;
        };
        steps["id_maps"] = {
            {"enabled", p.id_maps.enabled},          {"deny_setgroups", p.id_maps.deny_setgroups},
            {"use_helpers", p.id_maps.use_helpers},  {"uid_map", lines(p.id_maps.uid_lines)},
            {"gid_map", lines(p.id_maps.gid_lines)}, {"notes", json_notes(p, StepId::id_maps)}};
        if (const auto& a = p.id_maps.auto_range) {
            // "outside" of the lines is the pool start until the run leases a block.
            Json excluded = Json::array();
            for (const SubIdRange& r : a->excluded) {
                excluded.push_back({{"start", r.start}, {"count", r.count}});
            }
            steps["id_maps"]["auto"] = {
                {"count", a->count},
                {"uid_pool", {{"start", a->uid_pool.start}, {"count", a->uid_pool.count}}},
                {"gid_pool", {{"start", a->gid_pool.start}, {"count", a->gid_pool.count}}},
                {"pool_origin", a->pool_origin},
                {"excluded", excluded},
                {"lease_dir", a->lease_dir}};
        }
    }
    {
        const NetHostPlan& n = p.network_host;
        Json ports = Json::array();
        for (const PortForwardOp& port : n.ports) {
            ports.push_back({{"host", port.host_port},
                             {"sandbox", port.sandbox_port},
                             {"protocol", to_string(port.protocol)}});
        }
        steps["network_host"] = {{"mode", to_string(n.mode)},
                                 {"host_name", n.host_name},
                                 {"peer_name", n.peer_name},
                                 {"host_addresses", json_cidrs(n.host_addresses)},
                                 {"mtu", n.mtu ? Json(*n.mtu) : Json(nullptr)},
                                 {"nat", n.nat},
                                 {"nft_table", n.nft_table},
                                 {"sandbox_addresses", json_cidrs(n.sandbox_addresses)},
                                 {"ports", ports},
                                 {"forwarding", n.forwarding},
                                 {"notes", json_notes(p, StepId::network_host)}};
    }
    steps["identity"] = {{"hostname", optional_json(p.identity.hostname)},
                         {"domainname", optional_json(p.identity.domainname)},
                         {"notes", json_notes(p, StepId::identity)}};
    {
        Json ops = Json::array();
        for (const MountOp& op : p.mounts) {
            Json o = {
                {"kind", to_string(op.kind)},
                {"source", op.source},
                {"target", op.target},
                {"flags", mount_flags_str(op)},
                {"flag_bits", json_flags(op.flags)},
                {"data", op.data},
                {"propagation",
                 op.propagation ? Json(propagation_flag(*op.propagation)) : Json(nullptr)},
                {"create", to_string(op.create)},
                {"create_mode", op.create_mode ? Json(octal(*op.create_mode)) : Json(nullptr)},
                {"optional", op.optional},
                {"origin", op.origin}};
            if (options.origins && op.origin.rfind("mounts[", 0) == 0) {
                std::string where = origin_of(*options.origins, op.origin);
                if (!where.empty()) {
                    o["written_at"] = where;
                }
            }
            ops.push_back(o);
        }
        steps["mounts"] = {{"ops", ops}, {"notes", json_notes(p, StepId::mounts)}};
    }
    steps["pivot_root"] = {{"enabled", p.pivot.enabled},
                           {"new_root", p.pivot.new_root},
                           {"readonly_root", p.pivot.readonly_root},
                           {"notes", json_notes(p, StepId::pivot_root)}};
    {
        const NetSandboxPlan& n = p.network_sandbox;
        Json routes = Json::array();
        for (const RouteOp& r : n.default_routes) {
            routes.push_back({{"gateway", r.gateway}, {"v6", r.v6}});
        }
        steps["network_sandbox"] = {{"loopback_up", n.loopback_up},
                                    {"interface_name", n.interface_name},
                                    {"peer_name", n.peer_name},
                                    {"addresses", json_cidrs(n.addresses)},
                                    {"mtu", n.mtu ? Json(*n.mtu) : Json(nullptr)},
                                    {"default_routes", routes},
                                    {"notes", json_notes(p, StepId::network_sandbox)}};
    }
    const ProcessPlan& pr = p.process;
    steps["init"] = {{"pid1_init", pr.pid1_init}};
    {
        Json rl = Json::array();
        for (const RlimitOp& r : pr.rlimits) {
            rl.push_back({{"resource", r.resource},
                          {"soft", r.soft ? Json(*r.soft) : Json(nullptr)},
                          {"hard", r.hard ? Json(*r.hard) : Json(nullptr)}});
        }
        Json env = Json::array();
        for (const auto& [k, v] : pr.env) {
            env.push_back({{"name", k}, {"value", v}});
        }
        steps["process"] = {{"rlimits", rl},
                            {"umask", octal(pr.umask)},
                            {"env", env},
                            {"inherit_env", pr.inherit_env},
                            {"cwd", pr.cwd},
                            {"new_session", pr.new_session},
                            {"tty", to_string(pr.tty)},
                            {"pty", pr.pty},
                            {"timeout_ms", pr.timeout ? Json(pr.timeout->count()) : Json(nullptr)},
                            {"stop_signal", pr.stop_signal},
                            {"stop_grace_ms", pr.stop_grace.count()},
                            {"notes", json_notes(p, StepId::process)}};
    }
    steps["credentials"] = {{"user", optional_json(pr.user)},
                            {"group", optional_json(pr.group)},
                            {"supplementary_groups", pr.supplementary_groups}};
    {
        Json caps = {{"keep", p.capabilities.keep}, {"ambient", p.capabilities.ambient}};
        if (p.security.landlock) {
            caps["landlock"] = {{"read", p.security.landlock->read},
                                {"read_write", p.security.landlock->read_write}};
        }
        steps["capabilities"] = caps;
    }
    {
        const SeccompPlan& s = p.seccomp;
        Json rules = Json::array();
        for (const SeccompRuleOp& r : s.rules) {
            Json args = Json::array();
            for (const SeccompArgOp& a : r.args) {
                args.push_back({{"index", a.index},
                                {"op", to_string(a.op)},
                                {"value", a.value},
                                {"value2", a.value2}});
            }
            rules.push_back({{"syscall", r.syscall},
                             {"action", action_str(r.action, r.errno_value)},
                             {"args", args}});
        }
        steps["seccomp"] = {{"no_new_privileges", p.capabilities.no_new_privileges},
                            {"enabled", s.enabled},
                            {"default_action", action_str(s.default_action, s.default_errno)},
                            {"architectures", s.architectures},
                            {"cache_key", s.cache_key},
                            {"rules", rules}};
    }
    steps["exec"] = {{"args", pr.args}, {"keep_fds", pr.keep_fds}};
    j["steps"] = steps;

    Json notes = Json::array();
    for (const PlanNote& n : p.notes) {
        notes.push_back(
            {{"step", to_string(n.step)}, {"level", to_string(n.level)}, {"message", n.message}});
    }
    j["notes"] = notes;
    if (options.origins) {
        Json origins = Json::object();
        for (const auto& [key, where] : *options.origins) {
            origins[key] = where.str();
        }
        j["origins"] = origins;
    }
    return j.dump(2) + "\n";
}

}  // namespace sandbox::plan
