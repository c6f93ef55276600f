#!/bin/sh
# Builds the VM's initramfs: a static busybox, the modules that mount the host's / over 9p
# with an overlayfs on top, and init-stage1 as /init. Usage: make-initramfs.sh KVER OUT
set -eu
kver=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/bin" "$work/lib/modules" "$work/proc" "$work/sys" "$work/dev" "$work/lower" \
    "$work/upper" "$work/newroot"
cp /bin/busybox "$work/bin/busybox"
cp "$here/init-stage1" "$work/init"
chmod 755 "$work/init"

# modprobe prints each module's dependencies first ("insmod PATH"), so the order of the lines
# is a valid load order; a module already listed (or built in: "builtin NAME") is skipped.
: > "$work/modules.order"
for m in virtio_pci 9pnet_virtio 9p overlay; do
    modprobe -S "$kver" --show-depends "$m" | while read -r verb path _; do
        [ "$verb" = insmod ] || continue
        name=$(basename "$path")
        case "$name" in
            *.ko.xz) plain=${name%.xz}; xz -dc "$path" > "$work/lib/modules/$plain" ;;
            *.ko.zst) plain=${name%.zst}; zstd -qdc "$path" > "$work/lib/modules/$plain" ;;
            *) plain=$name; cp "$path" "$work/lib/modules/$plain" ;;
        esac
        grep -qx "$plain" "$work/modules.order" || echo "$plain" >> "$work/modules.order"
    done
done

(cd "$work" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
