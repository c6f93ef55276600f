// The seccomp plan (presets, merge order, notes, cache key) as golden explain text, and the
// OCI / Docker seccomp JSON reader, including its file:line:col errors. No privilege.
#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "plan/describe.hpp"
#include "plan/seccomp_plan.hpp"
#include "plan/seccomp_presets.hpp"
#include "profile/seccomp_import.hpp"
#include "support/golden.hpp"

using namespace sandbox;
using profile::ArgOp;
using profile::SeccompAction;
using profile::SeccompArg;
using profile::SeccompPreset;
using profile::SeccompRule;

namespace {

// Compares with tests/unit/golden/<name>; SANDBOX_UPDATE_GOLDEN=1 rewrites the file instead.
void check_golden(const std::string& name, const std::string& actual) {
    test::check_golden(std::string(SANDBOX_SOURCE_DIR) + "/tests/unit/golden/" + name, actual,
                       "SANDBOX_UPDATE_GOLDEN");
}

// The seccomp step as `sandbox explain` prints it (the step's describe() lines), with the
// no_new_privs line of the default CapsPlan.
std::string explained(const plan::SeccompPlan& s) {
    std::string out;
    for (const std::string& line : plan::describe(s, plan::CapsPlan{}).lines) {
        out += line + "\n";
    }
    return out;
}

const plan::SeccompRuleOp* find_rule(const plan::SeccompPlan& p, const std::string& name,
                                     bool conditional = false) {
    for (const auto& r : p.rules) {
        if (r.syscall == name && r.args.empty() != conditional) {
            return &r;
        }
    }
    return nullptr;
}

size_t count_rules(const plan::SeccompPlan& p, const std::string& name) {
    size_t n = 0;
    for (const auto& r : p.rules) {
        n += r.syscall == name ? 1 : 0;
    }
    return n;
}

plan::HostFacts facts() {
    plan::HostFacts f;
    f.cache_root = "/var/cache/sandbox";
    return f;
}

profile::SeccompImportContext amd64_context(std::vector<std::string> caps = {}) {
    return profile::SeccompImportContext{"amd64", {6, 1}, std::move(caps)};
}

}  // namespace

TEST_CASE("seccomp plan: default preset explained", "[unit][seccomp][explain]") {
    profile::Profile p;
    plan::SeccompPlan s = plan::plan_seccomp(p);
    REQUIRE(s.enabled);
    CHECK(s.default_action == SeccompAction::errno_);
    CHECK(s.default_errno == 1);
    CHECK(s.architectures == std::vector<std::string>{"x86_64"});
    CHECK(s.foreign_arch_action == SeccompAction::kill_process);
    CHECK(s.cache_dir.empty());
    check_golden("seccomp_default.txt", explained(s));
}

TEST_CASE("seccomp plan: the default preset blocks what Docker blocks", "[unit][seccomp]") {
    plan::SeccompPlan s = plan::plan_seccomp(profile::Profile{});
    for (const char* blocked : {"mount",
                                "umount2",
                                "ptrace",
                                "keyctl",
                                "add_key",
                                "request_key",
                                "bpf",
                                "perf_event_open",
                                "userfaultfd",
                                "kexec_load",
                                "kexec_file_load",
                                "init_module",
                                "finit_module",
                                "delete_module",
                                "unshare",
                                "setns",
                                "acct",
                                "lookup_dcookie",
                                "open_by_handle_at",
                                "name_to_handle_at",
                                "swapon",
                                "swapoff",
                                "reboot",
                                "settimeofday",
                                "clock_settime",
                                "adjtimex",
                                "iopl",
                                "ioperm",
                                "pivot_root",
                                "chroot",
                                "quotactl",
                                "fanotify_init",
                                "syslog",
                                "move_mount",
                                "open_tree",
                                "fsopen",
                                "fsmount",
                                "fspick",
                                "mount_setattr",
                                "process_vm_readv",
                                "process_vm_writev",
                                "kcmp",
                                "get_mempolicy",
                                "set_mempolicy",
                                "mbind",
                                "io_uring_setup",
                                "sethostname"}) {
        INFO(blocked);
        CHECK(count_rules(s, blocked) == 0);  // falls to the default: errno EPERM
    }
    for (const char* allowed : {"read", "write", "openat", "execve", "exit_group", "futex", "mmap",
                                "rt_sigreturn", "wait4", "setresuid", "capset", "prctl"}) {
        INFO(allowed);
        const auto* r = find_rule(s, allowed);
        REQUIRE(r != nullptr);
        CHECK(r->action == SeccompAction::allow);
    }
    // clone only without namespace flags; clone3 -> ENOSYS so libc falls back to clone.
    const auto* clone = find_rule(s, "clone", true);
    REQUIRE(clone != nullptr);
    CHECK(find_rule(s, "clone") == nullptr);
    CHECK(plan::describe_rule(*clone) == "clone: allow if arg0 & 0x7e020000 == 0x0");
    const auto* clone3 = find_rule(s, "clone3");
    REQUIRE(clone3 != nullptr);
    CHECK(plan::describe_action(clone3->action, clone3->errno_value) == "errno 38 (ENOSYS)");
    // ioctl allowed except TIOCSTI and TIOCLINUX, compared on the low 32 bits.
    CHECK(count_rules(s, "ioctl") == 3);
    CHECK(count_rules(s, "personality") == 5);
}

TEST_CASE("seccomp plan: strict preset explained", "[unit][seccomp][explain]") {
    profile::Profile p;
    p.seccomp.preset = SeccompPreset::strict;
    plan::SeccompPlan s = plan::plan_seccomp(p, facts());
    CHECK(s.default_action == SeccompAction::kill_process);
    CHECK(s.cache_dir == "/var/cache/sandbox/seccomp");
    check_golden("seccomp_strict.txt", explained(s));
}

TEST_CASE("seccomp plan: preset none is no filter", "[unit][seccomp][explain]") {
    profile::Profile p;
    p.seccomp.preset = SeccompPreset::none;
    plan::SeccompPlan s = plan::plan_seccomp(p, facts());
    CHECK_FALSE(s.enabled);
    CHECK(s.rules.empty());
    CHECK(s.cache_key.empty());
    CHECK(explained(s) == "prctl PR_SET_NO_NEW_PRIVS\n- no filter\n");

    // none + a deny list is a filter again, default allow.
    p.seccomp.deny = {"mount"};
    s = plan::plan_seccomp(p);
    CHECK(s.enabled);
    CHECK(s.default_action == SeccompAction::allow);
    REQUIRE(s.rules.size() == 1);
    CHECK(plan::describe_rule(s.rules[0]) == "mount: errno 1 (EPERM)");
}

TEST_CASE("seccomp plan: custom merge order and notes explained", "[unit][seccomp][explain]") {
    profile::Profile p;
    p.seccomp.preset = SeccompPreset::none;
    p.seccomp.default_action = SeccompAction::errno_;
    p.seccomp.errno_value = 13;  // EACCES
    p.seccomp.imported = {
        SeccompRule{{"read", "write", "getpid", "mount"}, SeccompAction::allow, 1, {}},
        SeccompRule{{"kill"}, SeccompAction::errno_, 3, {}},
    };
    p.seccomp.imported_default = SeccompAction::kill_process;  // ignored: the profile sets one
    p.seccomp.allow = {"kill"};
    p.seccomp.deny = {"mount"};
    p.seccomp.rules = {
        // unconditional: replaces the import's allow for getpid
        SeccompRule{{"getpid"}, SeccompAction::kill_process, std::nullopt, {}},
        // conditional on top of the import's write allow
        SeccompRule{{"write"}, SeccompAction::errno_, 28, {SeccompArg{0, ArgOp::eq, 99, 0}}},
        // conditional allow can never beat the unconditional deny of mount: dropped
        SeccompRule{{"mount"},
                    SeccompAction::allow,
                    std::nullopt,
                    {SeccompArg{3, ArgOp::masked_eq, 0x1, 0x1}}},
    };
    plan::SeccompPlan s = plan::plan_seccomp(p);
    CHECK(s.default_action == SeccompAction::errno_);
    CHECK(s.default_errno == 13);
    check_golden("seccomp_custom.txt", explained(s));
}

TEST_CASE("seccomp plan: allow wins over the preset, deny over allow, rules over both",
          "[unit][seccomp]") {
    profile::Profile p;  // preset default
    p.seccomp.allow = {"mount", "ptrace"};
    p.seccomp.deny = {"ptrace", "uname"};
    p.seccomp.rules = {SeccompRule{{"uname"}, SeccompAction::allow, std::nullopt, {}},
                       SeccompRule{{"ioctl"}, SeccompAction::kill_process, std::nullopt, {}}};
    plan::SeccompPlan s = plan::plan_seccomp(p);
    CHECK(find_rule(s, "mount")->action == SeccompAction::allow);
    CHECK(find_rule(s, "mount")->origin == "seccomp.allow");
    CHECK(find_rule(s, "ptrace")->action == SeccompAction::errno_);
    CHECK(find_rule(s, "ptrace")->origin == "seccomp.deny");
    CHECK(find_rule(s, "uname")->action == SeccompAction::allow);
    CHECK(find_rule(s, "uname")->origin == "seccomp.rules[0]");
    // An unconditional explicit rule replaces all of the preset's ioctl rules.
    CHECK(count_rules(s, "ioctl") == 1);
    CHECK(find_rule(s, "ioctl")->action == SeccompAction::kill_process);
    bool noted = false;
    for (const auto& n : s.notes) {
        noted = noted || n == "ioctl: seccomp.rules[1] replaces the preset default rules";
    }
    CHECK(noted);
}

TEST_CASE("seccomp plan: default action comes from the profile, then the import, then the preset",
          "[unit][seccomp]") {
    profile::Profile p;
    p.seccomp.imported_default = SeccompAction::log;
    p.seccomp.imported_default_errno = 5;
    CHECK(plan::plan_seccomp(p).default_action == SeccompAction::log);
    p.seccomp.default_action = SeccompAction::trap;
    CHECK(plan::plan_seccomp(p).default_action == SeccompAction::trap);
    p.seccomp.default_action.reset();
    p.seccomp.imported_default.reset();
    CHECK(plan::plan_seccomp(p).default_action == SeccompAction::errno_);
}

TEST_CASE("seccomp plan: the cache key follows the rule set and nothing else", "[unit][seccomp]") {
    profile::Profile a;
    profile::Profile b;
    b.name = "other";                     // not part of the filter
    b.capabilities.keep = {"CAP_CHOWN"};  // not part of the filter
    CHECK(plan::plan_seccomp(a).cache_key == plan::plan_seccomp(b).cache_key);
    CHECK(plan::plan_seccomp(a).cache_key.size() == 32);
    b.seccomp.deny = {"uname"};
    CHECK(plan::plan_seccomp(a).cache_key != plan::plan_seccomp(b).cache_key);
    profile::Profile c;
    c.seccomp.errno_value = 13;  // unused: no rule and no default takes it
    CHECK(plan::plan_seccomp(a).cache_key == plan::plan_seccomp(c).cache_key);
    c.seccomp.default_action = SeccompAction::errno_;  // now the default is errno 13
    CHECK(plan::plan_seccomp(a).cache_key != plan::plan_seccomp(c).cache_key);
}

TEST_CASE("seccomp plan: the inputs key changes with every input of the plan", "[unit][seccomp]") {
    // The memo `up` files a plan under (exec/seccomp_memo.hpp) is found by this key: two
    // sections that plan differently must never share it.
    const profile::Seccomp base;
    const std::string key = plan::seccomp_inputs_key(base);
    CHECK(key.size() == 32);
    CHECK(plan::seccomp_inputs_key(profile::Seccomp{}) == key);
    std::vector<std::pair<std::string, profile::Seccomp>> changed;
    auto with = [&](const std::string& what, auto change) {
        profile::Seccomp s = base;
        change(s);
        changed.emplace_back(what, s);
    };
    with("preset", [](auto& s) { s.preset = SeccompPreset::strict; });
    with("default_action", [](auto& s) { s.default_action = SeccompAction::errno_; });
    with("errno", [](auto& s) { s.errno_value = 13; });
    with("allow", [](auto& s) { s.allow = {"ptrace"}; });
    with("deny", [](auto& s) { s.deny = {"uname"}; });
    with("deny order", [](auto& s) { s.deny = {"uname", "getppid"}; });
    with("deny other order", [](auto& s) { s.deny = {"getppid", "uname"}; });
    with("allow vs deny", [](auto& s) { s.allow = {"uname"}; });
    with("rule", [](auto& s) { s.rules = {SeccompRule{{"uname"}, SeccompAction::trap, {}, {}}}; });
    with("rule errno", [](auto& s) {
        s.rules = {SeccompRule{{"uname"}, SeccompAction::trap, 5, {}}};
    });
    with("rule arg", [](auto& s) {
        s.rules = {
            SeccompRule{{"uname"}, SeccompAction::trap, {}, {SeccompArg{0, ArgOp::eq, 1, 0}}}};
    });
    with("rule arg value2", [](auto& s) {
        s.rules = {SeccompRule{
            {"uname"}, SeccompAction::trap, {}, {SeccompArg{0, ArgOp::masked_eq, 1, 2}}}};
    });
    with("imported", [](auto& s) {
        s.imported = {SeccompRule{{"uname"}, SeccompAction::allow, {}, {}}};
    });
    with("imported default", [](auto& s) { s.imported_default = SeccompAction::log; });
    with("imported errno", [](auto& s) { s.imported_default_errno = 38; });
    // Names are length-prefixed: one name "ab" is not the names "a", "b".
    with("one name", [](auto& s) { s.allow = {"ab"}; });
    with("two names", [](auto& s) { s.allow = {"a", "b"}; });
    std::set<std::string> keys{key};
    for (const auto& [what, s] : changed) {
        INFO(what);
        CHECK(keys.insert(plan::seccomp_inputs_key(s)).second);
    }
}

TEST_CASE("seccomp plan: a memo stands for the plan without its rules", "[unit][seccomp]") {
    profile::Profile p;
    p.seccomp.deny = {"uname"};
    plan::SeccompPlan full = plan::plan_seccomp(p, facts());
    REQUIRE(full.enabled);
    CHECK(full.inputs_key == plan::seccomp_inputs_key(p.seccomp));
    CHECK(full.cache_dir == "/var/cache/sandbox/seccomp");
    CHECK_FALSE(full.rules_elided);
    const plan::SeccompMemo memo{full.inputs_key, full.cache_key, full.default_action,
                                 full.default_errno};
    plan::SeccompPlan from_memo = plan::plan_seccomp(p, facts(), memo);
    CHECK(from_memo.rules_elided);
    CHECK(from_memo.rules.empty());
    CHECK(from_memo.notes.empty());
    CHECK(from_memo.enabled == full.enabled);
    CHECK(from_memo.preset == full.preset);
    CHECK(from_memo.default_action == full.default_action);
    CHECK(from_memo.default_errno == full.default_errno);
    CHECK(from_memo.architectures == full.architectures);
    CHECK(from_memo.foreign_arch_action == full.foreign_arch_action);
    CHECK(from_memo.cache_key == full.cache_key);
    CHECK(from_memo.cache_dir == full.cache_dir);
    CHECK(from_memo.inputs_key == full.inputs_key);
    // make_plan takes it from the request, and only with a cache directory to read it from.
    plan::PlanRequest request;
    request.seccomp_memo = &memo;
    CHECK(plan::make_plan(p, facts(), request).seccomp.rules_elided);
    plan::HostFacts no_cache = facts();
    no_cache.cache_root.clear();
    CHECK_FALSE(plan::make_plan(p, no_cache, request).seccomp.rules_elided);
    CHECK_FALSE(plan::make_plan(p, facts()).seccomp.rules_elided);
}

TEST_CASE("seccomp plan: capabilities explained", "[unit][seccomp][explain]") {
    plan::CapsPlan caps{{"CAP_NET_BIND_SERVICE", "CAP_CHOWN"}, {"CAP_NET_BIND_SERVICE"}, true};
    plan::StepDescription d = plan::describe(caps, plan::SecurityPlan{});
    CHECK(d.lines == std::vector<std::string>{"bounding, permitted, effective, inheritable = "
                                              "CAP_NET_BIND_SERVICE,CAP_CHOWN",
                                              "ambient = CAP_NET_BIND_SERVICE"});
    CHECK(d.fields["keep"] == nlohmann::ordered_json({"CAP_NET_BIND_SERVICE", "CAP_CHOWN"}));
    // no_new_privs belongs to the seccomp step, where the executor sets it.
    CHECK(explained(plan::SeccompPlan{}).rfind("prctl PR_SET_NO_NEW_PRIVS\n", 0) == 0);
}

// ---- import -------------------------------------------------------------------------------

TEST_CASE("seccomp import: Docker-format profile with includes and excludes", "[unit][seccomp]") {
    const std::string json = R"({
  "defaultAction": "SCMP_ACT_ERRNO",
  "defaultErrnoRet": 38,
  "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
  "syscalls": [
    {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"},
    {"names": ["ptrace"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "4.8"}},
    {"names": ["newer"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "9.0"}},
    {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
    {"names": ["clone"], "action": "SCMP_ACT_ALLOW",
     "args": [{"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"}],
     "excludes": {"caps": ["CAP_SYS_ADMIN"], "arches": ["s390", "s390x"]}},
    {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64", "x32"]}},
    {"names": ["s390_runtime_instr"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["s390x"]}},
    {"names": ["uname"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13, "comment": "why not"},
    {"name": "getpid", "action": "SCMP_ACT_KILL"}
  ]
})";
    profile::Diagnostics d;
    auto imported = profile::parse_seccomp_import(json, "docker.json", amd64_context(), d);
    INFO(d.str());
    REQUIRE(imported);
    CHECK(d.empty());
    CHECK(imported->default_action == SeccompAction::errno_);
    CHECK(imported->default_errno == 38);
    std::vector<std::string> names;
    for (const auto& r : imported->rules) {
        for (const auto& n : r.names) {
            names.push_back(n);
        }
    }
    CHECK(names == std::vector<std::string>{"read", "write", "ptrace", "clone", "arch_prctl",
                                            "uname", "getpid"});
    CHECK(imported->rules[2].args ==
          std::vector<SeccompArg>{SeccompArg{0, ArgOp::masked_eq, 2114060288, 0}});
    CHECK(imported->rules[4].errno_value == 13u);
    CHECK(imported->rules[5].action == SeccompAction::kill_thread);

    // With CAP_SYS_ADMIN kept: mount is included, the clone restriction excluded.
    profile::Diagnostics d2;
    auto admin =
        profile::parse_seccomp_import(json, "docker.json", amd64_context({"CAP_SYS_ADMIN"}), d2);
    REQUIRE(admin);
    names.clear();
    for (const auto& r : admin->rules) {
        names.push_back(r.names.front());
    }
    CHECK(names ==
          std::vector<std::string>{"read", "ptrace", "mount", "arch_prctl", "uname", "getpid"});
}

TEST_CASE("seccomp import: imported rules merge between preset and allow/deny", "[unit][seccomp]") {
    const std::string json = R"({"defaultAction": "SCMP_ACT_KILL_PROCESS", "syscalls": [
        {"names": ["mount"], "action": "SCMP_ACT_ALLOW"},
        {"names": ["ioctl"], "action": "SCMP_ACT_ERRNO", "errnoRet": 25}]})";
    profile::Diagnostics d;
    auto imported = profile::parse_seccomp_import(json, "x.json", amd64_context(), d);
    REQUIRE(imported);
    profile::Profile p;
    p.seccomp.imported = imported->rules;
    p.seccomp.imported_default = imported->default_action;
    p.seccomp.deny = {"mount"};
    plan::SeccompPlan s = plan::plan_seccomp(p);
    CHECK(s.default_action == SeccompAction::kill_process);
    CHECK(find_rule(s, "mount")->origin == "seccomp.deny");
    REQUIRE(count_rules(s, "ioctl") == 1);
    CHECK(plan::describe_rule(*find_rule(s, "ioctl")) == "ioctl: errno 25 (ENOTTY)");
    CHECK(find_rule(s, "ioctl")->origin == "seccomp.import");
    CHECK(find_rule(s, "read")->origin == "preset default");
}

TEST_CASE("seccomp import: bad JSON is reported at the file's line and column", "[unit][seccomp]") {
    const std::string json =
        "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n"
        "    {\"names\": [\"read\"] \"action\": \"SCMP_ACT_ALLOW\"}\n  ]\n}\n";
    profile::Diagnostics d;
    CHECK_FALSE(profile::parse_seccomp_import(json, "bad.json", amd64_context(), d));
    REQUIRE(d.size() == 1);
    const profile::Diagnostic& e = d.items()[0];
    CHECK(e.where.str() == "bad.json:4:24");
    CHECK(e.key_path == "seccomp.import");
    CHECK(e.str().rfind("bad.json:4:24: seccomp.import: invalid JSON: syntax error while parsing "
                        "object - unexpected string literal",
                        0) == 0);
}

TEST_CASE("seccomp import: bad values are reported where they are written", "[unit][seccomp]") {
    const std::string json =
        "{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\",\n  \"syscalls\": [\n"
        "    {\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},\n"
        "    {\"names\": [\"uname\"],\n     \"action\": \"SCMP_ACT_NOTIFY\"},\n"
        "    {\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\",\n"
        "     \"args\": [{\"index\": 7, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}],"
        " \"extra\": 1}\n  ]\n}\n";
    profile::Diagnostics d;
    CHECK_FALSE(profile::parse_seccomp_import(json, "bad.json", amd64_context(), d));
    CHECK(d.str() ==
          "bad.json:6:16: seccomp.import: syscalls[1].action: action 'SCMP_ACT_NOTIFY' is not "
          "supported (no tracer or notify listener)\n"
          "  hint: one of SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD, "
          "SCMP_ACT_KILL_PROCESS, SCMP_ACT_TRAP, SCMP_ACT_LOG\n"
          "bad.json:8:15: seccomp.import: syscalls[2].args[0]: an argument needs 'index' and 'op'\n"
          "bad.json:8:25: seccomp.import: syscalls[2].args[0].index: argument index must be 0..5\n"
          "bad.json:8:72: seccomp.import: syscalls[2].extra: unknown key 'extra'\n");
}

TEST_CASE("seccomp import: a missing file is reported at the import key", "[unit][seccomp]") {
    profile::Profile p;
    p.seccomp.import = "/nonexistent/seccomp.json";
    profile::Origins origins;
    origins["seccomp.import"] =
        profile::SourceLocation::in(std::make_shared<const std::string>("profile.toml"), 7, 10);
    profile::Diagnostics d;
    profile::load_seccomp_import(p, origins, d);
    CHECK(d.str() ==
          "profile.toml:7:10: seccomp.import: cannot read '/nonexistent/seccomp.json': "
          "No such file or directory\n");
    CHECK(p.seccomp.imported.empty());
}

TEST_CASE("seccomp import: loads a file and fills the profile", "[unit][seccomp]") {
    std::string path = std::string(SANDBOX_SOURCE_DIR) + "/tests/profiles/seccomp/docker-like.json";
    profile::Profile p;
    p.seccomp.import = path;
    profile::Diagnostics d;
    profile::load_seccomp_import(p, {}, d);
    INFO(d.str());
    REQUIRE(d.empty());
    CHECK(p.seccomp.imported_default == SeccompAction::allow);
    REQUIRE(p.seccomp.imported.size() == 2);  // getpid needs CAP_SYS_ADMIN
    plan::SeccompPlan s = plan::plan_seccomp(p);
    CHECK(find_rule(s, "uname")->origin == "seccomp.import");
    CHECK(find_rule(s, "uname")->action == SeccompAction::errno_);
    CHECK(find_rule(s, "uname")->errno_value == 38);
}

TEST_CASE("seccomp import: a misspelt action gets a suggestion, a cut-off file a position",
          "[unit][seccomp]") {
    profile::Diagnostics d;
    CHECK_FALSE(profile::parse_seccomp_import("{\"defaultAction\": \"SCMP_ACT_ALOW\"}", "typo.json",
                                              amd64_context(), d));
    CHECK(d.str() ==
          "typo.json:1:19: seccomp.import: defaultAction: unknown action 'SCMP_ACT_ALOW'\n"
          "  hint: did you mean 'SCMP_ACT_ALLOW'?\n");

    profile::Diagnostics cut;
    CHECK_FALSE(profile::parse_seccomp_import("{\n  \"defaultAction\": ", "cut.json",
                                              amd64_context(), cut));
    REQUIRE(cut.size() == 1);
    CHECK(cut.items()[0].where.str() == "cut.json:2:20");
    CHECK(cut.items()[0].message.find("invalid JSON: syntax error while parsing value - "
                                      "unexpected end of input") == 0);
}
