#include "sys/seccomp.hpp"

#include <dirent.h>
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <ctime>
#include <map>
#include <optional>

#include "build_config.hpp"
#include "common/eintr.hpp"
#include "sys/fd.hpp"
#include "sys/fs.hpp"

namespace sandbox::sys {
namespace {

constexpr char k_cache_magic[8] = {'S', 'B', 'X', 'B', 'P', 'F', '1', '\n'};
constexpr size_t k_max_insns = 4096;  // BPF_MAXINSNS
constexpr size_t k_max_filters = 8;

uint32_t to_scmp_action(SeccompVerdict v, uint32_t err) {
    switch (v) {
        case SeccompVerdict::allow:
            return SCMP_ACT_ALLOW;
        case SeccompVerdict::errno_:
            return SCMP_ACT_ERRNO(err);
        case SeccompVerdict::kill_process:
            return SCMP_ACT_KILL_PROCESS;
        case SeccompVerdict::kill_thread:
            return SCMP_ACT_KILL_THREAD;
        case SeccompVerdict::trap:
            return SCMP_ACT_TRAP;
        case SeccompVerdict::log:
            return SCMP_ACT_LOG;
    }
    return SCMP_ACT_KILL_PROCESS;
}

scmp_compare to_scmp_compare(SeccompCompare op) {
    switch (op) {
        case SeccompCompare::eq:
            return SCMP_CMP_EQ;
        case SeccompCompare::ne:
            return SCMP_CMP_NE;
        case SeccompCompare::lt:
            return SCMP_CMP_LT;
        case SeccompCompare::le:
            return SCMP_CMP_LE;
        case SeccompCompare::gt:
            return SCMP_CMP_GT;
        case SeccompCompare::ge:
            return SCMP_CMP_GE;
        case SeccompCompare::masked_eq:
            return SCMP_CMP_MASKED_EQ;
    }
    return SCMP_CMP_EQ;
}

bool same_action(const SeccompRuleSpec& a, const SeccompRuleSpec& b) {
    return a.action == b.action &&
           (a.action != SeccompVerdict::errno_ || a.errno_value == b.errno_value);
}

Status write_all(int fd, const void* data, size_t size, const std::string& path) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
        ssize_t n = retry_eintr([&] { return ::write(fd, p, size); });
        if (n < 0) {
            return fail("write", path);
        }
        p += n;
        size -= static_cast<size_t>(n);
    }
    return {};
}

// Not group/world-writable and owned by us: nobody else can have planted the content.
bool trusted(const struct stat& st) {
    return st.st_uid == geteuid() && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

std::string parent_dir(const std::string& path) {
    auto slash = path.rfind('/');
    return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

Status make_dirs(const std::string& dir) {
    if (dir.empty() || dir == "/" || dir == ".") {
        return {};
    }
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        return S_ISDIR(st.st_mode) ? Status{} : fail_with(ENOTDIR, "mkdir", dir);
    }
    if (auto r = make_dirs(parent_dir(dir)); !r) {
        return r;
    }
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
        return fail("mkdir", dir);
    }
    return {};
}

// A cache file's bytes (at most `limit`), after the checks that keep a planted file out: not a
// symlink, a regular file, it and its directory owned by us and not group/world-writable.
Result<std::string> read_cache_file(const std::string& path, size_t limit) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd) {
        return fail("open", path);
    }
    struct stat st {};
    struct stat dir_st {};
    if (::fstat(fd.get(), &st) != 0) {
        return fail("fstat", path);
    }
    std::string dir = parent_dir(path);
    if (::stat(dir.c_str(), &dir_st) != 0) {
        return fail("stat", dir);
    }
    if (!S_ISREG(st.st_mode) || !trusted(st) || !trusted(dir_st)) {
        return fail_with(EPERM, "open", path, "", "cache file or directory not owned by us");
    }
    return read_fd(fd.get(), path, limit);
}

// Creates the directory (0700), writes a temp file and renames it into place (atomic for
// concurrent runs).
Status write_cache_file(const std::string& path, std::string_view data) {
    if (auto r = make_dirs(parent_dir(path)); !r) {
        return r;
    }
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644));
    if (!fd) {
        return fail("open", tmp);
    }
    if (auto r = write_all(fd.get(), data.data(), data.size(), tmp); !r) {
        ::unlink(tmp.c_str());
        return r;
    }
    if (!fd.close()) {
        int err = errno;
        ::unlink(tmp.c_str());
        return fail_with(err, "close", tmp);
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        int err = errno;
        ::unlink(tmp.c_str());
        return fail_with(err, "rename", tmp, path);
    }
    return {};
}

// "<32 hex>-<anything>.bpf" or ".plan": what seccomp_cache_file names. A name that does not
// fit was not written by us, and stays.
bool is_cache_entry(std::string_view name) {
    return name.size() > 33 && name[32] == '-' && is_seccomp_cache_key(name.substr(0, 32)) &&
           (name.ends_with(".bpf") || name.ends_with(".plan"));
}

// "<cache file name>.tmp.<pid>" (write_cache_file) that a writer left behind when it died
// between open and rename, an hour ago or more.
bool is_stale_temp(std::string_view name, const struct stat& st) {
    constexpr time_t k_stale_after_s = 3600;
    size_t at = name.rfind(".tmp.");
    if (at == std::string_view::npos || !is_cache_entry(name.substr(0, at))) {
        return false;
    }
    std::string_view pid = name.substr(at + 5);
    return !pid.empty() && pid.find_first_not_of("0123456789") == std::string_view::npos &&
           st.st_mtime + k_stale_after_s < ::time(nullptr);
}

}  // namespace

Status prune_seccomp_cache(const std::string& dir, size_t keep,
                           const std::vector<std::string>& spare) {
    UniqueFd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!dir_fd) {
        return fail("open", dir);
    }
    struct stat dir_st {};
    if (::fstat(dir_fd.get(), &dir_st) != 0) {
        return fail("fstat", dir);
    }
    if (!trusted(dir_st)) {
        return fail_with(EPERM, "prune", dir, "", "cache directory not owned by us");
    }
    // fdopendir takes the fd over; the unlinks go through a duplicate of it.
    UniqueFd list_fd(::fcntl(dir_fd.get(), F_DUPFD_CLOEXEC, 0));
    DIR* d = list_fd ? ::fdopendir(list_fd.get()) : nullptr;
    if (d == nullptr) {
        return fail("opendir", dir);
    }
    (void)list_fd.release();
    struct Entry {
        std::string name;
        struct timespec mtime;
    };
    std::vector<Entry> entries;
    while (const struct dirent* e = ::readdir(d)) {
        std::string_view name = e->d_name;
        if (name.find(".tmp.") == std::string_view::npos && !is_cache_entry(name)) {
            continue;  // not ours: no need to look closer
        }
        struct stat st {};
        if ((e->d_type != DT_REG && e->d_type != DT_UNKNOWN) ||
            ::fstatat(dir_fd.get(), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode) || st.st_uid != ::geteuid()) {
            continue;  // only our own regular files, never through a symlink
        }
        if (is_stale_temp(name, st)) {
            (void)::unlinkat(dir_fd.get(), e->d_name, 0);
        } else if (is_cache_entry(name) &&
                   std::find(spare.begin(), spare.end(), name) == spare.end()) {
            entries.push_back({std::string(name), st.st_mtim});
        }
    }
    ::closedir(d);
    // The spared files (what the caller just wrote) count towards `keep` and always stay: a
    // clock stepped back must not make them look older than the rest.
    keep = keep > spare.size() ? keep - spare.size() : 0;
    if (entries.size() <= keep) {
        return {};
    }
    // Newest first, by when each was written: a hit does not touch its file, so an entry used
    // every day but written long ago can go, and its next run compiles it once more.
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
        if (a.mtime.tv_sec != b.mtime.tv_sec) {
            return a.mtime.tv_sec > b.mtime.tv_sec;
        }
        if (a.mtime.tv_nsec != b.mtime.tv_nsec) {
            return a.mtime.tv_nsec > b.mtime.tv_nsec;
        }
        return a.name < b.name;
    });
    for (size_t i = keep; i < entries.size(); ++i) {
        // ENOENT: another run pruned it first. A run about to read it misses and compiles.
        (void)::unlinkat(dir_fd.get(), entries[i].name.c_str(), 0);
    }
    return {};
}

void SeccompFilter::Release::operator()(void* ctx) const noexcept {
    seccomp_release(ctx);
}

Result<SeccompFilter> SeccompFilter::create(SeccompVerdict default_action, uint32_t default_errno,
                                            SeccompVerdict bad_arch_action) {
    scmp_filter_ctx ctx = seccomp_init(to_scmp_action(default_action, default_errno));
    if (ctx == nullptr) {
        return fail_with(EINVAL, "seccomp_init");
    }
    SeccompFilter filter(ctx);
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, to_scmp_action(bad_arch_action, 1));
    if (rc < 0) {
        return fail_with(-rc, "seccomp_attr_set", "SCMP_FLTATR_ACT_BADARCH");
    }
    // no_new_privs is the caller's decision (set_no_new_privs), not a side effect of loading.
    rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
    if (rc < 0) {
        return fail_with(-rc, "seccomp_attr_set", "SCMP_FLTATR_CTL_NNP");
    }
    // Syscall numbers sorted into a binary tree (libseccomp 2.5) instead of one comparison
    // after another: a few jumps per syscall instead of up to one per rule, for the workload's
    // every call and for the kernel, which runs the filter once per syscall number when it is
    // loaded to find the ones it may always allow (seccomp's action cache, 5.11).
    // Only with libseccomp 2.5.4 or later: 2.5.0-2.5.3 gave an optimised filter without rules
    // SIGSYS for everything instead of its default action (libseccomp issue #370), and before
    // 2.5 the attribute does not exist. Where it is refused, the filter stays a list: the same
    // decisions, only slower to load and to run.
    const scmp_version* v = seccomp_version();
    bool tree_is_safe = v != nullptr && (v->major > 2 || (v->major == 2 && v->minor > 5) ||
                                         (v->major == 2 && v->minor == 5 && v->micro >= 4));
    if (tree_is_safe) {
        (void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    }
    return filter;
}

Result<bool> SeccompFilter::add_rule(const SeccompRuleSpec& rule) {
    int nr = seccomp_syscall_resolve_name(rule.syscall.c_str());
    if (nr == __NR_SCMP_ERROR) {
        return false;
    }
    std::vector<scmp_arg_cmp> cmps;
    cmps.reserve(rule.args.size());
    for (const SeccompArgCheck& a : rule.args) {
        cmps.push_back(scmp_arg_cmp{a.index, to_scmp_compare(a.op), a.value, a.value2});
    }
    int rc = seccomp_rule_add_array(m_ctx.get(), to_scmp_action(rule.action, rule.errno_value), nr,
                                    static_cast<unsigned>(cmps.size()), cmps.data());
    if (rc == -EACCES) {
        return false;  // same action as the filter's default: no effect
    }
    if (rc < 0) {
        return fail_with(-rc, "seccomp_rule_add", rule.syscall);
    }
    return true;
}

Result<BpfInsns> SeccompFilter::export_bpf() const {
    UniqueFd fd(::memfd_create("sandbox-seccomp", MFD_CLOEXEC));
    if (!fd) {
        return fail("memfd_create", "sandbox-seccomp");
    }
    int rc = seccomp_export_bpf(m_ctx.get(), fd.get());
    if (rc < 0) {
        return fail_with(-rc, "seccomp_export_bpf");
    }
    if (::lseek(fd.get(), 0, SEEK_SET) < 0) {
        return fail("lseek", "sandbox-seccomp");
    }
    auto bytes = read_fd(fd.get(), "sandbox-seccomp", k_max_insns * sizeof(sock_filter));
    if (!bytes) {
        return tl::unexpected(bytes.error());
    }
    if (bytes->empty() || bytes->size() % sizeof(sock_filter) != 0) {
        return fail_with(EINVAL, "seccomp_export_bpf", "", "", "unexpected program size");
    }
    BpfInsns insns(bytes->size() / sizeof(sock_filter));
    std::memcpy(insns.data(), bytes->data(), bytes->size());
    return insns;
}

Result<SeccompProgram> compile_seccomp(const SeccompFilterSpec& spec) {
    auto main =
        SeccompFilter::create(spec.default_action, spec.default_errno, spec.bad_arch_action);
    if (!main) {
        return tl::unexpected(main.error());
    }
    std::optional<SeccompFilter> overlay;
    SeccompProgram program;

    // Group by syscall, keeping the spec's order within each.
    std::map<std::string, std::vector<const SeccompRuleSpec*>> groups;
    for (const SeccompRuleSpec& r : spec.rules) {
        groups[r.syscall].push_back(&r);
    }
    for (const auto& [name, rules] : groups) {
        const SeccompRuleSpec* unconditional = nullptr;
        for (const SeccompRuleSpec* r : rules) {
            if (r->args.empty()) {
                unconditional = r;
                break;
            }
        }
        auto add = [&](SeccompFilter& f, const SeccompRuleSpec& r) -> Status {
            auto added = f.add_rule(r);
            if (!added) {
                return tl::unexpected(added.error());
            }
            if (!*added && seccomp_syscall_resolve_name(r.syscall.c_str()) == __NR_SCMP_ERROR) {
                if (program.skipped.empty() || program.skipped.back() != r.syscall) {
                    program.skipped.push_back(r.syscall);
                }
            }
            return {};
        };
        if (unconditional == nullptr) {
            for (const SeccompRuleSpec* r : rules) {
                if (auto s = add(*main, *r); !s) {
                    return tl::unexpected(s.error());
                }
            }
            continue;
        }
        if (auto s = add(*main, *unconditional); !s) {
            return tl::unexpected(s.error());
        }
        for (const SeccompRuleSpec* r : rules) {
            if (r == unconditional || same_action(*r, *unconditional) ||
                r->action == SeccompVerdict::allow) {
                continue;
            }
            if (!overlay) {
                auto o = SeccompFilter::create(SeccompVerdict::allow, 0, spec.bad_arch_action);
                if (!o) {
                    return tl::unexpected(o.error());
                }
                overlay.emplace(std::move(*o));
            }
            if (auto s = add(*overlay, *r); !s) {
                return tl::unexpected(s.error());
            }
        }
    }
    auto bpf = main->export_bpf();
    if (!bpf) {
        return tl::unexpected(bpf.error());
    }
    program.filters.push_back(std::move(*bpf));
    if (overlay) {
        auto obpf = overlay->export_bpf();
        if (!obpf) {
            return tl::unexpected(obpf.error());
        }
        program.filters.push_back(std::move(*obpf));
    }
    return program;
}

Result<SeccompProgram> read_seccomp_cache(const std::string& path) {
    auto bytes = read_cache_file(
        path, sizeof k_cache_magic + 4 + k_max_filters * (4 + k_max_insns * sizeof(sock_filter)));
    if (!bytes) {
        return tl::unexpected(bytes.error());
    }
    const std::string& b = *bytes;
    auto malformed = [&] {
        return fail_with(EINVAL, "read", path, "", "malformed BPF cache file");
    };
    size_t pos = sizeof k_cache_magic;
    if (b.size() < pos + 4 || std::memcmp(b.data(), k_cache_magic, sizeof k_cache_magic) != 0) {
        return malformed();
    }
    uint32_t count = 0;
    std::memcpy(&count, b.data() + pos, 4);
    pos += 4;
    if (count == 0 || count > k_max_filters) {
        return malformed();
    }
    SeccompProgram program;
    for (uint32_t i = 0; i < count; ++i) {
        uint32_t n = 0;
        if (b.size() < pos + 4) {
            return malformed();
        }
        std::memcpy(&n, b.data() + pos, 4);
        pos += 4;
        if (n == 0 || n > k_max_insns || b.size() < pos + n * sizeof(sock_filter)) {
            return malformed();
        }
        BpfInsns insns(n);
        std::memcpy(insns.data(), b.data() + pos, n * sizeof(sock_filter));
        pos += n * sizeof(sock_filter);
        program.filters.push_back(std::move(insns));
    }
    if (pos != b.size()) {
        return malformed();
    }
    return program;
}

Status write_seccomp_cache(const std::string& path, const SeccompProgram& program) {
    if (program.filters.empty() || program.filters.size() > k_max_filters) {
        return fail_with(EINVAL, "write", path, "", "nothing to cache");
    }
    std::string data(k_cache_magic, sizeof k_cache_magic);
    auto put32 = [&](uint32_t v) { data.append(reinterpret_cast<const char*>(&v), 4); };
    put32(static_cast<uint32_t>(program.filters.size()));
    for (const BpfInsns& f : program.filters) {
        put32(static_cast<uint32_t>(f.size()));
        data.append(reinterpret_cast<const char*>(f.data()), f.size() * sizeof(sock_filter));
    }
    return write_cache_file(path, data);
}

Result<std::string> read_cache_text(const std::string& path) {
    return read_cache_file(path, 4096);
}

Status write_cache_text(const std::string& path, std::string_view text) {
    return write_cache_file(path, text);
}

Status install_seccomp(const SeccompProgram& program) {
    for (const BpfInsns& f : program.filters) {
        sock_fprog prog{static_cast<unsigned short>(f.size()), const_cast<sock_filter*>(f.data())};
        if (::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) != 0) {
            return fail("seccomp", "SECCOMP_SET_MODE_FILTER");
        }
    }
    return {};
}

Status set_no_new_privs() {
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        return fail("prctl", "PR_SET_NO_NEW_PRIVS");
    }
    return {};
}

std::string libseccomp_version() {
    const scmp_version* v = seccomp_version();
    return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
           std::to_string(v->micro);
}

std::string executable_build_id() {
    // The linker's build id note (ld --build-id, on by default with Debian's gcc and asked for
    // explicitly in cmake/Options.cmake) is a hash over the whole linked output, so it changes
    // whenever any code that turns rules into BPF changes: the planner's rule merge, the
    // translation in exec/child/security.cpp, this file. Read from the loaded program headers
    // (dl_iterate_phdr: the first object is the executable), not from /proc/self/exe, so it
    // costs no file I/O and names the code that is actually running.
    std::string id;
    dl_iterate_phdr(
        [](dl_phdr_info* info, size_t, void* data) -> int {
            auto& out = *static_cast<std::string*>(data);
            for (ElfW(Half) i = 0; i < info->dlpi_phnum; ++i) {
                const ElfW(Phdr)& ph = info->dlpi_phdr[i];
                if (ph.p_type != PT_NOTE) {
                    continue;
                }
                const auto* p =
                    reinterpret_cast<const unsigned char*>(info->dlpi_addr + ph.p_vaddr);
                const unsigned char* end = p + ph.p_memsz;
                auto align4 = [](size_t n) { return (n + 3) & ~size_t{3}; };
                while (p + sizeof(ElfW(Nhdr)) <= end) {
                    ElfW(Nhdr) nh;
                    std::memcpy(&nh, p, sizeof nh);
                    const unsigned char* name = p + sizeof nh;
                    const unsigned char* desc = name + align4(nh.n_namesz);
                    if (desc + nh.n_descsz > end) {
                        break;
                    }
                    if (nh.n_type == NT_GNU_BUILD_ID && nh.n_namesz == 4 &&
                        std::memcmp(name, "GNU", 4) == 0) {
                        static const char k_hex[] = "0123456789abcdef";
                        for (size_t k = 0; k < nh.n_descsz; ++k) {
                            out += k_hex[desc[k] >> 4];
                            out += k_hex[desc[k] & 0xf];
                        }
                        return 1;
                    }
                    p = desc + align4(nh.n_descsz);
                }
            }
            return 1;  // only the executable (the first object) counts
        },
        &id);
    return id;
}

std::string seccomp_cache_tag() {
    static const std::string tag = [] {
        std::string id = executable_build_id();
        if (id.empty()) {
            return std::string();
        }
        return libseccomp_version() + "-" + SANDBOX_VERSION + "-" + id;
    }();
    return tag;
}

bool is_seccomp_cache_key(std::string_view key) {
    return key.size() == 32 && key.find_first_not_of("0123456789abcdef") == std::string_view::npos;
}

std::string seccomp_cache_file(const std::string& dir, const std::string& key,
                               std::string_view suffix) {
    const std::string& tag = seccomp_cache_tag();
    if (dir.empty() || key.empty() || tag.empty()) {
        return {};
    }
    return dir + "/" + key + "-" + tag + std::string(suffix);
}

}  // namespace sandbox::sys
