// `sandbox explain PROFILE [--origin] [--report] [--format text|json] [overrides] [-- CMD...]`:
// load the profile exactly as `up` would (same overrides), plan it against this host's facts, and
// print the plan. Changes nothing on the system. Exit 125 when the profile is bad or the plan
// cannot run on this host (error notes), 0 otherwise.
#include "plan/explain.hpp"

#include <cstdio>

#include "cli/commands.hpp"
#include "cli/overrides.hpp"
#include "common/exit_codes.hpp"
#include "exec/host_probe.hpp"
#include "plan/plan.hpp"
#include "profile/loader.hpp"

namespace sandbox::cli {

namespace {

struct ExplainCliOptions {
    std::string profile;
    bool origin = false;
    bool report = false;  // plan as `up --report` would: a cgroup for the usage figures
    std::string format = "text";
    profile::Overrides overrides;
};

int run_explain(const ExplainCliOptions& options) {
    std::optional<profile::LoadResult> result = load_or_report(options.profile, options.overrides);
    if (!result) {
        return k_exit_setup_failed;
    }
    profile::LoadResult& loaded = *result;
    plan::HostFacts facts = exec::probe_host();
    plan::Plan plan =
        plan::make_plan(*loaded.profile, facts, plan::PlanRequest{.usage = options.report});

    plan::ExplainOptions explain;
    explain.profile_path = loaded.path;
    if (options.origin) {
        explain.origins = &loaded.origins;
    }
    std::string out = options.format == "json" ? plan::explain_json(plan, explain)
                                               : plan::explain_text(plan, explain);
    std::fwrite(out.data(), 1, out.size(), stdout);
    std::fflush(stdout);
    return plan.has_errors() ? k_exit_setup_failed : k_exit_ok;
}

}  // namespace

void register_explain(CLI::App& app, Action& run, CommandTail& tail) {
    auto options = std::make_shared<ExplainCliOptions>();
    CLI::App* cmd =
        app.add_subcommand("explain", "Print the plan `up` would run, without running it");
    cmd->add_option("profile", options->profile, "Profile file or name on the search path")
        ->required();
    cmd->add_flag("--origin", options->origin,
                  "Show where each profile value came from (file:line:col)");
    cmd->add_flag("--report", options->report,
                  "Plan as `up --report` would (a cgroup for the report's usage figures)");
    cmd->add_option("--format", options->format, "Output format")
        ->check(CLI::IsMember({"text", "json"}));
    add_override_options(*cmd, options->overrides);
    cmd->callback([&run, &tail, options] {
        take_command_tail(tail, options->overrides.command);
        run = [options] { return run_explain(*options); };
    });
}

}  // namespace sandbox::cli
