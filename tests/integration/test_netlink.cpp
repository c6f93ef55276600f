// The network steps called directly (not through `sandbox up`): the host half in this process,
// the sandbox half in a forked child that unshared its netns (youki test_in_child_process).
// Root only. Traffic stays between the host and netns this test creates. iproute2/nsenter/
// busybox are used here to observe, never by src/.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "exec/child/network.hpp"
#include "exec/host/forwarding.hpp"
#include "exec/host/network.hpp"
#include "exec/rollback.hpp"
#include "support/leak_check.hpp"
#include "support/privilege.hpp"
#include "sys/netlink.hpp"
#include "sys/nftables.hpp"
#include "sys/sysctl.hpp"

namespace {

using namespace sandbox;

int sh(const std::string& cmd) {
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
}

bool link_exists(const std::string& name) {
    return std::filesystem::exists("/sys/class/net/" + name);
}

// The kernel removes a veth whose peer netns died asynchronously (a few ms): poll for it.
bool link_gone_within(const std::string& name, int ms) {
    for (int i = 0; i < ms; ++i) {
        if (!link_exists(name)) {
            return true;
        }
        ::usleep(1000);
    }
    return !link_exists(name);
}

bool nft_table_exists(const std::string& name) {
    auto nft = sys::Nftables::open();
    REQUIRE(nft);
    auto tables = nft->list_tables("inet");
    REQUIRE(tables);
    return std::find(tables->begin(), tables->end(), name) != tables->end();
}

// A child in a fresh netns that runs setup_sandbox_network when told to, reports the result
// byte, then sleeps until killed.
class NetnsChild {
public:
    explicit NetnsChild(plan::NetSandboxPlan plan) {
        int up[2];
        int down[2];
        REQUIRE(::pipe2(up, O_CLOEXEC) == 0);
        REQUIRE(::pipe2(down, O_CLOEXEC) == 0);
        m_pid = ::fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            ::prctl(PR_SET_PDEATHSIG, SIGKILL);
            char c = ::unshare(CLONE_NEWNET) == 0 ? 'R' : 'E';
            (void)!::write(up[1], &c, 1);
            if (::read(down[0], &c, 1) != 1) {
                ::_exit(1);
            }
            try {
                exec::child::setup_sandbox_network(plan);
                c = 'O';
            } catch (const sys::SysError& e) {
                std::fprintf(stderr, "child: %s\n", e.describe().c_str());
                c = 'F';
            }
            (void)!::write(up[1], &c, 1);
            for (;;) {
                ::pause();
            }
        }
        ::close(up[1]);
        ::close(down[0]);
        m_up = up[0];
        m_down = down[1];
        char c = 0;
        REQUIRE(::read(m_up, &c, 1) == 1);
        REQUIRE(c == 'R');
    }
    ~NetnsChild() { kill(); }
    NetnsChild(const NetnsChild&) = delete;
    NetnsChild& operator=(const NetnsChild&) = delete;

    pid_t pid() const { return m_pid; }
    // Runs the sandbox half; true when it succeeded.
    bool release() {
        char c = 'G';
        REQUIRE(::write(m_down, &c, 1) == 1);
        REQUIRE(::read(m_up, &c, 1) == 1);
        return c == 'O';
    }
    // A command inside the child's netns.
    int in_netns(const std::string& cmd) const {
        return sh("nsenter -t " + std::to_string(m_pid) + " -n " + cmd);
    }
    void kill() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
            m_pid = -1;
            ::close(m_up);
            ::close(m_down);
        }
    }

private:
    pid_t m_pid = -1;
    int m_up = -1;
    int m_down = -1;
};

struct Setup {
    plan::NetHostPlan host;
    plan::NetSandboxPlan sandbox;
};

Setup make_setup(const std::string& tag, int subnet, bool v6 = false) {
    Setup s;
    const std::string net = "10.199." + std::to_string(subnet) + ".";
    s.host.mode = profile::NetworkMode::veth;
    s.host.host_name = "sbt-" + tag;
    s.host.peer_name = "sbtp" + std::to_string(subnet);
    s.host.host_addresses = {{net + "1", 24, false}};
    s.host.sandbox_addresses = {{net + "2", 24, false}};
    s.host.nft_table = "sandbox-test-" + tag;
    s.sandbox.loopback_up = true;
    s.sandbox.interface_name = "eth0";
    s.sandbox.peer_name = s.host.peer_name;
    s.sandbox.addresses = {{net + "2", 24, false}};
    s.sandbox.default_routes = {{net + "1", false}};
    if (v6) {
        const std::string net6 = "fd00:5b:" + std::to_string(subnet) + "::";
        s.host.host_addresses.push_back({net6 + "1", 64, true});
        s.host.sandbox_addresses.push_back({net6 + "2", 64, true});
        s.sandbox.addresses.push_back({net6 + "2", 64, true});
        s.sandbox.default_routes.push_back({net6 + "1", true});
    }
    return s;
}

}  // namespace

TEST_CASE("net: veth peer is created in the child's netns and both ends talk (v4 + v6)",
          "[root][net]") {
    sandbox::test::require_root("needs CAP_NET_ADMIN in the host netns");
    sandbox::test::LeakCheck leaks("/nonexistent", {"sbt-", "sandbox-test-"});
    Setup s = make_setup("a", 11, true);
    s.host.mtu = 1400;
    s.sandbox.mtu = 1400;
    NetnsChild child(s.sandbox);
    exec::Rollback rollback;
    exec::host::setup_host_network(s.host, child.pid(), rollback);
    REQUIRE(link_exists("sbt-a"));
    // The peer never appeared on the host: it was created in the child's netns.
    REQUIRE_FALSE(link_exists("sbtp11"));
    REQUIRE(child.release());
    CHECK(child.in_netns("ip link show sbtp11 2>/dev/null") != 0);  // renamed to eth0
    CHECK(child.in_netns("ip link show eth0 | grep -q 'mtu 1400'") == 0);
    CHECK(child.in_netns("ip -6 route show default | grep -q fd00:5b:11::1") == 0);
    CHECK(sh("busybox ping -c1 -W2 10.199.11.2 >/dev/null") == 0);
    CHECK(sh("busybox ping -c1 -W2 fd00:5b:11::2 >/dev/null") == 0);
    CHECK(child.in_netns("busybox ping -c1 -W2 10.199.11.1 >/dev/null") == 0);
    CHECK(child.in_netns("busybox ping -c1 -W2 127.0.0.1 >/dev/null") == 0);
    auto failures = rollback.unwind();
    CHECK(failures.empty());
    CHECK_FALSE(link_exists("sbt-a"));  // the child is alive: deleted now, synchronously
    CHECK(leaks.leaks() == std::vector<std::string>{});
}

TEST_CASE("net: undo leaves a dying veth to the kernel and deletes the nft table", "[root][net]") {
    sandbox::test::require_root("needs CAP_NET_ADMIN in the host netns");
    sandbox::test::LeakCheck leaks("/nonexistent", {"sbt-", "sandbox-test-"});
    Setup s = make_setup("b", 12);
    s.host.nat = true;
    s.host.ports = {{18080, 80, profile::Protocol::tcp}};
    NetnsChild child(s.sandbox);
    exec::Rollback rollback;
    exec::host::setup_host_network(s.host, child.pid(), rollback);
    REQUIRE(child.release());
    CHECK(nft_table_exists("sandbox-test-b"));
    child.kill();  // the sandbox ended: its netns goes, and the pair with it
    CHECK(rollback.unwind().empty());
    CHECK_FALSE(nft_table_exists("sandbox-test-b"));
    CHECK(link_gone_within("sbt-b", 2000));
    CHECK(leaks.leaks() == std::vector<std::string>{});
}

TEST_CASE("net: a taken host name is refused before anything is created", "[root][net]") {
    sandbox::test::require_root("needs CAP_NET_ADMIN in the host netns");
    sandbox::test::LeakCheck leaks("/nonexistent", {"sbt-", "sandbox-test-"});
    REQUIRE(sh("ip link add sbt-c type veth peer name sbt-cp") == 0);
    Setup s = make_setup("c", 13);
    s.host.nat = true;
    NetnsChild child(s.sandbox);
    exec::Rollback rollback;
    try {
        exec::host::setup_host_network(s.host, child.pid(), rollback);
        FAIL("expected a name clash");
    } catch (const sys::SysError& e) {
        CHECK(e.err() == EEXIST);
        CHECK(e.describe().find("create veth sbt-c: an interface with this name already exists") !=
              std::string::npos);
    }
    CHECK(rollback.empty());
    CHECK_FALSE(nft_table_exists("sandbox-test-c"));
    sh("ip link del sbt-c");
    CHECK(leaks.leaks() == std::vector<std::string>{});
}

TEST_CASE("net: a host address already in use is refused before anything is created",
          "[root][net]") {
    sandbox::test::require_root("needs CAP_NET_ADMIN in the host netns");
    sandbox::test::LeakCheck leaks("/nonexistent", {"sbt-", "sandbox-test-"});
    REQUIRE(sh("ip link add sbt-dd type veth peer name sbt-ddp && ip addr add 10.199.14.1/32 dev "
               "sbt-dd") == 0);
    Setup s = make_setup("d", 14);
    NetnsChild child(s.sandbox);
    exec::Rollback rollback;
    try {
        exec::host::setup_host_network(s.host, child.pid(), rollback);
        FAIL("expected address in use");
    } catch (const sys::SysError& e) {
        CHECK(e.err() == EADDRINUSE);
        CHECK(e.describe() ==
              "add address 10.199.14.1/24: already assigned to 'sbt-dd' on the host (choose "
              "another network.veth.host_address): Address already in use (EADDRINUSE)");
    }
    CHECK(rollback.empty());
    CHECK_FALSE(link_exists("sbt-d"));
    sh("ip link del sbt-dd");
    CHECK(leaks.leaks() == std::vector<std::string>{});
}

TEST_CASE("net: ip_forward is set while any holder runs and restored by the last", "[root][net]") {
    sandbox::test::require_root("needs to write /proc/sys/net/ipv4/ip_forward");
    sandbox::test::LeakCheck leaks("/nonexistent", {"sbt-", "sandbox-test-"});
    const std::string sysctl = exec::host::k_ipv4_forward;
    const auto before = sys::read_sysctl(sysctl);
    REQUIRE(before);
    REQUIRE(sys::write_sysctl(sysctl, "0"));
    const std::string root = "/tmp/sandbox-net-test-" + std::to_string(::getpid());
    std::filesystem::create_directories(root);
    const std::string file = exec::host::forwarding_holder_file(root, sysctl);
    // Holders are veth names; stale ones (no such link) are dropped, so use real links.
    REQUIRE(sh("ip link add sbt-f1 type veth peer name sbt-f1p && ip link add sbt-f2 type veth "
               "peer name sbt-f2p") == 0);
    const std::string a = exec::host::acquire_forwarding(sysctl, file, "sbt-f1");
    CHECK(*sys::read_sysctl(sysctl) == "1");
    const std::string b = exec::host::acquire_forwarding(sysctl, file, "sbt-f2");
    exec::host::release_forwarding(sysctl, a);
    CHECK(*sys::read_sysctl(sysctl) == "1");  // sbt-f2 still needs it
    exec::host::release_forwarding(sysctl, b);
    CHECK(*sys::read_sysctl(sysctl) == "0");
    CHECK_FALSE(std::filesystem::exists(file));
    // A holder whose veth vanished (its launcher was killed) does not pin the value.
    const std::string c = exec::host::acquire_forwarding(sysctl, file, "sbt-f1");
    REQUIRE(sh("ip link del sbt-f1") == 0);
    const std::string d = exec::host::acquire_forwarding(sysctl, file, "sbt-f2");
    exec::host::release_forwarding(sysctl, d);
    CHECK(*sys::read_sysctl(sysctl) == "0");
    sh("ip link del sbt-f2");
    REQUIRE(sys::write_sysctl(sysctl, *before));
    std::filesystem::remove_all(root);
    CHECK(leaks.leaks() == std::vector<std::string>{});
}
