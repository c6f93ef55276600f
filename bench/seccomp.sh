#!/bin/sh
# Seccomp setup cost, uncached vs cached (docs/architecture.md §2: the filter is compiled once per profile
# and cached as BPF under <cache_root>/seccomp/<key>-<libseccomp version>.bpf).
#
#   bench/seccomp.sh [BUILD_DIR]        (as root; needs `ninja -C BUILD_DIR sandbox test_rootfs`)
#
# 1. The launcher-side step alone (prepare_seccomp), from `sandbox --log-level debug up` debug lines:
#    "filter compiled in N us" (cache cleared before each run) vs "cached filter ... loaded in
#    N us"; medians of RUNS runs.
# 2. End to end with hyperfine (-N, warm-up): `sandbox up` of the default preset with the cache
#    cleared before every run vs a warm cache, and the same profile with preset = "none" as
#    the no-filter floor. Medians are printed; nothing here is a test.
set -eu
build=${1:-build}
bin=$(realpath "$build/sandbox")
rootfs=$(realpath "$build/rootfs")
runs=${RUNS:-20}
tmp=$(mktemp -d /tmp/sandbox-bench-seccomp.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
cache="$tmp/cache"
export SANDBOX_CACHE_ROOT="$cache"

for preset in default strict none; do
    cat > "$tmp/$preset.toml" <<PROFILE
version = 1
name = "bench-seccomp-$preset"
[rootfs]
path = "$rootfs"
[process]
args = ["/bin/true"]
[seccomp]
preset = "$preset"
PROFILE
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

echo "== launcher-side seccomp step (us, median of $runs) =="
for preset in default strict; do
    : > "$tmp/uncached.txt"
    : > "$tmp/cached.txt"
    i=0
    while [ $i -lt "$runs" ]; do
        rm -rf "$cache"
        "$bin" --log-level debug up "$tmp/$preset.toml" 2>&1 >/dev/null |
            sed -n 's/.*seccomp: filter compiled in \([0-9]*\) us.*/\1/p' >> "$tmp/uncached.txt"
        "$bin" --log-level debug up "$tmp/$preset.toml" 2>&1 >/dev/null |
            sed -n 's/.*seccomp: cached filter .* loaded in \([0-9]*\) us.*/\1/p' >> "$tmp/cached.txt"
        i=$((i + 1))
    done
    printf '%-8s compile+export+write: %s us   cached load: %s us\n' "$preset" \
        "$(median < "$tmp/uncached.txt")" "$(median < "$tmp/cached.txt")"
done

if ! command -v hyperfine >/dev/null 2>&1; then
    echo "hyperfine not installed: end-to-end comparison skipped" >&2
    exit 0
fi
echo "== sandbox up, end to end (ms, median) =="
hyperfine -N --warmup 3 --runs "$runs" --export-json "$tmp/uncached.json" \
    --prepare "rm -rf $cache" -n "default, uncached" "$bin up $tmp/default.toml" >/dev/null
hyperfine -N --warmup 3 --runs "$runs" --export-json "$tmp/cached.json" \
    -n "default, cached" "$bin up $tmp/default.toml" \
    -n "preset none (no filter)" "$bin up $tmp/none.toml" >/dev/null
python3 - "$tmp/uncached.json" "$tmp/cached.json" <<'PY'
import json, sys
rows = []
for path in sys.argv[1:]:
    for r in json.load(open(path))["results"]:
        rows.append((r["command"], r["median"] * 1000))
floor = dict(rows).get("preset none (no filter)")
for name, ms in rows:
    extra = f"  (+{ms - floor:.2f} ms over no filter)" if floor and name != "preset none (no filter)" else ""
    print(f"{name:28s} {ms:7.2f} ms{extra}")
PY
