#pragma once
// Exit statuses of `sandbox` (docs/architecture.md §4). The workload's own status passes through;
// these are the ones the tool itself chooses.
namespace sandbox {

inline constexpr int k_exit_ok = 0;
inline constexpr int k_exit_timeout = 124;         // process.timeout / --timeout expired
inline constexpr int k_exit_setup_failed = 125;    // bad profile, or a setup step failed
inline constexpr int k_exit_not_executable = 126;  // EACCES / ENOEXEC at execve
inline constexpr int k_exit_not_found = 127;       // ENOENT at execve
inline constexpr int k_exit_signal_base = 128;     // 128 + N: the workload died of signal N

}  // namespace sandbox
