#!/usr/bin/env python3
"""bench/run.sh's table: medians from one hyperfine run, ratios, targets, PASS/MISS.

usage: table.py OUT_DIR RUNS COLD_RUNS IDLE
OUT_DIR holds startup.json and cold.json (hyperfine --export-json), rss.json
({"maxrss_kib": [...]}) and optionally interleaved.json (the round-robin cross-check).
The targets are issue 10's; each target row ends in PASS or MISS.
"""
import json
import os
import statistics
import sys

LABELS = {
    "floor": "C floor (clone 6 ns + pivot_root + /proc + exec, bench/floor.c)",
    "bwrap": "`bwrap --unshare-all --bind ROOT / --proc /proc --dev /dev`",
    "crun": "crun on the `sandbox export --oci` bundle of bench/full.toml",
    "full": "`sandbox up` full isolation (bench/full.toml)",
    "bwrap-equiv": "`sandbox up` bwrap-equivalent (bench/bwrap.toml)",
    "version": "`sandbox --version` (process start-up alone)",
}
# row -> (base, limit): median(row) / median(base) must be <= limit
TARGETS = {
    "full": ("bwrap", 1.3),
    "bwrap-equiv": ("bwrap", 1.0),
    "version": ("floor", 0.5),
}
COLD_TARGET = ("bwrap", 1.5)
RSS_TARGET_KIB = 8 * 1024


def medians(path):
    res = json.load(open(path))["results"]
    return {r["command"]: statistics.median(r["times"]) * 1000 for r in res}


def cpu_means(path):
    """hyperfine's mean user + system time per run (ms): the CPU the command and everything it
    waited for used, which a busy machine changes far less than the wall-clock time."""
    res = json.load(open(path))["results"]
    return {r["command"]: (r["user"] + r["system"]) * 1000 for r in res if "user" in r}


def verdict(ratio, limit):
    return "PASS" if ratio <= limit else "MISS"


def table(title, med, cold=None, rss=None, cpu=None):
    cpu = cpu or {}
    print("\n%s\n" % title)
    print("| command | median | × floor | × bwrap | target | result | CPU (user+sys) | CPU × bwrap |")
    print("|---|---:|---:|---:|---|---|---:|---:|")
    for name in LABELS:
        if name not in med:
            continue
        m = med[name]
        target, result = "", ""
        if name in TARGETS:
            base, limit = TARGETS[name]
            target = "≤ %.1f× %s" % (limit, base)
            result = "%s (%.2f×)" % (verdict(m / med[base], limit), m / med[base])
        c = "%.2f ms | %.2f" % (cpu[name], cpu[name] / cpu["bwrap"]) if name in cpu else " | "
        print("| %s | %.2f ms | %.2f | %.2f | %s | %s | %s |" % (
            LABELS[name], m, m / med["floor"], m / med["bwrap"], target, result, c))
    if cold:
        base, limit = COLD_TARGET
        ratio = cold["full"] / cold[base]
        parts = ", ".join("%s %.1f" % (n, cold[n]) for n in ("floor", "bwrap", "crun", "full") if n in cold)
        print("| cold (after idle): %s ms | %.2f ms | %.2f | %.2f | ≤ %.1f× %s cold | %s (%.2f×) | | |" % (
            parts, cold["full"], cold["full"] / cold["floor"], ratio, limit, base, verdict(ratio, limit), ratio))
    if rss:
        peak = max(rss)
        print("| launcher peak RSS (`sandbox up` full, max of %d; median %d KiB) | %d KiB | | | ≤ %d KiB | %s | | |" % (
            len(rss), statistics.median(rss), peak, RSS_TARGET_KIB, "PASS" if peak <= RSS_TARGET_KIB else "MISS"))


def main():
    out, runs, cold_runs, idle = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
    med = medians(os.path.join(out, "startup.json"))
    cold = medians(os.path.join(out, "cold.json"))
    rss = json.load(open(os.path.join(out, "rss.json")))["maxrss_kib"]
    table("hyperfine -N, %s runs each, medians; cold: %s runs each after `sleep %s`" % (runs, cold_runs, idle),
          med, cold, rss, cpu_means(os.path.join(out, "startup.json")))
    inter = os.path.join(out, "interleaved.json")
    if os.path.exists(inter):
        table("cross-check, the same commands round robin (one run of each per round)", medians(inter))


if __name__ == "__main__":
    main()
