// Scaffold, replaced by the networking issue (libnl-route-3 + libnftables).
#include "exec/host/network.hpp"

#include "sys/error.hpp"

namespace sandbox::exec::host {

void setup_host_network(const plan::NetHostPlan& plan, pid_t, Rollback&) {
    if (plan.mode == profile::NetworkMode::veth) {
        throw sys::SysError(ENOSYS, "create veth", plan.host_name, {},
                            "network.mode = \"veth\" is not implemented yet");
    }
}

}  // namespace sandbox::exec::host

namespace sandbox::exec::host {

// Placeholders until the networking issue lands: nothing can have been created yet, because
// setup_host_network above refuses veth, so there is nothing to delete.
sys::Status delete_link(const std::string&) { return {}; }
sys::Status delete_nft_table(const std::string&) { return {}; }

}  // namespace sandbox::exec::host
