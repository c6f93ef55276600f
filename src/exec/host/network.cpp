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
