#pragma once
// Splitting and joining of separated lists ("a,b,c", "/usr/lib", "lower1:lower2"), written once
// for every layer.
#include <string>
#include <string_view>
#include <vector>

namespace sandbox::text {

// Every piece between separators, empty ones included: "a,,b" -> {"a", "", "b"}, "" -> {""}.
inline std::vector<std::string> split(std::string_view text, char separator) {
    std::vector<std::string> out;
    size_t start = 0;
    for (;;) {
        size_t end = text.find(separator, start);
        if (end == std::string_view::npos) {
            out.emplace_back(text.substr(start));
            return out;
        }
        out.emplace_back(text.substr(start, end - start));
        start = end + 1;
    }
}

inline std::string join(const std::vector<std::string>& items, std::string_view separator) {
    std::string out;
    for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) {
            out += separator;
        }
        out += items[i];
    }
    return out;
}

}  // namespace sandbox::text
