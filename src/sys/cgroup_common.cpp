#include "sys/cgroup_common.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <thread>

#include "sys/fd.hpp"

namespace sandbox::sys::cgroup_detail {

namespace {

std::string trim(std::string_view s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) {
        s.remove_suffix(1);
    }
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    return std::string(s);
}

std::string parent_of(const std::string& path) {
    auto slash = path.find_last_of('/');
    if (slash == std::string::npos || slash == 0) {
        return {};
    }
    return path.substr(0, slash);
}

// Grows from 50 µs to 10 ms: an empty cgroup usually empties within the first few polls.
void backoff(std::chrono::microseconds& delay) {
    std::this_thread::sleep_for(delay);
    delay = std::min<std::chrono::microseconds>(delay * 2, std::chrono::milliseconds(10));
}

}  // namespace

std::string strip_slashes(std::string s) {
    while (!s.empty() && s.front() == '/') {
        s.erase(s.begin());
    }
    while (!s.empty() && s.back() == '/') {
        s.pop_back();
    }
    return s;
}

Status write_file(const std::string& dir, const std::string& file, const std::string& value) {
    const std::string path = dir + "/" + file;
    auto describe = [&] { return file + " = " + value + " in " + dir; };
    UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (!fd) {
        return fail("write", describe());
    }
    ssize_t n;
    do {
        n = ::write(fd.get(), value.data(), value.size());
    } while (n < 0 && errno == EINTR);
    if (n < 0) {
        return fail("write", describe());
    }
    if (static_cast<size_t>(n) != value.size()) {
        return fail_with(EIO, "write", describe(), {}, "short write");
    }
    return {};
}

Status make_leaf(const std::string& root, const std::string& relative) {
    const std::string leaf = root + "/" + relative;
    const std::string parent = parent_of(leaf);
    // The leaf first: the shared parent is there whenever another sandbox is alive. When it
    // is not (remove() prunes it with the last sandbox), make it and try again: one mkdir of
    // the parent, whose own parents exist wherever the hierarchy is mounted, or mkdir -p.
    for (int attempt = 0;; ++attempt) {
        if (::mkdir(leaf.c_str(), 0755) == 0) {
            return {};
        }
        // ENOENT: no parent, or another sandbox's remove() pruned it in between.
        if (errno != ENOENT || attempt >= 5) {
            return fail("mkdir", leaf);
        }
        if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
            if (errno != ENOENT) {
                return fail("mkdir", parent);
            }
            if (auto r = sys::mkdir_p(parent); !r) {
                return r;
            }
        }
    }
}

Result<std::vector<pid_t>> read_procs(const std::string& dir) {
    auto text = read_file(dir + "/cgroup.procs");
    if (!text) {
        if (text.error().err() == ENOENT) {
            return std::vector<pid_t>{};
        }
        return tl::unexpected(text.error());
    }
    std::vector<pid_t> pids;
    std::string_view rest = *text;
    while (!rest.empty()) {
        auto nl = rest.find('\n');
        std::string_view line = rest.substr(0, nl);
        rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
        pid_t pid = 0;
        auto [p, ec] = std::from_chars(line.data(), line.data() + line.size(), pid);
        if (ec == std::errc{} && pid > 0) {
            pids.push_back(pid);
        }
    }
    return pids;
}

Result<size_t> kill_procs_once(const std::string& dir) {
    auto pids = read_procs(dir);
    if (!pids) {
        return tl::unexpected(pids.error());
    }
    for (pid_t pid : *pids) {
        if (::kill(pid, SIGKILL) != 0 && errno != ESRCH) {
            return fail_with(errno, "kill", std::to_string(pid), {}, "member of " + dir);
        }
    }
    return pids->size();
}

Status kill_dir(const std::string& dir) {
    // cgroup.kill (v2, Linux 5.14) kills atomically, including processes forking meanwhile.
    if (::access((dir + "/cgroup.kill").c_str(), F_OK) == 0) {
        if (auto r = write_file(dir, "cgroup.kill", "1"); !r && r.error().err() != ENOENT) {
            return r;
        }
        return {};
    }
    auto n = kill_procs_once(dir);
    if (!n) {
        return tl::unexpected(n.error());
    }
    return {};
}

Status destroy_dir(const std::string& dir, std::chrono::steady_clock::time_point deadline) {
    // Fast path: after a normal run the workload is gone and the group is empty, so one rmdir
    // does it (no reads of cgroup.procs; this is on every run's exit path).
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) {
        return {};
    }
    // EBUSY: still populated. (ENOTEMPTY does not happen on cgroupfs, only on a fake one.)
    if (errno != EBUSY && errno != ENOTEMPTY) {
        return fail("rmdir", dir);
    }
    if (auto r = kill_dir(dir); !r) {
        return r;
    }
    // Wait for the group to empty: SIGKILL is asynchronous, and a dying task still counts.
    // Without cgroup.kill a task may fork between our read and its death, so re-kill each pass.
    std::chrono::microseconds delay(50);
    for (;;) {
        auto n = kill_procs_once(dir);
        if (!n) {
            return tl::unexpected(n.error());
        }
        if (*n == 0 || std::chrono::steady_clock::now() >= deadline) {
            break;
        }
        backoff(delay);
    }
    // rmdir can still see EBUSY briefly after cgroup.procs reads empty (the last task's exit is
    // not complete); crun's destroy_cgroup_path retries the same way.
    delay = std::chrono::microseconds(50);
    for (;;) {
        if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) {
            return {};
        }
        if (errno != EBUSY || std::chrono::steady_clock::now() >= deadline) {
            return fail("rmdir", dir);
        }
        (void)kill_procs_once(dir);
        backoff(delay);
    }
}

void prune_parents(const std::string& dir, unsigned levels) {
    std::string p = parent_of(dir);
    for (unsigned i = 0; i < levels && !p.empty(); ++i, p = parent_of(p)) {
        if (::rmdir(p.c_str()) != 0) {
            // Busy / not empty: another sandbox still lives there. Both are fine.
            if (errno != EBUSY && errno != ENOTEMPTY && errno != EEXIST && errno != ENOENT) {
                spdlog::debug("rmdir {}: {}", p, errno_name(errno));
            }
            return;
        }
    }
}

unsigned parent_levels_of(const std::string& relative) {
    std::string_view r = relative;
    while (!r.empty() && r.front() == '/') {
        r.remove_prefix(1);
    }
    while (!r.empty() && r.back() == '/') {
        r.remove_suffix(1);
    }
    return r.find('/') == std::string_view::npos ? 0 : 1;
}

std::optional<uint64_t> parse_u64(std::string_view text) {
    std::string t = trim(text);
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || p != t.data() + t.size() || t.empty()) {
        return std::nullopt;
    }
    return v;
}

std::optional<uint64_t> parse_keyed(std::string_view text, std::string_view key) {
    while (!text.empty()) {
        auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        auto sp = line.find(' ');
        if (sp != std::string_view::npos && line.substr(0, sp) == key) {
            return parse_u64(line.substr(sp + 1));
        }
    }
    return std::nullopt;
}

std::optional<uint64_t> read_u64(const std::string& path) {
    auto text = read_file(path);
    if (!text) {
        return std::nullopt;
    }
    return parse_u64(*text);
}

}  // namespace sandbox::sys::cgroup_detail

namespace sandbox::sys {

Status join_cgroup(const std::vector<std::string>& attach_files) {
    for (const std::string& f : attach_files) {
        auto slash = f.find_last_of('/');
        if (auto r = cgroup_detail::write_file(f.substr(0, slash), f.substr(slash + 1), "0"); !r) {
            return r;
        }
    }
    return {};
}

Status remove_cgroup_dir(const std::string& dir, unsigned prune_parents,
                         std::chrono::milliseconds wait) {
    auto r = cgroup_detail::destroy_dir(dir, std::chrono::steady_clock::now() + wait);
    if (!r) {
        return r;
    }
    cgroup_detail::prune_parents(dir, prune_parents);
    return {};
}

}  // namespace sandbox::sys
