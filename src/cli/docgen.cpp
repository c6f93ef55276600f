// Man pages and shell completions rendered from the CLI11 command tree and the field table
// (see docgen.hpp). Everything here is text generation: no system call changes anything.
#include "cli/docgen.hpp"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <set>

#include "build_config.hpp"
#include "profile/fields.hpp"
#include "profile/loader.hpp"
#include "profile/schema.hpp"

namespace sandbox::cli {

namespace {

namespace fs = std::filesystem;

// troff: a backslash is \e, a line may not start with . or ', a minus in an option is \-, and
// anything outside ASCII (the field table says "≥" and "–") is a \[uXXXX] glyph, so groff
// renders it without a preprocessor.
std::string roff(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        unsigned char ch = static_cast<unsigned char>(text[i]);
        if (ch == '\\') {
            out += "\\e";
        } else if (ch == '-') {
            out += "\\-";
        } else if (ch < 0x80) {
            out += static_cast<char>(ch);
        } else {
            int extra = ch >= 0xF0 ? 3 : ch >= 0xE0 ? 2 : 1;
            uint32_t cp = ch & (0x3F >> extra);
            for (int k = 0; k < extra && i + 1 < text.size(); ++k) {
                cp = (cp << 6) | (static_cast<unsigned char>(text[++i]) & 0x3F);
            }
            char buf[16];
            std::snprintf(buf, sizeof buf, "\\[u%04X]", cp);
            out += buf;
        }
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) {
        out.insert(0, "\\&");
    }
    return out;
}

// Markdown emphasis from the field table (`x`, \|) as plain text.
std::string plain(const std::string& text) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '`') {
            continue;
        }
        if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == '|') {
            continue;
        }
        out += text[i];
    }
    return out;
}

bool visible(const CLI::Option* o) {
    return !o->get_group().empty();
}

std::vector<const CLI::App*> subcommands(const CLI::App& app) {
    return app.get_subcommands([](const CLI::App* s) { return !s->get_group().empty(); });
}

std::vector<const CLI::Option*> named_options(const CLI::App& app) {
    return app.get_options([](const CLI::Option* o) { return visible(o) && o->nonpositional(); });
}

std::vector<const CLI::Option*> positionals(const CLI::App& app) {
    return app.get_options([](const CLI::Option* o) { return visible(o) && o->get_positional(); });
}

bool takes_value(const CLI::Option* o) {
    return o->get_expected_min() > 0;  // CLI11's own test for a flag: it expects 0 values
}

std::vector<std::string> option_words(const CLI::Option* o) {
    std::vector<std::string> out;
    for (const std::string& s : o->get_snames()) {
        out.push_back("-" + s);
    }
    for (const std::string& l : o->get_lnames()) {
        out.push_back("--" + l);
    }
    return out;
}

std::string value_name(const CLI::Option* o) {
    std::string t = o->get_type_name();
    return t.empty() ? "VALUE" : t;
}

void man_options(std::string& out, const std::vector<const CLI::Option*>& options) {
    for (const CLI::Option* o : options) {
        out += ".TP\n";
        std::string words;
        for (const std::string& w : option_words(o)) {
            words += (words.empty() ? "" : ", ") + ("\\fB" + roff(w) + "\\fR");
        }
        if (takes_value(o)) {
            words += " \\fI" + roff(value_name(o)) + "\\fR";
        }
        out += words + "\n" + roff(o->get_description()) + "\n";
    }
}

std::string synopsis(const CLI::App& sub) {
    std::string out = "\\fBsandbox\\fR [\\fIglobal options\\fR] \\fB" + roff(sub.get_name()) +
                      "\\fR [\\fIoptions\\fR]";
    for (const CLI::Option* p : positionals(sub)) {
        std::string name = roff(p->get_name(true));
        bool many = p->get_expected_max() > 1;
        std::string word = "\\fI" + name + "\\fR" + (many ? "..." : "");
        out += " " + (p->get_required() ? word : "[" + word + "]");
    }
    return out;
}

constexpr const char* k_exit_status = R"(.SH EXIT STATUS
The workload's own exit status passes through. The tool itself chooses:
.TP
.B 0
success (validate: every profile is valid)
.TP
.B 124
the timeout (\fBprocess.timeout\fR or \fB\-\-timeout\fR) expired
.TP
.B 125
a bad profile, a bad command line, or a setup step failed
.TP
.B 126
the command was found but is not executable (EACCES, ENOEXEC at execve)
.TP
.B 127
the command was not found (ENOENT at execve)
.TP
.B 128+N
the workload died of signal N
)";

constexpr const char* k_environment = R"(.SH ENVIRONMENT
.TP
.B SANDBOX_PROFILE_PATH
colon\-separated directories searched for profile names before the defaults
.TP
.B SANDBOX_STATE_ROOT
where running sandboxes record their state (default: /run/sandbox as root,
$XDG_RUNTIME_DIR/sandbox otherwise)
.TP
.B SANDBOX_CACHE_ROOT
where unpacked rootfs archives and compiled seccomp filters are cached (default:
$XDG_CACHE_HOME/sandbox)
.TP
.B SANDBOX_ID_POOL
the range of subordinate ids \fBuid_map = "auto"\fR allocates from
.TP
.B HOME
the per\-user profile directory is ~/.config/sandbox/profiles
)";

constexpr const char* k_examples = R"(.SH EXAMPLES
Check a profile and see what it would do:
.PP
.nf
.RS
sandbox validate ./build.toml
sandbox explain locked \-\- make
.RE
.fi
.PP
Run a build in the shipped \fIlocked\fR profile with the source tree mounted:
.PP
.nf
.RS
sandbox up locked \-v "$PWD:/src" \-\-set process.cwd=/src \-\- make \-j4
.RE
.fi
.PP
Start a long\-running sandbox, run a command in it, and stop it:
.PP
.nf
.RS
sandbox up dev \-d \-\-name web \-\- ./serve
sandbox exec web \-\- ps
sandbox down web
.RE
.fi
)";

}  // namespace

std::string man_page_sandbox(const CLI::App& app) {
    std::string out =
        ".\\\" Generated by `sandbox schema --man 1` from the command-line definition.\n"
        ".\\\" Do not edit: run the unit tests with SANDBOX_UPDATE_GENERATED=1.\n";
    out += ".TH SANDBOX 1 \"\" \"sandbox " SANDBOX_VERSION "\" \"User Commands\"\n";
    out += ".SH NAME\nsandbox \\- declarative, config\\-file driven Linux sandboxes\n";
    out +=
        ".SH SYNOPSIS\n\\fBsandbox\\fR [\\fIglobal options\\fR] \\fIcommand\\fR "
        "[\\fIoptions\\fR] [\\fB\\-\\-\\fR \\fIprogram\\fR [\\fIargument\\fR...]]\n";
    out +=
        ".SH DESCRIPTION\n\\fBsandbox\\fR sets up a Linux sandbox (namespaces, mounts, "
        "cgroup limits, capabilities, seccomp, Landlock) from a declarative TOML or YAML "
        "profile and runs a program in it. Profiles are described in "
        "\\fBsandbox\\-profile\\fR(5).\n.PP\n" +
        roff(app.get_footer()) + "\n";
    out += ".SH GLOBAL OPTIONS\n";
    man_options(out, named_options(app));
    out += ".SH COMMANDS\n";
    for (const CLI::App* sub : subcommands(app)) {
        out += ".SS " + roff(sub->get_name()) + "\n" + synopsis(*sub) + "\n.PP\n" +
               roff(sub->get_description()) + "\n";
        for (const CLI::Option* p : positionals(*sub)) {
            out += ".TP\n\\fI" + roff(p->get_name(true)) + "\\fR\n" + roff(p->get_description()) +
                   "\n";
        }
        man_options(out, named_options(*sub));
    }
    out += k_exit_status;
    out += k_environment;
    out +=
        ".SH FILES\nA profile name (without a path) is looked up, in order, in "
        "$SANDBOX_PROFILE_PATH, ./profiles, ~/.config/sandbox/profiles, "
        "/etc/sandbox/profiles and the shipped profiles in "
        "\\fIPREFIX\\fR/share/sandbox/profiles (PREFIX is where the binary is installed: "
        "\\fIPREFIX\\fR/bin/sandbox). The profile JSON Schema is "
        "\\fIPREFIX\\fR/share/sandbox/schemas/profile.schema.json.\n";
    out += k_examples;
    out +=
        ".SH SEE ALSO\n\\fBsandbox\\-profile\\fR(5), \\fBnamespaces\\fR(7), "
        "\\fBseccomp\\fR(2), \\fBlandlock\\fR(7), \\fBcgroups\\fR(7)\n";
    return out;
}

std::string man_page_profile() {
    using profile::Field;
    using profile::Section;
    using profile::SectionKind;
    std::string out =
        ".\\\" Generated by `sandbox schema --man 5` from the field table "
        "(src/profile/fields.cpp).\n"
        ".\\\" Do not edit: run the unit tests with SANDBOX_UPDATE_GENERATED=1.\n";
    out += ".TH SANDBOX-PROFILE 5 \"\" \"sandbox " SANDBOX_VERSION "\" \"File Formats\"\n";
    out += ".SH NAME\nsandbox\\-profile \\- sandbox profile format (schema version 1)\n";
    out +=
        ".SH DESCRIPTION\nA profile is a TOML or YAML file; both say the same thing with the "
        "same keys. Unknown keys are errors. Key paths are written as in error messages: "
        "\\fBlimits.memory\\fR, and for an entry of an array of tables, with its 0\\-based "
        "index: \\fBmounts[1].target\\fR.\n.PP\n"
        "Strings may use ${env:NAME}, ${env:NAME:\\-default} and ${profile_dir}. A host path "
        "that is relative is relative to the directory of the file that wrote it; a path "
        "inside the sandbox must be absolute.\n.PP\n"
        "Sizes are bytes or strings such as \"512MiB\" or \"1G\"; durations are strings "
        "such as \"30s\", \"10m\" or \"1m30s\"; modes are octal strings (\"0755\").\n";
    for (const Section& s : profile::sections()) {
        std::string title = "TOP LEVEL";
        if (!s.path.empty()) {
            std::string p = s.path;
            if (s.kind == SectionKind::array_of_tables) {
                p.resize(p.size() - 2);
                title = "[[" + p + "]]";
            } else {
                title = "[" + p + "]";
            }
        }
        out += ".SH " + roff(title) + "\n" + roff(plain(s.doc)) + "\n";
        for (const Field& f : profile::fields()) {
            if (f.section() != s.path) {
                continue;
            }
            out += ".TP\n\\fB" + roff(std::string(f.key())) + "\\fR (" +
                   roff(plain(profile::field_type_text(f))) + (f.required ? ", required" : "") +
                   (f.default_json.empty() ? "" : ", default " + roff(f.default_json)) + ")\n" +
                   roff(plain(f.doc)) + "\n";
        }
    }
    out +=
        ".SH SEE ALSO\n\\fBsandbox\\fR(1); the JSON Schema in "
        "\\fIPREFIX\\fR/share/sandbox/schemas/profile.schema.json\n";
    return out;
}

namespace {

std::vector<std::string> profile_keys() {
    std::vector<std::string> out;
    for (const profile::Field& f : profile::fields()) {
        // --set/--unset take concrete paths; entries of arrays of tables are set whole.
        if (f.path.find("[]") == std::string::npos) {
            out.push_back(f.path);
        }
    }
    return out;
}

std::string joined(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& w : words) {
        out += (out.empty() ? "" : " ") + w;
    }
    return out;
}

std::vector<std::string> all_option_words(const CLI::App& app) {
    std::vector<std::string> out;
    for (const CLI::Option* o : named_options(app)) {
        for (const std::string& w : option_words(o)) {
            out.push_back(w);
        }
    }
    return out;
}

// What the first positional of a subcommand names: a profile or a running sandbox.
std::string positional_kind(const CLI::App& sub) {
    const std::string& n = sub.get_name();
    if (n == "exec" || n == "down") {
        return "running";
    }
    if (n == "up" || n == "validate" || n == "explain" || n == "export") {
        return "profiles";
    }
    return "";
}

bool value_option(const CLI::App& sub, const std::string& word) {
    for (const CLI::Option* o : named_options(sub)) {
        auto words = option_words(o);
        if (std::find(words.begin(), words.end(), word) != words.end()) {
            return takes_value(o);
        }
    }
    return false;
}

}  // namespace

std::string completion_bash(const CLI::App& app) {
    std::string out =
        "# bash completion for sandbox. Generated by `sandbox schema --completion bash`\n"
        "# from the command-line definition and the profile field table; do not edit.\n";
    out += "_sandbox_keys='" + joined(profile_keys()) + "'\n";
    out +=
        "_sandbox() {\n"
        "    local cur prev words cword\n"
        "    _init_completion -n = || return\n"
        "    local cmd='' i\n"
        "    for ((i = 1; i < cword; i++)); do\n"
        "        case ${words[i]} in\n"
        "            --) return ;;\n"
        "            -*) ;;\n"
        "            *) cmd=${words[i]}; break ;;\n"
        "        esac\n"
        "    done\n"
        "    case $prev in\n"
        "        --set|--unset) COMPREPLY=($(compgen -W \"$_sandbox_keys\" -- \"${cur%%=*}\"));"
        " [[ $prev == --set ]] && compopt -o nospace && COMPREPLY=(\"${COMPREPLY[@]/%/=}\"); "
        "return ;;\n"
        "    esac\n"
        "    case $cmd in\n";
    std::vector<std::string> names;
    for (const CLI::App* sub : subcommands(app)) {
        names.push_back(sub->get_name());
        std::vector<std::string> valued;
        for (const std::string& w : all_option_words(*sub)) {
            if (value_option(*sub, w) && w != "--set" && w != "--unset") {
                valued.push_back(w);
            }
        }
        out += "        " + sub->get_name() + ")\n";
        if (!valued.empty()) {
            std::string alt;
            for (const std::string& w : valued) {
                alt += (alt.empty() ? "" : "|") + w;
            }
            out += "            case $prev in " + alt + ") _filedir; return ;; esac\n";
        }
        out +=
            "            if [[ $cur == -* ]]; then\n"
            "                COMPREPLY=($(compgen -W '" +
            joined(all_option_words(*sub)) +
            "' -- \"$cur\"))\n"
            "            else\n";
        std::string kind = positional_kind(*sub);
        if (kind == "running") {
            out +=
                "                COMPREPLY=($(compgen -W \"$(sandbox ps 2>/dev/null | awk 'NR > 1 "
                "{print $1}')\" -- \"$cur\"))\n";
        } else if (kind == "profiles") {
            out +=
                "                COMPREPLY=($(compgen -W \"$(sandbox schema --list-profiles "
                "2>/dev/null)\" -- \"$cur\")); _filedir '@(toml|yaml|yml)'\n";
        } else {
            out += "                :\n";
        }
        out += "            fi ;;\n";
    }
    out += "        *) COMPREPLY=($(compgen -W '" + joined(names) + " " +
           joined(all_option_words(app)) + "' -- \"$cur\")) ;;\n";
    out += "    esac\n} &&\n    complete -F _sandbox sandbox\n";
    return out;
}

std::string completion_zsh(const CLI::App& app) {
    std::string out =
        "#compdef sandbox\n# zsh completion for sandbox. Generated by "
        "`sandbox schema --completion zsh`\n# from the command-line definition and "
        "the profile field table; do not edit.\n";
    auto quote = [](std::string text) {
        std::string o;
        for (char ch : text) {
            if (ch == '\'') {
                o += "'\\''";
            } else if (ch == '[' || ch == ']' || ch == ':') {
                o += '\\';
                o += ch;
            } else {
                o += ch;
            }
        }
        return o;
    };
    auto specs = [&](const CLI::App& a) {
        std::string s;
        for (const CLI::Option* o : named_options(a)) {
            for (const std::string& w : option_words(o)) {
                std::string action;
                if (takes_value(o)) {
                    action =
                        (w == "--set" || w == "--unset") ? ":key:_sandbox_keys" : ":value:_files";
                }
                s += "        '" + std::string(o->get_expected_max() > 1 ? "*" : "") + w + "[" +
                     quote(o->get_description()) + "]" + action + "'\n";
            }
        }
        return s;
    };
    out += "_sandbox_keys() {\n    local -a keys=(" + joined(profile_keys()) +
           ")\n"
           "    compadd -S '' -- ${^keys}=\n}\n";
    out +=
        "_sandbox_profiles() {\n    local -a names=(${(f)\"$(sandbox schema --list-profiles "
        "2>/dev/null)\"})\n    compadd -a names\n    _files -g '*.(toml|yaml|yml)'\n}\n";
    out +=
        "_sandbox_running() {\n    local -a names=(${(f)\"$(sandbox ps 2>/dev/null | awk 'NR > 1 "
        "{print $1}')\"})\n    compadd -a names\n}\n";
    out += "_sandbox() {\n    local curcontext=$curcontext state line\n    _arguments -C \\\n";
    std::string global = specs(app);
    std::string line;
    for (size_t i = 0; i < global.size(); ++i) {
        if (global[i] == '\n') {
            out += line + " \\\n";
            line.clear();
        } else {
            line += global[i];
        }
    }
    out += "        '1:command:->command' \\\n        '*::argument:->argument'\n";
    out += "    case $state in\n        command)\n            local -a commands=(\n";
    for (const CLI::App* sub : subcommands(app)) {
        out += "                '" + sub->get_name() + ":" + quote(sub->get_description()) + "'\n";
    }
    out +=
        "            )\n            _describe command commands ;;\n        argument)\n"
        "            case ${words[1]} in\n";
    for (const CLI::App* sub : subcommands(app)) {
        std::string kind = positional_kind(*sub);
        std::string pos = kind == "running"    ? "'1:sandbox:_sandbox_running'"
                          : kind == "profiles" ? "'*:profile:_sandbox_profiles'"
                                               : "";
        out += "                " + sub->get_name() + ") _arguments \\\n";
        std::string s = specs(*sub);
        std::string l;
        for (char ch : s) {
            if (ch == '\n') {
                out += l + " \\\n";
                l.clear();
            } else {
                l += ch;
            }
        }
        out += "                    " + (pos.empty() ? std::string("'*: :'") : pos) + " ;;\n";
    }
    out += "            esac ;;\n    esac\n}\n_sandbox \"$@\"\n";
    return out;
}

std::string completion_fish(const CLI::App& app) {
    std::string out =
        "# fish completion for sandbox. Generated by `sandbox schema --completion fish`\n"
        "# from the command-line definition and the profile field table; do not edit.\n";
    auto quote = [](const std::string& text) {
        std::string o = "'";
        for (char ch : text) {
            if (ch == '\'' || ch == '\\') {
                o += '\\';
            }
            o += ch;
        }
        return o + "'";
    };
    std::vector<std::string> names;
    for (const CLI::App* sub : subcommands(app)) {
        names.push_back(sub->get_name());
    }
    std::string none = "not __fish_seen_subcommand_from " + joined(names);
    out += "complete -c sandbox -f\n";
    auto option_lines = [&](const CLI::App& a, const std::string& condition) {
        for (const CLI::Option* o : named_options(a)) {
            std::string line = "complete -c sandbox -n " + quote(condition);
            for (const std::string& s : o->get_snames()) {
                line += " -s " + s;
            }
            for (const std::string& l : o->get_lnames()) {
                line += " -l " + l;
            }
            if (takes_value(o)) {
                bool key = !o->get_lnames().empty() &&
                           (o->get_lnames()[0] == "set" || o->get_lnames()[0] == "unset");
                line += key ? " -x -a '(__sandbox_keys)'" : " -r -F";
            }
            out += line + " -d " + quote(o->get_description()) + "\n";
        }
    };
    out += "function __sandbox_keys\n    printf '%s\\n' " + joined(profile_keys()) + "\nend\n";
    out +=
        "function __sandbox_running\n    sandbox ps 2>/dev/null | awk 'NR > 1 {print $1}'\nend\n";
    option_lines(app, none);
    for (const CLI::App* sub : subcommands(app)) {
        out += "complete -c sandbox -n " + quote(none) + " -a " + sub->get_name() + " -d " +
               quote(sub->get_description()) + "\n";
        std::string cond = "__fish_seen_subcommand_from " + sub->get_name();
        std::string kind = positional_kind(*sub);
        if (kind == "running") {
            out += "complete -c sandbox -n " + quote(cond) + " -a '(__sandbox_running)'\n";
        } else if (kind == "profiles") {
            out += "complete -c sandbox -n " + quote(cond) +
                   " -F -a '(sandbox schema --list-profiles 2>/dev/null)'\n";
        }
        option_lines(*sub, cond);
    }
    return out;
}

std::string list_profiles() {
    std::set<std::string> names;
    for (const std::string& dir : profile::default_search_path()) {
        std::error_code ec;
        for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            std::string ext = it->path().extension().string();
            if (ext == ".toml" || ext == ".yaml" || ext == ".yml") {
                names.insert(it->path().stem().string());
            }
        }
    }
    std::string out;
    for (const std::string& n : names) {
        out += n + "\n";
    }
    return out;
}

}  // namespace sandbox::cli
