// `sandbox validate --format github|sarif` (validate_formats.hpp).
#include "cli/validate_formats.hpp"

#include <filesystem>
#include <map>

#include "build_config.hpp"
#include "profile/fields.hpp"

namespace sandbox::cli {

namespace {

namespace fs = std::filesystem;

std::string message_with_hint(const profile::Diagnostic& d) {
    return d.hint.empty() ? d.message : d.message + "\nhint: " + d.hint;
}

// The rule a diagnostic belongs to: its key in table form ("mounts[].target"), so every
// mount's target problem is one rule; "profile" for problems not about a key (syntax, a file
// that cannot be found).
std::string rule_id(const profile::Diagnostic& d) {
    return d.key_path.empty() ? std::string("profile") : profile::table_path(d.key_path);
}

// SARIF wants a URI reference: relative to the working directory when the file is below it
// (code scanning resolves it against the checkout), otherwise a file:// URI; reserved bytes
// are percent-encoded.
std::string artifact_uri(const std::string& file) {
    std::error_code ec;
    fs::path abs = fs::absolute(file, ec);
    fs::path cwd = fs::current_path(ec);
    std::string path = file;
    bool relative = false;
    if (!ec) {
        fs::path rel = abs.lexically_normal().lexically_relative(cwd);
        if (!rel.empty() && rel.begin()->string() != "..") {
            path = rel.string();
            relative = true;
        } else {
            path = abs.lexically_normal().string();
        }
    }
    std::string out = relative ? "" : "file://";
    static const char* hex = "0123456789ABCDEF";
    for (unsigned char ch : path) {
        bool plain = (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                     (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' || ch == '_' || ch == '~' ||
                     ch == '/';
        if (plain) {
            out += static_cast<char>(ch);
        } else {
            out += '%';
            out += hex[ch >> 4];
            out += hex[ch & 15];
        }
    }
    return out;
}

}  // namespace

std::string github_escape_data(const std::string& text) {
    std::string out;
    for (char ch : text) {
        switch (ch) {
            case '%':
                out += "%25";
                break;
            case '\r':
                out += "%0D";
                break;
            case '\n':
                out += "%0A";
                break;
            default:
                out += ch;
        }
    }
    return out;
}

std::string github_escape_property(const std::string& text) {
    std::string out;
    for (char ch : github_escape_data(text)) {
        if (ch == ':') {
            out += "%3A";
        } else if (ch == ',') {
            out += "%2C";
        } else {
            out += ch;
        }
    }
    return out;
}

std::string github_annotations(const std::vector<ValidatedProfile>& profiles) {
    std::string out;
    for (const ValidatedProfile& p : profiles) {
        for (const profile::Diagnostic& d : p.diagnostics) {
            std::string file = d.where.file_name();
            if (file.empty()) {
                file = p.path.empty() ? p.name : p.path;
            }
            std::string props = "file=" + github_escape_property(file);
            if (d.where.line > 0) {
                props += ",line=" + std::to_string(d.where.line);
                if (d.where.column > 0) {
                    props += ",col=" + std::to_string(d.where.column);
                }
            }
            props +=
                ",title=" + github_escape_property(d.key_path.empty() ? "profile" : d.key_path);
            out += "::error " + props + "::" + github_escape_data(message_with_hint(d)) + "\n";
        }
    }
    return out;
}

nlohmann::json sarif_log(const std::vector<ValidatedProfile>& profiles) {
    using nlohmann::json;
    std::map<std::string, size_t> rule_index;
    json rules = json::array();
    json results = json::array();
    for (const ValidatedProfile& p : profiles) {
        for (const profile::Diagnostic& d : p.diagnostics) {
            std::string id = rule_id(d);
            auto [it, added] = rule_index.emplace(id, rules.size());
            if (added) {
                std::string text =
                    id == "profile" ? "The profile file as a whole" : "The profile key " + id;
                json rule{{"id", id}, {"shortDescription", {{"text", text}}}};
                if (const profile::Field* f = profile::find_field(id)) {
                    rule["fullDescription"] = {{"text", f->doc}};
                }
                rules.push_back(rule);
            }
            std::string file = d.where.file_name();
            if (file.empty()) {
                file = p.path.empty() ? p.name : p.path;
            }
            json physical{{"artifactLocation", {{"uri", artifact_uri(file)}}}};
            if (d.where.line > 0) {
                json region{{"startLine", d.where.line}};
                if (d.where.column > 0) {
                    region["startColumn"] = d.where.column;
                }
                physical["region"] = region;
            }
            json result{{"ruleId", id},
                        {"ruleIndex", it->second},
                        {"level", "error"},
                        {"message", {{"text", message_with_hint(d)}}},
                        {"locations", json::array({{{"physicalLocation", physical}}})}};
            results.push_back(result);
        }
    }
    json driver{{"name", "sandbox"}, {"version", SANDBOX_VERSION}, {"rules", rules}};
    return json{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
                {"version", "2.1.0"},
                {"runs", json::array({{{"tool", {{"driver", driver}}}, {"results", results}}})}};
}

}  // namespace sandbox::cli
