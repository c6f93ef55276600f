// `sandbox validate --format github|sarif`: the workflow-command lines GitHub documents
// (`::error file=F,line=L,col=C,title=T::MESSAGE`, with its escaping of % \r \n and, in
// properties, : and ,) and the parts of a SARIF 2.1.0 log the schema requires and code scanning
// reads (version, runs[].tool.driver.name, results[].message.text, physicalLocation.region).
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>

#include "cli/validate_formats.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;
using nlohmann::json;

namespace {

// A profile with two problems: an unknown key and a value out of its range.
std::string bad_profile(const TempDir& dir, const std::string& name) {
    std::string path = dir / name;
    write_file(path,
               // A name of its own: the file names below are not valid sandbox names.
               "version = 1\nname = \"x\"\n[process]\nargs = [\"/bin/true\"]\nbogus = 1\n"
               "[limits]\nmemory = \"lots\"\n"
               "[rootfs]\nhost = true\n");
    return path;
}

}  // namespace

TEST_CASE("validate formats: GitHub escaping of data and properties", "[unit][cli]") {
    using sandbox::cli::github_escape_data;
    using sandbox::cli::github_escape_property;
    CHECK(github_escape_data("100% a\r\nb") == "100%25 a%0D%0Ab");
    CHECK(github_escape_data("a:b,c") == "a:b,c");
    CHECK(github_escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A");
}

TEST_CASE("validate formats: --format github prints one ::error line per diagnostic",
          "[unit][cli]") {
    TempDir dir("vfmt");
    // A comma and a colon in the file name must be escaped in the file= property.
    std::string path = bad_profile(dir, "a,b:c.toml");
    RunResult r = run_sandbox({"validate", "--format", "github", path});
    CHECK(r.status == 125);
    INFO(r.out);
    std::regex line_re(R"(::error file=([^,:]+),line=([0-9]+),col=([0-9]+),title=([^,:]+)::(.*))");
    std::vector<std::string> lines;
    size_t start = 0;
    while (start < r.out.size()) {
        size_t nl = r.out.find('\n', start);
        REQUIRE(nl != std::string::npos);
        lines.push_back(r.out.substr(start, nl - start));
        start = nl + 1;
    }
    REQUIRE(lines.size() == 2);
    std::string escaped_file;
    for (char ch : path) {
        escaped_file += ch == ','   ? std::string("%2C")
                        : ch == ':' ? std::string("%3A")
                                    : std::string(1, ch);
    }
    bool saw_bogus = false;
    bool saw_memory = false;
    for (const std::string& l : lines) {
        std::smatch m;
        REQUIRE(std::regex_match(l, m, line_re));
        CHECK(m[1] == escaped_file);
        CHECK(m[5].str().find('\n') == std::string::npos);
        if (m[4] == "process.bogus") {
            saw_bogus = true;
            CHECK(m[2] == "5");
            CHECK(m[3] == "1");
        }
        if (m[4] == "limits.memory") {
            saw_memory = true;
            CHECK(m[2] == "7");
        }
    }
    CHECK(saw_bogus);
    CHECK(saw_memory);
    // The text format is unchanged: the diagnostics go to stderr.
    RunResult text = run_sandbox({"validate", path});
    CHECK(text.out == "");
    CHECK(text.err.find("process.bogus") != std::string::npos);
}

TEST_CASE("validate formats: --format github of a missing profile has no line", "[unit][cli]") {
    RunResult r = run_sandbox({"validate", "--format", "github", "./no/such/profile.toml"});
    CHECK(r.status == 125);
    CHECK(r.out.rfind("::error file=./no/such/profile.toml,title=profile::", 0) == 0);
}

TEST_CASE("validate formats: --format sarif writes a SARIF 2.1.0 log", "[unit][cli]") {
    TempDir dir("vfmt");
    std::string bad = bad_profile(dir, "bad profile.toml");
    std::string good = dir / "good.toml";
    write_file(good, "version = 1\n[process]\nargs = [\"/bin/true\"]\n[rootfs]\nhost = true\n");
    RunResult r = run_sandbox({"validate", "--format", "sarif", bad, good});
    CHECK(r.status == 125);
    json log = json::parse(r.out);
    CHECK(log["version"] == "2.1.0");
    CHECK(log["$schema"].get<std::string>().find("sarif-2.1.0") != std::string::npos);
    REQUIRE(log["runs"].is_array());
    REQUIRE(log["runs"].size() == 1);
    const json& run = log["runs"][0];
    CHECK(run["tool"]["driver"]["name"] == "sandbox");
    const json& rules = run["tool"]["driver"]["rules"];
    REQUIRE(run["results"].size() == 2);
    for (const json& res : run["results"]) {
        CHECK(res["level"] == "error");
        CHECK(res["message"]["text"].is_string());
        size_t index = res["ruleIndex"].get<size_t>();
        REQUIRE(index < rules.size());
        CHECK(rules[index]["id"] == res["ruleId"]);
        const json& loc = res["locations"][0]["physicalLocation"];
        // An absolute path outside the working directory: a file URI, the space encoded.
        CHECK(loc["artifactLocation"]["uri"] == "file://" + dir.path() + "/bad%20profile.toml");
        CHECK(loc["region"]["startLine"].get<int>() >= 1);
        CHECK(loc["region"]["startColumn"].get<int>() >= 1);
    }
    // Valid profiles only: an empty result list, exit 0.
    RunResult ok = run_sandbox({"validate", "--format", "sarif", good});
    CHECK(ok.status == 0);
    CHECK(json::parse(ok.out)["runs"][0]["results"].empty());
}
