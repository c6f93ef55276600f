// `sandbox` entry point: CLI11 setup, dispatch, the one catch-all, outcome -> exit code.
#include <cstdio>
#include <exception>
#include <functional>
#include <string_view>
#include <utility>
#include <vector>

#include "build_config.hpp"
#include "cli/commands.hpp"
#include "common/exit_codes.hpp"
#include "common/log.hpp"
#include "sys/process.hpp"

namespace {

// The subcommand the line names: the first word that is no option and is one of `names`;
// empty when there is none (`sandbox --help`, `sandbox --version`). Other words before it are
// values of global options (--log-format json).
template <class Table>
std::string_view named_subcommand(const std::vector<std::string>& words, const Table& names) {
    for (size_t i = 1; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (w.empty() || w[0] == '-') {
            continue;
        }
        for (const auto& [name, add] : names) {
            if (w == name) {
                return name;
            }
        }
    }
    return {};
}

// `-v` is --volume, as in docker and podman; before the subcommand it used to mean --verbose.
// Say so instead of CLI11's bare "not expected".
bool refuse_global_v(const std::vector<std::string>& words, std::string_view subcommand) {
    for (size_t i = 1; i < words.size(); ++i) {
        const std::string& w = words[i];
        if (!subcommand.empty() && w == subcommand) {
            return false;  // the subcommand: from here on -v is its --volume
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
    // Before anything may move them: the init retitles itself there (exec/child/init.cpp).
    sys::remember_process_title_area(argc, argv);
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

    // Only the subcommand the line names is built: CLI11 builds every option of every
    // subcommand it is given (about 0.15 ms for all eight, docs/performance.md), and a run
    // parses one. Without a named one (help, a typo) all are built, so help lists them and
    // CLI11 can say what was meant.
    cli::Action run;
    const std::vector<std::pair<std::string_view, std::function<void()>>> subcommands = {
        {"up", [&] { cli::register_up(app, run, tail); }},
        {"validate", [&] { cli::register_validate(app, run, global); }},
        {"explain", [&] { cli::register_explain(app, run, tail); }},
        {"exec", [&] { cli::register_exec(app, run, tail); }},
        {"ps", [&] { cli::register_ps(app, run); }},
        {"down", [&] { cli::register_down(app, run); }},
        {"schema", [&] { cli::register_schema(app, run); }},
        {"export", [&] { cli::register_export(app, run, tail); }},
    };
    std::string_view named = named_subcommand(words, subcommands);
    // `schema` renders the man pages and completions from the whole tree: it needs them all.
    // `sandbox --version` alone needs none: CLI11 answers the flag as soon as it reads it.
    bool all =
        (named.empty() && !(words.size() == 2 && words[1] == "--version")) || named == "schema";
    for (const auto& [name, add] : subcommands) {
        if (all || name == named) {
            add();
        }
    }

    if (refuse_global_v(words, named)) {
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
