#pragma once
// One file per subcommand. Each registers its options on `app` and sets `run` to the action
// main() calls after parsing; the action returns the process exit status (docs/architecture.md).
#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

namespace sandbox::cli {

using Action = std::function<int()>;

struct GlobalOptions {
    int verbosity = 0;      // --verbose (repeatable): info, debug, trace
    bool quiet = false;     // -q: errors only (and no "FILE: ok" from validate)
    std::string log_level;  // --log-level trace|debug|info|warn|error; wins over the two above
    std::string log_format = "text";
};

// Everything after the first `--` on the command line. main() splits it off before CLI11 sees
// the rest, because CLI11 rewrites the values of a vector option: it splits "c,d" and parses a
// bracketed "[ a ]" as a list, so `sh -c '[ -f x ] && make'` arrived as `sh -c ' -f x  && make'`.
// These words reach process.args (and execve) byte for byte.
struct CommandTail {
    bool given = false;             // a `--` was on the command line
    std::vector<std::string> args;  // the words after it, verbatim
    bool used = false;              // set by the subcommand that took them (up, exec, ...)
};

// Splits argv at the first "--": the words before it (argv[0] included) for CLI11, the words
// after it into `tail`.
std::vector<std::string> split_command_tail(int argc, const char* const* argv, CommandTail& tail);

void register_up(CLI::App& app, Action& run, CommandTail& tail);
void register_validate(CLI::App& app, Action& run, const GlobalOptions& global);
void register_explain(CLI::App& app, Action& run, CommandTail& tail);
void register_exec(CLI::App& app, Action& run, CommandTail& tail);
void register_ps(CLI::App& app, Action& run);
void register_down(CLI::App& app, Action& run);
void register_schema(CLI::App& app, Action& run);
void register_export(CLI::App& app, Action& run, CommandTail& tail);

}  // namespace sandbox::cli
