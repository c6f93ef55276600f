#include "exec/state.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <map>
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

namespace {

// The record `name` of the directory `dir_fd` (`shown` names it in errors), believed only when
// the invoker owns it and nobody else can write it, and it is not a symbolic link (EPERM).
sys::Result<SandboxState> read_trusted_record(int dir_fd, const std::string& name,
                                              const std::string& shown) {
    sys::UniqueFd fd(openat(dir_fd, name.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
    if (!fd) {
        if (errno == ELOOP) {
            return sys::fail_with(EPERM, "trust state", shown, {}, "a symbolic link");
        }
        return sys::fail("open", shown);
    }
    if (auto st = check_owner_and_mode(fd.get(), shown, false); !st) {
        return tl::unexpected(st.error());
    }
    auto text = sys::read_fd(fd.get(), shown, 16U << 20);
    if (!text) {
        return tl::unexpected(text.error());
    }
    return parse_state(*text);
}

// A dead launcher's rollback, replayed.
std::vector<UndoFailure> replay_stale(const SandboxState& state) {
    spdlog::warn("cleaning up stale sandbox '{}' (launcher {} is gone)", state.name,
                 state.launcher_pid);
    return Rollback::from_entries(state.rollback).unwind();
}

void warn_undo_failures(const std::string& name, const std::vector<UndoFailure>& failures) {
    for (const UndoFailure& f : failures) {
        spdlog::warn("stale sandbox '{}': undo {} '{}': {}", name, to_string(f.entry.kind),
                     f.entry.target, f.message);
    }
}

}  // namespace

sys::Result<SandboxState> read_state(const plan::StateLocation& where) {
    // Nothing in state.json is believed (least of all its rollback entries, which `down` and
    // a stale clean-up replay as the invoker) unless the invoker owns the file and the state
    // root and nobody else can write either (docs/security.md, "Trust model").
    auto root_fd = open_trusted_dir(where.root);
    if (!root_fd) {
        return tl::unexpected(root_fd.error());
    }
    return read_trusted_record(root_fd->get(), where.entry_name(plan::state_entry::record),
                               where.entry(plan::state_entry::record));
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
    const std::string mine = where.entry_name("");
    const std::string record = where.entry_name(plan::state_entry::record);
    const std::string lock = where.entry_name(plan::state_entry::lock);
    std::vector<std::pair<std::string, bool>> entries;  // name, may be a directory
    DIR* d = fdopendir(dup(root.get()));
    if (d == nullptr) {
        return sys::fail("list", where.root);
    }
    while (dirent* e = readdir(d)) {
        std::string_view n = e->d_name;
        if (n.starts_with(mine) && n != lock && n != record) {
            entries.emplace_back(std::string(n), e->d_type == DT_DIR || e->d_type == DT_UNKNOWN);
        }
    }
    closedir(d);
    // state.json second to last and the lock last, each only once all before them are gone:
    // what could not be removed (an overlay's upper dir still busy) keeps the record `down`
    // and the sweep retry from, and the lock keeps any `up` of the name off it meanwhile.
    entries.emplace_back(record, false);
    entries.emplace_back(lock, false);
    for (const auto& [name, dir] : entries) {
        sys::Status st;
        if (dir) {
            st = sys::remove_tree_at(root.get(), name, where.root + "/" + name);
        } else if (unlinkat(root.get(), name.c_str(), 0) != 0 && errno != ENOENT) {
            st = sys::fail("unlink", where.root + "/" + name);
        }
        if (!st) {
            // Everything else was undone before this last entry: what is left to retry is
            // this removal alone, not a replay of the whole list by every later `up`.
            SandboxState rest;
            rest.name = where.name;
            rest.rollback = {UndoEntry{UndoKind::remove_state, where.prefix(), {}}};
            if (name != record && name != lock) {
                (void)sys::write_file_atomic(where.entry(plan::state_entry::record), to_json(rest),
                                             0600);
            }
            return st;
        }
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
        failures.push_back(UndoFailure{removal, state.error().describe(), state.error().err()});
        return failures;
    }
    if (state) {
        failures = replay_stale(*state);
    }
    // Whatever the entries said, the sandbox's entries go (the removal is normally the first
    // of them, already run; again is harmless).
    if (auto st = remove_state_entries(where); !st) {
        failures.push_back(UndoFailure{removal, st.error().describe(), st.error().err()});
    }
    return failures;
}

namespace {

// What the state root holds, from one listing: each sandbox with the kinds of its entries, and
// the directories that hold a state.json (a sandbox of the layout before flat entries, which
// kept <root>/<name>/state.json; legacy_dirs).
struct RootListing {
    std::map<std::string, std::vector<std::string>> sandboxes;  // name -> kinds
    std::vector<std::string> legacy_dirs;
};

RootListing list_root(int root_fd) {
    RootListing out;
    DIR* d = fdopendir(dup(root_fd));
    if (d == nullptr) {
        return out;
    }
    while (dirent* e = readdir(d)) {
        std::string_view entry = e->d_name;
        std::string_view name = plan::sandbox_of_entry(entry);
        if (!name.empty()) {
            // Only names `up` gives: anything else is not a sandbox's, and not ours to clean.
            if (profile::names::is_sandbox_name(name)) {
                out.sandboxes[std::string(name)].emplace_back(entry.substr(name.size() + 1));
            }
        } else if ((e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) &&
                   profile::names::is_sandbox_name(entry) && entry != plan::k_new_root_dir) {
            struct stat st {};
            const std::string record = std::string(entry) + "/state.json";
            if (fstatat(dirfd(d), record.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
                out.legacy_dirs.emplace_back(entry);
            }
        }
    }
    closedir(d);
    return out;
}

// Whether `fd` is still the file `name` of the directory `dir_fd`.
bool still_linked_as(int fd, int dir_fd, const std::string& name) {
    struct stat held {};
    struct stat named {};
    return fstat(fd, &held) == 0 &&
           fstatat(dir_fd, name.c_str(), &named, AT_SYMLINK_NOFOLLOW) == 0 &&
           held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

// try_lock, retried every millisecond for up to `wait_ms`: a probe (`ps`, `exec`, `down`:
// is_state_locked) holds a lock for a moment, a live launcher for good.
bool try_lock_within(int fd, const std::string& what, int wait_ms) {
    bool got = sys::or_throw(try_lock(fd, what));
    for (int waited = 0; !got && waited < wait_ms; ++waited) {
        usleep(1000);
        got = sys::or_throw(try_lock(fd, what));
    }
    return got;
}

// The lock of `where`, taken; the caller holds the root's flock, under which every lock is
// created, so a lock found free belongs to a launcher that is gone. `fresh` says it was made
// here (none existed). Throws EBUSY when a live launcher holds it. `patient` waits out a probe
// holding it for up to 50 ms (only ever paid by the refusal of a name a live sandbox has; the
// sweep is not patient: a dead sandbox it misses is cleaned by a later one).
sys::UniqueFd take_lock(int root_fd, const plan::StateLocation& where, bool patient, bool& fresh) {
    const std::string path = where.entry(plan::state_entry::lock);
    const std::string name = where.entry_name(plan::state_entry::lock);
    for (int attempt = 0; attempt < 4; ++attempt) {
        sys::UniqueFd made(openat(root_fd, name.c_str(),
                                  O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (made) {
            // Ours from its creation: only a probe can hold it, for a moment (bounded all the
            // same: a probe stopped inside is_state_locked must not hang every `up`).
            bool got = false;
            try {
                got = try_lock_within(made.get(), path, 1000);
            } catch (const sys::SysError&) {
                (void)unlinkat(root_fd, name.c_str(), 0);
                throw;
            }
            if (!got) {
                (void)unlinkat(root_fd, name.c_str(), 0);
                throw sys::SysError(EBUSY, "lock", path, {}, "held by another process");
            }
            fresh = true;
            return made;
        }
        if (errno != EEXIST) {
            throw sys::SysError(errno, "create state lock", path);
        }
        sys::UniqueFd existing(openat(root_fd, name.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC));
        if (!existing) {
            if (errno == ENOENT) {
                continue;  // removed meanwhile: make it
            }
            if (errno == ELOOP) {
                throw sys::SysError(EPERM, "trust state", path, {}, "a symbolic link");
            }
            throw sys::SysError(errno, "open", path);
        }
        sys::or_throw(check_owner_and_mode(existing.get(), path, false));
        if (!try_lock_within(existing.get(), path, patient ? 50 : 0)) {
            throw sys::SysError(EBUSY, "create state lock", path, {},
                                "sandbox '" + where.name + "' is already running");
        }
        // A launcher that has just finished removes its lock before it lets go of it: a lock
        // taken on a file the root no longer holds locks nothing. Start again.
        if (still_linked_as(existing.get(), root_fd, name)) {
            fresh = false;
            return existing;
        }
    }
    throw sys::SysError(EAGAIN, "create state lock", path, {},
                        "the lock kept changing under us: try again");
}

// A sandbox of the layout before flat entries (<root>/<name>/, its directory flock()ed by its
// launcher), cleaned as it always was when its launcher is gone: state.json replayed, the
// directory removed. True when a live launcher of that layout holds it.
bool clean_legacy_dir(const std::string& state_root, const std::string& name) {
    const std::string dir = state_root + "/" + name;
    auto fd = open_trusted_dir(dir);
    if (!fd) {
        spdlog::debug("stale state check '{}': {}", dir, fd.error().describe());
        return false;
    }
    auto got = try_lock(fd->get(), dir);
    if (!got || !*got) {
        return got.has_value();  // held: its launcher lives
    }
    // The same trust rule as ever: someone else's, a writable, a linked or an unreadable record
    // is not replayed, and then nothing is deleted either.
    auto state = read_trusted_record(fd->get(), "state.json", dir + "/state.json");
    if (!state && state.error().err() != ENOENT) {
        spdlog::warn("stale sandbox '{}': {}", name, state.error().describe());
        return false;
    }
    if (state) {
        warn_undo_failures(name, replay_stale(*state));
    }
    if (auto st = sys::remove_tree(dir); !st) {
        spdlog::warn("stale sandbox '{}': {}", name, st.error().describe());
    }
    return false;
}

// Cleans every sandbox of the root that no launcher holds, except `skip` (the name being
// created, which StateFiles::create handles itself and refuses when untrusted). Without this,
// an unnamed foreground run whose launcher was SIGKILLed (a unique name nobody will `up` or
// `down` again) would keep its entries and everything its state.json lists (nft table, cgroup,
// pool and id leases) for good. Called with the root's lock held: a lock is created and taken
// under that lock, so one found free here has a dead owner (a live launcher, detached or not,
// holds its lock until its other entries are gone, and removes it last), and entries without a
// lock are what is left of one. Returns what `skip` has: whether it has entries, and whether a
// live launcher of the old layout runs it.
struct SkippedName {
    bool has_entries = false;
    bool legacy_running = false;
};

SkippedName clean_stale_states_locked(const std::string& state_root, int root_fd,
                                      const std::string& skip) {
    SkippedName out;
    RootListing listing = list_root(root_fd);
    for (const auto& [name, kinds] : listing.sandboxes) {
        if (name == skip) {
            out.has_entries = true;
            continue;
        }
        const plan::StateLocation where{state_root, name};
        try {
            bool fresh = false;
            sys::UniqueFd lock = take_lock(root_fd, where, false, fresh);
            warn_undo_failures(name, clean_stale_state(where));
        } catch (const sys::SysError& e) {
            spdlog::debug("stale state check '{}': {}", where.prefix(), e.what());
        }
    }
    for (const std::string& name : listing.legacy_dirs) {
        if (clean_legacy_dir(state_root, name) && name == skip) {
            out.legacy_running = true;
        }
    }
    return out;
}

// clean_stale_state for the sandbox being created or taken down, its lock held: throws when
// its entries were not removed (untrusted, or a removal failed).
void clean_stale(const plan::StateLocation& where) {
    std::vector<UndoFailure> failures = clean_stale_state(where);
    auto removal = std::stable_partition(failures.begin(), failures.end(), [](const auto& f) {
        return f.entry.kind != UndoKind::remove_state;
    });
    warn_undo_failures(where.name, {failures.begin(), removal});
    if (removal != failures.end()) {
        throw sys::SysError(removal->error != 0 ? removal->error : EPERM, "clean stale state",
                            where.prefix() + "*", {}, removal->message);
    }
}

// A user namespace whose root is another host uid (a subordinate range) reaches the new root's
// mount point and its overlay layers through the state root (exec/child/host_access.hpp: the
// /proc/self/fd jump skips the directories above it, not the root itself). A root its owner
// made 0700 gets o+x: search only, nothing in it becomes listable or readable.
void make_searchable(int root_fd, const std::string& path) {
    struct stat st {};
    if (fstat(root_fd, &st) != 0) {
        throw sys::SysError(errno, "stat", path);
    }
    if ((st.st_mode & S_IXOTH) != 0) {
        return;
    }
    if (fchmod(root_fd, (st.st_mode & 07777) | S_IXOTH) != 0) {
        throw sys::SysError(errno, "chmod o+x", path, {},
                            "the sandbox's root (another uid) must be able to reach its new root");
    }
    spdlog::info("state root {}: made searchable by others (o+x) for the user namespace's root",
                 path);
}

// The state root, trusted, flock()ed (released with the fd).
sys::UniqueFd lock_state_root(const std::string& state_root) {
    sys::UniqueFd root = sys::or_throw(open_trusted_dir(state_root));
    if (flock(root.get(), LOCK_EX) != 0) {
        throw sys::SysError(errno, "flock", state_root);
    }
    return root;
}

}  // namespace

std::vector<std::string> list_sandboxes(const std::string& state_root) {
    std::vector<std::string> names;
    auto root = open_trusted_dir(state_root);
    if (!root) {
        return names;
    }
    for (const auto& [name, kinds] : list_root(root->get()).sandboxes) {
        if (std::find(kinds.begin(), kinds.end(), plan::state_entry::record) != kinds.end()) {
            names.push_back(name);  // sorted: the map's order
        }
    }
    return names;
}

std::vector<UndoFailure> clean_stale_sandbox(const plan::StateLocation& where, bool& running) {
    running = false;
    try {
        sys::UniqueFd root = lock_state_root(where.root);
        bool fresh = false;
        sys::UniqueFd lock = take_lock(root.get(), where, true, fresh);
        // The sandbox's lock keeps every `up` of the name off it (they take it under the root's
        // flock): the root's own flock goes now, so the replay (cgroup waits of seconds) does
        // not hold up the `up`s of other names.
        root = sys::UniqueFd();
        return clean_stale_state(where);
    } catch (const sys::SysError& e) {
        if (e.err() == EBUSY) {
            running = true;
            return {};
        }
        return {
            UndoFailure{UndoEntry{UndoKind::remove_state, where.prefix(), {}}, e.what(), e.err()}};
    }
}

StateFiles StateFiles::create(const plan::StatePlan& plan, Rollback& rollback) {
    if (plan.root.empty()) {
        throw sys::SysError(ENOENT, "state root", "$XDG_RUNTIME_DIR/sandbox", {},
                            k_no_state_root_hint);
    }
    sys::or_throw(sys::mkdir_p(plan.root, 0711));
    // Serialise creation under the root's lock, so two `up`s of one name cannot both decide
    // the sandbox is stale (held only for a few syscalls). A root we do not own, or that
    // others may write, is refused: they could plant a "stale" sandbox for us to clean.
    sys::UniqueFd root = lock_state_root(plan.root);
    if (plan.searchable_root) {
        make_searchable(root.get(), plan.root);
    }
    SkippedName mine = clean_stale_states_locked(plan.root, root.get(), plan.sandbox_name);
    if (mine.legacy_running) {
        throw sys::SysError(
            EBUSY, "create state lock", plan.root + "/" + plan.sandbox_name, {},
            "sandbox '" + plan.sandbox_name + "' is already running (started by an older sandbox)");
    }
    // The shared mount point of every sandbox's new root (plan/state_layout.hpp): made once.
    if (mkdirat(root.get(), std::string(plan::k_new_root_dir).c_str(),
                static_cast<mode_t>(plan.new_root_mode)) != 0) {
        if (errno != EEXIST) {
            throw sys::SysError(errno, "mkdir", plan.new_root_dir);
        }
        sys::or_throw(open_trusted_dir(plan.new_root_dir));  // a directory of ours, not a link
    }
    StateFiles out;
    out.m_location = plan.location();
    for (int attempt = 0;; ++attempt) {
        bool fresh = false;
        sys::UniqueFd lock = take_lock(root.get(), out.m_location, true, fresh);
        if (fresh && !mine.has_entries) {
            out.m_lock = std::move(lock);
            break;
        }
        if (attempt >= 3) {
            throw sys::SysError(EAGAIN, "clean stale state", out.m_location.prefix() + "*", {},
                                "its entries keep coming back");
        }
        // A dead launcher's lock, or entries without one (a lock removed by hand): cleaned,
        // the lock with the rest, then made afresh.
        clean_stale(out.m_location);
        mine.has_entries = false;
    }
    // Nothing may throw from here until the caller has the removal on its rollback: a lock let
    // go of before its entries are gone would let the next `up` of the name start beside them.
    rollback.push(UndoKind::remove_state, out.m_location.prefix());
    return out;
}

sys::Status StateFiles::save(const SandboxState& state) const {
    return sys::write_file_atomic(m_location.entry(plan::state_entry::record), to_json(state),
                                  0600);
}

}  // namespace sandbox::exec
