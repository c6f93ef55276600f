#pragma once
// A name table for an enum, and the look-ups over it, for every layer: profile/enum_names.hpp
// (the profile's spellings), plan/step_id.hpp (the step vocabulary), exec/sync.cpp (the sync
// messages), sys/mount.cpp (mount flags) and the profile's node and value type words all write
// their names as rows of an EnumName table, so that a name is written once and both directions
// of a look-up are the same loop. Pure data, usable in constant expressions.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sandbox {

template <class E>
struct EnumName {
    E value;
    std::string_view name;        // the word this program writes and reads
    std::string_view other = {};  // a second spelling (OCI / libseccomp / C), where there is one
};

// The row of `value`; nullptr when the table lacks it.
template <class E, size_t N>
constexpr const EnumName<E>* row_of(const EnumName<E> (&table)[N], E value) {
    for (const EnumName<E>& row : table) {
        if (row.value == value) {
            return &row;
        }
    }
    return nullptr;
}

// The value whose `column` (&EnumName<E>::name or ::other) is `text`; an empty cell never matches.
template <class E, size_t N>
constexpr std::optional<E> value_of(const EnumName<E> (&table)[N], std::string_view text,
                                    std::string_view EnumName<E>::*column) {
    for (const EnumName<E>& row : table) {
        if (!(row.*column).empty() && row.*column == text) {
            return row.value;
        }
    }
    return std::nullopt;
}

template <class E, size_t N>
constexpr std::string_view name_of(const EnumName<E> (&table)[N], E value,
                                   std::string_view unknown = "?") {
    const EnumName<E>* row = row_of(table, value);
    return row ? row->name : unknown;
}

template <class E, size_t N>
constexpr std::string_view other_name_of(const EnumName<E> (&table)[N], E value) {
    const EnumName<E>* row = row_of(table, value);
    return row ? row->other : "?";
}

template <class E, size_t N>
constexpr std::optional<E> from_name(const EnumName<E> (&table)[N], std::string_view name) {
    return value_of(table, name, &EnumName<E>::name);
}

template <class E, size_t N>
constexpr std::optional<E> from_other_name(const EnumName<E> (&table)[N], std::string_view name) {
    return value_of(table, name, &EnumName<E>::other);
}

// The names in table order (a field's `.choices`; any table whose rows have a `name`), and the
// values in the same order.
template <class Row, size_t N>
std::vector<std::string> names_of(const Row (&table)[N]) {
    std::vector<std::string> out;
    for (const Row& row : table) {
        out.emplace_back(row.name);
    }
    return out;
}

template <class E, size_t N>
std::vector<E> values_of(const EnumName<E> (&table)[N]) {
    std::vector<E> out;
    for (const EnumName<E>& row : table) {
        out.push_back(row.value);
    }
    return out;
}

}  // namespace sandbox
