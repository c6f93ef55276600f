// `sandbox explain` output: symbolic flags, pipeline order, JSON shape, origins, and golden
// files for a few profiles on made-up cgroup v1 / v2 / hybrid hosts, root and rootless.
// SANDBOX_UPDATE_GOLDEN=1 rewrites the golden files (review the diff before committing).
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "plan/explain.hpp"
#include "plan/plan.hpp"
#include "support/golden.hpp"
#include "unit/plan_fixtures.hpp"

using namespace sandbox;
using namespace sandbox::plan;

namespace {

std::string golden_path(const std::string& name) {
    return std::string(SANDBOX_SOURCE_DIR) + "/tests/unit/golden/" + name;
}

void check_golden(const std::string& name, const std::string& actual) {
    test::check_golden(golden_path(name), actual, "SANDBOX_UPDATE_GOLDEN");
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

profile::Origins made_up_origins() {
    auto parent = std::make_shared<const std::string>("profiles/base.toml");
    auto child = std::make_shared<const std::string>("web.toml");
    profile::Origins o;
    o["limits.memory"] = profile::SourceLocation::in(parent, 12, 10);
    o["mounts[0].target"] = profile::SourceLocation::in(child, 7, 10);
    o["mounts[0].source"] = profile::SourceLocation::in(child, 6, 10);
    o["name"] = profile::SourceLocation::in(child, 1, 8);
    o["process.env.APP_ENV"] = profile::SourceLocation::named("--set");
    return o;
}

size_t index_of_first_profile_mount(const Plan& plan) {
    for (size_t i = 0; i < plan.mounts.size(); ++i) {
        if (plan.mounts[i].origin == "mounts[0]") {
            return i;
        }
    }
    FAIL("no profile mount in the plan");
    return 0;
}

}  // namespace

TEST_CASE("explain: mount flags are spelled symbolically", "[unit][explain]") {
    MountOp op;
    op.kind = MountOpKind::bind;
    op.flags.recursive = true;
    op.flags.readonly = true;
    CHECK(mount_flags_str(op) == "MS_BIND|MS_REC|MS_RDONLY");
    op.flags = {};
    op.kind = MountOpKind::tmpfs;
    op.flags.nosuid = op.flags.nodev = op.flags.noexec = true;
    CHECK(mount_flags_str(op) == "MS_NOSUID|MS_NODEV|MS_NOEXEC");
    op.flags = {};
    op.flags.noatime = op.flags.relatime = op.flags.strictatime = true;
    op.flags.nodiratime = op.flags.nosymfollow = true;
    op.propagation = profile::Propagation::slave;
    CHECK(mount_flags_str(op) ==
          "MS_NOATIME|MS_RELATIME|MS_STRICTATIME|MS_NODIRATIME|MS_NOSYMFOLLOW|MS_SLAVE");
    op = MountOp{};
    op.kind = MountOpKind::symlink;
    CHECK(mount_flags_str(op).empty());
}

TEST_CASE("explain: clone flags name each new namespace", "[unit][explain]") {
    Plan plan = make_plan(test::minimal_profile(), test::facts_v2_rootless());
    CHECK(clone_flags_str(plan.spawn) ==
          "CLONE_NEWUSER|CLONE_NEWPID|CLONE_NEWNS|CLONE_NEWUTS|CLONE_NEWIPC|CLONE_NEWNET|"
          "CLONE_NEWCGROUP");
}

TEST_CASE("explain: one header per step, in pipeline order", "[unit][explain]") {
    std::string text = explain_text(make_plan(test::web_profile(), test::facts_v1_root()));
    std::vector<std::string> headers;
    std::istringstream lines(text);
    std::string line;
    std::getline(lines, line);  // the title
    while (std::getline(lines, line)) {
        if (!line.empty() && line[0] != ' ') {
            headers.push_back(line.substr(0, line.find(' ')));
        }
    }
    CHECK(headers == std::vector<std::string>{"state", "rootfs", "cgroup", "spawn", "id_maps",
                                              "network_host", "identity", "mounts", "pivot_root",
                                              "network_sandbox", "init", "process", "credentials",
                                              "capabilities", "seccomp", "exec"});
    for (const std::string& h : headers) {
        CHECK(step_from_string(h).has_value());
    }
}

TEST_CASE("explain: ops as the executor runs them", "[unit][explain]") {
    std::string v1 = explain_text(make_plan(test::web_profile(), test::facts_v1_root()));
    CHECK(contains(v1, "  write memory/memory.limit_in_bytes = 134217728\n"));
    CHECK(contains(v1, "  write memory/memory.memsw.limit_in_bytes = 201326592\n"));
    CHECK(contains(v1, "  mkdir /sys/fs/cgroup/cpu,cpuacct/sandbox/web\n"));
    CHECK(contains(v1,
                   "  bind /srv/data → /work [MS_BIND|MS_REC|MS_RDONLY|MS_NOSUID|MS_NODEV]"
                   " create=like-source (mounts[0])\n"));
    CHECK(contains(v1,
                   "  tmpfs tmpfs → /tmp [MS_NOSUID|MS_NODEV|MS_NOEXEC] "
                   "\"size=67108864,mode=1777\" create=dir (mounts[1])\n"));
    CHECK(contains(v1, "  dev_node /dev/null → /dev/null [MS_BIND] create=file"));
    CHECK(contains(v1, "  symlink /dev/ptmx → pts/ptmx (default /dev/ptmx)\n"));
    CHECK(contains(v1, "  rename sbp-web-"));
    CHECK(contains(v1, "  route -4 default via 10.88.0.1 dev eth0\n"));
    CHECK(contains(v1, "  setenv PATH=/usr/local/sbin:"));
    CHECK(contains(v1, "  execve [\"/usr/bin/httpd\", \"-f\", \"-p\", \"80\"]\n"));
    std::string v2 = explain_text(make_plan(test::web_profile(), test::facts_v2_root()));
    CHECK(contains(v2, "  write memory.max = 134217728\n"));
    CHECK(contains(v2, "  write cpu.max = 50000 100000\n"));
    CHECK(contains(v2, "attach: clone3(CLONE_INTO_CGROUP)"));
}

TEST_CASE("explain: notes are printed under their step", "[unit][explain]") {
    profile::Profile p = test::minimal_profile();
    p.limits.pids = 10;
    std::string text = explain_text(make_plan(p, test::facts_v1_rootless()));
    CHECK(contains(text, "cgroup (v1)\n  ! error: [limits] cannot be enforced rootless"));
}

TEST_CASE("explain: json has the same steps as an object", "[unit][explain]") {
    Plan plan = make_plan(test::web_profile(), test::facts_hybrid_root());
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(explain_json(plan));
    CHECK(j["sandbox"] == "web");
    CHECK(j["valid"] == true);
    std::vector<std::string> keys;
    for (const auto& item : j["steps"].items()) {
        keys.push_back(item.key());
    }
    CHECK(keys == std::vector<std::string>{"state", "rootfs", "cgroup", "spawn", "id_maps",
                                           "network_host", "identity", "mounts", "pivot_root",
                                           "network_sandbox", "init", "process", "credentials",
                                           "capabilities", "seccomp", "exec"});
    CHECK(j["steps"]["cgroup"]["version"] == "v1");
    CHECK(j["steps"]["cgroup"]["host_version"] == "hybrid");
    CHECK(j["steps"]["mounts"]["ops"].size() == plan.mounts.size());
    CHECK(j["steps"]["mounts"]["ops"][0]["flags"] == "MS_REC|MS_PRIVATE");
    CHECK(j["steps"]["network_host"]["host_addresses"][0] == "10.88.0.1/24");
    CHECK_FALSE(j.contains("origins"));
}

TEST_CASE("explain: --origin names the file and line of each value", "[unit][explain]") {
    profile::Origins origins = made_up_origins();
    ExplainOptions options;
    options.profile_path = "web.toml";
    options.origins = &origins;
    Plan plan = make_plan(test::web_profile(), test::facts_v2_root());
    std::string text = explain_text(plan, options);
    CHECK(contains(text, "sandbox \"web\" from web.toml\n"));
    CHECK(contains(text, "\norigins\n"));
    CHECK(contains(text, "  limits.memory        profiles/base.toml:12:10\n"));
    CHECK(contains(text, "  process.env.APP_ENV  --set\n"));
    CHECK(contains(text, "(mounts[0]) @ web.toml:7:10\n"));
    nlohmann::json j = nlohmann::json::parse(explain_json(plan, options));
    CHECK(j["origins"]["limits.memory"] == "profiles/base.toml:12:10");
    CHECK(j["steps"]["mounts"]["ops"][index_of_first_profile_mount(plan)]["written_at"] ==
          "web.toml:7:10");
}

// ---- golden files ----------------------------------------------------------------------------
TEST_CASE("explain: golden web profile on v1, v2 and hybrid, root and rootless",
          "[unit][explain]") {
    profile::Profile web = test::web_profile();
    check_golden("web_v1_root.txt", explain_text(make_plan(web, test::facts_v1_root())));
    check_golden("web_v2_root.txt", explain_text(make_plan(web, test::facts_v2_root())));
    check_golden("web_hybrid_root.txt", explain_text(make_plan(web, test::facts_hybrid_root())));
    check_golden("web_v2_rootless.txt", explain_text(make_plan(web, test::facts_v2_rootless())));
    check_golden("web_v1_rootless.txt", explain_text(make_plan(web, test::facts_v1_rootless())));
    check_golden("web_v2_root.json", explain_json(make_plan(web, test::facts_v2_root())));
}

TEST_CASE("explain: golden host-mode tool profile, root and rootless", "[unit][explain]") {
    profile::Profile tool = test::host_tool_profile();
    check_golden("tool_hybrid_root.txt", explain_text(make_plan(tool, test::facts_hybrid_root())));
    check_golden("tool_v2_rootless.txt", explain_text(make_plan(tool, test::facts_v2_rootless())));
    check_golden("tool_v1_rootless.json", explain_json(make_plan(tool, test::facts_v1_rootless())));
}

TEST_CASE("explain: golden minimal profile with origins", "[unit][explain]") {
    profile::Origins origins = made_up_origins();
    ExplainOptions options;
    options.profile_path = "box.toml";
    options.origins = &origins;
    Plan plan = make_plan(test::minimal_profile("box"), test::facts_v2_root());
    check_golden("box_v2_root_origin.txt", explain_text(plan, options));
}

// ---- the command ------------------------------------------------------------------------------
namespace {

struct CommandResult {
    int status = -1;
    std::string out;
};

// Runs a shell command line (test-only) and captures its stdout (add 2>&1 for stderr).
CommandResult run_command(const std::string& command) {
    CommandResult r;
    FILE* pipe = popen(command.c_str(), "r");
    REQUIRE(pipe != nullptr);
    char buf[4096];
    size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) {
        r.out.append(buf, n);
    }
    int status = pclose(pipe);
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

std::string sandbox_bin() {
    const char* bin = std::getenv("SANDBOX_BIN");
    return bin ? bin : std::string(SANDBOX_BINARY_DIR) + "/sandbox";
}

std::string write_temp(const std::string& name, const std::string& text) {
    std::string dir = std::string(SANDBOX_BINARY_DIR) + "/test-explain";
    std::string mkdir = "mkdir -p '" + dir + "/base'";
    REQUIRE(std::system(mkdir.c_str()) == 0);
    std::string path = dir + "/" + name;
    std::ofstream(path) << text;
    return path;
}

}  // namespace

TEST_CASE("explain: the command prints the plan with overrides and origins", "[unit][explain]") {
    write_temp("base/base.toml", "version = 1\n[limits]\nmemory = \"256MiB\"\n");
    std::string path = write_temp("child.toml",
                                  "version = 1\n"
                                  "name = \"child\"\n"
                                  "extends = \"base/base.toml\"\n"
                                  "[rootfs]\n"
                                  "path = \"/srv/rootfs\"\n"
                                  "[process]\n"
                                  "args = [\"/bin/true\"]\n");
    CommandResult r = run_command(sandbox_bin() + " explain '" + path +
                                  "' --origin -e FOO=bar --name other -- /bin/echo hi 2>&1");
    INFO(r.out);
    CHECK(r.status == 0);
    CHECK(contains(r.out, "sandbox \"other\" from "));
    CHECK(contains(r.out, "  setenv FOO=bar\n"));
    CHECK(contains(r.out, "  execve [\"/bin/echo\", \"hi\"]\n"));
    // The memory limit was written in the parent file, line 3 column 10.
    CHECK(contains(r.out, "base/base.toml:3:10\n"));

    r = run_command(sandbox_bin() + " explain '" + path + "' --format json");
    CHECK(r.status == 0);
    nlohmann::json j = nlohmann::json::parse(r.out);
    CHECK(j["sandbox"] == "child");
    CHECK(j["steps"]["exec"]["args"][0] == "/bin/true");
}

TEST_CASE("explain: a bad profile prints diagnostics and exits 125", "[unit][explain]") {
    std::string path = write_temp("bad.toml",
                                  "version = 1\n[rootfs]\npath = \"/srv/rootfs\"\n"
                                  "[limits]\nmemroy = \"1G\"\n");
    CommandResult r = run_command(sandbox_bin() + " explain '" + path + "' 2>&1");
    CHECK(r.status == 125);
    CHECK(contains(r.out, "bad.toml:5:1: limits.memroy: "));
    CHECK(contains(r.out, "did you mean 'limits.memory'?"));
}

// ---- one description per step (issue 9) -------------------------------------------------------
namespace {

// The lines under each step header of explain's text ("  " stripped, notes left out).
std::map<std::string, std::vector<std::string>> text_lines_by_step(const std::string& text) {
    std::map<std::string, std::vector<std::string>> out;
    std::istringstream in(text);
    std::string line, step;
    std::getline(in, line);  // sandbox "name"
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '!') {
            continue;
        }
        if (line.rfind("  ", 0) != 0) {
            step = line.substr(0, line.find(' '));
            out[step];
            continue;
        }
        if (line.rfind("  ! ", 0) != 0) {
            out[step].push_back(line.substr(2));
        }
    }
    return out;
}

}  // namespace

TEST_CASE("explain: text and json render the same step descriptions", "[unit][explain]") {
    for (const HostFacts& facts : {test::facts_v1_root(), test::facts_v2_root(),
                                   test::facts_v2_rootless(), test::facts_hybrid_root()}) {
        Plan plan = make_plan(test::web_profile(), facts);
        auto text = text_lines_by_step(explain_text(plan));
        nlohmann::ordered_json j = nlohmann::ordered_json::parse(explain_json(plan));
        size_t compared = 0;
        for (const auto& [step, value] : j["steps"].items()) {
            std::vector<std::string> lines = value["lines"];
            if (lines.empty()) {
                CHECK(text.count(step) == 0);
                continue;
            }
            INFO("step " << step);
            CHECK(text.at(step) == lines);
            ++compared;
        }
        CHECK(compared >= 15);
    }
}

TEST_CASE("explain: the json seccomp step has the foreign-ABI action and the merge notes",
          "[unit][explain]") {
    profile::Profile p = test::minimal_profile();
    p.seccomp.allow = {"ptrace"};
    p.seccomp.deny = {"ptrace"};  // deny replaces allow: a merge note
    Plan plan = make_plan(p, test::facts_v2_root());
    REQUIRE_FALSE(plan.seccomp.notes.empty());
    nlohmann::ordered_json s =
        nlohmann::ordered_json::parse(explain_json(plan))["steps"]["seccomp"];
    CHECK(s["foreign_arch_action"] == "kill_process");
    CHECK(s["merge_notes"] == nlohmann::ordered_json(plan.seccomp.notes));
    CHECK(s["rules"][0].contains("origin"));
    std::string text = explain_text(plan);
    CHECK(contains(text, "other ABIs (x86 int 0x80, x32): kill_process"));
    CHECK(contains(text, "note: " + plan.seccomp.notes[0]));
}

TEST_CASE("explain: the state step shows the sandbox's entries and the shared new-root dir",
          "[unit][explain]") {
    Plan plan = make_plan(test::minimal_profile("box"), test::facts_v2_root());
    CHECK(plan.state.new_root_mode == 0711);
    CHECK(plan.pivot.new_root == plan.state.new_root_dir);
    std::string text = explain_text(plan);
    CHECK(contains(text, "lock " + plan.state.root + "/box@lock, record " + plan.state.root +
                             "/box@state.json\n"));
    CHECK(contains(text, "mkdir " + plan.state.root + "/newroot (0711) if missing"));
    CHECK_FALSE(contains(text, "(0700)"));
}

TEST_CASE("explain: setgroups says what the credentials step applies", "[unit][explain]") {
    profile::Profile p = test::minimal_profile();
    p.process.user = "nobody";
    Plan plan = make_plan(p, test::facts_v2_root());
    CHECK(plan.process.groups == ProcessPlan::Groups::user_memberships);
    std::string text = explain_text(plan);
    CHECK(contains(text, "setgroups <the groups the sandbox's /etc/group lists nobody in>"));
    CHECK(contains(text, "setresgid <primary group of nobody>\n"));
    CHECK_FALSE(contains(text, "setgroups []"));

    p.process.user.reset();
    p.process.group = "users";
    CHECK(make_plan(p, test::facts_v2_root()).process.groups == ProcessPlan::Groups::cleared);
    CHECK(contains(explain_text(make_plan(p, test::facts_v2_root())), "setgroups []\n"));

    p.process.supplementary_groups = {"audio"};
    CHECK(make_plan(p, test::facts_v2_root()).process.groups == ProcessPlan::Groups::listed);
    // Rootless, a directly written gid_map denies setgroups: the step does not call it.
    Plan rootless = make_plan(p, test::facts_v2_rootless());
    REQUIRE(rootless.id_maps.deny_setgroups);
    CHECK(rootless.process.groups == ProcessPlan::Groups::denied);
    CHECK(contains(explain_text(rootless), "- setgroups denied in this user namespace\n"));
    CHECK_FALSE(contains(explain_text(rootless), "setgroups audio"));

    p = test::minimal_profile();
    CHECK(make_plan(p, test::facts_v2_root()).process.groups == ProcessPlan::Groups::unchanged);
}

TEST_CASE("explain: a joined pid namespace is entered by the launcher, not a middle process",
          "[unit][explain]") {
    profile::Profile p = test::minimal_profile();
    p.namespaces.pid = {profile::NamespaceSetting::Mode::join_pid, {}, 1234, {}};
    p.namespaces.ipc = {profile::NamespaceSetting::Mode::join_path, {}, 0, "/run/ns/ipc"};
    std::string text = explain_text(make_plan(p, test::facts_v2_root()));
    CHECK_FALSE(contains(text, "intermediate process"));
    CHECK(contains(text, "launcher: setns pid /proc/1234/ns/pid around clone3"));
    CHECK(contains(text, "child: setns ipc /run/ns/ipc\n"));
}

TEST_CASE("explain: network sysctls and the address pool are shown", "[unit][explain]") {
    profile::Profile p = test::minimal_profile();
    p.network.mode = profile::NetworkMode::veth;
    p.network.sysctls = {{"net.ipv4.tcp_syncookies", "0"}};
    HostFacts facts = test::facts_v2_root();
    facts.address_pool4 = "10.77.0.0/16";
    facts.address_pool4_origin = "SANDBOX_ADDRESS_POOL";
    Plan plan = make_plan(p, facts);
    REQUIRE(plan.network_host.pool_v4);
    std::string text = explain_text(plan);
    CHECK(contains(text, "lease a /30 from 10.77.0.0/16 (SANDBOX_ADDRESS_POOL) in " +
                             facts.state_root + "/ip-pool"));
    CHECK(contains(text, "write /proc/sys/net/ipv4/ping_group_range = \"0 2147483647\"\n"));
    CHECK(contains(text, "write /proc/sys/net/ipv4/tcp_syncookies = \"0\"\n"));
    nlohmann::ordered_json j = nlohmann::ordered_json::parse(explain_json(plan))["steps"];
    CHECK(j["network_host"]["address_pools"][0]["pool"] == "10.77.0.0/16");
    CHECK(j["network_host"]["address_pools"][0]["subnet_prefix"] == 30);
    CHECK(j["network_sandbox"]["sysctls"].size() == 2);
}

TEST_CASE("plan: how the child enters its cgroup is decided by the planner", "[unit][explain]") {
    profile::Profile p = test::minimal_profile();
    p.limits.pids = 16;  // something that needs a cgroup
    CHECK(make_plan(p, test::facts_v2_root()).cgroup.attach ==
          CgroupPlan::Attach::clone_into_cgroup);
    CHECK(make_plan(p, test::facts_v1_root()).cgroup.attach == CgroupPlan::Attach::child_writes);
    HostFacts old_kernel = test::facts_v2_root();
    old_kernel.kernel.clone_into_cgroup = false;
    Plan plan = make_plan(p, old_kernel);
    CHECK(plan.cgroup.attach == CgroupPlan::Attach::child_writes);
    CHECK(plan.spawn.unshare_cgroup_after_attach);
    CHECK(contains(explain_text(plan), "attach: the child writes 0 into cgroup.procs"));
}
