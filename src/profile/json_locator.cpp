#include "profile/json_locator.hpp"

#include <algorithm>
#include <cstring>

namespace sandbox::profile {

namespace {

// A minimal scanner over text nlohmann already accepted: finds the byte offset of the value at
// `path`. Only structure matters, so it needs no error handling beyond staying in bounds.
class Locator {
public:
    explicit Locator(std::string_view text) : m_text(text) {}

    std::optional<size_t> find(const JsonPath& path) {
        m_pos = 0;
        return value(path, 0);
    }

private:
    void ws() {
        while (m_pos < m_text.size() && std::strchr(" \t\r\n", m_text[m_pos]) != nullptr) {
            ++m_pos;
        }
    }
    bool at(char c) {
        ws();
        return m_pos < m_text.size() && m_text[m_pos] == c;
    }
    std::string string() {
        std::string out;
        ++m_pos;  // opening quote
        while (m_pos < m_text.size() && m_text[m_pos] != '"') {
            if (m_text[m_pos] == '\\') {
                ++m_pos;
            }
            if (m_pos < m_text.size()) {
                out += m_text[m_pos++];
            }
        }
        ++m_pos;  // closing quote
        return out;
    }
    void skip() {
        ws();
        if (m_pos >= m_text.size()) {
            return;
        }
        char c = m_text[m_pos];
        if (c == '"') {
            string();
        } else if (c == '{' || c == '[') {
            char close = c == '{' ? '}' : ']';
            ++m_pos;
            while (!at(close) && m_pos < m_text.size()) {
                if (c == '{') {
                    ws();
                    string();
                    at(':');
                    ++m_pos;
                }
                skip();
                if (at(',')) {
                    ++m_pos;
                }
            }
            ++m_pos;
        } else {
            while (m_pos < m_text.size() && std::strchr(",]} \t\r\n", m_text[m_pos]) == nullptr) {
                ++m_pos;
            }
        }
    }
    std::optional<size_t> value(const JsonPath& path, size_t depth) {
        ws();
        if (depth == path.size()) {
            return m_pos;
        }
        if (at('{') && !path[depth].key.empty()) {
            ++m_pos;
            while (!at('}') && m_pos < m_text.size()) {
                ws();
                std::string key = string();
                at(':');
                ++m_pos;
                if (key == path[depth].key) {
                    return value(path, depth + 1);
                }
                skip();
                if (at(',')) {
                    ++m_pos;
                }
            }
        } else if (at('[') && path[depth].key.empty()) {
            ++m_pos;
            for (size_t i = 0; !at(']') && m_pos < m_text.size(); ++i) {
                if (i == path[depth].index) {
                    return value(path, depth + 1);
                }
                skip();
                if (at(',')) {
                    ++m_pos;
                }
            }
        }
        return std::nullopt;
    }

    std::string_view m_text;
    size_t m_pos = 0;
};

}  // namespace

std::string path_str(const JsonPath& path) {
    std::string out;
    for (const PathElem& e : path) {
        if (e.key.empty()) {
            out += "[" + std::to_string(e.index) + "]";
        } else {
            out += (out.empty() ? "" : ".") + e.key;
        }
    }
    return out;
}

std::optional<size_t> find_json_value(std::string_view text, const JsonPath& path) {
    return Locator(text).find(path);
}

SourceLocation location_at(const std::shared_ptr<const std::string>& file, std::string_view text,
                           size_t offset) {
    offset = std::min(offset, text.size());
    uint32_t line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < offset; ++i) {
        if (text[i] == '\n') {
            ++line;
            line_start = i + 1;
        }
    }
    return SourceLocation::in(file, line, static_cast<uint32_t>(offset - line_start + 1));
}

}  // namespace sandbox::profile
