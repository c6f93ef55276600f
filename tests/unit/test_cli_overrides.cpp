// --unset KEY: a key or table taken out of the resolved profile before decode, so
// `--set network.mode=none --unset network.veth` runs a veth profile without a network.
#include <catch2/catch.hpp>

#include "profile/loader.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::profile;
using namespace sandbox::test;

namespace {

const char* const k_veth_profile = R"(version = 1
name = "web"

[process]
args = ["/bin/true"]
env = { KEEP = "1", DROP = "2" }

[rootfs]
path = "/srv/rootfs"

[[mounts]]
type = "tmpfs"
target = "/tmp"

[[mounts]]
type = "tmpfs"
target = "/run"

[network]
mode = "veth"

[network.veth]
host_name = "sbx-web"
address = "10.0.7.2/24"
host_address = "10.0.7.1/24"
)";

LoadResult load_with(const std::string& path, Overrides o) {
    LoadOptions options;
    options.search_path = {"/nonexistent"};
    options.getenv = [](const std::string&) -> std::optional<std::string> { return {}; };
    return load_profile(path, o, options);
}

}  // namespace

TEST_CASE("cli: --set network.mode=none needs --unset network.veth, and then works",
          "[unit][cli][resolve]") {
    TempDir dir("cli");
    std::string path = dir / "web.toml";
    write_file(path, k_veth_profile);

    Overrides none_only;
    none_only.set = {"network.mode=none"};
    LoadResult refused = load_with(path, none_only);
    CHECK_FALSE(refused.profile);
    CHECK(refused.diagnostics.str() ==
          path +
              ":22:1: network.veth: network.veth is only used with network.mode = 'veth'\n"
              "  hint: remove the table (on the command line: --unset network.veth)\n");

    Overrides both = none_only;
    both.unset = {"network.veth"};
    LoadResult ok = load_with(path, both);
    INFO(ok.diagnostics.str());
    REQUIRE(ok.profile);
    CHECK(ok.profile->network.mode == NetworkMode::none);
    CHECK(ok.merged->find("network")->find("veth") == nullptr);
}

TEST_CASE("cli: --unset removes values, table entries and array elements", "[unit][cli][resolve]") {
    TempDir dir("cli");
    std::string path = dir / "web.toml";
    write_file(path, k_veth_profile);
    Overrides o;
    o.unset = {"process.env.DROP", "mounts[0]", "network"};
    LoadResult r = load_with(path, o);
    INFO(r.diagnostics.str());
    REQUIRE(r.profile);
    CHECK(r.profile->process.env ==
          std::vector<std::pair<std::string, std::string>>{{"KEEP", "1"}});
    REQUIRE(r.profile->mounts.size() == 1);
    CHECK(r.profile->mounts[0].target == "/run");
    CHECK(r.profile->network.mode == NetworkMode::none);  // the default again

    // A key this profile does not hold is nothing to remove; --set after --unset wins.
    Overrides again;
    again.unset = {"limits.memory", "mounts[7]", "seccomp.rules[0].names", "process.args"};
    again.set = {"process.args=[\"/bin/sh\"]"};
    LoadResult r2 = load_with(path, again);
    INFO(r2.diagnostics.str());
    REQUIRE(r2.profile);
    CHECK(r2.profile->process.args == std::vector<std::string>{"/bin/sh"});
}

TEST_CASE("cli: --unset of a key no profile can hold is an error with a did-you-mean",
          "[unit][cli][resolve]") {
    TempDir dir("cli");
    std::string path = dir / "web.toml";
    write_file(path, k_veth_profile);
    struct Case {
        const char* key;
        const char* error;
    };
    for (const Case& c : {
             Case{"network.vet",
                  "--unset: unknown key 'network.vet'\n"
                  "  hint: did you mean 'network.veth'?\n"},
             Case{"limits.memroy",
                  "--unset: unknown key 'limits.memroy'\n"
                  "  hint: did you mean 'limits.memory'?\n"},
             Case{"nonsense", "--unset: unknown key 'nonsense'\n"},
             Case{"a..b",
                  "--unset: malformed key 'a..b'\n"
                  "  hint: keys are dotted names with optional indices, e.g. "
                  "network.veth\n"},
         }) {
        Overrides o;
        o.unset = {c.key};
        LoadResult r = load_with(path, o);
        CHECK_FALSE(r.profile);
        CHECK(r.diagnostics.str() == c.error);
    }
}

TEST_CASE("cli: sandbox explain takes --unset next to --set", "[unit][cli]") {
    TempDir dir("cli");
    std::string path = dir / "web.toml";
    write_file(path, k_veth_profile);
    RunResult refused = run_sandbox({"explain", path, "--set", "network.mode=none"});
    CHECK(refused.status == 125);
    RunResult ok =
        run_sandbox({"explain", path, "--set", "network.mode=none", "--unset", "network.veth"});
    INFO(ok.err);
    CHECK(ok.status == 0);
    CHECK(ok.out.find("sbx-web") == std::string::npos);
}
