#!/bin/sh
# Builds the loader's libFuzzer target with clang in build-fuzz/ and runs it for N seconds
# (default 60) over a seed corpus made from examples/, profiles/, tests/profiles/ and
# tests/fuzz/regressions/ (inputs that once failed).
#   scripts/fuzz.sh [SECONDS] [extra libFuzzer flags...]
# Findings (crash-*, timeout-*, oom-*) land in build-fuzz/findings/.
set -eu
cd "$(dirname "$0")/.."
seconds="${1:-60}"
[ $# -gt 0 ] && shift
build=build-fuzz

CC=clang CXX=clang++ cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DSANDBOX_FUZZ=ON -DSANDBOX_WERROR=OFF >/dev/null
ninja -C "$build" fuzz_profile_reader

# Seeds: each profile prefixed with its mode byte (0 = TOML, 1 = YAML), plus a few overrides.
seeds="$build/seeds"
corpus="$build/corpus"
findings="$build/findings"
mkdir -p "$seeds" "$corpus" "$findings"
n=0
for f in $(find examples profiles tests/profiles -type f \( -name '*.toml' -o -name '*.yaml' -o -name '*.yml' \) 2>/dev/null); do
    n=$((n + 1))
    case "$f" in
        *.toml) printf '\000' ;;
        *) printf '\001' ;;
    esac >"$seeds/seed-$n"
    head -c 65536 "$f" >>"$seeds/seed-$n"
done
cp tests/fuzz/regressions/* "$seeds/"  # past findings, kept as seeds
printf '\002mounts[0].readonly=true' >"$seeds/set-1"
printf '\002process.env."A.B"=[1, {x = "y"}]' >"$seeds/set-2"
printf '\003./data:/data:ro' >"$seeds/vol-1"
printf '\003${env:HOME:-x}$${' >"$seeds/interp-1"
echo "fuzz: $(ls "$seeds" | wc -l) seeds, ${seconds}s"

ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}" "$build/tests/fuzz/fuzz_profile_reader" \
    -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=5 \
    -artifact_prefix="$findings/" -print_final_stats=1 "$@" "$corpus" "$seeds"
