// `sandbox validate PROFILE...`: read, resolve, decode and check each profile; print every
// problem (sorted, `file:line:col: key.path: message`) on stderr and `FILE: ok` on stdout for
// each valid one (not with -q); exit 125 if any profile has a problem. Host paths the profile
// names (rootfs.path) are looked at, read-only: a rootfs that is missing is reported here.
// --format json prints one object per profile; --format github prints GitHub Actions workflow
// commands (`::error file=F,line=L,col=C,title=KEY::MESSAGE`) so a pull request shows each
// problem on its line; --format sarif prints a SARIF 2.1.0 log for code-scanning tools
// (docs/ci.md).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/validate_formats.hpp"
#include "common/exit_codes.hpp"
#include "exec/host_probe.hpp"
#include "profile/loader.hpp"

namespace sandbox::cli {

namespace {
struct ValidateOptions {
    std::vector<std::string> profiles;
    std::string format = "text";
    bool quiet = false;
};

int run_validate(const ValidateOptions& options) {
    bool all_ok = true;
    nlohmann::json results = nlohmann::json::array();
    std::vector<ValidatedProfile> validated;
    for (const std::string& name : options.profiles) {
        profile::LoadOptions load_options;
        load_options.check_host_paths = true;
        load_options.kernel_release = exec::kernel_release();
        profile::LoadResult loaded = profile::load_profile(name, {}, load_options);
        bool ok = loaded.diagnostics.empty();
        all_ok = all_ok && ok;
        if (options.format == "github" || options.format == "sarif") {
            validated.push_back({name, loaded.path, loaded.diagnostics.sorted()});
        } else if (options.format == "json") {
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
        } else if (!options.quiet) {
            std::printf("%s: ok\n", loaded.path.empty() ? name.c_str() : loaded.path.c_str());
        }
    }
    if (options.format == "json") {
        std::printf("%s\n", results.dump(2).c_str());
    } else if (options.format == "github") {
        std::string text = github_annotations(validated);
        std::fwrite(text.data(), 1, text.size(), stdout);
    } else if (options.format == "sarif") {
        std::printf("%s\n", sarif_log(validated).dump(2).c_str());
    }
    return all_ok ? k_exit_ok : k_exit_setup_failed;
}
}  // namespace

void register_validate(CLI::App& app, Action& run, const GlobalOptions& global) {
    auto options = std::make_shared<ValidateOptions>();
    CLI::App* cmd = app.add_subcommand("validate", "Check profiles without touching the system");
    cmd->add_option("profile", options->profiles, "Profile files or names on the search path")
        ->required();
    cmd->add_option("--format", options->format,
                    "Output format: text, json, github (workflow commands), sarif (SARIF 2.1.0)")
        ->check(CLI::IsMember({"text", "json", "github", "sarif"}));
    cmd->callback([&run, &global, options] {
        run = [&global, options] {
            options->quiet = global.quiet || global.log_level == "error";
            return run_validate(*options);
        };
    });
}

}  // namespace sandbox::cli
