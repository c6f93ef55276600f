// cgroup v2 (unified hierarchy): one leaf directory; controllers are enabled top down through
// cgroup.subtree_control of the root and every parent, then the leaf's files appear.
#include <fcntl.h>

#include <algorithm>
#include <sstream>

#include "sys/cgroup.hpp"
#include "sys/cgroup_common.hpp"

namespace sandbox::sys {

namespace {

using namespace cgroup_detail;

class CgroupV2 final : public Cgroup {
public:
    CgroupV2(std::string root, std::string relative)
        : m_root(std::move(root)),
          m_relative(strip_slashes(std::move(relative))),
          m_leaf(m_root + "/" + m_relative) {}

    Status create() override { return make_leaf(m_root, m_relative); }

    Status write(const std::string&, const std::string& file, const std::string& value) override {
        return write_file(m_leaf, file, value);
    }

    Status enable_controllers(const std::vector<std::string>& controllers) override {
        if (controllers.empty()) {
            return {};
        }
        // Root, then each parent down to (not including) the leaf: a controller can be
        // enabled in a child's subtree_control only once the parent enabled it.
        std::vector<std::string> dirs{m_root};
        std::string walk = m_root;
        std::istringstream parts(m_relative);
        std::string part;
        std::vector<std::string> comps;
        while (std::getline(parts, part, '/')) {
            if (!part.empty()) {
                comps.push_back(part);
            }
        }
        for (size_t i = 0; i + 1 < comps.size(); ++i) {
            walk += "/" + comps[i];
            dirs.push_back(walk);
        }
        for (const std::string& dir : dirs) {
            std::vector<std::string> enabled;
            if (auto text = read_file(dir + "/cgroup.subtree_control")) {
                std::istringstream words(*text);
                std::string w;
                while (words >> w) {
                    enabled.push_back(w);
                }
            }
            // One write per level with every missing controller ("+memory +pids").
            std::string change;
            for (const std::string& c : controllers) {
                if (std::find(enabled.begin(), enabled.end(), c) == enabled.end()) {
                    change += (change.empty() ? "+" : " +") + c;
                }
            }
            if (change.empty()) {
                // Enabled already — but perhaps only just: the kernel shows a new
                // subtree_control before it has made the children's files (memory.max) of
                // the write that set it, and a sandbox starting beside ours then finds
                // memory.max missing (ENOENT, seen with 8 concurrent runs on 6.1). Writing
                // takes the cgroup mutex, so it returns only once that write is complete.
                // Its error is ignored: the read says the controllers are there, and a
                // delegated root may be readable but not ours to write.
                std::string again;
                for (const std::string& c : controllers) {
                    again += (again.empty() ? "+" : " +") + c;
                }
                (void)write_file(dir, "cgroup.subtree_control", again);
                continue;
            }
            if (auto r = write_file(dir, "cgroup.subtree_control", change); !r) {
                return r;
            }
        }
        return {};
    }

    Status attach(pid_t pid) override {
        return write_file(m_leaf, "cgroup.procs", std::to_string(pid));
    }

    std::vector<std::string> self_attach_files() const override {
        return {m_leaf + "/cgroup.procs"};
    }

    std::optional<Result<UniqueFd>> open_leaf() const override {
        UniqueFd fd(::open(m_leaf.c_str(), O_DIRECTORY | O_PATH | O_CLOEXEC));
        if (!fd) {
            return Result<UniqueFd>(fail("open", m_leaf));
        }
        return Result<UniqueFd>(std::move(fd));
    }

    Status kill_all() override { return kill_dir(m_leaf); }

    Result<CgroupStats> stats() const override {
        CgroupStats s;
        s.memory_current = read_u64(m_leaf + "/memory.current").value_or(0);
        m_peak_seen = std::max(m_peak_seen, s.memory_current);
        // memory.peak exists since Linux 5.19; before that, the max we observed.
        s.memory_peak = read_u64(m_leaf + "/memory.peak").value_or(m_peak_seen);
        s.oom_kills = oom_kills();
        if (auto t = read_file(m_leaf + "/cpu.stat")) {
            s.cpu_usage_usec = parse_keyed(*t, "usage_usec").value_or(0);
        }
        s.pids_current = read_u64(m_leaf + "/pids.current").value_or(0);
        return s;
    }

    uint64_t oom_kills() const override {
        auto text = read_file(m_leaf + "/memory.events");
        return text ? parse_keyed(*text, "oom_kill").value_or(0) : 0;
    }

    Status remove() override { return remove_cgroup_dir(m_leaf, parent_levels()); }

    std::vector<std::string> dirs() const override { return {m_leaf}; }

    unsigned parent_levels() const override { return parent_levels_of(m_relative); }

private:
    std::string m_root;
    std::string m_relative;
    std::string m_leaf;
    mutable uint64_t m_peak_seen = 0;
};

}  // namespace

std::unique_ptr<Cgroup> make_cgroup_v2(std::string root, std::string relative) {
    return std::make_unique<CgroupV2>(std::move(root), std::move(relative));
}

}  // namespace sandbox::sys
