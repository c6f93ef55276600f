// Many sandboxes of one shared profile at once (issue 11): unique names for runs that name no
// sandbox, `ps` showing the profile each came from, the address pool, the host's DNS, ping
// without CAP_NET_RAW, port forwards from the host's loopback, and a concurrency soak of
// profiles/ci. Black box (SANDBOX_BIN) over the busybox rootfs; every case ends with the leak
// check. The pool tests use SANDBOX_ADDRESS_POOL inside 10.192.0.0/11, the range the network
// tests keep to; all traffic stays between the host and the sandboxes' namespaces.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "exec/host/network.hpp"
#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;

namespace {

// A profile with no `name`: the sandbox name defaults to the file's stem, which starts with the
// test's prefix so the leak check still recognises what it leaves behind.
std::string unnamed_profile(const SandboxTest& t, const std::string& suffix,
                            const std::string& extra = {}) {
    std::string path = t.dir() / (t.name(suffix) + ".toml");
    write_file(path, "version = 1\n[rootfs]\npath = \"" + test_rootfs() + "\"\n" + extra);
    return path;
}

// The value of "sandbox name: X" in --verbose output ("" when absent).
std::string verbose_name(const std::string& err) {
    const std::string key = "sandbox name: ";
    size_t at = err.find(key);
    if (at == std::string::npos) {
        return {};
    }
    size_t end = err.find('\n', at);
    return err.substr(at + key.size(), end - at - key.size());
}

void require_root_net() {
    require_root("needs root (veth, nftables)");
    if (!std::filesystem::exists(test_rootfs() + "/bin/busybox")) {
        skip_or_fail("the busybox test rootfs is not built (ninja test_rootfs)");
    }
}

// The value of KEY=... in the workload's output ("" when absent).
std::string field(const std::string& out, const std::string& key) {
    size_t at = out.find(key + "=");
    if (at == std::string::npos) {
        return {};
    }
    size_t end = out.find('\n', at);
    return out.substr(at + key.size() + 1, end - at - key.size() - 1);
}

// Prints the sandbox's IPv4 address and gateway, then pings the gateway with no capabilities
// (the default set has no CAP_NET_RAW): only an ICMP echo socket can, and only within
// net.ipv4.ping_group_range. /probe is the helpers dir (probe_volume()).
const char* const k_net_probe =
    "addr=$(ip -4 -o addr show dev eth0 | awk '{print $4}'); echo addr=$addr; "
    "gw=$(ip route | awk '/^default/ {print $3}'); echo gw=$gw; "
    "/probe/sbx-ping \"$gw\" || { echo ping-failed; exit 3; }; "
    "echo ok";

// -v of the static helper programs (tests/integration/helpers) at /probe.
std::string probe_volume() {
    return std::string(SANDBOX_BINARY_DIR) + "/tests/helpers:/probe:ro";
}

int sh(const std::string& cmd) {
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}

}  // namespace

TEST_CASE("many: two concurrent foreground up of one unnamed profile both exit 0", "[root][many]") {
    require_root();
    SandboxTest t;
    std::string profile = unnamed_profile(t, "shared");
    std::string report_a = t.dir() / "a.json";
    std::string report_b = t.dir() / "b.json";
    // Both are still running when the other starts: the sleep outlasts two start-ups.
    SandboxProcess a({"up", "--verbose", "--report", report_a, profile, "--", "/bin/sh", "-c",
                      "sleep 1; hostname"},
                     t.env());
    SandboxProcess b({"up", "--verbose", "--report", report_b, profile, "--", "/bin/sh", "-c",
                      "sleep 1; hostname"},
                     t.env());
    RunResult ra = a.finish();
    RunResult rb = b.finish();
    INFO(ra.err);
    INFO(rb.err);
    CHECK(ra.status == 0);
    CHECK(rb.status == 0);
    std::string name_a = verbose_name(ra.err);
    std::string name_b = verbose_name(rb.err);
    std::string stem = t.name("shared");
    CHECK(name_a.rfind(stem + "-", 0) == 0);
    CHECK(name_b.rfind(stem + "-", 0) == 0);
    CHECK(name_a.size() == stem.size() + 5);
    CHECK(name_a != name_b);
    // The name is the hostname (own UTS namespace) and the report's "name".
    CHECK(ra.out == name_a + "\n");
    CHECK(rb.out == name_b + "\n");
    CHECK(read_file(report_a).find("\"name\": \"" + name_a + "\"") != std::string::npos);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("many: --name and a profile's name stay exact and still refuse a clash", "[root][many]") {
    require_root();
    SandboxTest t;
    std::string profile = unnamed_profile(t, "exact");
    std::string name = t.name("fixed");
    SandboxProcess a({"up", "--name", name, profile, "--", "/bin/sh", "-c", "echo up; sleep 2"},
                     t.env());
    REQUIRE(a.wait_for_output("up\n", 30000));
    RunResult b = t.run({"up", "--name", name, profile, "--", "/bin/true"});
    CHECK(b.status == 125);
    CHECK(b.err.find("sandbox '" + name + "' is already running") != std::string::npos);
    // `ps` shows the profile each sandbox came from.
    RunResult ps = t.run({"ps"});
    CHECK(ps.out.find("PROFILE") != std::string::npos);
    CHECK(ps.out.find(profile) != std::string::npos);
    RunResult ra = a.finish();
    CHECK(ra.status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("many: up -d of an unnamed profile prints the name it chose", "[root][many]") {
    require_root();
    SandboxTest t;
    std::string profile = unnamed_profile(t, "detached");
    RunResult up = t.run({"up", "-d", profile, "--", "/bin/sleep", "30"});
    REQUIRE(up.status == 0);
    std::string name = up.out.substr(0, up.out.find('\n'));
    CHECK(name.rfind(t.name("detached"), 0) == 0);
    RunResult ps = t.run({"ps"});
    CHECK(ps.out.find(name) != std::string::npos);
    RunResult down = t.run({"down", name});
    CHECK(down.status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE(
    "many: a SIGKILLed unnamed run is cleaned up by the next up of another profile with its "
    "cgroup and nft table and pool lease",
    "[root][many][net][cleanup]") {
    require_root_net();
    SandboxTest t;
    // Unnamed: the name is STEM-xxxx, which no later `up` or `down` will ever name again.
    std::string killed = unnamed_profile(
        t, "killed",
        "[limits]\nmemory = \"64MiB\"\n[network]\nmode = \"veth\"\n[network.veth]\nnat = true\n");
    auto env = t.env({{"SANDBOX_ADDRESS_POOL", "10.223.3.0/24"}});
    {
        SandboxProcess p({"up", killed, "--", "/bin/sh", "-c", "echo running; sleep 30"}, env);
        REQUIRE(p.wait_for_output("running\n", 10000));
        p.signal(SIGKILL);
        CHECK(p.finish().status == 128 + SIGKILL);
    }
    // What the launcher could not undo is there (else the rest proves nothing): its state entries,
    // shown as stale.
    RunResult ps = t.run({"ps"}, env);
    CHECK(ps.out.find(t.name("killed") + "-") != std::string::npos);
    CHECK(ps.out.find("stale") != std::string::npos);
    // Any later `up` (here of another profile, without network) cleans it.
    RunResult other = t.run({"up", unnamed_profile(t, "other"), "--", "/bin/true"}, env);
    INFO(other.err);
    CHECK(other.status == 0);
    CHECK(other.err.find("cleaning up stale sandbox '" + t.name("killed") + "-") !=
          std::string::npos);
    RunResult after = t.run({"ps"}, env);
    CHECK(after.out.find(t.name("killed")) == std::string::npos);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE(
    "many: back-to-back runs of one named veth profile with fixed addresses wait for the "
    "previous pair instead of refusing it",
    "[root][many][net]") {
    require_root_net();
    SandboxTest t;
    // The launcher leaves the pair to the kernel's netns cleanup, so the next run may still
    // find the host end and its address for a few ms: it must wait, not exit 125.
    std::string profile =
        t.profile("again",
                  "[network]\nmode = \"veth\"\n[network.veth]\n"
                  "address = \"10.223.4.2/30\"\nhost_address = \"10.223.4.1/30\"\n"
                  "host_name = \"sbt-again\"\n");
    for (int i = 0; i < 5; ++i) {
        RunResult r = t.run({"up", profile, "--", "/bin/true"});
        INFO("run " << i << ": " << r.err);
        CHECK(r.status == 0);
    }
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE(
    "many: two concurrent veth sandboxes of one profile get distinct pool subnets and ping "
    "their gateway",
    "[root][many][net]") {
    require_root_net();
    SandboxTest t;
    std::string profile =
        unnamed_profile(t, "pool", "[capabilities]\nkeep = []\n[network]\nmode = \"veth\"\n");
    auto env = t.env({{"SANDBOX_ADDRESS_POOL", "10.223.0.0/24"}});
    std::string probe = std::string("sleep 1; ") + k_net_probe;
    SandboxProcess a({"up", "--volume", probe_volume(), profile, "--", "/bin/sh", "-c", probe},
                     env);
    SandboxProcess b({"up", "--volume", probe_volume(), profile, "--", "/bin/sh", "-c", probe},
                     env);
    RunResult ra = a.finish();
    RunResult rb = b.finish();
    INFO(ra.out << ra.err);
    INFO(rb.out << rb.err);
    CHECK(ra.status == 0);
    CHECK(rb.status == 0);
    std::string addr_a = field(ra.out, "addr");
    std::string addr_b = field(rb.out, "addr");
    CHECK(addr_a.rfind("10.223.0.", 0) == 0);
    CHECK(addr_b.rfind("10.223.0.", 0) == 0);
    CHECK(addr_a.size() > 10);
    CHECK(addr_a.find("/30") != std::string::npos);
    CHECK(addr_a != addr_b);
    CHECK(field(ra.out, "gw") != field(rb.out, "gw"));
    CHECK(ra.out.find("ok\n") != std::string::npos);
    CHECK(rb.out.find("ok\n") != std::string::npos);
    // Nothing of the pool is left: no lease (the ip-pool dir is a state-root entry), no route.
    CHECK(t.leaks() == std::vector<std::string>{});
    CHECK(sh("ip -4 route show table all | grep -q '^10\\.223\\.0\\.'") != 0);
}

TEST_CASE(
    "many: the pool steps around a routed subnet, an exhausted pool exits 125 naming the "
    "holders",
    "[root][many][net]") {
    require_root_net();
    SandboxTest t;
    std::string profile = unnamed_profile(
        t, "full", "[network]\nmode = \"veth\"\n[network.veth]\naddress = \"auto\"\n");
    // 10.223.1.0/29 holds two /30s; the first is routed on the host (a route of ours on lo).
    REQUIRE(sh("ip route add 10.223.1.0/30 dev lo") == 0);
    auto env = t.env({{"SANDBOX_ADDRESS_POOL", "10.223.1.0/29"}});
    SandboxProcess holder({"up", "--verbose", profile, "--", "/bin/sh", "-c",
                           "ip -4 -o addr show dev eth0; echo ready; sleep 3"},
                          env);
    bool ready = holder.wait_for_output("ready\n", 30000);
    RunResult full =
        t.run({"up", profile, "--", "/bin/true"}, {{"SANDBOX_ADDRESS_POOL", "10.223.1.0/29"}});
    RunResult rh = holder.finish();
    sh("ip route del 10.223.1.0/30 dev lo");
    INFO(rh.out << rh.err);
    INFO(full.err);
    CHECK(ready);
    CHECK(rh.status == 0);
    CHECK(rh.out.find("10.223.1.6/30") != std::string::npos);  // .0/30 is routed: .4/30
    CHECK(full.status == 125);
    CHECK(full.err.find("10.223.1.0/29") != std::string::npos);
    CHECK(full.err.find(verbose_name(rh.err)) != std::string::npos);
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("many: a veth sandbox without network.dns gets the host's name servers",
          "[root][many][net]") {
    require_root_net();
    SandboxTest t;
    std::string profile = unnamed_profile(t, "dns", "[network]\nmode = \"veth\"\n");
    sandbox::exec::host::HostDns host = sandbox::exec::host::read_host_dns();
    RunResult r = t.run({"up", profile, "--", "/bin/cat", "/etc/resolv.conf"},
                        {{"SANDBOX_ADDRESS_POOL", "10.223.2.0/24"}});
    INFO(r.err);
    CHECK(r.status == 0);
    if (host.resolv_conf) {
        CHECK(r.out == *host.resolv_conf);
        CHECK(r.out.find("nameserver 127.") == std::string::npos);
    } else {
        CHECK(r.err.find("no name servers for the sandbox") != std::string::npos);
    }
    // network.dns still overrides.
    RunResult own = t.run({"up", profile, "--set", "network.dns=[\"192.0.2.1\"]", "--", "/bin/cat",
                           "/etc/resolv.conf"},
                          {{"SANDBOX_ADDRESS_POOL", "10.223.2.0/24"}});
    INFO(own.err);
    CHECK(own.out == "nameserver 192.0.2.1\n");
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("many: ping works without CAP_NET_RAW and network.sysctls sets net keys",
          "[root][many][net]") {
    require_root_net();
    SandboxTest t;
    std::string profile =
        unnamed_profile(t, "ping",
                        "[capabilities]\nkeep = []\n[network]\nmode = \"none\"\n"
                        "[network.sysctls]\n\"net.ipv4.ip_default_ttl\" = \"33\"\n");
    RunResult r =
        t.run({"up", "--volume", probe_volume(), profile, "--", "/bin/sh", "-c",
               "cat /proc/sys/net/ipv4/ping_group_range /proc/sys/net/ipv4/ip_default_ttl; "
               "/probe/sbx-ping 127.0.0.1 && echo pinged"});
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "0\t2147483647\n33\nok\npinged\n");
    CHECK(t.leaks() == std::vector<std::string>{});
}

TEST_CASE("many: a port forward answers on the host's 127.0.0.1", "[root][many][net]") {
    require_root_net();
    SandboxTest t;
    const int port = 20000 + getpid() % 20000;
    std::string profile = unnamed_profile(t, "port",
                                          "[network]\nmode = \"veth\"\n[[network.ports]]\nhost = " +
                                              std::to_string(port) + "\nsandbox = 7000\n");
    SandboxProcess server({"up", profile, "--", "/bin/sh", "-c",
                           "echo listening; echo hello-from-sandbox | nc -l -p 7000"},
                          t.env({{"SANDBOX_ADDRESS_POOL", "10.223.3.0/24"}}));
    REQUIRE(server.wait_for_output("listening\n", 30000));
    std::string got;
    for (int attempt = 0; attempt < 50 && got.empty(); ++attempt) {
        usleep(100 * 1000);  // nc may not listen yet
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(static_cast<uint16_t>(port));
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{2, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0) {
            char buf[64] = {};
            ssize_t n = read(fd, buf, sizeof buf - 1);
            if (n > 0) {
                got.assign(buf, static_cast<size_t>(n));
            }
        }
        close(fd);
    }
    CHECK(got == "hello-from-sandbox\n");
    RunResult r = server.finish(10000);
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(t.leaks() == std::vector<std::string>{});
}

// Each run of a round waits (up to 10 s) until all 8 are up, so their leases overlap and
// "distinct addresses" means what it says (a run that ended would free its subnet for the next).
const char* const k_barrier =
    "touch /src/ready-$(hostname); i=0; "
    "while [ $(ls /src | grep -c '^ready-') -lt 8 ] && [ $i -lt 100 ]; do sleep 0.1; "
    "i=$((i+1)); done";

// profiles/ci as shipped, unnamed and without addresses, over the busybox rootfs instead of the
// host's: names, subnets, leases, nft tables and veths of 8 runs at once must never collide.
TEST_CASE("many: soak, 8 concurrent runs of profiles/ci for 5 rounds", "[root][many][net][soak]") {
    require_root_net();
    SandboxTest t;
    std::string ci = std::string(SANDBOX_SOURCE_DIR) + "/profiles/ci.toml";
    sandbox::exec::host::HostDns host = sandbox::exec::host::read_host_dns();
    auto env = t.env({{"SANDBOX_ADDRESS_POOL", "10.223.16.0/24"}, {"PWD", t.dir().path()}});
    std::set<std::string> all_addresses;
    for (int round = 0; round < 5; ++round) {
        std::vector<std::unique_ptr<SandboxProcess>> runs;
        for (int i = 0; i < 8; ++i) {
            runs.push_back(std::make_unique<SandboxProcess>(
                std::vector<std::string>{"up", "--volume", probe_volume(), ci, "--set",
                                         "rootfs.host=false", "--set",
                                         "rootfs.path=" + test_rootfs(), "--", "/bin/sh", "-c",
                                         std::string(k_net_probe) +
                                             "; cat /etc/resolv.conf; echo uidmap=$(cat "
                                             "/proc/self/uid_map); echo x > /src/w-$(hostname); " +
                                             k_barrier},
                env));
        }
        std::set<std::string> addresses;
        for (auto& run : runs) {
            RunResult r = run->finish();
            INFO("round " << round << ": " << r.out << r.err);
            CHECK(r.status == 0);
            CHECK(r.out.find("ok\n") != std::string::npos);
            if (host.resolv_conf) {
                CHECK(r.out.find(*host.resolv_conf) != std::string::npos);
            }
            addresses.insert(field(r.out, "addr"));
            // Never host root: a user namespace mapping root inside to the invoker alone.
            std::string uid_map = field(r.out, "uidmap");  // " 0 0 1": the file's padding
            uid_map.erase(0, uid_map.find_first_not_of(' '));
            CHECK(uid_map == "0 " + std::to_string(getuid()) + " 1");
        }
        CHECK(addresses.size() == 8);
        for (const auto& e : std::filesystem::directory_iterator(t.dir().path())) {
            if (e.path().filename().string().rfind("ready-", 0) == 0) {
                std::filesystem::remove(e.path());
            }
        }
        all_addresses.insert(addresses.begin(), addresses.end());
    }
    // What the jobs wrote into /src (the project dir) belongs to the invoker.
    size_t written = 0;
    for (const auto& e : std::filesystem::directory_iterator(t.dir().path())) {
        if (e.path().filename().string().rfind("w-", 0) == 0) {
            struct stat st {};
            REQUIRE(stat(e.path().c_str(), &st) == 0);
            CHECK(st.st_uid == getuid());
            ++written;
        }
    }
    CHECK(written == 40);
    CHECK(t.leaks() == std::vector<std::string>{});
    CHECK(sh("ip -4 route show table all | grep -q '^10\\.223\\.16\\.'") != 0);
}
