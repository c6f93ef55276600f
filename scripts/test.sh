#!/usr/bin/env bash
# The README's test command: installs dependencies, builds once (preset `ci`: Debug, -Werror),
# runs the house checks and every test (unit + root integration) in parallel; then builds every
# target of the `release` preset (Release, _FORTIFY_SOURCE, -Werror, no fault injection: what
# the package ships) in build/release and runs the tests that apply to it (unit and the .deb
# test; its root tests would repeat the ci ones, and it has no fault injection to drive them).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/check-style.sh

# Quiet when it works; CMake's own words when it does not (a missing package, an old cmake).
if ! configure_log=$(cmake --preset ci 2>&1); then
    printf '%s\n' "$configure_log" >&2
    echo "test.sh: cmake --preset ci failed (its output is above)" >&2
    exit 1
fi
cmake --build --preset ci -j"$(nproc)"
ctest --preset ci -j"$(nproc)" --timeout 300 -LE vm "$@"
# Then the `vm` label on its own (tests/vm): Debian's cgroup-v2 kernel under qemu runs the root
# suite (in two halves, one VM each) as root and a rootless suite as an unprivileged user in a
# delegated subtree. Apart, because its three VMs run side by side and want every core.
ctest --preset ci -L vm -j3 --output-on-failure "$@"

if ! configure_log=$(cmake --preset release 2>&1); then
    printf '%s\n' "$configure_log" >&2
    echo "test.sh: cmake --preset release failed (its output is above)" >&2
    exit 1
fi
cmake --build --preset release -j"$(nproc)"
ctest --preset release -j"$(nproc)" --timeout 300
