#!/bin/sh
# Soak: SOAK_RUNS (1000) sequential `sandbox up bench/full.toml`, timed one by one by hyperfine
# (-N, no warm-up, so run 1 is the first). Prints the median of the first 100 runs against the
# last 100 (does start-up slow down as the host accumulates state?), counts what the runs left
# behind (cgroup dirs under /sys/fs/cgroup/*/sandbox/, mounts, processes named sandbox:*,
# entries of /run/sandbox: the shared newroot plus any <name>@<kind>) against the counts
# before, and the launcher's peak RSS from /usr/bin/time -v (Debian package `time`) over
# RSS_RUNS runs. Root only. Never a ctest test.
#
#   bench/soak.sh [BUILD_DIR]        BUILD_DIR defaults to build/release (cmake --preset release)
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}
bin=${SANDBOX_BIN:-$build/sandbox}
runs=${SOAK_RUNS:-1000}
rss_runs=${RSS_RUNS:-20}
profile=$here/bench/full.toml
root=/tmp/sandbox-bench-rootfs # must match rootfs.path in bench/full.toml

[ "$(id -u)" = 0 ] || { echo "soak.sh: needs root" >&2; exit 77; }
[ -x "$bin" ] || { echo "soak.sh: no sandbox binary at $bin" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "soak.sh: /usr/bin/time missing (apt-get install time)" >&2; exit 1; }
[ "$runs" -ge 200 ] || { echo "soak.sh: SOAK_RUNS must be >= 200" >&2; exit 1; }
"$here/tests/fixtures/make-busybox-rootfs.sh" "$root"
work=$(mktemp -d /tmp/sandbox-soak-XXXXXX)
trap 'rm -rf "$work"' EXIT

census() {
    cg=$(find /sys/fs/cgroup/*/sandbox -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
    mnt=$(wc -l </proc/self/mountinfo)
    procs=$(ps -eo comm= | grep -c '^sandbox:' || true)
    state=$(find /run/sandbox -mindepth 1 -maxdepth 1 -type d 2>/dev/null | wc -l)
    echo "$cg $mnt $procs $state"
}

before=$(census)
echo "== $runs sequential runs of: $bin up $profile   (load average $(cut -d' ' -f1-3 /proc/loadavg))"
hyperfine -N --warmup 0 --runs "$runs" --export-json "$work/soak.json" --style basic \
    -n sandbox "$bin up $profile" >/dev/null
after=$(census)

for _ in $(seq "$rss_runs"); do
    /usr/bin/time -v "$bin" up "$profile" 2>&1 >/dev/null | sed -n 's/.*Maximum resident set size (kbytes): //p'
done >"$work/rss"

python3 - "$work/soak.json" "$work/rss" "$before" "$after" <<'PY'
import json, statistics, sys
t = [x * 1000 for x in json.load(open(sys.argv[1]))["results"][0]["times"]]
rss = [int(l) for l in open(sys.argv[2]) if l.strip()]
first, last = statistics.median(t[:100]), statistics.median(t[-100:])
print("runs %d: median all %.2f ms, first 100 %.2f ms, last 100 %.2f ms (last/first %.2fx), max %.2f ms"
      % (len(t), statistics.median(t), first, last, last / first, max(t)))
names = ["cgroup dirs /sys/fs/cgroup/*/sandbox/*", "mounts (/proc/self/mountinfo lines)",
         "processes named sandbox:*", "state entries /run/sandbox/*"]
b, a = sys.argv[3].split(), sys.argv[4].split()
for n, x, y in zip(names, b, a):
    print("  %-40s before %4s after %4s  leaked %d" % (n, x, y, int(y) - int(x)))
print("launcher peak RSS (/usr/bin/time -v, %d runs): median %d KiB, max %d KiB"
      % (len(rss), statistics.median(rss), max(rss)))
PY
