"""The two kinds of key sort the exact engine could use, on this machine's NumPy.

Per label of a ``rows x cols`` float32 score matrix with a 0/1 truth (label
frequencies from 30% down to 0.5%), single-threaded, in the same process:

- float sort (``sorted_apart(..., packed=False)``, what the engine's fast path for
  unweighted columns needs): the positives' and the negatives' float32 scores
  copied apart and each sorted with ``ndarray.sort`` (NumPy's SIMD float sort where
  the CPU has one);
- packed key sort (``sorted_apart(..., packed=True)``): the monotone integer key of
  each score with the truth in its low bit (32 bits where the keys' range allows,
  as for probabilities), one integer ``np.sort``, then split and turned back into
  floats -- the same two sorted arrays;
- floor: ``np.sort(scores, axis=0)``, what any exact method that sorts pays.

Rounds are interleaved (one call of each per round, best of ``--repeats``), so
that a shared machine's load weighs on all alike. It prints NumPy's SIMD features
(run it with ``NPY_DISABLE_CPU_FEATURES="X86_V4"`` to measure a CPU without
AVX-512; add ``X86_V3`` for one without AVX2 either), each time, which kind wins
and by how much, the kind the engine chooses on this CPU (``SIMD_FLOAT_SORT``),
and PASS where it chose the faster one.

    python benchmarks/bench_key_sort.py [--rows 1000000] [--cols 20] [--repeats 3]
"""

import argparse

import numpy as np
from bench_tuning_engine import interleaved_best

from sklabels._sorted_counts import SIMD_FLOAT_SORT, sorted_apart


def simd_features():
    from numpy._core._multiarray_umath import __cpu_features__

    groups = ("X86_V2", "X86_V3", "X86_V4", "AVX2", "AVX512F", "AVX512_SKX")
    return ", ".join(
        f"{g}={'on' if __cpu_features__.get(g) else 'off'}" for g in groups
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"NumPy {np.__version__}; SIMD dispatch: {simd_features()}")
    rng = np.random.default_rng(0)
    n, k = args.rows, args.cols
    truth = rng.random((n, k), dtype=np.float32) < np.geomspace(0.3, 0.005, k)
    scores = np.clip(
        rng.random((n, k), dtype=np.float32) * 0.8 + truth * 0.25, 0, 1
    ).astype(np.float32)
    columns = [np.ascontiguousarray(scores[:, j]) for j in range(k)]
    hits = [np.ascontiguousarray(truth[:, j]) for j in range(k)]

    def apart(packed):
        for column, hit in zip(columns, hits, strict=True):
            sorted_apart(column, hit, packed=packed)

    t_floor, t_float, t_packed = interleaved_best(
        [lambda: np.sort(scores, axis=0), lambda: apart(False), lambda: apart(True)],
        args.repeats,
    )
    print(f"{n:,} x {k} float32, best of {args.repeats} interleaved rounds, 1 thread:")
    for name, t in (
        ("floor: np.sort(axis=0)", t_floor),
        ("float sort, positives and negatives apart", t_float),
        ("packed integer key sort, then split", t_packed),
    ):
        print(f"  {name:44s} {t:7.3f} s   {t / t_floor:5.2f}x the floor")
    winner = "float sort" if t_float <= t_packed else "packed key sort"
    ratio = max(t_float, t_packed) / min(t_float, t_packed)
    print(f"ratio packed / float sort: {t_packed / t_float:.2f}")
    print(f"faster here: {winner} ({ratio:.2f}x)")
    chosen = "float sort" if SIMD_FLOAT_SORT else "packed key sort"
    print(
        f"the engine chooses on this CPU: {chosen}: "
        f"{'PASS' if chosen == winner else 'FAIL'} (the faster kind)"
    )


if __name__ == "__main__":
    main()
