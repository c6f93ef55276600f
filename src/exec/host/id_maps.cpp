// Pipeline step 6, id_maps. After spawn (the user namespace exists only once the child does),
// before network_host and release: the child needs its mapped root to mount, set the hostname
// and configure its network. Written from the parent because only a process with CAP_SETUID
// in the parent user namespace may map more than its own id (user_namespaces(7)). gid_map goes
// first, after "deny" in setgroups when the plan says so (required for an unprivileged map).
#include "exec/host/id_maps.hpp"

#include "sys/id_map.hpp"

namespace sandbox::exec::host {

namespace {
std::vector<sys::IdRange> ranges_of(const std::vector<plan::IdMapLine>& lines) {
    std::vector<sys::IdRange> out;
    for (const plan::IdMapLine& l : lines) {
        out.push_back(sys::IdRange{l.inside, l.outside, l.count});
    }
    return out;
}
}  // namespace

void write_id_maps(const plan::IdMapPlan& plan, pid_t child) {
    if (!plan.enabled) {
        return;
    }
    if (plan.use_helpers) {
        // Multi-range rootless: the setuid helpers check /etc/subuid and /etc/subgid.
        sys::or_throw(sys::run_id_map_helper("newgidmap", child, ranges_of(plan.gid_lines)));
        sys::or_throw(sys::run_id_map_helper("newuidmap", child, ranges_of(plan.uid_lines)));
        return;
    }
    if (plan.deny_setgroups) {
        sys::or_throw(sys::deny_setgroups(child));
    }
    sys::or_throw(sys::write_gid_map(child, ranges_of(plan.gid_lines)));
    sys::or_throw(sys::write_uid_map(child, ranges_of(plan.uid_lines)));
}

}  // namespace sandbox::exec::host
