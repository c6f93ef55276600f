// check: cross-field rules on a decoded Profile. decode has already refused every value that
// is wrong on its own; what is left here are combinations (a bind without a source, overlapping
// id maps, veth settings without veth networking, ...). Each diagnostic is placed at the value
// it is about through Origins, falling back to the nearest enclosing key that was written.
#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "common/text.hpp"
#include "common/units.hpp"
#include "profile/check_detail.hpp"
#include "profile/decode.hpp"
#include "profile/enum_names.hpp"
#include "profile/names.hpp"

namespace sandbox::profile {

namespace check_detail {

std::string quoted(const std::string& s) {
    return "'" + s + "'";
}

std::string index_path(const std::string& base, size_t i) {
    return base + "[" + std::to_string(i) + "]";
}

// Lexically normalised absolute path, or nullopt when ".." climbs above "/".
std::optional<std::string> normalise(const std::string& path) {
    std::vector<std::string> parts;
    for (const std::string& part : text::split(path, '/')) {
        if (part == "..") {
            if (parts.empty()) {
                return std::nullopt;
            }
            parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
    }
    std::string out;
    for (const std::string& p : parts) {
        out += "/" + p;
    }
    return out.empty() ? "/" : out;
}

bool is_absolute(const std::string& path) {
    return !path.empty() && path.front() == '/';
}

// A network interface name the kernel accepts (dev_valid_name): 1..15 bytes, not "." or "..",
// no '/', ':' or whitespace.
std::string interface_name_problem(const std::string& name) {
    if (name.empty()) {
        return "an interface name must not be empty";
    }
    if (name.size() > 15) {
        return "interface name " + quoted(name) + " is longer than 15 characters";
    }
    if (name == "." || name == "..") {
        return "interface name " + quoted(name) + " is not allowed";
    }
    for (char ch : name) {
        if (ch == '/' || ch == ':' || std::isspace(static_cast<unsigned char>(ch))) {
            return "interface name " + quoted(name) + " must not contain '/', ':' or spaces";
        }
    }
    return {};
}

// RFC 1123 host name, at most 64 bytes (HOST_NAME_MAX).
std::string hostname_problem(const std::string& name) {
    if (name.empty() || name.size() > 64) {
        return "host name " + quoted(name) + " must be 1 to 64 characters long";
    }
    for (const std::string& label : text::split(name, '.')) {
        bool ok = !label.empty() && label.size() <= 63 && label.front() != '-' &&
                  label.back() != '-' &&
                  std::all_of(label.begin(), label.end(),
                              [](unsigned char ch) { return std::isalnum(ch) != 0 || ch == '-'; });
        if (!ok) {
            return "host name " + quoted(name) +
                   " is not valid (letters, digits and '-' in dot-separated labels)";
        }
    }
    return {};
}

std::optional<Cidr> parse_address(const std::string& text, bool with_prefix) {
    Cidr c;
    std::string addr = text;
    if (with_prefix) {
        size_t slash = text.find('/');
        if (slash == std::string::npos) {
            return std::nullopt;
        }
        addr = text.substr(0, slash);
        c.prefix = std::atoi(text.c_str() + slash + 1);
    }
    if (inet_pton(AF_INET, addr.c_str(), c.bytes.data()) == 1) {
        c.family = AF_INET;
        if (!with_prefix) {
            c.prefix = 32;
        }
    } else if (inet_pton(AF_INET6, addr.c_str(), c.bytes.data()) == 1) {
        c.family = AF_INET6;
        if (!with_prefix) {
            c.prefix = 128;
        }
    } else {
        return std::nullopt;
    }
    return c;
}

bool same_address(const Cidr& a, const Cidr& b) {
    return a.family == b.family && a.bytes == b.bytes;
}

// Whether `b`'s address lies in `a`'s subnet.
bool in_subnet(const Cidr& net, const Cidr& b) {
    if (net.family != b.family) {
        return false;
    }
    int bits = net.prefix;
    for (int i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
        unsigned char mask = bits >= 8 ? 0xff : static_cast<unsigned char>(0xff << (8 - bits));
        if ((net.bytes[i] & mask) != (b.bytes[i] & mask)) {
            return false;
        }
    }
    return true;
}

bool is_join(const NamespaceSetting& ns) {
    return ns.mode == NamespaceSetting::Mode::join_sandbox ||
           ns.mode == NamespaceSetting::Mode::join_pid ||
           ns.mode == NamespaceSetting::Mode::join_path;
}

std::string_view action_name(SeccompAction a) {
    return name_of(k_seccomp_action_names, a);
}

std::string_view mount_type_name(MountType t) {
    return name_of(k_mount_type_names, t);
}

// Why a bind of this host path gives the sandbox the host, or "" when it does not. Compared
// after lexical normalisation; /var/run is listed as well as /run because a profile names the
// path, and the link /var/run -> /run is resolved only at mount time.
std::string host_handing_source(const std::string& source) {
    auto norm = normalise(source);
    if (!norm) {
        return {};
    }
    const std::string& p = *norm;
    auto under = [&p](const std::string& dir) {
        return p == dir || (p.size() > dir.size() && p.compare(0, dir.size(), dir) == 0 &&
                            p[dir.size()] == '/');
    };
    if (p == "/") {
        return "gives the sandbox the whole host file system";
    }
    if (under("/proc")) {  // /proc/1/root is the host's root, /proc/sys its kernel settings
        return "gives the sandbox the host's processes and kernel settings";
    }
    if (p == "/sys") {
        return "gives the sandbox the host's kernel and device settings";
    }
    if (p == "/dev") {
        return "gives the sandbox every host device";
    }
    for (const char* socket :
         {"/run/docker.sock", "/var/run/docker.sock", "/run/containerd/containerd.sock",
          "/var/run/containerd/containerd.sock", "/run/podman/podman.sock"}) {
        if (p == socket) {
            return "lets the sandbox start containers as host root";
        }
    }
    return {};
}

void Checker::run() {
    top_level();
    process();
    rootfs();
    mounts();
    namespaces();
    id_maps("uid_map", m_profile.uid_map);
    id_maps("gid_map", m_profile.gid_map);
    mapped_identity();
    network();
    limits();
    seccomp();
    capabilities();
    security();
}

void Checker::host_paths() {
    const Rootfs& r = m_profile.rootfs;
    if (is_join(m_profile.namespaces.mount) || !r.path || !is_absolute(*r.path)) {
        return;
    }
    const std::string& path = *r.path;
    char buf[PATH_MAX];
    std::string resolved = ::realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
    std::string shown = quoted(path);
    if (resolved != path) {
        shown += " (resolves to " + quoted(resolved) + ")";
    }
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            error("rootfs.path", "no such directory " + shown,
                  "rootfs.path is a directory holding the root filesystem; "
                  "tests/fixtures/make-busybox-rootfs.sh DIR builds a small one");
        } else {
            error("rootfs.path", "cannot look at " + shown + ": " + std::strerror(errno));
        }
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (S_ISREG(st.st_mode)) {
            error("rootfs.path", shown + " is a file, not a directory",
                  "for a tar archive use rootfs.archive");
        } else {
            error("rootfs.path", shown + " is not a directory");
        }
    } else if (resolved == "/") {
        error("rootfs.path", shown + " is the host's root directory",
              "use rootfs.host = true: read-only binds of the host's /usr, /bin, /lib and "
              "/etc over an empty root");
    }
}

SourceLocation Checker::at(std::string path) const {
    while (true) {
        auto it = m_origins.find(path);
        if (it != m_origins.end()) {
            return it->second;
        }
        if (path.empty()) {
            return SourceLocation::named("<profile>");
        }
        size_t cut = path.find_last_of(".[");
        path = cut == std::string::npos ? std::string{} : path.substr(0, cut);
    }
}

bool Checker::related(const std::string& a, const std::string& b) {
    const std::string& shorter = a.size() < b.size() ? a : b;
    const std::string& longer = a.size() < b.size() ? b : a;
    if (longer.compare(0, shorter.size(), shorter) != 0) {
        return false;
    }
    return longer.size() == shorter.size() || shorter.empty() || longer[shorter.size()] == '.' ||
           longer[shorter.size()] == '[';
}

void Checker::error(const std::string& path, std::string message, std::string hint) {
    // A value decode refused was left at its default; a rule about it would only repeat
    // the first error in other words ("no command to run" after "expected an array").
    for (const std::string& refused : m_decode_errors) {
        if (!refused.empty() && related(refused, path)) {
            return;
        }
    }
    m_diagnostics.error(at(path), path, std::move(message), std::move(hint));
}

void Checker::absolute_path(const std::string& path, const std::string& value) {
    if (!is_absolute(value)) {
        error(path, "expected an absolute path, got " + quoted(value));
    }
}

void Checker::top_level() {
    if (m_profile.version != 1) {
        error("version", "unsupported profile version " + std::to_string(m_profile.version),
              "this sandbox reads version 1");
    }
    if (!m_profile.name.empty()) {
        if (!names::is_sandbox_name(m_profile.name)) {
            error("name", "invalid sandbox name " + quoted(m_profile.name),
                  "use up to 64 letters, digits, '-', '_' and '.', starting with a letter "
                  "or digit");
        }
    }
}

void Checker::process() {
    const Process& pr = m_profile.process;
    if (pr.args.empty()) {
        error("process.args", "no command to run",
              "set process.args or give the command after '--'");
    } else if (pr.args.front().empty()) {
        error("process.args[0]", "the command must not be empty");
    }
    absolute_path("process.cwd", pr.cwd);
    if (pr.timeout && pr.timeout->count() <= 0) {
        error("process.timeout", "the timeout must be longer than 0s");
    }
    for (const Rlimit& r : pr.rlimits) {
        if (r.hard && (!r.soft || *r.soft > *r.hard)) {
            error("process.rlimits." + r.name,
                  "soft limit " + (r.soft ? std::to_string(*r.soft) : "unlimited") +
                      " is above the hard limit " + std::to_string(*r.hard));
        }
    }
    for (size_t i = 0; i < pr.keep_fds.size(); ++i) {
        for (size_t j = 0; j < i; ++j) {
            if (pr.keep_fds[i] == pr.keep_fds[j]) {
                error(index_path("process.keep_fds", i),
                      "fd " + std::to_string(pr.keep_fds[i]) + " is listed twice");
            }
        }
    }
}

void Checker::rootfs() {
    const Rootfs& r = m_profile.rootfs;
    if (is_join(m_profile.namespaces.mount)) {
        return;  // the joined sandbox's root is used as it is
    }
    std::vector<std::string> set;
    if (r.path) {
        set.push_back("rootfs.path");
    }
    if (r.archive) {
        set.push_back("rootfs.archive");
    }
    if (r.host) {
        set.push_back("rootfs.host");
    }
    if (set.empty()) {
        error("rootfs", "no root filesystem",
              "set one of rootfs.path, rootfs.archive or rootfs.host = true");
    } else if (set.size() > 1) {
        // Point at the one written last, which is usually the one that was added.
        std::string last = set.back();
        for (const std::string& s : set) {
            if (m_origins.count(s) && m_origins.count(last) &&
                m_origins.at(last) < m_origins.at(s)) {
                last = s;
            }
        }
        std::string others;
        for (const std::string& s : set) {
            if (s != last) {
                others += (others.empty() ? "" : " and ") + s;
            }
        }
        error(last, "use only one of rootfs.path, rootfs.archive and rootfs.host",
              others + " is also set" +
                  (r.host ? " (an extended profile may need rootfs.host = false)" : ""));
    }
    if (r.path) {
        absolute_path("rootfs.path", *r.path);
    }
    if (r.archive) {
        absolute_path("rootfs.archive", *r.archive);
    }
    if (r.overlay && r.host && !r.path && !r.archive) {
        error("rootfs.overlay", "overlay needs rootfs.path or rootfs.archive",
              "rootfs.host is read-only binds; a tmpfs mount gives a writable place");
    }
}

void Checker::mounts() {
    if (is_join(m_profile.namespaces.mount) && !m_profile.mounts.empty()) {
        error("mounts", "mounts cannot be added to a joined mount namespace");
    }
    for (size_t i = 0; i < m_profile.mounts.size(); ++i) {
        const Mount& m = m_profile.mounts[i];
        std::string base = index_path("mounts", i);
        std::string type(mount_type_name(m.type));
        // target
        if (!is_absolute(m.target)) {
            error(base + ".target", "expected an absolute path, got " + quoted(m.target));
        } else if (auto norm = normalise(m.target); !norm) {
            error(base + ".target", "target " + quoted(m.target) + " climbs above '/'");
        } else if (*norm != m.target) {
            error(base + ".target", "target " + quoted(m.target) + " is not normalised",
                  "write " + quoted(*norm));
        } else if (m.target == "/") {
            error(base + ".target", "cannot mount over the sandbox root",
                  "use rootfs.path for the root filesystem");
        }
        for (size_t j = 0; j < i; ++j) {
            auto a = normalise(m.target);
            auto b = normalise(m_profile.mounts[j].target);
            if (a && b && *a == *b && is_absolute(m.target)) {
                error(base + ".target", "target " + quoted(m.target) +
                                            " is already mounted by mounts[" + std::to_string(j) +
                                            "]");
                break;
            }
        }
        // source
        if (m.type == MountType::bind) {
            if (m.source.empty()) {
                error(base, "a bind mount needs a source");
            } else if (!is_absolute(m.source)) {
                error(base + ".source", "expected an absolute path, got " + quoted(m.source));
            }
        } else if (!m.source.empty()) {
            error(base + ".source", "source is only used by bind mounts",
                  "remove it (this mount's type is " + quoted(type) + ")");
        }
        if (m.type == MountType::bind && is_absolute(m.source) && !m.unsafe) {
            if (std::string why = host_handing_source(m.source); !why.empty()) {
                error(base + ".source", "binding the host's " + quoted(m.source) + " " + why,
                      "set unsafe = true on this mount if that is really meant");
            }
        }
        if (m.type != MountType::bind) {
            if (m.unsafe) {
                error(base + ".unsafe", "unsafe is only used by bind mounts");
            }
            if (m.follow_symlinks) {
                error(base + ".follow_symlinks", "follow_symlinks is only used by bind mounts");
            }
        }
        if (m.size && m.type != MountType::tmpfs) {
            error(base + ".size", "size is only used by tmpfs mounts");
        }
        if (m.size && m.size->count < 4096) {
            error(base + ".size",
                  "tmpfs size " + units::format_size(m.size->count) + " is below one page (4KiB)");
        }
        if (m.type != MountType::bind) {
            if (m.optional) {
                error(base + ".optional", "optional is only used by bind mounts");
            }
            if (written(base + ".recursive")) {
                error(base + ".recursive", "recursive is only used by bind mounts");
            }
        }
        if (m.type == MountType::bind || m.type == MountType::sysfs) {
            for (size_t k = 0; k < m.options.size(); ++k) {
                const std::string& opt = m.options[k];
                bool data_option = opt.find('=') != std::string::npos || opt == "newinstance";
                if (data_option) {
                    error(
                        index_path(base + ".options", k),
                        "filesystem option " + quoted(opt) + " is not used by " + type + " mounts");
                }
            }
        }
    }
}

}  // namespace check_detail

using check_detail::Checker;

void check(const Profile& profile, const Origins& origins, Diagnostics& diagnostics) {
    Checker(profile, origins, diagnostics).run();
}

void check_host_paths(const Profile& profile, const Origins& origins, Diagnostics& diagnostics) {
    Checker(profile, origins, diagnostics).host_paths();
}

}  // namespace sandbox::profile
