#pragma once
// CPU time of the calling thread, for the "runs in linear time" tests: a bound on wall time
// fails whenever the machine is busy (ctest -j, other builds), a bound on our own CPU time
// does not, and a quadratic algorithm still blows through it.
#include <time.h>

namespace sandbox::test {

template <typename Fn>
double cpu_seconds(Fn&& fn) {
    timespec a{}, b{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a);
    fn();
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &b);
    return static_cast<double>(b.tv_sec - a.tv_sec) +
           static_cast<double>(b.tv_nsec - a.tv_nsec) / 1e9;
}

}  // namespace sandbox::test
