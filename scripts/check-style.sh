#!/usr/bin/env bash
# House rules CI enforces: clang-format clean, and the layering (profile/ and plan/ never include
# sys/ or exec/; sys/ never includes profile/ or plan/).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0

files=$(git ls-files '*.cpp' '*.hpp' '*.c' '*.h' 2>/dev/null || find src tests bench -name '*.[ch]pp')
if ! clang-format --dry-run -Werror $files 2>/tmp/sandbox-format.log; then
    echo "check-style: clang-format differences (run: clang-format -i FILES):" >&2
    grep 'error:' /tmp/sandbox-format.log | head -20 >&2
    status=1
fi

if grep -rnE '#include "(sys|exec)/' src/profile src/plan; then
    echo "check-style: src/profile and src/plan must not include sys/ or exec/ headers" >&2
    status=1
fi
# Host facts are probed once, in exec/ (HostFacts, LoadOptions::kernel_release): profile/ and
# plan/ do not ask the kernel what it is.
if grep -rnE 'sys/utsname\.h|[^_a-z.>]uname\(' src/profile src/plan; then
    echo "check-style: src/profile and src/plan must not call uname() (probe in exec/)" >&2
    status=1
fi
if grep -rnE '#include "(profile|plan)/' src/sys; then
    echo "check-style: src/sys must not include profile/ or plan/ headers" >&2
    status=1
fi
exit $status
