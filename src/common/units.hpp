#pragma once
// Sizes and durations as users write them. Pure parsing; errors are returned as text so the
// profile layer can turn them into diagnostics.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <tl/expected.hpp>

namespace sandbox::units {

// "512M", "512MiB", "1G", "1.5GiB", "4096", "64k": K/M/G/T (powers of 1024) with optional
// "i" and "B"; a bare "B" suffix or none means bytes. Overflow and garbage are errors.
tl::expected<uint64_t, std::string> parse_size(std::string_view text);

// "30s", "10m", "1h", "250ms", "1m30s", "1h2m3s500ms". A bare number is an error (unit needed).
tl::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text);

// 536870912 -> "512MiB" (exact binary unit when it divides, else bytes).
std::string format_size(uint64_t bytes);
// 90000ms -> "1m30s"
std::string format_duration(std::chrono::milliseconds d);

}  // namespace sandbox::units
