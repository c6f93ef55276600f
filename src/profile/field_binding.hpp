#pragma once
// How a row of the field table (profile/fields.cpp) is bound to the struct member it fills:
// the parser comes from the row's ValueType (one switch, parser_for), and the default the
// schema, the reference and the decoder use is read from a default-constructed section object
// (profile.hpp's member initialisers), so a default is written once. Only fields.cpp includes
// this; a row whose member type does not fit its ValueType is a table bug, reported as a
// std::logic_error the first time the table is built (every unit test builds it).
#include <arpa/inet.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/units.hpp"
#include "profile/enum_names.hpp"
#include "profile/fields.hpp"
#include "profile/names.hpp"
#include "profile/profile.hpp"
#include "profile/value_parsers.hpp"

namespace sandbox::profile::binding {

// A member of a section object: `+[](Mount& m) -> auto& { return m.size; }`.
template <class Obj, class M>
using Member = M& (*)(Obj&);

template <class T>
struct Unwrap {
    using type = T;
};
template <class T>
struct Unwrap<std::optional<T>> {
    using type = T;
};

template <class T>
inline constexpr bool is_optional = false;
template <class T>
inline constexpr bool is_optional<std::optional<T>> = true;

template <class T>
inline constexpr bool is_vector = false;
template <class T>
inline constexpr bool is_vector<std::vector<T>> = true;

[[noreturn]] inline void table_bug(const Field& f, const std::string& what) {
    throw std::logic_error("field table: " + f.path + ": " + what);
}

// Parse, then assign into the member; a parser whose value the member cannot hold is a bug.
template <class Obj, class M, class Parse>
Decoder assign(const Field& f, Member<Obj, M> access, Parse parse) {
    using Value = typename std::invoke_result_t<Parse, const Node&, DecodeContext&>::value_type;
    using Target = typename Unwrap<M>::type;
    if constexpr (std::is_convertible_v<Value, Target>) {
        return [access, parse](const Node& n, DecodeContext& c, void* object) {
            auto value = parse(n, c);
            if (value) {
                access(*static_cast<Obj*>(object)) = static_cast<Target>(std::move(*value));
            }
        };
    } else {
        table_bug(f, "the member's type does not hold what its value type parses to");
    }
}

inline std::optional<std::string> cidr_or_auto(const Node& n, DecodeContext& c, int family) {
    // network.veth.address / host_address (and the 6 forms): a CIDR, or "auto" for the
    // address pool (docs/networking.md).
    if (n.kind == NodeKind::string && n.string == "auto") {
        return n.string;
    }
    return values::parse_cidr(n, c, family);
}

// THE choice of parser by value type. `enumeration` is bound by enum_row (it needs the names).
template <class Obj, class M>
Decoder parser_for(const Field& f, Member<Obj, M> access) {
    using namespace values;
    auto with_family = [](auto parse, int family) {
        return [parse, family](const Node& n, DecodeContext& c) { return parse(n, c, family); };
    };
    switch (f.type) {
        case ValueType::boolean:
            return assign(f, access, parse_bool);
        case ValueType::integer:
            return assign(f, access, parse_integer);
        case ValueType::string:
        case ValueType::hostname:
            return assign(f, access, parse_string);
        case ValueType::path:
        case ValueType::host_path:
            return assign(f, access, parse_path);
        case ValueType::size:
            return assign(f, access, parse_size);
        case ValueType::duration:
            return assign(f, access, parse_duration);
        case ValueType::cpu:
            return assign(f, access, parse_cpu);
        case ValueType::mode:
            return assign(f, access, parse_mode);
        case ValueType::string_list:
            return assign(f, access, parse_string_list);
        case ValueType::path_list:
            return assign(f, access, parse_path_list);
        case ValueType::env:
            return assign(f, access, parse_env);
        case ValueType::rlimits:
            return assign(f, access, parse_rlimits);
        case ValueType::signal:
            return assign(f, access, parse_signal);
        case ValueType::capability_list:
            return assign(f, access, parse_capabilities);
        case ValueType::syscall_list:
            return assign(f, access, parse_syscalls);
        case ValueType::cidr4:
            return assign(f, access, with_family(cidr_or_auto, AF_INET));
        case ValueType::cidr6:
            return assign(f, access, with_family(cidr_or_auto, AF_INET6));
        case ValueType::ipv4:
            return assign(f, access, with_family(parse_ip, AF_INET));
        case ValueType::ipv6:
            return assign(f, access, with_family(parse_ip, AF_INET6));
        case ValueType::ip_list:
            return assign(f, access, parse_ip_list);
        case ValueType::hosts:
            return assign(f, access, parse_hosts);
        case ValueType::sysctls:
            return assign(f, access, parse_sysctls);
        case ValueType::namespace_:
            return assign(f, access, parse_namespace);
        case ValueType::string_or_list:
            return assign(f, access, parse_string_or_list);
        case ValueType::tty:
            return assign(f, access, parse_tty);
        case ValueType::id:
            return assign(f, access, parse_id);
        case ValueType::id_list:
            return assign(f, access, parse_id_list);
        case ValueType::fd_list:
            return assign(f, access, parse_fd_list);
        case ValueType::mount_options:
            return assign(f, access, parse_mount_options);
        case ValueType::enumeration:
            break;
    }
    table_bug(f, "no parser for its value type (an enumeration is bound by enum_row)");
}

// ---- defaults: the JSON text of a default-constructed member -----------------------------

inline std::string json_string(const std::string& s) {
    return nlohmann::json(s).dump();
}

// `["a", "b"]`, spaced as the reference prints it.
inline std::string json_string_list(const std::vector<std::string>& list) {
    std::string out = "[";
    for (size_t i = 0; i < list.size(); ++i) {
        out += (i ? ", " : "") + json_string(list[i]);
    }
    return out + "]";
}

// "" = no default: an unset optional, an empty string or list, a required key.
template <class M>
std::string default_json(const Field& f, const M& value) {
    if constexpr (is_optional<M>) {
        return value ? default_json(f, *value) : std::string{};
    } else if constexpr (std::is_same_v<M, bool>) {
        return value ? "true" : "false";
    } else if constexpr (std::is_same_v<M, NamespaceSetting>) {
        if (value == NamespaceSetting::new_ns() || value == NamespaceSetting::host_ns()) {
            return value.mode == NamespaceSetting::Mode::create ? "true" : "false";
        }
        table_bug(f, "a namespace default is new or the host's");
    } else if constexpr (std::is_same_v<M, TtyMode>) {
        return value == TtyMode::auto_detect ? json_string("auto")
                                             : std::string(name_of(k_tty_mode_names, value));
    } else if constexpr (std::is_same_v<M, Duration>) {
        return json_string(units::format_duration(value));
    } else if constexpr (std::is_integral_v<M>) {
        if (f.type == ValueType::mode) {
            char octal[16];
            std::snprintf(octal, sizeof octal, "%04o", static_cast<unsigned>(value));
            return json_string(octal);
        }
        if (f.type == ValueType::signal) {
            return json_string(names::signal_name(value));
        }
        return std::to_string(value);
    } else if constexpr (std::is_same_v<M, std::string>) {
        return value.empty() ? std::string{} : json_string(value);
    } else if constexpr (std::is_same_v<M, std::vector<std::string>>) {
        return value.empty() ? std::string{} : json_string_list(value);
    } else if constexpr (is_vector<M>) {
        if (!value.empty()) {
            table_bug(f, "a default list of this type cannot be written as JSON");
        }
        return {};
    } else {
        // Bytes, double: every such member is optional and unset by default.
        table_bug(f, "a default of this type cannot be written as JSON");
    }
}

// A default-constructed section object, made once per type (not once per row: most rows
// read the whole Profile's). Only ever read (the accessors take it by reference).
template <class Obj>
Obj& fresh_object() {
    static Obj fresh{};
    return fresh;
}

// The default of `access` in a default-constructed section object, unless the row is required
// (a required key has no default, whatever the struct holds) or names a decode-only default
// itself (security.masked_paths: see fields.cpp; then default_in_row).
template <class Obj, class M>
void set_struct_default(Field& f, Member<Obj, M> access) {
    std::string derived = f.required ? std::string{} : default_json(f, access(fresh_object<Obj>()));
    if (!f.default_json.empty()) {
        if (!derived.empty()) {
            table_bug(f, "the default is written in the row and in profile.hpp");
        }
        f.default_in_row = true;
        return;
    }
    f.default_json = std::move(derived);
}

// A row whose parser is its value type's.
template <class Obj, class M>
Field row(Field f, Member<Obj, M> access) {
    f.decode = parser_for(f, access);
    set_struct_default(f, access);
    return f;
}

// A row with a parser of its own (a list whose items follow a rule of their own).
template <class Obj, class M, class Parse>
Field row(Field f, Member<Obj, M> access, Parse parse) {
    f.decode = assign(f, access, parse);
    set_struct_default(f, access);
    return f;
}

// An enumeration: the choices, the decoder and the default all come from the names table.
template <class Obj, class M, class E, size_t N>
Field enum_row(Field f, Member<Obj, M> access, const EnumName<E> (&table)[N]) {
    f.type = ValueType::enumeration;
    f.choices = names_of(table);
    f.decode = [access, values = values_of(table)](const Node& n, DecodeContext& c, void* o) {
        auto index = values::parse_choice(n, c);
        if (index && *index < values.size()) {
            access(*static_cast<Obj*>(o)) = values[*index];
        }
    };
    const M& value = access(fresh_object<Obj>());
    if (!f.required) {
        if constexpr (is_optional<M>) {
            if (value) {
                f.default_json = json_string(std::string(name_of(table, *value)));
            }
        } else {
            f.default_json = json_string(std::string(name_of(table, value)));
        }
    }
    return f;
}

}  // namespace sandbox::profile::binding
