// decode: Document -> Profile through the field table. The documents are built from JSON
// (support/json_node.hpp) so these tests need no reader; every value sits on its own line.
#include <catch2/catch.hpp>
#include <functional>
#include <random>

#include "profile/decode.hpp"
#include "profile/fields.hpp"
#include "profile/names.hpp"
#include "support/json_node.hpp"

using namespace sandbox;
using namespace sandbox::profile;
using nlohmann::ordered_json;

namespace {

struct Decoded {
    Profile profile;
    Diagnostics diagnostics;
    Origins origins;
};

Decoded decode_json(const ordered_json& j) {
    Decoded d;
    Node root = test::json_node(j);
    d.profile = decode(root, d.diagnostics, d.origins);
    return d;
}

// The single diagnostic of a document that should have exactly one.
Diagnostic only_error(const ordered_json& j) {
    Decoded d = decode_json(j);
    INFO(d.diagnostics.str());
    REQUIRE(d.diagnostics.size() == 1);
    return d.diagnostics.items().front();
}

// Lines json_node gives `j`: one per node (the node itself, then every key or item below it).
uint32_t node_count(const ordered_json& j) {
    uint32_t n = 1;
    if (j.is_object() || j.is_array()) {
        for (const auto& item : j) {
            n += node_count(item);
        }
    }
    return n;
}

// "limits.memory" and "mounts[0].target" are under "limits" and "mounts"; so is the key itself.
bool under(const std::string& path, const std::string& key) {
    return path == key || path.rfind(key + ".", 0) == 0 || path.rfind(key + "[", 0) == 0;
}

}  // namespace

TEST_CASE("decode: an empty document gives the defaults of profile.hpp and the field table",
          "[unit][decode]") {
    Decoded d = decode_json(ordered_json::object());
    INFO(d.diagnostics.str());
    REQUIRE(d.diagnostics.empty());
    Profile expected;
    expected.security.masked_paths = {"/proc/acpi",        "/proc/kcore",
                                      "/proc/keys",        "/proc/latency_stats",
                                      "/proc/timer_list",  "/proc/timer_stats",
                                      "/proc/sched_debug", "/proc/scsi",
                                      "/sys/firmware",     "/sys/devices/virtual/powercap"};
    expected.security.readonly_paths = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys",
                                        "/proc/sysrq-trigger"};
    CHECK(d.profile == expected);
    // Defaults are not "written": only the root has an origin.
    CHECK(d.origins.size() == 1);
}

TEST_CASE("decode: every section lands in its struct member", "[unit][decode]") {
    ordered_json j = ordered_json::parse(R"({
      "version": 1, "name": "web", "description": "d", "extends": "base",
      "process": {"args": ["/bin/sh", "-c", "true"], "cwd": "/work", "env": {"A": "1", "B": "x=y"},
                  "inherit_env": ["TERM"], "user": 1000, "group": "users",
                  "supplementary_groups": ["wheel", 27], "umask": "0077", "tty": false,
                  "timeout": "1m30s", "stop_signal": "INT", "stop_grace": "250ms",
                  "rlimits": {"nofile": 1024, "core": "unlimited",
                              "nproc": {"soft": 10, "hard": "unlimited"}},
                  "keep_fds": [3, 4]},
      "rootfs": {"path": "/srv/root", "readonly": true, "overlay": true},
      "mounts": [{"type": "tmpfs", "target": "/tmp", "size": "64MiB", "mode": "1777",
                  "options": ["nosuid", "nodev", "uid=1000"]},
                 {"source": "/data", "target": "/data", "readonly": true, "recursive": false,
                  "propagation": "slave", "create": false, "optional": true}],
      "namespaces": {"user": true, "pid": {"join": "other"}, "net": {"pid": 42},
                     "ipc": {"path": "/proc/1/ns/ipc"}, "cgroup": false, "time": true},
      "uts": {"hostname": "box", "domainname": "example"},
      "uid_map": [{"inside": 0, "outside": 100000, "count": 65536}],
      "gid_map": [{"inside": 0, "outside": 100000}],
      "network": {"mode": "veth", "dns": ["1.1.1.1", "2606:4700::1111"],
                  "hosts": {"db": "10.0.0.5"},
                  "veth": {"host_name": "sbx-web", "name": "eth1", "address": "10.0.0.2/24",
                           "host_address": "10.0.0.1/24", "address6": "fd00::2/64",
                           "host_address6": "fd00::1/64", "gateway": "10.0.0.1",
                           "gateway6": "fd00::1", "mtu": 1400, "nat": true, "forwarding": true},
                  "ports": [{"host": 8080, "sandbox": 80}, {"host": 53, "sandbox": 53,
                             "protocol": "udp"}]},
      "limits": {"memory": "512M", "memory_swap": 0, "pids": 128, "cpu": 1.5,
                 "cpu_weight": 100, "io_weight": 200},
      "seccomp": {"preset": "strict", "default_action": "kill_process", "errno": 38,
                  "allow": ["ptrace"], "deny": ["mount"], "import": "/etc/seccomp.json",
                  "rules": [{"names": ["socket"], "action": "errno", "errno": 97,
                             "args": [{"index": 0, "op": "eq", "value": 10},
                                      {"index": 1, "op": "masked_eq", "value": 15, "value2": 3}]}]},
      "capabilities": {"keep": ["cap_net_bind_service", "CAP_CHOWN"],
                       "ambient": ["CAP_NET_BIND_SERVICE"]},
      "security": {"no_new_privileges": false, "masked_paths": ["/proc/kcore"],
                   "readonly_paths": [],
                   "landlock": {"enabled": true, "read": ["/usr"], "read_write": ["/tmp"]}}
    })");
    Decoded d = decode_json(j);
    INFO(d.diagnostics.str());
    REQUIRE(d.diagnostics.empty());
    const Profile& p = d.profile;
    CHECK(p.name == "web");
    CHECK(p.extends == std::vector<std::string>{"base"});
    CHECK(p.process.args == std::vector<std::string>{"/bin/sh", "-c", "true"});
    CHECK(p.process.env ==
          std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "x=y"}});
    CHECK(p.process.user == "1000");
    CHECK(p.process.supplementary_groups == std::vector<std::string>{"wheel", "27"});
    CHECK(p.process.umask == 077);
    CHECK(p.process.tty == TtyMode::disabled);
    CHECK(p.process.timeout == std::chrono::seconds(90));
    CHECK(p.process.stop_signal == 2);
    CHECK(p.process.stop_grace == std::chrono::milliseconds(250));
    REQUIRE(p.process.rlimits.size() == 3);
    CHECK(p.process.rlimits[0] == Rlimit{"nofile", 1024, 1024});
    CHECK(p.process.rlimits[1] == Rlimit{"core", std::nullopt, std::nullopt});
    CHECK(p.process.rlimits[2] == Rlimit{"nproc", 10, std::nullopt});
    CHECK(p.process.keep_fds == std::vector<int>{3, 4});
    CHECK(p.rootfs.path == "/srv/root");
    CHECK(p.rootfs.overlay);
    REQUIRE(p.mounts.size() == 2);
    CHECK(p.mounts[0].type == MountType::tmpfs);
    CHECK(p.mounts[0].size == Bytes{64ULL << 20});
    CHECK(p.mounts[0].mode == 01777u);
    CHECK(p.mounts[0].options.size() == 3);
    CHECK(p.mounts[0].recursive);  // default
    CHECK(p.mounts[1].type == MountType::bind);
    CHECK_FALSE(p.mounts[1].recursive);
    CHECK(p.mounts[1].propagation == Propagation::slave);
    CHECK_FALSE(p.mounts[1].create);
    CHECK(p.mounts[1].optional);
    CHECK(p.namespaces.user == NamespaceSetting::new_ns());
    CHECK(p.namespaces.pid.mode == NamespaceSetting::Mode::join_sandbox);
    CHECK(p.namespaces.pid.sandbox == "other");
    CHECK(p.namespaces.net.mode == NamespaceSetting::Mode::join_pid);
    CHECK(p.namespaces.net.pid == 42);
    CHECK(p.namespaces.ipc.path == "/proc/1/ns/ipc");
    CHECK(p.namespaces.cgroup == NamespaceSetting::host_ns());
    CHECK(p.namespaces.time == NamespaceSetting::new_ns());
    CHECK(p.namespaces.mount == NamespaceSetting::new_ns());  // default
    CHECK(p.uts.hostname == "box");
    REQUIRE(p.uid_map.size() == 1);
    CHECK(p.uid_map[0] == IdMapRange{0, 100000, 65536});
    CHECK(p.gid_map[0] == IdMapRange{0, 100000, 1});
    CHECK(p.network.mode == NetworkMode::veth);
    CHECK(p.network.dns.size() == 2);
    CHECK(p.network.hosts == std::vector<std::pair<std::string, std::string>>{{"db", "10.0.0.5"}});
    CHECK(p.network.veth.host_name == "sbx-web");
    CHECK(p.network.veth.name == "eth1");
    CHECK(p.network.veth.mtu == 1400u);
    CHECK(p.network.veth.gateway6 == "fd00::1");
    REQUIRE(p.network.ports.size() == 2);
    CHECK(p.network.ports[1] == PortForward{53, 53, Protocol::udp});
    CHECK(p.limits.memory == Bytes{512ULL << 20});
    CHECK(p.limits.memory_swap == Bytes{0});
    CHECK(p.limits.pids == 128u);
    CHECK(p.limits.cpu == 1.5);
    CHECK(p.seccomp.preset == SeccompPreset::strict);
    CHECK(p.seccomp.default_action == SeccompAction::kill_process);
    CHECK(p.seccomp.errno_value == 38u);
    REQUIRE(p.seccomp.rules.size() == 1);
    CHECK(p.seccomp.rules[0].errno_value == 97u);
    REQUIRE(p.seccomp.rules[0].args.size() == 2);
    CHECK(p.seccomp.rules[0].args[1] == SeccompArg{1, ArgOp::masked_eq, 15, 3});
    CHECK(p.capabilities.keep ==
          std::vector<std::string>{"CAP_NET_BIND_SERVICE", "CAP_CHOWN"});  // normalised
    CHECK_FALSE(p.security.no_new_privileges);
    CHECK(p.security.readonly_paths.empty());  // written empty: not the default
    CHECK(p.security.landlock.read_write == std::vector<std::string>{"/tmp"});
}

TEST_CASE("decode: origins hold every key path written, with array indices", "[unit][decode]") {
    Decoded d = decode_json(ordered_json::parse(
        R"({"mounts": [{"target": "/a", "type": "tmpfs"}, {"target": "/b", "source": "/b"}],
            "capabilities": {"keep": ["CAP_CHOWN"]}, "process": {"env": {"X": "1"}}})"));
    REQUIRE(d.diagnostics.empty());
    // Lines count values in document order: root 1, mounts 2, [0] 3, target 4, type 5, [1] 6,
    // target 7.
    REQUIRE(d.origins.count("mounts[1].target"));
    CHECK(d.origins.at("mounts[1].target").line == 7);
    CHECK(d.origins.at("mounts[1].target").str() == "t.toml:7:5");
    CHECK(d.origins.count("mounts[1]"));
    CHECK(d.origins.count("mounts[0].type"));
    CHECK_FALSE(d.origins.count("mounts[0].readonly"));  // a default
    CHECK(d.origins.count("capabilities.keep[0]"));
    CHECK(d.origins.count("process.env.X"));
}

TEST_CASE("decode: unknown keys are errors with a did-you-mean over the key path",
          "[unit][decode]") {
    SECTION("a typo in a table") {
        Diagnostic e = only_error({{"limits", {{"memroy", "1G"}}}});
        CHECK(e.str() ==
              "t.toml:3:1: limits.memroy: unknown key\n  hint: did you mean 'limits.memory'?");
    }
    SECTION("a key of another table") {
        Diagnostic e = only_error({{"process", {{"hostname", "x"}}}});
        CHECK(e.key_path == "process.hostname");
        CHECK(e.hint == "did you mean 'uts.hostname'? ('hostname' belongs in [uts])");
    }
    SECTION("a misspelt table") {
        Diagnostic e = only_error({{"limit", {{"memory", "1G"}}}});
        CHECK(e.hint == "did you mean 'limits'?");
    }
    SECTION("inside an array of tables") {
        Diagnostic e = only_error({{"mounts", {{{"target", "/x"}, {"tagret", "/y"}}}}});
        CHECK(e.key_path == "mounts[0].tagret");
        CHECK(e.hint == "did you mean 'mounts[0].target'?");
    }
    SECTION("nothing close") {
        Diagnostic e = only_error({{"zzzzzzzzzz", 1}});
        CHECK(e.message == "unknown key");
        CHECK(e.hint.empty());
    }
}

TEST_CASE("decode: wrong types name what was expected and quote what was written",
          "[unit][decode]") {
    CHECK(only_error({{"limits", {{"memory", "lots"}}}}).str() ==
          "t.toml:3:5: limits.memory: expected a size such as \"512MiB\" or \"1G\", got 'lots'");
    CHECK(only_error({{"limits", {{"memory", true}}}}).message ==
          "expected a size such as \"512MiB\" or \"1G\", got true");
    CHECK(only_error({{"process", {{"timeout", 30}}}}).hint == "add a unit: \"30s\"");
    CHECK(only_error({{"rootfs", {{"host", "yes"}}}}).message ==
          "expected true or false, got 'yes'");
    CHECK(only_error({{"process", {{"args", "/bin/sh"}}}}).message ==
          "expected an array of strings, got '/bin/sh'");
    CHECK(only_error({{"process", {{"cwd", 5}}}}).hint == "put the value in quotes");
    CHECK(only_error({{"limits", {{"cpu", "2"}}}}).hint == "write the number without quotes");
    CHECK(only_error({{"limits", {{"cpu", 0}}}}).message ==
          "expected a number of CPUs above 0 and at most 4096, got 0");
    CHECK(only_error({{"mounts", {{"target", "/x"}}}}).message ==
          "expected an array of tables, got a table");
    CHECK(only_error({{"process", "x"}}).message == "expected a table, got a string");
}

TEST_CASE("decode: integers are range-checked, never wrapped", "[unit][decode]") {
    CHECK(only_error({{"uid_map", {{{"inside", 0}, {"outside", 4294967296LL}}}}}).message ==
          "value 4294967296 is out of range 0..4294967295");
    CHECK(only_error({{"uid_map", {{{"inside", -1}, {"outside", 0}}}}}).message ==
          "value -1 is out of range 0..4294967295");
    CHECK(only_error({{"network", {{"ports", {{{"host", 70000}, {"sandbox", 80}}}}}}}).str() ==
          "t.toml:5:5: network.ports[0].host: value 70000 is out of range 1..65535");
    CHECK(only_error({{"limits", {{"cpu_weight", 0}}}}).message ==
          "value 0 is out of range 1..10000");
    CHECK(only_error({{"limits", {{"pids", 0}}}}).message == "value 0 is out of range 1..4194304");
    CHECK(only_error({{"seccomp",
                       {{"rules",
                         {{{"names", {"read"}},
                           {"action", "allow"},
                           {"args", {{{"index", 6}, {"value", 1}}}}}}}}}})
              .message == "value 6 is out of range 0..5");
    CHECK(only_error({{"seccomp", {{"errno", 4096}}}}).message ==
          "value 4096 is out of range 1..4095");
    CHECK(only_error({{"process", {{"user", -5}}}}).message ==
          "value -5 is out of range 0..4294967294");
}

TEST_CASE("decode: enums, capabilities and syscalls suggest the closest name", "[unit][decode]") {
    Diagnostic mode = only_error({{"network", {{"mode", "vet"}}}});
    CHECK(mode.message == "expected one of 'none', 'host' or 'veth', got 'vet'");
    CHECK(mode.hint == "did you mean 'veth'?");

    Diagnostic cap = only_error({{"capabilities", {{"keep", {"CAP_NET_ADMN"}}}}});
    CHECK(cap.key_path == "capabilities.keep[0]");
    CHECK(cap.message == "unknown capability 'CAP_NET_ADMN'");
    CHECK(cap.hint == "did you mean 'CAP_NET_ADMIN'?");
    CHECK(only_error({{"capabilities", {{"keep", {"net_admin"}}}}}).hint ==
          "did you mean 'CAP_NET_ADMIN'?");

    Diagnostic sys = only_error({{"seccomp", {{"deny", {"read", "ptrce"}}}}});
    CHECK(sys.key_path == "seccomp.deny[1]");
    CHECK(sys.message == "unknown syscall 'ptrce'");
    CHECK(sys.hint == "did you mean 'ptrace'?");

    Diagnostic sig = only_error({{"process", {{"stop_signal", "SIGTREM"}}}});
    CHECK(sig.message == "unknown signal 'SIGTREM'");
    CHECK(sig.hint == "did you mean 'SIGTERM'?");

    Diagnostic rl = only_error({{"process", {{"rlimits", {{"nofiles", 10}}}}}});
    CHECK(rl.message == "unknown resource limit 'nofiles'");
    CHECK(rl.hint == "did you mean 'nofile'?");

    Diagnostic opt = only_error({{"mounts", {{{"target", "/t"}, {"options", {"ro"}}}}}});
    CHECK(opt.message == "unknown mount option 'ro'");
    CHECK(opt.hint == "use readonly = true");
}

TEST_CASE("decode: signals by name, short name, any case or number", "[unit][decode]") {
    for (auto [text, number] : std::vector<std::pair<ordered_json, int>>{
             {"SIGTERM", 15}, {"TERM", 15}, {"sigkill", 9}, {"hup", 1}, {10, 10}, {"34", 34}}) {
        Decoded d = decode_json({{"process", {{"stop_signal", text}}}});
        INFO(text.dump());
        REQUIRE(d.diagnostics.empty());
        CHECK(d.profile.process.stop_signal == number);
    }
    CHECK(only_error({{"process", {{"stop_signal", 65}}}}).message ==
          "value 65 is out of range 1..64");
}

TEST_CASE("decode: env values must be strings and names plain", "[unit][decode]") {
    Diagnostic e = only_error({{"process", {{"env", {{"PORT", 8080}}}}}});
    CHECK(e.key_path == "process.env.PORT");
    CHECK(e.message == "expected a string, got 8080");
    CHECK(e.hint == "environment values are strings: write PORT = \"8080\"");
    CHECK(only_error({{"process", {{"env", {{"A=B", "x"}}}}}}).message ==
          "invalid variable name 'A=B'");
    CHECK(only_error({{"process", {{"inherit_env", {""}}}}}).message == "invalid variable name ''");
}

TEST_CASE("decode: rlimits accept a number, unlimited or soft and hard", "[unit][decode]") {
    CHECK(only_error({{"process", {{"rlimits", {{"nofile", -1}}}}}}).message ==
          "expected a non-negative integer or \"unlimited\", got -1");
    CHECK(only_error({{"process", {{"rlimits", {{"nofile", {{"soft", 1}}}}}}}}).message ==
          "missing 'hard'");
    CHECK(only_error({{"process", {{"rlimits", {{"nofile", {{"soft", 1}, {"hrad", 2}}}}}}}}).hint ==
          "did you mean 'hard'?");
}

TEST_CASE("decode: namespaces are true, false or one way to join", "[unit][decode]") {
    CHECK(only_error({{"namespaces", {{"pid", "yes"}}}}).message ==
          "expected true, false or a table such as { join = \"name\" }, got 'yes'");
    CHECK(only_error({{"namespaces", {{"pid", {{"join", "a"}, {"pid", 3}}}}}}).message ==
          "use only one of 'join', 'pid' and 'path'");
    Diagnostic e = only_error({{"namespaces", {{"net", {{"jion", "a"}}}}}});
    CHECK(e.key_path == "namespaces.net.jion");
    CHECK(e.hint == "did you mean 'join'?");
    CHECK(only_error({{"namespaces", {{"net", {{"path", "proc/1/ns/net"}}}}}}).message ==
          "expected an absolute path such as '/proc/1234/ns/net', got 'proc/1/ns/net'");
    CHECK(only_error({{"namespaces", {{"net", {{"pid", 0}}}}}}).message ==
          "value 0 is out of range 1..2147483647");
    CHECK(only_error({{"namespaces", {{"nett", true}}}}).hint == "did you mean 'namespaces.net'?");
}

TEST_CASE("decode: modes, sizes and addresses", "[unit][decode]") {
    Decoded d = decode_json(
        {{"process", {{"umask", 18}}},
         {"mounts", {{{"type", "tmpfs"}, {"target", "/t"}, {"mode", 493}, {"size", 1048576}}}}});
    REQUIRE(d.diagnostics.empty());
    CHECK(d.profile.process.umask == 022);
    CHECK(d.profile.mounts[0].mode == 0755u);
    CHECK(d.profile.mounts[0].size == Bytes{1 << 20});
    CHECK(only_error({{"process", {{"umask", "0999"}}}}).message ==
          "expected an octal mode such as \"0755\", got '0999'");
    CHECK(only_error({{"process", {{"umask", "1777"}}}}).message ==
          "mode 01777 is out of range 0..0777");
    CHECK(only_error({{"limits", {{"memory", -1}}}}).message ==
          "expected a size such as \"512MiB\" or \"1G\", got -1");
    CHECK(only_error({{"network", {{"veth", {{"address", "10.0.0.2"}}}}}}).hint ==
          "add the prefix length, e.g. '10.0.0.2/24'");
    CHECK(only_error({{"network", {{"veth", {{"address", "10.0.0.2/33"}}}}}}).message ==
          "prefix length in '10.0.0.2/33' is out of range 0..32");
    CHECK(only_error({{"network", {{"veth", {{"address", "fd00::2/64"}}}}}}).hint ==
          "IPv6 addresses go in address6 / host_address6");
    CHECK(only_error({{"network", {{"veth", {{"address6", "fd00::2/129"}}}}}}).message ==
          "prefix length in 'fd00::2/129' is out of range 0..128");
    CHECK(only_error({{"network", {{"veth", {{"gateway", "10.0.0.1/24"}}}}}}).hint ==
          "write the address without a prefix length");
    CHECK(only_error({{"network", {{"dns", {"one.one.one.one"}}}}}).message ==
          "expected an IP address such as \"1.1.1.1\", got 'one.one.one.one'");
}

TEST_CASE("decode: a missing required key points at its table", "[unit][decode]") {
    Diagnostic e = only_error({{"mounts", {{{"type", "tmpfs"}}}}});
    CHECK(e.str() == "t.toml:3:5: mounts[0]: missing required key 'target'");
}

TEST_CASE("decode: every error is collected, each at its own value", "[unit][decode]") {
    Decoded d = decode_json(ordered_json::parse(R"({
        "limits": {"memory": "lots", "pids": -1, "cpu": "x"},
        "network": {"mode": "bridge"},
        "mounts": [{"target": 1}, {"type": "nfs", "target": "/n"}],
        "capabilities": {"keep": ["CAP_BOGUS", "CAP_SYS_ADMN"]},
        "bogus": 1
    })"));
    std::string all = d.diagnostics.str();
    INFO(all);
    CHECK(d.diagnostics.size() == 9);
    // Sorted by location, one value per line.
    CHECK(all.find("t.toml:3:5: limits.memory:") < all.find("t.toml:4:5: limits.pids:"));
    CHECK(all.find("mounts[1].type: expected one of 'bind', 'tmpfs', 'proc', 'sysfs', "
                   "'devpts' or 'mqueue', got 'nfs'") != std::string::npos);
    CHECK(all.find("capabilities.keep[1]: unknown capability 'CAP_SYS_ADMN'\n  hint: did you "
                   "mean 'CAP_SYS_ADMIN'?") != std::string::npos);
    CHECK(all.find("bogus: unknown key") != std::string::npos);
}

TEST_CASE("decode: the field table is consistent with itself", "[unit][decode]") {
    for (const Field& f : fields()) {
        INFO(f.path);
        CHECK(find_section(f.section()) != nullptr);
        CHECK_FALSE(f.doc.empty());
        CHECK(static_cast<bool>(f.decode));
        CHECK(f.minimum <= f.maximum);
        CHECK(table_path(f.path) == f.path);
        if (f.type == ValueType::enumeration) {
            CHECK_FALSE(f.choices.empty());
        }
        CHECK_FALSE((f.required && !f.default_json.empty()));
    }
    for (const Section& s : sections()) {
        INFO(s.path);
        CHECK((s.kind == SectionKind::array_of_tables) == static_cast<bool>(s.append));
        if (!s.path.empty()) {
            CHECK(find_section(s.parent()) != nullptr);
        }
    }
    CHECK(table_path("seccomp.rules[2].args[10].op") == "seccomp.rules[].args[].op");
}

TEST_CASE("decode: known names come from libseccomp and libcap", "[unit][decode]") {
    const auto& syscalls = names::syscalls();
    CHECK(syscalls.size() > 300);
    CHECK(std::find(syscalls.begin(), syscalls.end(), "openat") != syscalls.end());
    CHECK(names::is_syscall("read"));
    CHECK_FALSE(names::is_syscall("not_a_syscall"));
    CHECK_FALSE(names::is_syscall(""));
    const auto& caps = names::capabilities();
    CHECK(caps.front() == "CAP_CHOWN");
    CHECK(std::find(caps.begin(), caps.end(), "CAP_SYS_ADMIN") != caps.end());
    CHECK(names::canonical_capability("cap_sys_admin") == "CAP_SYS_ADMIN");
    CHECK_FALSE(names::canonical_capability("SYS_ADMIN"));
    CHECK(names::signal_number("SIGUSR1") == 10);
    CHECK(names::signal_number("usr2") == 12);
    CHECK_FALSE(names::signal_number("0"));
    CHECK_FALSE(names::signal_number("SIGFOO"));
    CHECK(names::is_rlimit("memlock"));
    CHECK_FALSE(names::is_rlimit("NOFILE"));
}

TEST_CASE("decode: host paths are marked for resolve", "[unit][decode]") {
    std::vector<std::string> host_paths;
    for (const Field& f : fields()) {
        if (f.type == ValueType::host_path) {
            host_paths.push_back(f.path);
        }
    }
    CHECK(host_paths == std::vector<std::string>{"rootfs.path", "rootfs.archive", "mounts[].source",
                                                 "seccomp.import"});
}

TEST_CASE("decode: any document decodes and checks without throwing", "[unit][decode]") {
    // Random trees whose keys are mostly real key paths and whose values are of every kind:
    // decode and check must report, never throw or crash.
    std::vector<std::string> keys;
    for (const Field& f : fields()) {
        keys.push_back(f.path);
    }
    std::minstd_rand rng(12345);
    auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
    std::function<ordered_json(int)> value = [&](int depth) -> ordered_json {
        switch (pick(depth > 2 ? 6 : 8)) {
            case 0:
                return static_cast<int64_t>(rng()) * (pick(2) ? 1 : -1) *
                       (pick(4) == 0 ? 4294967296LL : 1);
            case 1:
                return pick(2) == 0;
            case 2:
                return static_cast<double>(rng()) / 1000.0;
            case 3:
                return std::vector<std::string>{
                    "",          "0755",        "1G",        "SIGTERM",
                    "CAP_CHOWN", "10.0.0.1/24", "/proc",     "99999999999999999999",
                    "read",      "veth",        "unlimited", "a=b"}[pick(12)];
            case 4:
                return nullptr;
            case 5:
                return std::string(pick(3) == 0 ? 300 : 3, 'x');
            case 6: {
                ordered_json a = ordered_json::array();
                for (size_t i = pick(4); i > 0; --i) {
                    a.push_back(value(depth + 1));
                }
                return a;
            }
            default: {
                ordered_json t = ordered_json::object();
                for (size_t i = pick(4); i > 0; --i) {
                    std::string k = keys[pick(keys.size())];
                    k = k.substr(k.rfind('.') + 1);
                    t[pick(5) == 0 ? "zz" + k : k] = value(depth + 1);
                }
                return t;
            }
        }
    };
    for (int round = 0; round < 300; ++round) {
        ordered_json doc = ordered_json::object();
        for (size_t i = pick(12) + 1; i > 0; --i) {
            std::string path = keys[pick(keys.size())];
            // Build the nesting the path asks for; "[]" segments become one-element arrays.
            ordered_json* at = &doc;
            size_t start = 0;
            while (true) {
                size_t dot = path.find('.', start);
                std::string seg = path.substr(start, dot == std::string::npos ? dot : dot - start);
                bool array = seg.size() > 2 && seg.substr(seg.size() - 2) == "[]";
                if (array) {
                    seg.resize(seg.size() - 2);
                }
                if (dot == std::string::npos) {
                    (*at)[seg] = value(0);
                    break;
                }
                if (array) {
                    if (!(*at)[seg].is_array()) {
                        (*at)[seg] = ordered_json::array({ordered_json::object()});
                    }
                    at = &(*at)[seg][0];
                } else {
                    if (!(*at)[seg].is_object()) {
                        (*at)[seg] = ordered_json::object();
                    }
                    at = &(*at)[seg];
                }
                start = dot + 1;
            }
        }
        INFO(doc.dump());
        Diagnostics diagnostics;
        Origins origins;
        Node root = test::json_node(doc);
        CHECK_NOTHROW([&] {
            Profile p = decode(root, diagnostics, origins);
            check(p, origins, diagnostics);
            (void)diagnostics.str();
        }());
        INFO(diagnostics.str());
        // Every diagnostic points into this document: its file, a line it has (one node a
        // line, support/json_node.hpp), a key column (1) or a value column (5), a key path.
        const uint32_t lines = node_count(doc);
        for (const Diagnostic& d : diagnostics.items()) {
            CHECK(d.where.file_name() == "t.toml");
            CHECK(d.where.line >= 1);
            CHECK(d.where.line <= lines);
            CHECK((d.where.column == 1 || d.where.column == 5));
            CHECK_FALSE(d.message.empty());
        }
        // Nothing is dropped silently: every top-level key either decoded into the profile
        // (an origin under it, at a line of this document) or was reported.
        for (const auto& [key, v] : doc.items()) {
            bool empty_container = (v.is_object() || v.is_array()) && v.empty();
            if (empty_container) {
                continue;
            }
            bool decoded = false;
            for (const auto& [path, where] : origins) {
                if (under(path, key)) {
                    decoded = true;
                    CHECK(where.line >= 1);
                    CHECK(where.line <= lines);
                }
            }
            bool reported = false;
            for (const Diagnostic& d : diagnostics.items()) {
                reported = reported || under(d.key_path, key);
            }
            INFO("top-level key " << key);
            CHECK((decoded || reported));
        }
        // A pure function: the same document decodes to the same diagnostics and origins.
        Diagnostics again;
        Origins again_origins;
        Profile p2 = decode(root, again, again_origins);
        check(p2, again_origins, again);
        CHECK(again.str() == diagnostics.str());
        CHECK(again_origins.size() == origins.size());
    }
}
