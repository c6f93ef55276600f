#!/usr/bin/env bash
# Installs every build, test and runtime dependency of sandbox from Debian's archive.
# Idempotent: skips apt entirely when everything is already installed.
set -euo pipefail

packages=(
    # build
    cmake ninja-build g++ pkg-config clang-format
    # libraries (docs/architecture.md §7)
    libtomlplusplus-dev libyaml-cpp-dev libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev
    libexpected-dev libcap-dev libseccomp-dev libnl-3-dev libnl-route-3-dev libnftables-dev
    libarchive-dev libssl-dev catch2
    # tests: busybox rootfs, JSON Schema validator, fuzzer, network test hosts
    busybox-static python3 python3-jsonschema python3-yaml clang libclang-rt-14-dev iproute2
    # tests: a real distribution rootfs (tests/fixtures/make-debian-rootfs.sh)
    mmdebstrap
    # runtime helpers for rootless multi-range id maps
    uidmap
    # tests/vm: Debian's own cgroup-v2 kernel booted under qemu (TCG) for the `vm` ctest label;
    # the initramfs is packed with cpio from busybox-static and the kernel's modules
    qemu-system-x86 linux-image-amd64 cpio
    # packaging and export tests (issue 16): dpkg-shlibdeps for the .deb, groff to lint the
    # generated man pages, zsh and fish to syntax-check the completions, npm for the Kubernetes
    # schema validator and the SARIF schema (tests/k8s/package-lock.json)
    dpkg-dev groff zsh fish nodejs
    # benchmarks (bench/; the `bench` ctest label only checks that bench/run.sh's table comes
    # out whole): GNU time for the launcher's peak RSS
    hyperfine bubblewrap crun time
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done

# npm: its own Debian package, unless the installed nodejs ships it (NodeSource's does, and
# conflicts with Debian's npm).
if ! command -v npm >/dev/null 2>&1 && [[ " ${missing[*]} " != *" npm "* ]]; then
    missing+=(npm)
fi

if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
echo "install-deps: installing ${missing[*]}" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
