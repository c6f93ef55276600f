#!/bin/sh
# PID 1 of the test VM after switch_root (init-stage1): the host's / read-only under a tmpfs
# overlay, so /etc may be edited freely. Finishes the mounts a booted system would have, runs
# one suite (sandbox_vm_mode= on the kernel command line), prints "SANDBOX-VM-EXIT: STATUS" on
# the serial console for run-vm.sh and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8

arg() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" /proc/cmdline; }
finish() {
    echo "SANDBOX-VM-EXIT: $1"
    sync
    echo o > /proc/sysrq-trigger
    sleep 10
    exit "$1"
}

mode=$(arg sandbox_vm_mode)
build=$(arg sandbox_vm_build)
here=$(dirname "$0")
src=$(cd "$here/../.." && pwd)

# A fresh tmpfs on DIR (/run, /tmp) that keeps the checkout and the build dir reachable when they
# live below DIR (a CI clone in /tmp): their top directory under DIR is bound back from the
# host's view, taken before the tmpfs covers it.
fresh_tmpfs() {  # fresh_tmpfs DIR MODE
    keep=
    for p in "$build" "$src"; do
        case "$p" in "$1"/*) keep="$keep $1/$(echo "${p#"$1"/}" | cut -d/ -f1)" ;; esac
    done
    if [ -n "$keep" ]; then
        mkdir -p /mnt/sandbox-vm-host && mount --bind "$1" /mnt/sandbox-vm-host
    fi
    mount -t tmpfs -o mode="$2" tmpfs "$1"
    for top in $keep; do
        [ -d "$top" ] && continue  # build and checkout share it
        mkdir -p "$top" && mount --bind "/mnt/sandbox-vm-host/${top#"$1"/}" "$top"
    done
    if [ -n "$keep" ]; then umount -l /mnt/sandbox-vm-host; fi
}

mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup || finish 121
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts || finish 121
[ -e /dev/ptmx ] || ln -s pts/ptmx /dev/ptmx
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t mqueue mqueue /dev/mqueue 2>/dev/null
fresh_tmpfs /run 755
fresh_tmpfs /tmp 1777
ln -sfn /proc/self/fd /dev/fd 2>/dev/null
ip link set lo up 2>/dev/null
hostname sandbox-vm
echo "SANDBOX-VM: booted $(uname -r), cgroup controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

case "$mode" in
    root)
        export CI=true
        cd "$build" || finish 122
        # The exec-confinement tests take a file handle (name_to_handle_at) of a file they
        # write into BUILD/tests; overlayfs over 9p has no file handles, tmpfs has. So
        # BUILD/tests becomes a tmpfs whose entries are bind mounts of the real ones.
        mkdir /run/vm-tests
        for entry in "$build/tests"/* "$build/tests"/.[!.]*; do
            [ -e "$entry" ] || continue
            name=${entry##*/}
            if [ -d "$entry" ]; then mkdir "/run/vm-tests/$name"; else : > "/run/vm-tests/$name"; fi
            mount --bind "$entry" "/run/vm-tests/$name"
        done
        mount --rbind /run/vm-tests "$build/tests"
        # A shard (sandbox_vm_shard=K/N): every Nth test from the Kth, by ctest number.
        shard=$(arg sandbox_vm_shard)
        set --
        [ -n "$shard" ] && set -- -I "${shard%/*},,${shard#*/}"
        ctest --test-dir "$build" -L root "$@" --output-on-failure --timeout 300 \
            ${SANDBOX_VM_CTEST_ARGS:-} $(arg sandbox_vm_ctest_args | tr ',' ' ') </dev/null 2>&1
        finish $?
        ;;
    rootless)
        "$here/guest-rootless-setup.sh" "$build"
        finish $?
        ;;
    shell)
        # Boot check only (run-vm.sh shell): the VM came up and the mounts are in place.
        grep -E ' (/|/sys/fs/cgroup|/dev/pts|/run) ' /proc/mounts
        finish 0
        ;;
    *)
        echo "SANDBOX-VM: unknown mode '$mode'"
        finish 123
        ;;
esac
