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
# Not yet in this run: the `vm` label (tests/vm: the root suite on a real cgroup-v2 kernel
# and a rootless suite, under qemu). It takes about 10 minutes here and its rootless half fails
# on a known bug (rootless `locked`: the mapped root cannot open the state dir in a 0700
# $XDG_RUNTIME_DIR). Run it with: ctest --preset ci -L vm
ctest --preset ci -j"$(nproc)" --timeout 300 -LE vm "$@"

if ! configure_log=$(cmake --preset release 2>&1); then
    printf '%s\n' "$configure_log" >&2
    echo "test.sh: cmake --preset release failed (its output is above)" >&2
    exit 1
fi
cmake --build --preset release -j"$(nproc)"
ctest --preset release -j"$(nproc)" --timeout 300
