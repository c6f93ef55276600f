// A default is written once, in profile.hpp's member initialisers; the field table reads it
// from a default-constructed section object (profile/field_binding.hpp), and the decoder, the
// JSON Schema and the reference read the table. These tests hold the two ends together: what
// the decoder fills in for a key left out is what the struct holds, and what the schema says.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "common/units.hpp"
#include "profile/decode.hpp"
#include "profile/fields.hpp"
#include "profile/schema.hpp"
#include "support/json_node.hpp"

using namespace sandbox;
using namespace sandbox::profile;
using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// One element of every array of tables, holding only its required keys.
const char* const k_minimal = R"({
  "mounts": [{"target": "/x"}],
  "uid_map": [{"inside": 0, "outside": 100000}],
  "gid_map": [{"inside": 0, "outside": 100000}],
  "network": {"ports": [{"host": 8080, "sandbox": 80}]},
  "seccomp": {"rules": [{"names": ["ptrace"], "action": "errno",
                         "args": [{"index": 1, "value": 7}]}]}
})";

// The schema fragment of a table path: "mounts[].recursive" -> properties.mounts.items....
const json& schema_of(const json& schema, const std::string& path) {
    const json* at = &schema;
    size_t start = 0;
    while (start <= path.size()) {
        size_t dot = path.find('.', start);
        std::string part = path.substr(start, dot == std::string::npos ? dot : dot - start);
        bool array = part.size() > 2 && part.substr(part.size() - 2) == "[]";
        if (array) {
            part.resize(part.size() - 2);
        }
        at = &at->at("properties").at(part);
        if (array) {
            at = &at->at("items");
        }
        if (dot == std::string::npos) {
            break;
        }
        start = dot + 1;
    }
    return *at;
}

}  // namespace

TEST_CASE("field defaults: a key left out decodes to what profile.hpp initialises it to",
          "[unit][decode][schema]") {
    Diagnostics diagnostics;
    Origins origins;
    Node root = test::json_node(ordered_json::parse(k_minimal));
    Profile got = decode(root, diagnostics, origins);
    INFO(diagnostics.str());
    REQUIRE(diagnostics.empty());

    // Every array of tables is in the document, so every row of the table was decoded or
    // defaulted into an element here.
    for (const Section& s : sections()) {
        if (s.kind == SectionKind::array_of_tables) {
            std::string concrete = s.path;
            for (size_t at = concrete.find("[]"); at != std::string::npos;
                 at = concrete.find("[]")) {
                concrete.replace(at, 2, "[0]");
            }
            INFO(s.path);
            CHECK(origins.count(concrete) == 1);
        }
    }

    Profile expected;
    Mount mount;
    mount.target = "/x";
    expected.mounts = {mount};
    IdMapRange ids;
    ids.outside = 100000;
    expected.uid_map = {ids};
    expected.gid_map = {ids};
    PortForward port;
    port.host = 8080;
    port.sandbox = 80;
    expected.network.ports = {port};
    SeccompArg arg;
    arg.index = 1;
    arg.value = 7;
    SeccompRule rule;
    rule.names = {"ptrace"};
    rule.action = SeccompAction::errno_;
    rule.args = {arg};
    expected.seccomp.rules = {rule};
    // The decode-only defaults are the table's own.
    expected.security.masked_paths = got.security.masked_paths;
    expected.security.readonly_paths = got.security.readonly_paths;
    CHECK_FALSE(got.security.masked_paths.empty());
    CHECK_FALSE(got.security.readonly_paths.empty());

    CHECK(got.process == expected.process);
    CHECK(got.rootfs == expected.rootfs);
    CHECK(got.mounts == expected.mounts);
    CHECK(got.namespaces == expected.namespaces);
    CHECK(got.uid_map == expected.uid_map);
    CHECK(got.network == expected.network);
    CHECK(got.seccomp == expected.seccomp);
    CHECK(got.security == expected.security);
    CHECK(got == expected);
}

TEST_CASE("field defaults: the schema's default of a key is the one profile.hpp holds",
          "[unit][schema]") {
    json schema = json::parse(json_schema());
    Profile p;
    Mount m;
    SeccompArg a;
    CHECK(schema_of(schema, "process.stop_grace").at("default") ==
          units::format_duration(p.process.stop_grace));
    CHECK(schema_of(schema, "process.umask").at("default") == "0022");
    CHECK(p.process.umask == 022);
    CHECK(schema_of(schema, "process.stop_signal").at("default") == "SIGTERM");
    CHECK(p.process.stop_signal == 15);
    CHECK(schema_of(schema, "process.cwd").at("default") == p.process.cwd);
    CHECK(schema_of(schema, "network.veth.name").at("default") == p.network.veth.name);
    CHECK(schema_of(schema, "mounts[].recursive").at("default") == m.recursive);
    CHECK(schema_of(schema, "mounts[].create").at("default") == m.create);
    CHECK(schema_of(schema, "seccomp.rules[].args[].op").at("default") == "eq");
    CHECK(a.op == ArgOp::eq);
    CHECK(schema_of(schema, "namespaces.time").at("default") == false);
    CHECK(schema_of(schema, "namespaces.pid").at("default") == true);
    CHECK(schema_of(schema, "security.no_new_privileges").at("default") ==
          p.security.no_new_privileges);

    // A key the struct leaves unset, or that is required, has no default anywhere.
    for (const char* none : {"limits.memory", "namespaces.user", "process.timeout", "name",
                             "mounts[].target", "uid_map[].inside", "seccomp.rules[].action"}) {
        INFO(none);
        CHECK_FALSE(schema_of(schema, none).contains("default"));
        CHECK(find_field(none)->default_json.empty());
    }
}
