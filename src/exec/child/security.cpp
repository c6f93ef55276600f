// Scaffold, replaced by the security issue (libcap + libseccomp).
#include "exec/child/security.hpp"

#include <spdlog/spdlog.h>
#include <sys/prctl.h>

#include "sys/error.hpp"

namespace sandbox::exec::child {

void apply_capabilities(const plan::CapsPlan&) {}

void apply_seccomp(const plan::CapsPlan& caps, const plan::SeccompPlan&) {
    if (caps.no_new_privileges && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        throw sys::SysError(errno, "prctl(PR_SET_NO_NEW_PRIVS)");
    }
}

}  // namespace sandbox::exec::child
