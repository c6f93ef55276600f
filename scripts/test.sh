#!/usr/bin/env bash
# The README's test command: installs dependencies, builds once (preset `ci`: Debug, -Werror),
# runs the house checks and every test (unit + root integration) in parallel.
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
ctest --preset ci -j"$(nproc)" --timeout 300 "$@"
