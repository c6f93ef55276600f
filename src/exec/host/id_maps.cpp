// Pipeline step 6, id_maps. After spawn (the user namespace exists only once the child does),
// before network_host and release: the child needs its mapped root to mount, set the hostname
// and configure its network. Written from the parent because only a process with CAP_SETUID
// in the parent user namespace may map more than its own id (user_namespaces(7)). gid_map goes
// first, after "deny" in setgroups when the plan says so (required for an unprivileged map).
#include "exec/host/id_maps.hpp"

#include <spdlog/spdlog.h>

#include <sstream>

#include "exec/op_record.hpp"
#include "sys/fs.hpp"
#include "sys/id_map.hpp"

namespace sandbox::exec::host {

namespace {

// Test-only (exec/op_record.hpp): the maps as the kernel has them.
void record_maps(pid_t child) {
    if (!recording_ops()) {
        return;
    }
    for (const char* which : {"uid_map", "gid_map"}) {
        nlohmann::ordered_json lines = nlohmann::ordered_json::array();
        std::istringstream in(
            sys::read_file("/proc/" + std::to_string(child) + "/" + which).value_or(""));
        uint64_t inside = 0, outside = 0, count = 0;
        while (in >> inside >> outside >> count) {
            lines.push_back({inside, outside, count});
        }
        record_op(which, {{"lines", lines}});
    }
}

std::vector<sys::IdRange> ranges_of(const std::vector<plan::IdMapLine>& lines) {
    std::vector<sys::IdRange> out;
    for (const plan::IdMapLine& l : lines) {
        out.push_back(sys::IdRange{l.inside, l.outside, l.count});
    }
    return out;
}
}  // namespace

IdRangeLease write_id_maps(const plan::IdMapPlan& plan, pid_t child, const std::string& owner,
                           Rollback& rollback) {
    IdRangeLease lease;
    if (!plan.enabled) {
        return lease;
    }
    std::vector<sys::IdRange> uid_ranges = ranges_of(plan.uid_lines);
    std::vector<sys::IdRange> gid_ranges = ranges_of(plan.gid_lines);
    if (const auto& a = plan.auto_range) {
        lease = sys::or_throw(lease_id_range(a->lease_dir, a->uid_pool, a->pool_origin, a->excluded,
                                             a->count, owner));
        rollback.push(UndoKind::release_id_range, lease.path, lease.token);
        uint32_t offset = lease.start - a->uid_pool.start;
        lease.gid_start = a->gid_pool.start + offset;
        uid_ranges = {sys::IdRange{0, lease.start, a->count}};
        gid_ranges = {sys::IdRange{0, a->gid_pool.start + offset, a->count}};
        spdlog::info("id_maps: uid_map auto -> host uids {}..{}, gids {}..{}", lease.start,
                     uint64_t{lease.start} + a->count - 1, a->gid_pool.start + offset,
                     uint64_t{a->gid_pool.start} + offset + a->count - 1);
    }
    if (plan.use_helpers) {
        // Multi-range rootless: the setuid helpers check /etc/subuid and /etc/subgid.
        sys::or_throw(sys::run_id_map_helper("newgidmap", child, gid_ranges));
        sys::or_throw(sys::run_id_map_helper("newuidmap", child, uid_ranges));
        record_maps(child);
        return lease;
    }
    if (plan.deny_setgroups) {
        sys::or_throw(sys::deny_setgroups(child));
    }
    sys::or_throw(sys::write_gid_map(child, gid_ranges));
    sys::or_throw(sys::write_uid_map(child, uid_ranges));
    record_maps(child);
    return lease;
}

}  // namespace sandbox::exec::host
