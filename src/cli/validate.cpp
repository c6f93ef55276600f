// `sandbox validate PROFILE...`: read, resolve, decode and check each profile; print every
// problem (sorted, `file:line:col: key.path: message`), exit 125 if any profile has one.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "common/exit_codes.hpp"
#include "profile/loader.hpp"

namespace sandbox::cli {

namespace {
struct ValidateOptions {
    std::vector<std::string> profiles;
    std::string format = "text";
};

int run_validate(const ValidateOptions& options) {
    bool all_ok = true;
    nlohmann::json results = nlohmann::json::array();
    for (const std::string& name : options.profiles) {
        profile::LoadResult loaded = profile::load_profile(name);
        bool ok = loaded.diagnostics.empty();
        all_ok = all_ok && ok;
        if (options.format == "json") {
            nlohmann::json diags = nlohmann::json::array();
            for (const profile::Diagnostic& d : loaded.diagnostics.sorted()) {
                diags.push_back({{"file", d.where.file_name()},
                                 {"line", d.where.line},
                                 {"column", d.where.column},
                                 {"key", d.key_path},
                                 {"message", d.message},
                                 {"hint", d.hint}});
            }
            results.push_back(
                {{"profile", name}, {"path", loaded.path}, {"valid", ok}, {"diagnostics", diags}});
        } else if (!ok) {
            std::fputs(loaded.diagnostics.str().c_str(), stderr);
        }
    }
    if (options.format == "json") {
        std::printf("%s\n", results.dump(2).c_str());
    }
    return all_ok ? k_exit_ok : k_exit_setup_failed;
}
}  // namespace

void register_validate(CLI::App& app, Action& run) {
    auto options = std::make_shared<ValidateOptions>();
    CLI::App* cmd = app.add_subcommand("validate", "Check profiles without touching the system");
    cmd->add_option("profile", options->profiles, "Profile files or names on the search path")
        ->required();
    cmd->add_option("--format", options->format, "Output format")
        ->check(CLI::IsMember({"text", "json"}));
    cmd->callback([&run, options] { run = [options] { return run_validate(*options); }; });
}

}  // namespace sandbox::cli
