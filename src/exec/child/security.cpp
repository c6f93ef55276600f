// Workload steps 16 (capabilities) and 17 (no_new_privs + seccomp), plus the launcher-side
// filter preparation. Ordering constraints: see security.hpp (credentials before
// apply_capabilities, capabilities before seccomp, seccomp last before close_range + execve).
#include "exec/child/security.hpp"

#include <linux/keyctl.h>
#include <spdlog/spdlog.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>

#include "exec/op_record.hpp"
#include "exec/seccomp_memo.hpp"
#include "profile/enum_names.hpp"
#include "sys/caps.hpp"
#include "sys/error.hpp"
#include "sys/landlock.hpp"

namespace sandbox::exec::child {
namespace {

std::vector<int> capability_numbers(const std::vector<std::string>& names) {
    std::vector<int> out;
    out.reserve(names.size());
    for (const std::string& name : names) {
        out.push_back(sys::or_throw(sys::capability_from_name(name)));
    }
    return out;
}

void join_session_keyring() {
    // A new anonymous session keyring: the workload must not see or use the launcher's keys
    // (runc and crun do the same). Kernels without CONFIG_KEYS return ENOSYS: nothing to hide.
    if (::syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, nullptr) < 0 && errno != ENOSYS) {
        throw sys::SysError(errno, "keyctl", "KEYCTL_JOIN_SESSION_KEYRING");
    }
}

}  // namespace

sys::SeccompFilterSpec to_filter_spec(const plan::SeccompPlan& seccomp) {
    sys::SeccompFilterSpec spec;
    spec.default_action = seccomp.default_action;
    spec.default_errno = seccomp.default_errno;
    spec.bad_arch_action = seccomp.foreign_arch_action;
    spec.rules.reserve(seccomp.rules.size());
    for (const plan::SeccompRuleOp& r : seccomp.rules) {
        sys::SeccompRuleSpec rule{r.syscall, r.action, r.errno_value, {}};
        for (const plan::SeccompArgOp& a : r.args) {
            rule.args.push_back(sys::SeccompArgCheck{a.index, a.op, a.value, a.value2});
        }
        spec.rules.push_back(std::move(rule));
    }
    return spec;
}

namespace {

// Test-only (exec/op_record.hpp): the filter as the BPF compiler gets it, in explain's words.
void record_filter(const sys::SeccompFilterSpec& spec) {
    auto action = [](sys::SeccompVerdict v, uint32_t errno_value) {
        return v == sys::SeccompVerdict::errno_
                   ? "errno(" + std::to_string(errno_value) + ")"
                   : std::string(profile::name_of(profile::k_seccomp_action_names, v));
    };
    nlohmann::ordered_json rules = nlohmann::ordered_json::array();
    for (const sys::SeccompRuleSpec& r : spec.rules) {
        nlohmann::ordered_json args = nlohmann::ordered_json::array();
        for (const sys::SeccompArgCheck& a : r.args) {
            args.push_back({{"index", a.index},
                            {"op", profile::name_of(profile::k_arg_op_symbols, a.op)},
                            {"value", a.value},
                            {"value2", a.value2}});
        }
        rules.push_back(
            {{"syscall", r.syscall}, {"action", action(r.action, r.errno_value)}, {"args", args}});
    }
    record_op("seccomp", {{"default_action", action(spec.default_action, spec.default_errno)},
                          {"foreign_arch_action", action(spec.bad_arch_action, 0)},
                          {"rules", rules}});
}

// After a write to the cache, never on a hit that writes nothing: bound the directory
// (sys::prune_seccomp_cache), sparing the files this run has just written. Best effort.
void prune_after_write(const std::string& cache_dir, const std::vector<std::string>& written) {
    std::vector<std::string> spare;
    for (const std::string& path : written) {
        if (!path.empty()) {
            spare.push_back(path.substr(path.rfind('/') + 1));
        }
    }
    if (spare.empty()) {
        return;
    }
    if (auto st = sys::prune_seccomp_cache(cache_dir, sys::k_seccomp_cache_entries, spare); !st) {
        spdlog::debug("seccomp: cache not pruned: {}", st.error().describe());
    }
}

}  // namespace

PreparedSeccomp prepare_seccomp(const plan::SeccompPlan& seccomp,
                                const sys::SeccompProgram& memo_program) {
    using Clock = std::chrono::steady_clock;
    auto start = Clock::now();
    PreparedSeccomp p;
    p.cache_key = seccomp.cache_key;
    if (!seccomp.enabled) {
        return p;
    }
    if (recording_ops()) {
        record_filter(to_filter_spec(seccomp));
    }
    p.cache_file = sys::seccomp_cache_file(seccomp.cache_dir, seccomp.cache_key, ".bpf");
    if (seccomp.rules_elided) {
        // Read and checked with the memo that stood in for the rules (exec/seccomp_memo.cpp).
        if (memo_program.empty()) {
            throw sys::SysError(EINVAL, "seccomp", p.cache_file, {},
                                "a plan without rules and no program for it (a bug)");
        }
        p.program = memo_program;
        p.from_cache = true;
        return p;
    }
    if (!p.cache_file.empty()) {
        auto cached = sys::read_seccomp_cache(p.cache_file);
        if (cached) {
            p.program = std::move(*cached);
            p.from_cache = true;
            // A full plan: no memo was found for it.
            prune_after_write(seccomp.cache_dir, {write_seccomp_memo(seccomp)});
            spdlog::debug(
                "seccomp: cached filter '{}' ({} program(s)) loaded in {} us", p.cache_file,
                p.program.filters.size(),
                std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start)
                    .count());
            return p;
        }
        if (cached.error().err() != ENOENT) {
            spdlog::warn("seccomp: ignoring cache file: {}", cached.error().describe());
        }
    }
    p.program = sys::or_throw(sys::compile_seccomp(to_filter_spec(seccomp)));
    for (const std::string& name : p.program.skipped) {
        spdlog::debug("seccomp: no syscall '{}' on this architecture: rule skipped", name);
    }
    if (!p.cache_file.empty()) {
        if (auto w = sys::write_seccomp_cache(p.cache_file, p.program); !w) {
            spdlog::warn("seccomp: cannot cache the filter: {}", w.error().describe());
        } else {
            prune_after_write(seccomp.cache_dir, {p.cache_file, write_seccomp_memo(seccomp)});
        }
    }
    spdlog::debug(
        "seccomp: filter compiled in {} us",
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start).count());
    return p;
}

void prepare_for_uid_change(const plan::CapsPlan&) {
    // Always, not only when capabilities are kept: apply_capabilities needs CAP_SETPCAP after
    // the uid change to drop the bounding set, even when the keep list is empty.
    sys::or_throw(sys::set_keep_caps(true));
}

void apply_capabilities(const plan::CapsPlan& caps) {
    join_session_keyring();
    std::vector<int> keep = capability_numbers(caps.keep);
    std::vector<int> ambient = capability_numbers(caps.ambient);
    auto explain_eperm = [](sys::Status r) {
        if (!r && r.error().err() == EPERM) {
            const sys::SysError& e = r.error();
            throw sys::SysError(EPERM, e.op(), e.path(), "",
                                "capability not permitted: for a non-root user, "
                                "prepare_for_uid_change must run before setresuid");
        }
        sys::or_throw(std::move(r));
    };

    // After setresuid() to a non-root uid the effective set is empty; with keep-caps the
    // permitted set (CAP_SETPCAP included) survived, so raise it first. As root: no change.
    sys::or_throw(sys::raise_effective_to_permitted());
    // The bounding set first, while CAP_SETPCAP is effective (prctl(2) PR_CAPBSET_DROP).
    explain_eperm(sys::drop_bounding_set_except(keep));
    explain_eperm(sys::set_capability_sets(keep));
    sys::or_throw(sys::set_ambient_capabilities(ambient));
    sys::or_throw(sys::set_keep_caps(false));
}

void apply_landlock(const plan::CapsPlan& caps, const plan::SecurityPlan& security) {
    if (!security.landlock || !security.landlock->enabled) {
        return;
    }
    // No Landlock in the kernel: the planner refused the profile, or dropped Landlock from
    // the plan for best_effort; apply_landlock fails closed (EOPNOTSUPP) if it gets here.
    if (caps.no_new_privileges) {
        sys::or_throw(sys::set_no_new_privs());
    }
    if (auto r = sys::apply_landlock({security.landlock->read, security.landlock->read_write});
        !r) {
        if (r.error().err() == EPERM && !caps.no_new_privileges) {
            throw sys::SysError(EPERM, "landlock_restrict_self", "", "",
                                "security.no_new_privileges = false needs CAP_SYS_ADMIN in "
                                "capabilities.keep for Landlock");
        }
        throw std::move(r.error());
    }
}

void apply_seccomp(const plan::CapsPlan& caps, const plan::SeccompPlan& seccomp,
                   const sys::SeccompProgram* prepared) {
    if (caps.no_new_privileges) {
        sys::or_throw(sys::set_no_new_privs());
    }
    if (!seccomp.enabled) {
        return;
    }
    const sys::SeccompProgram* program = nullptr;
    sys::SeccompProgram compiled;
    if (prepared != nullptr && !prepared->empty()) {
        program = prepared;
    } else if (seccomp.rules_elided) {
        // A plan from the memo has no rules to compile: an empty filter would allow everything.
        throw sys::SysError(EINVAL, "seccomp", {}, {},
                            "a plan without rules and no program for it");
    } else {
        // Never read the cache from here: after pivot_root the path is inside the sandbox.
        compiled = sys::or_throw(sys::compile_seccomp(to_filter_spec(seccomp)));
        program = &compiled;
    }
    if (auto r = sys::install_seccomp(*program); !r) {
        if (r.error().err() == EACCES && !caps.no_new_privileges) {
            throw sys::SysError(EACCES, "seccomp", "SECCOMP_SET_MODE_FILTER", "",
                                "security.no_new_privileges = false needs CAP_SYS_ADMIN in "
                                "capabilities.keep to install a filter");
        }
        throw std::move(r.error());
    }
}

}  // namespace sandbox::exec::child
