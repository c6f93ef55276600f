#include <catch2/catch.hpp>

#include "export/oci.hpp"
#include "plan/plan.hpp"

using namespace sandbox;

namespace {
plan::HostFacts v2_root_facts() {
    plan::HostFacts facts;
    facts.cgroup_version = plan::CgroupVersion::v2;
    facts.v2_controllers = {"cpu", "memory", "pids", "io"};
    facts.uid = 0;
    facts.gid = 0;
    return facts;
}
}  // namespace

TEST_CASE("export: OCI bundle carries process, namespaces, mounts, limits", "[unit][export]") {
    profile::Profile p;
    p.name = "web";
    p.process.args = {"/bin/httpd", "-f"};
    p.process.env = {{"MODE", "prod"}};
    p.rootfs.path = "/srv/rootfs";
    p.rootfs.readonly = true;
    p.limits.memory = profile::Bytes{256ULL << 20};
    p.limits.pids = 64;
    p.namespaces.net = profile::NamespaceSetting::host_ns();
    profile::Mount tmp;
    tmp.type = profile::MountType::tmpfs;
    tmp.target = "/tmp";
    tmp.size = profile::Bytes{64ULL << 20};
    p.mounts.push_back(tmp);
    p.seccomp.preset = profile::SeccompPreset::none;
    p.security.masked_paths = {"/proc/kcore"};

    plan::Plan plan = plan::make_plan(p, v2_root_facts());
    exporter::OciBundle bundle = exporter::make_oci_bundle(plan, "/srv/rootfs");
    const nlohmann::json& c = bundle.config;

    CHECK(c["ociVersion"] == "1.0.2");
    CHECK(c["process"]["args"] == nlohmann::json({"/bin/httpd", "-f"}));
    CHECK(c["root"]["path"] == "/srv/rootfs");
    CHECK(c["root"]["readonly"] == true);
    CHECK(c["hostname"] == "web");
    bool has_env = false;
    for (const auto& e : c["process"]["env"]) has_env = has_env || e == "MODE=prod";
    CHECK(has_env);

    std::vector<std::string> ns;
    for (const auto& n : c["linux"]["namespaces"]) ns.push_back(n["type"]);
    CHECK(std::find(ns.begin(), ns.end(), "pid") != ns.end());
    CHECK(std::find(ns.begin(), ns.end(), "mount") != ns.end());
    CHECK(std::find(ns.begin(), ns.end(), "network") == ns.end());  // host's network

    CHECK(c["linux"]["resources"]["memory"]["limit"] == (256LL << 20));
    CHECK(c["linux"]["resources"]["pids"]["limit"] == 64);
    CHECK(c["linux"]["cgroupsPath"] == "/sandbox/web");

    bool has_tmp = false;
    for (const auto& m : c["mounts"]) {
        if (m["destination"] == "/tmp") {
            has_tmp = true;
            CHECK(m["type"] == "tmpfs");
        }
    }
    CHECK(has_tmp);
    CHECK_FALSE(c["linux"]["maskedPaths"].empty());
    CHECK(c["linux"].find("seccomp") == c["linux"].end());
}

TEST_CASE("export: OCI user and group are numbers only when written as numbers", "[unit][export]") {
    profile::Profile p;
    p.name = "ids";
    p.rootfs.path = "/srv/rootfs";
    p.process.args = {"/bin/true"};
    p.process.user = "12abc";  // a name that starts with digits: not uid 12
    p.process.group = "100";
    plan::Plan plan = plan::make_plan(p, v2_root_facts());
    exporter::OciBundle bundle = exporter::make_oci_bundle(plan, "/srv/rootfs");
    CHECK(bundle.config["process"]["user"]["uid"] == 0);
    CHECK(bundle.config["process"]["user"]["gid"] == 100);
    bool noted = false;
    for (const std::string& n : bundle.notes) {
        noted = noted || n.find("process.user '12abc' is a name") != std::string::npos;
    }
    CHECK(noted);
}
