#!/bin/sh
# bench/run.sh is not a timed test (docs/performance.md): this only runs it with a handful of
# runs and checks that the table comes out whole -- every row, and PASS or MISS on each row
# that has a target. Root only (exit 77 otherwise, or when a tool the benchmark compares
# against is missing).   usage: run_sh_smoke.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1
build=$2
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# The cgroup parents there were before: the benchmark (crun's rows included) must add none.
parents() { for d in /sys/fs/cgroup/*/sandbox /sys/fs/cgroup/sandbox; do [ ! -d "$d" ] || echo "$d"; done; }
parents_before=$(parents)
set +e
RUNS=3 WARMUP=1 COLD_RUNS=2 IDLE=0.05 RSS_RUNS=2 REPORT_RUNS=2 ROUNDS=1 \
    "$src/bench/run.sh" "$build" >"$out" 2>/dev/null
rc=$?
set -e
if [ "$rc" -eq 77 ]; then
    # Skipped (not root, or a tool is missing): a failure in CI, where nothing may skip.
    [ "${CI:-}" != true ] || { echo "FAIL: bench/run.sh skipped (exit 77) with CI=true" >&2; exit 1; }
    exit 77
fi
cat "$out"
[ "$rc" -eq 0 ] || { echo "FAIL: bench/run.sh exited with $rc" >&2; exit 1; }

fail() { echo "FAIL: $*" >&2; exit 1; }
for row in 'C floor' '`bwrap --unshare-all' 'crun on the' '`sandbox up` full isolation' \
    '`sandbox up` bwrap-equivalent' '`sandbox --version`' 'cold (after idle)' 'launcher peak RSS'; do
    n=$(grep -cF "| $row" "$out" || true)
    # once in the hyperfine table; the round-robin cross-check repeats the first six rows
    case $row in
        cold*|launcher*) want=1 ;;
        *) want=2 ;;
    esac
    [ "$n" -eq "$want" ] || fail "row '$row' appears $n times, expected $want"
done
# Every target row: a verdict with its ratio.
targets=$(grep -c '| ≤ ' "$out" || true)
verdicts=$(grep -cE '\| (PASS|MISS)( \([0-9.]+×\))? \|' "$out" || true)
[ "$targets" -eq 8 ] || fail "$targets rows with a target, expected 8 (3 + cold + RSS, 3 round robin)"
[ "$verdicts" -eq "$targets" ] || fail "$verdicts PASS/MISS verdicts for $targets targets"
grep -q '^load average: ' "$out" || fail "no load average"
grep -q '^per-step medians over 2 ' "$out" || fail "no per-step breakdown"
grep -qE '^  validate +[0-9.]+ ms' "$out" || fail "no validate step in the breakdown"
left=$(parents | grep -vxF "$parents_before" || true)
[ -z "$left" ] || fail "bench/run.sh left cgroup directories behind: $(echo $left)"
echo "bench/run.sh: table complete"
