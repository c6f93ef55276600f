#include "sys/namespaces.hpp"

#include <fcntl.h>
#include <sched.h>

#include <array>
#include <utility>

namespace sandbox::sys {

namespace {
constexpr std::array<std::pair<std::string_view, int>, 8> k_namespaces{{
    {"user", CLONE_NEWUSER},
    {"pid", CLONE_NEWPID},
    {"mnt", CLONE_NEWNS},
    {"uts", CLONE_NEWUTS},
    {"ipc", CLONE_NEWIPC},
    {"net", CLONE_NEWNET},
    {"cgroup", CLONE_NEWCGROUP},
    {"time", CLONE_NEWTIME},
}};
}  // namespace

int ns_flag(std::string_view proc_name) {
    for (const auto& [name, flag] : k_namespaces) {
        if (name == proc_name) {
            return flag;
        }
    }
    return 0;
}

std::string_view ns_proc_name(int flag) {
    for (const auto& [name, f] : k_namespaces) {
        if (f == flag) {
            return name;
        }
    }
    return "unknown";
}

Result<UniqueFd> open_namespace(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return fail("open namespace", path);
    }
    return UniqueFd(fd);
}

Status enter_namespace(int fd, int nstype, const std::string& what) {
    if (setns(fd, nstype) != 0) {
        return fail("setns", what);
    }
    return {};
}

Status enter_namespaces_of(int pidfd, int flags, const std::string& what) {
    if (setns(pidfd, flags) != 0) {
        return fail("setns", what);
    }
    return {};
}

Status unshare_namespaces(int flags) {
    if (unshare(flags) != 0) {
        return fail("unshare");
    }
    return {};
}

}  // namespace sandbox::sys
