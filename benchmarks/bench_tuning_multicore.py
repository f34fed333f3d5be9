"""Exact per-label tuning on every core, against one single-threaded sort.

On a 1,000,000 x 100 float32 score matrix with a 0/1 truth matrix (label
frequencies from 30% down to 0.5%), times, in the same process:

- the floor: ``np.sort(scores, axis=0)`` -- one single-threaded sort of every
  column, what any exact method pays at least once;
- ours with ``n_jobs=1`` and ``n_jobs=-1`` (every core): the public
  ``tune_thresholds(..., scoring="f1", return_curves=False)`` end to end (target
  encoding included), and the engine alone (``sklabels._sweep.tune_columns``).

Target: ours with ``n_jobs=-1`` at most 1.2x the floor (on an otherwise idle
machine: the load average is printed, since busy cores slow threads more than the
single-threaded floor). Checks that every
``n_jobs`` gives identical thresholds and values. Peak memory is the
``tracemalloc`` peak of one call (the input excluded).

    python benchmarks/bench_tuning_multicore.py [--rows 1000000] [--cols 100]
"""

import argparse
import os
import time
import tracemalloc
import warnings
from functools import partial

import numpy as np

from sklabels import tune_thresholds
from sklabels._objectives import f1
from sklabels._sweep import tune_columns


def best_time(func, repeats):
    """Wall time of the fastest run, and the CPU time of this process (all threads)
    in that run: the work done, which other processes on the machine do not inflate
    as much as they inflate the wall time."""
    best = (np.inf, np.inf)
    for _ in range(repeats):
        cpu, start = time.process_time(), time.perf_counter()
        func()
        best = min(best, (time.perf_counter() - start, time.process_time() - cpu))
    return best


def peak_mib(func):
    tracemalloc.start()
    func()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak / 2**20


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    n, k = args.rows, args.cols
    truth = rng.random((n, k), dtype=np.float32) < np.geomspace(0.3, 0.005, k)
    scores = rng.random((n, k), dtype=np.float32)
    scores *= np.float32(0.8)
    scores += truth * np.float32(0.25)
    np.clip(scores, 0, 1, out=scores)
    y = truth.astype(np.int8)
    cores = os.cpu_count()
    print(
        f"scores: {n:,} x {k} float32 ({scores.nbytes / 2**20:.0f} MiB), {cores} cores"
    )
    # Threads only help where cores are free: other processes show in the load.
    print(f"load average before (1 min): {os.getloadavg()[0]:.1f} on {cores} cores")

    def engine(n_jobs):
        return tune_columns(
            scores, truth, objective=f1, name="f1", proba=True, n_jobs=n_jobs
        )

    def public(n_jobs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # rare labels: FewPositivesWarning
            return tune_thresholds(
                y, scores, problem="multilabel", return_curves=False, n_jobs=n_jobs
            )

    t_sort, cpu_sort = best_time(lambda: np.sort(scores, axis=0), args.repeats)
    times, cpus, results = {}, {}, {}
    for n_jobs in (1, -1):
        for where, func in (("engine", engine), ("public", public)):
            t, cpu = best_time(partial(func, n_jobs), args.repeats)
            times[where, n_jobs], cpus[where, n_jobs] = t, cpu
        results[n_jobs] = (engine(n_jobs), public(n_jobs))
    mem_sort = peak_mib(lambda: np.sort(scores, axis=0))
    mem_public = peak_mib(lambda: public(-1))
    (e1, p1), (e2, p2) = results[1], results[-1]
    identical = (
        np.array_equal(e1.thresholds, e2.thresholds)
        and np.array_equal(e1.best, e2.best)
        and p1.to_dict() == p2.to_dict()
        and np.array_equal(e1.thresholds, p1.thresholds)
    )

    print(
        f"floor: np.sort(axis=0), 1 thread:    {t_sort:7.2f} s   "
        f"cpu {cpu_sort:6.2f} s   peak {mem_sort:6.0f} MiB"
    )
    for where, label in (("public", "tune_thresholds"), ("engine", "tune_columns  ")):
        for n_jobs in (1, -1):
            t, cpu = times[where, n_jobs], cpus[where, n_jobs]
            print(
                f"ours, {label} n_jobs={n_jobs:>2}: {t:7.2f} s   cpu {cpu:6.2f} s   "
                f"ratio to the floor {t / t_sort:5.2f}x (cpu {cpu / cpu_sort:4.2f}x)"
            )
    print(f"peak memory, tune_thresholds n_jobs=-1: {mem_public:6.0f} MiB")
    speedup = times["engine", 1] / times["engine", -1]
    print(f"multi-core speed-up of the engine (n_jobs=1 / -1): {speedup:.2f}x")
    for where, label in (("engine", "engine"), ("public", "tune_thresholds")):
        ratio = times[where, -1] / t_sort
        verdict = "PASS" if ratio <= 1.2 else "FAIL"
        print(
            f"ratio {label} (n_jobs=-1) / np.sort floor: {ratio:.2f}x "
            f"(target <= 1.2x): {verdict}"
        )
    print(f"outputs identical: {'yes' if identical else 'no'}")


if __name__ == "__main__":
    main()
