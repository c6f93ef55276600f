#!/bin/sh
# Issue 11's figures (root only, never a ctest test; all traffic stays on this machine):
#   1. one hyperfine run, side by side: `sandbox up` of a /bin/true profile with
#      network.mode = "none", "veth" (addresses from the pool), and veth + nat + one port;
#   2. 50 concurrent starts of one unnamed veth + nat profile (unique names, pool addresses):
#      p50 / p95 of each run's start-up (the report's steps up to and including exec) and the
#      total wall time of the batch.
#
#   bench/many.sh [BUILD_DIR]      RUNS=50 (hyperfine runs), N=50 (concurrent starts)
set -eu
build=$(cd "${1:-build}" && pwd)
runs=${RUNS:-50}
n=${N:-50}
bin=${SANDBOX_BIN:-$build/sandbox}
rootfs=${SANDBOX_TEST_ROOTFS:-$build/rootfs}
[ "$(id -u)" = 0 ] || { echo "many.sh: needs root" >&2; exit 77; }
[ -x "$bin" ] || { echo "many.sh: no sandbox binary at $bin" >&2; exit 1; }
[ -x "$rootfs/bin/busybox" ] || { echo "many.sh: build the rootfs: ninja -C $build test_rootfs" >&2; exit 1; }
command -v hyperfine >/dev/null || { echo "many.sh: needs hyperfine" >&2; exit 1; }

work=$(mktemp -d /tmp/sandbox-manybench-XXXXXX)
# The state root on tmpfs, as the default /run/sandbox is on most hosts (STATE_ROOT overrides;
# on a disk file system every run's state.json writes and lease files add I/O waits).
state=${STATE_ROOT:-}
if [ -z "$state" ]; then
    state=$(mktemp -d /dev/shm/sandbox-manybench-XXXXXX 2>/dev/null || echo "$work/state")
fi
trap 'rm -rf "$work" "$state"' EXIT
export SANDBOX_STATE_ROOT="$state" SANDBOX_ADDRESS_POOL=10.209.64.0/18

profile() { # MODE [nat]
    printf 'version = 1\n[rootfs]\npath = "%s"\n[process]\nargs = ["/bin/true"]\n[network]\nmode = "%s"\n' \
        "$rootfs" "$1"
    if [ "${2:-}" = nat ]; then
        printf '[network.veth]\nnat = true\n[[network.ports]]\nhost = 18093\nsandbox = 80\n'
    fi
}
profile none >"$work/none.toml"
profile veth >"$work/veth.toml"
profile veth nat >"$work/nat.toml"

hyperfine -N --warmup 3 --runs "$runs" --export-markdown "$work/hf.md" \
    --export-json "$work/hf.json" \
    -n none "$bin -q up $work/none.toml" \
    -n veth "$bin -q up $work/veth.toml" \
    -n veth+nat+port "$bin -q up $work/nat.toml" >/dev/null
cat "$work/hf.md"
# The targets are differences of a few ms on a machine whose noise is larger than that: the
# medians and minimums, and their differences from `none`, say more than the means.
python3 - "$work/hf.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
base = results["none"]
for name, r in results.items():
    med, lo = r["median"] * 1000, r["min"] * 1000
    print(f"{name:14} median {med:6.1f} ms (+{med - base['median'] * 1000:5.1f})  "
          f"min {lo:6.1f} ms (+{lo - base['min'] * 1000:5.1f})")
PY
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# 50 at once: each writes its report; start-up = the steps before supervise.
t0=$(date +%s%N)
i=0
pids=
while [ "$i" -lt "$n" ]; do
    "$bin" -q up "$work/nat.toml" --report "$work/r$i.json" >/dev/null 2>"$work/e$i.txt" &
    pids="$pids $!"
    i=$((i + 1))
done
fail=0
for pid in $pids; do wait "$pid" || fail=$((fail + 1)); done
t1=$(date +%s%N)
python3 - "$work" "$n" "$fail" "$(( (t1 - t0) / 1000000 ))" <<'PY'
import json, sys, os
work, n, fail, wall = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
starts = []
for i in range(n):
    p = os.path.join(work, f"r{i}.json")
    if not os.path.exists(p):
        continue
    r = json.load(open(p))
    ms = 0.0
    for s in r["steps"]:
        if s["step"] in ("supervise", "cleanup"):
            continue
        ms += s["ms"]
    starts.append(ms)
starts.sort()
q = lambda f: starts[min(len(starts) - 1, int(round(f * (len(starts) - 1))))] if starts else float("nan")
print(f"{n} concurrent starts: {len(starts)} reports, {fail} failed; start-up p50 {q(0.5):.1f} ms, "
      f"p95 {q(0.95):.1f} ms; total wall {wall} ms")
PY
