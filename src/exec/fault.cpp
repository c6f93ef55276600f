#include "exec/fault.hpp"

#include <cstdlib>

#include "sys/error.hpp"

namespace sandbox::exec {

void maybe_inject_fault([[maybe_unused]] plan::StepId step) {
#ifdef SANDBOX_FAULT_INJECTION
    static const char* fail_at = std::getenv("SANDBOX_FAIL_AT");
    if (fail_at != nullptr && plan::to_string(step) == fail_at) {
        throw sys::SysError(EIO, "injected fault");
    }
#endif
}

}  // namespace sandbox::exec
