// `sandbox` entry point: CLI11 setup, dispatch, the one catch-all, outcome -> exit code.
#include <cstdio>
#include <exception>

#include "build_config.hpp"
#include "cli/commands.hpp"
#include "common/exit_codes.hpp"
#include "common/log.hpp"

int main(int argc, char** argv) {
    using namespace sandbox;
    CLI::App app{"sandbox: declarative, config-file driven Linux sandboxes", "sandbox"};
    app.set_version_flag("--version", std::string("sandbox ") + SANDBOX_VERSION);
    app.require_subcommand(1);
    app.fallthrough();

    cli::GlobalOptions global;
    app.add_flag("-v,--verbose", global.verbosity,
                 "More log output on stderr (-v info, -vv debug, -vvv trace)");
    app.add_flag("-q,--quiet", global.quiet, "Only errors on stderr");
    app.add_option("--log-format", global.log_format, "Log format on stderr")
        ->check(CLI::IsMember({"text", "json"}));

    cli::Action run;
    cli::register_up(app, run);
    cli::register_validate(app, run);
    cli::register_explain(app, run);
    cli::register_exec(app, run);
    cli::register_ps(app, run);
    cli::register_down(app, run);
    cli::register_schema(app, run);
    cli::register_export(app, run);

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : k_exit_setup_failed;
    }

    log::setup(global.quiet ? -1 : global.verbosity,
               global.log_format == "json" ? log::Format::json : log::Format::text);
    try {
        return run ? run() : k_exit_setup_failed;
    } catch (const std::exception& e) {
        // Every layer adds context to the exception instead of logging, so this is the one
        // place an unexpected error is printed.
        std::fprintf(stderr, "sandbox: error: %s\n", e.what());
        return k_exit_setup_failed;
    }
}
