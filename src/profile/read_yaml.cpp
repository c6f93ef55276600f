// read_yaml: YAML text -> Document, through yaml-cpp 0.7's event parser. The ONLY file that
// includes yaml-cpp.
//
// Why events and not YAML::Load: the tree is built here, so every rule is enforced while it is
// built and nothing unbounded is ever materialised:
//   * scalars are typed by the YAML 1.2 core schema (yaml-cpp's as<bool>() would also take
//     yes/on); a quoted scalar (tag "!") stays a string;
//   * duplicate keys, non-string keys, merge keys, unknown tags, a second document are refused;
//   * an alias is expanded by copy, counted against k_max_nodes ("billion laughs"), and an
//     alias to an anchor that is still open (a cycle) is refused;
//   * depth is checked per node.
// yaml-cpp's parser recurses once per nesting level, so before it runs a pre-scan bounds the
// nesting (flow brackets and block indentation levels) without parsing.
#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <unordered_map>
#include <vector>

#include "profile/loader.hpp"
#include "profile/readers.hpp"
#include "profile/yaml_lexical.hpp"

namespace sandbox::profile {

namespace {

using namespace yaml_lexical;  // pre-scan and core-schema scalars (profile/yaml_lexical.hpp)

const std::string k_core_prefix = "tag:yaml.org,2002:";

// ---- the builder -----------------------------------------------------------------------------
struct Abort {};  // thrown by the builder after it recorded a diagnostic

class Builder : public YAML::EventHandler {
public:
    explicit Builder(std::shared_ptr<const std::string> file) : m_file(std::move(file)) {}

    std::optional<Node>& root() { return m_root; }
    const std::optional<Diagnostic>& error() const { return m_error; }

    SourceLocation at(const YAML::Mark& mark) const {
        if (mark.is_null() || mark.line < 0 || mark.column < 0) {
            return SourceLocation::named(*m_file);
        }
        return SourceLocation::in(m_file, static_cast<uint32_t>(mark.line) + 1,
                                  static_cast<uint32_t>(mark.column) + 1);
    }

    void OnDocumentStart(const YAML::Mark& mark) override {
        guard([&] {
            if (++m_documents == 1) {
                m_first_document_pos = mark.pos;
                return;
            }
            if (mark.pos == m_first_document_pos) {
                // yaml-cpp 0.7 does not consume some stray tokens (",a: 1"): it reports
                // empty documents at the same place forever. Found by the fuzzer.
                fail(at(mark), "", "invalid YAML: unexpected content at the top level");
            }
            fail(at(mark), "", "multi-document YAML is not supported",
                 "keep one profile per file (remove the second '---')");
        });
    }
    void OnDocumentEnd() override {}

    void OnAnchor(const YAML::Mark& /*mark*/, const std::string& name) override {
        m_pending_anchor_name = name;
    }

    void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        guard([&] {
            Node n;
            n.kind = NodeKind::null;
            n.where = at(mark);
            count(n.where, 1);
            check_depth(n.where, 0);
            deliver(std::move(n), anchor);
        });
    }

    void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
        guard([&] { alias(mark, anchor); });
    }

    void alias(const YAML::Mark& mark, YAML::anchor_t anchor) {
        SourceLocation where = at(mark);
        std::string name = anchor_name(anchor);
        if (m_open_anchors.count(anchor) != 0) {
            fail(where, current_path(), "alias '*" + name + "' refers to a node that contains it",
                 "anchors that form cycles are not allowed");
        }
        auto it = m_anchors.find(anchor);
        if (it == m_anchors.end()) {
            fail(where, current_path(), "alias '*" + name + "' has no anchor");
        }
        const Node& target = it->second;
        count(where, count_nodes(target));
        check_depth(where, max_depth_below(target));
        deliver(target, 0);
    }

    void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  const std::string& value) override {
        guard([&] {
            SourceLocation where = at(mark);
            count(where, 1);
            check_depth(where, 0);
            deliver(typed_scalar(where, tag, value), anchor);
        });
    }

    void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                         YAML::EmitterStyle::value /*style*/) override {
        guard([&] { open(mark, tag, anchor, NodeKind::array); });
    }
    void OnSequenceEnd() override {
        guard([&] { close(); });
    }

    void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                    YAML::EmitterStyle::value /*style*/) override {
        guard([&] { open(mark, tag, anchor, NodeKind::table); });
    }
    void OnMapEnd() override {
        guard([&] { close(); });
    }

private:
    struct Frame {
        Node node;
        std::string path;  // key path of this collection
        YAML::anchor_t anchor = 0;
        bool have_key = false;
        std::string key;
        SourceLocation key_where;
        std::unordered_map<std::string, size_t> keys;  // key -> index in node.entries
    };

    // After the first problem the rest of the events are ignored (nothing more is built), but
    // yaml-cpp parses on: a syntax error further down is reported instead, because it is
    // the more fundamental problem and it can make earlier events misleading.
    template <typename Fn>
    void guard(Fn fn) {
        if (m_error) {
            return;
        }
        try {
            fn();
        } catch (const Abort&) {
        }
    }

    [[noreturn]] void fail(SourceLocation where, std::string key_path, std::string message,
                           std::string hint = {}) {
        m_error =
            Diagnostic{std::move(where), std::move(key_path), std::move(message), std::move(hint)};
        throw Abort{};
    }

    void count(const SourceLocation& where, size_t nodes) {
        m_nodes += nodes;
        if (m_nodes > k_max_nodes) {
            fail(where, current_path(),
                 "too many values (the limit is " + std::to_string(k_max_nodes) +
                     ", aliases counted as expanded)");
        }
    }

    // `below` = how many container levels the new node adds under itself.
    void check_depth(const SourceLocation& where, size_t below) {
        if (m_stack.size() + below > k_max_depth) {
            fail(where, current_path(),
                 "nested deeper than " + std::to_string(k_max_depth) + " levels");
        }
    }

    static size_t max_depth_below(const Node& node) {
        // Iterative: called on anchored trees, which are already depth-checked.
        size_t best = 0;
        std::vector<std::pair<const Node*, size_t>> todo{{&node, 0}};
        while (!todo.empty()) {
            auto [n, d] = todo.back();
            todo.pop_back();
            if (n->is_table() || n->is_array()) {
                best = std::max(best, d);
            }
            for (const Node& item : n->items) {
                todo.emplace_back(&item, d + 1);
            }
            for (const TableEntry& e : n->entries) {
                todo.emplace_back(&e.value, d + 1);
            }
        }
        return best;
    }

    std::string anchor_name(YAML::anchor_t anchor) const {
        auto it = m_anchor_names.find(anchor);
        return it == m_anchor_names.end() ? std::to_string(anchor) : it->second;
    }

    void note_anchor(YAML::anchor_t anchor) {
        if (anchor != 0) {
            m_anchor_names[anchor] = m_pending_anchor_name;
        }
        m_pending_anchor_name.clear();
    }

    std::string current_path() const {
        if (m_stack.empty()) {
            return {};
        }
        const Frame& top = m_stack.back();
        if (top.node.is_table()) {
            if (top.have_key) {
                return join(top.path, top.key);
            }
            return top.path;
        }
        return top.path + "[" + std::to_string(top.node.items.size()) + "]";
    }

    static std::string join(const std::string& parent, const std::string& key) {
        bool bare = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
        });
        std::string k = bare ? key : "\"" + key + "\"";
        return parent.empty() ? k : parent + "." + k;
    }

    void check_collection_tag(const SourceLocation& where, const std::string& tag, NodeKind kind) {
        if (tag.empty() || tag == "?" || tag == "!") {
            return;
        }
        if (kind == NodeKind::table && tag == k_core_prefix + "map") {
            return;
        }
        if (kind == NodeKind::array && tag == k_core_prefix + "seq") {
            return;
        }
        fail(where, current_path(), "unsupported YAML tag '" + display_tag(tag) + "'",
             "profiles use no tags; remove it");
    }

    static std::string display_tag(const std::string& tag) {
        if (tag.rfind(k_core_prefix, 0) == 0) {
            return "!!" + tag.substr(k_core_prefix.size());
        }
        return tag;
    }

    void open(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
              NodeKind kind) {
        SourceLocation where = at(mark);
        note_anchor(anchor);
        if (!m_stack.empty() && m_stack.back().node.is_table() && !m_stack.back().have_key) {
            fail(where, current_path(),
                 "mapping keys must be strings, got " + std::string(to_string(kind)));
        }
        check_collection_tag(where, tag, kind);
        count(where, 1);
        check_depth(where, 1);
        Frame frame;
        frame.path = current_path();
        frame.node.kind = kind;
        frame.node.where = where;
        frame.anchor = anchor;
        if (anchor != 0) {
            m_open_anchors.insert(anchor);
        }
        m_stack.push_back(std::move(frame));
    }

    void close() {
        Frame frame = std::move(m_stack.back());
        m_stack.pop_back();
        if (frame.anchor != 0) {
            m_open_anchors.erase(frame.anchor);
        }
        deliver(std::move(frame.node), frame.anchor);
    }

    Node typed_scalar(const SourceLocation& where, const std::string& tag,
                      const std::string& value) {
        auto bad = [&](const std::string& what) -> Node {
            fail(where, current_path(),
                 "'" + value + "' is not a valid " + what + " (tag " + display_tag(tag) + ")");
        };
        if (tag == "!" || tag == k_core_prefix + "str") {
            return Node::make_string(value, where);
        }
        bool plain = tag == "?" || tag.empty();
        if (!plain && tag.rfind(k_core_prefix, 0) != 0) {
            fail(where, current_path(), "unsupported YAML tag '" + display_tag(tag) + "'",
                 "profiles use no tags; remove it");
        }
        std::string core = plain ? "" : tag.substr(k_core_prefix.size());
        if (!plain && core != "null" && core != "bool" && core != "int" && core != "float") {
            fail(where, current_path(), "unsupported YAML tag '" + display_tag(tag) + "'",
                 "profiles use no tags; remove it");
        }
        if ((plain || core == "null") && is_null_literal(value)) {
            Node n;
            n.kind = NodeKind::null;
            n.where = where;
            return n;
        }
        if (core == "null") {
            return bad("null");
        }
        if (plain || core == "bool") {
            if (auto b = bool_literal(value)) {
                return Node::make_boolean(*b, where);
            }
            if (core == "bool") {
                return bad("boolean");
            }
        }
        if (plain || core == "int" || core == "float") {
            int64_t i = 0;
            switch (int_literal(value, i)) {
                case IntParse::ok:
                    if (core == "float") {
                        return Node::make_floating(static_cast<double>(i), where);
                    }
                    return Node::make_integer(i, where);
                case IntParse::overflow:
                    fail(where, current_path(),
                         "integer '" + value + "' is out of range (64-bit signed)");
                case IntParse::not_int:
                    break;
            }
            if (core == "int") {
                return bad("integer");
            }
        }
        if (plain || core == "float") {
            if (auto f = float_literal(value)) {
                if (!std::isfinite(*f)) {
                    // No profile value is a float that could be infinite or NaN (limits.cpu is
                    // a CPU count): refuse them here, as the TOML reader does.
                    fail(where, current_path(), "nan and inf are not allowed in a profile");
                }
                return Node::make_floating(*f, where);
            }
            if (core == "float") {
                return bad("float");
            }
        }
        return Node::make_string(value, where);
    }

    void deliver(Node value, YAML::anchor_t anchor) {
        if (anchor != 0 && (value.kind != NodeKind::table && value.kind != NodeKind::array)) {
            note_anchor(anchor);
        }
        if (anchor != 0) {
            m_anchors[anchor] = value;  // counted once more: memory stays within 2x the cap
            count(value.where, count_nodes(value));
        }
        if (m_stack.empty()) {
            m_root = std::move(value);
            return;
        }
        Frame& top = m_stack.back();
        if (top.node.is_array()) {
            top.node.items.push_back(std::move(value));
            return;
        }
        if (!top.have_key) {
            if (!value.is_string()) {
                fail(value.where, top.path,
                     "mapping keys must be strings, got " + std::string(to_string(value.kind)),
                     "quote the key");
            }
            if (value.string == "<<") {
                fail(value.where, top.path, "YAML merge keys ('<<') are not supported",
                     "use 'extends' to share settings between profiles");
            }
            // An index per mapping: a linear find per key would be quadratic in its size.
            if (auto it = top.keys.find(value.string); it != top.keys.end()) {
                const SourceLocation& first = top.node.entries[it->second].key_where;
                fail(value.where, join(top.path, value.string),
                     "duplicate key (first defined at " + std::to_string(first.line) + ":" +
                         std::to_string(first.column) + ")");
            }
            top.key = std::move(value.string);
            top.key_where = value.where;
            top.have_key = true;
            return;
        }
        top.keys.emplace(top.key, top.node.entries.size());
        top.node.entries.push_back(
            TableEntry{std::move(top.key), std::move(top.key_where), std::move(value)});
        top.key.clear();
        top.have_key = false;
    }

    std::shared_ptr<const std::string> m_file;
    std::vector<Frame> m_stack;
    std::optional<Node> m_root;
    std::optional<Diagnostic> m_error;
    std::map<YAML::anchor_t, Node> m_anchors;
    std::map<YAML::anchor_t, std::string> m_anchor_names;
    std::set<YAML::anchor_t> m_open_anchors;
    std::string m_pending_anchor_name;
    size_t m_nodes = 0;
    int m_documents = 0;
    int m_first_document_pos = -1;
};

}  // namespace

std::optional<Document> read_yaml(const std::string& path, std::string_view text,
                                  Diagnostics& diagnostics) {
    auto file = std::make_shared<const std::string>(path);
    if (!check_before_parsing(file, text, prescan_yaml, diagnostics)) {
        return std::nullopt;
    }
    Builder builder(file);
    try {
        std::istringstream in{std::string(text)};
        YAML::Parser parser(in);
        // At most two calls: the second only tells whether there is a second document (an
        // error). Never loop until it returns false: on some input it never does.
        if (parser.HandleNextDocument(builder) && !builder.error()) {
            parser.HandleNextDocument(builder);
        }
    } catch (const YAML::ParserException& e) {
        diagnostics.error(builder.at(e.mark), "", "invalid YAML: " + e.msg);
        return std::nullopt;
    } catch (const YAML::Exception& e) {
        diagnostics.error(builder.at(e.mark), "", "invalid YAML: " + e.msg);
        return std::nullopt;
    }
    if (builder.error()) {
        diagnostics.add(*builder.error());
        return std::nullopt;
    }
    SourceLocation top = SourceLocation::in(file, 1, 1);
    std::optional<Node>& root = builder.root();
    if (!root || root->kind == NodeKind::null) {
        return Document{Node::make_table(top), path};  // an empty file is an empty profile
    }
    if (!root->is_table()) {
        diagnostics.error(root->where, "",
                          "the top level must be a mapping (key: value), got " +
                              std::string(to_string(root->kind)));
        return std::nullopt;
    }
    root->where = top;
    return Document{std::move(*root), path};
}

}  // namespace sandbox::profile
