// `export --kubernetes` (export/kubernetes.hpp): the plan's fields land in the documented pod
// spec fields, and what a pod spec cannot say is listed, never dropped. The manifests are also
// validated against the Kubernetes OpenAPI schemas by tests/k8s/run.sh (label k8s).
#include <catch2/catch.hpp>

#include "export/kubernetes.hpp"
#include "plan/plan.hpp"

using namespace sandbox;
using nlohmann::json;

namespace {

plan::HostFacts v2_root_facts() {
    plan::HostFacts facts;
    facts.cgroup_version = plan::CgroupVersion::v2;
    facts.v2_controllers = {"cpu", "memory", "pids", "io"};
    facts.uid = 0;
    facts.gid = 0;
    return facts;
}

bool listed(const std::vector<std::string>& lines, const std::string& part) {
    for (const std::string& l : lines) {
        if (l.find(part) != std::string::npos) {
            return true;
        }
    }
    return false;
}

profile::Profile full_profile() {
    profile::Profile p;
    p.name = "Web_1";
    p.process.args = {"/bin/httpd", "-f", "x"};
    p.process.env = {{"MODE", "prod"}};
    p.process.user = "1000";
    p.process.group = "100";
    p.process.timeout = std::chrono::milliseconds(90500);
    p.rootfs.path = "/srv/rootfs";
    p.rootfs.readonly = true;
    p.limits.memory = profile::Bytes{256ULL << 20};
    p.limits.cpu = 0.5;
    p.limits.pids = 64;
    p.namespaces.user = profile::NamespaceSetting::new_ns();
    p.namespaces.time = profile::NamespaceSetting::new_ns();
    profile::Mount tmp;
    tmp.type = profile::MountType::tmpfs;
    tmp.target = "/scratch";
    tmp.size = profile::Bytes{64ULL << 20};
    p.mounts.push_back(tmp);
    profile::Mount bind;
    bind.type = profile::MountType::bind;
    bind.source = "/srv/data";
    bind.target = "/data";
    p.mounts.push_back(bind);
    p.capabilities.keep = {"CAP_NET_BIND_SERVICE"};
    p.security.landlock.enabled = true;
    p.security.landlock.read = {"/usr"};
    return p;
}

}  // namespace

TEST_CASE("export: Kubernetes pod carries the security context, limits and volumes",
          "[unit][export]") {
    plan::Plan plan = plan::make_plan(full_profile(), v2_root_facts());
    exporter::KubernetesExport k = exporter::make_kubernetes(plan, {{}, "busybox:1.36", false});
    const json& m = k.manifest;
    CHECK(m["apiVersion"] == "v1");
    CHECK(m["kind"] == "Pod");
    CHECK(m["metadata"]["name"] == "web-1");
    const json& spec = m["spec"];
    CHECK(spec["hostUsers"] == false);
    CHECK(spec["activeDeadlineSeconds"] == 91);  // rounded up
    const json& c = spec["containers"][0];
    CHECK(c["image"] == "busybox:1.36");
    CHECK(c["command"] == json::array({"/bin/httpd"}));
    CHECK(c["args"] == json::array({"-f", "x"}));
    CHECK(c["env"].back() == json{{"name", "MODE"}, {"value", "prod"}});  // after the default PATH
    const json& sc = c["securityContext"];
    CHECK(sc["runAsUser"] == 1000);
    CHECK(sc["runAsGroup"] == 100);
    CHECK(sc["capabilities"]["drop"] == json::array({"ALL"}));
    CHECK(sc["capabilities"]["add"] == json::array({"NET_BIND_SERVICE"}));
    CHECK(sc["allowPrivilegeEscalation"] == false);
    CHECK(sc["readOnlyRootFilesystem"] == true);
    CHECK(sc["seccompProfile"]["type"] == "Localhost");
    CHECK(sc["seccompProfile"]["localhostProfile"] == "sandbox/web-1.seccomp.json");
    REQUIRE(k.seccomp);
    CHECK((*k.seccomp)["defaultAction"].get<std::string>().rfind("SCMP_ACT_", 0) == 0);
    CHECK(c["resources"]["limits"]["memory"] == std::to_string(256ULL << 20));
    CHECK(c["resources"]["limits"]["cpu"] == "500m");
    bool saw_tmpfs = false;
    bool saw_bind = false;
    for (const json& v : spec["volumes"]) {
        if (v.contains("emptyDir")) {
            saw_tmpfs = true;
            CHECK(v["emptyDir"]["medium"] == "Memory");
            CHECK(v["emptyDir"]["sizeLimit"] == std::to_string(64ULL << 20));
        }
        if (v.contains("hostPath")) {
            saw_bind = true;
            CHECK(v["hostPath"]["path"] == "/srv/data");
        }
    }
    CHECK(saw_tmpfs);
    CHECK(saw_bind);
    CHECK(listed(k.warnings, "bind /srv/data -> /data is a hostPath volume"));
    CHECK(listed(k.not_expressed, "limits.pids = 64"));
    CHECK(listed(k.not_expressed, "time namespace"));
    CHECK(listed(k.not_expressed, "landlock"));
    CHECK(listed(k.not_expressed, "network.mode = \"none\""));
}

TEST_CASE("export: Kubernetes --job wraps the pod in a batch/v1 Job", "[unit][export]") {
    plan::Plan plan = plan::make_plan(full_profile(), v2_root_facts());
    exporter::KubernetesExport k = exporter::make_kubernetes(plan, {"ci", "", true});
    CHECK(k.manifest["apiVersion"] == "batch/v1");
    CHECK(k.manifest["kind"] == "Job");
    CHECK(k.manifest["metadata"]["name"] == "ci");
    CHECK(k.manifest["spec"]["activeDeadlineSeconds"] == 91);
    CHECK(k.manifest["spec"]["backoffLimit"] == 0);
    const json& pod = k.manifest["spec"]["template"]["spec"];
    CHECK(pod["restartPolicy"] == "Never");
    CHECK_FALSE(pod.contains("activeDeadlineSeconds"));
    // No --image: a named placeholder and a warning saying so.
    CHECK(pod["containers"][0]["image"] == "sandbox-ci:latest");
    CHECK(listed(k.warnings, "no --image"));
}

TEST_CASE("export: Kubernetes names are DNS-1123", "[unit][export]") {
    CHECK(exporter::kubernetes_name("My_Box.1") == "my-box.1");
    CHECK(exporter::kubernetes_name("__x__") == "x");
    CHECK(exporter::kubernetes_name("") == "sandbox");
    CHECK(exporter::kubernetes_name(std::string(80, 'a')).size() == 63);
}
