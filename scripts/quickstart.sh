#!/usr/bin/env bash
# README command (1): install dependencies, build the release preset, and run the main job:
# `sandbox up examples/hello.toml` (host-binds rootfs: needs nothing downloaded).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -j"$(nproc)" --target sandbox
exec ./build/release/sandbox up examples/hello.toml "$@"
