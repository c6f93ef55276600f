// OCI / Docker seccomp JSON -> Profile::seccomp.imported*. Runs after decode (the loader's
// hook) because includes.caps needs capabilities.keep; changes no system state (reads the file;
// the kernel release comes from the caller, LoadOptions::kernel_release).
#include "profile/seccomp_import.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "profile/enum_names.hpp"
#include "profile/json_locator.hpp"

namespace sandbox::profile {
namespace {

using nlohmann::json;

constexpr size_t k_max_file_size = 4 * 1024 * 1024;

// ---- the format --------------------------------------------------------------------------
std::optional<SeccompAction> parse_action(const std::string& name) {
    if (name == "SCMP_ACT_KILL") {
        return SeccompAction::kill_thread;  // libseccomp: SCMP_ACT_KILL = kill thread
    }
    return from_other_name(k_seccomp_action_names, name);
}

// Every action name the format accepts, for messages and did-you-mean.
std::vector<std::string> action_names() {
    std::vector<std::string> out;
    for (SeccompAction a : {SeccompAction::allow, SeccompAction::errno_}) {
        out.emplace_back(other_name_of(k_seccomp_action_names, a));
    }
    out.emplace_back("SCMP_ACT_KILL");
    for (SeccompAction a : {SeccompAction::kill_thread, SeccompAction::kill_process,
                            SeccompAction::trap, SeccompAction::log}) {
        out.emplace_back(other_name_of(k_seccomp_action_names, a));
    }
    return out;
}

std::optional<ArgOp> parse_op(const std::string& name) {
    return from_other_name(k_arg_op_names, name);
}

const std::vector<std::string>& known_arches() {
    static const std::vector<std::string> k_arches = {
        "SCMP_ARCH_X86",     "SCMP_ARCH_X86_64",   "SCMP_ARCH_X32",         "SCMP_ARCH_ARM",
        "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS",     "SCMP_ARCH_MIPS64",      "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL",  "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC",
        "SCMP_ARCH_PPC64",   "SCMP_ARCH_PPC64LE",  "SCMP_ARCH_S390",        "SCMP_ARCH_S390X",
        "SCMP_ARCH_PARISC",  "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
    };
    return k_arches;
}

std::optional<std::pair<int, int>> parse_kernel_version(const std::string& s) {
    int major = 0;
    int minor = 0;
    char dot = 0;
    std::istringstream in(s);
    if (!(in >> major >> dot >> minor) || dot != '.') {
        return std::nullopt;
    }
    return std::pair{major, minor};
}

class Reader {
public:
    Reader(std::string_view text, const std::string& file, const SeccompImportContext& context,
           Diagnostics& diagnostics)
        : m_text(text),
          m_file(std::make_shared<const std::string>(file)),
          m_context(context),
          m_diagnostics(diagnostics) {}

    std::optional<SeccompImport> read() {
        json root;
        try {
            root = json::parse(m_text.begin(), m_text.end());
        } catch (const json::parse_error& e) {
            // e.byte is 1-based: the last byte the lexer read, i.e. the end of the offending
            // token; point at the token's start instead.
            size_t offset = e.byte > 0 ? std::min<size_t>(e.byte - 1, m_text.size()) : 0;
            if (offset < m_text.size() && m_text[offset] == '"' && offset > 0) {
                size_t open = m_text.rfind('"', offset - 1);
                while (open != std::string_view::npos && open > 0 && m_text[open - 1] == '\\') {
                    open = m_text.rfind('"', open - 2);
                }
                offset = open != std::string_view::npos ? open : offset;
            } else {
                while (offset > 0 && offset < m_text.size() &&
                       (std::isalnum(static_cast<unsigned char>(m_text[offset - 1])) != 0 ||
                        std::strchr(".+-", m_text[offset - 1]) != nullptr) &&
                       std::isalnum(static_cast<unsigned char>(m_text[offset])) != 0) {
                    --offset;
                }
            }
            std::string what = e.what();
            // "[json.exception.parse_error.101] parse error at line 3, column 5: syntax error
            // while parsing object - ..." -> keep the part after the position.
            if (auto p = what.find(": "); p != std::string::npos) {
                what = what.substr(p + 2);
            }
            m_diagnostics.error(location_at(m_file, m_text, offset), "seccomp.import",
                                "invalid JSON: " + what);
            return std::nullopt;
        }
        if (!root.is_object()) {
            error({}, "expected a JSON object (an OCI / Docker seccomp profile)");
            return std::nullopt;
        }
        SeccompImport out;
        for (const auto& [key, value] : root.items()) {
            JsonPath path{{key, 0}};
            if (key == "defaultAction") {
                out.default_action = action(value, path);
            } else if (key == "defaultErrnoRet") {
                out.default_errno = errno_value(value, path).value_or(1);
            } else if (key == "architectures") {
                architectures(value, path);
            } else if (key == "syscalls") {
                syscalls(value, path, out.rules);
            } else if (key == "archMap" || key == "flags" || key == "listenerPath" ||
                       key == "listenerMetadata" || key == "comment") {
                // Not used: archMap/architectures do not change our ABI policy (native only,
                // others killed); flags and the notify listener are not supported.
            } else {
                error(path, fmt_unknown_key(key, {"defaultAction", "defaultErrnoRet",
                                                  "architectures", "syscalls", "archMap", "flags",
                                                  "listenerPath", "listenerMetadata"}));
            }
        }
        if (!out.default_action && !root.contains("defaultAction")) {
            error({}, "missing 'defaultAction'");
        }
        if (m_failed) {
            return std::nullopt;
        }
        return out;
    }

private:
    void error(const JsonPath& path, std::string message, std::string hint = {}) {
        m_failed = true;
        SourceLocation where = SourceLocation::in(m_file, 1, 1);
        if (auto offset = find_json_value(m_text, path)) {
            where = location_at(m_file, m_text, *offset);
        }
        std::string prefix = path.empty() ? "" : path_str(path) + ": ";
        m_diagnostics.error(where, "seccomp.import", prefix + message, std::move(hint));
    }

    static std::string fmt_unknown_key(const std::string& key,
                                       const std::vector<std::string>& known) {
        std::string msg = "unknown key '" + key + "'";
        std::string dym = did_you_mean(key, known);
        if (!dym.empty()) {
            msg += " (" + dym + ")";
        }
        return msg;
    }

    std::optional<std::string> string(const json& v, const JsonPath& path) {
        if (!v.is_string()) {
            error(path, "expected a string");
            return std::nullopt;
        }
        return v.get<std::string>();
    }

    std::optional<SeccompAction> action(const json& v, const JsonPath& path) {
        auto s = string(v, path);
        if (!s) {
            return std::nullopt;
        }
        auto a = parse_action(*s);
        std::string supported;
        for (const std::string& n : action_names()) {
            supported += (supported.empty() ? "one of " : ", ") + n;
        }
        if (!a && (*s == "SCMP_ACT_TRACE" || *s == "SCMP_ACT_NOTIFY")) {
            error(path, "action '" + *s + "' is not supported (no tracer or notify listener)",
                  supported);
        } else if (!a) {
            std::string hint = did_you_mean(*s, action_names());
            error(path, "unknown action '" + *s + "'", hint.empty() ? supported : hint);
        }
        return a;
    }

    std::optional<uint32_t> errno_value(const json& v, const JsonPath& path) {
        if (!v.is_number_unsigned() || v.get<uint64_t>() > 4095) {
            error(path, "expected an errno number between 0 and 4095");
            return std::nullopt;
        }
        return static_cast<uint32_t>(v.get<uint64_t>());
    }

    std::optional<uint64_t> u64(const json& v, const JsonPath& path) {
        if (!v.is_number_unsigned()) {
            error(path, "expected an unsigned integer");
            return std::nullopt;
        }
        return v.get<uint64_t>();
    }

    std::vector<std::string> string_list(const json& v, const JsonPath& path) {
        std::vector<std::string> out;
        if (v.is_null()) {
            return out;
        }
        if (!v.is_array()) {
            error(path, "expected an array of strings");
            return out;
        }
        for (size_t i = 0; i < v.size(); ++i) {
            JsonPath p = path;
            p.push_back({"", i});
            if (auto s = string(v[i], p)) {
                out.push_back(*s);
            }
        }
        return out;
    }

    void architectures(const json& v, const JsonPath& path) {
        std::vector<std::string> arches = string_list(v, path);
        for (size_t i = 0; i < arches.size(); ++i) {
            const auto& known = known_arches();
            if (std::find(known.begin(), known.end(), arches[i]) == known.end()) {
                JsonPath p = path;
                p.push_back({"", i});
                error(p, "unknown architecture '" + arches[i] + "'",
                      did_you_mean(arches[i], known));
            }
        }
    }

    // includes / excludes: nullopt = malformed; true = the condition holds.
    struct Conditions {
        std::vector<std::string> caps;
        std::vector<std::string> arches;
        std::optional<std::pair<int, int>> min_kernel;
    };

    std::optional<Conditions> conditions(const json& v, const JsonPath& path) {
        Conditions c;
        if (v.is_null()) {
            return c;
        }
        if (!v.is_object()) {
            error(path, "expected an object with caps / arches / minKernel");
            return std::nullopt;
        }
        for (const auto& [key, value] : v.items()) {
            JsonPath p = path;
            p.push_back({key, 0});
            if (key == "caps") {
                c.caps = string_list(value, p);
            } else if (key == "arches") {
                c.arches = string_list(value, p);
            } else if (key == "minKernel") {
                auto s = string(value, p);
                if (s) {
                    c.min_kernel = parse_kernel_version(*s);
                    if (!c.min_kernel) {
                        error(p, "expected a kernel version such as \"4.8\", got '" + *s + "'");
                    }
                }
            } else {
                error(p, fmt_unknown_key(key, {"caps", "arches", "minKernel"}));
            }
        }
        return c;
    }

    bool has_cap(const std::string& cap) const {
        const auto& caps = m_context.capabilities;
        return std::find(caps.begin(), caps.end(), cap) != caps.end();
    }
    bool is_native(const std::string& arch) const {
        return arch == m_context.arch || (m_context.arch == "amd64" && arch == "x86_64") ||
               (m_context.arch == "arm64" && arch == "aarch64");
    }
    bool kernel_at_least(std::pair<int, int> v) const {
        return m_context.kernel == std::pair{0, 0} || m_context.kernel >= v;
    }

    bool included(const Conditions& inc, const Conditions& exc) const {
        for (const std::string& cap : inc.caps) {
            if (!has_cap(cap)) {
                return false;
            }
        }
        if (!inc.arches.empty() &&
            std::none_of(inc.arches.begin(), inc.arches.end(),
                         [&](const std::string& a) { return is_native(a); })) {
            return false;
        }
        if (inc.min_kernel && !kernel_at_least(*inc.min_kernel)) {
            return false;
        }
        if (std::any_of(exc.caps.begin(), exc.caps.end(),
                        [&](const std::string& c) { return has_cap(c); })) {
            return false;
        }
        if (std::any_of(exc.arches.begin(), exc.arches.end(),
                        [&](const std::string& a) { return is_native(a); })) {
            return false;
        }
        if (exc.min_kernel && kernel_at_least(*exc.min_kernel) &&
            m_context.kernel != std::pair{0, 0}) {
            return false;
        }
        return true;
    }

    std::optional<SeccompArg> arg(const json& v, const JsonPath& path) {
        if (!v.is_object()) {
            error(path, "expected an object {index, value, valueTwo, op}");
            return std::nullopt;
        }
        SeccompArg a;
        bool have_index = false;
        bool have_op = false;
        for (const auto& [key, value] : v.items()) {
            JsonPath p = path;
            p.push_back({key, 0});
            if (key == "index") {
                auto i = u64(value, p);
                if (i && *i > 5) {
                    error(p, "argument index must be 0..5");
                } else if (i) {
                    a.index = static_cast<uint32_t>(*i);
                    have_index = true;
                }
            } else if (key == "value") {
                a.value = u64(value, p).value_or(0);
            } else if (key == "valueTwo") {
                a.value2 = u64(value, p).value_or(0);
            } else if (key == "op") {
                auto s = string(value, p);
                auto op = s ? parse_op(*s) : std::nullopt;
                if (s && !op) {
                    error(p, "unknown comparison '" + *s + "'",
                          "one of SCMP_CMP_EQ, SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, "
                          "SCMP_CMP_GT, SCMP_CMP_GE, SCMP_CMP_MASKED_EQ");
                }
                if (op) {
                    a.op = *op;
                    have_op = true;
                }
            } else {
                error(p, fmt_unknown_key(key, {"index", "value", "valueTwo", "op"}));
            }
        }
        if (!have_index || !have_op) {
            error(path, "an argument needs 'index' and 'op'");
            return std::nullopt;
        }
        return a;
    }

    // Runs `each(item, item_path)` over an array; null is an empty one.
    template <class Each>
    void for_items(const json& v, const JsonPath& path, Each each) {
        if (v.is_null()) {
            return;
        }
        if (!v.is_array()) {
            error(path, "expected an array");
            return;
        }
        for (size_t i = 0; i < v.size(); ++i) {
            JsonPath item_path = path;
            item_path.push_back({"", i});
            each(v[i], item_path);
        }
    }

    void syscalls(const json& v, const JsonPath& path, std::vector<SeccompRule>& out) {
        for_items(v, path, [&](const json& e, const JsonPath& entry_path) {
            if (!e.is_object()) {
                error(entry_path, "expected an object");
                return;
            }
            SeccompRule rule;
            std::optional<SeccompAction> act;
            std::optional<uint32_t> err;
            Conditions inc;
            Conditions exc;
            bool ok = true;
            for (const auto& [key, value] : e.items()) {
                JsonPath p = entry_path;
                p.push_back({key, 0});
                if (key == "names") {
                    rule.names = string_list(value, p);
                } else if (key == "name") {  // the pre-1.0 OCI form
                    if (auto s = string(value, p)) {
                        rule.names.push_back(*s);
                    }
                } else if (key == "action") {
                    act = action(value, p);
                    ok = ok && act.has_value();
                } else if (key == "errnoRet") {
                    err = errno_value(value, p);
                } else if (key == "args") {
                    for_items(value, p, [&](const json& item, const JsonPath& ap) {
                        if (auto a = arg(item, ap)) {
                            rule.args.push_back(*a);
                        }
                    });
                } else if (key == "includes") {
                    auto c = conditions(value, p);
                    inc = c.value_or(Conditions{});
                } else if (key == "excludes") {
                    auto c = conditions(value, p);
                    exc = c.value_or(Conditions{});
                } else if (key == "comment") {
                } else {
                    error(p, fmt_unknown_key(key, {"names", "action", "errnoRet", "args",
                                                   "includes", "excludes", "comment"}));
                }
            }
            if (!e.contains("action")) {
                error(entry_path, "missing 'action'");
                ok = false;
            }
            if (rule.names.empty() && !e.contains("names") && !e.contains("name")) {
                error(entry_path, "missing 'names'");
            }
            if (!ok || !included(inc, exc)) {
                return;
            }
            rule.action = *act;
            // runc/Docker: an errno rule without errnoRet returns EPERM.
            rule.errno_value = err.value_or(1);
            out.push_back(std::move(rule));
        });
    }

    std::string_view m_text;
    std::shared_ptr<const std::string> m_file;
    const SeccompImportContext& m_context;
    Diagnostics& m_diagnostics;
    bool m_failed = false;
};

}  // namespace

std::optional<SeccompImport> parse_seccomp_import(std::string_view text, const std::string& file,
                                                  const SeccompImportContext& context,
                                                  Diagnostics& diagnostics) {
    return Reader(text, file, context, diagnostics).read();
}

SeccompImportContext seccomp_import_context(const Profile& profile,
                                            const std::string& kernel_release) {
    SeccompImportContext c;
#if defined(__x86_64__)
    c.arch = "amd64";
#elif defined(__aarch64__)
    c.arch = "arm64";
#else
    c.arch = "native";
#endif
    if (!kernel_release.empty()) {
        c.kernel = parse_kernel_version(kernel_release).value_or(std::pair{0, 0});
    }
    c.capabilities = profile.capabilities.keep;
    return c;
}

void load_seccomp_import(Profile& profile, const Origins& origins, Diagnostics& diagnostics,
                         const std::string& kernel_release) {
    if (!profile.seccomp.import) {
        return;
    }
    const std::string& path = *profile.seccomp.import;
    auto origin = origins.find("seccomp.import");
    SourceLocation where =
        origin != origins.end() ? origin->second : SourceLocation::named("seccomp.import");

    std::ifstream in(path, std::ios::binary);
    if (!in) {
        int err = errno;
        diagnostics.error(where, "seccomp.import",
                          "cannot read '" + path + "': " + std::strerror(err));
        return;
    }
    std::string text;
    char buf[65536];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) {
        text.append(buf, static_cast<size_t>(in.gcount()));
        if (text.size() > k_max_file_size) {
            diagnostics.error(where, "seccomp.import",
                              "'" + path + "' is larger than 4 MiB; not a seccomp profile?");
            return;
        }
    }
    auto imported = parse_seccomp_import(
        text, path, seccomp_import_context(profile, kernel_release), diagnostics);
    if (!imported) {
        return;
    }
    profile.seccomp.imported = std::move(imported->rules);
    profile.seccomp.imported_default = imported->default_action;
    profile.seccomp.imported_default_errno = imported->default_errno;
}

}  // namespace sandbox::profile
