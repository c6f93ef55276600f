#include "export/oci.hpp"

#include <map>

#include "export/shared.hpp"
#include "profile/enum_names.hpp"

namespace sandbox::exporter {

namespace {

// The OCI mount options for a propagation (recursive, as the plan applies it).
constexpr EnumName<profile::Propagation> k_oci_propagation[] = {
    {profile::Propagation::private_, "rprivate"},
    {profile::Propagation::slave, "rslave"},
    {profile::Propagation::shared, "rshared"},
    {profile::Propagation::unbindable, "runbindable"},
};

using nlohmann::json;

// The OCI runtime spec's namespace names: the /proc/PID/ns names but "mount" and "network".
std::string oci_namespace_name(plan::NsType type) {
    if (type == plan::NsType::mount) {
        return "mount";
    }
    if (type == plan::NsType::net) {
        return "network";
    }
    return std::string(plan::to_string(type));
}

std::vector<std::string> mount_options(const plan::MountOp& op) {
    std::vector<std::string> out;
    const plan::MountFlags& f = op.flags;
    if (op.kind == plan::MountOpKind::bind) {
        out.push_back(f.recursive ? "rbind" : "bind");
    }
    if (f.readonly) out.push_back("ro");
    if (f.nosuid) out.push_back("nosuid");
    if (f.nodev) out.push_back("nodev");
    if (f.noexec) out.push_back("noexec");
    if (f.noatime) out.push_back("noatime");
    if (f.relatime) out.push_back("relatime");
    if (f.strictatime) out.push_back("strictatime");
    if (f.nodiratime) out.push_back("nodiratime");
    if (op.propagation) {
        out.emplace_back(name_of(k_oci_propagation, *op.propagation));
    }
    // fs data ("size=65536k,mode=1777") is a comma list of options in OCI too.
    size_t start = 0;
    while (start < op.data.size()) {
        size_t comma = op.data.find(',', start);
        if (comma == std::string::npos) comma = op.data.size();
        if (comma > start) out.push_back(op.data.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

std::string seccomp_action(profile::SeccompAction a) {
    return std::string(profile::other_name_of(profile::k_seccomp_action_names, a));
}

std::string seccomp_op(profile::ArgOp op) {
    return std::string(profile::other_name_of(profile::k_arg_op_names, op));
}

std::string oci_arch(const std::string& arch) {
    static const std::map<std::string, std::string> names = {
        {"x86_64", "SCMP_ARCH_X86_64"},   {"x86", "SCMP_ARCH_X86"}, {"x32", "SCMP_ARCH_X32"},
        {"aarch64", "SCMP_ARCH_AARCH64"}, {"arm", "SCMP_ARCH_ARM"},
    };
    auto it = names.find(arch);
    return it == names.end() ? "SCMP_ARCH_" + arch : it->second;
}

json make_seccomp(const plan::SeccompPlan& s) {
    json out = {{"defaultAction", seccomp_action(s.default_action)}};
    if (s.default_action == profile::SeccompAction::errno_) {
        out["defaultErrnoRet"] = s.default_errno;
    }
    json arches = json::array();
    for (const std::string& a : s.architectures) arches.push_back(oci_arch(a));
    out["architectures"] = arches;
    json syscalls = json::array();
    for (const plan::SeccompRuleOp& r : s.rules) {
        json rule = {{"names", {r.syscall}}, {"action", seccomp_action(r.action)}};
        if (r.action == profile::SeccompAction::errno_) rule["errnoRet"] = r.errno_value;
        if (!r.args.empty()) {
            json args = json::array();
            for (const plan::SeccompArgOp& a : r.args) {
                args.push_back({{"index", a.index},
                                {"value", a.value},
                                {"valueTwo", a.value2},
                                {"op", seccomp_op(a.op)}});
            }
            rule["args"] = args;
        }
        syscalls.push_back(rule);
    }
    out["syscalls"] = syscalls;
    return out;
}

json make_resources(const plan::CgroupPlan& cgroup) {
    // The plan holds the files to write; OCI wants the values back as numbers.
    json r = json::object();
    for (const plan::CgroupWrite& w : cgroup.writes) {
        auto number = [&]() -> json {
            if (w.value == "max") return -1;
            try {
                return std::stoll(w.value);
            } catch (...) {
                return nullptr;
            }
        };
        if (w.file == "memory.max" || w.file == "memory.limit_in_bytes") {
            r["memory"]["limit"] = number();
        } else if (w.file == "memory.memsw.limit_in_bytes") {
            r["memory"]["swap"] = number();  // OCI swap = memory + swap, as v1 memsw
        } else if (w.file == "pids.max") {
            r["pids"]["limit"] = number();
        } else if (w.file == "cpu.cfs_quota_us") {
            r["cpu"]["quota"] = number();
        } else if (w.file == "cpu.cfs_period_us") {
            r["cpu"]["period"] = number();
        } else if (w.file == "cpu.max") {
            size_t space = w.value.find(' ');
            std::string quota = w.value.substr(0, space);
            if (quota != "max") r["cpu"]["quota"] = std::stoll(quota);
            if (space != std::string::npos)
                r["cpu"]["period"] = std::stoll(w.value.substr(space + 1));
        } else if (w.file == "cpu.shares") {
            r["cpu"]["shares"] = number();
        }
    }
    return r;
}

}  // namespace

OciBundle make_oci_bundle(const plan::Plan& plan, const std::string& rootfs_dir) {
    OciBundle bundle;
    json& c = bundle.config;
    c["ociVersion"] = "1.0.2";

    const plan::ProcessPlan& p = plan.process;
    json env = json::array();
    for (const auto& [k, v] : p.env) env.push_back(k + "=" + v);
    json process = {{"terminal", p.tty == profile::TtyMode::enabled},
                    {"args", p.args},
                    {"env", env},
                    {"cwd", p.cwd},
                    {"noNewPrivileges", plan.capabilities.no_new_privileges}};
    auto id_of = [&](const std::optional<std::string>& id, const char* key) -> uint32_t {
        if (auto number = numeric_id(id)) {
            return *number;
        }
        if (id) {
            bundle.notes.push_back(std::string(key) + " '" + *id +
                                   "' is a name: OCI needs a number, 0 used");
        }
        return 0;
    };
    process["user"] = {{"uid", id_of(p.user, "process.user")},
                       {"gid", id_of(p.group, "process.group")},
                       {"umask", p.umask}};
    const json caps = plan.capabilities.keep;
    process["capabilities"] = {{"bounding", caps},
                               {"effective", caps},
                               {"permitted", caps},
                               {"inheritable", caps},
                               {"ambient", plan.capabilities.ambient}};
    json rlimits = json::array();
    const uint64_t unlimited = UINT64_MAX;
    for (const plan::RlimitOp& r : p.rlimits) {
        std::string type = "RLIMIT_";
        for (char ch : r.resource)
            type += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
        rlimits.push_back({{"type", type},
                           {"soft", r.soft.value_or(unlimited)},
                           {"hard", r.hard.value_or(unlimited)}});
    }
    process["rlimits"] = rlimits;
    c["process"] = process;

    c["root"] = {{"path", rootfs_dir}, {"readonly", plan.pivot.readonly_root}};
    if (plan.identity.hostname) c["hostname"] = *plan.identity.hostname;
    if (plan.identity.domainname) c["domainname"] = *plan.identity.domainname;

    json mounts = json::array();
    json masked = json::array();
    json readonly = json::array();
    for (const plan::MountOp& op : plan.mounts) {
        switch (role_of(op.kind)) {
            case MountRole::bind:
                mounts.push_back({{"destination", op.target},
                                  {"type", "bind"},
                                  {"source", op.source},
                                  {"options", mount_options(op)}});
                break;
            case MountRole::tmpfs:
            case MountRole::special_fs: {
                static const std::map<plan::MountOpKind, std::string> types = {
                    {plan::MountOpKind::tmpfs, "tmpfs"},   {plan::MountOpKind::proc, "proc"},
                    {plan::MountOpKind::sysfs, "sysfs"},   {plan::MountOpKind::devpts, "devpts"},
                    {plan::MountOpKind::mqueue, "mqueue"},
                };
                const std::string& type = types.at(op.kind);
                mounts.push_back({{"destination", op.target},
                                  {"type", type},
                                  {"source", op.source.empty() ? type : op.source},
                                  {"options", mount_options(op)}});
                break;
            }
            case MountRole::mask:
                masked.push_back(op.target);
                break;
            case MountRole::readonly:
                readonly.push_back(op.target);
                break;
            case MountRole::write_file:
                mounts.push_back({{"destination", op.target},
                                  {"type", "bind"},
                                  {"source", op.source},
                                  {"options", {"bind", "ro"}}});
                bundle.notes.push_back(op.target + " is bound from " + op.source +
                                       ", which exists only while `sandbox up` runs");
                break;
            case MountRole::built_by_runtime:
                break;
        }
    }
    c["mounts"] = mounts;

    json linux_section = json::object();
    json namespaces = json::array();
    for (const plan::NamespaceOp& ns : plan.spawn.namespaces) {
        json entry = {{"type", oci_namespace_name(ns.type)}};
        if (ns.action == plan::NamespaceOp::Action::join) {
            if (!ns.sandbox.empty()) {
                bundle.notes.push_back(std::string(plan::to_string(ns.type)) +
                                       " namespace joins sandbox '" + ns.sandbox +
                                       "': OCI needs a path, left out");
                continue;
            }
            entry["path"] = ns.path;
        }
        namespaces.push_back(entry);
    }
    linux_section["namespaces"] = namespaces;
    if (plan.id_maps.enabled) {
        auto maps = [](const std::vector<plan::IdMapLine>& lines) {
            json out = json::array();
            for (const plan::IdMapLine& l : lines) {
                out.push_back(
                    {{"containerID", l.inside}, {"hostID", l.outside}, {"size", l.count}});
            }
            return out;
        };
        linux_section["uidMappings"] = maps(plan.id_maps.uid_lines);
        linux_section["gidMappings"] = maps(plan.id_maps.gid_lines);
    }
    if (plan.cgroup.enabled) {
        linux_section["cgroupsPath"] = "/" + plan.cgroup.path;
        linux_section["resources"] = make_resources(plan.cgroup);
    }
    linux_section["maskedPaths"] = masked;
    linux_section["readonlyPaths"] = readonly;
    if (plan.seccomp.enabled) {
        linux_section["seccomp"] = make_seccomp(plan.seccomp);
    }
    c["linux"] = linux_section;

    if (plan.network_host.mode == profile::NetworkMode::veth) {
        bundle.notes.push_back(
            "network.mode = \"veth\": OCI runtimes leave networking to a hook; "
            "the bundle has an empty network namespace");
    }
    return bundle;
}

nlohmann::json oci_seccomp(const plan::SeccompPlan& seccomp) {
    return make_seccomp(seccomp);
}

}  // namespace sandbox::exporter
