#!/bin/sh
# Start-to-exit latency of /bin/true in a private root, side by side in ONE hyperfine run:
#   floor    bench/floor.c: clone(pid mnt uts ipc net cgroup) + pivot_root + /proc + exec
#   bwrap    bubblewrap with the same namespaces over the same rootfs
#   crun     the OCI bundle `sandbox export --oci bench/full.toml` writes
#   sandbox  `sandbox up bench/full.toml` (+ memory cgroup limit, default seccomp preset)
#   sandbox-noseccomp   the same with --set seccomp.preset=none
# then (unless REPORT_RUNS=0) the median duration of every pipeline step over REPORT_RUNS
# `sandbox up --report` runs. Root only. Never a ctest test.
#
#   bench/run.sh [BUILD_DIR]      BUILD_DIR defaults to build-rel (RelWithDebInfo)
#   env: RUNS=200 WARMUP=20 ROUNDS=100 (round-robin check, 0 = skip) REPORT_RUNS=50
#        OUT=DIR (keep the JSON there)
#
# crun 1.8 refuses this cgroup-v1 hybrid host ("cgroups in hybrid mode not supported"), so the
# whole hyperfine run happens inside a private mount namespace (unshare -m) whose
# /sys/fs/cgroup is a fresh tmpfs holding only binds of the v1 hierarchies (docs/architecture.md §8). Every
# command runs in that namespace, so none is favoured; cgroup membership is not per mount ns.
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$here/build-rel}
bin=${SANDBOX_BIN:-$build/sandbox}
runs=${RUNS:-200}
warmup=${WARMUP:-20}
report_runs=${REPORT_RUNS:-50}
rounds=${ROUNDS:-100}
root=/tmp/sandbox-bench-rootfs # must match rootfs.path in bench/full.toml
profile=$here/bench/full.toml

[ "$(id -u)" = 0 ] || { echo "run.sh: needs root" >&2; exit 77; }
[ -x "$bin" ] || { echo "run.sh: no sandbox binary at $bin (see docs/performance.md)" >&2; exit 1; }
for tool in cc hyperfine bwrap crun python3 unshare; do
    command -v $tool >/dev/null || { echo "run.sh: $tool not found" >&2; exit 1; }
done

work=$(mktemp -d /tmp/sandbox-bench-XXXXXX)
out=${OUT:-$work}
mkdir -p "$out"
trap 'rm -rf "$work"' EXIT

"$here/tests/fixtures/make-busybox-rootfs.sh" "$root"
cc -O2 -Wall -Wextra -o "$work/floor" "$here/bench/floor.c"

# The OCI bundle, fixed up for crun: the rootfs path, a terminal-less process, no hooks, and
# bind sources that exist (the export binds /etc/hosts from sandbox's state dir, which exists
# only while `sandbox up` runs: crun gets an equivalent file of its own).
"$bin" export --oci "$profile" -o "$work/bundle" 2>/dev/null >/dev/null
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

echo "== sandbox $("$bin" --version 2>/dev/null || true) | $(bwrap --version) | $(crun --version | head -1) | $(hyperfine --version)"
echo "== $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), kernel $(uname -r)"

# The hyperfine run, inside the private mount namespace crun needs.
export bin root profile work out runs warmup rounds
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
hyperfine -N --warmup "$warmup" --runs "$runs" --export-json "$out/startup.json" \
    -n floor "$work/floor $root" \
    -n bwrap "bwrap --unshare-pid --unshare-ipc --unshare-uts --unshare-net --unshare-cgroup --bind $root / --proc /proc --dev /dev /bin/true" \
    -n crun "crun run --bundle $work/bundle sandbox-bench-crun" \
    -n sandbox "$bin up $profile" \
    -n sandbox-noseccomp "$bin up --set seccomp.preset=none $profile"
# The same commands round robin (one run of each per round), so a change in machine load hits
# all of them alike; hyperfine runs each command's runs back to back. posix_spawn + waitpid
# from python adds the same small constant to every command.
[ "$rounds" -gt 0 ] || exit 0
python3 - "$out/interleaved.json" "$rounds" \
    floor "$work/floor $root" \
    bwrap "bwrap --unshare-pid --unshare-ipc --unshare-uts --unshare-net --unshare-cgroup --bind $root / --proc /proc --dev /dev /bin/true" \
    crun "crun run --bundle $work/bundle sandbox-bench-crun" \
    sandbox "$bin up $profile" \
    sandbox-noseccomp "$bin up --set seccomp.preset=none $profile" <<'PY'
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

ratios() { # JSON TITLE
python3 - "$1" "$2" <<'PY'
import json, statistics, sys
res = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
med = {k: statistics.median(r["times"]) * 1000 for k, r in res.items()}
print("\n%s\n%-18s %9s %9s %9s %9s %8s %8s %8s" % (sys.argv[2], "command", "median", "min", "stddev", "user+sys", "/floor", "/bwrap", "/crun"))
for k, r in res.items():
    t = [x * 1000 for x in r["times"]]
    cpu = "%7.2fms" % ((r["user"] + r["system"]) * 1000) if "user" in r else "%9s" % "-"
    print("%-18s %7.2fms %7.2fms %7.2fms %s %7.2fx %7.2fx %7.2fx" % (
        k, med[k], min(t), statistics.stdev(t) if len(t) > 1 else 0.0, cpu, med[k] / med["floor"], med[k] / med["bwrap"], med[k] / med["crun"]))
s = med["sandbox"]
for base, target in (("floor", 1.3), ("bwrap", 1.0), ("crun", 0.5)):
    ratio = s / med[base]
    print("target sandbox <= %.1fx %-5s: %.2fx  %s" % (target, base, ratio, "met" if ratio <= target else "MISSED"))
PY
}
ratios "$out/startup.json" "hyperfine -N, $runs runs after $warmup warm-up (user+sys: hyperfine's mean)"
[ "$rounds" -eq 0 ] || ratios "$out/interleaved.json" "round robin, $rounds rounds after 5 warm-up"
echo "== load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

[ "$report_runs" -gt 0 ] || exit 0
# Where sandbox's own time goes: per-step durations from --report, median over report_runs.
for i in $(seq "$report_runs"); do
    "$bin" up --report "$work/r$i.json" "$profile"
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
print("\nper-step medians over %d `sandbox up --report` runs (report wall_ms median %.3f ms)" % (n, wall))
rows = sorted(((statistics.median(v), k, len(v)) for k, v in steps.items()), reverse=True)
for m, k, c in rows:
    print("  %-28s %8.3f ms  %5.1f%%%s" % (k, m, 100 * m / wall if wall else 0, "" if c == n else "  (in %d runs)" % c))
print("  %-28s %8.3f ms" % ("sum of step medians", sum(m for m, _, _ in rows)))
PY
# What the report cannot see: exec + dynamic linking + static initialisers before main()
# starts its clock (`sandbox --version` does nothing else), against the floor's exec.
printf "\nprocess start-up outside the report: %s shared objects\n" "$(ldd "$bin" | wc -l)"
hyperfine -N --warmup 10 --runs 100 --export-json "$work/ver.json" --style none \
    -n "sandbox --version" "$bin --version" -n "floor (whole run)" "$work/floor $root" >/dev/null 2>&1
python3 - "$work/ver.json" <<'PY'
import json, statistics, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("  %-20s median %.3f ms, user+sys %.3f ms" % (r["command"], statistics.median(r["times"]) * 1000, (r["user"] + r["system"]) * 1000))
PY
