// sys/seccomp and sys/caps for real, each in a forked child (a filter or a dropped capability
// cannot be undone, so it must not reach the test runner). Seccomp with no_new_privs needs no
// privilege; the capability cases check the success path as root and the refusal otherwise.
#include <fcntl.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "build_config.hpp"
#include "exec/child/security.hpp"
#include "exec/seccomp_memo.hpp"
#include "plan/seccomp_plan.hpp"
#include "sys/caps.hpp"
#include "sys/landlock.hpp"
#include "sys/seccomp.hpp"

using namespace sandbox;

namespace {

// Runs `body` in a forked child; returns the raw wait status. The body returns the exit code
// (0 = all expectations held, N = the first failed expectation).
template <typename F>
int in_child(F body) {
    pid_t pid = ::fork();
    if (pid == 0) {
        int rc = 99;
        try {
            rc = body();
        } catch (...) {
            rc = 98;
        }
        std::_Exit(rc);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    return status;
}

int exit_code(int status) {
    return WIFEXITED(status) ? WEXITSTATUS(status)
                             : 200 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

// errno of a raw syscall that is expected to fail, 0 if it succeeded.
template <typename... A>
int syscall_errno(long nr, A... args) {
    errno = 0;
    long r = ::syscall(nr, args...);
    return r < 0 ? errno : 0;
}

struct TempDir {
    std::string path;
    TempDir() {
        char tmpl[] = "/tmp/sandbox-seccomp-test.XXXXXX";
        path = ::mkdtemp(tmpl);
    }
    ~TempDir() { std::filesystem::remove_all(path); }
};

sys::SeccompFilterSpec allow_all_but(std::vector<sys::SeccompRuleSpec> rules) {
    sys::SeccompFilterSpec spec;
    spec.default_action = sys::SeccompVerdict::allow;
    spec.rules = std::move(rules);
    return spec;
}

int install(const sys::SeccompProgram& program) {
    if (!sys::set_no_new_privs() || !sys::install_seccomp(program)) {
        return 90;
    }
    return 0;
}

}  // namespace

TEST_CASE("seccomp sys: a denied syscall returns the configured errno", "[unit][seccomp]") {
    auto program = sys::compile_seccomp(
        allow_all_but({{"getppid", sys::SeccompVerdict::errno_, 42, {}},
                       {"no_such_syscall_name", sys::SeccompVerdict::errno_, 1, {}}}));
    REQUIRE(program);
    CHECK(program->filters.size() == 1);
    CHECK(program->skipped == std::vector<std::string>{"no_such_syscall_name"});
    int status = in_child([&] {
        if (int rc = install(*program)) {
            return rc;
        }
        if (syscall_errno(SYS_getppid) != 42) {
            return 1;
        }
        if (syscall_errno(SYS_getpid) != 0) {
            return 2;
        }
        return 0;
    });
    CHECK(exit_code(status) == 0);
}

TEST_CASE("seccomp sys: kill_process ends the process with SIGSYS", "[unit][seccomp]") {
    auto program =
        sys::compile_seccomp(allow_all_but({{"uname", sys::SeccompVerdict::kill_process, 0, {}}}));
    REQUIRE(program);
    int status = in_child([&] {
        if (int rc = install(*program)) {
            return rc;
        }
        ::syscall(SYS_uname, nullptr);
        return 3;  // not reached
    });
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGSYS);
}

TEST_CASE("seccomp sys: the 32-bit int 0x80 entry is killed", "[unit][seccomp]") {
#if defined(__x86_64__)
    auto program = sys::compile_seccomp(allow_all_but({}));
    REQUIRE(program);
    int status = in_child([&] {
        if (int rc = install(*program)) {
            return rc;
        }
        long ret = 20;  // i386 getpid
        asm volatile("int $0x80" : "+a"(ret) : : "memory");
        return 4;  // reached only when the 32-bit entry is not filtered
    });
    REQUIRE(WIFSIGNALED(status));
    CHECK(WTERMSIG(status) == SIGSYS);
#endif
}

TEST_CASE("seccomp sys: the default preset blocks by name and by argument", "[unit][seccomp]") {
    plan::SeccompPlan plan = plan::plan_seccomp(profile::Profile{});
    auto program = sys::compile_seccomp(exec::child::to_filter_spec(plan));
    REQUIRE(program);
    // ioctl and socket have conditional denials beside an unconditional allow: second filter.
    CHECK(program->filters.size() == 2);
    int status = in_child([&] {
        int fds[2];
        if (::pipe2(fds, O_CLOEXEC) != 0) {
            return 80;
        }
        if (int rc = install(*program)) {
            return rc;
        }
        int avail = 0;
        if (syscall_errno(SYS_ioctl, fds[0], FIONREAD, &avail) != 0) {
            return 10;  // an ordinary ioctl still works
        }
        if (syscall_errno(SYS_ioctl, fds[0], TIOCSTI, "x") != EPERM) {
            return 11;
        }
        // High bits set: the kernel truncates the command to 32 bits, the rule must too.
        if (syscall_errno(SYS_ioctl, fds[0], (1UL << 32) | TIOCSTI, "x") != EPERM) {
            return 12;
        }
        if (syscall_errno(SYS_ioctl, fds[0], TIOCLINUX, "x") != EPERM) {
            return 13;
        }
        if (syscall_errno(SYS_mount, "none", "/mnt", "tmpfs", 0, nullptr) != EPERM) {
            return 14;
        }
        if (syscall_errno(SYS_ptrace, PTRACE_TRACEME, 0, 0, 0) != EPERM) {
            return 15;
        }
        if (syscall_errno(SYS_unshare, CLONE_NEWUSER) != EPERM) {
            return 16;
        }
        if (syscall_errno(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0) != EPERM) {
            return 17;
        }
        if (syscall_errno(SYS_clone3, nullptr, 0) != ENOSYS) {
            return 18;
        }
        if (syscall_errno(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, nullptr) != EPERM) {
            return 19;
        }
        if (syscall_errno(SYS_socket, 40 /* AF_VSOCK */, SOCK_STREAM, 0) != EPERM) {
            return 20;
        }
        int s = static_cast<int>(::syscall(SYS_socket, AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        if (s < 0) {
            return 21;
        }
        if (syscall_errno(SYS_personality, 0xffffffffUL) != 0) {
            return 22;  // the query is allowed
        }
        if (syscall_errno(SYS_personality, READ_IMPLIES_EXEC) != EPERM) {
            return 23;
        }
        pid_t child = ::fork();  // clone without namespace flags
        if (child == 0) {
            std::_Exit(0);
        }
        if (child < 0) {
            return 24;
        }
        ::waitpid(child, nullptr, 0);
        return 0;
    });
    CHECK(exit_code(status) == 0);
}

TEST_CASE("seccomp sys: the BPF cache round-trips and refuses untrusted files", "[unit][seccomp]") {
    TempDir dir;
    auto program = sys::compile_seccomp(exec::child::to_filter_spec(plan::plan_seccomp({})));
    REQUIRE(program);
    std::string file = dir.path + "/sub/key.bpf";
    auto missing = sys::read_seccomp_cache(file);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().err() == ENOENT);

    REQUIRE(sys::write_seccomp_cache(file, *program));
    auto back = sys::read_seccomp_cache(file);
    REQUIRE(back);
    REQUIRE(back->filters.size() == program->filters.size());
    for (size_t i = 0; i < back->filters.size(); ++i) {
        REQUIRE(back->filters[i].size() == program->filters[i].size());
        CHECK(std::memcmp(back->filters[i].data(), program->filters[i].data(),
                          back->filters[i].size() * sizeof(sock_filter)) == 0);
    }

    ::chmod(file.c_str(), 0666);
    auto untrusted = sys::read_seccomp_cache(file);
    REQUIRE_FALSE(untrusted);
    CHECK(untrusted.error().err() == EPERM);
    ::chmod(file.c_str(), 0644);
    ::chmod((dir.path + "/sub").c_str(), 0777);
    CHECK(sys::read_seccomp_cache(file).error().err() == EPERM);
    ::chmod((dir.path + "/sub").c_str(), 0700);

    std::ofstream(file, std::ios::trunc) << "SBXBPF1\ngarbage";
    auto bad = sys::read_seccomp_cache(file);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().err() == EINVAL);
}

// A developer's rebuilds each have their own tag, and every edited rule set its own key: without
// a bound the cache directory grows by a program and a memo each time, forever.
TEST_CASE("seccomp sys: the cache keeps the newest files and leaves what it did not write",
          "[unit][seccomp]") {
    TempDir dir;
    const std::string cache = dir.path + "/seccomp";
    REQUIRE(std::filesystem::create_directory(cache));
    ::chmod(cache.c_str(), 0700);
    auto key = [](int i) {
        char hex[33];
        std::snprintf(hex, sizeof hex, "%032x", i);
        return std::string(hex);
    };
    // Older files first: file i is i seconds newer than file 0, a day ago.
    const time_t day_ago = ::time(nullptr) - 86400;
    auto make = [&](const std::string& name, time_t mtime) {
        std::ofstream(cache + "/" + name) << "x";
        struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
        REQUIRE(::utimensat(AT_FDCWD, (cache + "/" + name).c_str(), times, 0) == 0);
    };
    const size_t n = sys::k_seccomp_cache_entries + 10;
    for (size_t i = 0; i < n; ++i) {
        make(key(static_cast<int>(i)) +
                 (i % 2 == 0 ? "-2.5.4-0.1.0-aa.bpf" : "-2.5.4-0.1.0-aa.plan"),
             day_ago + static_cast<time_t>(i));
    }
    make("README", day_ago - 1000);                                    // not a cache file's name
    make(key(999) + "-2.5.4-0.1.0-aa.bpf.tmp.4242", day_ago);          // a dead writer's temp file
    make(key(998) + "-2.5.4-0.1.0-aa.bpf.tmp.4343", ::time(nullptr));  // a live writer's
    std::filesystem::create_symlink("/etc/hostname", cache + "/" + key(997) + "-x.bpf");

    make("notes.tmp.1", day_ago);  // an old temp file, not of a cache file: not ours to remove
    // What a write just filed is spared even when it looks oldest (a clock stepped back); the
    // most recently written of the rest fill the bound.
    const std::string fresh = sys::seccomp_cache_file(cache, key(1000), ".plan");
    REQUIRE_FALSE(fresh.empty());
    REQUIRE(sys::write_cache_text(fresh, "k errno 1\n"));
    struct timespec long_ago[2] = {{day_ago - 5000, 0}, {day_ago - 5000, 0}};
    REQUIRE(::utimensat(AT_FDCWD, fresh.c_str(), long_ago, 0) == 0);
    REQUIRE(sys::prune_seccomp_cache(cache, sys::k_seccomp_cache_entries,
                                     {fresh.substr(fresh.rfind('/') + 1)}));
    CHECK(std::filesystem::exists(fresh));
    size_t kept = 0;
    for (size_t i = 0; i < n; ++i) {
        bool exists =
            std::filesystem::exists(cache + "/" + key(static_cast<int>(i)) +
                                    (i % 2 == 0 ? "-2.5.4-0.1.0-aa.bpf" : "-2.5.4-0.1.0-aa.plan"));
        // The 11 oldest go (10 over the bound, plus one for the fresh file).
        CHECK(exists == (i >= n - sys::k_seccomp_cache_entries + 1));
        kept += exists ? 1 : 0;
    }
    CHECK(kept == sys::k_seccomp_cache_entries - 1);
    CHECK(std::filesystem::exists(cache + "/README"));
    CHECK_FALSE(std::filesystem::exists(cache + "/" + key(999) + "-2.5.4-0.1.0-aa.bpf.tmp.4242"));
    CHECK(std::filesystem::exists(cache + "/" + key(998) + "-2.5.4-0.1.0-aa.bpf.tmp.4343"));
    CHECK(std::filesystem::is_symlink(cache + "/" + key(997) + "-x.bpf"));
    CHECK(std::filesystem::exists(cache + "/notes.tmp.1"));

    // A directory others may write into is not pruned at all.
    ::chmod(cache.c_str(), 0777);
    auto refused = sys::prune_seccomp_cache(cache, 0);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().err() == EPERM);
    CHECK(std::filesystem::exists(fresh));
    ::chmod(cache.c_str(), 0700);
    REQUIRE(sys::prune_seccomp_cache(cache, 1));  // nothing spared: the most recent one stays
    CHECK_FALSE(std::filesystem::exists(fresh));
    CHECK(std::filesystem::exists(
        cache + "/" + key(static_cast<int>(n - 1)) +
        ((n - 1) % 2 == 0 ? "-2.5.4-0.1.0-aa.bpf" : "-2.5.4-0.1.0-aa.plan")));
    CHECK(std::filesystem::exists(cache + "/README"));
}

TEST_CASE("seccomp sys: a cache miss prunes the cache, a hit leaves it alone", "[unit][seccomp]") {
    TempDir dir;
    plan::HostFacts facts;
    facts.cache_root = dir.path;
    const std::string cache = dir.path + "/seccomp";
    REQUIRE(std::filesystem::create_directory(cache));
    ::chmod(cache.c_str(), 0700);
    auto count = [&] {
        return static_cast<size_t>(std::distance(std::filesystem::directory_iterator(cache),
                                                 std::filesystem::directory_iterator()));
    };
    for (size_t i = 0; i < sys::k_seccomp_cache_entries + 5; ++i) {
        char name[64];
        std::snprintf(name, sizeof name, "%032zx-2.5.4-0.1.0-old.bpf", i);
        std::ofstream(cache + "/" + name) << "x";
    }
    profile::Profile profile;  // the default preset: a program and a memo are filed
    plan::SeccompPlan plan = plan::plan_seccomp(profile, facts);
    auto first = exec::child::prepare_seccomp(plan);
    CHECK_FALSE(first.from_cache);
    CHECK(std::filesystem::exists(first.cache_file));
    CHECK(
        std::filesystem::exists(sys::seccomp_cache_file(plan.cache_dir, plan.inputs_key, ".plan")));
    CHECK(count() == sys::k_seccomp_cache_entries);
    // The next `up` of the section: memo and program read, a plan without rules. It writes
    // nothing and prunes nothing.
    std::ofstream(cache + "/" + std::string(32, 'f') + "-2.5.4-0.1.0-old.bpf") << "x";
    auto hit = exec::read_seccomp_memo(plan.cache_dir, plan.inputs_key);
    REQUIRE(hit);
    plan::SeccompPlan from_memo = plan::plan_seccomp(profile, facts, hit->memo);
    REQUIRE(from_memo.rules_elided);
    auto second = exec::child::prepare_seccomp(from_memo, hit->program);
    CHECK(second.from_cache);
    CHECK(count() == sys::k_seccomp_cache_entries + 1);
}

TEST_CASE("seccomp sys: prepare_seccomp writes the cache, then hits it", "[unit][seccomp]") {
    TempDir dir;
    plan::HostFacts facts;
    facts.cache_root = dir.path;
    profile::Profile profile;
    profile.seccomp.deny = {"getppid"};
    profile.seccomp.errno_value = 77;
    plan::SeccompPlan plan = plan::plan_seccomp(profile, facts);
    plan::CapsPlan caps;

    using Clock = std::chrono::steady_clock;
    auto t0 = Clock::now();
    auto first = exec::child::prepare_seccomp(plan);
    auto t1 = Clock::now();
    CHECK_FALSE(first.from_cache);
    CHECK(first.cache_file ==
          dir.path + "/seccomp/" + plan.cache_key + "-" + sys::seccomp_cache_tag() + ".bpf");
    CHECK(std::filesystem::exists(first.cache_file));
    auto second = exec::child::prepare_seccomp(plan);
    auto t2 = Clock::now();
    CHECK(second.from_cache);
    WARN("seccomp default preset: compile+export+write "
         << std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()
         << " us, cached load "
         << std::chrono::duration_cast<std::chrono::microseconds>(t2 - t1).count() << " us");

    // The workload side installs the prepared program.
    int status = in_child([&] {
        exec::child::apply_seccomp(caps, plan, &second.program);
        if (::prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
            return 30;
        }
        if (syscall_errno(SYS_getppid) != 77) {
            return 31;
        }
        if (syscall_errno(SYS_mount, "none", "/mnt", "tmpfs", 0, nullptr) != EPERM) {
            return 32;
        }
        return 0;
    });
    CHECK(exit_code(status) == 0);
}

TEST_CASE("seccomp sys: the cache tag names libseccomp, the version and this build",
          "[unit][seccomp]") {
    const std::string id = sys::executable_build_id();
    // What binutils reads from the file is what the running program found in its own headers.
    std::string readelf;
    if (FILE* p = ::popen(
            ("readelf -n /proc/" + std::to_string(::getpid()) + "/exe 2>/dev/null").c_str(), "r")) {
        char buf[512];
        while (std::fgets(buf, sizeof buf, p) != nullptr) {
            readelf += buf;
        }
        ::pclose(p);
    }
    REQUIRE(readelf.find("Build ID: ") != std::string::npos);
    size_t at = readelf.find("Build ID: ") + 10;
    CHECK(id == readelf.substr(at, readelf.find('\n', at) - at));
    CHECK(id.size() == 40);  // sha1 (cmake/Options.cmake)
    CHECK(sys::seccomp_cache_tag() == sys::libseccomp_version() + "-" + SANDBOX_VERSION + "-" + id);
}

TEST_CASE("seccomp sys: a cache file from another build is never loaded", "[unit][seccomp]") {
    TempDir dir;
    plan::HostFacts facts;
    facts.cache_root = dir.path;
    profile::Profile profile;
    profile.seccomp.deny = {"getppid"};
    profile.seccomp.errno_value = 77;
    plan::SeccompPlan plan = plan::plan_seccomp(profile, facts);
    // A filter for another rule set (deny nothing else, getppid -> errno 5), planted under the
    // names an older build used (rule-set hash + libseccomp version only) and another build
    // would use (a different build id): both must be ignored, and the filter compiled anew.
    profile::Profile other = profile;
    other.seccomp.errno_value = 5;
    auto wrong = sys::compile_seccomp(exec::child::to_filter_spec(plan::plan_seccomp(other)));
    REQUIRE(wrong);
    const std::string base = dir.path + "/seccomp/" + plan.cache_key + "-";
    REQUIRE(sys::write_seccomp_cache(base + sys::libseccomp_version() + ".bpf", *wrong));
    REQUIRE(sys::write_seccomp_cache(base + sys::libseccomp_version() + "-" + SANDBOX_VERSION +
                                         "-0000000000000000000000000000000000000000.bpf",
                                     *wrong));
    auto prepared = exec::child::prepare_seccomp(plan);
    CHECK_FALSE(prepared.from_cache);
    CHECK(prepared.cache_file == base + sys::seccomp_cache_tag() + ".bpf");
    plan::CapsPlan caps;
    int status = in_child([&] {
        exec::child::apply_seccomp(caps, plan, &prepared.program);
        return syscall_errno(SYS_getppid) == 77 ? 0 : 40;
    });
    CHECK(exit_code(status) == 0);
}

TEST_CASE("caps sys: names resolve through libcap", "[unit][caps]") {
    CHECK(sys::capability_from_name("CAP_NET_ADMIN").value() == 12);
    CHECK(sys::capability_from_name("cap_sys_admin").value() == 21);
    CHECK(sys::capability_from_name("CAP_NOPE").error().err() == EINVAL);
    CHECK(sys::capability_name(12) == "cap_net_admin");
    CHECK(sys::capability_last() >= 40);
}

TEST_CASE("caps sys: keep list, ambient set and a uid change", "[unit][caps]") {
    plan::CapsPlan caps{{"CAP_NET_BIND_SERVICE", "CAP_CHOWN"}, {"CAP_NET_BIND_SERVICE"}, true};
    const uint64_t keep_mask = (1ULL << 10) | (1ULL << 0);  // NET_BIND_SERVICE, CHOWN
    if (::geteuid() != 0) {
        // Without privilege the bounding set cannot be dropped: refused, not ignored.
        int status = in_child([&] {
            try {
                exec::child::apply_capabilities(caps);
            } catch (const sys::SysError& e) {
                return e.err() == EPERM ? 0 : 41;
            }
            return 42;
        });
        CHECK(exit_code(status) == 0);
        return;
    }
    int status = in_child([&] {
        exec::child::prepare_for_uid_change(caps);
        if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) {
            return 50;
        }
        exec::child::apply_capabilities(caps);
        auto m = sys::read_capabilities();
        if (!m) {
            return 51;
        }
        if (m->bounding != keep_mask) {
            return 52;
        }
        if (m->permitted != keep_mask || m->effective != keep_mask || m->inheritable != keep_mask) {
            return 53;
        }
        if (m->ambient != (1ULL << 10)) {
            return 54;
        }
        if (::prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) != 0) {
            return 55;
        }
        return 0;
    });
    CHECK(exit_code(status) == 0);

    // A non-root workload that keeps nothing still loses its bounding set.
    status = in_child([&] {
        plan::CapsPlan none;
        exec::child::prepare_for_uid_change(none);
        if (::setresuid(65534, 65534, 65534) != 0) {
            return 56;
        }
        exec::child::apply_capabilities(none);
        auto m = sys::read_capabilities();
        if (!m || m->bounding != 0 || m->permitted != 0 || m->effective != 0 || m->ambient != 0) {
            return 57;
        }
        return 0;
    });
    CHECK(exit_code(status) == 0);

    // Without prepare_for_uid_change the kept capabilities are gone after setresuid.
    status = in_child([&] {
        if (::setresuid(65534, 65534, 65534) != 0) {
            return 60;
        }
        try {
            exec::child::apply_capabilities(caps);
        } catch (const sys::SysError& e) {
            return e.err() == EPERM ? 0 : 61;
        }
        return 62;
    });
    CHECK(exit_code(status) == 0);
}

TEST_CASE("landlock sys: only the listed paths stay reachable", "[unit][landlock]") {
    if (sys::landlock_abi_version() == 0) {
        WARN("no Landlock in this kernel: only the refusal is checked");
        CHECK(sys::apply_landlock({}).error().err() == EOPNOTSUPP);
        return;
    }
    TempDir dir;
    for (const char* d : {"/ro", "/rw", "/none"}) {
        std::filesystem::create_directories(dir.path + d);
        std::ofstream(dir.path + d + "/f") << "x";
    }
    plan::CapsPlan caps;  // no_new_privileges = true
    plan::SecurityPlan security;
    security.landlock = profile::Landlock{true, {dir.path + "/ro"}, {dir.path + "/rw"}};
    auto can_open = [](const std::string& path, int flags) {
        // A mode always: with O_CREAT in `flags`, _FORTIFY_SOURCE (Release builds) rejects a
        // two-argument open() at compile time.
        int fd = ::open(path.c_str(), flags | O_CLOEXEC, 0600);
        if (fd >= 0) {
            ::close(fd);
            return 0;
        }
        return errno;
    };
    int status = in_child([&] {
        exec::child::apply_landlock(caps, security);
        if (can_open(dir.path + "/ro/f", O_RDONLY) != 0) {
            return 70;
        }
        if (can_open(dir.path + "/ro/f", O_WRONLY) != EACCES) {
            return 71;
        }
        if (can_open(dir.path + "/rw/f", O_RDWR) != 0) {
            return 72;
        }
        if (can_open(dir.path + "/rw/new", O_WRONLY | O_CREAT) != 0) {
            return 73;
        }
        if (can_open(dir.path + "/none/f", O_RDONLY) != EACCES) {
            return 74;
        }
        if (can_open("/etc/hostname", O_RDONLY) != EACCES) {
            return 75;
        }
        return 0;
    });
    CHECK(exit_code(status) == 0);
}
