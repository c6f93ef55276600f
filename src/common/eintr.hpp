#pragma once
// One EINTR retry for every layer: a system call interrupted by a signal handler is made again,
// any other result (success, or a failure with another errno) is returned as is, with errno
// left as the call set it.
#include <cerrno>
#include <utility>

namespace sandbox {

template <class Call>
auto retry_eintr(Call&& call) {
    for (;;) {
        auto result = call();
        if (!(result < 0 && errno == EINTR)) {
            return result;
        }
    }
}

}  // namespace sandbox
