#pragma once
// Internal to the profile layer: the limits every reader enforces and the helpers the readers
// share. The public entry points (read_document, read_toml, read_yaml) are in loader.hpp.
//
// Why limits: a profile may come from a pull request. Whatever its bytes, reading it must
// finish fast, in bounded memory and without deep recursion (yaml-cpp's parser and every
// tree walk here recurse once per nesting level).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "profile/diagnostics.hpp"
#include "profile/document.hpp"

namespace sandbox::profile {

// Files larger than this are refused before they are read into memory.
inline constexpr size_t k_max_profile_bytes = 1024 * 1024;
// Tables and arrays nested deeper than this are refused (the schema needs 4).
inline constexpr size_t k_max_depth = 64;
// Values (nodes) in one document, after YAML alias expansion ("billion laughs").
inline constexpr size_t k_max_nodes = 100000;

// Refuses text over k_max_profile_bytes, NUL bytes and invalid UTF-8 (overlong forms, surrogates, >
// U+10FFFF), reporting the first one at its line:column (columns count code points, from 1). True
// when the text is fine.
bool check_text(const std::string& file, std::string_view text, Diagnostics& diagnostics);

// Where a reader's nesting pre-scan found the text nested deeper than k_max_depth.
struct ScanHit {
    uint32_t line;
    uint32_t column;
};
using Prescan = std::optional<ScanHit> (*)(std::string_view text);

// check_text, then the reader's pre-scan, before a parser sees the text: false when either
// refuses it (reported at `file`'s line:column).
bool check_before_parsing(const std::shared_ptr<const std::string>& file, std::string_view text,
                          Prescan prescan, Diagnostics& diagnostics);

// Parses one TOML value ("1GiB" is not one, "\"1GiB\"", "42", "[1, 2]", "{a = 1}" are),
// for `--set KEY=VALUE`. nullopt when `text` is not exactly one TOML value (or is a datetime).
// Implemented in read_toml.cpp (the only file that includes toml++).
std::optional<Node> parse_toml_value(std::string_view text, const SourceLocation& where);

// Counts the nodes of a tree (stops counting past `limit`).
size_t count_nodes(const Node& node, size_t limit = k_max_nodes + 1);

}  // namespace sandbox::profile
