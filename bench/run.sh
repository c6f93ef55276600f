#!/usr/bin/env bash
# Start-to-exit latency of `sandbox up` against the floor, bubblewrap and crun, from ONE
# hyperfine run (medians and ratios). Usage: bench/run.sh [BUILD_DIR]   (root)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-$here/../build}
work=$(mktemp -d /tmp/sandbox-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
"$here/../tests/fixtures/make-busybox-rootfs.sh" "$rootfs"
cc -O2 -o "$work/floor" "$here/floor.c"
export SANDBOX_STATE_ROOT=$work/state

# crun: an OCI bundle over the same rootfs; on this hybrid host crun needs a private mount ns
# whose /sys/fs/cgroup is a tmpfs holding only binds of the v1 hierarchies (DESIGN §8).
mkdir -p "$work/bundle"
(cd "$work/bundle" && crun spec >/dev/null && ln -s "$rootfs" rootfs)
python3 - "$work/bundle/config.json" <<'PY'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["process"]["terminal"] = False; c["process"]["args"] = ["/bin/true"]
c["root"] = {"path": "rootfs", "readonly": False}
json.dump(c, open(p, "w"))
PY
cat > "$work/crun.sh" <<SH
#!/bin/sh
mount -t tmpfs cg /sys/fs/cgroup
for h in memory pids cpu cpuacct; do mkdir -p /sys/fs/cgroup/\$h; mount --bind /proc/1/root/sys/fs/cgroup/\$h /sys/fs/cgroup/\$h 2>/dev/null || true; done
exec crun run --bundle "$work/bundle" bench-\$\$
SH
chmod +x "$work/crun.sh"

# CRUN=0 leaves crun out (its bundle set-up on a hybrid host is the fragile part).
crun_args=(-n crun "unshare -m --propagation private $work/crun.sh")
[ "${CRUN:-1}" = 0 ] && crun_args=()
hyperfine -N --warmup 20 --export-json "$work/out.json" \
    -n floor "$work/floor $rootfs" \
    -n bwrap "bwrap --unshare-pid --unshare-net --unshare-uts --unshare-ipc --unshare-cgroup --bind $rootfs / --proc /proc --dev /dev /bin/true" \
    "${crun_args[@]}" \
    -n sandbox "$build/sandbox up $here/full.toml --set rootfs.path=$rootfs"
python3 - "$work/out.json" <<'PY'
import json, sys
r = {x["command"]: x["median"] * 1000 for x in json.load(open(sys.argv[1]))["results"]}
f = r["floor"]
for k, v in r.items():
    print(f"{k:8s} median {v:7.2f} ms  {v / f:5.2f}x floor")
s = r["sandbox"]
print(f"sandbox/bwrap {s / r['bwrap']:.2f}" + (f"  sandbox/crun {s / r['crun']:.2f}" if "crun" in r else ""))
PY
