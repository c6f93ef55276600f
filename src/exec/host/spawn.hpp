#pragma once
// Pipeline step 5, spawn (docs/architecture.md §2): clone3 with the plan's namespace flags.
#include "exec/launcher.hpp"

namespace sandbox::exec::host {

// Creates the child (which runs child::child_main and waits for `go`). Records its pid and
// namespaces in ctx.record and pushes a kill_process undo entry.
sys::ChildProcess spawn_child(HostContext& ctx, SyncChannel& child_end);

// "/proc/PID/ns/TYPE" of the running sandbox `name` (through its state.json), for joins.
std::string namespace_path_of_sandbox(const std::string& state_root, const std::string& name,
                                      std::string_view ns_type);

}  // namespace sandbox::exec::host
