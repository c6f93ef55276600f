// cgroup v1: one directory per hierarchy (memory, pids, cpu, cpuacct, ...), each under its own
// mount. Controllers co-mounted in one hierarchy (cpu,cpuacct) share one directory. There is
// no cgroup.kill: killing loops SIGKILL over each hierarchy's cgroup.procs.
#include <unistd.h>

#include <algorithm>

#include "sys/cgroup.hpp"
#include "sys/cgroup_common.hpp"

namespace sandbox::sys {

namespace {

using namespace cgroup_detail;

class CgroupV1 final : public Cgroup {
public:
    CgroupV1(std::map<std::string, std::string> hierarchies, std::string relative)
        : m_hierarchies(std::move(hierarchies)), m_relative(strip_slashes(std::move(relative))) {
        for (const auto& [controller, mount] : m_hierarchies) {
            if (std::find(m_mounts.begin(), m_mounts.end(), mount) == m_mounts.end()) {
                m_mounts.push_back(mount);
            }
        }
    }

    Status create() override {
        std::vector<std::string> made;
        for (const std::string& mount : m_mounts) {
            if (auto r = make_leaf(mount, m_relative); !r) {
                // Undo the leaves of this call only: the EEXIST leaf belongs to someone else.
                for (const std::string& dir : made) {
                    (void)remove_cgroup_dir(dir, parent_levels());
                }
                return r;
            }
            made.push_back(mount + "/" + m_relative);
        }
        return {};
    }

    Status write(const std::string& controller, const std::string& file,
                 const std::string& value) override {
        auto dir = leaf_of(controller);
        if (!dir) {
            return fail_with(ENOENT, "write", file + " = " + value, {},
                             "no v1 hierarchy for controller '" + controller + "'");
        }
        return write_file(*dir, file, value);
    }

    Status enable_controllers(const std::vector<std::string>&) override { return {}; }

    Status attach(pid_t pid) override {
        for (const std::string& dir : dirs()) {
            if (auto r = write_file(dir, "cgroup.procs", std::to_string(pid)); !r) {
                return r;
            }
        }
        return {};
    }

    std::vector<std::string> self_attach_files() const override {
        std::vector<std::string> files;
        for (const std::string& dir : dirs()) {
            files.push_back(dir + "/tasks");
        }
        return files;
    }

    std::optional<Result<UniqueFd>> open_leaf() const override { return std::nullopt; }

    Status kill_all() override {
        for (const std::string& dir : dirs()) {
            if (auto n = kill_procs_once(dir); !n) {
                return tl::unexpected(n.error());
            }
        }
        return {};
    }

    Result<CgroupStats> stats() const override {
        CgroupStats s;
        if (auto dir = leaf_of("memory")) {
            s.memory_current = read_u64(*dir + "/memory.usage_in_bytes").value_or(0);
            m_peak_seen = std::max(m_peak_seen, s.memory_current);
            s.memory_peak = read_u64(*dir + "/memory.max_usage_in_bytes").value_or(m_peak_seen);
            s.oom_kills = oom_kills();
        }
        if (auto dir = leaf_of("cpuacct")) {
            s.cpu_usage_usec = read_u64(*dir + "/cpuacct.usage").value_or(0) / 1000;
        }
        if (auto dir = leaf_of("pids")) {
            s.pids_current = read_u64(*dir + "/pids.current").value_or(0);
        }
        return s;
    }

    uint64_t oom_kills() const override {
        auto dir = leaf_of("memory");
        if (!dir) {
            return 0;
        }
        // The `oom_kill` line exists since Linux 4.13.
        auto text = read_file(*dir + "/memory.oom_control");
        return text ? parse_keyed(*text, "oom_kill").value_or(0) : 0;
    }

    Status remove() override {
        // Fast path: every hierarchy's leaf is already empty (the usual case at exit).
        std::vector<std::string> busy;
        for (const std::string& dir : dirs()) {
            if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) {
                prune_parents(dir, parent_levels());
            } else {
                busy.push_back(dir);
            }
        }
        if (busy.empty()) {
            return {};
        }
        // Kill in every hierarchy first, so no hierarchy's wait is spent on a task another
        // hierarchy's loop has not reached yet.
        (void)kill_all();
        Status first{};
        for (const std::string& dir : busy) {
            if (auto r = remove_cgroup_dir(dir, parent_levels()); !r && first) {
                first = r;
            }
        }
        return first;
    }

    std::vector<std::string> dirs() const override {
        std::vector<std::string> out;
        for (const std::string& mount : m_mounts) {
            out.push_back(mount + "/" + m_relative);
        }
        return out;
    }

    unsigned parent_levels() const override { return parent_levels_of(m_relative); }

private:
    std::optional<std::string> leaf_of(const std::string& controller) const {
        auto it = m_hierarchies.find(controller);
        if (it == m_hierarchies.end()) {
            return std::nullopt;
        }
        return it->second + "/" + m_relative;
    }

    std::map<std::string, std::string> m_hierarchies;
    std::string m_relative;
    std::vector<std::string> m_mounts;  // distinct, in map order
    mutable uint64_t m_peak_seen = 0;
};

}  // namespace

std::unique_ptr<Cgroup> make_cgroup_v1(std::map<std::string, std::string> hierarchies,
                                       std::string relative) {
    return std::make_unique<CgroupV1>(std::move(hierarchies), std::move(relative));
}

}  // namespace sandbox::sys
