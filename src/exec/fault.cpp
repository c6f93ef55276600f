#include "exec/fault.hpp"

#include <unistd.h>

#include <cstdlib>
#include <string>

#include "sys/error.hpp"

namespace sandbox::exec {

#ifdef SANDBOX_FAULT_INJECTION
namespace {

// "<step>" or "<step>:<ms>" (default 2000 ms): the step and the delay SANDBOX_DELAY_AT asks for.
struct Delay {
    std::string step;
    unsigned ms = 2000;
};

Delay parse_delay(const char* spec) {
    Delay d;
    if (spec == nullptr) {
        return d;
    }
    std::string s(spec);
    size_t colon = s.find(':');
    d.step = s.substr(0, colon);
    if (colon != std::string::npos) {
        d.ms = static_cast<unsigned>(std::strtoul(s.c_str() + colon + 1, nullptr, 10));
    }
    return d;
}

}  // namespace
#endif

void maybe_inject_fault([[maybe_unused]] plan::StepId step) {
#ifdef SANDBOX_FAULT_INJECTION
    // SANDBOX_DELAY_AT=<step>[:<ms>]: sleep there first, so a test can signal the launcher
    // while a given step is in progress. The line on stderr tells the test the step was
    // reached (it may be the child's: host and sandbox steps share the launcher's stderr).
    static const Delay delay = parse_delay(std::getenv("SANDBOX_DELAY_AT"));
    if (!delay.step.empty() && plan::to_string(step) == delay.step) {
        std::string line = "sandbox: fault injection: delaying " + delay.step + " by " +
                           std::to_string(delay.ms) + " ms\n";
        (void)!::write(STDERR_FILENO, line.data(), line.size());
        usleep(delay.ms * 1000);
    }
    static const char* fail_at = std::getenv("SANDBOX_FAIL_AT");
    if (fail_at != nullptr && plan::to_string(step) == fail_at) {
        throw sys::SysError(EIO, "injected fault");
    }
#endif
}

}  // namespace sandbox::exec
