// [seccomp] -> SeccompPlan. Pure: the merge rules are documented in seccomp_plan.hpp; the
// executor (exec/child/security.cpp) installs exactly the rules produced here.
#include "plan/seccomp_plan.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iterator>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "plan/describe.hpp"
#include "plan/seccomp_presets.hpp"
#include "profile/enum_names.hpp"

namespace sandbox::plan {
namespace {

using profile::SeccompAction;

// Bump when the meaning of the canonical text (and so of a cached filter) changes.
constexpr std::string_view k_cache_format = "sandbox-seccomp-v1";

std::string_view native_arch() {
#if defined(__x86_64__)
    return "x86_64";
#elif defined(__aarch64__)
    return "aarch64";
#else
    return "native";
#endif
}

std::vector<SeccompArgOp> to_arg_ops(const std::vector<profile::SeccompArg>& args) {
    std::vector<SeccompArgOp> out;
    out.reserve(args.size());
    for (const profile::SeccompArg& a : args) {
        out.push_back(SeccompArgOp{a.index, a.op, a.value, a.value2});
    }
    return out;
}

// One op per syscall name of `rule`, appended to `out`.
void expand(const profile::SeccompRule& rule, uint32_t fallback_errno, const std::string& origin,
            std::vector<SeccompRuleOp>& out) {
    for (const std::string& name : rule.names) {
        out.push_back(SeccompRuleOp{name, rule.action, rule.errno_value.value_or(fallback_errno),
                                    to_arg_ops(rule.args), origin});
    }
}

// A layer's ops grouped by syscall, groups in the order their syscall first appears (the
// order notes are written in). Ops are moved, not copied: a preset layer is ~350 of them.
std::vector<std::vector<SeccompRuleOp>> group_by_syscall(std::vector<SeccompRuleOp>&& ops) {
    // The group of each op first (keys view the names in `ops`, still intact), then the moves.
    std::vector<size_t> group_of(ops.size());
    size_t count = 0;
    {
        std::unordered_map<std::string_view, size_t> index;
        index.reserve(ops.size());
        for (size_t i = 0; i < ops.size(); ++i) {
            group_of[i] = index.try_emplace(ops[i].syscall, count).first->second;
            count += group_of[i] == count ? 1 : 0;
        }
    }
    std::vector<std::vector<SeccompRuleOp>> groups(count);
    for (size_t i = 0; i < ops.size(); ++i) {
        groups[group_of[i]].push_back(std::move(ops[i]));
    }
    return groups;
}

bool same_filter_effect(const SeccompRuleOp& a, const SeccompRuleOp& b) {
    auto key = [](const SeccompRuleOp& r) {
        // By value: std::tie(r.action, err) returned a reference to this lambda's local `err`
        // (dangling; gcc -O2 warned maybe-uninitialized and compared garbage).
        uint32_t err = r.action == SeccompAction::errno_ ? r.errno_value : 0;
        return std::make_pair(r.action, err);
    };
    if (key(a) != key(b) || a.args.size() != b.args.size()) {
        return false;
    }
    for (size_t i = 0; i < a.args.size(); ++i) {
        const SeccompArgOp& x = a.args[i];
        const SeccompArgOp& y = b.args[i];
        if (x.index != y.index || x.op != y.op || x.value != y.value || x.value2 != y.value2) {
            return false;
        }
    }
    return true;
}

class Merger {
public:
    explicit Merger(std::vector<std::string>& notes) : m_notes(notes) {}

    // Layers 1-4: the layer's rules replace all earlier rules for each syscall it names. In
    // one pass, without grouping first: a syscall's first op in the layer replaces what was
    // there (noted in the order syscalls first appear), its further ops join it.
    void replace(std::vector<SeccompRuleOp>&& ops) {
        // Keyed by views of m_table's own keys (its nodes never move), not of the ops, whose
        // names are moved out below.
        std::unordered_map<std::string_view, std::vector<SeccompRuleOp>*> seen;
        seen.reserve(ops.size());
        m_table.reserve(m_table.size() + ops.size());
        for (SeccompRuleOp& op : ops) {
            std::vector<SeccompRuleOp>* rules = nullptr;
            if (auto it = seen.find(op.syscall); it != seen.end()) {
                rules = it->second;
            } else {
                auto& [name, existing] = take_over(op);
                rules = &existing;
                seen.emplace(name, rules);
            }
            rules->push_back(std::move(op));
        }
    }

    // Layer 5: per syscall, replace when a rule has no args, else add on top.
    void explicit_rules(std::vector<SeccompRuleOp>&& ops) {
        for (std::vector<SeccompRuleOp>& group : group_by_syscall(std::move(ops))) {
            bool has_unconditional = std::any_of(group.begin(), group.end(),
                                                 [](const auto& r) { return r.args.empty(); });
            if (has_unconditional) {
                replace_one(std::move(group));
                continue;
            }
            const std::string& name = group.front().syscall;
            auto& existing = m_table[name];
            if (!existing.empty()) {
                m_notes.push_back(
                    fmt::format("{}: seccomp.rules with arguments added to the {} "
                                "rules (the most severe match wins)",
                                name, existing.front().origin));
            }
            for (SeccompRuleOp& op : group) {
                existing.push_back(std::move(op));
            }
        }
    }

    // Per-syscall normalisation, then the rule list sorted by syscall name.
    std::vector<SeccompRuleOp> finish() {
        std::vector<std::pair<const std::string*, std::vector<SeccompRuleOp>*>> sorted;
        sorted.reserve(m_table.size());
        for (auto& [name, rules] : m_table) {
            sorted.emplace_back(&name, &rules);
        }
        std::sort(sorted.begin(), sorted.end(),
                  [](const auto& a, const auto& b) { return *a.first < *b.first; });
        std::vector<SeccompRuleOp> out;
        out.reserve(m_table.size());
        for (auto& [name_of_rules, rules_of] : sorted) {
            const std::string& name = *name_of_rules;
            std::vector<SeccompRuleOp>& rules = *rules_of;
            normalise(name, rules);
            std::stable_partition(rules.begin(), rules.end(),
                                  [](const SeccompRuleOp& r) { return r.args.empty(); });
            for (SeccompRuleOp& r : rules) {
                out.push_back(std::move(r));
            }
        }
        return out;
    }

private:
    // The table entry of `first`'s syscall, emptied for the layer `first` opens there (noted
    // when the rules it drops came from elsewhere).
    std::pair<const std::string, std::vector<SeccompRuleOp>>& take_over(
        const SeccompRuleOp& first) {
        auto& entry = *m_table.try_emplace(first.syscall).first;
        std::vector<SeccompRuleOp>& existing = entry.second;
        if (!existing.empty() && existing.front().origin != first.origin) {
            m_notes.push_back(fmt::format("{}: {} replaces the {} rules", entry.first, first.origin,
                                          existing.front().origin));
        }
        existing.clear();
        return entry;
    }

    void replace_one(std::vector<SeccompRuleOp>&& group) {
        take_over(group.front()).second = std::move(group);
    }

    void normalise(const std::string& name, std::vector<SeccompRuleOp>& rules) {
        if (rules.size() < 2) {
            return;  // most syscalls: nothing to merge
        }
        // Exact duplicates (same args, same effect) are dropped silently.
        std::vector<SeccompRuleOp> unique;
        for (SeccompRuleOp& r : rules) {
            bool dup = std::any_of(unique.begin(), unique.end(), [&](const SeccompRuleOp& u) {
                return same_filter_effect(u, r);
            });
            if (!dup) {
                unique.push_back(std::move(r));
            }
        }
        rules = std::move(unique);

        // Of several unconditional rules the most severe wins; on a tie the later one.
        const SeccompRuleOp* winner = nullptr;
        for (const SeccompRuleOp& r : rules) {
            if (r.args.empty() &&
                (winner == nullptr || severity(r.action) >= severity(winner->action))) {
                winner = &r;
            }
        }
        if (winner == nullptr) {
            return;
        }
        SeccompRuleOp kept = *winner;
        std::vector<SeccompRuleOp> out;
        out.push_back(kept);
        for (SeccompRuleOp& r : rules) {
            if (&r == winner) {
                continue;
            }
            if (r.args.empty()) {
                m_notes.push_back(
                    fmt::format("{}: '{}' from {} dropped: '{}' from {} is more severe", name,
                                describe_action(r.action, r.errno_value), r.origin,
                                describe_action(kept.action, kept.errno_value), kept.origin));
                continue;
            }
            if (severity(r.action) < severity(kept.action)) {
                m_notes.push_back(
                    fmt::format("{}: conditional '{}' from {} can never win against "
                                "unconditional '{}' from {}: dropped",
                                name, describe_action(r.action, r.errno_value), r.origin,
                                describe_action(kept.action, kept.errno_value), kept.origin));
                continue;
            }
            if (r.action == kept.action &&
                (r.action != SeccompAction::errno_ || r.errno_value == kept.errno_value)) {
                continue;  // same outcome as the unconditional rule: no effect
            }
            out.push_back(std::move(r));
        }
        rules = std::move(out);
    }

    // Hashed (a preset layer is ~300 syscalls: a sorted map's string compares were a quarter
    // of the plan's time); sorted once, in finish().
    std::unordered_map<std::string, std::vector<SeccompRuleOp>> m_table;
    std::vector<std::string>& m_notes;
};

// Canonical, unambiguous text of everything that shapes the filter: the cache key's input.
std::string canonical_text(const SeccompPlan& plan) {
    std::string out{k_cache_format};
    out.reserve(40 * plan.rules.size() + 128);
    auto to = std::back_inserter(out);
    fmt::format_to(to, "\ndefault {} {}\nforeign {}\n", to_string(plan.default_action),
                   plan.default_errno, to_string(plan.foreign_arch_action));
    for (const std::string& arch : plan.architectures) {
        fmt::format_to(to, "arch {}\n", arch);
    }
    // Appended piecewise: one fmt call per rule was a tenth of the plan's time.
    auto number = [&out](uint64_t v) {
        char digits[24];
        auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
        out.append(digits, end);
    };
    for (const SeccompRuleOp& r : plan.rules) {
        out += "rule ";
        out += r.syscall;
        out += ' ';
        out += to_string(r.action);
        out += ' ';
        number(r.errno_value);
        for (const SeccompArgOp& a : r.args) {
            fmt::format_to(to, " {}:{}:{}:{}", a.index, to_string(a.op), a.value, a.value2);
        }
        out += '\n';
    }
    return out;
}

// 128-bit content hash from two independent 64-bit FNV-1a passes (different offset bases and
// a final avalanche). Not cryptographic: the cache directory is owned by the caller and checked
// before use (exec/child/security.cpp); the key only has to avoid accidental collisions.
std::string content_hash(std::string_view text) {
    // Both passes in one loop (the same two values): independent multiply chains overlap.
    uint64_t a = 0xcbf29ce484222325ULL;
    uint64_t b = 0x84222325cbf29ce4ULL;
    for (unsigned char c : text) {
        a = (a ^ c) * 0x100000001b3ULL;
        b = (b ^ c) * 0x100000001b3ULL;
    }
    auto avalanche = [](uint64_t h) {
        h ^= h >> 33;
        h *= 0xff51afd7ed558ccdULL;
        h ^= h >> 33;
        h *= 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 33;
        return h;
    };
    return fmt::format("{:016x}{:016x}", avalanche(a), avalanche(b));
}

}  // namespace

std::string_view to_string(profile::SeccompAction action) {
    return profile::name_of(profile::k_seccomp_action_names, action);
}

std::string_view to_string(profile::ArgOp op) {
    return profile::name_of(profile::k_arg_op_names, op);
}

int severity(profile::SeccompAction action) {
    // The actions from the mildest to the most severe (the kernel's precedence order); an
    // action missing here counts as the most severe.
    constexpr SeccompAction k_by_severity[] = {
        SeccompAction::allow, SeccompAction::log,         SeccompAction::errno_,
        SeccompAction::trap,  SeccompAction::kill_thread, SeccompAction::kill_process};
    const auto* at = std::find(std::begin(k_by_severity), std::end(k_by_severity), action);
    return static_cast<int>(std::min(at, std::end(k_by_severity) - 1) - std::begin(k_by_severity));
}

std::string describe_action(profile::SeccompAction action, uint32_t errno_value) {
    if (action != SeccompAction::errno_) {
        return std::string(to_string(action));
    }
    const char* name = strerrorname_np(static_cast<int>(errno_value));
    return name != nullptr ? fmt::format("errno {} ({})", errno_value, name)
                           : fmt::format("errno {}", errno_value);
}

namespace {

// The C spelling of a comparison, for explain (masked_eq is spelled with its mask).
std::string_view comparison_symbol(profile::ArgOp op) {
    return profile::name_of(profile::k_arg_op_symbols, op);
}

}  // namespace

std::string describe_rule(const SeccompRuleOp& rule) {
    std::string out =
        fmt::format("{}: {}", rule.syscall, describe_action(rule.action, rule.errno_value));
    const char* sep = " if ";
    for (const SeccompArgOp& a : rule.args) {
        out += sep;
        sep = " && ";
        if (a.op == profile::ArgOp::masked_eq) {
            out += fmt::format("arg{} & {:#x} == {:#x}", a.index, a.value, a.value2);
        } else {
            out += fmt::format("arg{} {} {:#x}", a.index, comparison_symbol(a.op), a.value);
        }
    }
    return out;
}

SeccompPlan plan_seccomp(const profile::Profile& profile) {
    const profile::Seccomp& s = profile.seccomp;
    const SeccompPresetData& preset = seccomp_preset(s.preset);
    SeccompPlan out;
    out.preset = std::string(to_string(s.preset));
    out.architectures = {std::string(native_arch())};

    if (s.default_action) {
        out.default_action = *s.default_action;
        out.default_errno = s.errno_value;
    } else if (s.imported_default) {
        out.default_action = *s.imported_default;
        out.default_errno = s.imported_default_errno;
    } else {
        out.default_action = preset.default_action;
        out.default_errno = preset.default_errno;
    }

    Merger merger(out.notes);
    const std::string preset_origin = fmt::format("preset {}", out.preset);
    std::vector<SeccompRuleOp> ops;
    ops.reserve(preset.rules.size() + 16);
    for (const profile::SeccompRule& r : preset.rules) {
        expand(r, preset.default_errno, preset_origin, ops);
    }
    merger.replace(std::move(ops));

    ops.clear();
    for (const profile::SeccompRule& r : s.imported) {
        expand(r, s.imported_default_errno, "seccomp.import", ops);
    }
    merger.replace(std::move(ops));

    ops.clear();
    for (const std::string& name : s.allow) {
        ops.push_back(
            SeccompRuleOp{name, SeccompAction::allow, s.errno_value, {}, "seccomp.allow"});
    }
    merger.replace(std::move(ops));

    ops.clear();
    for (const std::string& name : s.deny) {
        ops.push_back(
            SeccompRuleOp{name, SeccompAction::errno_, s.errno_value, {}, "seccomp.deny"});
    }
    merger.replace(std::move(ops));

    ops.clear();
    for (size_t i = 0; i < s.rules.size(); ++i) {
        expand(s.rules[i], s.errno_value, fmt::format("seccomp.rules[{}]", i), ops);
    }
    merger.explicit_rules(std::move(ops));

    out.rules = merger.finish();
    out.enabled = s.preset != profile::SeccompPreset::none || !out.rules.empty() ||
                  out.default_action != SeccompAction::allow;
    if (!out.enabled) {
        out.notes.clear();
        return out;
    }
    out.cache_key = content_hash(canonical_text(out));
    return out;
}

SeccompPlan plan_seccomp(const profile::Profile& profile, const HostFacts& facts) {
    SeccompPlan out = plan_seccomp(profile);
    if (out.enabled && !facts.cache_root.empty()) {
        out.cache_dir = seccomp_cache_dir(facts);
        out.inputs_key = seccomp_inputs_key(profile.seccomp);
    }
    return out;
}

std::string seccomp_cache_dir(const HostFacts& facts) {
    return facts.cache_root.empty() ? std::string() : facts.cache_root + "/seccomp";
}

SeccompPlan plan_seccomp(const profile::Profile& profile, const HostFacts& facts,
                         const SeccompMemo& memo) {
    SeccompPlan out;
    out.enabled = true;  // a memo is only written for a filter
    out.preset = std::string(to_string(profile.seccomp.preset));
    out.architectures = {std::string(native_arch())};
    out.default_action = memo.default_action;
    out.default_errno = memo.default_errno;
    out.cache_key = memo.cache_key;
    out.cache_dir = seccomp_cache_dir(facts);
    out.inputs_key = memo.inputs_key;
    out.rules_elided = true;
    return out;
}

std::string seccomp_inputs_key(const profile::Seccomp& s) {
    // Every string length-prefixed, every optional marked: no two inputs share a text.
    std::string out{k_cache_format};
    out += "\ninputs ";
    out += native_arch();
    auto number = [&out](uint64_t v) {
        char digits[24];
        auto end = std::to_chars(digits, digits + sizeof digits, v).ptr;
        out.append(digits, end);
        out += ' ';
    };
    auto text = [&](std::string_view t) {
        number(t.size());
        out += t;
    };
    auto action = [&](std::optional<SeccompAction> a) {
        text(a ? to_string(*a) : std::string_view("-"));
    };
    auto rules = [&](const std::vector<profile::SeccompRule>& list) {
        number(list.size());
        for (const profile::SeccompRule& r : list) {
            number(r.names.size());
            for (const std::string& name : r.names) {
                text(name);
            }
            action(r.action);
            number(r.errno_value ? 1 : 0);
            number(r.errno_value.value_or(0));
            number(r.args.size());
            for (const profile::SeccompArg& a : r.args) {
                number(a.index);
                text(to_string(a.op));
                number(a.value);
                number(a.value2);
            }
        }
    };
    out += '\n';
    text(to_string(s.preset));
    action(s.default_action);
    number(s.errno_value);
    number(s.allow.size());
    for (const std::string& name : s.allow) {
        text(name);
    }
    number(s.deny.size());
    for (const std::string& name : s.deny) {
        text(name);
    }
    rules(s.rules);
    rules(s.imported);
    action(s.imported_default);
    number(s.imported_default_errno);
    return content_hash(out);
}

namespace desc {

std::string action(profile::SeccompAction a, uint32_t errno_value) {
    if (a == SeccompAction::errno_) {
        return fmt::format("errno({})", errno_value);
    }
    return std::string(to_string(a));
}

}  // namespace desc

StepDescription describe(const SeccompPlan& s, const CapsPlan& caps) {
    StepDescription d{StepId::seccomp};
    if (caps.no_new_privileges) {
        d.lines.push_back("prctl PR_SET_NO_NEW_PRIVS");
    }
    DescJson rules = DescJson::array();
    for (const SeccompRuleOp& r : s.rules) {
        DescJson args = DescJson::array();
        for (const SeccompArgOp& a : r.args) {
            args.push_back({{"index", a.index},
                            {"op", comparison_symbol(a.op)},
                            {"value", a.value},
                            {"value2", a.value2}});
        }
        rules.push_back({{"syscall", r.syscall},
                         {"action", desc::action(r.action, r.errno_value)},
                         {"args", args},
                         {"origin", r.origin}});
    }
    d.fields = {{"no_new_privileges", caps.no_new_privileges},
                {"enabled", s.enabled},
                {"preset", s.preset},
                {"default_action", desc::action(s.default_action, s.default_errno)},
                {"architectures", s.architectures},
                {"foreign_arch_action", desc::action(s.foreign_arch_action, 0)},
                {"cache_key", s.cache_key},
                {"cache_dir", s.cache_dir},
                {"rules", rules},
                {"merge_notes", s.notes}};
    if (!s.enabled) {
        d.lines.push_back("- no filter");
        return d;
    }
    d.lines.push_back(
        fmt::format("filter default {}{}{}", desc::action(s.default_action, s.default_errno),
                    s.architectures.empty() ? "" : " arch " + desc::join(s.architectures, ","),
                    s.cache_key.empty() ? "" : " key " + s.cache_key));
    d.lines.push_back(
        fmt::format("other ABIs (x86 int 0x80, x32): {}; per syscall the most severe "
                    "matching rule wins",
                    desc::action(s.foreign_arch_action, 0)));
    // Consecutive rules with the same action and no argument filters share a line.
    size_t i = 0;
    while (i < s.rules.size()) {
        const SeccompRuleOp& r = s.rules[i];
        std::string act = desc::action(r.action, r.errno_value);
        if (!r.args.empty()) {
            std::string args;
            for (const SeccompArgOp& a : r.args) {
                args += fmt::format(" arg{} {} {}", a.index, comparison_symbol(a.op), a.value);
                if (a.op == profile::ArgOp::masked_eq) {
                    args += fmt::format(" == {}", a.value2);
                }
            }
            d.lines.push_back(fmt::format("{} {} if{}", act, r.syscall, args));
            ++i;
            continue;
        }
        std::vector<std::string> names;
        size_t j = i;
        while (j < s.rules.size() && s.rules[j].args.empty() &&
               desc::action(s.rules[j].action, s.rules[j].errno_value) == act) {
            names.push_back(s.rules[j].syscall);
            ++j;
        }
        d.lines.push_back(fmt::format("{} {}", act, desc::join(names, " ")));
        i = j;
    }
    for (const std::string& note : s.notes) {
        d.lines.push_back("note: " + note);
    }
    return d;
}

}  // namespace sandbox::plan
