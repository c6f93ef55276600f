#include <cstdio>

#include "plan/plan.hpp"

namespace sandbox::plan {

std::string_view to_string(NsType type) {
    switch (type) {
        case NsType::user:
            return "user";
        case NsType::pid:
            return "pid";
        case NsType::mount:
            return "mnt";
        case NsType::uts:
            return "uts";
        case NsType::ipc:
            return "ipc";
        case NsType::net:
            return "net";
        case NsType::cgroup:
            return "cgroup";
        case NsType::time:
            return "time";
    }
    return "unknown";
}

std::string unique_sandbox_name(std::string_view stem, uint32_t random) {
    constexpr size_t k_max_name = 64;
    constexpr size_t k_suffix = 5;  // "-" and four hex digits
    std::string out(stem.substr(0, k_max_name - k_suffix));
    char suffix[8];
    std::snprintf(suffix, sizeof suffix, "-%04x", static_cast<unsigned>(random & 0xffffU));
    out += suffix;
    return out;
}

}  // namespace sandbox::plan
