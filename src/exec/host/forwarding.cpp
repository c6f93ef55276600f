// Part of network_host (step 7): runs after the veth exists, because a holder whose veth is
// gone counts as stale (see forwarding.hpp).
#include "exec/host/forwarding.hpp"

#include <fcntl.h>
#include <net/if.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <vector>

#include "sys/error.hpp"
#include "sys/fd.hpp"
#include "sys/sysctl.hpp"

namespace sandbox::exec::host {

namespace {

struct Holders {
    std::string saved;
    std::vector<std::string> names;
};

// Opens and locks the holder file. Retries when the file was unlinked (by the last holder)
// between our open and our flock, so every process locks the inode that is at `path`.
sys::UniqueFd lock_holder_file(const std::string& path) {
    for (;;) {
        sys::UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!fd && errno == ENOENT) {
            // The state root (shared by every sandbox on the host) may not exist yet.
            const std::string dir = path.substr(0, path.rfind('/'));
            if (!dir.empty() && ::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
                throw sys::SysError(errno, "mkdir", dir);
            }
            continue;
        }
        if (!fd) {
            throw sys::SysError(errno, "open", path);
        }
        while (::flock(fd.get(), LOCK_EX) != 0) {
            if (errno != EINTR) {
                throw sys::SysError(errno, "flock", path);
            }
        }
        struct stat held {};
        struct stat now {};
        if (::fstat(fd.get(), &held) != 0) {
            throw sys::SysError(errno, "fstat", path);
        }
        if (::stat(path.c_str(), &now) == 0 && now.st_ino == held.st_ino &&
            now.st_dev == held.st_dev) {
            return fd;
        }
    }
}

Holders read_holders(int fd, const std::string& path) {
    std::string text;
    char buf[512];
    for (;;) {
        ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(text.size()));
        if (n < 0) {
            throw sys::SysError(errno, "read", path);
        }
        if (n == 0) {
            break;
        }
        text.append(buf, static_cast<size_t>(n));
    }
    Holders h;
    size_t pos = 0;
    while (pos < text.size()) {
        size_t end = text.find('\n', pos);
        if (end == std::string::npos) {
            end = text.size();
        }
        const std::string line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.rfind("saved=", 0) == 0) {
            h.saved = line.substr(6);
        } else if (line.rfind("holder=", 0) == 0) {
            h.names.push_back(line.substr(7));
        }
    }
    return h;
}

void write_holders(int fd, const std::string& path, const Holders& h) {
    std::string text = "saved=" + h.saved + "\n";
    for (const std::string& name : h.names) {
        text += "holder=" + name + "\n";
    }
    if (::ftruncate(fd, 0) != 0) {
        throw sys::SysError(errno, "truncate", path);
    }
    if (::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
        throw sys::SysError(errno == 0 ? EIO : errno, "write", path);
    }
}

// A holder is a host veth name; once that link is gone its sandbox cannot need forwarding.
void drop_stale(Holders& h, const std::string& keep) {
    std::erase_if(h.names, [&](const std::string& name) {
        return name != keep && ::if_nametoindex(name.c_str()) == 0;
    });
}

}  // namespace

std::string forwarding_holder_file(const std::string& state_root, const std::string& sysctl) {
    return state_root + (sysctl == k_ipv6_forward ? "/.ipv6_forwarding" : "/.ip_forward");
}

std::string acquire_forwarding(const std::string& sysctl, const std::string& holder_file,
                               const std::string& holder) {
    sys::UniqueFd fd = lock_holder_file(holder_file);
    Holders h = read_holders(fd.get(), holder_file);
    drop_stale(h, holder);
    // A file that exists keeps the value from before its first holder, even when every holder
    // in it turned out stale (their launchers were killed): the current value is ours, not the
    // host's. Only a new file records the current value.
    if (h.saved.empty()) {
        h.saved = sys::or_throw(sys::read_sysctl(sysctl));
    }
    if (std::find(h.names.begin(), h.names.end(), holder) == h.names.end()) {
        h.names.push_back(holder);
    }
    // Record the holder before flipping the value: if we die in between, the next visitor
    // still knows what to restore.
    write_holders(fd.get(), holder_file, h);
    if (sys::or_throw(sys::read_sysctl(sysctl)) != "1") {
        sys::or_throw(sys::write_sysctl(sysctl, "1"));
    }
    return holder_file + "\n" + holder;
}

void release_forwarding(const std::string& sysctl, const std::string& undo_arg) {
    const size_t nl = undo_arg.rfind('\n');
    if (nl == std::string::npos) {
        throw sys::SysError(EINVAL, "restore sysctl", sysctl, {}, "malformed undo entry");
    }
    const std::string holder_file = undo_arg.substr(0, nl);
    const std::string holder = undo_arg.substr(nl + 1);
    sys::UniqueFd fd = lock_holder_file(holder_file);
    Holders h = read_holders(fd.get(), holder_file);
    std::erase(h.names, holder);
    drop_stale(h, {});
    if (!h.names.empty()) {
        write_holders(fd.get(), holder_file, h);
        return;
    }
    if (!h.saved.empty()) {
        sys::or_throw(sys::write_sysctl(sysctl, h.saved));
    }
    // Unlink while holding the lock; lock_holder_file makes late openers retry.
    if (::unlink(holder_file.c_str()) != 0 && errno != ENOENT) {
        throw sys::SysError(errno, "unlink", holder_file);
    }
}

}  // namespace sandbox::exec::host
