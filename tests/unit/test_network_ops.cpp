// Profile -> plan -> the nftables commands network_host runs, for whole profiles (golden files
// in tests/unit/golden/network_*.nft). The planner's own tests cover the plan fields; these
// cover the join between the plan and the nft table, which no privilege is needed to check.
#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "exec/host/network.hpp"
#include "plan/plan.hpp"

using namespace sandbox;

namespace {

plan::HostFacts root_facts() {
    plan::HostFacts f;
    f.cgroup_version = plan::CgroupVersion::v2;
    f.v2_controllers = {"cpu", "memory", "pids"};
    f.uid = 0;
    f.gid = 0;
    return f;
}

profile::Profile veth_profile(const std::string& name) {
    profile::Profile p;
    p.name = name;
    p.rootfs.path = "/srv/rootfs/busybox";
    p.process.args = {"/bin/sh"};
    p.seccomp.preset = profile::SeccompPreset::none;
    p.network.mode = profile::NetworkMode::veth;
    p.network.veth.host_name = "sbx-" + name;
    p.network.veth.address = "10.77.0.2/24";
    p.network.veth.host_address = "10.77.0.1/24";
    return p;
}

std::string golden(const std::string& file) {
    std::ifstream in(std::string(SANDBOX_SOURCE_DIR) + "/tests/unit/golden/" + file);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("net: nft commands for a NAT profile with v4, v6 and two ports", "[unit][net]") {
    profile::Profile p = veth_profile("web");
    p.network.veth.address6 = "fd00:77::2/64";
    p.network.veth.host_address6 = "fd00:77::1/64";
    p.network.veth.nat = true;
    p.network.ports = {{8080, 80, profile::Protocol::tcp}, {5353, 53, profile::Protocol::udp}};
    const plan::Plan plan = plan::make_plan(p, root_facts());
    REQUIRE(plan.network_host.forwarding);
    CHECK(sys::render_nat_ruleset(exec::host::nat_ruleset_for(plan.network_host)) ==
          golden("network_web.nft"));
}

TEST_CASE("net: nft commands for a port forward without NAT", "[unit][net]") {
    profile::Profile p = veth_profile("svc");
    p.network.ports = {{2222, 22, profile::Protocol::tcp}};
    const plan::Plan plan = plan::make_plan(p, root_facts());
    CHECK(sys::render_nat_ruleset(exec::host::nat_ruleset_for(plan.network_host)) ==
          golden("network_svc.nft"));
}

TEST_CASE("net: a veth profile without NAT or ports gets no nft table", "[unit][net]") {
    const plan::Plan plan = plan::make_plan(veth_profile("quiet"), root_facts());
    CHECK(plan.network_host.nft_table.empty());
    CHECK_FALSE(plan.network_host.nat);
    CHECK(plan.network_host.ports.empty());
}
