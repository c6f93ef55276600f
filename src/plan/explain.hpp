#pragma once
// Plan -> text and JSON for `sandbox explain`. What it prints is the plan the executor runs:
// one header per pipeline step (StepId names, in docs/architecture.md §2 order) and one line per
// operation, with kernel flags spelled symbolically (MS_BIND|MS_REC|MS_RDONLY, CLONE_NEWPID, ...).
// Both formats render the steps' own descriptions (plan/describe.hpp).
#include <string>
#include <vector>

#include "plan/describe.hpp"
#include "plan/plan.hpp"
#include "profile/origins.hpp"

namespace sandbox::plan {

struct ExplainOptions {
    std::string profile_path;                   // shown in the header; may be empty
    const profile::Origins* origins = nullptr;  // set: add where each value came from
};

// Every step's description, in pipeline order (init only with a pid1 init).
std::vector<StepDescription> describe_plan(const Plan& plan, const ExplainOptions& options = {});

std::string explain_text(const Plan& plan, const ExplainOptions& options = {});
// The same content as an object (pipeline order kept), pretty-printed, with a trailing newline:
// per step its fields, its text lines ("lines") and its plan notes ("notes").
std::string explain_json(const Plan& plan, const ExplainOptions& options = {});

}  // namespace sandbox::plan
