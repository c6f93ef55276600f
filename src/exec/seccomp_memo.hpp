#pragma once
// The seccomp plan memo (docs/performance.md, "session 7"). Planning the default preset --
// ~350 rules expanded, merged per syscall, sorted and hashed into the BPF cache key -- cost
// 0.2-0.5 ms of every `up` of a profile whose filter the BPF cache already holds, and nothing
// of `up` reads those rules once the program is loaded. So `up` files the plan's cache key
// (and its default action, so the plan it stands for is whole but for the rules) under the
// hash of the plan's inputs (plan::seccomp_inputs_key), beside the BPF files:
//
//   <cache_dir>/<inputs_key>-<tag>.plan    "<cache_key> <default action> <errno>\n"
//
// The tag is the BPF cache's (sys::seccomp_cache_tag: libseccomp, sandbox version, build id):
// the presets are compiled in, so no other build may take this build's word for a plan. Trust
// is the BPF cache's too (sys/seccomp.hpp: ours, not group/world-writable, no symlink). A memo
// counts only together with the program it names, loaded and checked here: a memo whose
// program is missing, untrusted or malformed is ignored, the plan made in full, and the
// program compiled and cached again. explain, validate and export never read a memo, and
// test builds recording the executed operations plan in full (the record lists the rules).
#include <optional>
#include <string>

#include "plan/plan.hpp"
#include "sys/seccomp.hpp"

namespace sandbox::exec {

struct SeccompMemoHit {
    plan::SeccompMemo memo;
    sys::SeccompProgram program;  // <cache_key>-<tag>.bpf, read and checked
};

// The memo for `inputs_key` in `cache_dir` and the program it names, both trusted and well
// formed; nullopt otherwise (absent, unreadable, malformed, not ours, program gone).
std::optional<SeccompMemoHit> read_seccomp_memo(const std::string& cache_dir,
                                                const std::string& inputs_key);

// Files the memo of `plan`, a full plan whose program is now in the cache (prepare_seccomp).
// Best effort: a failure is logged at debug level and changes nothing else. Returns the path
// written, or "" when none was.
std::string write_seccomp_memo(const plan::SeccompPlan& plan);

}  // namespace sandbox::exec
