#!/usr/bin/env bash
# ctest "k8s: exported manifests pass the Kubernetes schemas" and "sarif: ..." (label k8s):
# exports the shipped profiles and tests/k8s/full.toml as Pods and Jobs, validates every
# manifest with kubernetes-models (the official OpenAPI schemas, offline), checks what the
# export says it could not express, and validates `validate --format sarif` output against the
# SARIF 2.1.0 schema. Usage: run.sh k8s|sarif BUILD_DIR SOURCE_DIR
set -euo pipefail
what=$1
build=$(cd "$2" && pwd)
source=$(cd "$3" && pwd)
bin=$build/sandbox
export NODE_PATH=$build/k8s/node_modules
validate() { node "$source/tests/k8s/validate.cjs" "$@"; }
scratch=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-k8s.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
fail() { echo "run.sh: $*" >&2; exit 1; }

if [[ $what == sarif ]]; then
    n=0
    for bad in "$source"/tests/profiles/bad/*.toml "$source"/tests/profiles/bad/*.yaml; do
        n=$((n + 1))
        "$bin" validate --format sarif "$bad" >"$scratch/$n.sarif" || true
        [[ -s $scratch/$n.sarif ]] || fail "no SARIF output for $bad"
    done
    "$bin" validate --format sarif "$source/profiles/locked.toml" >"$scratch/ok.sarif"
    validate sarif "$scratch"/*.sarif | tail -n 3
    echo "ok: $((n + 1)) SARIF logs valid"
    exit 0
fi

export SANDBOX_ROOTFS=$scratch  # profiles that name ${env:SANDBOX_ROOTFS}
cd "$source"
for profile in profiles/*.toml tests/k8s/full.toml; do
    for kind in pod job; do
        out=$scratch/$(basename "$profile" .toml)-$kind
        flags=(--kubernetes "$profile" -o "$out" --image docker.io/library/busybox:1.36)
        [[ $kind == job ]] && flags+=(--job)
        "$bin" export "${flags[@]}" >"$out.files" 2>"$out.err" ||
            { cat "$out.err" >&2; fail "export ${flags[*]} failed"; }
        validate k8s "$out"/*.yaml
        # The seccomp profile the manifest references as Localhost is written beside it.
        if grep -q "localhostProfile" "$out"/*.yaml; then
            ref=$(sed -n 's/.*localhostProfile: *"\{0,1\}sandbox\/\([^"]*\)"\{0,1\}/\1/p' "$out"/*.yaml)
            [[ -f $out/$ref ]] || fail "$out: the manifest references $ref, which was not written"
            python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["defaultAction"].startswith("SCMP_ACT_") and d["syscalls"]' "$out/$ref"
        fi
    done
done

# What full.toml asks for that a pod spec cannot say is on stderr, each item by name.
err=$scratch/full-pod.err
for expected in 'not expressed: network.mode = "veth" (addresses 10.201.0.2/24' \
    'not expressed: veth.nat' 'not expressed: the time namespace' 'not expressed: landlock' \
    'not expressed: limits.pids = 256' 'not expressed: process.rlimits (nofile)' \
    'warning: bind /usr/share -> /data is a hostPath volume'; do
    grep -qF "$expected" "$err" || { cat "$err" >&2; fail "stderr lacks: $expected"; }
done
pod=$scratch/full-pod/k8s-full.pod.yaml
for expected in 'hostUsers: false' 'runAsUser: 1000' 'runAsGroup: 1000' '- ALL' '- NET_BIND_SERVICE' \
    'allowPrivilegeEscalation: false' 'readOnlyRootFilesystem: true' 'type: Localhost' \
    'memory: "536870912"' 'cpu: "1500m"' 'activeDeadlineSeconds: 90' 'medium: Memory' \
    'sizeLimit: "67108864"' 'path: /usr/share' 'name: GREETING' 'value: "true"' \
    'terminationGracePeriodSeconds: 5'; do
    grep -qF -- "$expected" "$pod" || { cat "$pod" >&2; fail "$pod lacks: $expected"; }
done
grep -qF 'kind: Job' "$scratch/full-job/k8s-full.job.yaml" || fail "--job did not write a Job"
echo "ok: every export validated"
