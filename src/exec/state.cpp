#include "exec/state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "sys/archive.hpp"
#include "sys/fs.hpp"

namespace sandbox::exec {

namespace {

// flock(LOCK_EX|LOCK_NB) on a directory fd; true when we got it.
sys::Result<bool> try_lock(int fd, const std::string& what) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        return true;
    }
    if (errno == EWOULDBLOCK) {
        return false;
    }
    return sys::fail("flock", what);
}

sys::Result<sys::UniqueFd> open_dir_fd(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        return sys::fail("open", path);
    }
    return sys::UniqueFd(fd);
}

// The owner and mode rule shared by the state root, a sandbox's directory and its state.json.
sys::Status check_owner_and_mode(int fd, const std::string& path, bool want_dir) {
    return sys::check_owned_by_caller(fd, path, want_dir, "trust state");
}

}  // namespace

sys::Result<sys::UniqueFd> open_trusted_dir(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP || errno == ENOTDIR) {
            return sys::fail_with(EPERM, "trust state", path, {}, "a symbolic link");
        }
        return sys::fail("open", path);
    }
    sys::UniqueFd out(fd);
    if (auto st = check_owner_and_mode(out.get(), path, true); !st) {
        return tl::unexpected(st.error());
    }
    return out;
}

std::string process_start_time(pid_t pid) {
    auto stat = sys::read_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) {
        return {};
    }
    size_t pos = stat->rfind(')');
    if (pos == std::string::npos) {
        return {};
    }
    pos += 2;  // field 3
    for (int field = 3; field < 22 && pos != std::string::npos; ++field) {
        pos = stat->find(' ', pos);
        if (pos != std::string::npos) {
            ++pos;
        }
    }
    if (pos == std::string::npos) {
        return {};
    }
    return stat->substr(pos, stat->find(' ', pos) - pos);
}

std::string to_json(const SandboxState& s) {
    nlohmann::json j;
    j["version"] = 1;
    j["name"] = s.name;
    j["launcher_pid"] = s.launcher_pid;
    j["child_pid"] = s.child_pid;
    j["child_start_time"] = s.child_start_time;
    j["created_unix"] = s.created_unix;
    j["detached"] = s.detached;
    j["profile"] = s.profile;
    j["command"] = s.command;
    j["env"] = s.env;
    j["namespaces"] = s.namespaces;
    j["cgroup_dirs"] = s.cgroup_dirs;
    nlohmann::json rb = nlohmann::json::array();
    for (const UndoEntry& e : s.rollback) {
        rb.push_back(
            {{"kind", std::string(to_string(e.kind))}, {"target", e.target}, {"extra", e.extra}});
    }
    j["rollback"] = rb;
    return j.dump(2) + "\n";
}

sys::Result<SandboxState> parse_state(const std::string& text) {
    try {
        auto j = nlohmann::json::parse(text);
        SandboxState s;
        s.name = j.at("name").get<std::string>();
        s.launcher_pid = j.value("launcher_pid", 0);
        s.child_pid = j.value("child_pid", 0);
        s.child_start_time = j.value("child_start_time", std::string());
        s.created_unix = j.value("created_unix", 0LL);
        s.detached = j.value("detached", false);
        s.profile = j.value("profile", std::string());
        s.command = j.value("command", std::vector<std::string>{});
        s.env = j.value("env", std::vector<std::string>{});
        s.namespaces = j.value("namespaces", std::map<std::string, std::string>{});
        s.cgroup_dirs = j.value("cgroup_dirs", std::vector<std::string>{});
        for (const auto& e : j.value("rollback", nlohmann::json::array())) {
            auto kind = undo_kind_from_string(e.at("kind").get<std::string>());
            if (!kind) {
                return sys::fail_with(EINVAL, "parse state.json", {}, {},
                                      "unknown undo kind " + e.at("kind").dump());
            }
            s.rollback.push_back(UndoEntry{*kind, e.at("target").get<std::string>(),
                                           e.value("extra", std::string())});
        }
        return s;
    } catch (const nlohmann::json::exception& e) {
        return sys::fail_with(EINVAL, "parse state.json", {}, {}, e.what());
    }
}

std::string state_file(const std::string& dir) {
    return dir + "/state.json";
}

sys::Result<SandboxState> read_state(const std::string& dir) {
    // Nothing in state.json is believed (least of all its rollback entries, which `down` and
    // a stale clean-up replay as the invoker) unless the invoker owns the file and its
    // directory and nobody else can write either (docs/security.md, "Trust model").
    auto dir_fd = open_trusted_dir(dir);
    if (!dir_fd) {
        return tl::unexpected(dir_fd.error());
    }
    std::string path = state_file(dir);
    sys::UniqueFd fd(openat(dir_fd->get(), "state.json", O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ELOOP) {
            return sys::fail_with(EPERM, "trust state", path, {}, "a symbolic link");
        }
        return sys::fail("open", path);
    }
    if (auto st = check_owner_and_mode(fd.get(), path, false); !st) {
        return tl::unexpected(st.error());
    }
    auto text = sys::read_fd(fd.get(), path, 16U << 20);
    if (!text) {
        return tl::unexpected(text.error());
    }
    return parse_state(*text);
}

bool is_state_locked(const std::string& dir) {
    auto fd = open_dir_fd(dir);
    if (!fd) {
        return false;
    }
    auto got = try_lock(fd->get(), dir);
    return got && !*got;
}

std::vector<UndoFailure> clean_stale_state(const std::string& dir) {
    std::vector<UndoFailure> failures;
    auto state = read_state(dir);
    if (!state && state.error().err() != ENOENT) {
        // Untrusted (someone else's, writable by others, a link) or unreadable: replay
        // nothing and delete nothing.
        failures.push_back(
            UndoFailure{UndoEntry{UndoKind::remove_tree, dir, {}}, state.error().describe()});
        return failures;
    }
    if (state) {
        spdlog::warn("cleaning up stale sandbox '{}' (launcher {} is gone)", state->name,
                     state->launcher_pid);
        Rollback stale = Rollback::from_entries(state->rollback);
        failures = stale.unwind();
    }
    // Whatever the entries said, the directory itself goes.
    if (auto st = sys::remove_tree(dir); !st) {
        failures.push_back(
            UndoFailure{UndoEntry{UndoKind::remove_tree, dir, {}}, st.error().describe()});
    }
    return failures;
}

std::vector<std::string> list_state_dirs(const std::string& state_root) {
    std::vector<std::string> names;
    auto root = open_trusted_dir(state_root);
    if (!root) {
        return names;
    }
    DIR* d = fdopendir(root->release());
    if (d == nullptr) {
        return names;
    }
    while (dirent* e = readdir(d)) {
        std::string name = e->d_name;
        if (name == "." || name == "..") {
            continue;
        }
        struct stat st {};
        if (fstatat(dirfd(d), (name + "/state.json").c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
            names.push_back(name);
        }
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

namespace {

// Cleans every sandbox directory under the root whose lock no launcher holds, except `skip`
// (the directory being created, which StateDir::create handles itself and refuses when untrusted).
// Without this, an unnamed foreground run whose launcher was SIGKILLed (a unique name nobody
// will `up` or `down` again) would keep its directory and everything its state.json lists (nft
// table, cgroup, pool and id leases) for good. Called with the root's lock held: a directory is
// created and locked under that lock, so one found unlocked here has a dead owner (a live
// launcher, detached or not, holds its directory's lock until the directory is gone).
void clean_stale_states_locked(const std::string& state_root, const std::string& skip) {
    for (const std::string& name : list_state_dirs(state_root)) {
        const std::string dir = state_root + "/" + name;
        if (dir == skip) {
            continue;
        }
        auto fd = open_trusted_dir(dir);
        if (!fd) {
            spdlog::debug("stale state check '{}': {}", dir, fd.error().describe());
            continue;
        }
        auto got = try_lock(fd->get(), dir);
        if (!got || !*got) {
            continue;  // a live launcher holds it
        }
        for (const UndoFailure& f : clean_stale_state(dir)) {
            spdlog::warn("stale sandbox '{}': undo {} '{}': {}", name, to_string(f.entry.kind),
                         f.entry.target, f.message);
        }
    }
}

}  // namespace

StateDir StateDir::create(const plan::StatePlan& plan, const std::string& state_root,
                          Rollback& rollback) {
    if (state_root.empty()) {
        throw sys::SysError(ENOENT, "state root", "$XDG_RUNTIME_DIR/sandbox", {},
                            k_no_state_root_hint);
    }
    sys::or_throw(sys::mkdir_p(state_root, 0711));
    // Serialise creation under the root's lock, so two `up`s of one name cannot both decide
    // the directory is stale (held only for a few syscalls). A root we do not own, or that
    // others may write, is refused: they could plant a "stale" sandbox for us to clean.
    sys::UniqueFd root = sys::or_throw(open_trusted_dir(state_root));
    if (flock(root.get(), LOCK_EX) != 0) {
        throw sys::SysError(errno, "flock", state_root);
    }
    clean_stale_states_locked(state_root, plan.dir);
    StateDir out;
    out.m_dir = plan.dir;
    for (int attempt = 0;; ++attempt) {
        if (mkdir(plan.dir.c_str(), static_cast<mode_t>(plan.dir_mode)) == 0) {
            break;
        }
        if (errno != EEXIST || attempt > 0) {
            throw sys::SysError(errno, "create state dir", plan.dir);
        }
        sys::UniqueFd existing = sys::or_throw(open_trusted_dir(plan.dir));
        if (!sys::or_throw(try_lock(existing.get(), plan.dir))) {
            throw sys::SysError(EBUSY, "create state dir", plan.dir, {},
                                "sandbox '" + plan.sandbox_name + "' is already running");
        }
        for (const UndoFailure& f : clean_stale_state(plan.dir)) {
            if (f.entry.kind == UndoKind::remove_tree && f.entry.target == plan.dir) {
                throw sys::SysError(EPERM, "clean stale state", plan.dir, {}, f.message);
            }
        }
    }
    rollback.push(UndoKind::remove_tree, plan.dir);
    out.m_lock = sys::or_throw(open_trusted_dir(plan.dir));
    if (!sys::or_throw(try_lock(out.m_lock.get(), plan.dir))) {
        throw sys::SysError(EBUSY, "lock state dir", plan.dir);
    }
    return out;
}

sys::Status StateDir::save(const SandboxState& state) const {
    return sys::write_file_atomic(state_file(m_dir), to_json(state), 0600);
}

}  // namespace sandbox::exec
