// `sandbox` entry point: CLI11 setup, dispatch, the one catch-all, outcome -> exit code.
#include <cstdio>
#include <exception>
#include <string_view>

#include "build_config.hpp"
#include "cli/commands.hpp"
#include "common/exit_codes.hpp"
#include "common/log.hpp"

namespace {

// `-v` is --volume, as in docker and podman; before the subcommand it used to mean --verbose.
// Say so instead of CLI11's bare "not expected".
bool refuse_global_v(const std::vector<std::string>& words, CLI::App& app) {
    for (size_t i = 1; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (!w.empty() && w[0] != '-') {
            auto named = [&w](CLI::App* sub) { return sub->check_name(w); };
            if (!app.get_subcommands(named).empty()) {
                return false;  // the subcommand: from here on -v is its --volume
            }
            continue;  // the value of a global option (--log-format json)
        }
        if (w.size() >= 2 && w[0] == '-' && w[1] == 'v' &&
            w.find_first_not_of('v', 1) == std::string::npos) {
            std::fprintf(stderr,
                         "sandbox: '%s' before the subcommand: -v is --volume SRC:DST[:ro] "
                         "(after the subcommand); for more log output use --verbose "
                         "(repeatable) or --log-level debug\n",
                         w.c_str());
            return true;
        }
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    using namespace sandbox;
    CLI::App app{"sandbox: declarative, config-file driven Linux sandboxes", "sandbox"};
    app.set_version_flag("--version", std::string("sandbox ") + SANDBOX_VERSION);
    app.require_subcommand(1);
    app.fallthrough();
    app.footer("Everything after `--` is the command to run, passed on byte for byte.");

    cli::GlobalOptions global;
    app.add_flag("--verbose", global.verbosity,
                 "More log output on stderr (repeatable: info, debug, trace)");
    app.add_flag("-q,--quiet", global.quiet, "Only errors on stderr");
    app.add_option("--log-level", global.log_level, "Log level on stderr (default warn)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));
    app.add_option("--log-format", global.log_format, "Log format on stderr")
        ->check(CLI::IsMember({"text", "json"}));

    cli::CommandTail tail;
    std::vector<std::string> words = cli::split_command_tail(argc, argv, tail);

    cli::Action run;
    cli::register_up(app, run, tail);
    cli::register_validate(app, run, global);
    cli::register_explain(app, run, tail);
    cli::register_exec(app, run, tail);
    cli::register_ps(app, run);
    cli::register_down(app, run);
    cli::register_schema(app, run);
    cli::register_export(app, run, tail);

    if (refuse_global_v(words, app)) {
        return k_exit_setup_failed;
    }
    std::vector<char*> head;
    for (std::string& w : words) {
        head.push_back(w.data());
    }
    try {
        app.parse(static_cast<int>(head.size()), head.data());
    } catch (const CLI::ParseError& e) {
        int code = app.exit(e);
        return code == 0 ? 0 : k_exit_setup_failed;
    }
    if (tail.given && !tail.used && !tail.args.empty()) {
        std::string which = app.get_subcommands().empty()
                                ? std::string("this command")
                                : "'" + app.get_subcommands().front()->get_name() + "'";
        std::fprintf(stderr, "sandbox: %s takes no command after '--'\n", which.c_str());
        return k_exit_setup_failed;
    }

    log::setup(log::level_from(global.log_level, global.quiet ? -1 : global.verbosity),
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
