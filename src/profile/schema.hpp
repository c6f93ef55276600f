#pragma once
// The field table (fields.hpp) rendered for people and tools: a JSON Schema (draft 2020-12)
// for editors and CI, and the Markdown profile reference. Both are committed
// (schemas/profile.schema.json, docs/profile-reference.md); a unit test regenerates them.
#include <string>

#include "profile/fields.hpp"

namespace sandbox::profile {

// Pretty-printed JSON Schema, ending in a newline.
std::string json_schema();

// The Markdown reference, ending in a newline.
std::string markdown_reference();

// A field's type as the reference writes it (Markdown: `"a"` \| `"b"`); man pages reuse it.
std::string field_type_text(const Field& f);

}  // namespace sandbox::profile
