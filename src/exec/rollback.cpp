// Undo of what the host side created. Ordering: entries run newest first, so the state
// entries (pushed first) go last, after the cgroup and links that may refer to it.
#include "exec/rollback.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <utility>

#include "exec/fault.hpp"
#include "exec/host/id_ranges.hpp"
#include "exec/host/network.hpp"
#include "exec/state.hpp"
#include "sys/archive.hpp"
#include "sys/cgroup.hpp"
#include "sys/fs.hpp"
#include "sys/mount.hpp"
#include "sys/process.hpp"

namespace sandbox::exec {

namespace {

constexpr std::array<std::pair<UndoKind, std::string_view>, 11> k_kind_names{{
    {UndoKind::remove_dir, "remove_dir"},
    {UndoKind::remove_tree, "remove_tree"},
    {UndoKind::remove_file, "remove_file"},
    {UndoKind::unmount, "unmount"},
    {UndoKind::remove_cgroup, "remove_cgroup"},
    {UndoKind::delete_link, "delete_link"},
    {UndoKind::delete_nft_table, "delete_nft_table"},
    {UndoKind::restore_sysctl, "restore_sysctl"},
    {UndoKind::kill_process, "kill_process"},
    {UndoKind::release_id_range, "release_id_range"},
    {UndoKind::remove_state, "remove_state"},
}};

sys::Status kill_process(const UndoEntry& entry) {
    pid_t pid = static_cast<pid_t>(std::stol(entry.target));
    if (!entry.extra.empty() && process_start_time(pid) != entry.extra) {
        return {};  // gone, or the pid now belongs to someone else
    }
    auto pidfd = sys::open_pidfd(pid);
    if (!pidfd) {
        return pidfd.error().err() == ESRCH ? sys::Status{}
                                            : sys::Status(tl::unexpected(pidfd.error()));
    }
    sys::pidfd_signal(pidfd->get(), SIGKILL);
    // Ours: reap it. Not ours (a launcher that died): wait until it is gone.
    if (waitpid(pid, nullptr, __WALL) < 0) {
        auto ended = sys::wait_pidfd_readable(pidfd->get(), 2000);
        if (ended && !*ended) {
            return sys::fail_with(ETIMEDOUT, "kill", entry.target);
        }
    }
    return {};
}

}  // namespace

std::string_view to_string(UndoKind kind) {
    for (const auto& [k, name] : k_kind_names) {
        if (k == kind) {
            return name;
        }
    }
    return "unknown";
}

std::optional<UndoKind> undo_kind_from_string(std::string_view name) {
    for (const auto& [k, n] : k_kind_names) {
        if (n == name) {
            return k;
        }
    }
    return std::nullopt;
}

void Rollback::push(UndoKind kind, std::string target, std::string extra) {
    m_entries.push_back(UndoEntry{kind, std::move(target), std::move(extra)});
    spdlog::debug("rollback: push {} '{}'", to_string(kind), m_entries.back().target);
    if (m_observer) {
        m_observer(m_entries);
    }
}

void Rollback::push_all(UndoKind kind, const std::vector<std::string>& targets,
                        const std::string& extra) {
    for (const std::string& target : targets) {
        m_entries.push_back(UndoEntry{kind, target, extra});
        spdlog::debug("rollback: push {} '{}'", to_string(kind), target);
    }
    if (m_observer && !targets.empty()) {
        m_observer(m_entries);
    }
}

std::vector<UndoFailure> Rollback::unwind() noexcept {
    std::vector<UndoFailure> failures;
    bool first = true;
    while (!m_entries.empty()) {
        UndoEntry entry = std::move(m_entries.back());
        m_entries.pop_back();
        try {
            // SANDBOX_FAIL_AT=cleanup (test builds): the newest undo fails, the rest must still
            // run.
            if (std::exchange(first, false)) {
                maybe_inject_fault(plan::StepId::cleanup);
            }
            run_undo(entry);
            spdlog::debug("rollback: {} '{}' done", to_string(entry.kind), entry.target);
        } catch (const sys::SysError& e) {
            spdlog::warn("undo {} '{}': {}", to_string(entry.kind), entry.target, e.describe());
            failures.push_back(UndoFailure{entry, e.describe(), e.err()});
        } catch (const std::exception& e) {
            spdlog::warn("undo {} '{}': {}", to_string(entry.kind), entry.target, e.what());
            failures.push_back(UndoFailure{entry, e.what()});
        }
        if (m_observer) {
            try {
                m_observer(m_entries);
            } catch (...) {
                // The state file is best effort here; the undo itself already happened.
            }
        }
    }
    return failures;
}

std::vector<UndoEntry> Rollback::release() {
    m_observer = nullptr;
    return std::exchange(m_entries, {});
}

void Rollback::forget(UndoKind kind, const std::string& target) {
    std::erase_if(m_entries,
                  [&](const UndoEntry& e) { return e.kind == kind && e.target == target; });
}

Rollback Rollback::from_entries(std::vector<UndoEntry> entries) {
    Rollback r;
    r.m_entries = std::move(entries);
    return r;
}

void run_undo(const UndoEntry& entry) {
    sys::Status st;
    switch (entry.kind) {
        case UndoKind::remove_dir:
            if (rmdir(entry.target.c_str()) != 0 && errno != ENOENT) {
                st = sys::fail("rmdir", entry.target);
            }
            break;
        case UndoKind::remove_tree:
            st = sys::remove_tree(entry.target);
            break;
        case UndoKind::remove_file:
            if (unlink(entry.target.c_str()) != 0 && errno != ENOENT) {
                st = sys::fail("unlink", entry.target);
            }
            break;
        case UndoKind::unmount:
            st = sys::unmount(entry.target, true);
            if (!st && (st.error().err() == EINVAL || st.error().err() == ENOENT)) {
                st = {};  // not mounted any more
            }
            break;
        case UndoKind::remove_cgroup:
            st = sys::remove_cgroup_dir(
                entry.target,
                entry.extra.empty() ? 0U : static_cast<unsigned>(std::stoul(entry.extra)));
            break;
        case UndoKind::delete_link:
            st = host::delete_link(entry.target, entry.extra);
            break;
        case UndoKind::delete_nft_table:
            st = host::delete_nft_table(entry.target);
            break;
        case UndoKind::restore_sysctl:
            st = host::restore_sysctl(entry.target, entry.extra);
            break;
        case UndoKind::kill_process:
            st = kill_process(entry);
            break;
        case UndoKind::release_id_range:
            st = host::release_id_range(entry.target, entry.extra);
            break;
        case UndoKind::remove_state:
            st = remove_state_entries(state_location_of(entry.target));
            break;
    }
    if (!st) {
        throw st.error();
    }
}

}  // namespace sandbox::exec
