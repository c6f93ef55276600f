#!/bin/sh
# Boots Debian's own kernel (cgroup v2) under qemu TCG with the host's / as a read-only 9p root
# and runs one suite inside: run-vm.sh MODE SOURCE_DIR BUILD_DIR [OUT_DIR],
# MODE = root | rootless | shell; OUT_DIR (default BUILD_DIR/tests/vm) gets the initramfs and
# the console logs.
# The guest's console comes back on stdout; the exit status is the suite's, read from the
# "SANDBOX-VM-EXIT: N" line the guest prints. No sentinel (the VM did not boot, or hung) is a
# failure that prints the console's tail. 77 = skipped (no qemu or kernel, and CI is not true).
set -u
mode=$1
src=$(cd "$2" && pwd)
build=$(cd "$3" && pwd)
here="$src/tests/vm"
timeout_s=${SANDBOX_VM_TIMEOUT:-1200}

skip() {
    if [ "${CI:-}" = true ]; then
        echo "run-vm: cannot run in CI: $1 (scripts/install-deps.sh installs it)" >&2
        exit 1
    fi
    echo "SKIP: $1"
    exit 77
}

command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
[ -n "$kernel" ] || skip "no kernel in /boot (package linux-image-amd64)"
kver=${kernel#/boot/vmlinuz-}
[ -d "/lib/modules/$kver" ] || skip "no modules for $kver in /lib/modules"
[ -r "$kernel" ] || skip "$kernel is not readable"

outdir=${4:-$build/tests/vm}
mkdir -p "$outdir"
# SANDBOX_VM_SHARD=K/N (root mode): this VM runs every Nth root test from the Kth (ctest -I).
shard=${SANDBOX_VM_SHARD:-}
initrd="$outdir/initramfs-$kver.cpio.gz"
# Several VMs start at once (ctest -j): the first builds the shared inputs, the others wait.
exec 9>"$outdir/.inputs.lock"
flock 9
if [ ! -s "$initrd" ] || [ "$here/init-stage1" -nt "$initrd" ] || [ "$here/make-initramfs.sh" -nt "$initrd" ]; then
    "$here/make-initramfs.sh" "$kver" "$initrd" || { echo "run-vm: building the initramfs failed" >&2; exit 1; }
fi

# The guest has no network: the Debian rootfs the archive tests use is built here, on the host,
# once per build dir (as the host's own root suite does), and read through the 9p root.
if [ "$mode" = root ] && [ ! -s "$build/debian-bookworm.tar" ]; then
    "$src/tests/fixtures/make-debian-rootfs.sh" "$build/debian-bookworm.tar" 9>&- \
        || echo "run-vm: building the Debian rootfs failed; its test will fail in the VM" >&2
fi
exec 9>&-

log="$outdir/console-$mode${shard:+-$(echo "$shard" | sed "s,/,of,")}.log"
start=$(date +%s)
# -nic none: the guest has no network device at all (it makes its own veths and bridges).
# -accel tcg: /dev/kvm may exist on a VM host, but nested guests hang there. thread=multi:
# one host thread per vCPU (MTTCG), so both vCPUs run at once.
timeout -k 10 "$timeout_s" qemu-system-x86_64 -accel tcg,thread=multi -m 2048 -smp 2 -nic none \
    -kernel "$kernel" -initrd "$initrd" \
    -append "console=ttyS0 quiet panic=-1 sandbox_vm_stage2=$here/guest.sh sandbox_vm_mode=$mode sandbox_vm_build=$build sandbox_vm_ctest_args=${SANDBOX_VM_CTEST_ARGS:-} sandbox_vm_shard=$shard " \
    -nographic -no-reboot -monitor none \
    -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
    </dev/null >"$log" 2>&1
qemu_status=$?
elapsed=$(( $(date +%s) - start ))
# The console speaks CRLF; strip the CRs so the log reads like the suite's own output.
tr -d '\r' < "$log" > "$log.txt" && mv "$log.txt" "$log"

status=$(sed -n 's/^SANDBOX-VM-EXIT: \([0-9]*\).*/\1/p' "$log" | tail -n 1)
if [ -z "$status" ]; then
    echo "run-vm: the VM printed no exit status (qemu exit $qemu_status after ${elapsed}s; 124 = timed out after ${timeout_s}s). Console tail:"
    tail -n 60 "$log"
    exit 1
fi
cat "$log"
echo "run-vm: mode $mode${shard:+ (shard $shard)}, kernel $kver, status $status, ${elapsed}s (boot to exit)"
exit "$status"
