#pragma once
// What a seccomp rule does to a matching call, and how it compares an argument. The profile's
// words for them (profile/enum_names.hpp), the plan and the filter compiler's input
// (sys/seccomp.hpp) are these same two enums, so no layer converts them into another's copy.
namespace sandbox {

enum class SeccompAction { allow, errno_, kill_process, kill_thread, trap, log };
enum class SeccompArgOp { eq, ne, lt, le, gt, ge, masked_eq };

}  // namespace sandbox
