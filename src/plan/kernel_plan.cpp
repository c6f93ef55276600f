#include "plan/kernel_plan.hpp"

#include <algorithm>
#include <string>

namespace sandbox::plan {

namespace {

std::string this_kernel(const KernelFeatures& k) {
    return k.release.empty() ? std::string("this kernel") : "Linux " + k.release;
}

void refuse(std::vector<PlanNote>& notes, StepId step, const KernelFeatures& k,
            const std::string& what, const char* needs) {
    notes.push_back(PlanNote{step, PlanNote::Level::error,
                             what + " is missing in " + this_kernel(k) + ": it needs Linux " +
                                 needs + " or later (sandbox supports Linux " + k_kernel_floor +
                                 " and later)"});
}

}  // namespace

KernelPlan plan_kernel(const HostFacts& facts, const Plan& plan, std::vector<PlanNote>& notes) {
    const KernelFeatures& k = facts.kernel;
    KernelPlan out;
    out.release = k.release;

    // No fallback: the child is made with clone3 (namespaces and the cgroup fd in one call),
    // mounts into the new root are resolved with openat2(RESOLVE_IN_ROOT) (a symlink in the
    // rootfs must not lead out of it), and no launcher fd may reach the workload.
    if (!k.clone3) {
        refuse(notes, StepId::spawn, k, "clone3()", "5.3");
    }
    if (!k.openat2) {
        refuse(notes, StepId::mounts, k, "openat2() (RESOLVE_IN_ROOT)", "5.6");
    }
    if (!k.close_range) {
        refuse(notes, StepId::exec, k, "close_range()", "5.9");
    }
    const bool new_time_ns = std::any_of(
        plan.spawn.namespaces.begin(), plan.spawn.namespaces.end(), [](const NamespaceOp& op) {
            return op.type == NsType::time && op.action == NamespaceOp::Action::create;
        });
    if (new_time_ns && !k.time_namespace) {
        notes.push_back(PlanNote{StepId::spawn, PlanNote::Level::error,
                                 "namespaces.time needs time namespaces (Linux 5.6 or later); " +
                                     this_kernel(k) + " has none: set namespaces.time = false"});
    }

    // Fallbacks.
    if (plan.cgroup.enabled && plan.cgroup.version == CgroupVersion::v2) {
        out.clone_into_cgroup = k.clone_into_cgroup;
        out.paths.push_back(k.clone_into_cgroup
                                ? "cgroup attach: clone3(CLONE_INTO_CGROUP)"
                                : "cgroup attach: the child writes 0 into the leaf's cgroup.procs "
                                  "(CLONE_INTO_CGROUP needs Linux 5.7)");
        if (!k.clone_into_cgroup) {
            notes.push_back(PlanNote{StepId::cgroup, PlanNote::Level::info,
                                     "CLONE_INTO_CGROUP needs Linux 5.7: the child joins its "
                                     "cgroup itself before exec"});
        }
    }
    out.close_range_cloexec = k.close_range_cloexec;
    if (k.close_range) {
        out.paths.push_back(k.close_range_cloexec ? "fds: close_range(CLOSE_RANGE_CLOEXEC)"
                                                  : "fds: close_range() around the sync socket "
                                                    "(CLOSE_RANGE_CLOEXEC needs Linux 5.11)");
    }
    out.paths.push_back(k.mount_setattr
                            ? "mount_setattr: available (not used: remounts use mount(2))"
                            : "mount_setattr: missing (not used: remounts use mount(2))");
    out.paths.push_back(std::string("time namespaces: ") +
                        (k.time_namespace ? "available" : "missing (Linux 5.6)"));
    if (facts.landlock_abi > 0) {
        out.paths.push_back("Landlock: ABI " + std::to_string(facts.landlock_abi));
    } else if (facts.landlock_abi == 0) {
        out.paths.push_back("Landlock: not in this kernel (Linux 5.13, and in lsm=)");
    }
    return out;
}

}  // namespace sandbox::plan
