#include "exec/host/id_ranges.hpp"

#include <algorithm>
#include <cstdio>

#include "exec/host/lease_dir.hpp"

namespace sandbox::exec::host {

namespace {

constexpr const char* k_suffix = ".lease";

// "<start>-<count>.lease" -> the range; nullopt for anything else.
std::optional<plan::SubIdRange> parse_lease_name(const std::string& name) {
    unsigned long start = 0;
    unsigned long count = 0;
    char tail[16] = {};
    if (std::sscanf(name.c_str(), "%lu-%lu%15s", &start, &count, tail) != 3 ||
        std::string(tail) != k_suffix || count == 0 || start > UINT32_MAX || count > UINT32_MAX) {
        return std::nullopt;
    }
    return plan::SubIdRange{static_cast<uint32_t>(start), static_cast<uint32_t>(count)};
}

bool is_id_lease(const std::string& name) {
    return parse_lease_name(name).has_value();
}

std::vector<plan::SubIdRange> ranges_of(const std::vector<LeaseFile>& files) {
    std::vector<plan::SubIdRange> out;
    for (const LeaseFile& f : files) {
        out.push_back(*parse_lease_name(f.name));
    }
    return out;
}

}  // namespace

std::optional<uint32_t> choose_id_range(const plan::SubIdRange& pool, uint32_t count,
                                        std::vector<plan::SubIdRange> taken) {
    if (count == 0) {
        return std::nullopt;
    }
    std::sort(taken.begin(), taken.end(), [](const plan::SubIdRange& a, const plan::SubIdRange& b) {
        return a.start < b.start;
    });
    const uint64_t end = uint64_t{pool.start} + pool.count;
    uint64_t candidate = pool.start;
    // Sorted by start, one pass suffices: each range either lies before the candidate, is in
    // the way (jump past it) or starts after the candidate's block ends (stop looking).
    for (const plan::SubIdRange& t : taken) {
        uint64_t t_end = uint64_t{t.start} + t.count;
        if (t.count == 0 || t_end <= candidate) {
            continue;
        }
        if (t.start >= candidate + count) {
            break;
        }
        candidate = t_end;
    }
    if (candidate + count > end) {
        return std::nullopt;
    }
    return static_cast<uint32_t>(candidate);
}

sys::Result<IdRangeLease> lease_id_range(const std::string& dir, const plan::SubIdRange& pool,
                                         const std::string& pool_origin,
                                         const std::vector<plan::SubIdRange>& excluded,
                                         uint32_t count, const std::string& owner) {
    IdRangeLease lease;
    lease.count = count;
    auto held = take_lease(dir, "id leases", owner, [&](int dir_fd) -> sys::Result<std::string> {
        std::vector<plan::SubIdRange> taken =
            ranges_of(scan_lease_files(dir_fd, true, is_id_lease));
        size_t leased = taken.size();
        taken.insert(taken.end(), excluded.begin(), excluded.end());
        auto start = choose_id_range(pool, count, taken);
        if (!start) {
            return sys::fail_with(ENOSPC, "allocate id range", {}, {},
                                  "no free block of " + std::to_string(count) +
                                      " ids in the pool " + std::to_string(pool.start) + ".." +
                                      std::to_string(uint64_t{pool.start} + pool.count - 1) + " (" +
                                      pool_origin + "): " + std::to_string(leased) +
                                      " held by running sandboxes, " +
                                      std::to_string(excluded.size()) +
                                      " /etc/subuid and /etc/subgid ranges excluded");
        }
        lease.start = *start;
        return std::to_string(*start) + "-" + std::to_string(count) + k_suffix;
    });
    if (!held) {
        return tl::unexpected(held.error());
    }
    static_cast<HeldLease&>(lease) = std::move(*held);
    return lease;
}

sys::Status release_id_range(const std::string& path, const std::string& token) {
    return release_lease(path, token);
}

std::vector<plan::SubIdRange> live_id_leases(const std::string& dir) {
    return ranges_of(live_lease_files(dir, is_id_lease));
}

}  // namespace sandbox::exec::host
