// The field table's sections, shorthands and look-ups, and the DecodeContext the decoders
// report through. The rows themselves are in profile/fields.cpp.
#include <algorithm>
#include <functional>

#include "profile/fields.hpp"
#include "profile/profile.hpp"

namespace sandbox::profile {

// ---- DecodeContext -------------------------------------------------------------------------

void DecodeContext::error(const Node& at, std::string message, std::string hint) const {
    diagnostics.error(at.where, path, std::move(message), std::move(hint));
}

void DecodeContext::error_at(const Node& at, const std::string& sub_path, std::string message,
                             std::string hint) const {
    diagnostics.error(at.where, path + sub_path, std::move(message), std::move(hint));
}

void DecodeContext::record(const Node& at, const std::string& suffix) const {
    if (!is_default) {
        origins[path + suffix] = at.where;
    }
}

std::string_view Field::key() const {
    std::string_view p = path;
    size_t dot = p.rfind('.');
    return dot == std::string_view::npos ? p : p.substr(dot + 1);
}

std::string_view Field::section() const {
    std::string_view p = path;
    size_t dot = p.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : p.substr(0, dot);
}

std::string_view Section::key() const {
    std::string_view p = path;
    size_t dot = p.rfind('.');
    std::string_view k = dot == std::string_view::npos ? p : p.substr(dot + 1);
    if (k.size() >= 2 && k.substr(k.size() - 2) == "[]") {
        k.remove_suffix(2);
    }
    return k;
}

std::string_view Section::parent() const {
    std::string_view p = path;
    size_t dot = p.rfind('.');
    return dot == std::string_view::npos ? std::string_view{} : p.substr(0, dot);
}

std::string table_path(std::string_view concrete) {
    std::string out;
    for (size_t i = 0; i < concrete.size(); ++i) {
        out += concrete[i];
        if (concrete[i] == '[') {
            size_t close = concrete.find(']', i);
            if (close == std::string_view::npos) {
                break;
            }
            i = close - 1;
        }
    }
    return out;
}

namespace {

template <class Parent, class Element, class Access>
std::function<void*(void*)> appender(Access access) {
    return [access](void* parent) -> void* {
        std::vector<Element>& v = access(*static_cast<Parent*>(parent));
        v.emplace_back();
        return &v.back();
    };
}

std::vector<Section> build_sections() {
    using P = Profile;
    return {
        {"", SectionKind::table, "Top-level keys.", {}},
        {"process",
         SectionKind::table,
         "The workload: command, environment, identity, limits.",
         {}},
        {"rootfs",
         SectionKind::table,
         "The root filesystem: exactly one of path, archive and host.",
         {}},
        {"rootfs.defaults",
         SectionKind::table,
         "The default mounts besides /proc and /dev, each made unless set to false (a "
         "mounts[] entry with the same target replaces one instead).",
         {}},
        {"mounts[]", SectionKind::array_of_tables,
         "Mounts made inside the sandbox, in order, after the root is prepared.",
         appender<P, Mount>([](P & p) -> auto& { return p.mounts; })},
        {"namespaces",
         SectionKind::table,
         "Each namespace: true (new), false (the host's), { join = \"sandbox\" }, { pid = N } or "
         "{ path = \"/proc/N/ns/x\" }.",
         {}},
        {"uts", SectionKind::table, "Host and domain name (need a new uts namespace).", {}},
        {"uid_map[]", SectionKind::array_of_tables,
         "User id ranges of the user namespace; default: root inside is the caller. "
         "`uid_map = \"auto\"`: 65536 ids (0-65535 inside) from a host range chosen when the "
         "sandbox starts, which no /etc/subuid or /etc/subgid entry and no other sandbox uses "
         "(rootless: the caller's /etc/subuid range); needs `gid_map = \"auto\"`.",
         appender<P, IdMapRange>([](P & p) -> auto& { return p.uid_map; })},
        {"gid_map[]", SectionKind::array_of_tables,
         "Group id ranges of the user namespace; default: root inside is the caller's group. "
         "`gid_map = \"auto\"`: as uid_map (the same range).",
         appender<P, IdMapRange>([](P & p) -> auto& { return p.gid_map; })},
        {"network", SectionKind::table, "Networking.", {}},
        {"network.veth", SectionKind::table, "The veth pair (network.mode = \"veth\").", {}},
        {"network.ports[]", SectionKind::array_of_tables,
         "Host ports forwarded to the sandbox (network.mode = \"veth\").",
         appender<P, PortForward>([](P & p) -> auto& { return p.network.ports; })},
        {"limits", SectionKind::table, "Cgroup limits.", {}},
        {"seccomp", SectionKind::table, "System call filter, installed last before exec.", {}},
        {"seccomp.rules[]", SectionKind::array_of_tables,
         "Extra rules, applied after the preset, allow and deny.",
         appender<P, SeccompRule>([](P & p) -> auto& { return p.seccomp.rules; })},
        {"seccomp.rules[].args[]", SectionKind::array_of_tables,
         "Argument conditions; all must hold for the rule to match.",
         appender<SeccompRule, SeccompArg>([](SeccompRule & r) -> auto& { return r.args; })},
        {"capabilities",
         SectionKind::table,
         "Capabilities of the workload; by default it keeps none.",
         {}},
        {"security", SectionKind::table, "Other hardening.", {}},
        {"security.landlock", SectionKind::table, "Landlock file-access rules.", {}},
    };
}

}  // namespace

const std::vector<Section>& sections() {
    static const std::vector<Section> all = build_sections();
    return all;
}

const std::vector<SectionShorthand>& section_shorthands() {
    static const std::vector<SectionShorthand> all = {
        {"uid_map[]",
         {"auto"},
         [](void* p, const std::string&) { static_cast<Profile*>(p)->uid_map_auto = true; }},
        {"gid_map[]",
         {"auto"},
         [](void* p, const std::string&) { static_cast<Profile*>(p)->gid_map_auto = true; }},
    };
    return all;
}

namespace {

// The row of `rows` whose `key` member is `wanted`; nullptr when none is.
template <class Row>
const Row* find_row(const std::vector<Row>& rows, std::string Row::*key, std::string_view wanted) {
    auto it =
        std::find_if(rows.begin(), rows.end(), [&](const Row& r) { return r.*key == wanted; });
    return it == rows.end() ? nullptr : &*it;
}

}  // namespace

const SectionShorthand* find_shorthand(std::string_view section_path) {
    return find_row(section_shorthands(), &SectionShorthand::section, section_path);
}

const Section* find_section(std::string_view path) {
    return find_row(sections(), &Section::path, path);
}

const Field* find_field(std::string_view path) {
    return find_row(fields(), &Field::path, path);
}

}  // namespace sandbox::profile
