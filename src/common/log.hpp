#pragma once
// One spdlog logger on stderr, single-threaded (the launcher stays single-threaded until
// clone3). The workload's stdout/stderr are never touched.
#include <spdlog/spdlog.h>

#include <string>

namespace sandbox::log {

enum class Format { text, json };

// verbosity: -1 = quiet (errors only), 0 = warn (default), 1 = info, 2 = debug, 3 = trace.
void setup(int verbosity, Format format);

// --log-level NAME (trace|debug|info|warn|error) as a verbosity for setup(); an empty name
// gives `fallback` (from --verbose / -q).
int level_from(const std::string& name, int fallback);

// One line for the user about how the sandbox ended when the workload cannot have said it
// (timed out, killed for memory): "sandbox: TEXT" on stderr, or a JSON log line with
// --log-format json. Shown at the default level, suppressed by -q.
void notice(const std::string& text);

}  // namespace sandbox::log
