// The record `sandbox up` leaves for `sandbox exec` (exec/exec_record.hpp): it round-trips, and
// it is refused when anyone but its owner could have written it.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "exec/exec_record.hpp"
#include "support/temp_dir.hpp"

using namespace sandbox;
using sandbox::test::TempDir;

namespace {

exec::ExecRecord sample() {
    exec::ExecRecord r;
    r.namespaces = {"user", "pid", "mnt", "cgroup"};
    r.cgroup_version = "v1";
    r.cgroup_path = "sandbox/box";
    r.cgroup_attach_files = {"/sys/fs/cgroup/memory/sandbox/box/tasks"};
    r.user_namespace = true;
    r.deny_setgroups = false;
    r.launcher_groups = {0, 27};
    r.process.cwd = "/tmp";
    r.process.user = "1000";
    r.process.umask = 077;
    r.process.rlimits = {{"nofile", 256, 256}, {"core", 0, std::nullopt}};
    r.env = {"PATH=/usr/bin:/bin", "HOME=/tmp"};
    r.capabilities.keep = {"CAP_NET_BIND_SERVICE"};
    r.capabilities.ambient = {"CAP_NET_BIND_SERVICE"};
    r.capabilities.no_new_privileges = true;
    r.security.landlock = profile::Landlock{true, {"/"}, {"/tmp"}};
    r.seccomp = true;
    r.seccomp_cache_key = "abc";
    return r;
}

}  // namespace

TEST_CASE("exec record: JSON round trip keeps every field", "[unit][exec]") {
    exec::ExecRecord r = sample();
    auto back = exec::parse_exec_record(exec::to_json(r));
    REQUIRE(back);
    CHECK(back->namespaces == r.namespaces);
    CHECK(back->cgroup_version == "v1");
    CHECK(back->cgroup_path == "sandbox/box");
    CHECK(back->cgroup_attach_files == r.cgroup_attach_files);
    CHECK(back->user_namespace);
    CHECK_FALSE(back->deny_setgroups);
    CHECK(back->launcher_groups == r.launcher_groups);
    CHECK(back->process.cwd == "/tmp");
    CHECK(back->process.user == std::optional<std::string>("1000"));
    CHECK_FALSE(back->process.group);
    CHECK(back->process.umask == 077);
    REQUIRE(back->process.rlimits.size() == 2);
    CHECK(back->process.rlimits[1].soft == std::optional<uint64_t>(0));
    CHECK_FALSE(back->process.rlimits[1].hard);
    CHECK(back->env == r.env);
    CHECK(back->capabilities.keep == r.capabilities.keep);
    CHECK(back->capabilities.ambient == r.capabilities.ambient);
    CHECK(back->security.landlock == r.security.landlock);
    CHECK(back->seccomp);

    plan::Plan p = exec::plan_for_exec(*back, {"/bin/id", "-u"});
    CHECK(p.process.args == std::vector<std::string>{"/bin/id", "-u"});
    CHECK(p.process.new_session);
    CHECK(p.process.keep_fds.empty());
    CHECK(p.seccomp.enabled);
    CHECK(p.id_maps.enabled);
    // The credentials step does what `up` did for its workload: user "1000" with setgroups
    // allowed gets that user's memberships (not "no credential change").
    CHECK(p.process.groups == plan::ProcessPlan::Groups::user_memberships);
    exec::ExecRecord denied = *back;
    denied.deny_setgroups = true;
    CHECK(exec::plan_for_exec(denied, {"/bin/true"}).process.groups ==
          plan::ProcessPlan::Groups::denied);

    CHECK_FALSE(exec::parse_exec_record("{\"version\": 2}"));
    CHECK_FALSE(exec::parse_exec_record("not json"));
}

TEST_CASE("exec record: saved 0600 with the filter, refused when writable by others",
          "[unit][exec]") {
    TempDir dir;
    ::chmod(dir.path().c_str(), 0700);
    const plan::StateLocation where{dir.path(), "box"};
    sys::SeccompProgram program;
    program.filters.push_back({sock_filter{0x06, 0, 0, 0x7fff0000}});  // RET ALLOW
    REQUIRE(exec::save_exec_record(where, sample(), program));
    CHECK(exec::exec_record_file(where) == dir.path() + "/box@exec.json");
    CHECK(exec::exec_seccomp_file(where) == dir.path() + "/box@seccomp.bpf");
    struct stat st {};
    REQUIRE(::stat(exec::exec_record_file(where).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(::stat(exec::exec_seccomp_file(where).c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto loaded = exec::load_exec_record(where);
    REQUIRE(loaded);
    CHECK(loaded->cgroup_path == "sandbox/box");
    auto bpf = sys::read_seccomp_cache(exec::exec_seccomp_file(where));
    REQUIRE(bpf);
    CHECK(bpf->filters.size() == 1);

    ::chmod(exec::exec_record_file(where).c_str(), 0620);
    auto refused = exec::load_exec_record(where);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().err() == EPERM);
    // A symlink in its place is not followed.
    ::unlink(exec::exec_record_file(where).c_str());
    REQUIRE(::symlink("/etc/hostname", exec::exec_record_file(where).c_str()) == 0);
    CHECK_FALSE(exec::load_exec_record(where));
}
