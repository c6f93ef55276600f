#pragma once
// [seccomp] -> SeccompPlan: preset + imported OCI/Docker rules + allow/deny + [[seccomp.rules]],
// merged into one ordered rule list with a cache key. Pure.
//
// Merge order (later layers win for the system calls they name):
//   1. the preset's rules,
//   2. the imported file's rules replace the preset's rules for each syscall the file names,
//   3. `allow` replaces everything before for its names with an unconditional allow,
//   4. `deny` replaces everything before with an unconditional errno (seccomp.errno),
//   5. [[seccomp.rules]]: for a syscall where one of these rules has no args, they replace
//      everything before; rules that all have args are added to the existing ones.
// default_action: the profile's if set, else the imported file's, else the preset's.
// Then per syscall: of several unconditional rules the most severe one is kept; conditional
// rules that could never win against it are dropped. Every such decision is a `note`.
#include <string>
#include <string_view>

#include "plan/host_facts.hpp"
#include "plan/plan.hpp"

namespace sandbox::plan {

// Without host facts: no BPF cache directory.
SeccompPlan plan_seccomp(const profile::Profile& profile);
// With host facts: cache_dir = seccomp_cache_dir(facts).
SeccompPlan plan_seccomp(const profile::Profile& profile, const HostFacts& facts);
// <facts.cache_root>/seccomp: the BPF cache (and the plan memos beside it); empty without
// a cache root.
std::string seccomp_cache_dir(const HostFacts& facts);
// The plan `memo` was made of, without rules and notes (rules_elided): for a profile whose
// seccomp_inputs_key is memo.inputs_key. Costs no merge (0.2-0.5 ms less for the default
// preset).
SeccompPlan plan_seccomp(const profile::Profile& profile, const HostFacts& facts,
                         const SeccompMemo& memo);
// Hash of everything plan_seccomp reads: the [seccomp] section as decoded and imported, the
// native ABI and the canonical text's format. Equal keys, equal plans -- for one build: the
// presets are compiled in, so a memo's file name also carries the build (exec/seccomp_memo).
std::string seccomp_inputs_key(const profile::Seccomp& seccomp);

std::string_view to_string(profile::SeccompAction action);
std::string_view to_string(profile::ArgOp op);
// kill_process 5 > kill_thread 4 > trap 3 > errno 2 > log 1 > allow 0 (the kernel's precedence).
int severity(profile::SeccompAction action);

// "errno 1 (EPERM)", "allow", "kill_process".
std::string describe_action(profile::SeccompAction action, uint32_t errno_value);
// "clone: allow if arg0 & 0x7e020000 == 0x0".
std::string describe_rule(const SeccompRuleOp& rule);
// What `sandbox explain` shows of the seccomp step: describe(const SeccompPlan&, ...) in
// plan/describe.hpp.

}  // namespace sandbox::plan
