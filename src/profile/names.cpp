#include "profile/names.hpp"

#include <seccomp.h>
#include <sys/capability.h>

#include <algorithm>
#include <cctype>
#include <csignal>
#include <cstdlib>
#include <memory>

#include "profile/enum_names.hpp"

namespace sandbox::profile::names {

bool is_sandbox_name(std::string_view name) {
    auto allowed = [](unsigned char ch) {
        return std::isalnum(ch) != 0 || ch == '-' || ch == '_' || ch == '.';
    };
    return !name.empty() && name.size() <= 64 &&
           std::isalnum(static_cast<unsigned char>(name.front())) != 0 &&
           std::all_of(name.begin(), name.end(), allowed);
}

namespace {

std::string upper(std::string_view s) {
    std::string out(s);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

struct FreeDeleter {
    void operator()(void* p) const { std::free(p); }
};
struct CapFreeDeleter {
    void operator()(char* p) const { cap_free(p); }
};

struct SignalName {
    const char* name;
    int number;
};

// The standard signals (signal(7)); real-time signals are accepted by number only.
constexpr SignalName k_signals[] = {
    {"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},       {"SIGQUIT", SIGQUIT}, {"SIGILL", SIGILL},
    {"SIGTRAP", SIGTRAP}, {"SIGABRT", SIGABRT},     {"SIGBUS", SIGBUS},   {"SIGFPE", SIGFPE},
    {"SIGKILL", SIGKILL}, {"SIGUSR1", SIGUSR1},     {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2},
    {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM},     {"SIGTERM", SIGTERM}, {"SIGSTKFLT", SIGSTKFLT},
    {"SIGCHLD", SIGCHLD}, {"SIGCONT", SIGCONT},     {"SIGSTOP", SIGSTOP}, {"SIGTSTP", SIGTSTP},
    {"SIGTTIN", SIGTTIN}, {"SIGTTOU", SIGTTOU},     {"SIGURG", SIGURG},   {"SIGXCPU", SIGXCPU},
    {"SIGXFSZ", SIGXFSZ}, {"SIGVTALRM", SIGVTALRM}, {"SIGPROF", SIGPROF}, {"SIGWINCH", SIGWINCH},
    {"SIGIO", SIGIO},     {"SIGPWR", SIGPWR},       {"SIGSYS", SIGSYS},
};

constexpr int k_max_signal = 64;  // SIGRTMAX on Linux

}  // namespace

bool is_syscall(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return false;
    }
    return seccomp_syscall_resolve_name(std::string(name).c_str()) != __NR_SCMP_ERROR;
}

const std::vector<std::string>& syscalls() {
    static const std::vector<std::string> list = [] {
        std::vector<std::string> out;
        uint32_t arch = seccomp_arch_native();
        // Syscall numbers are dense from 0 on every architecture libseccomp supports; x32 and
        // the o32/n32 MIPS ABIs start higher, so scan generously.
        for (int nr = 0; nr < 6000; ++nr) {
            std::unique_ptr<char, FreeDeleter> name(seccomp_syscall_resolve_num_arch(arch, nr));
            if (name) {
                out.emplace_back(name.get());
            }
        }
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    }();
    return list;
}

const std::vector<std::string>& capabilities() {
    static const std::vector<std::string> list = [] {
        std::vector<std::string> out;
        for (cap_value_t cap = 0; cap <= CAP_LAST_CAP; ++cap) {
            std::unique_ptr<char, CapFreeDeleter> name(cap_to_name(cap));
            // libcap prints a number for a capability it has no name for; skip those.
            if (name && !std::isdigit(static_cast<unsigned char>(name.get()[0]))) {
                out.push_back(upper(name.get()));
            }
        }
        return out;
    }();
    return list;
}

std::optional<std::string> canonical_capability(std::string_view name) {
    std::string wanted = upper(name);
    if (wanted.rfind("CAP_", 0) != 0) {
        return std::nullopt;
    }
    const auto& all = capabilities();
    if (std::find(all.begin(), all.end(), wanted) == all.end()) {
        return std::nullopt;
    }
    return wanted;
}

const std::vector<std::string>& signals() {
    static const std::vector<std::string> list = names_of(k_signals);
    return list;
}

std::optional<int> signal_number(std::string_view text) {
    if (text.empty() || text.size() > 16) {
        return std::nullopt;
    }
    if (std::all_of(text.begin(), text.end(),
                    [](unsigned char c) { return std::isdigit(c) != 0; })) {
        if (text.size() > 3) {
            return std::nullopt;  // and std::stoi cannot overflow
        }
        int n = std::stoi(std::string(text));
        if (n >= 1 && n <= k_max_signal) {
            return n;
        }
        return std::nullopt;
    }
    std::string wanted = upper(text);
    if (wanted.rfind("SIG", 0) != 0) {
        wanted = "SIG" + wanted;
    }
    for (const SignalName& s : k_signals) {
        if (wanted == s.name) {
            return s.number;
        }
    }
    return std::nullopt;
}

std::string signal_name(int number) {
    for (const SignalName& s : k_signals) {
        if (s.number == number) {
            return s.name;
        }
    }
    return {};
}

const std::vector<std::string>& rlimits() {
    static const std::vector<std::string> list = names_of(k_rlimit_names);
    return list;
}

bool is_rlimit(std::string_view name) {
    return find_rlimit(name) != nullptr;
}

const std::vector<std::string>& mount_flags() {
    // The flags the planner turns into MS_* bits; anything else would reach the filesystem as
    // mount data and fail there.
    static const std::vector<std::string> list = {"nosuid",      "nodev",      "noexec",
                                                  "noatime",     "nodiratime", "relatime",
                                                  "strictatime", "nosymfollow"};
    return list;
}

const std::vector<std::string>& mount_data_options() {
    static const std::vector<std::string> list = {
        "uid",  "gid",      "mode", "nr_inodes",   "nr_blocks", "huge",
        "mpol", "ptmxmode", "max",  "newinstance", "hidepid",   "subset"};
    return list;
}

}  // namespace sandbox::profile::names
