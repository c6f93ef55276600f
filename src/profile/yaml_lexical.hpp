#pragma once
// Lexical helpers of the YAML reader (profile/read_yaml.cpp), kept apart from its event builder.
#include <cstdint>
#include <optional>
#include <string_view>

#include "profile/readers.hpp"

namespace sandbox::profile::yaml_lexical {

using profile::ScanHit;  // profile/readers.hpp

// Where the text nests deeper than the reader allows (flow brackets and block indentation,
// counted without parsing), so yaml-cpp's recursive parser never sees it; nullopt when fine.
std::optional<ScanHit> prescan_yaml(std::string_view text);

// The YAML 1.2 core schema: "", ~, null/Null/NULL.
bool is_null_literal(std::string_view v);
// true/True/TRUE, false/False/FALSE (not yes/on: YAML 1.1 only).
std::optional<bool> bool_literal(std::string_view v);
enum class IntParse { not_int, ok, overflow };
// Decimal, 0o octal, 0x hex, with a sign for decimal.
IntParse int_literal(std::string_view v, int64_t& out);
// Decimal and exponent forms, .inf/.nan spellings; nullopt when not a float.
std::optional<double> float_literal(std::string_view v);

}  // namespace sandbox::profile::yaml_lexical
