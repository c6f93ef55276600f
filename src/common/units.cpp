#include "common/units.hpp"

#include <cctype>
#include <cmath>
#include <limits>

namespace sandbox::units {

namespace {
std::string quoted(std::string_view t) {
    return "'" + std::string(t) + "'";
}
}  // namespace

tl::expected<uint64_t, std::string> parse_size(std::string_view text) {
    const std::string bad = "expected a size such as \"512MiB\" or \"1G\", got " + quoted(text);
    size_t i = 0;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
        ++i;
    }
    std::string_view number = text.substr(0, i);
    std::string_view suffix = text.substr(i);
    if (number.empty() || number.front() == '.' || number.back() == '.' ||
        number.find('.') != number.rfind('.')) {
        return tl::unexpected(bad);
    }
    uint64_t multiplier = 1;
    if (suffix == "B" || suffix == "b") {
        suffix = {};
    }
    if (!suffix.empty()) {
        char unit = static_cast<char>(std::toupper(static_cast<unsigned char>(suffix[0])));
        std::string_view rest = suffix.substr(1);
        // K, M, G, T: each 1024 times the one before.
        constexpr std::string_view k_units = "KMGT";
        size_t power = k_units.find(unit);
        if (power == std::string_view::npos) {
            return tl::unexpected(bad);
        }
        multiplier = 1ULL << (10 * (power + 1));
        if (!(rest.empty() || rest == "i" || rest == "B" || rest == "iB" || rest == "b" ||
              rest == "ib")) {
            return tl::unexpected(bad);
        }
    }
    if (number.size() > 30) {
        return tl::unexpected("size " + quoted(text) + " is too large");
    }
    if (number.find('.') != std::string_view::npos) {
        long double v = std::stold(std::string(number)) * static_cast<long double>(multiplier);
        if (v >= static_cast<long double>(std::numeric_limits<uint64_t>::max())) {
            return tl::unexpected("size " + quoted(text) + " is too large");
        }
        if (v != std::floor(v)) {
            return tl::unexpected("size " + quoted(text) + " is not a whole number of bytes");
        }
        return static_cast<uint64_t>(v);
    }
    uint64_t value = 0;
    for (char c : number) {
        uint64_t digit = static_cast<uint64_t>(c - '0');
        if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) {
            return tl::unexpected("size " + quoted(text) + " is too large");
        }
        value = value * 10 + digit;
    }
    if (multiplier != 1 && value > std::numeric_limits<uint64_t>::max() / multiplier) {
        return tl::unexpected("size " + quoted(text) + " is too large");
    }
    return value * multiplier;
}

tl::expected<std::chrono::milliseconds, std::string> parse_duration(std::string_view text) {
    const std::string bad =
        "expected a duration such as \"30s\", \"10m\" or \"1m30s\", got " + quoted(text);
    if (text.empty()) {
        return tl::unexpected(bad);
    }
    uint64_t total_ms = 0;
    size_t i = 0;
    const uint64_t cap = 1000ULL * 3600 * 24 * 365 * 100;  // 100 years: anything larger is a typo
    while (i < text.size()) {
        size_t start = i;
        uint64_t value = 0;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            value = value * 10 + static_cast<uint64_t>(text[i] - '0');
            if (value > cap) {
                return tl::unexpected("duration " + quoted(text) + " is too long");
            }
            ++i;
        }
        if (i == start) {
            return tl::unexpected(bad);
        }
        uint64_t unit_ms = 0;
        if (text.substr(i, 2) == "ms") {
            unit_ms = 1;
            i += 2;
        } else if (i < text.size() && text[i] == 's') {
            unit_ms = 1000;
            ++i;
        } else if (i < text.size() && text[i] == 'm') {
            unit_ms = 60'000;
            ++i;
        } else if (i < text.size() && text[i] == 'h') {
            unit_ms = 3'600'000;
            ++i;
        } else {
            return tl::unexpected(bad);
        }
        total_ms += value * unit_ms;
        if (total_ms > cap) {
            return tl::unexpected("duration " + quoted(text) + " is too long");
        }
    }
    return std::chrono::milliseconds(total_ms);
}

std::string format_size(uint64_t bytes) {
    static const char* names[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int unit = 0;
    while (unit < 4 && bytes != 0 && bytes % 1024 == 0) {
        bytes /= 1024;
        ++unit;
    }
    return std::to_string(bytes) + names[unit];
}

std::string format_duration(std::chrono::milliseconds d) {
    uint64_t ms = static_cast<uint64_t>(d.count());
    if (ms == 0) {
        return "0s";
    }
    std::string out;
    auto take = [&](uint64_t unit, const char* name) {
        if (ms >= unit) {
            out += std::to_string(ms / unit) + name;
            ms %= unit;
        }
    };
    take(3'600'000, "h");
    take(60'000, "m");
    take(1000, "s");
    take(1, "ms");
    return out;
}

}  // namespace sandbox::units
