#pragma once
// Where a value was written: file, 1-based line and column. line == 0 means "no position"
// (a value from the command line or a built-in default); the file then names the origin,
// e.g. "--set" or "<default>".
#include <cstdint>
#include <memory>
#include <string>

namespace sandbox::profile {

struct SourceLocation {
    std::shared_ptr<const std::string> file;
    uint32_t line = 0;
    uint32_t column = 0;

    // "file:line:col", "file" when there is no position, "<unknown>" when there is no file.
    std::string str() const;
    const std::string& file_name() const;

    static SourceLocation in(std::shared_ptr<const std::string> f, uint32_t line, uint32_t column) {
        return SourceLocation{std::move(f), line, column};
    }
    static SourceLocation named(std::string origin) {
        return SourceLocation{std::make_shared<const std::string>(std::move(origin)), 0, 0};
    }
};

// Orders by file name, then line, then column (how diagnostics are sorted).
bool operator<(const SourceLocation& a, const SourceLocation& b);

}  // namespace sandbox::profile
