// Step 9, identity. After release (the launcher wrote the id maps, so sethostname's
// CAP_SYS_ADMIN check in a new user namespace passes), before mounts.
#include "exec/child/identity.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include "sys/error.hpp"

namespace sandbox::exec::child {

void set_identity(const plan::IdentityPlan& plan) {
    if (plan.hostname && sethostname(plan.hostname->data(), plan.hostname->size()) != 0) {
        throw sys::SysError(errno, "sethostname", *plan.hostname);
    }
    if (plan.domainname && setdomainname(plan.domainname->data(), plan.domainname->size()) != 0) {
        throw sys::SysError(errno, "setdomainname", *plan.domainname);
    }
}

}  // namespace sandbox::exec::child
