#pragma once
// The built-in seccomp presets ([seccomp] preset = "default" | "strict" | "none") as data.
// Pure: names only; the executor resolves them to numbers for the native architecture.
#include <cstdint>
#include <string_view>
#include <vector>

#include "profile/profile.hpp"

namespace sandbox::plan {

struct SeccompPresetData {
    profile::SeccompAction default_action = profile::SeccompAction::allow;
    uint32_t default_errno = 1;               // EPERM
    std::vector<profile::SeccompRule> rules;  // errno_value always set on errno rules
};

// The preset's rules and default action. `none` is empty with default allow.
const SeccompPresetData& seccomp_preset(profile::SeccompPreset preset);

std::string_view to_string(profile::SeccompPreset preset);

}  // namespace sandbox::plan
