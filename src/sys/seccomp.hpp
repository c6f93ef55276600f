#pragma once
// seccomp through libseccomp (never hand-written BPF): build a filter from rules, export it as
// classic BPF once, cache that on disk, and install it with seccomp(2). Knows nothing about
// profiles or plans (exec/child/security.cpp maps a SeccompPlan onto these types).
//
// ABI policy: the filter lists only the native architecture. libseccomp then sends every other
// audit arch (x86 `int 0x80` / sysenter) and, on x86_64, every x32 syscall number (bit 30 set)
// to the "bad arch" action, which we set to kill_process. Copying the rules to x86/x32 (Docker's
// choice) is the weaker option: the 32-bit ABI has different numbers, socketcall/ipc
// multiplexers whose arguments cannot be filtered, and it is what a sandboxed 64-bit program
// would use to slip past a rule.
#include <linux/filter.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/seccomp_types.hpp"
#include "sys/error.hpp"

namespace sandbox::sys {

// The profile's and the plan's own enums (common/seccomp_types.hpp), under the names this file
// has always used.
using SeccompVerdict = sandbox::SeccompAction;
using SeccompCompare = sandbox::SeccompArgOp;

struct SeccompArgCheck {
    unsigned index = 0;  // 0..5
    SeccompCompare op = SeccompCompare::eq;
    uint64_t value = 0;   // masked_eq: the mask
    uint64_t value2 = 0;  // masked_eq: the value the masked argument must equal
};

struct SeccompRuleSpec {
    std::string syscall;
    SeccompVerdict action = SeccompVerdict::errno_;
    uint32_t errno_value = 1;
    std::vector<SeccompArgCheck> args;  // all must hold
};

// Rule semantics: per syscall, the most severe matching rule wins, else the default. A syscall
// that has an unconditional rule plus conditional rules with a different action cannot be
// expressed in one libseccomp filter (libseccomp drops the conditional ones), so those go
// into a second filter whose default is allow: the kernel runs both and applies the most severe
// result, and on equal precedence the later filter's errno.
struct SeccompFilterSpec {
    SeccompVerdict default_action = SeccompVerdict::errno_;
    uint32_t default_errno = 1;
    SeccompVerdict bad_arch_action = SeccompVerdict::kill_process;
    std::vector<SeccompRuleSpec> rules;
};

using BpfInsns = std::vector<sock_filter>;

// One or more BPF programs, installed in order.
struct SeccompProgram {
    std::vector<BpfInsns> filters;
    std::vector<std::string> skipped;  // names the native ABI does not have (not in the cache)
    bool empty() const { return filters.empty(); }
};

// An owned scmp_filter_ctx.
class SeccompFilter {
public:
    static Result<SeccompFilter> create(SeccompVerdict default_action, uint32_t default_errno,
                                        SeccompVerdict bad_arch_action);
    // Adds one rule. Returns false (and adds nothing) when the native ABI has no syscall of
    // that name, or when the rule has the default action (libseccomp refuses it: no effect).
    Result<bool> add_rule(const SeccompRuleSpec& rule);
    // The filter as classic BPF (seccomp_export_bpf through a memfd).
    Result<BpfInsns> export_bpf() const;
    void* get() const { return m_ctx.get(); }

private:
    struct Release {
        void operator()(void* ctx) const noexcept;
    };
    explicit SeccompFilter(void* ctx) : m_ctx(ctx) {}
    std::unique_ptr<void, Release> m_ctx;
};

// Builds the filter(s) for `spec` and exports them.
Result<SeccompProgram> compile_seccomp(const SeccompFilterSpec& spec);

// The cache file <dir>/<key>.bpf. read: ENOENT when absent; EINVAL when malformed; EPERM when
// the file or its directory is not owned by the effective uid or is group/world-writable (a
// planted filter must never be loaded). write: creates the directory (0700), writes a temp file
// and renames it into place (atomic for concurrent runs).
Result<SeccompProgram> read_seccomp_cache(const std::string& path);
Status write_seccomp_cache(const std::string& path, const SeccompProgram& program);
// How many cache files (programs and plan memos together) a cache directory keeps: each write to
// the cache prunes the least recently written beyond this, so a developer's rebuilds (each
// build has its own tag) and edited rule sets do not pile up. Typically ~3 KB each.
inline constexpr size_t k_seccomp_cache_entries = 256;

// Keeps the `keep` most recently written cache files in `dir` (by mtime; the names in `spare`,
// just written by the caller, always among them) and removes the rest, plus temp files of
// write_cache_file a writer left an hour ago or more. Only regular files owned by us whose
// names are seccomp_cache_file's; never through a symlink; `dir` must be ours and not
// group/world-writable (EPERM otherwise).
Status prune_seccomp_cache(const std::string& dir, size_t keep,
                           const std::vector<std::string>& spare = {});

// A short text file in the cache directory (at most 4 KiB; the seccomp plan memo,
// exec/seccomp_memo.hpp), under the same rules.
Result<std::string> read_cache_text(const std::string& path);
Status write_cache_text(const std::string& path, std::string_view text);

// Installs each filter with seccomp(SECCOMP_SET_MODE_FILTER). Needs no_new_privs or
// CAP_SYS_ADMIN (seccomp(2)). Irreversible for this process and its children.
Status install_seccomp(const SeccompProgram& program);

// prctl(PR_SET_NO_NEW_PRIVS, 1).
Status set_no_new_privs();

// "2.5.4": part of the cache file name (a libseccomp upgrade may change the generated code).
std::string libseccomp_version();

// The GNU build id (NT_GNU_BUILD_ID) of the running executable, as hex; empty when it has none.
std::string executable_build_id();

// What, besides the rule set, decides the BPF a filter compiles to: the program that compiled
// it. "<libseccomp version>-<sandbox version>-<build id>", the suffix of the cache file name
// (<cache_dir>/<rule-set hash>-<tag>.bpf), so a rebuilt or upgraded `sandbox` never loads a
// filter that another build compiled. Empty when the executable has no build id: then there
// is nothing that names the build, and the cache must not be used.
std::string seccomp_cache_tag();

// A cache key as plan_seccomp and seccomp_inputs_key make them: 32 lowercase hex digits.
bool is_seccomp_cache_key(std::string_view key);

// "<dir>/<key>-<tag><suffix>": the one spelling of a cache file's name (".bpf" for a program,
// ".plan" for exec/seccomp_memo.hpp's memo). Empty when any part is: no tag, no cache.
std::string seccomp_cache_file(const std::string& dir, const std::string& key,
                               std::string_view suffix);

}  // namespace sandbox::sys
