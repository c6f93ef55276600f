#pragma once
// Plan -> text and JSON for `sandbox explain`. What it prints is the plan the executor runs:
// one header per pipeline step (StepId names, in docs/architecture.md §2 order) and one line per
// operation, with kernel flags spelled symbolically (MS_BIND|MS_REC|MS_RDONLY, CLONE_NEWPID, ...).
#include <string>

#include "plan/plan.hpp"
#include "profile/origins.hpp"

namespace sandbox::plan {

struct ExplainOptions {
    std::string profile_path;                   // shown in the header; may be empty
    const profile::Origins* origins = nullptr;  // set: add where each value came from
};

std::string explain_text(const Plan& plan, const ExplainOptions& options = {});
// The same content as an object (pipeline order kept), pretty-printed, with a trailing newline.
std::string explain_json(const Plan& plan, const ExplainOptions& options = {});

// "MS_BIND|MS_REC|MS_RDONLY": every flag the executor passes for `op` (binds include MS_BIND;
// propagation is the flag of its own mount call). Empty when none.
std::string mount_flags_str(const MountOp& op);
// "CLONE_NEWUSER|CLONE_NEWPID|..." for the namespaces the plan creates (clone3 flags).
std::string clone_flags_str(const SpawnPlan& spawn);

std::string_view to_string(MountOpKind kind);
std::string_view to_string(MountOp::Create create);

}  // namespace sandbox::plan
