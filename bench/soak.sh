#!/usr/bin/env bash
# 1000 sequential `sandbox up` runs: first-100 vs last-100 median latency, leaks (cgroup dirs,
# state dirs, mounts), launcher peak RSS. Usage: bench/soak.sh [BUILD_DIR] [RUNS]   (root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
runs=${2:-1000}
work=$(mktemp -d /tmp/sandbox-soak-XXXXXX)
trap 'rm -rf "$work"' EXIT
"$here/../tests/fixtures/make-busybox-rootfs.sh" "$work/rootfs"
export SANDBOX_STATE_ROOT=$work/state
mounts_before=$(wc -l </proc/self/mountinfo)
: > "$work/times"
peak=0
for i in $(seq 1 "$runs"); do
    t0=$(date +%s%N)
    /usr/bin/time -f %M -o "$work/rss" "$build/sandbox" up "$here/full.toml" --set "rootfs.path=$work/rootfs" >/dev/null
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 1000 )) >> "$work/times"
    rss=$(cat "$work/rss"); [ "$rss" -gt "$peak" ] && peak=$rss
done
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
first=$(head -100 "$work/times" | median)
last=$(tail -100 "$work/times" | median)
leaks=$(( $(wc -l </proc/self/mountinfo) - mounts_before ))
cg=$(ls -d /sys/fs/cgroup/*/sandbox/bench-full 2>/dev/null | wc -l)
st=$(ls "$work/state" 2>/dev/null | wc -l)
echo "runs $runs  first-100 median ${first} us  last-100 median ${last} us"
echo "leaks: mounts $leaks  cgroup dirs $cg  state dirs $st  launcher peak RSS ${peak} KiB"
