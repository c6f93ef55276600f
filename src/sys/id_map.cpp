#include "sys/id_map.hpp"

#include <unistd.h>

#include "sys/fs.hpp"
#include "sys/process.hpp"

namespace sandbox::sys {

std::string format_id_map(const std::vector<IdRange>& ranges) {
    std::string out;
    for (const IdRange& r : ranges) {
        out += std::to_string(r.inside) + " " + std::to_string(r.outside) + " " +
               std::to_string(r.count) + "\n";
    }
    return out;
}

Status deny_setgroups(pid_t pid) {
    std::string path = "/proc/" + std::to_string(pid) + "/setgroups";
    return write_file(path, "deny");
}

Status write_uid_map(pid_t pid, const std::vector<IdRange>& ranges) {
    return write_file("/proc/" + std::to_string(pid) + "/uid_map", format_id_map(ranges));
}

Status write_gid_map(pid_t pid, const std::vector<IdRange>& ranges) {
    return write_file("/proc/" + std::to_string(pid) + "/gid_map", format_id_map(ranges));
}

Status run_id_map_helper(const std::string& helper, pid_t pid, const std::vector<IdRange>& ranges) {
    std::vector<std::string> args{helper, std::to_string(pid)};
    for (const IdRange& r : ranges) {
        args.push_back(std::to_string(r.inside));
        args.push_back(std::to_string(r.outside));
        args.push_back(std::to_string(r.count));
    }
    std::vector<char*> argv;
    for (std::string& a : args) {
        argv.push_back(a.data());
    }
    argv.push_back(nullptr);
    // Resolve before forking, so the child only calls execve.
    std::string path;
    for (const char* dir : {"/usr/bin/", "/bin/", "/usr/sbin/", "/sbin/"}) {
        std::string candidate = std::string(dir) + helper;
        if (access(candidate.c_str(), X_OK) == 0) {
            path = candidate;
            break;
        }
    }
    if (path.empty()) {
        return fail_with(ENOENT, "exec", helper, {}, "install the uidmap package");
    }
    auto child = fork_process([&]() -> int {
        char* envp[] = {nullptr};
        execve(path.c_str(), argv.data(), envp);
        return 127;
    });
    if (!child) {
        return tl::unexpected(child.error());
    }
    auto status = child->wait();
    if (!status) {
        return tl::unexpected(status.error());
    }
    if (status->signaled || status->code != 0) {
        return fail_with(EPERM, helper, std::to_string(pid), {},
                         "exited with status " + std::to_string(status->shell_code()));
    }
    return {};
}

}  // namespace sandbox::sys
