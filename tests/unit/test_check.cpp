// check: cross-field rules, each placed at the value it is about. Every case starts from a
// minimal valid profile and adds the one combination under test.
#include <catch2/catch.hpp>

#include "profile/decode.hpp"
#include "support/json_node.hpp"

using namespace sandbox;
using namespace sandbox::profile;
using nlohmann::ordered_json;

namespace {

ordered_json base() {
    return ordered_json::parse(R"({"process": {"args": ["/bin/true"]}, "rootfs": {"host": true}})");
}

// Diagnostics of decode + check of base() with `patch` merged in (RFC 7386: null deletes).
Diagnostics check_json(const ordered_json& patch) {
    ordered_json j = base();
    j.merge_patch(patch);
    Diagnostics diagnostics;
    Origins origins;
    Node root = test::json_node(j);
    Profile p = decode(root, diagnostics, origins);
    REQUIRE(diagnostics.str() == "");  // the cases are about check, not decode
    check(p, origins, diagnostics);
    return diagnostics;
}

std::vector<std::string> messages(const ordered_json& patch) {
    std::vector<std::string> out;
    for (const Diagnostic& d : check_json(patch).sorted()) {
        out.push_back(d.key_path + ": " + d.message);
    }
    return out;
}

using Lines = std::vector<std::string>;

}  // namespace

TEST_CASE("check: a minimal profile passes", "[unit][check]") {
    CHECK(check_json(ordered_json::object()).empty());
}

TEST_CASE("check: top level and process", "[unit][check]") {
    CHECK(messages({{"version", 2}}) == Lines{"version: unsupported profile version 2"});
    CHECK(messages({{"name", "a/b"}}) == Lines{"name: invalid sandbox name 'a/b'"});
    CHECK(messages({{"process", {{"args", ordered_json::array()}}}}) ==
          Lines{"process.args: no command to run"});
    CHECK(messages({{"process", {{"args", {""}}}}}) ==
          Lines{"process.args[0]: the command must not be empty"});
    CHECK(messages({{"process", {{"cwd", "work"}}}}) ==
          Lines{"process.cwd: expected an absolute path, got 'work'"});
    CHECK(messages({{"process", {{"timeout", "0s"}}}}) ==
          Lines{"process.timeout: the timeout must be longer than 0s"});
    CHECK(messages({{"process", {{"rlimits", {{"nofile", {{"soft", 10}, {"hard", 5}}}}}}}}) ==
          Lines{"process.rlimits.nofile: soft limit 10 is above the hard limit 5"});
    CHECK(messages({{"process", {{"keep_fds", {3, 3}}}}}) ==
          Lines{"process.keep_fds[1]: fd 3 is listed twice"});
}

TEST_CASE("check: an args problem with nothing written points at the file", "[unit][check]") {
    Diagnostics d = check_json({{"process", nullptr}});
    REQUIRE(d.size() == 1);
    CHECK(d.str() ==
          "t.toml:1:5: process.args: no command to run\n"
          "  hint: set process.args or give the command after '--'\n");
}

TEST_CASE("check: exactly one root filesystem", "[unit][check]") {
    CHECK(messages({{"rootfs", nullptr}}) == Lines{"rootfs: no root filesystem"});
    CHECK(messages({{"rootfs", {{"path", "/srv/root"}}}}) ==
          Lines{"rootfs.path: use only one of rootfs.path, rootfs.archive and rootfs.host"});
    CHECK(messages({{"rootfs", {{"host", nullptr}, {"path", "root"}}}}) ==
          Lines{"rootfs.path: expected an absolute path, got 'root'"});
    CHECK(messages({{"rootfs", {{"overlay", true}}}}) ==
          Lines{"rootfs.overlay: overlay needs rootfs.path or rootfs.archive"});
    CHECK(messages({{"rootfs", nullptr}, {"namespaces", {{"mount", {{"join", "web"}}}}}}).empty());
}

TEST_CASE("check: mount targets, sources and per-type keys", "[unit][check]") {
    auto mounts = [](ordered_json list) { return messages({{"mounts", std::move(list)}}); };
    CHECK(mounts({{{"type", "tmpfs"}, {"target", "tmp"}}}) ==
          Lines{"mounts[0].target: expected an absolute path, got 'tmp'"});
    CHECK(mounts({{{"type", "tmpfs"}, {"target", "/a//b/"}}}) ==
          Lines{"mounts[0].target: target '/a//b/' is not normalised"});
    CHECK(mounts({{{"type", "tmpfs"}, {"target", "/../etc"}}}) ==
          Lines{"mounts[0].target: target '/../etc' climbs above '/'"});
    CHECK(mounts({{{"source", "/x"}, {"target", "/"}}}) ==
          Lines{"mounts[0].target: cannot mount over the sandbox root"});
    CHECK(mounts({{{"type", "tmpfs"}, {"target", "/t"}}, {{"type", "proc"}, {"target", "/t"}}}) ==
          Lines{"mounts[1].target: target '/t' is already mounted by mounts[0]"});
    CHECK(mounts({{{"target", "/data"}}}) == Lines{"mounts[0]: a bind mount needs a source"});
    CHECK(mounts({{{"source", "data"}, {"target", "/data"}}}) ==
          Lines{"mounts[0].source: expected an absolute path, got 'data'"});
    CHECK(mounts({{{"type", "proc"}, {"source", "/proc"}, {"target", "/proc"}}}) ==
          Lines{"mounts[0].source: source is only used by bind mounts"});
    CHECK(mounts({{{"source", "/d"}, {"target", "/d"}, {"size", "1M"}}}) ==
          Lines{"mounts[0].size: size is only used by tmpfs mounts"});
    CHECK(mounts({{{"type", "tmpfs"}, {"target", "/d"}, {"size", 100}}}) ==
          Lines{"mounts[0].size: tmpfs size 100B is below one page (4KiB)"});
    CHECK(mounts({{{"type", "tmpfs"}, {"target", "/d"}, {"optional", true}}}) ==
          Lines{"mounts[0].optional: optional is only used by bind mounts"});
    CHECK(mounts({{{"source", "/d"}, {"target", "/d"}, {"options", {"nosuid", "uid=0"}}}}) ==
          Lines{"mounts[0].options[1]: filesystem option 'uid=0' is not used by bind mounts"});
}

TEST_CASE("check: namespaces that contradict the rest", "[unit][check]") {
    CHECK(messages({{"namespaces", {{"mount", false}}}}) ==
          Lines{"namespaces.mount: the sandbox needs its own mount namespace"});
    CHECK(messages({{"namespaces", {{"uts", false}}}, {"uts", {{"hostname", "box"}}}}) ==
          Lines{"uts.hostname: setting the host name needs a new uts namespace"});
    CHECK(messages({{"namespaces", {{"uts", {{"join", "a"}}}}}, {"uts", {{"hostname", "b"}}}}) ==
          Lines{"uts.hostname: cannot set the host name of a joined uts namespace"});
    CHECK(messages({{"uts", {{"hostname", "-bad-"}}}}) ==
          Lines{"uts.hostname: host name '-bad-' is not valid (letters, digits and '-' in "
                "dot-separated labels)"});
    CHECK(messages({{"uts", {{"hostname", std::string(65, 'a')}}}}) ==
          Lines{"uts.hostname: host name '" + std::string(65, 'a') +
                "' must be 1 to 64 characters long"});
    CHECK(messages({{"namespaces", {{"user", false}}},
                    {"uid_map", {{{"inside", 0}, {"outside", 1000}}}}}) ==
          Lines{"uid_map: id maps need a new user namespace"});
    CHECK(messages({{"namespaces", {{"user", {{"pid", 5}}}}},
                    {"gid_map", {{{"inside", 0}, {"outside", 1000}}}}}) ==
          Lines{"gid_map: cannot write id maps for a joined user namespace"});
    CHECK(messages({{"namespaces", {{"net", false}}}, {"network", {{"mode", "veth"}}}}) ==
          Lines{"network.mode: network.mode = 'veth' needs a new net namespace"});
    CHECK(messages({{"namespaces", {{"net", {{"join", "x"}}}}}, {"network", {{"mode", "veth"}}}}) ==
          Lines{"network.mode: cannot add a veth pair to a joined net namespace"});
    CHECK(messages({{"namespaces", {{"net", false}}}}) ==
          Lines{"namespaces.net: network.mode = 'none' needs a new net namespace"});
    CHECK(messages({{"namespaces", {{"net", true}}}, {"network", {{"mode", "host"}}}}) ==
          Lines{"namespaces.net: network.mode = 'host' uses the host's net namespace"});
    CHECK(messages({{"network", {{"mode", "host"}}}}).empty());
    CHECK(messages({{"namespaces", {{"mount", {{"join", "a"}}}}},
                    {"mounts", {{{"type", "tmpfs"}, {"target", "/t"}}}}}) ==
          Lines{"mounts: mounts cannot be added to a joined mount namespace"});
}

TEST_CASE("check: id maps neither overlap nor overflow", "[unit][check]") {
    CHECK(messages({{"uid_map",
                     {{{"inside", 0}, {"outside", 100000}, {"count", 1000}},
                      {{"inside", 500}, {"outside", 200000}, {"count", 10}}}}}) ==
          Lines{"uid_map[1].inside: inside range 500..509 overlaps uid_map[0]"});
    CHECK(messages({{"gid_map",
                     {{{"inside", 0}, {"outside", 100000}, {"count", 1000}},
                      {{"inside", 1000}, {"outside", 100999}, {"count", 1}}}}}) ==
          Lines{"gid_map[1].outside: outside range 100999..100999 overlaps gid_map[0]"});
    CHECK(messages({{"uid_map", {{{"inside", 0}, {"outside", 4294967295LL}, {"count", 2}}}}}) ==
          Lines{"uid_map[0].count: outside range 4294967295 + 2 goes past 4294967295"});
    CHECK(messages({{"uid_map",
                     {{{"inside", 0}, {"outside", 100000}, {"count", 65536}},
                      {{"inside", 65536}, {"outside", 1000}, {"count", 1}}}}})
              .empty());
}

TEST_CASE("check: veth names, addresses and what needs veth", "[unit][check]") {
    auto veth = [](ordered_json v) {
        return messages({{"network", {{"mode", "veth"}, {"veth", std::move(v)}}}});
    };
    CHECK(veth({{"host_name", "sandbox-veth-0123"}}) ==
          Lines{"network.veth.host_name: interface name 'sandbox-veth-0123' is longer than 15 "
                "characters"});
    CHECK(veth({{"name", "eth 0"}}) ==
          Lines{"network.veth.name: interface name 'eth 0' must not contain '/', ':' or spaces"});
    CHECK(veth({{"name", ".."}}) == Lines{"network.veth.name: interface name '..' is not allowed"});
    CHECK(veth({{"address", "10.0.0.2/24"}, {"host_address", "10.0.0.2/24"}}) ==
          Lines{"network.veth.host_address: host_address '10.0.0.2/24' is the sandbox's own "
                "address"});
    CHECK(veth({{"address", "10.0.0.2/24"}, {"host_address", "10.0.1.1/24"}}) ==
          Lines{"network.veth.host_address: host_address '10.0.1.1/24' is not in the subnet of "
                "address '10.0.0.2/24'"});
    CHECK(veth({{"address", "10.0.0.2/24"}, {"host_address", "10.0.0.1/16"}}).size() == 1);
    CHECK(veth({{"address", "10.0.0.2/24"}, {"gateway", "10.9.0.1"}}) ==
          Lines{"network.veth.gateway: gateway '10.9.0.1' is not in the subnet of address "
                "'10.0.0.2/24'"});
    CHECK(veth({{"address6", "fd00::2/64"}, {"host_address6", "fd01::1/64"}}) ==
          Lines{"network.veth.host_address6: host_address6 'fd01::1/64' is not in the subnet "
                "of address6 'fd00::2/64'"});
    CHECK(veth({{"address", "10.0.0.2/24"},
                {"host_address", "10.0.0.1/24"},
                {"gateway", "10.0.0.1"},
                {"address6", "fd00::2/64"},
                {"host_address6", "fd00::1/64"},
                {"nat", true}})
              .empty());
    CHECK(messages({{"network", {{"hosts", {{"db_1", "10.0.0.5"}}}}}}) ==
          Lines{"network.hosts.db_1: host name 'db_1' is not valid (letters, digits and '-' in "
                "dot-separated labels)"});
    // network.hosts lives in the /etc/hosts that rootfs.defaults.hosts = false turns off.
    CHECK(messages({{"network", {{"hosts", {{"db", "10.0.0.5"}}}}},
                    {"rootfs", {{"defaults", {{"hosts", false}}}}}}) ==
          Lines{"rootfs.defaults.hosts: network.hosts needs the /etc/hosts this turns off"});
    CHECK(messages({{"rootfs", {{"defaults", {{"hosts", false}}}}}}).empty());
    CHECK(messages({{"network", {{"veth", {{"nat", true}}}}}}) ==
          Lines{"network.veth: network.veth is only used with network.mode = 'veth'"});
    CHECK(messages({{"network", {{"ports", {{{"host", 80}, {"sandbox", 80}}}}}}}) ==
          Lines{"network.ports: port forwarding needs network.mode = 'veth'"});
    CHECK(messages({{"network",
                     {{"mode", "veth"},
                      {"veth", {{"address", "10.0.0.2/24"}}},
                      {"ports",
                       {{{"host", 80}, {"sandbox", 80}}, {{"host", 80}, {"sandbox", 81}}}}}}}) ==
          Lines{"network.ports[1].host: host port 80 is already forwarded by network.ports[0]"});
}

TEST_CASE("check: limits, seccomp and capabilities", "[unit][check]") {
    CHECK(messages({{"limits", {{"memory", "512K"}}}}) ==
          Lines{"limits.memory: memory limit 512KiB is below the minimum of 1MiB"});
    CHECK(messages({{"seccomp", {{"allow", {"ptrace", "read"}}, {"deny", {"read"}}}}}) ==
          Lines{"seccomp.deny[0]: syscall 'read' is both allowed and denied"});
    CHECK(messages({{"seccomp", {{"rules", {{{"names", {"socket"}}, {"action", "errno"}}}}}}}) ==
          Lines{"seccomp.rules[0].action: action 'errno' needs an errno value"});
    CHECK(messages({{"seccomp",
                     {{"rules", {{{"names", {"socket"}}, {"action", "log"}, {"errno", 1}}}}}}}) ==
          Lines{"seccomp.rules[0].errno: errno is only used with action = 'errno'"});
    CHECK(messages({{"seccomp",
                     {{"rules",
                       {{{"names", {"socket"}},
                         {"action", "allow"},
                         {"args",
                          {{{"index", 0}, {"value", 1}, {"value2", 2}},
                           {{"index", 0}, {"value", 2}}}}}}}}}}) ==
          Lines{"seccomp.rules[0].args[0].value2: value2 is only used with op = 'masked_eq'",
                "seccomp.rules[0].args[1].index: argument 0 is already compared by args[0]"});
    CHECK(messages({{"capabilities", {{"keep", {"CAP_CHOWN"}}, {"ambient", {"CAP_KILL"}}}}}) ==
          Lines{"capabilities.ambient[0]: 'CAP_KILL' is ambient but not in capabilities.keep"});
}

TEST_CASE("check: security paths are absolute and landlock paths need landlock", "[unit][check]") {
    CHECK(messages({{"security", {{"masked_paths", {"/ok", "proc/kcore"}}}}}) ==
          Lines{"security.masked_paths[1]: expected an absolute path, got 'proc/kcore'"});
    CHECK(messages({{"security", {{"landlock", {{"read", {"/usr"}}}}}}}) ==
          Lines{"security.landlock.read: landlock paths have no effect"});
    CHECK(messages({{"security", {{"landlock", {{"enabled", true}, {"read_write", {"tmp"}}}}}}}) ==
          Lines{"security.landlock.read_write[0]: expected an absolute path, got 'tmp'"});
}

TEST_CASE("check: several problems are all reported, in file order", "[unit][check]") {
    Diagnostics d = check_json(ordered_json::parse(R"({
        "version": 3,
        "mounts": [{"target": "rel"}],
        "limits": {"memory": 1000},
        "capabilities": {"ambient": ["CAP_KILL"]}
    })"));
    CHECK(d.size() == 5);
    std::string all = d.str();
    CHECK(all.find("version:") < all.find("mounts[0].target:"));
    CHECK(all.find("mounts[0].target:") < all.find("limits.memory:"));
}

TEST_CASE("check: a value decode refused is not reported again", "[unit][check]") {
    ordered_json j = base();
    j.merge_patch({{"process", {{"args", "/bin/sh -c true"}}},
                   {"mounts", {{{"type", "nfs"}, {"target", "/n"}}, {{"type", "tmpfs"}}}},
                   {"limits", {{"memory", 100}}}});
    Diagnostics diagnostics;
    Origins origins;
    Node root = test::json_node(j);
    Profile p = decode(root, diagnostics, origins);
    REQUIRE(diagnostics.size() == 3);  // args, mounts[0].type, mounts[1] target missing
    check(p, origins, diagnostics);
    // Not "no command to run", not "a bind mount needs a source", not "expected an absolute
    // path, got ''"; the memory rule is unrelated and still applies.
    INFO(diagnostics.str());
    CHECK(diagnostics.size() == 4);
    CHECK(diagnostics.items().back().key_path == "limits.memory");
}
