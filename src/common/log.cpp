#include "common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace sandbox::log {

void setup(int verbosity, Format format) {
    auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_st>();
    auto logger = std::make_shared<spdlog::logger>("sandbox", sink);
    if (format == Format::json) {
        // One JSON object per line; %v is escaped by spdlog only for control characters, so
        // messages avoid raw quotes (they quote user values with '...').
        logger->set_pattern(
            R"({"time":"%Y-%m-%dT%H:%M:%S.%e%z","level":"%l","pid":%P,"msg":"%v"})");
    } else {
        logger->set_pattern("sandbox: %^%l%$: %v");
    }
    spdlog::level::level_enum level = spdlog::level::warn;
    if (verbosity < 0) {
        level = spdlog::level::err;
    } else if (verbosity == 1) {
        level = spdlog::level::info;
    } else if (verbosity == 2) {
        level = spdlog::level::debug;
    } else if (verbosity >= 3) {
        level = spdlog::level::trace;
    }
    logger->set_level(level);
    spdlog::set_default_logger(logger);
}

}  // namespace sandbox::log
