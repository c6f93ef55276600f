// The JSON Schema and the Markdown reference are generated from the field table and committed;
// these tests fail when the committed copies are stale (SANDBOX_UPDATE_GENERATED=1 rewrites
// them) and validate every shipped profile and example against the schema.
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "profile/fields.hpp"
#include "profile/schema.hpp"
#include "support/golden.hpp"

using namespace sandbox::profile;

namespace {

const std::string k_source = SANDBOX_SOURCE_DIR;

bool env_is(const char* name, const char* value) {
    const char* v = std::getenv(name);
    return v != nullptr && std::string(v) == value;
}

void compare_generated(const std::string& relative, const std::string& generated) {
    INFO(relative << " is stale: run the unit tests with SANDBOX_UPDATE_GENERATED=1 and commit");
    sandbox::test::check_golden(k_source + "/" + relative, generated, "SANDBOX_UPDATE_GENERATED");
}

// Runs a shell command, returns its exit status and output.
std::pair<int, std::string> run(const std::string& command) {
    std::string out;
    FILE* p = popen((command + " 2>&1").c_str(), "r");
    REQUIRE(p != nullptr);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) {
        out.append(buf, n);
    }
    int status = pclose(p);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace

TEST_CASE("schema: the committed JSON Schema matches the field table", "[unit][schema]") {
    compare_generated("schemas/profile.schema.json", json_schema());
}

TEST_CASE("schema: the committed reference matches the field table", "[unit][schema]") {
    compare_generated("docs/profile-reference.md", markdown_reference());
}

TEST_CASE("schema: every field and section of the table is in the schema", "[unit][schema]") {
    auto schema = nlohmann::json::parse(json_schema());
    CHECK(schema["$schema"] == "https://json-schema.org/draft/2020-12/schema");
    auto lookup = [&](const std::string& path) -> const nlohmann::json* {
        const nlohmann::json* at = &schema;
        std::string rest = path;
        while (!rest.empty()) {
            size_t dot = rest.find('.');
            std::string key = rest.substr(0, dot);
            rest = dot == std::string::npos ? "" : rest.substr(dot + 1);
            bool array = key.size() > 2 && key.substr(key.size() - 2) == "[]";
            if (array) {
                key.resize(key.size() - 2);
            }
            if (!at->contains("properties") || !(*at)["properties"].contains(key)) {
                return nullptr;
            }
            at = &(*at)["properties"][key];
            if (array) {
                at = &(*at)["items"];
            }
        }
        return at;
    };
    for (const Field& f : fields()) {
        INFO(f.path);
        const nlohmann::json* j = lookup(f.path);
        REQUIRE(j != nullptr);
        CHECK((*j)["description"] == f.doc);
        CHECK(j->contains("default") == !f.default_json.empty());
    }
    CHECK((*lookup("mounts[]"))["required"] == nlohmann::json::array({"target"}));
    CHECK((*lookup("limits"))["additionalProperties"] == false);
    CHECK((*lookup("limits.pids"))["minimum"] == 1);
}

TEST_CASE("schema: shipped profiles and examples validate against the schema", "[unit][schema]") {
    auto [probe, why] = run("python3 -c 'import jsonschema, yaml, tomllib'");
    if (probe != 0) {
        if (env_is("CI", "true")) {
            FAIL("python3 with jsonschema and yaml is needed: " << why);
        }
        WARN("SKIP: python3 with jsonschema, yaml and tomllib is missing: " << why);
        return;
    }
    auto [status, out] = run("python3 " + k_source + "/scripts/validate-schema.py " + k_source +
                             "/profiles " + k_source + "/examples");
    INFO(out);
    CHECK(status == 0);
    // Both folders hold files: an empty run proves nothing.
    CHECK(out.find("profiles/default.toml: ok") != std::string::npos);
    CHECK(out.find("examples/hello.yaml: ok") != std::string::npos);
}

TEST_CASE("schema: `sandbox schema` prints the schema, --markdown the reference",
          "[unit][schema]") {
    const char* bin = std::getenv("SANDBOX_BIN");
    std::string sandbox = bin != nullptr ? bin : std::string(SANDBOX_BINARY_DIR) + "/sandbox";
    auto [status, out] = run(sandbox + " schema");
    CHECK(status == 0);
    CHECK(out == json_schema());
    auto [md_status, md] = run(sandbox + " schema --markdown");
    CHECK(md_status == 0);
    CHECK(md == markdown_reference());
}
