#!/bin/sh
# Validation cost: 100 profiles (copies of examples/* and profiles/*, round robin) checked in
# ONE `sandbox validate P1 ... P100` call, and in 100 calls of one profile each (the per-process
# start-up of the CLI dominates there); the launcher's peak RSS for both from /usr/bin/time -v.
# Needs no privilege; touches nothing outside a temp dir. Never a ctest test.
#
#   bench/validate.sh [BUILD_DIR]      BUILD_DIR defaults to build/release (cmake --preset release); env RUNS=20
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}
bin=${SANDBOX_BIN:-$build/sandbox}
runs=${RUNS:-20}
[ -x "$bin" ] || { echo "validate.sh: no sandbox binary at $bin" >&2; exit 1; }
work=$(mktemp -d /tmp/sandbox-validate-XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$here" # `extends = "locked"` resolves through ./profiles
# validate looks at rootfs.path (read-only): the examples' ${env:SANDBOX_ROOTFS:-...} must exist.
mkdir "$work/rootfs"
export SANDBOX_ROOTFS="${SANDBOX_ROOTFS:-$work/rootfs}"

set -- examples/*.toml examples/*.yaml profiles/*.toml profiles/*.yaml
sources=$#
mkdir "$work/p"
i=0
while [ "$i" -lt 100 ]; do
    for f in "$@"; do
        [ "$i" -lt 100 ] || break
        b=${f##*/}
        cp "$f" "$work/p/$(printf %03d "$i")-$b"
        i=$((i + 1))
    done
done
files=$(ls "$work"/p/* | tr '\n' ' ')
"$bin" validate $files >/dev/null || { echo "validate.sh: the copies do not validate" >&2; exit 1; }
{
    echo '#!/bin/sh'
    for f in $files; do echo "\"$bin\" validate $f >/dev/null || exit 1"; done
} >"$work/each.sh"

echo "== 100 profiles from $sources sources, load average $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 3 --runs "$runs" --export-json "$work/v.json" --style basic \
    -n "1 call x 100 profiles" "$bin validate $files" \
    -n "100 calls x 1 profile" "sh $work/each.sh" \
    -n "1 call x 1 profile" "$bin validate $work/p/000-$(basename "$1")" >/dev/null
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'; }
rss_all=$(rss "$bin" validate $files)
rss_one=$(rss "$bin" validate "$work/p/000-$(basename "$1")")
python3 - "$work/v.json" "$rss_all" "$rss_one" <<'PY'
import json, statistics, sys
for r in json.load(open(sys.argv[1]))["results"]:
    m = statistics.median(r["times"]) * 1000
    per = m / 100 if "100" in r["command"] else m
    print("%-24s median %8.2f ms  (%.3f ms per profile)" % (r["command"], m, per))
print("peak RSS: 1 call x 100 profiles %s KiB, 1 call x 1 profile %s KiB" % (sys.argv[2], sys.argv[3]))
PY
