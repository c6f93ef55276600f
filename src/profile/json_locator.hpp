#pragma once
// Where a value of a JSON document stands in its text: nlohmann::json keeps no positions, so
// the seccomp import (profile/seccomp_import.cpp) finds them again for its file:line:col errors.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/source_location.hpp"

namespace sandbox::profile {

struct PathElem {
    std::string key;  // object member, or empty for an array index
    size_t index = 0;
};
using JsonPath = std::vector<PathElem>;

// "syscalls[3].names[0]".
std::string path_str(const JsonPath& path);

// The byte offset of the value at `path` in `text` (JSON that nlohmann already accepted);
// nullopt when the path is not there.
std::optional<size_t> find_json_value(std::string_view text, const JsonPath& path);

// line:col of byte `offset` of `text`, in `file`.
SourceLocation location_at(const std::shared_ptr<const std::string>& file, std::string_view text,
                           size_t offset);

}  // namespace sandbox::profile
