#pragma once
// The profile checker's internals (profile/check.cpp: the checker, the top-level, process,
// rootfs and mounts rules; profile/check_sections.cpp: namespaces, id maps, network, limits,
// seccomp, capabilities, security). check() and check_host_paths() in decode.hpp are the API.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "profile/diagnostics.hpp"
#include "profile/origins.hpp"
#include "profile/profile.hpp"

namespace sandbox::profile::check_detail {

struct Cidr {
    int family = AF_INET;
    std::array<unsigned char, 16> bytes{};
    int prefix = 0;
};

std::string quoted(const std::string& s);

std::string index_path(const std::string& base, size_t i);

// Lexically normalised absolute path, or nullopt when ".." climbs above "/".
std::optional<std::string> normalise(const std::string& path);

bool is_absolute(const std::string& path);

// A network interface name the kernel accepts (dev_valid_name): 1..15 bytes, not "." or "..",
// no '/', ':' or whitespace.
std::string interface_name_problem(const std::string& name);

// RFC 1123 host name, at most 64 bytes (HOST_NAME_MAX).
std::string hostname_problem(const std::string& name);

std::optional<Cidr> parse_address(const std::string& text, bool with_prefix);

bool same_address(const Cidr& a, const Cidr& b);

// Whether `b`'s address lies in `a`'s subnet.
bool in_subnet(const Cidr& net, const Cidr& b);

bool is_join(const NamespaceSetting& ns);

std::string_view action_name(SeccompAction a);

std::string_view mount_type_name(MountType t);

// Why a bind of this host path gives the sandbox the host, or "" when it does not. Compared
// after lexical normalisation; /var/run is listed as well as /run because a profile names the
// path, and the link /var/run -> /run is resolved only at mount time.
std::string host_handing_source(const std::string& source);

class Checker {
public:
    Checker(const Profile& profile, const Origins& origins, Diagnostics& diagnostics)
        : m_profile(profile), m_origins(origins), m_diagnostics(diagnostics) {
        for (const Diagnostic& d : diagnostics.items()) {
            m_decode_errors.push_back(d.key_path);
        }
    }

    void run();

    // Read-only looks at the host (stat, realpath), for `validate` and `up`: what decode and
    // the rules above cannot know from the text alone.
    void host_paths();

private:
    bool written(const std::string& path) const { return m_origins.count(path) != 0; }

    // The location of `path`, or of the nearest enclosing key that was written.
    SourceLocation at(std::string path) const;

    // Whether `a` is `b` or one contains the other ("mounts[0]" and "mounts[0].type").
    static bool related(const std::string& a, const std::string& b);

    void error(const std::string& path, std::string message, std::string hint = {});

    void absolute_path(const std::string& path, const std::string& value);

    void top_level();

    void process();

    void rootfs();

    void mounts();

    void namespaces();

    // process.user / group / supplementary_groups given as numbers must be mapped by the user
    // namespace's maps, or setresuid()/setresgid() fail at run time (EINVAL); found here, at
    // validate. Names are looked up in the rootfs at exec time and cannot be checked.
    void mapped_identity();

    void id_maps(const std::string& name, const std::vector<IdMapRange>& maps);

    void veth_addresses(const std::optional<std::string>& address,
                        const std::optional<std::string>& host_address,
                        const std::optional<std::string>& gateway, const std::string& suffix);

    void network();

    void limits();

    void seccomp();

    void capabilities();

    void paths(const std::string& key, const std::vector<std::string>& list);

    void security();

    const Profile& m_profile;
    const Origins& m_origins;
    Diagnostics& m_diagnostics;
    std::vector<std::string> m_decode_errors;  // key paths decode already reported
};

}  // namespace sandbox::profile::check_detail
