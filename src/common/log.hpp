#pragma once
// One spdlog logger on stderr, single-threaded (the launcher stays single-threaded until
// clone3). The workload's stdout/stderr are never touched.
#include <spdlog/spdlog.h>

namespace sandbox::log {

enum class Format { text, json };

// verbosity: -1 = quiet (errors only), 0 = warn (default), 1 = info, 2 = debug, 3 = trace.
void setup(int verbosity, Format format);

}  // namespace sandbox::log
