// Resolve: extends + search path, merge rules, relative paths, ${…} and command-line overrides.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "profile/loader.hpp"
#include "profile/resolve.hpp"
#include "support/cpu_time.hpp"
#include "support/same_tree.hpp"

using namespace sandbox::profile;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    fs::path path;
    TempDir() {
        std::string tmpl = (fs::temp_directory_path() / "sandbox-resolve-XXXXXX").string();
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = fs::path(tmpl);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, std::string_view text) const {
        fs::path p = path / name;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p.string();
    }
    std::string str() const { return path.string(); }
};

// Runs the given function with the cwd set to `dir`, restoring it after.
struct ScopedCwd {
    fs::path old;
    explicit ScopedCwd(const fs::path& dir) : old(fs::current_path()) { fs::current_path(dir); }
    ~ScopedCwd() { fs::current_path(old); }
};

LoadOptions options_with(std::vector<std::string> search,
                         std::map<std::string, std::string> env = {}) {
    LoadOptions o;
    o.search_path = std::move(search);
    o.getenv = [env](const std::string& name) -> std::optional<std::string> {
        auto it = env.find(name);
        return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
    };
    return o;
}

const Node& at(const Node& root, std::initializer_list<const char*> keys) {
    const Node* n = &root;
    for (const char* k : keys) {
        n = n->find(k);
        INFO(k);
        REQUIRE(n != nullptr);
    }
    return *n;
}

}  // namespace

TEST_CASE("resolve: extends merges tables key by key and replaces scalars and arrays",
          "[unit][resolve]") {
    TempDir dir;
    dir.write("base.toml", R"(version = 1
name = "base"
description = "the base"
[process]
args = ["/bin/true"]
cwd = "/srv"
env = { A = "1", B = "2" }
[limits]
memory = "1G"
pids = 100
)");
    std::string child = dir.write("child.yaml", R"(extends: base
process:
  args: [/bin/echo, hi]
  env:
    B: "20"
    C: "3"
limits:
  pids: 5
)");
    Diagnostics d;
    auto merged = resolve_file(child, options_with({}), d);
    INFO(d.str());
    REQUIRE(merged);
    const Node& root = *merged;
    CHECK(at(root, {"version"}).integer == 1);
    CHECK(root.find("name") == nullptr);  // `name` is not inherited
    CHECK(at(root, {"description"}).string == "the base");
    const Node& args = at(root, {"process", "args"});
    REQUIRE(args.items.size() == 2);
    CHECK(args.items[0].string == "/bin/echo");
    CHECK(args.where.str() == child + ":3:9");
    CHECK(at(root, {"process", "cwd"}).string == "/srv");
    CHECK(at(root, {"process", "cwd"}).where.str() == dir.str() + "/base.toml:6:7");
    const Node& env = at(root, {"process", "env"});
    REQUIRE(env.entries.size() == 3);
    CHECK(env.entries[0].key == "A");
    CHECK(env.entries[0].value.where.str() == dir.str() + "/base.toml:7:13");
    CHECK(env.entries[1].value.string == "20");
    CHECK(env.entries[1].value.where.file_name() == child);
    CHECK(env.entries[2].key == "C");
    CHECK(at(root, {"limits", "memory"}).string == "1G");
    CHECK(at(root, {"limits", "pids"}).integer == 5);
    CHECK(at(root, {"extends"}).string == "base");
}

TEST_CASE("resolve: mounts merge by target, in place or appended", "[unit][resolve]") {
    TempDir dir;
    dir.write("parts/base.toml", R"(
[[mounts]]
type = "tmpfs"
target = "/tmp"
[[mounts]]
source = "data"
target = "/data"
readonly = true
[[mounts]]
type = "proc"
target = "/proc"
)");
    std::string child = dir.write("child.toml", R"(extends = ["parts/base.toml"]
[[mounts]]
source = "/srv/data"
target = "/data/"
[[mounts]]
type = "tmpfs"
target = "/run"
)");
    Diagnostics d;
    auto merged = resolve_file(child, options_with({}), d);
    INFO(d.str());
    REQUIRE(merged);
    const Node& mounts = at(*merged, {"mounts"});
    REQUIRE(mounts.items.size() == 4);
    CHECK(at(mounts.items[0], {"target"}).string == "/tmp");
    CHECK(at(mounts.items[1], {"source"}).string == "/srv/data");
    CHECK(mounts.items[1].find("readonly") == nullptr);  // replaced, not merged
    CHECK(at(mounts.items[1], {"target"}).where.str() == child + ":4:10");
    CHECK(at(mounts.items[2], {"type"}).string == "proc");
    CHECK(at(mounts.items[3], {"target"}).string == "/run");
}

TEST_CASE("resolve: relative host paths resolve against the file that wrote them",
          "[unit][resolve]") {
    TempDir dir;
    dir.write("lib/base.toml", R"(
[rootfs]
path = "rootfs"
[seccomp]
import = "../seccomp.json"
[[mounts]]
source = "data"
target = "/data"
[[mounts]]
type = "bind"
source = "./cache/"
target = "/cache"
[[mounts]]
type = "tmpfs"
source = "tmpfs"
target = "/tmp"
[security.landlock]
read = ["usr"]
)");
    std::string child = dir.write("child.toml", R"(extends = "lib/base"
[rootfs]
archive = "images/root.tar"
)");
    Diagnostics d;
    auto merged = resolve_file(child, options_with({}), d);
    INFO(d.str());
    REQUIRE(merged);
    const std::string lib = dir.str() + "/lib";
    CHECK(at(*merged, {"rootfs", "path"}).string == lib + "/rootfs");
    CHECK(at(*merged, {"rootfs", "archive"}).string == dir.str() + "/images/root.tar");
    CHECK(at(*merged, {"seccomp", "import"}).string == dir.str() + "/seccomp.json");
    const Node& mounts = at(*merged, {"mounts"});
    CHECK(at(mounts.items[0], {"source"}).string == lib + "/data");
    CHECK(at(mounts.items[1], {"source"}).string == lib + "/cache/");
    CHECK(at(mounts.items[2], {"source"}).string == "tmpfs");  // not a host path
    CHECK(at(mounts.items[0], {"target"}).string == "/data");
    CHECK(at(*merged, {"security", "landlock", "read"}).items[0].string == "usr");
    std::vector<std::string> keys = path_key_patterns();
    CHECK(keys == std::vector<std::string>{"rootfs.path", "rootfs.archive", "mounts[].source",
                                           "seccomp.import"});
}

TEST_CASE("resolve: parents are found next to the file, then on the search path",
          "[unit][resolve]") {
    TempDir dir;
    dir.write("search1/locked.yml", "limits:\n  pids: 1\n");
    dir.write("search2/locked.toml", "[limits]\npids = 2\n");
    dir.write("search2/net.yaml", "network:\n  mode: none\n");
    dir.write("app/net.toml", "[network]\nmode = \"host\"\n");
    std::string child = dir.write("app/web.toml", "extends = [\"locked\", \"net\"]\n");
    Diagnostics d;
    auto merged =
        resolve_file(child, options_with({dir.str() + "/search1", dir.str() + "/search2"}), d);
    INFO(d.str());
    REQUIRE(merged);
    CHECK(at(*merged, {"limits", "pids"}).integer == 1);       // first on the path
    CHECK(at(*merged, {"network", "mode"}).string == "host");  // next to the file first
    CHECK(at(*merged, {"limits", "pids"}).where.file_name() == dir.str() + "/search1/locked.yml");

    // Later parents override earlier ones; the file itself overrides all of them.
    dir.write("app/a.toml", "[limits]\npids = 10\nmemory = \"1G\"\n");
    dir.write("app/b.toml", "[limits]\npids = 20\n");
    std::string c = dir.write("app/c.toml", "extends = [\"a\", \"b\"]\n[limits]\ncpu = 2\n");
    auto m2 = resolve_file(c, options_with({}), d);
    REQUIRE(m2);
    CHECK(at(*m2, {"limits", "pids"}).integer == 20);
    CHECK(at(*m2, {"limits", "memory"}).string == "1G");
    CHECK(at(*m2, {"limits", "cpu"}).integer == 2);
    CHECK(d.empty());
}

TEST_CASE("resolve: extends cycles and missing parents name the chain", "[unit][resolve]") {
    TempDir dir;
    ScopedCwd cwd(dir.path);
    dir.write("a.toml", "extends = \"b.toml\"\n");
    dir.write("b.toml", "version = 1\nextends = \"c\"\n");
    dir.write("c.yaml", "extends: [a.toml]\n");
    Diagnostics d;
    CHECK_FALSE(resolve_file("a.toml", options_with({"nowhere"}), d));
    CHECK(d.str() == "c.yaml:1:11: extends[0]: extends cycle: a.toml → b.toml → c.yaml → a.toml\n");

    dir.write("self.toml", "extends = \"self\"\n");
    Diagnostics d2;
    CHECK_FALSE(resolve_file("self.toml", options_with({"nowhere"}), d2));
    CHECK(d2.str() == "self.toml:1:11: extends: extends cycle: self.toml → self.toml\n");

    dir.write("m1.toml", "extends = \"m2\"\n");
    dir.write("m2.toml", "extends = [\"m3\", \"missing\"]\n");
    dir.write("m3.toml", "");
    Diagnostics d3;
    CHECK_FALSE(resolve_file("m1.toml", options_with({"nowhere"}), d3));
    CHECK(d3.str() ==
          "m2.toml:1:18: extends[1]: cannot find profile 'missing' (extends chain: m1.toml → "
          "m2.toml → missing)\n  hint: looked next to m2.toml, nowhere\n");

    dir.write("bad.toml", "extends = 5\n");
    Diagnostics d4;
    CHECK_FALSE(resolve_file("bad.toml", options_with({"nowhere"}), d4));
    CHECK(d4.str() ==
          "bad.toml:1:11: extends: expected a profile name or a list of them, got an "
          "integer\n");

    // A diamond is not a cycle.
    dir.write("top.toml", "extends = [\"left\", \"right\"]\n");
    dir.write("left.toml", "extends = \"root\"\n");
    dir.write("right.toml", "extends = \"root\"\n");
    dir.write("root.toml", "version = 1\n");
    Diagnostics d5;
    CHECK(resolve_file("top.toml", options_with({"nowhere"}), d5));
    CHECK(d5.empty());
}

TEST_CASE("resolve: an extends chain is bounded", "[unit][resolve]") {
    TempDir dir;
    for (int i = 0; i < 30; ++i) {
        dir.write("p" + std::to_string(i) + ".toml",
                  "extends = \"p" + std::to_string(i + 1) + "\"\n");
    }
    dir.write("p30.toml", "version = 1\n");
    Diagnostics d;
    CHECK_FALSE(resolve_file((dir.path / "p0.toml").string(), options_with({}), d));
    CHECK(d.str().find("extends chain deeper than 16") != std::string::npos);

    // A fan-out of parents is loaded once each, not exponentially.
    std::string many = "extends = [";
    for (int i = 0; i < 32; ++i) {
        many += "\"f1\",";
    }
    many += "]\n";
    for (int level = 0; level < 12; ++level) {
        std::string text = level == 11 ? "version = 1\n" : many;
        for (size_t pos; (pos = text.find("\"f1\"")) != std::string::npos;) {
            text.replace(pos, 4, "\"g" + std::to_string(level + 1) + "\"");
        }
        dir.write("g" + std::to_string(level) + ".toml", text);
    }
    Diagnostics d2;
    auto start = std::chrono::steady_clock::now();
    CHECK(resolve_file((dir.path / "g0.toml").string(), options_with({}), d2));
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
}

TEST_CASE("resolve: ${env:…}, ${profile_dir} and $${ in every string", "[unit][resolve]") {
    TempDir dir;
    std::string p = dir.write("env.toml", R"(
description = "home=${env:HOME} user=${env:USER_X:-nobody} empty=${env:EMPTY:-dflt} lit=$${env:HOME} $5"
[rootfs]
path = "${profile_dir}/root"
[process]
args = ["${env:HOME}/bin/app"]
env = { K = "${env:EMPTY}x" }
)");
    Diagnostics d;
    auto merged = resolve_file(p, options_with({}, {{"HOME", "/home/u"}, {"EMPTY", ""}}), d);
    INFO(d.str());
    REQUIRE(merged);
    CHECK(at(*merged, {"description"}).string ==
          "home=/home/u user=nobody empty=dflt lit=${env:HOME} $5");
    CHECK(at(*merged, {"rootfs", "path"}).string == dir.str() + "/root");
    CHECK(at(*merged, {"process", "args"}).items[0].string == "/home/u/bin/app");
    CHECK(at(*merged, {"process", "env", "K"}).string == "x");

    SourceLocation where = SourceLocation::in(std::make_shared<const std::string>("f.toml"), 3, 7);
    auto env = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
    struct Bad {
        const char* text;
        const char* error;
    };
    for (const Bad& bad : {
             Bad{"${env:NOPE}",
                 "f.toml:3:7: k: environment variable 'NOPE' is not set\n"
                 "  hint: set it, or give a default: ${env:NOPE:-value}\n"},
             Bad{"${home}", "f.toml:3:7: k: unknown substitution '${home}'\n"},
             Bad{"a ${env:X", "f.toml:3:7: k: unterminated '${' in a string\n"},
             Bad{"${env:1X}",
                 "f.toml:3:7: k: '${env:1X}': '1X' is not an environment variable name\n"},
             Bad{"${env:A:-${env:B}}",
                 "f.toml:3:7: k: '${env:A:-${env:B}': substitutions inside a default are not "
                 "supported\n"},
             Bad{"${env:A-x}",
                 "f.toml:3:7: k: '${env:A-x}': 'A-x' is not an environment variable name\n"},
         }) {
        Diagnostics e;
        INFO(bad.text);
        CHECK_FALSE(interpolate(bad.text, "/d", env, where, "k", e));
        std::string got = e.str();
        // Only the first line is compared where the hint is the generic list of forms.
        if (std::string(bad.error).find("hint") == std::string::npos) {
            got = got.substr(0, got.find('\n') + 1);
        }
        CHECK(got == bad.error);
    }
    // Every failing string is reported, not just the first.
    std::string two = dir.write("two.toml", "a = \"${env:X1}\"\nb = [\"${env:X2}\"]\n");
    Diagnostics d2;
    CHECK_FALSE(resolve_file(two, options_with({}), d2));
    CHECK(d2.size() == 2);
    CHECK(d2.sorted()[1].key_path == "b[0]");
}

TEST_CASE("resolve: command-line overrides, each with its origin", "[unit][resolve]") {
    TempDir dir;
    ScopedCwd cwd(dir.path);
    dir.write("web.toml", R"(version = 1
[process]
args = ["/bin/false"]
env = { A = "1" }
[[mounts]]
type = "bind"
source = "/srv"
target = "/data"
)");
    Overrides o;
    o.set = {"limits.memory=1GiB",        "limits.pids=64",  "mounts[0].readonly=true",
             "process.env.\"X.Y\"=\"q\"", "rootfs.path=img", "mounts[2].target=\"/new\""};
    o.env = {"B=2", "A=one=1", "TERM"};
    o.volumes = {"cache:/cache:ro", "/host:/data"};
    o.command = {"/bin/sh", "-c", "echo hi"};
    o.name = "w1";
    o.timeout = "30s";
    Diagnostics d;
    std::string found;
    auto merged = resolve_profile("web.toml", o, options_with({}), d, &found);
    INFO(d.str());
    REQUIRE(merged);
    CHECK(found == "web.toml");
    const Node& root = *merged;
    CHECK(at(root, {"limits", "memory"}).string == "1GiB");
    CHECK(at(root, {"limits", "memory"}).where.str() == "--set");
    CHECK(at(root, {"limits", "pids"}).integer == 64);
    CHECK(at(root, {"process", "env", "A"}).string == "one=1");
    CHECK(at(root, {"process", "env", "A"}).where.str() == "-e");
    CHECK(at(root, {"process", "env", "B"}).string == "2");
    CHECK(at(root, {"process", "env", "X.Y"}).string == "q");
    CHECK(at(root, {"process", "inherit_env"}).items[0].string == "TERM");
    CHECK(at(root, {"rootfs", "path"}).string == dir.str() + "/img");
    const Node& mounts = at(root, {"mounts"});
    REQUIRE(mounts.items.size() == 3);
    CHECK(at(mounts.items[0], {"source"}).string == "/host");  // -v replaced it by target
    CHECK(at(mounts.items[0], {"source"}).where.str() == "-v");
    CHECK(at(mounts.items[0], {"readonly"}).boolean);  // then --set changed it
    CHECK(at(mounts.items[1], {"source"}).string == dir.str() + "/cache");
    CHECK(at(mounts.items[1], {"readonly"}).boolean);
    CHECK(at(mounts.items[2], {"target"}).string == "/new");
    const Node& args = at(root, {"process", "args"});
    REQUIRE(args.items.size() == 3);
    CHECK(args.items[2].string == "echo hi");
    CHECK(args.where.str() == "--");
    CHECK(at(root, {"name"}).string == "w1");
    CHECK(at(root, {"name"}).where.str() == "--name");
    CHECK(at(root, {"process", "timeout"}).string == "30s");
}

TEST_CASE("resolve: bad overrides are diagnostics naming the option", "[unit][resolve]") {
    TempDir dir;
    ScopedCwd cwd(dir.path);
    dir.write("p.toml", "[process]\nargs = [\"/bin/true\"]\n");
    struct Case {
        Overrides o;
        const char* error;
    };
    auto set = [](std::string s) {
        Overrides o;
        o.set = {std::move(s)};
        return o;
    };
    Overrides bad_v;
    bad_v.volumes = {"/only"};
    Overrides bad_v2;
    bad_v2.volumes = {"/a:/b:rx"};
    Overrides bad_e;
    bad_e.env = {"=x"};
    for (const Case& c : {
             Case{set("limits.memory"),
                  "--set: expected KEY=VALUE, got 'limits.memory'\n"
                  "  hint: for example --set limits.memory=1GiB\n"},
             Case{set("a..b=1"),
                  "--set: malformed key 'a..b'\n  hint: keys are dotted names "
                  "with optional indices, e.g. mounts[0].readonly\n"},
             Case{set("process.args.x=1"),
                  "--set: process.args.x: 'process.args' is an array, not a table\n"
                  "  hint: it was set at p.toml:2:8\n"},
             Case{set("process.args[5]=\"x\""),
                  "--set: process.args[5]: index 5 is out of range ('process.args' has 1 "
                  "entries)\n  hint: use index 1 to append\n"},
             Case{set("process[0]=1"),
                  "--set: process[0]: 'process' is a table, not an array\n"
                  "  hint: it was set at p.toml:1:1\n"},
             Case{bad_v,
                  "-v: mounts: expected SRC:DST[:ro|:rw], got '/only'\n"
                  "  hint: for example -v ./data:/data:ro\n"},
             Case{bad_v2,
                  "-v: mounts: expected SRC:DST[:ro|:rw], got '/a:/b:rx'\n"
                  "  hint: for example -v ./data:/data:ro\n"},
             Case{bad_e,
                  "-e: process.env: expected NAME=VALUE (or NAME to inherit it), got "
                  "'=x'\n"},
         }) {
        Diagnostics d;
        CHECK_FALSE(resolve_profile("p.toml", c.o, options_with({}), d));
        CHECK(d.str() == c.error);
    }
}

TEST_CASE("resolve: the default name is the file's stem", "[unit][resolve]") {
    TempDir dir;
    ScopedCwd cwd(dir.path);
    dir.write("profiles/base.toml", "name = \"base\"\nversion = 1\n");
    dir.write("web-1.yaml", "extends: base\n");
    dir.write("named.toml", "name = \"mine\"\n");
    Diagnostics d;
    auto a = resolve_profile("web-1.yaml", {}, options_with({"profiles"}), d);
    REQUIRE(a);
    CHECK(at(*a, {"name"}).string == "web-1");
    CHECK(at(*a, {"name"}).where.str() == "web-1.yaml");
    auto b = resolve_profile("named.toml", {}, options_with({"profiles"}), d);
    REQUIRE(b);
    CHECK(at(*b, {"name"}).string == "mine");
    CHECK(d.empty());
}

TEST_CASE("resolve: find_profile takes paths and names on the search path", "[unit][resolve]") {
    TempDir dir;
    ScopedCwd cwd(dir.path);
    dir.write("here.toml", "");
    dir.write("sub/x.yml", "");
    dir.write("path1/web.yaml", "");
    dir.write("path2/web.toml", "");
    dir.write("path2/db.toml", "");
    LoadOptions o = options_with({"path1", "path2"});
    Diagnostics d;
    CHECK(find_profile("here.toml", o, d) == "here.toml");
    CHECK(find_profile("./sub/x.yml", o, d) == "sub/x.yml");
    CHECK(find_profile("sub/x", o, d) == "sub/x.yml");
    CHECK(find_profile("web", o, d) == "path1/web.yaml");
    CHECK(find_profile("db", o, d) == "path2/db.toml");
    CHECK(find_profile("db.toml", o, d) == "path2/db.toml");
    CHECK(d.empty());
    CHECK_FALSE(find_profile("nope", o, d));
    CHECK(d.str() == "nope: cannot find profile 'nope'\n  hint: looked in path1, path2\n");
    Diagnostics d2;
    CHECK_FALSE(find_profile("sub/nope.toml", o, d2));
    CHECK(d2.str() == "sub/nope.toml: cannot find profile: no such file\n");
}

TEST_CASE("resolve: the default search path", "[unit][resolve]") {
    const char* old = std::getenv("SANDBOX_PROFILE_PATH");
    std::string saved = old ? old : "";
    ::setenv("SANDBOX_PROFILE_PATH", "/a:/b::/a", 1);
    std::vector<std::string> path = default_search_path();
    if (old) {
        ::setenv("SANDBOX_PROFILE_PATH", saved.c_str(), 1);
    } else {
        ::unsetenv("SANDBOX_PROFILE_PATH");
    }
    REQUIRE(path.size() >= 5);
    CHECK(path[0] == "/a");
    CHECK(path[1] == "/b");
    CHECK(path[2] == "./profiles");
    CHECK(std::find(path.begin(), path.end(), "/etc/sandbox/profiles") != path.end());
    CHECK(std::find(path.begin(), path.end(), std::string(SANDBOX_SOURCE_DIR) + "/profiles") !=
          path.end());
}

TEST_CASE("resolve: load_profile end to end, origins name the file that set each value",
          "[unit][resolve]") {
    TempDir dir;
    ScopedCwd cwd(dir.path);
    dir.write("profiles/base.toml",
              "version = 1\n[process]\nargs = [\"/bin/true\"]\n[rootfs]\nhost = true\n");
    dir.write("web.yaml",
              "extends: base\nprocess:\n  env:\n    A: \"1\"\nmounts:\n  - type: tmpfs\n"
              "    target: /tmp\n");
    Overrides o;
    o.set = {"limits.memory=1G"};
    LoadResult r = load_profile("web.yaml", o, options_with({"profiles"}));
    INFO(r.diagnostics.str());
    REQUIRE(r.profile);
    CHECK(r.diagnostics.empty());
    CHECK(r.path == "web.yaml");
    CHECK(r.profile->name == "web");
    CHECK(r.profile->process.args == std::vector<std::string>{"/bin/true"});
    CHECK(r.profile->rootfs.host);
    REQUIRE(r.merged);
    CHECK(r.origins.at("process.args").str() == "profiles/base.toml:3:8");
    CHECK(r.origins.at("process.env.A").str() == "web.yaml:4:8");
    CHECK(r.origins.at("limits.memory").str() == "--set");
    CHECK(r.origins.at("name").str() == "web.yaml");

    // Any diagnostic means no profile.
    dir.write("broken.toml", "extends = \"base\"\n[limits]\nmemroy = \"1G\"\n");
    LoadResult bad = load_profile("broken.toml", {}, options_with({"profiles"}));
    CHECK_FALSE(bad.profile);
    CHECK(bad.diagnostics.str().find("broken.toml:3:1: limits.memroy") == 0);
}

TEST_CASE("resolve: the same profiles in TOML and YAML resolve and decode identically",
          "[unit][resolve]") {
    TempDir dir;
    ScopedCwd cwd(dir.path);
    dir.write("t/base.toml", R"(version = 1
description = "base"
[process]
args = ["/bin/sh", "-c", "echo $HOME"]
env = { LANG = "C.UTF-8", DEBUG = "false" }
[rootfs]
path = "rootfs"
[[mounts]]
type = "tmpfs"
target = "/tmp"
[limits]
pids = 64
)");
    dir.write("t/web.toml", R"(extends = "base"
[process]
env = { DEBUG = "true", HOME = "${env:HOME:-/root}" }
[[mounts]]
source = "data"
target = "/data"
readonly = true
[limits]
memory = "512MiB"
cpu = 1.5
)");
    dir.write("y/base.yaml", R"(version: 1
description: base
process:
  args: [/bin/sh, -c, "echo $HOME"]
  env: {LANG: C.UTF-8, DEBUG: "false"}
rootfs:
  path: rootfs
mounts:
  - type: tmpfs
    target: /tmp
limits:
  pids: 64
)");
    dir.write("y/web.yml", R"(extends: base
process:
  env:
    DEBUG: "true"
    HOME: ${env:HOME:-/root}
mounts:
  - source: data
    target: /data
    readonly: true
limits:
  memory: 512MiB
  cpu: 1.5
)");
    LoadOptions o = options_with({});
    LoadResult t = load_profile("t/web.toml", {}, o);
    LoadResult y = load_profile("y/web.yml", {}, o);
    INFO(t.diagnostics.str() << y.diagnostics.str());
    REQUIRE(t.profile);
    REQUIRE(y.profile);
    // Paths differ only by the directory each file lives in.
    CHECK(at(*t.merged, {"rootfs", "path"}).string == dir.str() + "/t/rootfs");
    CHECK(at(*y.merged, {"rootfs", "path"}).string == dir.str() + "/y/rootfs");
    for (LoadResult* r : {&t, &y}) {
        r->merged->find("rootfs")->find("path")->string = "rootfs";
        r->merged->find("mounts")->items[1].find("source")->string = "data";
        r->profile->rootfs.path = "rootfs";
        r->profile->mounts[1].source = "data";
    }
    sandbox::test::check_same_tree(*t.merged, *y.merged);
    CHECK(*t.profile == *y.profile);
    CHECK(t.profile->name == "web");
    CHECK(t.profile->process.env.size() == 3);
}

TEST_CASE("resolve: merging long tables and mount lists stays linear", "[unit][resolve]") {
    TempDir dir;
    std::string base = "version = 1\n";
    std::string child = "extends = \"base\"\n";
    for (int i = 0; i < 20000; ++i) {
        base += "[[mounts]]\ntarget = \"/m" + std::to_string(i) + "\"\n";
    }
    for (int i = 10000; i < 30000; ++i) {
        child += "[[mounts]]\ntarget = \"/m" + std::to_string(i) + "/\"\ntype = \"tmpfs\"\n";
    }
    dir.write("base.toml", base);
    std::string c = dir.write("child.toml", child);
    Diagnostics d;
    std::optional<Node> merged;
    double s = sandbox::test::cpu_seconds([&] { merged = resolve_file(c, options_with({}), d); });
    CHECK(s < 3.0);  // CPU time: a busy machine must not fail it, a quadratic merge does
    REQUIRE(merged);
    const Node& mounts = at(*merged, {"mounts"});
    REQUIRE(mounts.items.size() == 30000);
    CHECK(mounts.items[9999].find("type") == nullptr);
    CHECK(at(mounts.items[10000], {"type"}).string == "tmpfs");  // replaced in place
    CHECK(at(mounts.items[29999], {"target"}).string == "/m29999/");
}
