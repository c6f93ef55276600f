// Plan printer. No decisions and no wording here: each step describes itself (describe() in
// plan/describe.hpp, next to the step's planning code) and both formats lay out those same
// descriptions, so the text and the JSON cannot drift apart, nor from what the executor runs.
// Steps print in docs/architecture.md §2 order.
#include "plan/explain.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "plan/describe.hpp"

namespace sandbox::plan {

std::vector<StepDescription> describe_plan(const Plan& p, const ExplainOptions& options) {
    std::vector<StepDescription> out;
    out.push_back(describe(p.state));
    out.push_back(describe(p.rootfs));
    out.push_back(describe(p.cgroup));
    out.push_back(describe(p.spawn, p.kernel, p.cgroup));
    out.push_back(describe(p.id_maps));
    out.push_back(describe(p.network_host));
    out.push_back(describe(p.identity));
    out.push_back(describe(p.mounts, options.origins));
    out.push_back(describe(p.pivot));
    out.push_back(describe(p.network_sandbox));
    out.push_back(describe_init(p.process));
    out.push_back(describe(p.process));
    out.push_back(describe_credentials(p.process));
    out.push_back(describe(p.capabilities, p.security));
    out.push_back(describe(p.seccomp, p.capabilities));
    out.push_back(describe_exec(p.process));
    return out;
}

std::string explain_text(const Plan& plan, const ExplainOptions& options) {
    std::string out = fmt::format("sandbox \"{}\"", plan.state.sandbox_name);
    if (!options.profile_path.empty()) {
        out += " from " + options.profile_path;
    }
    out += "\n";
    for (const StepDescription& d : describe_plan(plan, options)) {
        bool has_notes = std::any_of(plan.notes.begin(), plan.notes.end(),
                                     [&](const PlanNote& n) { return n.step == d.step; });
        if (d.lines.empty() && !has_notes) {
            continue;  // a step with nothing to do (init without a pid namespace)
        }
        out += std::string(to_string(d.step));
        if (!d.suffix.empty()) {
            out += " (" + d.suffix + ")";
        }
        out += "\n";
        for (const PlanNote& n : plan.notes) {
            if (n.step == d.step) {
                out += fmt::format("  ! {}: {}\n", to_string(n.level), n.message);
            }
        }
        for (const std::string& line : d.lines) {
            out += "  " + line + "\n";
        }
    }
    if (plan.has_errors()) {
        out += "! this plan has errors: `sandbox up` refuses to run it\n";
    }
    if (options.origins) {
        // Every key path the profile files (or the command line) set, with where it was set;
        // values not listed are the field table's defaults.
        out += "origins\n";
        size_t width = 0;
        for (const auto& [key, where] : *options.origins) {
            width = std::max(width, key.size());
        }
        for (const auto& [key, where] : *options.origins) {
            out += fmt::format("  {:<{}}  {}\n", key.empty() ? "<root>" : key, width, where.str());
        }
    }
    return out;
}

std::string explain_json(const Plan& p, const ExplainOptions& options) {
    DescJson j;
    j["sandbox"] = p.state.sandbox_name;
    if (!options.profile_path.empty()) {
        j["profile"] = options.profile_path;
    }
    j["valid"] = !p.has_errors();

    DescJson steps = DescJson::object();
    for (StepDescription& d : describe_plan(p, options)) {
        DescJson notes = DescJson::array();
        for (const PlanNote& n : p.notes) {
            if (n.step == d.step) {
                notes.push_back({{"level", to_string(n.level)}, {"message", n.message}});
            }
        }
        DescJson step = std::move(d.fields);
        if (!d.suffix.empty()) {
            step["heading"] = d.suffix;
        }
        step["lines"] = d.lines;
        step["notes"] = notes;
        steps[std::string(to_string(d.step))] = std::move(step);
    }
    j["steps"] = steps;

    DescJson notes = DescJson::array();
    for (const PlanNote& n : p.notes) {
        notes.push_back(
            {{"step", to_string(n.step)}, {"level", to_string(n.level)}, {"message", n.message}});
    }
    j["notes"] = notes;
    if (options.origins) {
        DescJson origins = DescJson::object();
        for (const auto& [key, where] : *options.origins) {
            origins[key] = where.str();
        }
        j["origins"] = origins;
    }
    return j.dump(2) + "\n";
}

}  // namespace sandbox::plan
