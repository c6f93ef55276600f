#pragma once
// Made-up hosts and profiles for the planner and explain tests (no probing: the planner is pure).
#include "plan/host_facts.hpp"
#include "profile/profile.hpp"

namespace sandbox::test {

inline plan::HostFacts facts_v2_root() {
    plan::HostFacts f;
    f.cgroup_version = plan::CgroupVersion::v2;
    f.cgroup_root = "/sys/fs/cgroup";
    f.v2_controllers = {"cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc"};
    f.own_cgroup = "/user.slice/user-0.slice/session-3.scope";
    f.uid = 0;
    f.gid = 0;
    f.state_root = "/run/sandbox";
    f.cache_root = "/var/cache/sandbox";
    return f;
}

inline plan::HostFacts facts_v2_rootless() {
    plan::HostFacts f = facts_v2_root();
    f.own_cgroup = "/user.slice/user-1000.slice/user@1000.service/app.slice/app-term.scope";
    f.uid = 1000;
    f.gid = 1000;
    f.subuid = plan::SubIdRange{100000, 65536};
    f.subgid = plan::SubIdRange{100000, 65536};
    f.state_root = "/run/user/1000/sandbox";
    f.cache_root = "/home/dev/.cache/sandbox";
    return f;
}

inline plan::HostFacts facts_v1_root() {
    plan::HostFacts f;
    f.cgroup_version = plan::CgroupVersion::v1;
    f.cgroup_root = "/sys/fs/cgroup";
    f.v1_controllers = {
        {"memory", "/sys/fs/cgroup/memory"},   {"pids", "/sys/fs/cgroup/pids"},
        {"cpu", "/sys/fs/cgroup/cpu,cpuacct"}, {"cpuacct", "/sys/fs/cgroup/cpu,cpuacct"},
        {"blkio", "/sys/fs/cgroup/blkio"},     {"freezer", "/sys/fs/cgroup/freezer"}};
    f.uid = 0;
    f.gid = 0;
    return f;
}

inline plan::HostFacts facts_hybrid_root() {
    plan::HostFacts f = facts_v1_root();
    f.cgroup_version = plan::CgroupVersion::hybrid;
    f.v2_controllers = {};  // the unified hierarchy holds no controllers on a hybrid host
    f.own_cgroup = "/user.slice/user-0.slice/session-3.scope";
    return f;
}

inline plan::HostFacts facts_v1_rootless() {
    plan::HostFacts f = facts_v1_root();
    f.uid = 1000;
    f.gid = 1000;
    f.subuid = plan::SubIdRange{100000, 65536};
    f.subgid = plan::SubIdRange{100000, 65536};
    f.state_root = "/run/user/1000/sandbox";
    f.cache_root = "/home/dev/.cache/sandbox";
    return f;
}

// The smallest runnable profile: a directory rootfs and a command.
inline profile::Profile minimal_profile(std::string name = "box") {
    profile::Profile p;
    p.name = std::move(name);
    p.rootfs.path = "/srv/rootfs/busybox";
    p.process.args = {"/bin/sh", "-c", "echo hi"};
    p.seccomp.preset = profile::SeccompPreset::none;
    return p;
}

// A web service: limits, veth with NAT and a port, mounts, dns, masks.
inline profile::Profile web_profile() {
    using profile::Bytes;
    profile::Profile p = minimal_profile("web");
    p.rootfs.overlay = true;
    p.rootfs.readonly = true;
    p.limits.memory = Bytes{128ULL << 20};
    p.limits.memory_swap = Bytes{64ULL << 20};
    p.limits.pids = 64;
    p.limits.cpu = 0.5;
    p.limits.cpu_weight = 200;
    p.limits.io_weight = 500;

    profile::Mount data;
    data.type = profile::MountType::bind;
    data.source = "/srv/data";
    data.target = "/work";
    data.readonly = true;
    data.options = {"nosuid", "nodev"};
    profile::Mount tmp;
    tmp.type = profile::MountType::tmpfs;
    tmp.target = "/tmp";
    tmp.size = Bytes{64ULL << 20};
    tmp.mode = 01777;
    tmp.options = {"nosuid", "nodev", "noexec"};
    profile::Mount cache;
    cache.type = profile::MountType::bind;
    cache.source = "/var/cache/web";
    cache.target = "/var/cache/web";
    cache.recursive = false;
    cache.optional = true;
    cache.propagation = profile::Propagation::slave;
    p.mounts = {data, tmp, cache};

    p.network.mode = profile::NetworkMode::veth;
    p.network.veth.address = "10.88.0.2/24";
    p.network.veth.host_address = "10.88.0.1/24";
    p.network.veth.mtu = 1400;
    p.network.veth.nat = true;
    p.network.ports = {profile::PortForward{8080, 80, profile::Protocol::tcp}};
    p.network.dns = {"1.1.1.1", "9.9.9.9"};
    p.network.hosts = {{"db", "10.88.0.3"}};

    p.process.args = {"/usr/bin/httpd", "-f", "-p", "80"};
    p.process.env = {{"APP_ENV", "production"}};
    p.process.inherit_env = {"TERM"};
    p.process.user = "1000";
    p.process.group = "1000";
    p.process.rlimits = {profile::Rlimit{"nofile", 1024, 4096}};
    p.process.timeout = std::chrono::seconds(30);
    p.capabilities.keep = {"CAP_NET_BIND_SERVICE"};
    p.security.masked_paths = {"/proc/kcore", "/proc/keys"};
    p.security.readonly_paths = {"/proc/sys", "/proc/sysrq-trigger"};
    p.seccomp.deny = {"ptrace"};
    return p;
}

// Host mode: the host's /usr etc. read-only over a tmpfs root, no network, host pid namespace.
inline profile::Profile host_tool_profile() {
    profile::Profile p;
    p.name = "tool";
    p.rootfs.host = true;
    p.namespaces.pid = profile::NamespaceSetting::host_ns();
    p.process.args = {"/usr/bin/make", "-C", "/src"};
    p.process.cwd = "/src";
    profile::Mount src;
    src.source = "/home/dev/project";
    src.target = "/src";
    p.mounts = {src};
    p.seccomp.preset = profile::SeccompPreset::none;
    return p;
}

}  // namespace sandbox::test
