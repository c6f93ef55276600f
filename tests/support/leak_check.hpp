#pragma once
// What a run may leave behind (DESIGN §5), snapshotted before and compared after: mounts, the
// `sandbox` cgroup dirs in every hierarchy, the state root, network links, and processes named
// `sandbox:*`. Other tests and tools may run on the same host, so the comparison is limited to
// what mentions this test's own markers (its temp dir, its sandbox names) or is new.
#include <dirent.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"

namespace sandbox::test {

struct LeakSnapshot {
    std::set<std::string> mounts;     // mount point + source of every host mount
    std::set<std::string> cgroups;    // <hierarchy>/sandbox/<leaf>
    std::set<std::string> state;      // entries of the state root
    std::set<std::string> links;      // /sys/class/net
    std::set<std::string> processes;  // "pid comm" with comm sandbox:*
};

inline std::vector<std::string> list_dir(const std::string& path) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
        out.push_back(e.path().filename().string());
    }
    return out;
}

inline LeakSnapshot take_leak_snapshot(const std::string& state_root) {
    LeakSnapshot s;
    std::ifstream mi("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mi, line)) {
        std::istringstream f(line);
        std::string id, parent, devno, root, mount_point;
        f >> id >> parent >> devno >> root >> mount_point;
        s.mounts.insert(mount_point + " " + root);
    }
    for (const std::string& h : list_dir("/sys/fs/cgroup")) {
        std::string base = "/sys/fs/cgroup/" + h + "/sandbox";
        for (const std::string& leaf : list_dir(base)) {
            s.cgroups.insert(base + "/" + leaf);
        }
    }
    for (const std::string& e : list_dir(state_root)) {
        s.state.insert(e);
    }
    for (const std::string& l : list_dir("/sys/class/net")) {
        s.links.insert(l);
    }
    for (const std::string& pid : list_dir("/proc")) {
        if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit)) {
            continue;
        }
        std::string comm = read_file("/proc/" + pid + "/comm");
        if (comm.rfind("sandbox:", 0) == 0) {
            // Only ours: launched by this test binary's sandbox runs (cmdline names our paths).
            std::string cmdline = read_file("/proc/" + pid + "/cmdline");
            std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
            if (cmdline.find(state_root.substr(0, state_root.rfind('/'))) != std::string::npos) {
                s.processes.insert(pid + " " + comm);
            }
        }
    }
    return s;
}

// Lines describing what is in `after` but not in `before` (empty = nothing leaked). Mounts,
// cgroups and links count only when they mention one of `markers` (this test's temp dir, its
// sandbox-name prefix, the rootfs, the "sbx" veth prefix): other tests may share the host.
inline std::vector<std::string> leaks_between(const LeakSnapshot& before, const LeakSnapshot& after,
                                              const std::vector<std::string>& markers) {
    std::vector<std::string> out;
    auto ours = [&](const std::string& x) {
        return std::any_of(markers.begin(), markers.end(),
                           [&](const std::string& m) { return x.find(m) != std::string::npos; });
    };
    auto diff = [&](const std::set<std::string>& a, const std::set<std::string>& b,
                    const std::string& what, bool filter) {
        for (const std::string& x : b) {
            if (a.count(x) == 0 && (!filter || ours(x))) {
                out.push_back(what + ": " + x);
            }
        }
    };
    diff(before.mounts, after.mounts, "mount", true);
    diff(before.cgroups, after.cgroups, "cgroup", true);
    diff(before.state, after.state, "state", false);
    diff(before.links, after.links, "link", true);
    diff(before.processes, after.processes, "process", false);
    return out;
}

// Snapshot now, compare with leaks().
class LeakCheck {
public:
    LeakCheck(std::string state_root, std::vector<std::string> markers)
        : m_state_root(std::move(state_root)),
          m_markers(std::move(markers)),
          m_before(take_leak_snapshot(m_state_root)) {}
    std::vector<std::string> leaks() const {
        return leaks_between(m_before, take_leak_snapshot(m_state_root), m_markers);
    }

private:
    std::string m_state_root;
    std::vector<std::string> m_markers;
    LeakSnapshot m_before;
};

}  // namespace sandbox::test
