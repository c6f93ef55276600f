#pragma once
// Read-only probes that fill plan::HostFacts: cgroup layout (v1 / v2 / hybrid), the caller's
// ids and subordinate id ranges, the state and cache roots. Changes nothing on the system.
#include <string>

#include "plan/host_facts.hpp"

namespace sandbox::exec {

plan::HostFacts probe_host();

// Once per run, from probe_host: which of the kernel features above the floor exist
// (docs/architecture.md "Kernel floor"); plan/kernel_plan.cpp decides what follows.
plan::KernelFeatures probe_kernel();

// uname -r ("" when uname fails): what the profile loader judges seccomp.import's minKernel by
// (profile::LoadOptions::kernel_release).
std::string kernel_release();

}  // namespace sandbox::exec
