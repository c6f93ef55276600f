#include "profile/document.hpp"

#include <algorithm>

#include "common/enum_names.hpp"

namespace sandbox::profile {

namespace {

// How a value of each kind is named in "expected ..., got X".
constexpr EnumName<NodeKind> k_node_kind_words[] = {
    {NodeKind::null, "null"},          {NodeKind::boolean, "a boolean"},
    {NodeKind::integer, "an integer"}, {NodeKind::floating, "a float"},
    {NodeKind::string, "a string"},    {NodeKind::array, "an array"},
    {NodeKind::table, "a table"},
};

}  // namespace

std::string_view to_string(NodeKind kind) {
    return name_of(k_node_kind_words, kind, "a value");
}

const TableEntry* Node::find_entry(std::string_view key) const {
    if (kind != NodeKind::table) {
        return nullptr;
    }
    auto it = std::find_if(entries.begin(), entries.end(),
                           [&](const TableEntry& e) { return e.key == key; });
    return it == entries.end() ? nullptr : &*it;
}

const Node* Node::find(std::string_view key) const {
    const TableEntry* e = find_entry(key);
    return e ? &e->value : nullptr;
}

Node* Node::find(std::string_view key) {
    return const_cast<Node*>(static_cast<const Node*>(this)->find(key));
}

Node& Node::set(std::string key, SourceLocation key_where, Node value) {
    for (TableEntry& e : entries) {
        if (e.key == key) {
            e.key_where = std::move(key_where);
            e.value = std::move(value);
            return e.value;
        }
    }
    entries.push_back(TableEntry{std::move(key), std::move(key_where), std::move(value)});
    return entries.back().value;
}

bool Node::erase(std::string_view key) {
    auto it = std::find_if(entries.begin(), entries.end(),
                           [&](const TableEntry& e) { return e.key == key; });
    if (it == entries.end()) {
        return false;
    }
    entries.erase(it);
    return true;
}

namespace {

Node made(NodeKind kind, SourceLocation where) {
    Node n;
    n.kind = kind;
    n.where = std::move(where);
    return n;
}

}  // namespace

Node Node::make_table(SourceLocation where) {
    return made(NodeKind::table, std::move(where));
}
Node Node::make_array(SourceLocation where) {
    return made(NodeKind::array, std::move(where));
}
Node Node::make_string(std::string value, SourceLocation where) {
    Node n = made(NodeKind::string, std::move(where));
    n.string = std::move(value);
    return n;
}
Node Node::make_integer(int64_t value, SourceLocation where) {
    Node n = made(NodeKind::integer, std::move(where));
    n.integer = value;
    return n;
}
Node Node::make_floating(double value, SourceLocation where) {
    Node n = made(NodeKind::floating, std::move(where));
    n.floating = value;
    return n;
}
Node Node::make_boolean(bool value, SourceLocation where) {
    Node n = made(NodeKind::boolean, std::move(where));
    n.boolean = value;
    return n;
}

}  // namespace sandbox::profile
