// The kernel floor (docs/architecture.md "Kernel floor"): each feature newer than what a plan
// can do without is a refusal naming the version; the others fall back. Made-up kernels.
#include <catch2/catch.hpp>
#include <string>

#include "plan/explain.hpp"
#include "plan/plan.hpp"
#include "unit/plan_fixtures.hpp"

using namespace sandbox;
using namespace sandbox::plan;

namespace {

bool has_note(const Plan& p, StepId step, PlanNote::Level level, const std::string& fragment) {
    for (const PlanNote& n : p.notes) {
        if (n.step == step && n.level == level && n.message.find(fragment) != std::string::npos) {
            return true;
        }
    }
    return false;
}

profile::Profile limited() {
    profile::Profile p = test::minimal_profile("box");
    p.limits.memory = profile::Bytes{64ULL << 20};
    p.namespaces.cgroup = profile::NamespaceSetting::new_ns();
    return p;
}

}  // namespace

TEST_CASE("kernel: a kernel with every feature takes the fast paths", "[unit][plan][kernel]") {
    HostFacts f = test::facts_v2_root();
    f.kernel.release = "6.1.0-56-amd64";
    f.landlock_abi = 3;
    Plan plan = make_plan(limited(), f);
    CHECK_FALSE(plan.has_errors());
    CHECK(plan.kernel.clone_into_cgroup);
    CHECK(plan.kernel.close_range_cloexec);
    CHECK_FALSE(plan.spawn.unshare_cgroup_after_attach);  // CLONE_NEWCGROUP goes into clone3
    std::string text = explain_text(plan);
    CHECK_THAT(text, Catch::Contains("attach: clone3(CLONE_INTO_CGROUP)"));
    CHECK_THAT(text, Catch::Contains("kernel 6.1.0-56-amd64 (floor 5.10):"));
    CHECK_THAT(text, Catch::Contains("fds: close_range(CLOSE_RANGE_CLOEXEC)"));
    CHECK_THAT(text, Catch::Contains("Landlock: ABI 3"));
}

TEST_CASE("kernel: before 5.7 the child joins its v2 cgroup itself", "[unit][plan][kernel]") {
    HostFacts f = test::facts_v2_root();
    f.kernel.release = "5.4.0";
    f.kernel.clone_into_cgroup = false;
    Plan plan = make_plan(limited(), f);
    CHECK_FALSE(plan.has_errors());
    CHECK_FALSE(plan.kernel.clone_into_cgroup);
    // The cgroup namespace is unshared after joining, not made by clone3 in the old group.
    CHECK(plan.spawn.unshare_cgroup_after_attach);
    CHECK(
        has_note(plan, StepId::cgroup, PlanNote::Level::info, "CLONE_INTO_CGROUP needs Linux 5.7"));
    std::string text = explain_text(plan);
    CHECK_THAT(text, Catch::Contains("attach: the child writes 0 into cgroup.procs before exec"));
    CHECK_THAT(text, Catch::Contains("after joining the cgroup (cgroup.procs)"));
    // Without a cgroup there is nothing to decide.
    Plan none = make_plan(test::minimal_profile("box"), test::facts_v1_root());
    CHECK(none.kernel.clone_into_cgroup);
}

TEST_CASE("kernel: before 5.11 fds are closed around the sync socket", "[unit][plan][kernel]") {
    HostFacts f = test::facts_v2_root();
    f.kernel.release = "5.10.0-30-amd64";  // the floor itself: Debian 11
    f.kernel.close_range_cloexec = false;
    f.kernel.mount_setattr = false;
    f.landlock_abi = 0;
    Plan plan = make_plan(limited(), f);
    CHECK_FALSE(plan.has_errors());
    CHECK_FALSE(plan.kernel.close_range_cloexec);
    std::string text = explain_text(plan);
    CHECK_THAT(text, Catch::Contains("fds: close_range() around the sync socket"));
    CHECK_THAT(text, Catch::Contains("mount_setattr: missing (not used"));
    CHECK_THAT(text, Catch::Contains("Landlock: not in this kernel"));
}

TEST_CASE("kernel: missing clone3, openat2 or close_range is refused with the version needed",
          "[unit][plan][kernel]") {
    HostFacts f = test::facts_v2_root();
    f.kernel.release = "5.2.0";
    f.kernel.clone3 = false;
    Plan plan = make_plan(test::minimal_profile(), f);
    CHECK(has_note(plan, StepId::spawn, PlanNote::Level::error,
                   "clone3() is missing in Linux 5.2.0: it needs Linux 5.3 or later (sandbox "
                   "supports Linux 5.10 and later)"));
    f = test::facts_v2_root();
    f.kernel.openat2 = false;
    plan = make_plan(test::minimal_profile(), f);
    CHECK(has_note(plan, StepId::mounts, PlanNote::Level::error,
                   "openat2() (RESOLVE_IN_ROOT) is missing in this kernel: it needs Linux 5.6"));
    f = test::facts_v2_root();
    f.kernel.close_range = false;
    f.kernel.close_range_cloexec = false;
    plan = make_plan(test::minimal_profile(), f);
    CHECK(has_note(plan, StepId::exec, PlanNote::Level::error,
                   "close_range() is missing in this kernel: it needs Linux 5.9"));
}

TEST_CASE("kernel: namespaces.time without time namespaces is refused, otherwise ignored",
          "[unit][plan][kernel]") {
    HostFacts f = test::facts_v2_root();
    f.kernel.release = "5.4.0";
    f.kernel.time_namespace = false;
    profile::Profile p = test::minimal_profile();
    CHECK_FALSE(make_plan(p, f).has_errors());  // not asked for: no error
    p.namespaces.time = profile::NamespaceSetting::new_ns();
    Plan plan = make_plan(p, f);
    CHECK(has_note(plan, StepId::spawn, PlanNote::Level::error,
                   "namespaces.time needs time namespaces (Linux 5.6 or later); Linux 5.4.0 has "
                   "none"));
}
