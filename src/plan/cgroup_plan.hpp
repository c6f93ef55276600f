#pragma once
// [limits] + HostFacts -> CgroupPlan (step 4). Pure: the file names and values are decided
// here for v1 and v2, so both are unit-tested on any host.
#include <cstdint>
#include <vector>

#include "plan/plan.hpp"

namespace sandbox::plan {

// cpu.weight (1..10000) -> v1 cpu.shares (2..262144), the conversion crun and the kernel docs
// use: 2 + (weight - 1) * 262142 / 9999.
uint64_t cpu_weight_to_shares(uint64_t weight);
// io.weight (1..10000) -> v1 blkio.weight (10..1000): 10 + (weight - 1) * 990 / 9999.
uint64_t io_weight_to_blkio(uint64_t weight);
// CPUs (0.5, 2) -> a cfs quota in microseconds per 100000 us period (at least 1000 us).
uint64_t cpu_quota_us(double cpus);
inline constexpr uint64_t k_cpu_period_us = 100000;

// What besides [limits] needs the sandbox's processes in a cgroup.
struct CgroupNeeds {
    bool usage = false;    // the run reports memory peak and cpu time (PlanRequest::usage)
    bool members = false;  // no pid namespace of ours ends every process with the init: cleanup
                           // finds the sandbox's processes by the cgroup and kills them there
    bool namespace_root = false;  // a new cgroup namespace whose workload keeps CAP_SYS_ADMIN
                                  // (it could mount cgroupfs): rooted at a group of its own
};

// Whether the sandbox gets a cgroup at all: for a limit, or for what `needs` asks. The one rule
// plan_cgroup and facts_needed (plan.hpp) both follow.
bool needs_a_cgroup(const profile::Limits& limits, const CgroupNeeds& needs);

// Appends notes (step cgroup) for controllers that are missing or limits that cannot apply.
CgroupPlan plan_cgroup(const profile::Profile& profile, const CgroupNeeds& needs,
                       const HostFacts& facts, std::vector<PlanNote>& notes);

}  // namespace sandbox::plan
