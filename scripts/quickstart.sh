#!/usr/bin/env bash
# README command (1): install dependencies, build the release preset, and run the main job:
# `sandbox up examples/hello.toml` (host-binds rootfs: needs nothing downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
# Quiet when it works; CMake's own words when it does not (a missing package, an old cmake).
if ! configure_log=$(cmake --preset release 2>&1); then
    printf '%s\n' "$configure_log" >&2
    echo "quickstart.sh: cmake --preset release failed (its output is above)" >&2
    exit 1
fi
cmake --build --preset release -j"$(nproc)" --target sandbox
exec ./build/release/sandbox up examples/hello.toml "$@"
