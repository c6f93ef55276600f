#pragma once
// One file per subcommand. Each registers its options on `app` and sets `run` to the action
// main() calls after parsing; the action returns the process exit status (DESIGN §4).
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace sandbox::cli {

using Action = std::function<int()>;

struct GlobalOptions {
    int verbosity = 0;   // -v (repeatable)
    bool quiet = false;  // -q
    std::string log_format = "text";
};

void register_up(CLI::App& app, Action& run);
void register_validate(CLI::App& app, Action& run);
void register_explain(CLI::App& app, Action& run);
void register_exec(CLI::App& app, Action& run);
void register_ps(CLI::App& app, Action& run);
void register_down(CLI::App& app, Action& run);
void register_schema(CLI::App& app, Action& run);
void register_export(CLI::App& app, Action& run);

}  // namespace sandbox::cli
