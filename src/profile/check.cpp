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

#include "common/units.hpp"
#include "profile/decode.hpp"
#include "profile/enum_names.hpp"

namespace sandbox::profile {

namespace {

std::string quoted(const std::string& s) {
    return "'" + s + "'";
}

std::string index_path(const std::string& base, size_t i) {
    return base + "[" + std::to_string(i) + "]";
}

// Lexically normalised absolute path, or nullopt when ".." climbs above "/".
std::optional<std::string> normalise(const std::string& path) {
    std::vector<std::string> parts;
    size_t i = 0;
    while (i <= path.size()) {
        size_t slash = path.find('/', i);
        if (slash == std::string::npos) {
            slash = path.size();
        }
        std::string part = path.substr(i, slash - i);
        if (part == "..") {
            if (parts.empty()) {
                return std::nullopt;
            }
            parts.pop_back();
        } else if (!part.empty() && part != ".") {
            parts.push_back(part);
        }
        i = slash + 1;
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
    size_t start = 0;
    while (start <= name.size()) {
        size_t dot = name.find('.', start);
        if (dot == std::string::npos) {
            dot = name.size();
        }
        std::string label = name.substr(start, dot - start);
        bool ok = !label.empty() && label.size() <= 63 && label.front() != '-' &&
                  label.back() != '-' &&
                  std::all_of(label.begin(), label.end(),
                              [](unsigned char ch) { return std::isalnum(ch) != 0 || ch == '-'; });
        if (!ok) {
            return "host name " + quoted(name) +
                   " is not valid (letters, digits and '-' in dot-separated labels)";
        }
        start = dot + 1;
    }
    return {};
}

struct Cidr {
    int family = AF_INET;
    std::array<unsigned char, 16> bytes{};
    int prefix = 0;
};

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

class Checker {
public:
    Checker(const Profile& profile, const Origins& origins, Diagnostics& diagnostics)
        : m_profile(profile), m_origins(origins), m_diagnostics(diagnostics) {
        for (const Diagnostic& d : diagnostics.items()) {
            m_decode_errors.push_back(d.key_path);
        }
    }

    void run() {
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

    // Read-only looks at the host (stat, realpath), for `validate` and `up`: what decode and
    // the rules above cannot know from the text alone.
    void host_paths() {
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

private:
    bool written(const std::string& path) const { return m_origins.count(path) != 0; }

    // The location of `path`, or of the nearest enclosing key that was written.
    SourceLocation at(std::string path) const {
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

    // Whether `a` is `b` or one contains the other ("mounts[0]" and "mounts[0].type").
    static bool related(const std::string& a, const std::string& b) {
        const std::string& shorter = a.size() < b.size() ? a : b;
        const std::string& longer = a.size() < b.size() ? b : a;
        if (longer.compare(0, shorter.size(), shorter) != 0) {
            return false;
        }
        return longer.size() == shorter.size() || shorter.empty() ||
               longer[shorter.size()] == '.' || longer[shorter.size()] == '[';
    }

    void error(const std::string& path, std::string message, std::string hint = {}) {
        // A value decode refused was left at its default; a rule about it would only repeat
        // the first error in other words ("no command to run" after "expected an array").
        for (const std::string& refused : m_decode_errors) {
            if (!refused.empty() && related(refused, path)) {
                return;
            }
        }
        m_diagnostics.error(at(path), path, std::move(message), std::move(hint));
    }

    void absolute_path(const std::string& path, const std::string& value) {
        if (!is_absolute(value)) {
            error(path, "expected an absolute path, got " + quoted(value));
        }
    }

    void top_level() {
        if (m_profile.version != 1) {
            error("version", "unsupported profile version " + std::to_string(m_profile.version),
                  "this sandbox reads version 1");
        }
        if (!m_profile.name.empty()) {
            bool ok =
                m_profile.name.size() <= 64 &&
                std::isalnum(static_cast<unsigned char>(m_profile.name.front())) != 0 &&
                std::all_of(m_profile.name.begin(), m_profile.name.end(), [](unsigned char ch) {
                    return std::isalnum(ch) != 0 || ch == '-' || ch == '_' || ch == '.';
                });
            if (!ok) {
                error("name", "invalid sandbox name " + quoted(m_profile.name),
                      "use up to 64 letters, digits, '-', '_' and '.', starting with a letter "
                      "or digit");
            }
        }
    }

    void process() {
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

    void rootfs() {
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

    void mounts() {
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
                                                " is already mounted by mounts[" +
                                                std::to_string(j) + "]");
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
                error(base + ".size", "tmpfs size " + units::format_size(m.size->count) +
                                          " is below one page (4KiB)");
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
                        error(index_path(base + ".options", k), "filesystem option " + quoted(opt) +
                                                                    " is not used by " + type +
                                                                    " mounts");
                    }
                }
            }
        }
    }

    void namespaces() {
        const Namespaces& ns = m_profile.namespaces;
        if (ns.mount.mode == NamespaceSetting::Mode::host) {
            error("namespaces.mount", "the sandbox needs its own mount namespace",
                  "remove namespaces.mount = false");
        }
        if (m_profile.uts.hostname || m_profile.uts.domainname) {
            std::string key = m_profile.uts.hostname ? "uts.hostname" : "uts.domainname";
            if (ns.uts.mode == NamespaceSetting::Mode::host) {
                error(key, "setting the host name needs a new uts namespace",
                      "remove namespaces.uts = false");
            } else if (is_join(ns.uts)) {
                error(key, "cannot set the host name of a joined uts namespace");
            }
        }
        if (m_profile.uts.hostname) {
            if (std::string why = hostname_problem(*m_profile.uts.hostname); !why.empty()) {
                error("uts.hostname", why);
            }
        }
        if (m_profile.uts.domainname) {
            const std::string& d = *m_profile.uts.domainname;
            if (d.empty() || d.size() > 64 || std::any_of(d.begin(), d.end(), [](unsigned char ch) {
                    return std::isspace(ch) || ch == '/';
                })) {
                error("uts.domainname",
                      "domain name " + quoted(d) + " must be 1 to 64 characters without spaces");
            }
        }
        const std::string other_map = m_profile.uid_map_auto ? "gid_map" : "uid_map";
        bool other_refused =
            std::any_of(m_decode_errors.begin(), m_decode_errors.end(),
                        [&](const std::string& refused) { return related(refused, other_map); });
        if (m_profile.uid_map_auto != m_profile.gid_map_auto && !other_refused) {
            error(m_profile.uid_map_auto ? "uid_map" : "gid_map",
                  "uid_map = 'auto' and gid_map = 'auto' go together (one range serves both)",
                  std::string("set ") + (m_profile.uid_map_auto ? "gid_map" : "uid_map") +
                      " = 'auto' as well");
        }
        if (!m_profile.uid_map.empty() || !m_profile.gid_map.empty() || m_profile.uid_map_auto ||
            m_profile.gid_map_auto) {
            std::string key =
                m_profile.uid_map.empty() && !m_profile.uid_map_auto ? "gid_map" : "uid_map";
            if (ns.user && ns.user->mode == NamespaceSetting::Mode::host) {
                error(key, "id maps need a new user namespace",
                      "remove namespaces.user = false, or the maps");
            } else if (ns.user && is_join(*ns.user)) {
                error(key, "cannot write id maps for a joined user namespace");
            }
        }
        const NetworkMode mode = m_profile.network.mode;
        if (mode == NetworkMode::veth) {
            if (ns.net.mode == NamespaceSetting::Mode::host) {
                error("network.mode", "network.mode = 'veth' needs a new net namespace",
                      "remove namespaces.net = false");
            } else if (is_join(ns.net)) {
                error("network.mode", "cannot add a veth pair to a joined net namespace");
            }
        } else if (mode == NetworkMode::none && ns.net.mode == NamespaceSetting::Mode::host) {
            error("namespaces.net", "network.mode = 'none' needs a new net namespace",
                  "use network.mode = 'host' to share the host's network");
        } else if (mode == NetworkMode::host && written("namespaces.net") &&
                   ns.net.mode != NamespaceSetting::Mode::host) {
            error("namespaces.net", "network.mode = 'host' uses the host's net namespace",
                  "remove namespaces.net, or use network.mode = 'veth'");
        }
    }

    // process.user / group / supplementary_groups given as numbers must be mapped by the user
    // namespace's maps, or setresuid()/setresgid() fail at run time (EINVAL); found here, at
    // validate. Names are looked up in the rootfs at exec time and cannot be checked.
    void mapped_identity() {
        const Namespaces& ns = m_profile.namespaces;
        bool user_ns = m_profile.uid_map_auto || m_profile.gid_map_auto ||
                       !m_profile.uid_map.empty() || !m_profile.gid_map.empty() ||
                       (ns.user && ns.user->mode == NamespaceSetting::Mode::create);
        if (!user_ns || (ns.user && ns.user->mode != NamespaceSetting::Mode::create)) {
            return;  // the host's or a joined user namespace: its maps are not ours to know
        }
        auto inside = [](bool is_auto, const std::vector<IdMapRange>& maps) {
            std::vector<IdMapRange> out = maps;
            if (is_auto) {
                out = {IdMapRange{0, 0, 65536}};
            } else if (out.empty()) {
                out = {IdMapRange{0, 0, 1}};  // the default: root inside is the caller
            }
            return out;
        };
        auto describe = [](const std::vector<IdMapRange>& maps) {
            std::string out;
            for (const IdMapRange& r : maps) {
                out += (out.empty() ? "" : ", ") + std::to_string(r.inside) + ".." +
                       std::to_string(uint64_t{r.inside} + r.count - 1);
            }
            return out;
        };
        auto check = [&](const std::string& key, const std::string& id, const char* map_name,
                         const std::vector<IdMapRange>& maps) {
            if (id.empty() || id.size() > 10 ||
                id.find_first_not_of("0123456789") != std::string::npos) {
                return;
            }
            uint64_t value = std::stoull(id);
            bool mapped = std::any_of(maps.begin(), maps.end(), [&](const IdMapRange& r) {
                return value >= r.inside && value - r.inside < r.count;
            });
            if (!mapped) {
                error(key,
                      "id " + id + " is not mapped in the user namespace (" + map_name + " maps " +
                          describe(maps) + " inside)",
                      std::string("map it in ") + map_name + ", or run as a mapped id");
            }
        };
        auto uids = inside(m_profile.uid_map_auto, m_profile.uid_map);
        auto gids = inside(m_profile.gid_map_auto, m_profile.gid_map);
        const Process& pr = m_profile.process;
        if (pr.user) {
            check("process.user", *pr.user, "uid_map", uids);
        }
        if (pr.group) {
            check("process.group", *pr.group, "gid_map", gids);
        }
        for (size_t i = 0; i < pr.supplementary_groups.size(); ++i) {
            check(index_path("process.supplementary_groups", i), pr.supplementary_groups[i],
                  "gid_map", gids);
        }
    }

    void id_maps(const std::string& name, const std::vector<IdMapRange>& maps) {
        constexpr uint64_t k_limit = 1ULL << 32;
        for (size_t i = 0; i < maps.size(); ++i) {
            const IdMapRange& m = maps[i];
            std::string base = index_path(name, i);
            bool overflow = false;
            for (auto [what, start] : {std::pair{"inside", m.inside}, {"outside", m.outside}}) {
                if (uint64_t{start} + m.count > k_limit) {
                    error(base + ".count", std::string(what) + " range " + std::to_string(start) +
                                               " + " + std::to_string(m.count) +
                                               " goes past 4294967295");
                    overflow = true;
                }
            }
            if (overflow) {
                continue;
            }
            for (size_t j = 0; j < i; ++j) {
                const IdMapRange& o = maps[j];
                auto overlaps = [](uint64_t a, uint64_t an, uint64_t b, uint64_t bn) {
                    return a < b + bn && b < a + an;
                };
                if (overlaps(m.inside, m.count, o.inside, o.count)) {
                    error(base + ".inside", "inside range " + std::to_string(m.inside) + ".." +
                                                std::to_string(uint64_t{m.inside} + m.count - 1) +
                                                " overlaps " + index_path(name, j));
                }
                if (overlaps(m.outside, m.count, o.outside, o.count)) {
                    error(base + ".outside", "outside range " + std::to_string(m.outside) + ".." +
                                                 std::to_string(uint64_t{m.outside} + m.count - 1) +
                                                 " overlaps " + index_path(name, j));
                }
            }
        }
    }

    void veth_addresses(const std::optional<std::string>& address,
                        const std::optional<std::string>& host_address,
                        const std::optional<std::string>& gateway, const std::string& suffix) {
        std::string a_key = "network.veth.address" + suffix;
        std::string h_key = "network.veth.host_address" + suffix;
        std::string g_key = "network.veth.gateway" + suffix;
        // "auto": the address pool chooses both ends (docs/networking.md); one end from the
        // pool and the other written out could never share a subnet.
        bool a_auto = address && *address == "auto";
        bool h_auto = host_address && *host_address == "auto";
        if (a_auto != h_auto && address && host_address) {
            error(h_key,
                  "address" + suffix + " and host_address" + suffix +
                      " are either both \"auto\" or both written out",
                  "leave host_address" + suffix + " out, or give both");
        } else if (h_auto && !address) {
            error(h_key, "host_address" + suffix + " = \"auto\" needs address" + suffix +
                             " = \"auto\" (or none)");
        }
        std::optional<Cidr> a = address && !a_auto ? parse_address(*address, true) : std::nullopt;
        std::optional<Cidr> h =
            host_address && !h_auto ? parse_address(*host_address, true) : std::nullopt;
        if (a && h) {
            if (same_address(*a, *h)) {
                error(h_key, "host_address" + suffix + " " + quoted(*host_address) +
                                 " is the sandbox's own address");
            } else if (a->prefix != h->prefix || !in_subnet(*a, *h)) {
                error(h_key,
                      "host_address" + suffix + " " + quoted(*host_address) +
                          " is not in the subnet of address" + suffix + " " + quoted(*address),
                      "both ends of the pair need the same subnet and prefix length");
            }
        }
        if (gateway) {
            std::optional<Cidr> g = parse_address(*gateway, false);
            if (g && a && !in_subnet(*a, *g)) {
                error(g_key, "gateway" + suffix + " " + quoted(*gateway) +
                                 " is not in the subnet of address" + suffix + " " +
                                 quoted(*address));
            } else if (g && a && same_address(*a, *g)) {
                error(g_key, "gateway" + suffix + " " + quoted(*gateway) +
                                 " is the sandbox's own address");
            } else if (!a) {
                error(g_key, "gateway" + suffix + " needs address" + suffix);
            }
        }
    }

    void network() {
        const Network& n = m_profile.network;
        for (const auto& [name, address] : n.hosts) {
            if (std::string why = hostname_problem(name); !why.empty()) {
                error("network.hosts." + name, why);
            }
        }
        if (n.mode != NetworkMode::veth) {
            // The first veth key the user wrote, in file order.
            std::optional<std::pair<SourceLocation, std::string>> first;
            for (const auto& [key, where] : m_origins) {
                if (key.rfind("network.veth", 0) == 0 && (!first || where < first->first)) {
                    first = {where, key};
                }
            }
            if (first) {
                error(first->second, "network.veth is only used with network.mode = 'veth'",
                      "remove the table (on the command line: --unset network.veth)");
            }
            if (!n.ports.empty()) {
                error("network.ports", "port forwarding needs network.mode = 'veth'");
            }
            return;
        }
        const Veth& v = n.veth;
        if (v.host_name) {
            if (std::string why = interface_name_problem(*v.host_name); !why.empty()) {
                error("network.veth.host_name", why);
            }
        }
        if (std::string why = interface_name_problem(v.name); !why.empty()) {
            error("network.veth.name", why);
        }
        if (v.name == "lo") {
            error("network.veth.name", "'lo' is the loopback interface");
        }
        veth_addresses(v.address, v.host_address, v.gateway, "");
        veth_addresses(v.address6, v.host_address6, v.gateway6, "6");
        // With no address of either family written, the address pool gives the pair its IPv4
        // subnet (plan/network_plan.cpp): nat and ports have addresses then. Only a profile
        // that writes a host end but no sandbox address has none.
        const bool pool_v4 =
            !v.address && !v.host_address && !v.gateway && !(v.address6 && *v.address6 != "auto");
        const bool no_sandbox_address = !pool_v4 && !v.address && !v.address6;
        for (size_t i = 0; i < n.ports.size(); ++i) {
            for (size_t j = 0; j < i; ++j) {
                if (n.ports[i].host == n.ports[j].host &&
                    n.ports[i].protocol == n.ports[j].protocol) {
                    error(index_path("network.ports", i) + ".host",
                          "host port " + std::to_string(n.ports[i].host) +
                              " is already forwarded by network.ports[" + std::to_string(j) + "]");
                }
            }
        }
        if (v.nat && no_sandbox_address) {
            error("network.veth.nat", "nat needs an address inside the sandbox",
                  "set network.veth.address, or leave the addresses out (the address pool)");
        }
        if (!n.ports.empty() && no_sandbox_address) {
            error("network.ports", "port forwarding needs network.veth.address",
                  "set it, or leave the addresses out (the address pool)");
        }
    }

    void limits() {
        const Limits& l = m_profile.limits;
        constexpr uint64_t k_min_memory = 1ULL << 20;
        if (l.memory && l.memory->count < k_min_memory) {
            error("limits.memory", "memory limit " + units::format_size(l.memory->count) +
                                       " is below the minimum of 1MiB");
        }
    }

    void seccomp() {
        const Seccomp& s = m_profile.seccomp;
        for (size_t i = 0; i < s.deny.size(); ++i) {
            if (std::find(s.allow.begin(), s.allow.end(), s.deny[i]) != s.allow.end()) {
                error(index_path("seccomp.deny", i),
                      "syscall " + quoted(s.deny[i]) + " is both allowed and denied");
            }
        }
        for (size_t i = 0; i < s.rules.size(); ++i) {
            const SeccompRule& r = s.rules[i];
            std::string base = index_path("seccomp.rules", i);
            if (r.action == SeccompAction::errno_ && !r.errno_value) {
                error(base + ".action", "action 'errno' needs an errno value",
                      "add errno = 1 (EPERM) to the rule");
            } else if (r.action != SeccompAction::errno_ && r.errno_value) {
                error(base + ".errno", "errno is only used with action = 'errno'",
                      "this rule's action is " + quoted(std::string(action_name(r.action))));
            }
            if (r.names.empty()) {
                error(base + ".names", "a rule needs at least one syscall name");
            }
            for (size_t j = 0; j < r.args.size(); ++j) {
                const SeccompArg& a = r.args[j];
                std::string arg = index_path(base + ".args", j);
                if (a.op != ArgOp::masked_eq && written(arg + ".value2")) {
                    error(arg + ".value2", "value2 is only used with op = 'masked_eq'");
                }
                for (size_t k = 0; k < j; ++k) {
                    if (r.args[k].index == a.index) {
                        error(arg + ".index",
                              "argument " + std::to_string(a.index) +
                                  " is already compared by args[" + std::to_string(k) + "]",
                              "libseccomp allows one comparison per argument in a rule");
                    }
                }
            }
        }
    }

    void capabilities() {
        const Capabilities& c = m_profile.capabilities;
        for (size_t i = 0; i < c.ambient.size(); ++i) {
            if (std::find(c.keep.begin(), c.keep.end(), c.ambient[i]) == c.keep.end()) {
                error(index_path("capabilities.ambient", i),
                      quoted(c.ambient[i]) + " is ambient but not in capabilities.keep",
                      "add it to capabilities.keep");
            }
        }
    }

    void paths(const std::string& key, const std::vector<std::string>& list) {
        for (size_t i = 0; i < list.size(); ++i) {
            absolute_path(index_path(key, i), list[i]);
        }
    }

    void security() {
        const Security& s = m_profile.security;
        paths("security.masked_paths", s.masked_paths);
        paths("security.readonly_paths", s.readonly_paths);
        paths("security.landlock.read", s.landlock.read);
        paths("security.landlock.read_write", s.landlock.read_write);
        if (!s.landlock.enabled && (!s.landlock.read.empty() || !s.landlock.read_write.empty())) {
            error(
                s.landlock.read.empty() ? "security.landlock.read_write" : "security.landlock.read",
                "landlock paths have no effect", "set security.landlock.enabled = true");
        }
    }

    const Profile& m_profile;
    const Origins& m_origins;
    Diagnostics& m_diagnostics;
    std::vector<std::string> m_decode_errors;  // key paths decode already reported
};

}  // namespace

void check(const Profile& profile, const Origins& origins, Diagnostics& diagnostics) {
    Checker(profile, origins, diagnostics).run();
}

void check_host_paths(const Profile& profile, const Origins& origins, Diagnostics& diagnostics) {
    Checker(profile, origins, diagnostics).host_paths();
}

}  // namespace sandbox::profile
