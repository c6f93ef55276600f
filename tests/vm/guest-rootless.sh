#!/bin/sh
# The rootless suite, run by an unprivileged user in a delegated cgroup v2 subtree
# (guest-rootless-setup.sh). Each check prints "ok - NAME" or "not ok - NAME" and its evidence;
# the exit status is the number of failed checks (0 = all passed).
set -u
build=$1
phase=${2:-delegated}  # delegated: the shell is in a subtree it owns; undelegated: it is not
src=$(cd "$(dirname "$0")/../.." && pwd)
sb="$build/sandbox"
work=$(mktemp -d)
failed=0

ok() { echo "ok - $1"; }
not_ok() { echo "not ok - $1"; failed=$((failed + 1)); }
# check NAME EXPECTED_STATUS CMD...: runs CMD, output in $work/out, status compared.
check() {
    name=$1 want=$2
    shift 2
    "$@" </dev/null >"$work/out" 2>&1
    got=$?
    if [ "$got" -eq "$want" ]; then ok "$name (exit $got)"; else
        not_ok "$name: exit $got, wanted $want"; sed 's/^/    /' "$work/out"; fi
}
contains() {  # contains NAME FILE TEXT
    if grep -q -- "$3" "$2"; then ok "$1"; else
        not_ok "$1: '$3' not in:"; sed 's/^/    /' "$2"; fi
}
json() {  # json FILE EXPR: prints a field of a report
    python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1" 2>&1
}

echo "rootless: uid $(id -u), cgroup $(cat /proc/self/cgroup), XDG_RUNTIME_DIR=$XDG_RUNTIME_DIR"
own=$(sed -n 's/^0:://p' /proc/self/cgroup)

if [ "$phase" = undelegated ]; then
    # No delegated subtree: [limits] (the default profile has some) are refused with the fix.
    check "undelegated: limits are refused" 125 \
        "$sb" up "$src/profiles/default.toml" --name vm-nodeleg -- /bin/true
    contains "undelegated: the refusal names systemd-run" "$work/out" \
        "systemd-run --user --scope -p Delegate=yes sandbox up"
    # Without limits it runs, and the report says no cgroup was used.
    check "undelegated: no limits runs" 0 \
        "$sb" up "$src/profiles/default.toml" --name vm-nodeleg --unset limits \
        --report "$work/nodeleg.json" -- /bin/sh -c 'echo ran'
    contains "undelegated: output arrives" "$work/out" ran
    cg=$(json "$work/nodeleg.json" 'r["cgroup"]')
    [ "$cg" = None ] && ok "undelegated: the report's cgroup is null" \
        || not_ok "undelegated: the report's cgroup is $cg"
    rm -rf "$work"
    echo "rootless ($phase): $failed check(s) failed"
    exit "$failed"
fi

# 1. The default profile: exit status propagates, output arrives, state under XDG_RUNTIME_DIR.
check "default: exit status propagates" 7 \
    "$sb" up "$src/profiles/default.toml" --name vm-default -- /bin/sh -c 'echo hello-from-inside; exit 7'
contains "default: output arrives" "$work/out" hello-from-inside

# 2. Limits + OOM at 64 MiB in the delegated subtree: 137, the report says "oom".
check "limits: OOM at 64 MiB is 137" 137 \
    "$sb" up "$src/profiles/default.toml" --name vm-oom --set limits.memory=64MiB \
    --set limits.memory_swap=0 --report "$work/oom.json" -- /bin/sh -c 'tail /dev/zero'
how=$(json "$work/oom.json" 'r["ended_how"]')
[ "$how" = oom ] && ok "limits: report ended_how = oom" || not_ok "limits: report ended_how = $how"
kills=$(json "$work/oom.json" 'r["usage"]["oom_kills"]')
[ "${kills:-0}" -ge 1 ] 2>/dev/null && ok "limits: report oom_kills = $kills" \
    || not_ok "limits: report oom_kills = $kills"
peak=$(json "$work/oom.json" 'r["usage"]["peak_memory_bytes"]')
[ "$peak" -le $((65 << 20)) ] 2>/dev/null && [ "$peak" -ge $((32 << 20)) ] \
    && ok "limits: peak memory $peak within the 64 MiB limit" \
    || not_ok "limits: peak memory $peak (wanted 32..65 MiB)"

# 3. The report's usage figures of a run that does some work.
check "usage: a working run exits 0" 0 \
    "$sb" up "$src/profiles/default.toml" --name vm-usage --report "$work/usage.json" \
    -- /bin/sh -c 'head -c 20000000 /dev/urandom | sha256sum >/dev/null'
cpu=$(json "$work/usage.json" 'r["usage"]["cpu_usec"]')
peak=$(json "$work/usage.json" 'r["usage"]["peak_memory_bytes"]')
[ "$cpu" -gt 10000 ] 2>/dev/null && ok "usage: cpu_usec = $cpu" || not_ok "usage: cpu_usec = $cpu"
[ "$peak" -gt 0 ] 2>/dev/null && ok "usage: peak_memory_bytes = $peak" \
    || not_ok "usage: peak_memory_bytes = $peak"

# 4. locked: uid_map = "auto" through newuidmap, a 65536-id map from /etc/subuid.
check "locked: runs rootless" 0 \
    "$sb" up "$src/profiles/locked.toml" --name vm-locked -- /bin/sh -c 'cat /proc/self/uid_map /proc/self/gid_map'
contains "locked: uid_map has 65536 ids from the subordinate range" "$work/out" \
    "0[[:space:]]*100000[[:space:]]*65536"

# 5. Lifecycle: -d, ps, exec, down; nothing left in the delegated subtree afterwards.
check "lifecycle: up -d" 0 "$sb" up "$src/profiles/default.toml" --name vm-life -d -- /bin/sleep 600
check "lifecycle: ps" 0 "$sb" ps
contains "lifecycle: ps lists the sandbox" "$work/out" vm-life
check "lifecycle: exec" 0 "$sb" exec vm-life -- /bin/sh -c 'echo exec-inside $(id -u)'
contains "lifecycle: exec output" "$work/out" "exec-inside 0"
check "lifecycle: down" 0 "$sb" down vm-life
check "lifecycle: ps after down" 0 "$sb" ps
if grep -q vm-life "$work/out"; then not_ok "lifecycle: ps still lists vm-life"; else
    ok "lifecycle: ps no longer lists vm-life"; fi
left=$(find "/sys/fs/cgroup$(dirname "$own")" -mindepth 1 -type d ! -path "*/shell" 2>/dev/null)
[ -z "$left" ] && ok "lifecycle: no cgroup left in the delegated subtree" \
    || not_ok "lifecycle: cgroups left behind: $left"
# What stays is the state root's own: the shared, empty mount point of every sandbox's new root
# (src/plan/state_layout.hpp) and dot files; a sandbox's entries are NAME@KIND.
left=$(ls -A "$XDG_RUNTIME_DIR/sandbox" 2>/dev/null | grep -v '^\.' | grep -vx newroot)
left="$left$(ls -A "$XDG_RUNTIME_DIR/sandbox/newroot" 2>/dev/null)"
[ -z "$left" ] && ok "lifecycle: no state left under XDG_RUNTIME_DIR" \
    || not_ok "lifecycle: state left: $left"

# 6. veth needs CAP_NET_ADMIN in the host's namespace: refused up front, saying why.
check "veth: refused rootless" 125 \
    "$sb" up "$src/profiles/default.toml" --name vm-veth --set network.mode=veth -- /bin/true
contains "veth: the error says it needs root" "$work/out" "needs root\|rootless"

rm -rf "$work"
echo "rootless ($phase): $failed check(s) failed"
exit "$failed"
