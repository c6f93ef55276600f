#pragma once
// Read-only probes that fill plan::HostFacts: cgroup layout (v1 / v2 / hybrid), the caller's
// ids and subordinate id ranges, the state and cache roots. Changes nothing on the system.
#include <string>

#include "plan/host_facts.hpp"

namespace sandbox::exec {

// Everything a plan may read; the costlier facts only as far as `needed` asks (`up` probes
// the rest once the profile says what its plan reads: plan::facts_needed, then
// probe_needed_facts).
plan::HostFacts probe_host(const plan::FactsNeeded& needed = {});

// The state root alone (HostFacts::state_root; what `ps`, `down` and `exec` need): /run/sandbox
// for root, $XDG_RUNTIME_DIR/sandbox or "" for anyone else, $SANDBOX_STATE_ROOT over both.
std::string probe_state_root();

// Adds the facts `needed` asks for to `facts`, a probe_host result that left them out.
void probe_needed_facts(plan::HostFacts& facts, const plan::FactsNeeded& needed);

// Once per run, from probe_host: which of the kernel features above the floor exist
// (docs/architecture.md "Kernel floor"); plan/kernel_plan.cpp decides what follows.
plan::KernelFeatures probe_kernel();

// uname -r ("" when uname fails): what the profile loader judges seccomp.import's minKernel by
// (profile::LoadOptions::kernel_release).
std::string kernel_release();

}  // namespace sandbox::exec
