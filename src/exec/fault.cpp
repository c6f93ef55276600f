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

// Read once, at the first step: the launcher's host steps come before the child exists, and
// the child's spawn step runs before its init clears the environment, so the workload (which
// runs in the init's memory, exec/child/init.cpp) always finds them read. Copies, not pointers
// into `environ`, whose strings that clearing zeroes.
struct Settings {
    Delay delay;
    std::string fail_at;
};

const Settings& settings() {
    static const Settings s = [] {
        const char* fail_at = std::getenv("SANDBOX_FAIL_AT");
        return Settings{parse_delay(std::getenv("SANDBOX_DELAY_AT")),
                        fail_at != nullptr ? fail_at : ""};
    }();
    return s;
}

}  // namespace
#endif

void maybe_delay_at([[maybe_unused]] std::string_view point) {
#ifdef SANDBOX_FAULT_INJECTION
    // SANDBOX_DELAY_AT=<point>[:<ms>]: sleep here, so a test can signal the launcher while a
    // given step is in progress, or widen a window between two processes. The line on stderr
    // tells the test the point was reached (it may be the child's: host and sandbox steps share
    // the launcher's stderr).
    const Delay& delay = settings().delay;
    if (!delay.step.empty() && point == delay.step) {
        std::string line = "sandbox: fault injection: delaying " + delay.step + " by " +
                           std::to_string(delay.ms) + " ms\n";
        (void)!::write(STDERR_FILENO, line.data(), line.size());
        usleep(delay.ms * 1000);
    }
#endif
}

void maybe_inject_fault([[maybe_unused]] plan::StepId step) {
#ifdef SANDBOX_FAULT_INJECTION
    maybe_delay_at(plan::to_string(step));
    const std::string& fail_at = settings().fail_at;
    if (!fail_at.empty() && plan::to_string(step) == fail_at) {
        throw sys::SysError(EIO, "injected fault");
    }
#endif
}

}  // namespace sandbox::exec
