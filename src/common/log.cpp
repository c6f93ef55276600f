#include "common/log.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>

#include <cstdio>

namespace sandbox::log {

namespace {
Format g_format = Format::text;
}  // namespace

void setup(int verbosity, Format format) {
    g_format = format;
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

int level_from(const std::string& name, int fallback) {
    if (name == "error") {
        return -1;
    }
    if (name == "warn") {
        return 0;
    }
    if (name == "info") {
        return 1;
    }
    if (name == "debug") {
        return 2;
    }
    if (name == "trace") {
        return 3;
    }
    return fallback;
}

void notice(const std::string& text) {
    if (!spdlog::should_log(spdlog::level::warn)) {
        return;
    }
    if (g_format == Format::json) {
        spdlog::warn("{}", text);
        return;
    }
    std::string line = "sandbox: " + text + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace sandbox::log
