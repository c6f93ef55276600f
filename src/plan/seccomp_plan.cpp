// Scaffold, replaced by the security issue (presets, import, cache key).
#include "plan/seccomp_plan.hpp"

namespace sandbox::plan {

SeccompPlan plan_seccomp(const profile::Profile& profile) {
    SeccompPlan out;
    const profile::Seccomp& s = profile.seccomp;
    out.enabled = s.preset != profile::SeccompPreset::none || !s.deny.empty() || !s.rules.empty();
    out.default_action = s.default_action.value_or(profile::SeccompAction::allow);
    out.default_errno = s.errno_value;
    for (const std::string& name : s.deny) {
        out.rules.push_back(SeccompRuleOp{name, profile::SeccompAction::errno_, s.errno_value, {}});
    }
    return out;
}

}  // namespace sandbox::plan
