#pragma once
// Step 9, identity: hostname and domainname. First in the child because it needs nothing but
// the new UTS namespace, and later steps (mounts of /etc/hostname) may rely on it.
#include "plan/plan.hpp"

namespace sandbox::exec::child {

void set_identity(const plan::IdentityPlan& plan);

}  // namespace sandbox::exec::child
