#pragma once
// THE leak check of every integration test: what a run may leave behind (docs/architecture.md,
// "nothing is left"), snapshotted before and compared after:
//   * mounts of the host mount namespace,
//   * cgroup directories in every mounted hierarchy (v1 controllers, the named systemd one and
//     a v2 unified tree alike: every cgroup/cgroup2 mount in /proc/self/mountinfo is walked),
//   * network links, nftables tables (through libnftables, as the product lists them), the
//     shared forwarding sysctls,
//   * entries of the state root (a sandbox's <name>@<kind> entries, forwarding holder files),
//   * processes of this test's sandboxes, and any process named sandbox*.
// Other tests and tools may share the host, so mounts, cgroups and processes count only when
// they mention one of this test's markers (its temp dir, its sandbox-name prefix, ...) or sit
// in a `sandbox` cgroup; links and nft tables count whenever they are new (root tests run one
// at a time, under the shared lock). Veths go away a few ms after their netns (the kernel's
// netns cleanup), so leaks() waits up to 5 s for the difference to vanish (a loaded
// machine takes seconds to reap a killed sandbox).
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/temp_dir.hpp"
#include "sys/nftables.hpp"
#include "sys/sysctl.hpp"

namespace sandbox::test {

struct LeakSnapshot {
    std::set<std::string> mounts;     // mount point + root of every mount
    std::set<std::string> cgroups;    // every cgroup directory (full path), any hierarchy
    std::set<std::string> state;      // entries of the state root
    std::set<std::string> links;      // /sys/class/net
    std::set<std::string> tables;     // "family name" of every nft table
    std::set<std::string> sysctls;    // "path=value" of the forwarding switches
    std::set<std::string> processes;  // "pid comm: cmdline | cgroup"
};

inline std::vector<std::string> list_dir(const std::string& path) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
        out.push_back(e.path().filename().string());
    }
    return out;
}

namespace detail {

// A /proc file of a process that may exit while we read it: read(2) then fails with ESRCH,
// which std::ifstream would turn into an exception. Whatever was read, or "".
inline std::string read_proc(const std::string& path) {
    std::string out;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return out;
    }
    char buf[4096];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

// Every directory below `dir` (cgroup trees are shallow; depth-limited against surprises).
inline void walk_cgroup(const std::string& dir, int depth, std::set<std::string>& out) {
    if (depth > 8) {
        return;
    }
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        std::error_code ec2;
        if (e.is_directory(ec2) && !e.is_symlink(ec2)) {
            out.insert(e.path().string());
            walk_cgroup(e.path().string(), depth + 1, out);
        }
    }
}

inline std::set<std::string> nft_tables() {
    std::set<std::string> out;
    auto nft = sys::Nftables::open();
    if (!nft) {
        out.insert("<libnftables: " + nft.error().describe() + ">");
        return out;
    }
    auto tables = nft->list_tables();
    if (!tables) {
        out.insert("<list tables: " + tables.error().describe() + ">");
        return out;
    }
    out.insert(tables->begin(), tables->end());
    return out;
}

}  // namespace detail

inline LeakSnapshot take_leak_snapshot(const std::string& state_root) {
    LeakSnapshot s;
    std::ifstream mi("/proc/self/mountinfo");
    std::string line;
    std::vector<std::string> cgroup_mounts;
    while (std::getline(mi, line)) {
        std::istringstream f(line);
        std::string id, parent, devno, root, mount_point, options, field;
        f >> id >> parent >> devno >> root >> mount_point >> options;
        while (f >> field && field != "-") {
        }
        std::string fstype;
        f >> fstype;
        s.mounts.insert(mount_point + " " + root);
        if (fstype == "cgroup" || fstype == "cgroup2") {
            cgroup_mounts.push_back(mount_point);
        }
    }
    for (const std::string& m : cgroup_mounts) {
        detail::walk_cgroup(m, 0, s.cgroups);
    }
    for (const std::string& e : list_dir(state_root)) {
        // The new root's shared mount point is part of the state root, made once and kept
        // (src/plan/state_layout.hpp): a sandbox's own entries are <name>@<kind>.
        if (e != "newroot") {
            s.state.insert(e);
        }
    }
    for (const std::string& l : list_dir("/sys/class/net")) {
        s.links.insert(l);
    }
    s.tables = detail::nft_tables();
    for (const char* path :
         {"/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding"}) {
        auto v = sys::read_sysctl(path);
        s.sysctls.insert(std::string(path) + "=" + (v ? *v : "?"));
    }
    const std::string self = std::to_string(getpid());
    for (const std::string& pid : list_dir("/proc")) {
        if (pid.empty() || !std::all_of(pid.begin(), pid.end(), ::isdigit) || pid == self) {
            continue;
        }
        std::string cmdline = detail::read_proc("/proc/" + pid + "/cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        std::string cgroup = detail::read_proc("/proc/" + pid + "/cgroup");
        std::replace(cgroup.begin(), cgroup.end(), '\n', ' ');
        std::string comm = detail::read_proc("/proc/" + pid + "/comm");
        if (!comm.empty() && comm.back() == '\n') {
            comm.pop_back();
        }
        if (comm.empty() && cmdline.empty()) {
            continue;  // exited while we looked
        }
        s.processes.insert(pid + " " + comm + ": " + cmdline + "| " + cgroup);
    }
    return s;
}

// Lines describing what is in `after` but not in `before` (empty = nothing leaked), or what
// changed (sysctls). See the file comment for what counts.
inline std::vector<std::string> leaks_between(const LeakSnapshot& before, const LeakSnapshot& after,
                                              const std::vector<std::string>& markers) {
    std::vector<std::string> out;
    auto ours = [&](const std::string& x) {
        return std::any_of(markers.begin(), markers.end(), [&](const std::string& m) {
            return !m.empty() && x.find(m) != std::string::npos;
        });
    };
    auto diff = [&](const std::set<std::string>& a, const std::set<std::string>& b,
                    const std::string& what, auto&& counts) {
        for (const std::string& x : b) {
            if (a.count(x) == 0 && counts(x)) {
                out.push_back(what + ": " + x);
            }
        }
    };
    auto always = [](const std::string&) { return true; };
    diff(before.mounts, after.mounts, "mount", ours);
    diff(before.cgroups, after.cgroups, "cgroup",
         [&](const std::string& x) { return ours(x) || x.find("/sandbox/") != std::string::npos; });
    diff(before.state, after.state, "state", always);
    diff(before.links, after.links, "link", always);
    diff(before.tables, after.tables, "nft table", always);
    diff(before.sysctls, after.sysctls, "sysctl changed", always);
    diff(before.processes, after.processes, "process", [&](const std::string& x) {
        // A sandbox process names itself (comm sandbox, sandbox:init, sandbox:workload), and
        // the init's cmdline is `sandbox-init`: neither needs a marker or a cgroup to count.
        // (Not the test binary's own children: their comm is `sandbox_integra`.)
        const std::string named = x.substr(x.find(' ') + 1);
        const bool sandbox_process = named.rfind("sandbox: ", 0) == 0 ||
                                     named.rfind("sandbox:init", 0) == 0 ||
                                     named.rfind("sandbox:workload", 0) == 0 ||
                                     named.find(": sandbox-init") != std::string::npos;
        return ours(x) || sandbox_process || x.find(":/sandbox/") != std::string::npos ||
               x.find("/sandbox/it") != std::string::npos;
    });
    return out;
}

// Snapshot now, compare with leaks() (or check(), which is a Catch2 CHECK with the list).
class LeakCheck {
public:
    LeakCheck(std::string state_root, std::vector<std::string> markers)
        : m_state_root(std::move(state_root)),
          m_markers(std::move(markers)),
          m_before(take_leak_snapshot(m_state_root)) {}

    std::vector<std::string> leaks() const {
        using namespace std::chrono;
        auto deadline = steady_clock::now() + seconds(5);
        std::vector<std::string> out;
        for (;;) {
            out = leaks_between(m_before, take_leak_snapshot(m_state_root), m_markers);
            if (out.empty() || steady_clock::now() > deadline) {
                return out;
            }
            std::this_thread::sleep_for(milliseconds(20));
        }
    }

private:
    std::string m_state_root;
    std::vector<std::string> m_markers;
    LeakSnapshot m_before;
};

}  // namespace sandbox::test
