// Plan -> Kubernetes manifest (kubernetes.hpp). Every part of the plan either becomes a pod
// spec field or a line in `not_expressed`/`warnings`; the defaults every container runtime
// sets up itself (/proc, /dev, /sys, the root preparation) are the only things passed over.
#include "export/kubernetes.hpp"

#include <algorithm>
#include <cctype>

#include "export/oci.hpp"
#include "export/shared.hpp"

namespace sandbox::exporter {

namespace {

using nlohmann::json;

// "CAP_NET_BIND_SERVICE" / "cap_chown" -> "NET_BIND_SERVICE" / "CHOWN" (Kubernetes' spelling).
std::string capability_name(const std::string& cap) {
    std::string out;
    for (char ch : cap) {
        out += static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    if (out.rfind("CAP_", 0) == 0) {
        out.erase(0, 4);
    }
    return out;
}

// A tmpfs's "size=65536k" (the planner's data) as a quantity in bytes.
std::optional<std::string> tmpfs_size(const std::string& data) {
    size_t at = data.find("size=");
    if (at == std::string::npos || (at > 0 && data[at - 1] != ',')) {
        return std::nullopt;
    }
    std::string value = data.substr(at + 5, data.find(',', at) - (at + 5));
    if (value.empty()) {
        return std::nullopt;
    }
    uint64_t multiplier = 1;
    switch (std::tolower(static_cast<unsigned char>(value.back()))) {
        case 'k':
            multiplier = 1024;
            break;
        case 'm':
            multiplier = 1024 * 1024;
            break;
        case 'g':
            multiplier = 1024ULL * 1024 * 1024;
            break;
        default:
            break;
    }
    if (multiplier != 1) {
        value.pop_back();
    }
    try {
        return std::to_string(std::stoull(value) * multiplier);
    } catch (...) {
        return std::nullopt;
    }
}

bool runtime_provided(const std::string& target) {
    // What every container runtime mounts itself: a profile's /proc, /dev, /sys and their
    // children are the runtime's defaults, not volumes.
    for (const char* prefix : {"/proc", "/dev", "/sys"}) {
        std::string p(prefix);
        if (target == p || target.rfind(p + "/", 0) == 0) {
            return true;
        }
    }
    return false;
}

std::string ns_name(plan::NsType type) {
    return std::string(plan::to_string(type));
}

}  // namespace

std::string kubernetes_name(const std::string& text) {
    std::string out;
    for (char ch : text) {
        char c = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
        out += ok ? c : '-';
    }
    while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) {
        out.erase(0, 1);
    }
    while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) {
        out.pop_back();
    }
    if (out.size() > 63) {
        out.resize(63);  // a label-sized name also fits the Job's generated pod labels
    }
    return out.empty() ? std::string("sandbox") : out;
}

KubernetesExport make_kubernetes(const plan::Plan& plan, const KubernetesOptions& options) {
    KubernetesExport out;
    const std::string name =
        kubernetes_name(options.name.empty() ? plan.state.sandbox_name : options.name);
    const plan::ProcessPlan& p = plan.process;

    json container{{"name", "sandbox"}};
    if (options.image.empty()) {
        container["image"] = "sandbox-" + name + ":latest";
        out.warnings.push_back("no --image: the manifest names image 'sandbox-" + name +
                               ":latest'; build it from the profile's rootfs" +
                               (plan.rootfs.source.empty() ? "" : " (" + plan.rootfs.source + ")"));
    } else {
        container["image"] = options.image;
    }
    if (!p.args.empty()) {
        container["command"] = json::array({p.args.front()});
        container["args"] = std::vector<std::string>(p.args.begin() + 1, p.args.end());
    }
    container["workingDir"] = p.cwd;
    json env = json::array();
    for (const auto& [k, v] : p.env) {
        env.push_back({{"name", k}, {"value", v}});
    }
    if (!env.empty()) {
        container["env"] = env;
    }
    if (!p.inherit_env.empty()) {
        std::string names;
        for (const std::string& n : p.inherit_env) {
            names += (names.empty() ? "" : ", ") + n;
        }
        out.not_expressed.push_back("process.inherit_env (" + names +
                                    "): a pod has no launcher environment to inherit from");
    }
    if (p.tty == profile::TtyMode::enabled) {
        container["tty"] = true;
        container["stdin"] = true;
    }

    // securityContext
    json sc = json::object();
    // With no user or group, root of the sandbox's user namespace, as `sandbox up` runs it.
    auto run_as = [&](const std::optional<std::string>& id, const char* key, const char* field) {
        if (auto number = numeric_id(id)) {
            sc[field] = *number;
        } else if (id) {
            out.not_expressed.push_back(std::string(key) + " '" + *id + "' is a name: " + field +
                                        " needs a number, left out");
        } else if (plan.id_maps.enabled) {
            sc[field] = 0;
        }
    };
    run_as(p.user, "process.user", "runAsUser");
    run_as(p.group, "process.group", "runAsGroup");
    json add = json::array();
    bool sys_admin = false;
    for (const std::string& cap : plan.capabilities.keep) {
        std::string k = capability_name(cap);
        sys_admin = sys_admin || k == "SYS_ADMIN";
        add.push_back(k);
    }
    json caps{{"drop", json::array({"ALL"})}};
    if (!add.empty()) {
        caps["add"] = add;
    }
    sc["capabilities"] = caps;
    if (!plan.capabilities.ambient.empty()) {
        out.not_expressed.push_back(
            "capabilities.ambient: a pod spec cannot raise ambient capabilities (the kept ones "
            "are added to the bounding set only)");
    }
    bool no_escalation = plan.capabilities.no_new_privileges;
    if (no_escalation && sys_admin) {
        // The API server refuses allowPrivilegeEscalation: false next to CAP_SYS_ADMIN.
        no_escalation = false;
        out.not_expressed.push_back(
            "no_new_privileges with CAP_SYS_ADMIN: Kubernetes refuses allowPrivilegeEscalation "
            "= false with SYS_ADMIN, so it is true here");
    }
    sc["allowPrivilegeEscalation"] = !no_escalation;
    sc["readOnlyRootFilesystem"] = plan.pivot.readonly_root;
    if (plan.seccomp.enabled) {
        out.seccomp = oci_seccomp(plan.seccomp);
        out.seccomp_file = name + ".seccomp.json";
        out.seccomp_localhost = "sandbox/" + out.seccomp_file;
        sc["seccompProfile"] = {{"type", "Localhost"}, {"localhostProfile", out.seccomp_localhost}};
        out.warnings.push_back("seccomp: copy " + out.seccomp_file +
                               " to /var/lib/kubelet/seccomp/sandbox/ on every node that may "
                               "run the pod");
    } else {
        sc["seccompProfile"] = {{"type", "Unconfined"}};
    }
    container["securityContext"] = sc;

    // resources.limits from the cgroup writes
    json limits = json::object();
    for (const plan::CgroupWrite& w : plan.cgroup.writes) {
        if ((w.file == "memory.max" || w.file == "memory.limit_in_bytes") && w.value != "max") {
            limits["memory"] = w.value;
        } else if (w.file == "cpu.max") {
            size_t space = w.value.find(' ');
            std::string quota = w.value.substr(0, space);
            if (quota != "max" && space != std::string::npos) {
                uint64_t q = std::stoull(quota);
                uint64_t period = std::stoull(w.value.substr(space + 1));
                if (period > 0) {
                    limits["cpu"] = std::to_string((q * 1000 + period - 1) / period) + "m";
                }
            }
        } else if (w.file == "cpu.cfs_quota_us" && w.value != "-1") {
            limits["cpu_quota_v1"] = w.value;
        } else if (w.file == "pids.max" && w.value != "max") {
            out.not_expressed.push_back(
                "limits.pids = " + w.value +
                ": a pod spec has no per-pod pids limit (the kubelet's --pod-max-pids sets one "
                "for every pod of a node)");
        } else if (w.file == "memory.swap.max" || w.file == "memory.memsw.limit_in_bytes") {
            out.not_expressed.push_back("the swap limit (" + w.file + " = " + w.value +
                                        "): Kubernetes configures swap per node");
        }
    }
    if (limits.contains("cpu_quota_v1")) {
        // cgroup v1: quota and period are two writes.
        uint64_t q = std::stoull(limits["cpu_quota_v1"].get<std::string>());
        uint64_t period = 100000;
        for (const plan::CgroupWrite& w : plan.cgroup.writes) {
            if (w.file == "cpu.cfs_period_us") {
                period = std::stoull(w.value);
            }
        }
        limits.erase("cpu_quota_v1");
        limits["cpu"] = std::to_string((q * 1000 + period - 1) / period) + "m";
    }
    if (!limits.empty()) {
        container["resources"] = {{"limits", limits}};
    }
    if (!p.rlimits.empty()) {
        std::string names;
        for (const plan::RlimitOp& r : p.rlimits) {
            names += (names.empty() ? "" : ", ") + r.resource;
        }
        out.not_expressed.push_back("process.rlimits (" + names +
                                    "): a pod spec has no rlimits; the runtime's defaults apply");
    }

    if (plan.rootfs.kind == plan::RootfsKind::host) {
        out.warnings.push_back(
            "rootfs.host: the host directories the sandbox reuses become "
            "hostPath volumes below; a pod normally gets them from its image");
    }
    // volumes: tmpfs -> emptyDir in memory, binds -> hostPath (with a warning)
    json volumes = json::array();
    json mounts = json::array();
    for (const plan::MountOp& op : plan.mounts) {
        if (runtime_provided(op.target)) {
            continue;
        }
        std::string vol = "v" + std::to_string(volumes.size());
        switch (role_of(op.kind)) {
            case MountRole::tmpfs: {
                json empty{{"medium", "Memory"}};
                if (auto size = tmpfs_size(op.data)) {
                    empty["sizeLimit"] = *size;
                }
                volumes.push_back({{"name", vol}, {"emptyDir", empty}});
                mounts.push_back({{"name", vol}, {"mountPath", op.target}});
                break;
            }
            case MountRole::bind:
                volumes.push_back(
                    {{"name", vol}, {"hostPath", {{"path", op.source}, {"type", ""}}}});
                mounts.push_back(
                    {{"name", vol}, {"mountPath", op.target}, {"readOnly", op.flags.readonly}});
                out.warnings.push_back("bind " + op.source + " -> " + op.target +
                                       " is a hostPath volume: the path must exist on the node "
                                       "that runs the pod, and hostPath is refused by the "
                                       "baseline and restricted Pod Security Standards");
                break;
            case MountRole::write_file:
                out.not_expressed.push_back(op.target +
                                            ": a file `sandbox up` writes at run time (use a "
                                            "ConfigMap; the kubelet manages /etc/hosts and "
                                            "/etc/resolv.conf itself)");
                break;
            case MountRole::mask:
            case MountRole::readonly:
                out.not_expressed.push_back(op.target +
                                            ": masked or read-only path (the "
                                            "runtime's default masked paths apply)");
                break;
            case MountRole::special_fs:
                out.not_expressed.push_back(op.target + ": a special filesystem mount");
                break;
            case MountRole::built_by_runtime:
                break;
        }
    }
    if (!mounts.empty()) {
        container["volumeMounts"] = mounts;
    }

    json pod_spec{{"containers", json::array({container})}};
    pod_spec["restartPolicy"] = "Never";
    if (!volumes.empty()) {
        pod_spec["volumes"] = volumes;
    }
    if (plan.id_maps.enabled) {
        pod_spec["hostUsers"] = false;
        if (plan.id_maps.uid_lines.size() > 1 || plan.id_maps.gid_lines.size() > 1) {
            out.not_expressed.push_back(
                "uid_map/gid_map with several ranges: with hostUsers: "
                "false the kubelet picks one 65536-id range itself");
        }
    }
    if (plan.identity.hostname) {
        pod_spec["hostname"] = kubernetes_name(*plan.identity.hostname);
    }
    if (plan.identity.domainname) {
        out.not_expressed.push_back("identity.domainname '" + *plan.identity.domainname +
                                    "': a pod has no NIS domain name");
    }
    pod_spec["terminationGracePeriodSeconds"] =
        std::chrono::duration_cast<std::chrono::seconds>(p.stop_grace).count();
    std::optional<int64_t> deadline;
    if (p.timeout) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(*p.timeout).count();
        deadline = std::max<int64_t>(1, (ms + 999) / 1000);
    }

    // Namespaces: a pod always has its own mount, pid (per container), uts, ipc and net.
    for (const plan::NamespaceOp& ns : plan.spawn.namespaces) {
        if (ns.action == plan::NamespaceOp::Action::join) {
            out.not_expressed.push_back(ns_name(ns.type) + " namespace joins " +
                                        (ns.sandbox.empty() ? ns.path : "sandbox " + ns.sandbox) +
                                        ": a pod cannot join another process's namespace");
        } else if (ns.type == plan::NsType::time) {
            out.not_expressed.push_back("the time namespace (clock offsets): Kubernetes has none");
        }
    }
    switch (plan.network_host.mode) {
        case profile::NetworkMode::host:
            pod_spec["hostNetwork"] = true;
            break;
        case profile::NetworkMode::none:
            out.not_expressed.push_back(
                "network.mode = \"none\": a pod always has a network; add a NetworkPolicy that "
                "denies all ingress and egress to isolate it");
            break;
        case profile::NetworkMode::veth: {
            std::string addrs;
            for (const plan::Cidr& c : plan.network_host.sandbox_addresses) {
                addrs += (addrs.empty() ? " " : ", ") + c.address + "/" + std::to_string(c.prefix);
            }
            out.not_expressed.push_back(
                "network.mode = \"veth\" (addresses" + addrs +
                ", routes, MTU): the cluster network assigns the pod's address");
            if (plan.network_host.nat) {
                out.not_expressed.push_back("veth.nat: pod egress is the cluster network's");
            }
            if (!plan.network_host.ports.empty()) {
                out.not_expressed.push_back(
                    "veth.ports: publish them with a Service (or containerPort/hostPort)");
            }
            break;
        }
    }
    if (plan.security.landlock) {
        out.not_expressed.push_back(
            "landlock: Kubernetes has no Landlock support; the file "
            "access rules are not enforced");
    }

    json labels{{"app.kubernetes.io/name", name}, {"app.kubernetes.io/managed-by", "sandbox"}};
    // A Job wraps the Pod spec in a template; the deadline is on the outer spec either way.
    json spec = options.job
                    ? json{{"backoffLimit", 0},
                           {"template", {{"metadata", {{"labels", labels}}}, {"spec", pod_spec}}}}
                    : pod_spec;
    if (deadline) {
        spec["activeDeadlineSeconds"] = *deadline;
    }
    out.manifest = {{"apiVersion", options.job ? "batch/v1" : "v1"},
                    {"kind", options.job ? "Job" : "Pod"},
                    {"metadata", {{"name", name}, {"labels", labels}}},
                    {"spec", spec}};
    return out;
}

}  // namespace sandbox::exporter
