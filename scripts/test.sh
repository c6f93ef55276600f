#!/usr/bin/env bash
# The README's test command: installs dependencies, builds once (preset `ci`: Debug, -Werror),
# runs the house checks and every test (unit + root integration) in parallel.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/check-style.sh

cmake --preset ci >/dev/null
cmake --build --preset ci -j"$(nproc)"
ctest --preset ci -j"$(nproc)" --timeout 300 "$@"
