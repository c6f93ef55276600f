#pragma once
// Builds a profile Document tree from JSON for unit tests of decode and check, so they need no
// reader. Every value gets its own line in the made-up file (in document order, from 1), its
// key sits at column 1 and the value at column 5, so tests can check where a diagnostic points.
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "profile/document.hpp"

namespace sandbox::test {

class JsonNodeBuilder {
public:
    explicit JsonNodeBuilder(std::string file)
        : m_file(std::make_shared<const std::string>(std::move(file))) {}

    profile::Node build(const nlohmann::ordered_json& j) { return node(j, next()); }

private:
    uint32_t next() { return ++m_line; }

    profile::SourceLocation at(uint32_t line, uint32_t column) const {
        return profile::SourceLocation::in(m_file, line, column);
    }

    profile::Node node(const nlohmann::ordered_json& j, uint32_t line) {
        using profile::Node;
        auto where = at(line, 5);
        if (j.is_boolean()) {
            return Node::make_boolean(j.get<bool>(), where);
        }
        if (j.is_number_integer()) {
            return Node::make_integer(j.get<int64_t>(), where);
        }
        if (j.is_number()) {
            return Node::make_floating(j.get<double>(), where);
        }
        if (j.is_string()) {
            return Node::make_string(j.get<std::string>(), where);
        }
        if (j.is_array()) {
            Node n = Node::make_array(where);
            for (const auto& item : j) {
                n.items.push_back(node(item, next()));
            }
            return n;
        }
        if (j.is_object()) {
            Node n = Node::make_table(where);
            for (const auto& [k, v] : j.items()) {
                uint32_t l = next();
                n.set(k, at(l, 1), node(v, l));
            }
            return n;
        }
        Node n;
        n.where = where;
        return n;
    }

    std::shared_ptr<const std::string> m_file;
    uint32_t m_line = 0;
};

// Decodes JSON through the field table; for tests.
inline profile::Node json_node(const nlohmann::ordered_json& j, std::string file = "t.toml") {
    return JsonNodeBuilder(std::move(file)).build(j);
}

}  // namespace sandbox::test
