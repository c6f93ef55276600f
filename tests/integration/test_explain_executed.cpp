// `explain` shows exactly what `up` runs: every example and shipped profile that can run on
// this machine is run with the executor's operation recording on (SANDBOX_RECORD_OPS,
// exec/op_record.hpp; test builds only) and explained with the same name, command and
// environment; the recorded mounts (the sandbox's own mountinfo), cgroup directories and
// writes, clone flags, id-map lines and seccomp rules must be the ones explain printed.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/privilege.hpp"
#include "support/run_sandbox.hpp"

using namespace sandbox::test;
using Json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::set<std::string> split_flags(const std::string& text) {
    std::set<std::string> out;
    std::istringstream in(text);
    std::string f;
    while (std::getline(in, f, '|')) {
        if (!f.empty()) {
            out.insert(f);
        }
    }
    return out;
}

std::vector<Json> read_records(const std::string& path) {
    std::vector<Json> out;
    std::ifstream in(path);
    std::string line;
    while (std::getline(in, line)) {
        if (!line.empty()) {
            out.push_back(Json::parse(line));
        }
    }
    return out;
}

std::vector<Json> records_of(const std::vector<Json>& records, const std::string& op) {
    std::vector<Json> out;
    for (const Json& r : records) {
        if (r["op"] == op) {
            out.push_back(r);
        }
    }
    return out;
}

// One /proc/self/mountinfo line: mount point, per-mount options, filesystem type.
struct MountEntry {
    std::string point;
    std::set<std::string> options;
    std::string fstype;
};

std::string unescape_octal(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size() &&
            std::isdigit(static_cast<unsigned char>(s[i + 1]))) {
            out += static_cast<char>(std::stoi(s.substr(i + 1, 3), nullptr, 8));
            i += 3;
        } else {
            out += s[i];
        }
    }
    return out;
}

std::vector<MountEntry> parse_mountinfo(const Json& lines) {
    std::vector<MountEntry> out;
    for (const Json& text : lines) {
        std::istringstream in(text.get<std::string>());
        std::vector<std::string> f;
        std::string w;
        while (in >> w) {
            f.push_back(w);
        }
        auto dash = std::find(f.begin(), f.end(), "-");
        if (f.size() < 7 || dash == f.end() || dash + 1 == f.end()) {
            continue;
        }
        MountEntry e;
        e.point = unescape_octal(f[4]);
        std::istringstream opts(f[5]);
        while (std::getline(opts, w, ',')) {
            e.options.insert(w);
        }
        e.fstype = *(dash + 1);
        out.push_back(std::move(e));
    }
    return out;
}

// The topmost mount at `point`, or nullptr.
const MountEntry* mount_at(const std::vector<MountEntry>& mounts, const std::string& point) {
    const MountEntry* found = nullptr;
    for (const MountEntry& m : mounts) {
        if (m.point == point) {
            found = &m;
        }
    }
    return found;
}

bool under(const std::string& path, const std::string& dir) {
    return dir == "/" || path == dir || path.rfind(dir + "/", 0) == 0;
}

// The mounts explain promised against the sandbox's mountinfo: each op's target is a mount
// point with the filesystem and the flags the op names, and every mount point there is one an
// op made (or one brought along by a recursive bind).
void compare_mounts(const Json& steps, const std::vector<MountEntry>& mounts) {
    const Json& ops = steps["mounts"]["ops"];
    std::set<std::string> planned_points;
    std::vector<std::string> recursive_targets;
    for (const Json& op : ops) {
        std::string kind = op["kind"];
        std::string target = op["target"];
        if (kind == "make_private" || kind == "symlink") {
            continue;  // no mount point of its own (propagation; a link)
        }
        if (kind == "bind_root" || kind == "overlay_root" || kind == "tmpfs_root") {
            target = "/";
        }
        planned_points.insert(target);
        if (op["flag_bits"]["recursive"] == true) {
            recursive_targets.push_back(target);
        }
        INFO("mount op " << op.dump());
        const MountEntry* m = mount_at(mounts, target);
        if (m == nullptr) {
            CHECK(op["optional"] == true);  // only an optional op may be skipped
            continue;
        }
        static const std::map<std::string, std::string> fstypes = {
            {"tmpfs", "tmpfs"},     {"proc", "proc"},     {"sysfs", "sysfs"},
            {"devpts", "devpts"},   {"mqueue", "mqueue"}, {"overlay_root", "overlay"},
            {"tmpfs_root", "tmpfs"}};
        if (auto it = fstypes.find(kind); it != fstypes.end() && target != "/") {
            CHECK(m->fstype == it->second);
        }
        std::set<std::string> flags = split_flags(op["flags"]);
        if (kind == "readonly" || kind == "write_file") {
            CHECK(m->options.count("ro") == 1);
        }
        if (kind == "mask") {
            CHECK(m->options.count("ro") == 1);
            continue;  // the /dev/null bind or the empty tmpfs: no other flags promised
        }
        if (target == "/") {
            continue;  // its flags are the pivot_root step's (readonly_root), checked below
        }
        for (const auto& [flag, option] :
             std::map<std::string, std::string>{{"MS_RDONLY", "ro"},
                                                {"MS_NOSUID", "nosuid"},
                                                {"MS_NODEV", "nodev"},
                                                {"MS_NOEXEC", "noexec"}}) {
            if (flags.count(flag)) {
                CHECK(m->options.count(option) == 1);
            }
        }
    }
    if (steps["pivot_root"]["readonly_root"] == true) {
        const MountEntry* root = mount_at(mounts, "/");
        REQUIRE(root != nullptr);
        CHECK(root->options.count("ro") == 1);
    }
    for (const MountEntry& m : mounts) {
        if (planned_points.count(m.point)) {
            continue;
        }
        bool brought_along = std::any_of(recursive_targets.begin(), recursive_targets.end(),
                                         [&](const std::string& t) { return under(m.point, t); });
        INFO("mount point " << m.point << " (" << m.fstype << ") that no plan op made");
        CHECK(brought_along);
    }
}

void compare(const std::string& label, const Json& explained, const std::vector<Json>& records) {
    INFO(label);
    const Json& steps = explained["steps"];

    // cgroup: the directories and the values, in order.
    std::vector<std::string> dirs;
    for (const Json& r : records_of(records, "cgroup_dir")) {
        dirs.push_back(r["path"]);
    }
    CHECK(dirs == steps["cgroup"]["dirs"].get<std::vector<std::string>>());
    Json writes = Json::array();
    for (const Json& r : records_of(records, "cgroup_write")) {
        writes.push_back(
            {{"controller", r["controller"]}, {"file", r["file"]}, {"value", r["value"]}});
    }
    CHECK(writes == steps["cgroup"]["writes"]);

    // spawn: the clone3 flags, CLONE_INTO_CGROUP, the child's unshare of its cgroup namespace.
    auto clones = records_of(records, "clone3");
    REQUIRE(clones.size() == 1);
    CHECK(split_flags(clones[0]["flags"]) == split_flags(steps["spawn"]["clone_flags"]));
    CHECK(clones[0]["into_cgroup"] == (steps["cgroup"]["attach"] == "clone_into_cgroup"));
    CHECK(clones[0]["pid_namespace_joined"] == steps["spawn"]["join_pid_namespace"]);
    CHECK(records_of(records, "unshare").size() ==
          (steps["spawn"]["unshare_cgroup_after_attach"] == true ? 1U : 0U));

    // id maps: the kernel's lines are the planned ones (an "auto" start is leased at run time).
    for (const char* which : {"uid_map", "gid_map"}) {
        auto maps = records_of(records, which);
        if (steps["id_maps"]["enabled"] != true) {
            CHECK(maps.empty());
            continue;
        }
        REQUIRE(maps.size() == 1);
        const Json& planned = steps["id_maps"][which];
        const Json& actual = maps[0]["lines"];
        REQUIRE(actual.size() == planned.size());
        for (size_t i = 0; i < planned.size(); ++i) {
            CHECK(actual[i][0] == planned[i]["inside"]);
            CHECK(actual[i][2] == planned[i]["count"]);
            if (!steps["id_maps"].contains("auto")) {
                CHECK(actual[i][1] == planned[i]["outside"]);
            }
        }
    }

    // seccomp: the rules handed to the BPF compiler are explain's, in its order.
    auto filters = records_of(records, "seccomp");
    const Json& sc = steps["seccomp"];
    if (sc["enabled"] != true) {
        CHECK(filters.empty());
    } else {
        REQUIRE(filters.size() == 1);
        CHECK(filters[0]["default_action"] == sc["default_action"]);
        CHECK(filters[0]["foreign_arch_action"] == sc["foreign_arch_action"]);
        Json planned = Json::array();
        for (const Json& r : sc["rules"]) {
            planned.push_back(
                {{"syscall", r["syscall"]}, {"action", r["action"]}, {"args", r["args"]}});
        }
        CHECK(filters[0]["rules"] == planned);
    }

    // mounts: only with a mount namespace of its own (mountinfo is read after pivot_root).
    auto infos = records_of(records, "mountinfo");
    if (steps["pivot_root"]["enabled"] == true) {
        REQUIRE(infos.size() == 1);
        compare_mounts(steps, parse_mountinfo(infos[0]["lines"]));
    }
}

}  // namespace

TEST_CASE("explain-vs-executed: every example and shipped profile runs what explain shows",
          "[root][fault][explain]") {
    require_root();
    SandboxTest t;
    // The state root is under the test's own directory; a sandbox's mapped root (another host
    // uid) must be able to pass through it to reach the new root, as under /run/sandbox.
    fs::permissions(t.dir().path(), fs::perms(0711));
    std::vector<std::string> profiles;
    for (const char* dir : {"examples", "profiles"}) {
        for (const auto& entry :
             fs::directory_iterator(std::string(SANDBOX_SOURCE_DIR) + "/" + dir)) {
            std::string ext = entry.path().extension();
            if (ext == ".toml" || ext == ".yaml") {
                profiles.push_back(entry.path());
            }
        }
    }
    std::sort(profiles.begin(), profiles.end());
    REQUIRE(profiles.size() >= 10);

    // examples/join-pid joins the pid namespace of a running "unshare-walkthrough": one of that
    // name with a pid namespace and nothing else (the example itself still runs beside it).
    auto base_env = t.env({{"SANDBOX_ROOTFS", test_rootfs()}, {"PWD", t.dir().path()}});
    std::string walk = t.dir() / "walkthrough.toml";
    write_file(walk, "version = 1\nname = \"unshare-walkthrough\"\n[rootfs]\npath = \"" +
                         test_rootfs() + "\"\n[process]\nargs = [\"/bin/sleep\", \"120\"]\n");
    RunResult walkthrough = t.run({"up", "-d", walk}, base_env);
    CHECK(walkthrough.status == 0);

    size_t ran = 0;
    std::vector<std::string> not_runnable;
    int n = 0;
    for (const std::string& path : profiles) {
        std::string name = t.name("x" + std::to_string(n++));
        std::string record = t.dir() / (name + ".ops");
        // The same name, command and environment for both: the plan depends on all three.
        std::vector<std::string> args = {"--name", name, path, "--", "/bin/true"};
        auto env = base_env;
        std::vector<std::string> explain_args = {"explain", "--format", "json"};
        explain_args.insert(explain_args.end(), args.begin(), args.end());
        RunResult explained = t.run(explain_args, env);
        if (explained.status != 0) {
            not_runnable.push_back(path + " (explain: " + explained.err + explained.out + ")");
            continue;
        }
        env["SANDBOX_RECORD_OPS"] = record;
        std::vector<std::string> up_args = {"up"};
        up_args.insert(up_args.end(), args.begin(), args.end());
        RunResult up = t.run(up_args, env);
        if (up.status != 0) {
            // Needs what this machine lacks (a pid to join, a network to reach): not compared.
            not_runnable.push_back(path + " (up exit " + std::to_string(up.status) + ": " + up.err +
                                   ")");
            continue;
        }
        compare(path, Json::parse(explained.out), read_records(record));
        ++ran;
    }
    CHECK(t.run({"down", "unshare-walkthrough"}, base_env).status == 0);
    for (const std::string& s : not_runnable) {
        WARN("not compared: " << s);
    }
    // Most of them must run here; a change that breaks them all must not pass as "skipped".
    CHECK(ran >= profiles.size() - 4);
    CHECK(t.leaks().empty());
}
