#include "profile/source_location.hpp"

#include <tuple>

namespace sandbox::profile {

namespace {
const std::string k_unknown = "<unknown>";
}

const std::string& SourceLocation::file_name() const {
    return file ? *file : k_unknown;
}

std::string SourceLocation::str() const {
    if (line == 0) {
        return file_name();
    }
    return file_name() + ":" + std::to_string(line) + ":" + std::to_string(column);
}

bool operator<(const SourceLocation& a, const SourceLocation& b) {
    return std::tie(a.file_name(), a.line, a.column) < std::tie(b.file_name(), b.line, b.column);
}

}  // namespace sandbox::profile
