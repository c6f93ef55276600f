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

#include "profile/names.hpp"
#include "sys/archive.hpp"
#include "sys/fs.hpp"

namespace sandbox::exec {

namespace {

// flock(LOCK_EX|LOCK_NB); true when we got it.
sys::Result<bool> try_lock(int fd, const std::string& what) {
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
        return true;
    }
    if (errno == EWOULDBLOCK) {
        return false;
    }
    return sys::fail("flock", what);
}

// The sandbox's entry `kind`, opened O_NOFOLLOW relative to the state root.
sys::UniqueFd open_entry(const plan::StateLocation& where, std::string_view kind, int flags) {
    return sys::UniqueFd(
        open(where.entry(kind).c_str(), flags | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600));
}

// The owner and mode rule shared by the state root and a sandbox's state.json and lock.
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

sys::Result<SandboxState> read_state(const plan::StateLocation& where) {
    // Nothing in state.json is believed (least of all its rollback entries, which `down` and
    // a stale clean-up replay as the invoker) unless the invoker owns the file and the state
    // root and nobody else can write either (docs/security.md, "Trust model").
    auto root_fd = open_trusted_dir(where.root);
    if (!root_fd) {
        return tl::unexpected(root_fd.error());
    }
    const std::string path = where.entry(plan::state_entry::record);
    const std::string name =
        where.name + plan::k_state_separator + std::string(plan::state_entry::record);
    sys::UniqueFd fd(openat(root_fd->get(), name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
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

bool is_state_locked(const plan::StateLocation& where) {
    sys::UniqueFd fd = open_entry(where, plan::state_entry::lock, O_RDONLY);
    if (!fd) {
        return false;
    }
    auto got = try_lock(fd.get(), where.entry(plan::state_entry::lock));
    return got && !*got;
}

plan::StateLocation state_location_of(const std::string& removal_target) {
    std::string_view t = removal_target;
    size_t slash = t.find_last_of('/');
    if (t.empty() || t.back() != plan::k_state_separator || slash == std::string_view::npos) {
        return {};
    }
    return {std::string(t.substr(0, slash)),
            std::string(t.substr(slash + 1, t.size() - slash - 2))};
}

sys::Status remove_state_entries(const plan::StateLocation& where) {
    if (!profile::names::is_sandbox_name(where.name)) {
        return sys::fail_with(EINVAL, "remove state", where.prefix() + "*", {},
                              "not a sandbox name");
    }
    sys::UniqueFd root(open(where.root.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!root) {
        return errno == ENOENT ? sys::Status{} : sys::fail("open", where.root);
    }
    // What the sandbox has varies (hosts, an overlay, temporaries of an interrupted write):
    // its entries are whatever starts with "<name>@", found by one listing.
    const std::string mine = where.name + plan::k_state_separator;
    const std::string lock = mine + std::string(plan::state_entry::lock);
    std::vector<std::pair<std::string, bool>> entries;  // name, is a directory
    DIR* d = fdopendir(dup(root.get()));
    if (d == nullptr) {
        return sys::fail("list", where.root);
    }
    while (dirent* e = readdir(d)) {
        std::string_view n = e->d_name;
        if (n.starts_with(mine) && n != lock) {
            entries.emplace_back(std::string(n), e->d_type == DT_DIR || e->d_type == DT_UNKNOWN);
        }
    }
    closedir(d);
    sys::Status out;
    for (const auto& [name, dir] : entries) {
        sys::Status st;
        if (dir) {
            st = sys::remove_tree_at(root.get(), name, where.root + "/" + name);
        } else if (unlinkat(root.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
            st = sys::fail("unlink", where.root + "/" + name);
        }
        if (!st && out) {
            out = st;
        }
    }
    // The lock last: until it is gone, no `up` of this name starts, and a sweep skips it.
    if (!out) {
        return out;
    }
    if (unlinkat(root.get(), lock.c_str(), 0) != 0 && errno != ENOENT) {
        return sys::fail("unlink", where.entry(plan::state_entry::lock));
    }
    return {};
}

std::vector<UndoFailure> clean_stale_state(const plan::StateLocation& where) {
    std::vector<UndoFailure> failures;
    const UndoEntry removal{UndoKind::remove_state, where.prefix(), {}};
    auto state = read_state(where);
    if (!state && state.error().err() != ENOENT) {
        // Untrusted (someone else's, writable by others, a link) or unreadable: replay
        // nothing and delete nothing.
        failures.push_back(UndoFailure{removal, state.error().describe()});
        return failures;
    }
    if (state) {
        spdlog::warn("cleaning up stale sandbox '{}' (launcher {} is gone)", state->name,
                     state->launcher_pid);
        Rollback stale = Rollback::from_entries(state->rollback);
        failures = stale.unwind();
    }
    // Whatever the entries said, the sandbox's entries go (the removal is normally the first
    // of them, already run; again is harmless).
    if (auto st = remove_state_entries(where); !st) {
        failures.push_back(UndoFailure{removal, st.error().describe()});
    }
    return failures;
}

namespace {

// The names of the sandboxes in the root that have an entry `kind`, sorted.
std::vector<std::string> sandboxes_with(const std::string& state_root, std::string_view kind) {
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
        std::string_view entry = e->d_name;
        std::string_view name = plan::sandbox_of_entry(entry);
        if (!name.empty() && entry.substr(name.size() + 1) == kind) {
            names.emplace_back(name);
        }
    }
    closedir(d);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

std::vector<std::string> list_sandboxes(const std::string& state_root) {
    return sandboxes_with(state_root, plan::state_entry::record);
}

namespace {

// Cleans every sandbox of the root whose lock no launcher holds, except `skip` (the name being
// created, which StateFiles::create handles itself and refuses when untrusted). Without this,
// an unnamed foreground run whose launcher was SIGKILLed (a unique name nobody will `up` or
// `down` again) would keep its entries and everything its state.json lists (nft table, cgroup,
// pool and id leases) for good. Called with the root's lock held: a lock is created and taken
// under that lock, so one found free here has a dead owner (a live launcher, detached or not,
// holds its lock until its other entries are gone, and removes it last).
void clean_stale_states_locked(const std::string& state_root, const std::string& skip) {
    for (const std::string& name : sandboxes_with(state_root, plan::state_entry::lock)) {
        if (name == skip) {
            continue;
        }
        const plan::StateLocation where{state_root, name};
        const std::string lock = where.entry(plan::state_entry::lock);
        sys::UniqueFd fd = open_entry(where, plan::state_entry::lock, O_RDONLY);
        if (!fd) {
            continue;  // gone meanwhile
        }
        if (auto st = check_owner_and_mode(fd.get(), lock, false); !st) {
            spdlog::debug("stale state check '{}': {}", lock, st.error().describe());
            continue;
        }
        auto got = try_lock(fd.get(), lock);
        if (!got || !*got) {
            continue;  // a live launcher holds it
        }
        for (const UndoFailure& f : clean_stale_state(where)) {
            spdlog::warn("stale sandbox '{}': undo {} '{}': {}", name, to_string(f.entry.kind),
                         f.entry.target, f.message);
        }
    }
}

// clean_stale_state for the sandbox being created: throws when its entries were not removed
// (untrusted, or a removal failed), since the new one would then start on top of them.
void clean_stale(const plan::StateLocation& where) {
    for (const UndoFailure& f : clean_stale_state(where)) {
        if (f.entry.kind == UndoKind::remove_state) {
            throw sys::SysError(EPERM, "clean stale state", where.prefix() + "*", {}, f.message);
        }
        spdlog::warn("stale sandbox '{}': undo {} '{}': {}", where.name, to_string(f.entry.kind),
                     f.entry.target, f.message);
    }
}

// Whether `fd` is still the file `name` of the directory `dir_fd`.
bool still_linked_as(int fd, int dir_fd, const std::string& name) {
    struct stat held {};
    struct stat named {};
    return fstat(fd, &held) == 0 &&
           fstatat(dir_fd, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) == 0 &&
           held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

}  // namespace

StateFiles StateFiles::create(const plan::StatePlan& plan, Rollback& rollback) {
    if (plan.root.empty()) {
        throw sys::SysError(ENOENT, "state root", "$XDG_RUNTIME_DIR/sandbox", {},
                            k_no_state_root_hint);
    }
    sys::or_throw(sys::mkdir_p(plan.root, 0711));
    // Serialise creation under the root's lock, so two `up`s of one name cannot both decide
    // the sandbox is stale (held only for a few syscalls). A root we do not own, or that
    // others may write, is refused: they could plant a "stale" sandbox for us to clean.
    sys::UniqueFd root = sys::or_throw(open_trusted_dir(plan.root));
    if (flock(root.get(), LOCK_EX) != 0) {
        throw sys::SysError(errno, "flock", plan.root);
    }
    clean_stale_states_locked(plan.root, plan.sandbox_name);
    StateFiles out;
    out.m_location = plan.location();
    const std::string lock_path = out.m_location.entry(plan::state_entry::lock);
    const std::string lock_name =
        plan.sandbox_name + plan::k_state_separator + std::string(plan::state_entry::lock);
    const std::string record_name =
        plan.sandbox_name + plan::k_state_separator + std::string(plan::state_entry::record);
    for (int attempt = 0;; ++attempt) {
        sys::UniqueFd fresh(openat(root.get(), lock_name.c_str(),
                                   O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (fresh) {
            // Ours from its creation: only a probe (`ps`, `exec`, `down`: is_state_locked) can
            // hold it, and only for a moment, so wait for it rather than call it busy.
            if (flock(fresh.get(), LOCK_EX) != 0) {
                int err = errno;
                (void)unlinkat(root.get(), lock_name.c_str(), 0);
                throw sys::SysError(err, "flock", lock_path);
            }
            // A state.json without a lock is what is left of a sandbox whose lock was
            // removed by hand: replayed and removed like any stale one (our fresh lock goes
            // with it), then the lock is made again.
            struct stat left {};
            if (fstatat(root.get(), record_name.c_str(), &left, AT_SYMLINK_NOFOLLOW) != 0) {
                out.m_lock = std::move(fresh);
                break;
            }
            if (attempt >= 3) {
                throw sys::SysError(EEXIST, "create state lock", lock_path, {},
                                    "a state.json without a lock keeps coming back");
            }
            clean_stale(out.m_location);
            continue;
        }
        if (errno != EEXIST || attempt >= 3) {
            throw sys::SysError(errno, "create state lock", lock_path);
        }
        sys::UniqueFd existing(
            openat(root.get(), lock_name.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
        if (!existing) {
            if (errno == ENOENT) {
                continue;  // removed meanwhile: make it
            }
            if (errno == ELOOP) {
                throw sys::SysError(EPERM, "trust state", lock_path, {}, "a symbolic link");
            }
            throw sys::SysError(errno, "open", lock_path);
        }
        sys::or_throw(check_owner_and_mode(existing.get(), lock_path, false));
        if (!sys::or_throw(try_lock(existing.get(), lock_path))) {
            throw sys::SysError(EBUSY, "create state lock", lock_path, {},
                                "sandbox '" + plan.sandbox_name + "' is already running");
        }
        // A launcher that has just finished removes its lock before it lets go of it: a lock
        // taken on a file the root no longer holds locks nothing. Start again.
        if (!still_linked_as(existing.get(), root.get(), lock_name)) {
            continue;
        }
        // Stale: its launcher is gone. Cleaned (the lock with the rest), then made afresh.
        clean_stale(out.m_location);
    }
    rollback.push(UndoKind::remove_state, out.m_location.prefix());
    // The shared mount point of every sandbox's new root (plan/state_layout.hpp): made once.
    if (mkdir(plan.new_root_dir.c_str(), static_cast<mode_t>(plan.new_root_mode)) != 0) {
        if (errno != EEXIST) {
            throw sys::SysError(errno, "mkdir", plan.new_root_dir);
        }
        sys::or_throw(open_trusted_dir(plan.new_root_dir));  // a directory of ours, not a link
    }
    return out;
}

sys::Status StateFiles::save(const SandboxState& state) const {
    return sys::write_file_atomic(m_location.entry(plan::state_entry::record), to_json(state),
                                  0600);
}

}  // namespace sandbox::exec
