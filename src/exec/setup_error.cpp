#include "exec/setup_error.hpp"

namespace sandbox::exec {

std::string SetupError::hint() const {
    using plan::StepId;
    int err = m_error.err();
    switch (m_step) {
        case StepId::state:
            if (err == EBUSY) {
                return "stop it with 'sandbox down NAME' or pick another name with --name";
            }
            break;
        case StepId::id_maps:
            if (err == EPERM) {
                return "writing uid_map needs CAP_SETUID, or newuidmap/newgidmap with "
                       "/etc/subuid and /etc/subgid entries";
            }
            break;
        case StepId::mounts:
            if (err == ENOENT && m_error.op() == "bind") {
                return "create the source, or mark the mount optional = true";
            }
            break;
        case StepId::cgroup:
            if (err == EEXIST) {
                return "a sandbox of this name is running or was left behind; try "
                       "'sandbox down NAME'";
            }
            break;
        case StepId::spawn:
            if (err == EPERM || err == ENOSPC) {
                return "check user.max_user_namespaces and the limits on namespaces";
            }
            break;
        default:
            break;
    }
    return {};
}

}  // namespace sandbox::exec
