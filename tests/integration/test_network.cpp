// `sandbox up` with network.mode = "veth", black box (SANDBOX_BIN) over the busybox rootfs
// (SANDBOX_TEST_ROOTFS). All traffic stays on this machine: between the host and the sandboxes'
// netns, plus a "remote" netns this file creates with iproute2 for the NAT case. Every case
// checks afterwards that no link, nft table, holder file or ip_forward change is left.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/leak_check.hpp"
#include "support/privilege.hpp"
#include "sys/nftables.hpp"
#include "sys/sysctl.hpp"

namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// Every address these tests use lies in 10.192.0.0/11 or fd00::/8. While a case runs, both
// ranges are "unreachable" on the host, so a packet sent before a sandbox's veth exists (or
// forwarded for a sandbox whose peer is not up yet) is refused here instead of leaving by the
// default route: the more specific routes of the veths and the test's own "remote" netns still
// win. Removed when the test process exits.
struct FencedRanges {
    FencedRanges() {
        (void)!std::system("ip route replace unreachable 10.192.0.0/11 2>/dev/null");
        (void)!std::system("ip -6 route replace unreachable fd00::/8 2>/dev/null");
    }
    ~FencedRanges() {
        (void)!std::system("ip route del unreachable 10.192.0.0/11 2>/dev/null");
        (void)!std::system("ip -6 route del unreachable fd00::/8 2>/dev/null");
    }
};

void fence_test_ranges() {
    static FencedRanges fence;
}

void require_root_net() {
    const char* why = nullptr;
    if (::geteuid() != 0) {
        why = "needs root (veth, nftables)";
    } else if (std::getenv("SANDBOX_BIN") == nullptr ||
               std::getenv("SANDBOX_TEST_ROOTFS") == nullptr) {
        why = "SANDBOX_BIN / SANDBOX_TEST_ROOTFS not set (run through ctest)";
    } else if (!fs::exists(std::string(std::getenv("SANDBOX_TEST_ROOTFS")) + "/bin/busybox")) {
        why = "the busybox test rootfs is not built (ninja test_rootfs)";
    }
    if (why == nullptr) {
        fence_test_ranges();
        return;
    }
    sandbox::test::skip_or_fail(why);
}

int sh(const std::string& cmd) {
    int rc = std::system(cmd.c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
}

struct TempDir {
    fs::path path;
    TempDir() {
        char tmpl[] = "/tmp/sandbox-net-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        path = tmpl;
    }
    ~TempDir() { fs::remove_all(path); }
};

// The one leak check (support/leak_check.hpp) with this file's markers: the temp dir (state
// root, cache, profiles) and the "sbt-" link names every case here uses.
class LeakCheck {
public:
    explicit LeakCheck(const TempDir& dir)
        : m_check((dir.path / "state").string(), {dir.path.string(), "sbt-", "net-"}) {}
    void verify() const {
        std::vector<std::string> leaks = m_check.leaks();
        INFO("left behind:\n" << join_lines(leaks));
        CHECK(leaks.empty());
    }

private:
    static std::string join_lines(const std::vector<std::string>& v) {
        std::string out;
        for (const std::string& x : v) {
            out += "  " + x + "\n";
        }
        return out;
    }
    sandbox::test::LeakCheck m_check;
};

std::string toml_str(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    return out + "\"";
}

// A veth profile; `extra` is appended verbatim (more [network.*] keys, ports...).
std::string veth_profile(const std::string& name, const std::string& script,
                         const std::string& veth_keys, const std::string& extra = {}) {
    std::ostringstream p;
    p << "version = 1\nname = " << toml_str(name) << "\n"
      << "[rootfs]\npath = " << toml_str(std::getenv("SANDBOX_TEST_ROOTFS")) << "\n"
      << "[process]\nargs = [\"/bin/sh\", \"-c\", " << toml_str(script) << "]\n"
      << "timeout = \"20s\"\n"
      << "[capabilities]\nkeep = [\"CAP_NET_RAW\"]\n"
      << "[network]\nmode = \"veth\"\n"
      << "[network.veth]\n"
      << veth_keys << "\n"
      << extra;
    return p.str();
}

struct Run {
    int status = -1;
    std::string out;
    std::string err;
};

// `sandbox up FILE` in the background; wait() collects its exit status and output.
class Sandbox {
public:
    Sandbox(const TempDir& dir, const std::string& name, const std::string& profile,
            std::vector<std::string> env = {}) {
        m_profile = dir.path / (name + ".toml");
        std::ofstream(m_profile) << profile;
        m_out = dir.path / (name + ".out");
        m_err = dir.path / (name + ".err");
        m_pid = ::fork();
        REQUIRE(m_pid >= 0);
        if (m_pid == 0) {
            // Its own state root and an empty BPF cache: nothing shared with other runs.
            ::setenv("SANDBOX_STATE_ROOT", (dir.path / "state").c_str(), 1);
            ::setenv("SANDBOX_CACHE_ROOT", (dir.path / "cache").c_str(), 1);
            for (const std::string& kv : env) {
                ::putenv(const_cast<char*>(kv.c_str()));
            }
            int out = ::open(m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int err = ::open(m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
            int null = ::open("/dev/null", O_RDONLY);
            ::dup2(null, 0);
            ::dup2(out, 1);
            ::dup2(err, 2);
            const char* bin = std::getenv("SANDBOX_BIN");
            ::execl(bin, bin, "up", m_profile.c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
    }
    ~Sandbox() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGKILL);
            ::waitpid(m_pid, nullptr, 0);
        }
    }
    Sandbox(const Sandbox&) = delete;
    Sandbox& operator=(const Sandbox&) = delete;

    pid_t pid() const { return m_pid; }
    Run wait() {
        int st = 0;
        REQUIRE(::waitpid(m_pid, &st, 0) == m_pid);
        m_pid = -1;
        Run r;
        r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        r.out = slurp(m_out);
        r.err = slurp(m_err);
        return r;
    }

private:
    static std::string slurp(const fs::path& p) {
        std::ifstream in(p);
        std::stringstream ss;
        ss << in.rdbuf();
        return ss.str();
    }
    fs::path m_profile, m_out, m_err;
    pid_t m_pid = -1;
};

Run run_sandbox(const TempDir& dir, const std::string& name, const std::string& profile,
                std::vector<std::string> env = {}) {
    Sandbox s(dir, name, profile, std::move(env));
    return s.wait();
}

// Connects to addr:port (retrying while refused/unreachable, up to `patience`), sends `text`,
// half-closes and returns what the peer answered.
std::optional<std::string> tcp_exchange(const std::string& addr, uint16_t port,
                                        const std::string& text,
                                        std::chrono::milliseconds patience = 10s) {
    const bool v6 = addr.find(':') != std::string::npos;
    const auto deadline = std::chrono::steady_clock::now() + patience;
    while (std::chrono::steady_clock::now() < deadline) {
        int fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_storage ss{};
        socklen_t len = 0;
        if (v6) {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(port);
            REQUIRE(::inet_pton(AF_INET6, addr.c_str(), &a->sin6_addr) == 1);
            len = sizeof *a;
        } else {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_port = htons(port);
            REQUIRE(::inet_pton(AF_INET, addr.c_str(), &a->sin_addr) == 1);
            len = sizeof *a;
        }
        if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
            (void)!::write(fd, text.data(), text.size());
            ::shutdown(fd, SHUT_WR);
            std::string reply;
            char buf[256];
            pollfd pfd{fd, POLLIN, 0};
            while (::poll(&pfd, 1, 3000) > 0) {
                ssize_t n = ::read(fd, buf, sizeof buf);
                if (n <= 0) {
                    break;
                }
                reply.append(buf, static_cast<size_t>(n));
            }
            ::close(fd);
            return reply;
        }
        ::close(fd);
        std::this_thread::sleep_for(20ms);
    }
    return std::nullopt;
}

// Accepts one connection on 0.0.0.0:port (or [::]:port) in a thread; got() returns what was
// received and the peer's address.
class OneShotServer {
public:
    explicit OneShotServer(uint16_t port, bool v6 = false) {
        m_fd = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(m_fd >= 0);
        int one = 1;
        ::setsockopt(m_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
        sockaddr_storage ss{};
        socklen_t len = 0;
        if (v6) {
            auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_port = htons(port);
            a->sin6_addr = in6addr_any;
            len = sizeof *a;
        } else {
            auto* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_port = htons(port);
            len = sizeof *a;
        }
        REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&ss), len) == 0);
        REQUIRE(::listen(m_fd, 4) == 0);
        m_thread = std::thread([this] { serve(); });
    }
    ~OneShotServer() {
        ::shutdown(m_fd, SHUT_RDWR);
        m_thread.join();
        ::close(m_fd);
    }
    OneShotServer(const OneShotServer&) = delete;
    OneShotServer& operator=(const OneShotServer&) = delete;
    std::pair<std::string, std::string> got() {
        m_thread.join();
        m_thread = std::thread([] {});
        return {m_data, m_peer};
    }

private:
    void serve() {
        pollfd pfd{m_fd, POLLIN, 0};
        if (::poll(&pfd, 1, 20000) <= 0) {
            return;
        }
        sockaddr_storage ss{};
        socklen_t len = sizeof ss;
        int c = ::accept4(m_fd, reinterpret_cast<sockaddr*>(&ss), &len, SOCK_CLOEXEC);
        if (c < 0) {
            return;
        }
        char text[INET6_ADDRSTRLEN] = {};
        if (ss.ss_family == AF_INET6) {
            ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, text,
                        sizeof text);
        } else {
            ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, text, sizeof text);
        }
        m_peer = text;
        char buf[256];
        pollfd cp{c, POLLIN, 0};
        while (::poll(&cp, 1, 5000) > 0) {
            ssize_t n = ::read(c, buf, sizeof buf);
            if (n <= 0) {
                break;
            }
            m_data.append(buf, static_cast<size_t>(n));
        }
        (void)!::write(c, "ack\n", 4);
        ::close(c);
    }
    int m_fd = -1;
    std::thread m_thread;
    std::string m_data;
    std::string m_peer;
};

// Polls until `addr` is assigned to an interface of this host (the sandbox's host half ran).
bool wait_for_local_address(const std::string& addr) {
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (std::chrono::steady_clock::now() < deadline) {
        if (sh("ip -o addr show to " + addr + " | grep -q .") == 0) {
            return true;
        }
        std::this_thread::sleep_for(20ms);
    }
    return false;
}

bool ping(const std::string& addr) {
    return sh("busybox ping -c1 -W2 " + addr + " >/dev/null 2>&1") == 0;
}

}  // namespace

TEST_CASE("net: host and sandbox reach each other by ping and TCP, both ways", "[root][net]") {
    require_root_net();
    TempDir dir;
    LeakCheck leaks(dir);
    OneShotServer host_server(17101);
    // Sandbox: ping the host, send to the host's server, then serve one connection on 7000.
    const std::string script =
        "ping -c1 -W2 10.201.1.1 >/dev/null || exit 11; "
        "echo from-sandbox | nc 10.201.1.1 17101 >/dev/null || exit 12; "
        "nc -l -p 7000 || exit 13";
    Sandbox sb(dir, "net-a",
               veth_profile("net-a", script,
                            "host_name = \"sbt-a\"\n"
                            "address = \"10.201.1.2/24\"\n"
                            "host_address = \"10.201.1.1/24\"\n"));
    auto [data, peer] = host_server.got();
    CHECK(data == "from-sandbox\n");
    CHECK(peer == "10.201.1.2");
    CHECK(ping("10.201.1.2"));
    auto reply = tcp_exchange("10.201.1.2", 7000, "from-host\n");
    CHECK(reply.has_value());
    Run r = sb.wait();
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "from-host\n");
    leaks.verify();
}

TEST_CASE("net: IPv6 addresses work both ways", "[root][net]") {
    require_root_net();
    TempDir dir;
    LeakCheck leaks(dir);
    OneShotServer host_server(17102, true);
    const std::string script =
        "ping -c1 -W2 fd00:201:2::1 >/dev/null || exit 11; "
        "echo six | nc fd00:201:2::1 17102 >/dev/null || exit 12; "
        "nc -l -p 7000 || exit 13";
    Sandbox sb(dir, "net-6",
               veth_profile("net-6", script,
                            "host_name = \"sbt-6\"\n"
                            "address6 = \"fd00:201:2::2/64\"\n"
                            "host_address6 = \"fd00:201:2::1/64\"\n"));
    auto [data, peer] = host_server.got();
    CHECK(data == "six\n");
    CHECK(peer == "fd00:201:2::2");
    CHECK(ping("fd00:201:2::2"));
    CHECK(tcp_exchange("fd00:201:2::2", 7000, "v6-host\n").has_value());
    Run r = sb.wait();
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "v6-host\n");
    leaks.verify();
}

TEST_CASE("net: two sandboxes reach each other through the host", "[root][net]") {
    require_root_net();
    TempDir dir;
    LeakCheck leaks(dir);
    // The server's nc keeps its stdin open until the client's line has arrived: with stdin on
    // /dev/null it half-closes at once, and busybox's nc client exits on that EOF, sometimes
    // before its own line is sent (an empty server output, both sides exiting 0).
    Sandbox server(dir, "net-s1",
                   veth_profile("net-s1",
                                "i=0; (while [ ! -s /tmp/got ] && [ $i -lt 200 ]; do "
                                "sleep 0.1; i=$((i+1)); done) | nc -l -p 7000 >/tmp/got; "
                                "cat /tmp/got",
                                "host_name = \"sbt-s1\"\n"
                                "address = \"10.202.1.2/24\"\n"
                                "host_address = \"10.202.1.1/24\"\n"
                                "forwarding = true\n",
                                "[[mounts]]\ntype = \"tmpfs\"\ntarget = \"/tmp\"\n"));
    // The client retries until the server's sandbox is up and listening.
    Sandbox client(
        dir, "net-s2",
        veth_profile("net-s2",
                     "i=0; while [ $i -lt 100 ]; do echo peer | nc 10.202.1.2 7000 && exit 0; "
                     "i=$((i+1)); sleep 0.1; done; exit 1",
                     "host_name = \"sbt-s2\"\n"
                     "address = \"10.202.2.2/24\"\n"
                     "host_address = \"10.202.2.1/24\"\n"
                     "forwarding = true\n"));
    Run c = client.wait();
    Run s = server.wait();
    INFO(c.err << s.err);
    CHECK(c.status == 0);
    CHECK(s.status == 0);
    CHECK(s.out == "peer\n");
    leaks.verify();
}

TEST_CASE("net: NAT makes a remote server see the host's address", "[root][net]") {
    require_root_net();
    TempDir dir;
    LeakCheck leaks(dir);
    // The "remote" machine: a netns behind a veth, routed only to the host (10.203.9.1).
    sh("ip netns del sbt-remote 2>/dev/null");
    REQUIRE(sh("ip netns add sbt-remote && "
               "ip link add sbt-rh type veth peer name sbt-rr netns sbt-remote && "
               "ip addr add 10.203.9.1/24 dev sbt-rh && ip link set sbt-rh up && "
               "ip -n sbt-remote addr add 10.203.9.2/24 dev sbt-rr && "
               "ip -n sbt-remote link set sbt-rr up && ip -n sbt-remote link set lo up") == 0);
    const fs::path seen = dir.path / "seen";
    // One connection: print the peer's address. The remote has no route to 10.203.1.0/24, so
    // only a masqueraded connection (source 10.203.9.1) can be answered.
    std::string server_cmd =
        "ip netns exec sbt-remote python3 -c \"import socket;s=socket.socket();"
        "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',7002));"
        "s.listen();s.settimeout(20);c,a=s.accept();c.sendall(b'hi\\n');"
        "open('" +
        seen.string() + "','w').write(a[0]);c.close()\" &";
    REQUIRE(sh(server_cmd) == 0);
    Run r = run_sandbox(
        dir, "net-nat",
        veth_profile("net-nat",
                     "i=0; while [ $i -lt 50 ]; do echo x | nc 10.203.9.2 7002 && exit 0; "
                     "i=$((i+1)); sleep 0.1; done; exit 1",
                     "host_name = \"sbt-nat\"\n"
                     "address = \"10.203.1.2/24\"\n"
                     "host_address = \"10.203.1.1/24\"\n"
                     "nat = true\n"));
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "hi\n");
    std::ifstream in(seen);
    std::string who;
    std::getline(in, who);
    CHECK(who == "10.203.9.1");
    sh("ip netns del sbt-remote");
    leaks.verify();
}

TEST_CASE("net: a port forward on the host reaches a server in the sandbox", "[root][net]") {
    require_root_net();
    TempDir dir;
    LeakCheck leaks(dir);
    Sandbox sb(dir, "net-port",
               veth_profile("net-port", "echo served | nc -l -p 7000",
                            "host_name = \"sbt-port\"\n"
                            "address = \"10.204.1.2/24\"\n"
                            "host_address = \"10.204.1.1/24\"\n",
                            "[[network.ports]]\nhost = 18081\nsandbox = 7000\n"));
    // Connect only once 10.204.1.1 is an address of this host. Before that, the connection is
    // routed like any other destination (default route), and a host whose uplink intercepts
    // TCP (a transparent proxy, as on this VM) accepts it and answers on its own.
    REQUIRE(wait_for_local_address("10.204.1.1"));
    // The host's own address of the veth, port 18081: DNAT (output chain) to 10.204.1.2:7000.
    auto reply = tcp_exchange("10.204.1.1", 18081, "knock\n");
    REQUIRE(reply.has_value());
    CHECK(*reply == "served\n");
    Run r = sb.wait();
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "knock\n");
    leaks.verify();
}

TEST_CASE("net: a port forward reaches the sandbox from another machine", "[root][net]") {
    require_root_net();
    TempDir dir;
    LeakCheck leaks(dir);
    // The "other machine": a netns behind a veth whose only route is the host (10.205.9.1).
    sh("ip netns del sbt-premote 2>/dev/null");
    REQUIRE(sh("ip netns add sbt-premote && "
               "ip link add sbt-ph type veth peer name sbt-pr netns sbt-premote && "
               "ip addr add 10.205.9.1/24 dev sbt-ph && ip link set sbt-ph up && "
               "ip -n sbt-premote addr add 10.205.9.2/24 dev sbt-pr && "
               "ip -n sbt-premote link set sbt-pr up && ip -n sbt-premote link set lo up && "
               "ip -n sbt-premote route add default via 10.205.9.1") == 0);
    // No nat, no forwarding key: the port forward alone must make the host route for it.
    Sandbox sb(dir, "net-port2",
               veth_profile("net-port2", "echo served | nc -l -p 7000",
                            "host_name = \"sbt-port2\"\n"
                            "address = \"10.205.1.2/24\"\n"
                            "host_address = \"10.205.1.1/24\"\n",
                            "[[network.ports]]\nhost = 18082\nsandbox = 7000\n"));
    REQUIRE(wait_for_local_address("10.205.1.1"));
    // The remote connects to the host's address on its own link: DNAT in prerouting, forwarded.
    const int rc =
        sh("i=0; while [ $i -lt 50 ]; do "
           "r=$(echo knock | ip netns exec sbt-premote busybox nc -w 3 10.205.9.1 18082) && "
           "[ \"$r\" = served ] && exit 0; i=$((i+1)); sleep 0.1; done; exit 1");
    CHECK(rc == 0);
    Run r = sb.wait();
    INFO(r.err);
    CHECK(r.status == 0);
    CHECK(r.out == "knock\n");
    sh("ip netns del sbt-premote");
    leaks.verify();
}

TEST_CASE("net: a host name that exists is refused at network_host, nothing left", "[root][net]") {
    require_root_net();
    sh("ip link del sbt-clash 2>/dev/null");
    REQUIRE(sh("ip link add sbt-clash type veth peer name sbt-clashp") == 0);
    TempDir dir;
    LeakCheck leaks(dir);
    Run r = run_sandbox(dir, "net-clash",
                        veth_profile("net-clash", "true",
                                     "host_name = \"sbt-clash\"\n"
                                     "address = \"10.205.1.2/24\"\n"
                                     "host_address = \"10.205.1.1/24\"\n"
                                     "nat = true\n"));
    CHECK(r.status == 125);
    CHECK(r.err.find("network_host") != std::string::npos);
    CHECK(r.err.find("create veth sbt-clash: an interface with this name already exists") !=
          std::string::npos);
    leaks.verify();  // the clashing pair is still there, untouched; nothing else was made
    sh("ip link del sbt-clash");
}

TEST_CASE("net: a host address in use is refused at network_host, nothing left", "[root][net]") {
    require_root_net();
    sh("ip link del sbt-used 2>/dev/null");
    REQUIRE(sh("ip link add sbt-used type veth peer name sbt-usedp && "
               "ip addr add 10.206.1.1/32 dev sbt-used") == 0);
    TempDir dir;
    LeakCheck leaks(dir);
    Run r = run_sandbox(dir, "net-used",
                        veth_profile("net-used", "true",
                                     "host_name = \"sbt-u\"\n"
                                     "address = \"10.206.1.2/24\"\n"
                                     "host_address = \"10.206.1.1/24\"\n"));
    CHECK(r.status == 125);
    CHECK(r.err.find("network_host") != std::string::npos);
    CHECK(r.err.find("add address 10.206.1.1/24: already assigned to 'sbt-used'") !=
          std::string::npos);
    leaks.verify();
    sh("ip link del sbt-used");
}

TEST_CASE("net: failures at network_host and network_sandbox leave nothing behind",
          "[root][fault][net]") {
    require_root_net();
    for (const char* step : {"network_host", "network_host:late", "network_sandbox"}) {
        INFO(step);
        TempDir dir;
        LeakCheck leaks(dir);
        Run r = run_sandbox(dir, "net-fail",
                            veth_profile("net-fail", "echo should-not-run",
                                         "host_name = \"sbt-fail\"\n"
                                         "address = \"10.207.1.2/24\"\n"
                                         "address6 = \"fd00:207::2/64\"\n"
                                         "host_address = \"10.207.1.1/24\"\n"
                                         "host_address6 = \"fd00:207::1/64\"\n"
                                         "nat = true\n",
                                         "[[network.ports]]\nhost = 18082\nsandbox = 80\n"),
                            {std::string("SANDBOX_FAIL_AT=") + step});
        CHECK(r.status == 125);
        CHECK(r.err.find(std::string(step).substr(0, std::string(step).find(':'))) !=
              std::string::npos);
        CHECK(r.out.empty());
        leaks.verify();
    }
}

TEST_CASE("net: SIGTERM to the launcher tears the network down", "[root][net]") {
    require_root_net();
    TempDir dir;
    LeakCheck leaks(dir);
    Sandbox sb(dir, "net-term",
               veth_profile("net-term", "echo up; exec sleep 30",
                            "host_name = \"sbt-term\"\n"
                            "address = \"10.208.1.2/24\"\n"
                            "host_address = \"10.208.1.1/24\"\n"
                            "nat = true\n",
                            "[[network.ports]]\nhost = 18083\nsandbox = 80\n"));
    // Wait until the sandbox answers on its address: everything is set up.
    bool up = false;
    for (int i = 0; i < 100 && !up; ++i) {
        up = ping("10.208.1.2");
    }
    REQUIRE(up);
    // The address answers once the child's network step has run, before the workload starts:
    // wait for its line too, or the signal may stop the setup or `sh` before its echo.
    std::string said;
    for (int i = 0; i < 1000 && said != "up\n"; ++i) {
        std::ifstream in(dir.path / "net-term.out");
        said.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        if (said != "up\n") {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    REQUIRE(said == "up\n");
    ::kill(sb.pid(), SIGTERM);
    Run r = sb.wait();
    // Forwarded to the workload (init passes it on to `sleep`), which dies of it: 128 + 15,
    // not merely "non-zero" (a crashed launcher would pass that too).
    INFO(r.err);
    CHECK(r.status == 128 + SIGTERM);
    CHECK(r.out == "up\n");
    CHECK(r.err == "");
    leaks.verify();
}
