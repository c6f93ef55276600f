#include "exec/fault.hpp"

#include <unistd.h>

#include <cstdlib>

#include "sys/error.hpp"

namespace sandbox::exec {

void maybe_inject_fault([[maybe_unused]] plan::StepId step) {
#ifdef SANDBOX_FAULT_INJECTION
    // SANDBOX_DELAY_AT=<step>: sleep 2 s there first, so a test can signal the launcher while a
    // given step is in progress.
    static const char* delay_at = std::getenv("SANDBOX_DELAY_AT");
    if (delay_at != nullptr && plan::to_string(step) == delay_at) {
        usleep(2000 * 1000);
    }
    static const char* fail_at = std::getenv("SANDBOX_FAIL_AT");
    if (fail_at != nullptr && plan::to_string(step) == fail_at) {
        throw sys::SysError(EIO, "injected fault");
    }
#endif
}

}  // namespace sandbox::exec
