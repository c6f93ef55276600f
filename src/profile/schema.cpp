// Field table -> JSON Schema and Markdown reference. Lists that depend on the running host's
// libraries (syscall and capability names) are patterns here, not enumerations, so the
// generated files are the same on every machine.
#include "profile/schema.hpp"

#include <nlohmann/json.hpp>

#include "profile/fields.hpp"
#include "profile/names.hpp"

namespace sandbox::profile {

namespace {

using Json = nlohmann::ordered_json;

constexpr const char* k_size_pattern = "^[0-9]+(\\.[0-9]+)?([KkMmGgTt](i|B|iB|b|ib)?|[Bb])?$";
constexpr const char* k_duration_pattern = "^([0-9]+(ms|s|m|h))+$";
constexpr const char* k_ipv4_pattern = "^([0-9]{1,3}\\.){3}[0-9]{1,3}$";
constexpr const char* k_ip_pattern = "^[0-9A-Fa-f:.]+$";

Json string_with(const char* pattern) {
    return Json{{"type", "string"}, {"pattern", pattern}};
}

Json integer_in(int64_t lo, int64_t hi) {
    Json j{{"type", "integer"}};
    if (lo != INT64_MIN) {
        j["minimum"] = lo;
    }
    if (hi != INT64_MAX) {
        j["maximum"] = hi;
    }
    return j;
}

Json array_of(Json items) {
    return Json{{"type", "array"}, {"items", std::move(items)}};
}

Json one_of(std::initializer_list<Json> alternatives) {
    Json list = Json::array();
    for (const Json& a : alternatives) {
        list.push_back(a);
    }
    return Json{{"oneOf", list}};
}

Json single_key(const char* key, Json value) {
    return Json{{"type", "object"},
                {"properties", {{key, std::move(value)}}},
                {"required", {key}},
                {"additionalProperties", false}};
}

Json value_schema(const Field& f) {
    switch (f.type) {
        case ValueType::boolean:
            return Json{{"type", "boolean"}};
        case ValueType::integer:
            return integer_in(f.minimum, f.maximum);
        case ValueType::string:
            return Json{{"type", "string"}};
        case ValueType::path:
        case ValueType::host_path:
            return Json{{"type", "string"}, {"minLength", 1}};
        case ValueType::enumeration:
            return Json{{"enum", f.choices}};
        case ValueType::size:
            return one_of({integer_in(0, INT64_MAX), string_with(k_size_pattern)});
        case ValueType::duration:
            return string_with(k_duration_pattern);
        case ValueType::cpu:
            return Json{{"type", "number"}, {"exclusiveMinimum", 0}, {"maximum", 4096}};
        case ValueType::mode:
            return one_of({integer_in(0, f.maximum), string_with("^[0-7]{1,5}$")});
        case ValueType::string_list:
            return array_of(Json{{"type", "string"}});
        case ValueType::path_list:
            return array_of(Json{{"type", "string"}, {"minLength", 1}});
        case ValueType::env:
            return Json{{"type", "object"},
                        {"propertyNames", {{"pattern", "^[^=]+$"}}},
                        {"additionalProperties", {{"type", "string"}}}};
        case ValueType::rlimits: {
            Json bound = one_of({integer_in(0, INT64_MAX), Json{{"const", "unlimited"}}});
            Json pair{{"type", "object"},
                      {"properties", {{"soft", bound}, {"hard", bound}}},
                      {"required", {"soft", "hard"}},
                      {"additionalProperties", false}};
            return Json{{"type", "object"},
                        {"propertyNames", {{"enum", names::rlimits()}}},
                        {"additionalProperties", one_of({bound, pair})}};
        }
        case ValueType::signal:
            return one_of({integer_in(1, 64), string_with("^[A-Za-z][A-Za-z0-9]*$")});
        case ValueType::capability_list:
            return array_of(string_with("^[Cc][Aa][Pp]_[A-Za-z0-9_]+$"));
        case ValueType::syscall_list:
            return array_of(string_with("^[a-z0-9_]+$"));
        case ValueType::cidr4:
            return string_with("^(auto|([0-9]{1,3}\\.){3}[0-9]{1,3}/[0-9]{1,2})$");
        case ValueType::cidr6:
            return string_with("^(auto|[0-9A-Fa-f:.]+/[0-9]{1,3})$");
        case ValueType::ipv4:
            return string_with(k_ipv4_pattern);
        case ValueType::ipv6:
            return string_with("^[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*$");
        case ValueType::ip_list:
            return array_of(string_with(k_ip_pattern));
        case ValueType::hosts:
            return Json{{"type", "object"}, {"additionalProperties", string_with(k_ip_pattern)}};
        case ValueType::sysctls:
            return Json{
                {"type", "object"},
                {"propertyNames", {{"pattern", "^net\\.[A-Za-z0-9_.-]+$"}}},
                {"additionalProperties", {{"type", Json::array({"string", "integer", "object"})}}}};
        case ValueType::namespace_:
            return one_of({Json{{"type", "boolean"}},
                           single_key("join", Json{{"type", "string"}, {"minLength", 1}}),
                           single_key("pid", integer_in(1, INT32_MAX)),
                           single_key("path", string_with("^/"))});
        case ValueType::string_or_list:
            return one_of({Json{{"type", "string"}}, array_of(Json{{"type", "string"}})});
        case ValueType::tty:
            return Json{{"enum", {"auto", true, false}}};
        case ValueType::id:
            return one_of({Json{{"type", "string"}, {"minLength", 1}}, integer_in(0, 4294967294)});
        case ValueType::id_list:
            return array_of(
                one_of({Json{{"type", "string"}, {"minLength", 1}}, integer_in(0, 4294967294)}));
        case ValueType::fd_list:
            return array_of(integer_in(3, INT32_MAX));
        case ValueType::mount_options:
            return array_of(string_with("^[a-z_]+(=.*)?$"));
        case ValueType::hostname:
            return Json{{"type", "string"}, {"maxLength", 64}};
    }
    return Json::object();
}

Json section_schema(const Section& section) {
    Json properties = Json::object();
    Json required = Json::array();
    for (const Field& f : fields()) {
        if (f.section() != section.path) {
            continue;
        }
        Json j = value_schema(f);
        j["description"] = f.doc;
        if (!f.default_json.empty()) {
            j["default"] = Json::parse(f.default_json);
        }
        properties[std::string(f.key())] = j;
        if (f.required) {
            required.push_back(std::string(f.key()));
        }
    }
    for (const Section& s : sections()) {
        if (s.path.empty() || s.parent() != section.path) {
            continue;
        }
        Json sub = section_schema(s);
        if (s.kind == SectionKind::array_of_tables) {
            sub = Json{{"type", "array"}, {"description", s.doc}, {"items", sub}};
            if (const SectionShorthand* sh = find_shorthand(s.path)) {
                // An array of tables or one of the strings; "items" applies to arrays only.
                sub.erase("type");
                sub["anyOf"] = Json::array({Json{{"type", "array"}}, Json{{"enum", sh->values}}});
            }
        } else {
            sub["description"] = s.doc;
        }
        properties[std::string(s.key())] = sub;
    }
    Json out{{"type", "object"}, {"properties", properties}};
    if (!required.empty()) {
        out["required"] = required;
    }
    out["additionalProperties"] = false;
    return out;
}

std::string escape_cell(std::string text) {
    std::string out;
    for (char ch : text) {
        if (ch == '|') {
            out += "\\|";
        } else {
            out += ch;
        }
    }
    return out;
}

}  // namespace

std::string field_type_text(const Field& f) {
    auto range = [&] {
        std::string lo = f.minimum == INT64_MIN ? "" : std::to_string(f.minimum);
        std::string hi = f.maximum == INT64_MAX ? "" : std::to_string(f.maximum);
        if (lo.empty() && hi.empty()) {
            return std::string("integer");
        }
        if (f.maximum == INT32_MAX || f.maximum == INT64_MAX) {
            return "integer ≥ " + lo;
        }
        return "integer " + lo + "–" + hi;
    };
    switch (f.type) {
        case ValueType::boolean:
            return "boolean";
        case ValueType::integer:
            return range();
        case ValueType::string:
            return "string";
        case ValueType::path:
            return "path";
        case ValueType::host_path:
            return "host path";
        case ValueType::enumeration: {
            std::string out;
            for (const std::string& c : f.choices) {
                out += (out.empty() ? "" : " \\| ") + ("`\"" + c + "\"`");
            }
            return out;
        }
        case ValueType::size:
            return "size";
        case ValueType::duration:
            return "duration";
        case ValueType::cpu:
            return "number > 0";
        case ValueType::mode:
            return "octal mode";
        case ValueType::string_list:
            return "list of strings";
        case ValueType::path_list:
            return "list of paths";
        case ValueType::env:
            return "table of strings";
        case ValueType::rlimits:
            return "table of limits";
        case ValueType::signal:
            return "signal";
        case ValueType::capability_list:
            return "list of capabilities";
        case ValueType::syscall_list:
            return "list of syscalls";
        case ValueType::cidr4:
            return "IPv4 CIDR or \"auto\"";
        case ValueType::cidr6:
            return "IPv6 CIDR or \"auto\"";
        case ValueType::ipv4:
            return "IPv4 address";
        case ValueType::ipv6:
            return "IPv6 address";
        case ValueType::ip_list:
            return "list of IP addresses";
        case ValueType::hosts:
            return "table of addresses";
        case ValueType::sysctls:
            return "table of net.* sysctls";
        case ValueType::namespace_:
            return "namespace";
        case ValueType::string_or_list:
            return "string or list of strings";
        case ValueType::tty:
            return "`\"auto\"` \\| boolean";
        case ValueType::id:
            return "name or number";
        case ValueType::id_list:
            return "list of names or numbers";
        case ValueType::fd_list:
            return "list of integers ≥ 3";
        case ValueType::mount_options:
            return "list of mount options";
        case ValueType::hostname:
            return "host name";
    }
    return "value";
}

namespace {

std::string heading(const Section& s) {
    if (s.path.empty()) {
        return "Top level";
    }
    std::string p = s.path;
    if (s.kind == SectionKind::array_of_tables) {
        p.resize(p.size() - 2);
        return "`[[" + p + "]]`";
    }
    return "`[" + p + "]`";
}

constexpr const char* k_intro = R"(# Profile reference

<!-- Generated by `sandbox schema --markdown` from the field table in src/profile/fields.cpp.
     Do not edit: change the table and run the unit tests with SANDBOX_UPDATE_GENERATED=1. -->

A profile is a TOML or YAML file; both say the same thing with the same keys. This page lists
every key of schema version 1 with its type, its default and what it does. Unknown keys are
errors. Key paths are written as in error messages: `limits.memory`, and for an entry of an
array of tables, with its 0-based index: `mounts[1].target`.

The same table also generates `schemas/profile.schema.json` (JSON Schema draft 2020-12), which
editors and CI can use to check a profile (`scripts/validate-schema.py FILE...`).

## Value types

| Type | Written as |
|---|---|
| size | bytes as an integer, or a string with `K`, `M`, `G`, `T` (powers of 1024), optional `i` and `B`: `"512MiB"`, `"1G"`, `"1.5GiB"` |
| duration | a string of numbers with units `ms`, `s`, `m`, `h`: `"30s"`, `"10m"`, `"1m30s"` (a bare number is an error) |
| octal mode | a string of octal digits (`"0755"`) or an integer (write `0o755` in TOML and YAML) |
| signal | a name with or without `SIG`, any case (`"SIGTERM"`, `"TERM"`), or a number 1–64 |
| capabilities | `CAP_*` names as libcap knows them, any case (`"CAP_NET_BIND_SERVICE"`, `"cap_chown"`) |
| syscalls | names as libseccomp knows them (`"ptrace"`, `"mount"`) |
| namespace | `true` (a new one), `false` (the host's), `{ join = "sandbox-name" }`, `{ pid = 1234 }` or `{ path = "/proc/1234/ns/net" }` |
| table of limits | `nofile = 1024`, `core = "unlimited"`, `nproc = { soft = 512, hard = 1024 }`; names: as, core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack |
| mount options | flags (`nosuid`, `nodev`, `noexec`, `noatime`, `nodiratime`, `relatime`, `strictatime`, `nosymfollow`) and filesystem options `name` or `name=value` (`uid`, `gid`, `mode`, `nr_inodes`, `nr_blocks`, `huge`, `mpol`, `ptmxmode`, `max`, `newinstance`, `hidepid`, `subset`); `readonly` is a key of its own |

Strings may use `${env:NAME}`, `${env:NAME:-default}` and `${profile_dir}`. A *host path*
(`rootfs.path`, `rootfs.archive`, `mounts[].source`, `seccomp.import`) that is relative is
relative to the directory of the file that wrote it; a *path* is a path inside the sandbox and
must be absolute.
)";

}  // namespace

std::string json_schema() {
    Json schema{
        {"$schema", "https://json-schema.org/draft/2020-12/schema"},
        {"$id", "urn:sandbox:profile:1"},
        {"title", "sandbox profile (schema version 1)"},
        {"description", "Generated from the field table in src/profile/fields.cpp; do not edit."}};
    Json root = section_schema(*find_section(""));
    for (auto& [k, v] : root.items()) {
        schema[k] = v;
    }
    return schema.dump(2) + "\n";
}

std::string markdown_reference() {
    std::string out = k_intro;
    for (const Section& s : sections()) {
        out += "\n## " + heading(s) + "\n\n" + s.doc + "\n\n";
        bool any = false;
        for (const Field& f : fields()) {
            if (f.section() != s.path) {
                continue;
            }
            if (!any) {
                out += "| Key | Type | Default | Description |\n|---|---|---|---|\n";
                any = true;
            }
            std::string def = f.default_json.empty() ? "—" : "`" + f.default_json + "`";
            std::string key = "`" + f.path + "`";
            if (f.required) {
                key += " (required)";
            }
            out += "| " + key + " | " + field_type_text(f) + " | " + escape_cell(def) + " | " +
                   escape_cell(f.doc) + " |\n";
        }
        if (!any) {
            out += "Holds only the tables below.\n";
        }
    }
    return out;
}

}  // namespace sandbox::profile
