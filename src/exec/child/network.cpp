// Scaffold for the sandbox half; the networking issue moves it onto libnl-route-3.
#include "exec/child/network.hpp"

#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstring>

#include "sys/error.hpp"
#include "sys/fd.hpp"

namespace sandbox::exec::child {

void setup_sandbox_network(const plan::NetSandboxPlan& plan) {
    if (!plan.loopback_up) {
        return;
    }
    sys::UniqueFd sock(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!sock) {
        throw sys::SysError(errno, "socket(AF_INET)");
    }
    ifreq req{};
    std::strncpy(req.ifr_name, "lo", IFNAMSIZ - 1);
    if (ioctl(sock.get(), SIOCGIFFLAGS, &req) != 0) {
        throw sys::SysError(errno, "SIOCGIFFLAGS", "lo");
    }
    req.ifr_flags = static_cast<short>(req.ifr_flags | IFF_UP);
    if (ioctl(sock.get(), SIOCSIFFLAGS, &req) != 0) {
        throw sys::SysError(errno, "SIOCSIFFLAGS", "lo");
    }
}

}  // namespace sandbox::exec::child
