#pragma once
// Test-only recording of the operations the executor actually performed, so a test can hold
// them against `sandbox explain --format json` (tests/integration/test_explain_executed.cpp).
// Built with SANDBOX_FAULT_INJECTION (as exec/fault.hpp) and run with SANDBOX_RECORD_OPS=<file>:
// every record is one JSON object on its own line, appended with a single write(2) to a file
// the launcher opens before spawn (O_APPEND; the child inherits the descriptor, so records made
// after pivot_root still reach it; it is close-on-exec, so the workload never sees it).
//
// Records ("op" names the kind):
//   cgroup_dir   {path}                    a cgroup directory created (one per hierarchy)
//   cgroup_write {controller, file, value} a value written into the group
//   clone3       {flags}                   the CLONE_* flags passed to clone3
//   unshare      {flags}                   the child's unshare() after joining its cgroup
//   uid_map / gid_map {lines: [[inside, outside, count]...]}  read back from /proc/PID/
//   mountinfo    {lines: [...]}            the sandbox's /proc/self/mountinfo once the mounts
//                                          and pivot_root steps are done
//   seccomp      {default_action, rules: [{syscall, action, args}]}  the filter as handed to
//                                          the BPF compiler (the cache is keyed by these rules)
// Without the variable (and in builds without fault injection) nothing is opened or written.
#include <nlohmann/json.hpp>
#include <string_view>

namespace sandbox::exec {

// Opens the file named by SANDBOX_RECORD_OPS, once; call before spawn. No-op otherwise.
void open_op_record();
bool recording_ops();
// Whether this run will record (a test build with SANDBOX_RECORD_OPS set), before
// open_op_record: `up` asks it while planning, and a detached launcher opens the file itself.
bool op_recording_requested();
// Appends {"op": op, ...fields} as one line. Never throws; a failed write is ignored.
void record_op(std::string_view op,
               nlohmann::ordered_json fields = nlohmann::ordered_json::object());

}  // namespace sandbox::exec
