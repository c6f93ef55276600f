#!/usr/bin/env bash
# ctest "package: the .deb installs into a scratch root and runs" (label package; registered
# only in a build without fault injection, i.e. the release preset, which is what ships):
# builds the .deb with CPack, checks its control fields (dependencies from dpkg-shlibdeps) and
# contents, unpacks it with dpkg -x into a scratch root and runs the binary from there.
# Usage: test_deb.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
scratch=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-deb.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
fail() { echo "test_deb.sh: $*" >&2; exit 1; }

(cd "$build" && cpack -G DEB -B "$scratch/out" >"$scratch/cpack.log" 2>&1) ||
    { cat "$scratch/cpack.log" >&2; fail "cpack -G DEB failed"; }
debs=("$scratch"/out/*.deb)
[[ ${#debs[@]} -eq 1 && -f ${debs[0]} ]] || fail "expected one .deb in $scratch/out, got: ${debs[*]}"
deb=${debs[0]}

# dpkg-shlibdeps computed the dependencies of the linked shared libraries. With
# SANDBOX_STATIC_DEPS (the default, docs/performance.md) libstdc++, yaml-cpp, libseccomp, libcap
# and libnl are inside the binary: only libc6 is left, and the binary maps nothing else at start.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
if grep -q '^SANDBOX_STATIC_DEPS:BOOL=ON' "$build/CMakeCache.txt"; then
    [[ $depends == *libc6* ]] || fail "Depends lacks libc6: $depends"
    for lib in libseccomp2 libcap2 libstdc++6 libyaml-cpp libnl libspdlog libfmt libtomlplusplus; do
        [[ $depends != *"$lib"* ]] || fail "Depends names $lib, which is linked statically: $depends"
    done
else
    for lib in libc6 libseccomp2 libcap2 libstdc++6; do
        [[ $depends == *"$lib"* ]] || fail "Depends lacks $lib: $depends"
    done
fi
[[ $(dpkg-deb -f "$deb" Recommends) == *libarchive13* ]] || fail "Recommends lacks libarchive13"

dpkg-deb -x "$deb" "$scratch/root"
for f in usr/bin/sandbox usr/share/man/man1/sandbox.1 usr/share/man/man5/sandbox-profile.5 \
    usr/share/bash-completion/completions/sandbox usr/share/zsh/vendor-completions/_sandbox \
    usr/share/fish/vendor_completions.d/sandbox.fish usr/share/sandbox/profiles/locked.toml \
    usr/share/sandbox/schemas/profile.schema.json; do
    [[ -e $scratch/root/$f ]] || fail "the package lacks /$f"
done
# The shipped binary has no fault injection: the variable names are not even in it.
if grep -q -a -e SANDBOX_FAIL_AT -e SANDBOX_DELAY_AT "$scratch/root/usr/bin/sandbox"; then
    fail "the packaged binary contains the test-only fault injection"
fi

bin=$scratch/root/usr/bin/sandbox
if grep -q '^SANDBOX_STATIC_DEPS:BOOL=ON' "$build/CMakeCache.txt"; then
    # (the dynamic loader itself, ld-linux-<arch>.so.N, may be named too: TLS lookups)
    # (none at all for a static PIE: `|| true`, grep -v selecting nothing is no failure)
    needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' |
        { grep -v '^ld-linux' || true; } | sort | tr '\n' ' ')
    if grep -q '^SANDBOX_STATIC_PIE:INTERNAL=ON' "$build/CMakeCache.txt"; then
        # One static PIE (CMakeLists.txt): no program interpreter, nothing mapped at start,
        # still position independent (ASLR); libc6 by hand in Depends.
        headers=$(readelf -l "$bin")
        [[ $headers != *"program interpreter"* ]] || fail "the binary has an interpreter"
        [[ -z $needed ]] || fail "the static PIE needs shared objects at start: $needed"
        [[ $(readelf -h "$bin" | sed -n 's/^ *Type: *\([A-Z]*\).*/\1/p') == DYN ]] ||
            fail "the binary is not position independent"
        [[ $depends == *"libc6 (>= "*"libc6 (<< "* ]] ||
            fail "Depends lacks libc6 pinned to one glibc release: $depends"
    else
        [[ $needed == "libc.so.6 libm.so.6 " ]] ||
            fail "the binary needs more than ld.so, libc and libm: $needed"
    fi
fi
version=$("$bin" --version)
[[ $version == "sandbox "* ]] || fail "--version printed '$version'"
# From / with no HOME and no SANDBOX_PROFILE_PATH: `locked` can only come from the scratch
# root's own usr/share/sandbox/profiles (not /usr/share, not the source checkout).
out=$(cd / && HOME= SANDBOX_PROFILE_PATH= "$bin" validate locked)
[[ $out == "$scratch/root/usr/share/sandbox/profiles/locked.toml: ok" ]] ||
    fail "validate locked printed '$out'"
echo "ok: $(basename "$deb"): $version; $out"
