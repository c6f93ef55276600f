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

}  // namespace sandbox::plan
