#include "plan/network_files.hpp"

#include <string>

namespace sandbox::plan {

namespace {

std::string address_part(const std::string& cidr) {
    return cidr.substr(0, cidr.find('/'));
}

}  // namespace

std::string resolv_conf_path(const StatePlan& state) {
    return state.dir + "/resolv.conf";
}
std::string hosts_path(const StatePlan& state) {
    return state.dir + "/hosts";
}

std::vector<NetworkFile> make_network_files(const profile::Profile& profile,
                                            const StatePlan& state) {
    const profile::Network& net = profile.network;
    std::vector<NetworkFile> files;
    if (!net.dns.empty()) {
        std::string content = "# written by sandbox from network.dns\n";
        for (const std::string& server : net.dns) {
            content += "nameserver " + server + "\n";
        }
        files.push_back({resolv_conf_path(state), std::move(content)});
    }
    if (net.mode == profile::NetworkMode::veth || !net.hosts.empty()) {
        const std::string hostname = profile.uts.hostname.value_or(profile.name);
        std::string content = "# written by sandbox\n127.0.0.1\tlocalhost\n";
        content += "::1\tlocalhost ip6-localhost ip6-loopback\n";
        if (net.mode == profile::NetworkMode::veth && !hostname.empty()) {
            if (net.veth.address) {
                content += address_part(*net.veth.address) + "\t" + hostname + "\n";
            }
            if (net.veth.address6) {
                content += address_part(*net.veth.address6) + "\t" + hostname + "\n";
            }
        }
        for (const auto& [name, address] : net.hosts) {
            content += address + "\t" + name + "\n";
        }
        files.push_back({hosts_path(state), std::move(content)});
    }
    return files;
}

}  // namespace sandbox::plan
