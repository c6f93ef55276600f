#pragma once
// The format-neutral tree that the TOML and YAML readers produce and that resolve and decode
// consume. Every node, and every table key, carries the location it was written at. Nothing
// after the readers knows which format a value came from.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/source_location.hpp"

namespace sandbox::profile {

enum class NodeKind { null, boolean, integer, floating, string, array, table };

std::string_view to_string(NodeKind kind);  // "a boolean", "an integer", ... (for messages)

struct TableEntry;

struct Node {
    NodeKind kind = NodeKind::null;
    SourceLocation where;
    bool boolean = false;
    int64_t integer = 0;
    double floating = 0.0;
    std::string string;
    std::vector<Node> items;          // kind == array
    std::vector<TableEntry> entries;  // kind == table, in file order; keys are unique

    bool is_table() const { return kind == NodeKind::table; }
    bool is_array() const { return kind == NodeKind::array; }
    bool is_string() const { return kind == NodeKind::string; }

    // Table access (nullptr / no-op when this is not a table or the key is absent).
    const Node* find(std::string_view key) const;
    Node* find(std::string_view key);
    const TableEntry* find_entry(std::string_view key) const;
    // Inserts or replaces; keeps the original position of a replaced key.
    Node& set(std::string key, SourceLocation key_where, Node value);
    bool erase(std::string_view key);

    static Node make_table(SourceLocation where);
    static Node make_array(SourceLocation where);
    static Node make_string(std::string value, SourceLocation where);
    static Node make_integer(int64_t value, SourceLocation where);
    static Node make_floating(double value, SourceLocation where);
    static Node make_boolean(bool value, SourceLocation where);
};

struct TableEntry {
    std::string key;
    SourceLocation key_where;
    Node value;
};

// A whole profile file as read: the root table plus the file it came from.
struct Document {
    Node root;  // always a table
    std::string path;
};

}  // namespace sandbox::profile
