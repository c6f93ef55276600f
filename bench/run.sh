#!/bin/sh
# Issue 10's start-up table, from ONE hyperfine run (-N, medians), with the targets and
# PASS/MISS per row. Every command runs /bin/true (busybox, static) in a private root over the
# same rootfs:
#   floor        bench/floor.c: clone(pid mnt uts ipc net cgroup) + pivot_root + /proc + exec
#   bwrap        bwrap --unshare-all --bind ROOT / --proc /proc --dev /dev
#   crun         the OCI bundle `sandbox export --oci bench/full.toml` writes
#   full         `sandbox up bench/full.toml`: six namespaces, memory + pids limits, default
#                seccomp, no capabilities, the default masks
#   bwrap-equiv  `sandbox up bench/bwrap.toml`: the same namespaces, no limits, no seccomp,
#                no masks (what bwrap does)
#   version      `sandbox --version`: process start-up and exit alone
# then cold starts (hyperfine --prepare "sleep IDLE" before every run: the caches the previous
# run warmed have time to go cold), the launcher's peak RSS (GNU time's %M, ru_maxrss), and
# unless REPORT_RUNS=0 the median of every pipeline step over REPORT_RUNS `sandbox up --report`
# runs. Root only. Not a timed test: tests/bench/run_sh_smoke.sh only
# checks that the table comes out whole.
#
#   bench/run.sh [BUILD_DIR]      BUILD_DIR defaults to build/release (`cmake --preset release`)
#   env: RUNS=100 WARMUP=10 COLD_RUNS=10 IDLE=0.4 RSS_RUNS=20 REPORT_RUNS=30
#        ROUNDS=0 (>0: the same six commands round robin as a cross-check)
#        OUT=DIR (keep the JSON there)  SANDBOX_BIN=path (instead of BUILD_DIR/sandbox)
#
# crun 1.8 refuses this cgroup-v1 hybrid host ("cgroups in hybrid mode not supported"), so the
# timed runs happen inside a private mount namespace (unshare -m) whose /sys/fs/cgroup is a
# fresh tmpfs holding only binds of the v1 hierarchies (docs/architecture.md §8). Every command
# runs in that namespace, so none is favoured; cgroup membership is not per mount namespace.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build/release}
bin=${SANDBOX_BIN:-$build/sandbox}
runs=${RUNS:-100}
warmup=${WARMUP:-10}
cold_runs=${COLD_RUNS:-10}
idle=${IDLE:-0.4}
rss_runs=${RSS_RUNS:-20}
report_runs=${REPORT_RUNS:-30}
rounds=${ROUNDS:-0}
root=/tmp/sandbox-bench-rootfs # must match rootfs.path in bench/full.toml and bench/bwrap.toml
full=$here/bench/full.toml
equiv=$here/bench/bwrap.toml

[ "$(id -u)" = 0 ] || { echo "run.sh: needs root" >&2; exit 77; }
[ -x "$bin" ] || { echo "run.sh: no sandbox binary at $bin (see docs/performance.md)" >&2; exit 1; }
for tool in cc hyperfine bwrap crun python3 unshare /usr/bin/time; do
    command -v $tool >/dev/null || { echo "run.sh: $tool not found" >&2; exit 77; }
done

work=$(mktemp -d /tmp/sandbox-bench-XXXXXX)
out=${OUT:-$work}
mkdir -p "$out"
# On every way out, also a failed run: the empty `sandbox` parent cgroups crun leaves in each
# v1 hierarchy (blkio, cpu, cpuset, devices, freezer, the named systemd one ...) after it has
# removed its container's (cgroupsPath /sandbox/bench-full); sandbox prunes its own. rmdir
# fails, harmlessly, on a parent a running sandbox still uses.
prune_crun_parents() {
    for d in /sys/fs/cgroup/*/sandbox /sys/fs/cgroup/sandbox; do
        [ -d "$d" ] && rmdir "$d" 2>/dev/null || true
    done
}
trap 'prune_crun_parents; rm -rf "$work"' EXIT

"$here/tests/fixtures/make-busybox-rootfs.sh" "$root" >/dev/null
cc -O2 -Wall -Wextra -o "$work/floor" "$here/bench/floor.c"

# The OCI bundle, fixed up for crun: the rootfs path, a terminal-less process, no hooks, and
# bind sources that exist (the export binds /etc/hosts from sandbox's state dir, which exists
# only while `sandbox up` runs: crun gets an equivalent file of its own).
"$bin" export --oci "$full" -o "$work/bundle" >/dev/null 2>&1
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$work/hosts"
python3 - "$work/bundle/config.json" "$root" "$work/hosts" <<'PY'
import json, sys
path, root, hosts = sys.argv[1:4]
c = json.load(open(path))
c.setdefault("root", {})["path"] = root
c["process"]["terminal"] = False
c.pop("hooks", None)
for m in c.get("mounts", []):
    if m.get("source", "").startswith("/run/sandbox/"):
        m["source"] = hosts
json.dump(c, open(path, "w"), indent=2)
PY

# Every binary timed is loaded as an installed one is: its pages dropped from the page cache
# (written back first), so the next exec reads it from the disk. Straight after a build the
# same sandbox binary started 0.4-0.5 ms slower (of ~6 ms) from the pages the linker left
# than after this; a cp of it did not (most likely the page cache's folio sizes, which decide
# how much of the file each start-up page fault maps; docs/performance.md).
python3 - "$bin" "$(command -v bwrap)" "$(command -v crun)" "$work/floor" <<'PY'
import os, sys
for path in sys.argv[1:]:
    fd = os.open(os.path.realpath(path), os.O_RDONLY)
    os.fsync(fd)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
PY

echo "== sandbox $("$bin" --version 2>/dev/null || true) | $(bwrap --version) | $(crun --version | head -1) | $(hyperfine --version)"
echo "== $(nproc) CPUs, kernel $(uname -r), shared objects mapped by sandbox: $(ldd "$bin" | wc -l)"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# The runs, inside the private mount namespace crun needs. Names are the rows of the table.
export bin root full equiv work out runs warmup cold_runs idle rounds
unshare -m sh -eu <<'SH'
mount --make-rprivate /
mkdir -p "$work/cg"
mount --rbind /sys/fs/cgroup "$work/cg"
mount -t tmpfs -o mode=755 cgroup_root /sys/fs/cgroup
for d in "$work"/cg/*; do
    n=${d##*/}
    [ "$n" = unified ] && continue
    mkdir "/sys/fs/cgroup/$n"
    mount --bind "$d" "/sys/fs/cgroup/$n"
done
umount -l "$work/cg"
floor="$work/floor $root"
bwrap="bwrap --unshare-all --bind $root / --proc /proc --dev /dev /bin/true"
crun="crun run --bundle $work/bundle sandbox-bench-crun"
hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$out/startup.json" --style basic \
    -n floor "$floor" -n bwrap "$bwrap" -n crun "$crun" \
    -n full "$bin up $full" -n bwrap-equiv "$bin up $equiv" -n version "$bin --version" >&2
# Cold: IDLE seconds of sleep before every run, no warm-up.
hyperfine -N --runs "$cold_runs" --prepare "sleep $idle" --export-json "$out/cold.json" --style basic \
    -n floor "$floor" -n bwrap "$bwrap" -n crun "$crun" -n full "$bin up $full" >&2
[ "$rounds" -gt 0 ] || exit 0
# The same commands round robin (one run of each per round), so a change in machine load hits
# all of them alike; hyperfine runs each command's runs back to back. posix_spawn + waitpid
# from python adds the same small constant to every command.
python3 - "$out/interleaved.json" "$rounds" \
    floor "$floor" bwrap "$bwrap" crun "$crun" full "$bin up $full" bwrap-equiv "$bin up $equiv" \
    version "$bin --version" <<'PY'
import json, os, sys, time
out, rounds, rest = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
cmds = list(zip(rest[0::2], [c.split() for c in rest[1::2]]))
devnull = os.open(os.devnull, os.O_RDWR)
times = {n: [] for n, _ in cmds}
for r in range(rounds + 5):
    for n, argv in cmds:
        t0 = time.perf_counter_ns()
        pid = os.posix_spawnp(argv[0], argv, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, devnull, 0), (os.POSIX_SPAWN_DUP2, devnull, 1), (os.POSIX_SPAWN_DUP2, devnull, 2)])
        _, st = os.waitpid(pid, 0)
        dt = (time.perf_counter_ns() - t0) / 1e9
        if st != 0:
            sys.exit("run.sh: %s failed (wait status %d)" % (n, st))
        if r >= 5:  # the first 5 rounds warm up
            times[n].append(dt)
json.dump({"results": [{"command": n, "times": times[n]} for n, _ in cmds]}, open(out, "w"))
PY
SH
prune_crun_parents  # now, before the RSS and report runs; the trap again at the end
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# Peak RSS of the launcher: ru_maxrss of `sandbox up bench/full.toml` as GNU time reports it
# (KiB). Not from python: ru_maxrss keeps the high-water mark of the memory a child had before
# it called exec, and a child of python starts with python's.
: >"$out/rss.txt"
for i in $(seq "$rss_runs"); do
    /usr/bin/time -a -o "$out/rss.txt" -f %M "$bin" up "$full" >/dev/null
done
python3 -c 'import json, sys; json.dump({"maxrss_kib": [int(l) for l in open(sys.argv[1]) if l.strip()]}, open(sys.argv[2], "w"))' \
    "$out/rss.txt" "$out/rss.json"

echo
echo "load average: $load_before before, $load_after after the timed runs"
python3 "$here/bench/table.py" "$out" "$runs" "$cold_runs" "$idle"

[ "$report_runs" -gt 0 ] || exit 0
# Where sandbox's own time goes: per-step durations from --report, median over report_runs.
for i in $(seq "$report_runs"); do
    "$bin" up --report "$work/r$i.json" "$full"
done
python3 - "$work" "$report_runs" <<'PY'
import json, statistics, sys
work, n = sys.argv[1], int(sys.argv[2])
steps, walls = {}, []
for i in range(1, n + 1):
    r = json.load(open("%s/r%d.json" % (work, i)))
    walls.append(r["wall_ms"])
    for s in r["steps"]:
        steps.setdefault(s["step"], []).append(s["ms"])
wall = statistics.median(walls)
print("\nper-step medians over %d `sandbox up --report bench/full.toml` runs (report wall_ms median %.3f ms)" % (n, wall))
rows = sorted(((statistics.median(v), k, len(v)) for k, v in steps.items()), reverse=True)
for m, k, c in rows:
    print("  %-28s %8.3f ms  %5.1f%%%s" % (k, m, 100 * m / wall if wall else 0, "" if c == n else "  (in %d runs)" % c))
print("  %-28s %8.3f ms" % ("sum of step medians", sum(m for m, _, _ in rows)))
PY
