#!/usr/bin/env python3
# Interleaved A/B of start-up commands: `bench/ab.py RUNS 'CMD A' 'CMD B' ...`.
#
# Each round runs every command once, in a shuffled order, so all of them share the machine's
# moment: this VM's speed drifts by 10-20 % over minutes, which hyperfine's back-to-back runs of
# one command after another turn into differences between commands. Prints each command's
# median and, for every command after the first, the median of the paired per-round differences
# to the first with a bootstrap 95 % interval. A leading NAME=VALUE word sets an environment
# variable for that command only. Copy binaries under test to one place and drop their page
# cache first (bench/run.sh does; see docs/performance.md "Method"), or the comparison measures
# where and how each file was written.
import os
import random
import shlex
import statistics
import sys
import time


def run(argv, devnull):
    env = dict(os.environ)
    while argv and "=" in argv[0] and not argv[0].startswith("/"):
        key, value = argv[0].split("=", 1)
        env[key] = value
        argv = argv[1:]
    start = time.perf_counter()
    pid = os.posix_spawnp(argv[0], argv, env,
                          file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1),
                                        (os.POSIX_SPAWN_DUP2, devnull, 2)])
    os.waitpid(pid, 0)
    return (time.perf_counter() - start) * 1000


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: bench/ab.py RUNS 'CMD A' ['CMD B' ...]")
    runs = int(sys.argv[1])
    commands = [shlex.split(c) for c in sys.argv[2:]]
    devnull = os.open("/dev/null", os.O_RDWR)
    warmup = 5
    times = [[] for _ in commands]
    for round_ in range(runs + warmup):
        order = list(range(len(commands)))
        random.shuffle(order)
        for i in order:
            took = run(list(commands[i]), devnull)
            if round_ >= warmup:
                times[i].append(took)
    for i, text in enumerate(sys.argv[2:]):
        print(f"[{i}] median {statistics.median(times[i]):7.3f} ms  {text}")
    for i in range(1, len(commands)):
        diffs = [b - a for a, b in zip(times[0], times[i])]
        boot = sorted(statistics.median(random.choices(diffs, k=len(diffs))) for _ in range(400))
        print(f"[{i}]-[0] paired median {statistics.median(diffs):+.3f} ms  "
              f"95% [{boot[10]:+.3f}, {boot[389]:+.3f}]")


if __name__ == "__main__":
    main()
