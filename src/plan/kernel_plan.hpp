#pragma once
// HostFacts::kernel -> KernelPlan: which path the launcher takes on a kernel that lacks a
// feature newer than the floor, or a plan error naming the version needed when there is no
// fallback (docs/architecture.md "Kernel floor"). Pure, so every decision is unit-tested with
// made-up kernels.
#include <vector>

#include "plan/plan.hpp"

namespace sandbox::plan {

// The oldest kernel supported (Debian 11). Older ones still run when every feature a plan
// needs is there; each refusal names the feature's own version.
inline constexpr const char* k_kernel_floor = "5.10";

// Reads plan.cgroup and plan.spawn (made first); appends errors and fallback notes.
KernelPlan plan_kernel(const HostFacts& facts, const Plan& plan, std::vector<PlanNote>& notes);

}  // namespace sandbox::plan
