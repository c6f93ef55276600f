#pragma once
// Unit tests' name for the one temp-dir helper (support/temp_dir.hpp).
#include <string>

#include "support/temp_dir.hpp"

namespace sandbox::test {

using ScratchDir = TempDir;

inline void write_text(const std::string& path, const std::string& text) {
    write_file(path, text);
}
inline std::string read_text(const std::string& path) {
    return read_file(path);
}

}  // namespace sandbox::test
