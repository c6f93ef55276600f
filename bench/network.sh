#!/bin/sh
# Per-run cost of network.mode = "veth" (NAT + one port forward) over mode = "none", measured
# through `sandbox up --report` (median of RUNS runs, each step's duration from the report),
# side by side with the same setup and teardown done by an iproute2 + nft shell sequence.
# Root only; all traffic stays on this machine (nothing is sent at all). Never a ctest test.
#
#   bench/network.sh [BUILD_DIR]        RUNS=30 by default
set -eu
build=$(cd "${1:-build}" && pwd)  # absolute: the profile is written elsewhere
runs=${RUNS:-30}
bin=${SANDBOX_BIN:-$build/sandbox}
rootfs=${SANDBOX_TEST_ROOTFS:-$build/rootfs}
[ "$(id -u)" = 0 ] || { echo "network.sh: needs root" >&2; exit 77; }
[ -x "$bin" ] || { echo "network.sh: no sandbox binary at $bin" >&2; exit 1; }
[ -x "$rootfs/bin/busybox" ] || { echo "network.sh: build the rootfs: ninja -C $build test_rootfs" >&2; exit 1; }

work=$(mktemp -d /tmp/sandbox-netbench-XXXXXX)
trap 'rm -rf "$work"' EXIT

profile() { # NAME MODE
    cat <<TOML
version = 1
name = "$1"
[rootfs]
path = "$rootfs"
[process]
args = ["/bin/true"]
[network]
mode = "$2"
TOML
    if [ "$2" = veth ]; then
        cat <<TOML
[network.veth]
host_name = "sbb-$1"
address = "10.209.1.2/24"
host_address = "10.209.1.1/24"
nat = true
[[network.ports]]
host = 18090
sandbox = 80
TOML
    fi
}
profile nb-none none >"$work/none.toml"
profile nb-veth veth >"$work/veth.toml"

median() { sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "nan"; exit} m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "%.3f\n", m}'; }

# One value per run: wall_ms, network_host ms, sandbox_setup ms, cleanup ms. network_sandbox
# runs in the child and is reported inside sandbox_setup, so its cost is that step's
# difference between the veth and the none runs.
measure_up() { # PROFILE OUT
    : >"$2"
    i=0
    while [ "$i" -lt "$runs" ]; do
        "$bin" -q up "$1" --report "$work/report.json" >/dev/null
        python3 - "$work/report.json" >>"$2" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
steps = {s["step"]: s["ms"] for s in r["steps"]}
print(r["wall_ms"], steps.get("network_host", 0), steps.get("sandbox_setup", 0),
      steps.get("cleanup", 0))
PY
        i=$((i + 1))
        # Let the kernel finish the previous run's async netns teardown (it holds rtnl for
        # ~20 ms and the next run's same-named veth waits for it): SETTLE=0 measures back to back.
        sleep "${SETTLE:-0.2}"
    done
}
"$bin" -q up "$work/none.toml" >/dev/null; "$bin" -q up "$work/veth.toml" >/dev/null  # warm-up
measure_up "$work/none.toml" "$work/none.txt"
measure_up "$work/veth.toml" "$work/veth.txt"

col() { awk -v c="$2" '{print $c}' "$1" | median; }
none_wall=$(col "$work/none.txt" 1)
veth_wall=$(col "$work/veth.txt" 1)
veth_host=$(col "$work/veth.txt" 2)
veth_sb=$(col "$work/veth.txt" 3)
veth_clean=$(col "$work/veth.txt" 4)
none_clean=$(col "$work/none.txt" 4)
none_sb=$(col "$work/none.txt" 3)

# The same setup by hand: iproute2 moves the peer into the netns afterwards, then configures
# it from outside; nft loads the same table. A sleeping `unshare -n` stands in for the child.
cat >"$work/table.nft" <<'NFT'
table inet sandbox-nb-shell {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        ip saddr 10.209.2.2 oifname != "sbb-shell" masquerade
    }
    chain prerouting {
        type nat hook prerouting priority dstnat; policy accept;
        meta nfproto ipv4 fib daddr type local tcp dport 18091 dnat ip to 10.209.2.2:80
    }
    chain output {
        type nat hook output priority -100; policy accept;
        meta nfproto ipv4 fib daddr type local tcp dport 18091 dnat ip to 10.209.2.2:80
    }
    chain forward {
        type filter hook forward priority filter; policy accept;
        iifname "sbb-shell" accept
        oifname "sbb-shell" accept
    }
}
NFT
now_us() { echo $(( $(date +%s%N) / 1000 )); }
: >"$work/shell.txt"
i=0
while [ "$i" -lt "$runs" ]; do
    unshare -n sleep 60 &
    holder=$!
    sleep 0.05
    t0=$(now_us)
    ip link add sbb-shell type veth peer name sbb-shellp
    ip link set sbb-shellp netns "$holder"
    ip addr add 10.209.2.1/24 dev sbb-shell
    ip link set sbb-shell up
    nsenter -t "$holder" -n ip link set lo up
    nsenter -t "$holder" -n ip link set sbb-shellp name eth0
    nsenter -t "$holder" -n ip addr add 10.209.2.2/24 dev eth0
    nsenter -t "$holder" -n ip link set eth0 up
    nsenter -t "$holder" -n ip route add default via 10.209.2.1
    nft -f "$work/table.nft"
    t1=$(now_us)
    nft delete table inet sandbox-nb-shell
    ip link del sbb-shell
    t2=$(now_us)
    kill "$holder"; wait "$holder" 2>/dev/null || true
    echo "$(( t1 - t0 )) $(( t2 - t1 ))" >>"$work/shell.txt"
    i=$((i + 1))
done
shell_setup=$(awk '{print $1/1000}' "$work/shell.txt" | median)
shell_teardown=$(awk '{print $2/1000}' "$work/shell.txt" | median)

cat <<REPORT
runs: $runs (medians, ms)
sandbox up, mode=none:                  wall $none_wall   sandbox_setup $none_sb   cleanup $none_clean
sandbox up, mode=veth + nat + 1 port:   wall $veth_wall   network_host $veth_host   sandbox_setup $veth_sb   cleanup $veth_clean
  per-run cost over none (wall):        $(echo "$veth_wall $none_wall" | awk '{printf "%.3f", $1-$2}')
  setup cost (network_host + sandbox_setup difference): $(echo "$veth_host $veth_sb $none_sb" | awk '{printf "%.3f", $1+$2-$3}')
  cleanup cost over none:               $(echo "$veth_clean $none_clean" | awk '{printf "%.3f", $1-$2}')
iproute2 + nft shell sequence:          setup $shell_setup   teardown $shell_teardown
  setup speed-up (shell / sandbox setup cost): $(echo "$shell_setup $veth_host $veth_sb $none_sb" | awk '{printf "%.1fx", $1/($2+$3-$4)}')
REPORT
