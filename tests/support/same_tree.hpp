#pragma once
// The one "these two documents are the same tree" check (TOML vs YAML readers, resolved
// profiles): equal kinds, values, keys and order, locations ignored.
#include <catch2/catch.hpp>
#include <string>

#include "profile/document.hpp"

namespace sandbox::test {

inline void check_same_tree(const profile::Node& a, const profile::Node& b,
                            const std::string& path = {}) {
    INFO(path);
    REQUIRE(a.kind == b.kind);
    CHECK(a.boolean == b.boolean);
    CHECK(a.integer == b.integer);
    CHECK(a.floating == b.floating);
    CHECK(a.string == b.string);
    REQUIRE(a.items.size() == b.items.size());
    for (size_t i = 0; i < a.items.size(); ++i) {
        check_same_tree(a.items[i], b.items[i], path + "[" + std::to_string(i) + "]");
    }
    REQUIRE(a.entries.size() == b.entries.size());
    for (size_t i = 0; i < a.entries.size(); ++i) {
        CHECK(a.entries[i].key == b.entries[i].key);
        check_same_tree(a.entries[i].value, b.entries[i].value, path + "." + a.entries[i].key);
    }
}

}  // namespace sandbox::test
