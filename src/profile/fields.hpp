#pragma once
// THE field table: every profile key with its type, default, one-line doc and decoder.
// decode.cpp walks a Document with it, schema.cpp turns it into the JSON Schema and the
// Markdown reference, so the three cannot drift apart.
//
// Key paths use profile syntax. In the table an array of tables is written `mounts[]`; in
// diagnostics and Origins the element index is filled in, 0-based: `mounts[1].target`.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/diagnostics.hpp"
#include "profile/document.hpp"
#include "profile/origins.hpp"

namespace sandbox::profile {

// What a value looks like; decides the JSON Schema fragment and the reference's type column.
enum class ValueType {
    boolean,
    integer,  // range: Field::minimum .. Field::maximum
    string,
    path,         // a path inside the sandbox (absolute)
    host_path,    // a host file or directory; resolve makes it absolute against the profile
    enumeration,  // one of Field::choices
    size,         // "512MiB" or integer bytes
    duration,     // "30s", "10m", "1m30s"
    cpu,          // decimal number of CPUs > 0
    mode,         // octal permission bits: "0755" or an integer (0o755)
    string_list,
    path_list,
    env,              // table NAME = "value"
    rlimits,          // table nofile = 1024 | "unlimited" | {soft, hard}
    signal,           // "SIGTERM", "TERM" or 15
    capability_list,  // ["CAP_NET_BIND_SERVICE", ...]
    syscall_list,     // ["ptrace", ...]
    cidr4,            // "10.0.0.2/24"
    cidr6,            // "fd00::2/64"
    ipv4,             // "10.0.0.1"
    ipv6,             // "fd00::1"
    ip_list,          // ["1.1.1.1", "2606:4700::1111"]
    hosts,            // table name = "address"
    sysctls,          // table "net.KEY" = "value" | integer (nested tables flattened)
    namespace_,       // true | false | {join = "name"} | {pid = N} | {path = "/proc/N/ns/x"}
    string_or_list,   // "base" or ["base", "extra"]
    tty,              // "auto" | true | false
    id,               // a user or group: name or number
    id_list,          // names or numbers
    fd_list,          // integers >= 3
    mount_options,    // ["nosuid", "nodev", "uid=1000", ...]
    hostname,         // RFC 1123 host name
};

struct Field;

// Passed to a decoder: where the value is and where problems go.
struct DecodeContext {
    Diagnostics& diagnostics;
    Origins& origins;
    std::string path;              // the concrete key path of the value: "mounts[1].target"
    const Field* field = nullptr;  // the table row being decoded
    bool is_default = false;       // decoding the field's default (no origin is recorded)

    void error(const Node& at, std::string message, std::string hint = {}) const;
    void error_at(const Node& at, const std::string& sub_path, std::string message,
                  std::string hint = {}) const;
    // Records `path` (plus an optional suffix such as "[2]" or ".FOO") at `at`'s location.
    void record(const Node& at, const std::string& suffix = {}) const;
};

// Decodes `value` into `object`, whose type is the field's section object (Profile for plain
// tables, Mount for `mounts[]`, SeccompArg for `seccomp.rules[].args[]`, ...).
using Decoder = std::function<void(const Node& value, DecodeContext& ctx, void* object)>;

struct Field {
    std::string path;  // "limits.memory", "mounts[].size"
    ValueType type = ValueType::string;
    std::string doc;                   // one line, for the reference and the schema
    std::string default_json;          // JSON text of the default, "" = none (see doc)
    std::vector<std::string> choices;  // enumeration values, as written in a profile
    int64_t minimum = INT64_MIN;       // integer range (inclusive)
    int64_t maximum = INT64_MAX;
    bool required = false;  // within its table (an element of an array of tables)
    // The default is the row's own (security.masked_paths): the decoder fills it in for a key
    // left out. Otherwise it is the section struct's initialiser (default_json only shows it),
    // which a left-out key simply keeps: nothing is decoded for it.
    bool default_in_row = false;
    Decoder decode;

    std::string_view key() const;      // the last component: "size"
    std::string_view section() const;  // everything before it: "mounts[]", "" for top level
};

enum class SectionKind { table, array_of_tables };

struct Section {
    std::string path;  // "", "process", "mounts[]", "seccomp.rules[].args[]"
    SectionKind kind = SectionKind::table;
    std::string doc;
    // array_of_tables: appends an element to the enclosing section's object, returns it.
    std::function<void*(void* parent)> append;

    std::string_view key() const;     // "args"
    std::string_view parent() const;  // "seccomp.rules[]"
};

// An array of tables that may instead be written as one of a few strings: `uid_map = "auto"`.
struct SectionShorthand {
    std::string section;              // "uid_map[]"
    std::vector<std::string> values;  // the strings accepted in place of the array
    // Records the choice on the enclosing section's object.
    std::function<void(void* parent, const std::string& value)> set;
};

const std::vector<Section>& sections();  // parents before children
const std::vector<Field>& fields();      // grouped by section, in reference order

const Section* find_section(std::string_view path);
const SectionShorthand* find_shorthand(std::string_view section_path);  // null: none
const Field* find_field(std::string_view path);

// Turns a concrete path into its table form: "mounts[3].target" -> "mounts[].target".
std::string table_path(std::string_view concrete);

}  // namespace sandbox::profile
