#pragma once
// The run report (`sandbox up --report FILE`, docs/architecture.md §2 "After exit"): how the
// workload ended, each step's duration, usage from the cgroup and any undo failure. Written last,
// after unwind.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "exec/rollback.hpp"

namespace sandbox::exec {

struct ReportUndoFailure {
    std::string kind;  // to_string(UndoKind)
    std::string target;
    std::string message;
};

struct Report {
    int version = 1;  // of this JSON shape
    std::string name;
    int exit_status = 0;    // what `sandbox up` exits with
    std::string ended_how;  // "exited" | "signaled" | "oom" | "timeout" | "setup_failed"
    int signal = 0;         // "signaled"/"timeout"/"oom": the signal that ended the workload
    std::optional<std::string> failed_step;               // "setup_failed": the StepId string
    std::string error;                                    // "setup_failed": the one-line error
    std::vector<std::pair<std::string, double>> step_ms;  // StepId string -> ms, in run order
    double wall_ms = 0;                                   // launcher start to report
    std::optional<uint64_t> peak_memory;                  // bytes; nullopt when there was no cgroup
    std::optional<uint64_t> cpu_usec;
    std::optional<uint64_t> oom_kills;
    // The cgroup the workload ran in; nullopt = none was used (rootless without a delegated
    // subtree and no [limits], or no cgroups on the host): usage is then unknown.
    std::optional<std::string> cgroup;
    std::vector<ReportUndoFailure> undo_failures;
    // uid_map = "auto": the host ranges this run leased (explain can only say "auto").
    struct IdRange {
        uint32_t uid_start = 0;
        uint32_t gid_start = 0;
        uint32_t count = 0;
    };
    std::optional<IdRange> id_range;
};

// Keys: version, name, exit_status, ended_how, signal, failed_step (null unless set), error,
// steps (array of {step, ms}), wall_ms, cgroup (its directory, null when no cgroup was used),
// usage {peak_memory_bytes, cpu_usec, oom_kills} (each null when unknown), undo_failures (array of
// {kind, target, message}); with uid_map = "auto" also id_map {uid_start, gid_start, count}.
nlohmann::json to_json(const Report& report);

// Writes to_json(report) (indented, trailing newline) to `path` atomically: a temp file in the
// same directory, fsync, rename. Throws sys::SysError.
void write_report(const Report& report, const std::string& path);

// Convenience for the launcher: Rollback::unwind() results in report form.
inline std::vector<ReportUndoFailure> to_report(const std::vector<UndoFailure>& failures) {
    std::vector<ReportUndoFailure> out;
    out.reserve(failures.size());
    for (const UndoFailure& f : failures) {
        out.push_back({std::string(to_string(f.entry.kind)), f.entry.target, f.message});
    }
    return out;
}

}  // namespace sandbox::exec
