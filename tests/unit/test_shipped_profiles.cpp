// The shipped profiles (profiles/) and the examples (examples/) load cleanly, and each TOML file
// decodes to exactly the same Profile as its YAML twin.
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <map>

#include "profile/loader.hpp"

using namespace sandbox::profile;
namespace fs = std::filesystem;

namespace {

const fs::path k_source = SANDBOX_SOURCE_DIR;

LoadOptions fixed_options() {
    LoadOptions o;
    o.search_path = {(k_source / "profiles").string()};
    // A fixed environment, so the result does not depend on who runs the test.
    o.getenv = [](const std::string& name) -> std::optional<std::string> {
        static const std::map<std::string, std::string> env{{"PWD", "/work/project"},
                                                            {"HOME", "/home/tester"}};
        auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    return o;
}

std::vector<std::string> stems(const fs::path& dir) {
    std::vector<std::string> out;
    for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
        if (e.path().extension() == ".toml") {
            out.push_back(e.path().stem().string());
        }
    }
    std::sort(out.begin(), out.end());
    return out;
}

Profile load_clean(const fs::path& file) {
    LoadResult r = load_profile(file.string(), {}, fixed_options());
    INFO(file.string() << ":\n" << r.diagnostics.str());
    REQUIRE(r.diagnostics.empty());
    REQUIRE(r.profile.has_value());
    return *r.profile;
}

}  // namespace

TEST_CASE(
    "profiles: every shipped profile and example has a TOML and a YAML twin that decode "
    "identically",
    "[unit][decode]") {
    size_t pairs = 0;
    for (const char* folder : {"profiles", "examples"}) {
        fs::path dir = k_source / folder;
        for (const std::string& stem : stems(dir)) {
            INFO(folder << "/" << stem);
            REQUIRE(fs::exists(dir / (stem + ".yaml")));
            Profile toml = load_clean(dir / (stem + ".toml"));
            Profile yaml = load_clean(dir / (stem + ".yaml"));
            CHECK(toml == yaml);
            ++pairs;
        }
    }
    CHECK(pairs == 10);  // default locked ci dev + hello memeater×2 join-pid walkthrough extends
}

TEST_CASE("profiles: the shipped profiles say what their names promise", "[unit][decode]") {
    Profile locked = load_clean(k_source / "profiles" / "locked.toml");
    CHECK(locked.name == "locked");
    CHECK(locked.namespaces.user == NamespaceSetting::new_ns());
    for (const NamespaceSetting* ns :
         {&locked.namespaces.pid, &locked.namespaces.mount, &locked.namespaces.uts,
          &locked.namespaces.ipc, &locked.namespaces.net, &locked.namespaces.cgroup,
          &locked.namespaces.time}) {
        CHECK(*ns == NamespaceSetting::new_ns());
    }
    // A range of its own per sandbox, not one shared 100000.. range (issue 12).
    CHECK(locked.uid_map.empty());
    CHECK(locked.gid_map.empty());
    CHECK(locked.uid_map_auto);
    CHECK(locked.gid_map_auto);
    auto shm = std::find_if(locked.mounts.begin(), locked.mounts.end(),
                            [](const Mount& m) { return m.target == "/dev/shm"; });
    REQUIRE(shm != locked.mounts.end());
    CHECK(shm->type == MountType::tmpfs);
    CHECK(std::find(shm->options.begin(), shm->options.end(), "noexec") != shm->options.end());
    CHECK(locked.rootfs.readonly);
    CHECK(locked.network.mode == NetworkMode::none);
    CHECK(locked.limits.memory == Bytes{256ULL << 20});
    CHECK(locked.limits.pids == 128u);
    CHECK(locked.limits.cpu == 1.0);
    CHECK(locked.seccomp.preset == SeccompPreset::default_);
    CHECK(locked.capabilities.keep.empty());
    CHECK(locked.security.no_new_privileges);

    Profile ci = load_clean(k_source / "profiles" / "ci.toml");
    REQUIRE_FALSE(ci.mounts.empty());
    CHECK(ci.mounts[0].source == "/work/project");  // ${env:PWD}
    CHECK(ci.mounts[0].target == "/src");
    CHECK(ci.network.mode == NetworkMode::veth);
    CHECK(ci.network.veth.nat);
    CHECK(ci.process.timeout == std::chrono::minutes(30));

    Profile dev = load_clean(k_source / "profiles" / "dev.yaml");
    CHECK(dev.network.mode == NetworkMode::host);
    CHECK(dev.namespaces.net == NamespaceSetting::host_ns());
    CHECK(dev.mounts[0].source == "/work/project");
    CHECK_FALSE(dev.mounts[0].readonly);
}

TEST_CASE("profiles: the examples", "[unit][decode]") {
    Profile hello = load_clean(k_source / "examples" / "hello.toml");
    CHECK(hello.rootfs.host);  // nothing to download
    CHECK(hello.process.args.front() == "/bin/sh");

    Profile small = load_clean(k_source / "examples" / "memeater-128m.yaml");
    Profile big = load_clean(k_source / "examples" / "memeater-512m.toml");
    CHECK(small.limits.memory == Bytes{128ULL << 20});
    CHECK(big.limits.memory == Bytes{512ULL << 20});  // "512M"
    CHECK(small.process.args == big.process.args);
    CHECK(small.rootfs.path == "/var/lib/sandbox/rootfs/busybox");  // SANDBOX_ROOTFS unset

    Profile join = load_clean(k_source / "examples" / "join-pid.toml");
    CHECK(join.namespaces.pid.mode == NamespaceSetting::Mode::join_sandbox);
    CHECK(join.namespaces.pid.sandbox == "unshare-walkthrough");

    Profile walk = load_clean(k_source / "examples" / "unshare-walkthrough.yaml");
    CHECK(walk.uts.hostname == "walkthrough");
    CHECK(walk.network.mode == NetworkMode::veth);
    CHECK(walk.uid_map.size() == 1);

    // extends-demo: locked underneath, its own values on top.
    Profile demo = load_clean(k_source / "examples" / "extends-demo.toml");
    CHECK(demo.name == "extends-demo");
    CHECK(demo.limits.memory == Bytes{512ULL << 20});
    CHECK(demo.limits.cpu == 1.0);                              // from locked
    CHECK(demo.namespaces.time == NamespaceSetting::new_ns());  // from locked
    CHECK(demo.uts.hostname == "extended");
    CHECK(demo.process.env.size() == 3);  // PATH, HOME from locked + GREETING
}
