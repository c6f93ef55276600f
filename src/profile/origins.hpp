#pragma once
// Where each decoded value came from, by key path ("limits.memory", "mounts[1].target").
// `explain --origin` prints it and check.cpp uses it to place its diagnostics.
#include <map>
#include <string>

#include "profile/source_location.hpp"

namespace sandbox::profile {

using Origins = std::map<std::string, SourceLocation>;

}  // namespace sandbox::profile
