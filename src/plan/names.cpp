#include <cstdio>

#include "plan/plan.hpp"

namespace sandbox::plan {

namespace {

// One row a namespace: its /proc/PID/ns name and its clone flag, as the kernel spells them.
struct NsName {
    NsType type;
    std::string_view proc_name;
    std::string_view clone_flag;
};
constexpr NsName k_namespaces[] = {
    {NsType::user, "user", "CLONE_NEWUSER"},       {NsType::pid, "pid", "CLONE_NEWPID"},
    {NsType::mount, "mnt", "CLONE_NEWNS"},         {NsType::uts, "uts", "CLONE_NEWUTS"},
    {NsType::ipc, "ipc", "CLONE_NEWIPC"},          {NsType::net, "net", "CLONE_NEWNET"},
    {NsType::cgroup, "cgroup", "CLONE_NEWCGROUP"}, {NsType::time, "time", "CLONE_NEWTIME"},
};

const NsName& ns_row(NsType type) {
    for (const NsName& row : k_namespaces) {
        if (row.type == type) {
            return row;
        }
    }
    return k_namespaces[0];  // unreachable: every NsType has a row
}

}  // namespace

std::string_view to_string(NsType type) {
    return ns_row(type).proc_name;
}

std::string_view clone_flag_name(NsType type) {
    return ns_row(type).clone_flag;
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
