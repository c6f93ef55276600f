#include "exec/seccomp_memo.hpp"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <sstream>
#include <utility>

#include "profile/enum_names.hpp"

namespace sandbox::exec {

std::optional<SeccompMemoHit> read_seccomp_memo(const std::string& cache_dir,
                                                const std::string& inputs_key) {
    const std::string path = sys::seccomp_cache_file(cache_dir, inputs_key, ".plan");
    if (path.empty()) {
        return std::nullopt;
    }
    auto text = sys::read_cache_text(path);
    if (!text) {
        if (text.error().err() != ENOENT) {
            spdlog::debug("seccomp: ignoring plan memo: {}", text.error().describe());
        }
        return std::nullopt;
    }
    std::istringstream in(*text);
    std::string key;
    std::string action;
    uint32_t errno_value = 0;
    std::string rest;
    in >> key >> action >> errno_value;
    auto parsed = profile::from_name(profile::k_seccomp_action_names, action);
    if (!in || (in >> rest) || !sys::is_seccomp_cache_key(key) || !parsed) {
        spdlog::debug("seccomp: ignoring malformed plan memo {}", path);
        return std::nullopt;
    }
    // The program it names, read here (prepare_seccomp takes it from `up`): a memo is worth
    // nothing without it, since the rules to compile it again are what the memo spares.
    auto program = sys::read_seccomp_cache(sys::seccomp_cache_file(cache_dir, key, ".bpf"));
    if (!program) {
        if (program.error().err() != ENOENT) {
            spdlog::debug("seccomp: ignoring plan memo {}: {}", path, program.error().describe());
        }
        return std::nullopt;
    }
    SeccompMemoHit hit;
    hit.memo.inputs_key = inputs_key;
    hit.memo.cache_key = key;
    hit.memo.default_action = *parsed;
    hit.memo.default_errno = errno_value;
    hit.program = std::move(*program);
    return hit;
}

std::string write_seccomp_memo(const plan::SeccompPlan& plan) {
    // Without a preset the plan is a handful of rules, cheaper than the memo (`up` does not
    // look for one then).
    if (plan.rules_elided || !plan.enabled || plan.preset == "none" || plan.cache_key.empty()) {
        return {};
    }
    const std::string path = sys::seccomp_cache_file(plan.cache_dir, plan.inputs_key, ".plan");
    if (path.empty()) {
        return {};
    }
    const std::string text =
        plan.cache_key + " " +
        std::string(profile::name_of(profile::k_seccomp_action_names, plan.default_action)) + " " +
        std::to_string(plan.default_errno) + "\n";
    if (auto st = sys::write_cache_text(path, text); !st) {
        spdlog::debug("seccomp: cannot file the plan memo: {}", st.error().describe());
        return {};
    }
    return path;
}

}  // namespace sandbox::exec
