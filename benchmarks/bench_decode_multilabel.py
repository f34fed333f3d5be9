"""Benchmark: multilabel probabilities to label tuples, ``sklabels.decode`` vs sklearn.

What is measured
----------------
A float32 probability matrix ``P`` of shape ``(rows, cols)`` (default 1,000,000 x 100)
is turned into one tuple of label names per row, label ``j`` on iff ``P[i, j] >= 0.5``.

* ours: ``sklabels.decode(P, classes, problem="multilabel")``, timed end to end from
  the probabilities: input validation (finite, in [0, 1], column count), the threshold
  rule and the conversion to tuples. ``problem="auto"`` is timed separately; it also
  checks whether rows sum to one (softmax) before settling on multilabel.
* peer (dense): ``MultiLabelBinarizer(classes=classes).fit(...).inverse_transform(
  indicator)`` with ``indicator = (P >= 0.5).astype(np.int64)`` computed beforehand,
  so the peer is timed on ``inverse_transform`` only (its 0/1 check and its per-row
  loop).
* peer (CSR): the sparse path, ``MultiLabelBinarizer(sparse_output=True)``'s
  ``inverse_transform`` of a CSR indicator, timed twice: on the CSR matrix built
  beforehand, and with the build from the scores (``scipy.sparse.csr_matrix(P >=
  0.5)``) included -- what a user holding scores pays end to end.

Both outputs are checked to be identical (``==`` on the lists of tuples). Times are
the best of ``--repeats`` runs (``time.perf_counter``), with the garbage collector left
on as in ordinary code. Class names are strings ``"label_00"``, ``"label_01"``, ...

Two inputs are decoded:

* realistic: label ``j`` has its own ``Beta(a_j, 2)`` distribution, with ``a_j`` chosen
  so that ``P(p >= 0.5)`` follows a Zipf-like curve of label frequencies (common labels
  on in ~33% of rows, the rarest in ~1.3%), ~3.5 labels on per row on average;
* dense: uniform probabilities, so about half of the labels (~50) are on in every row.

Peak memory of ours is the peak of ``tracemalloc`` during one extra, untimed
``decode`` call: every allocation made by the call (numpy temporaries and the returned
list of tuples), not counting the input matrix. The same is reported for the peer.

Target: ours at least 8x faster than the peer on the realistic input.

Run ``python benchmarks/bench_decode_multilabel.py --help`` for the flags.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy
import scipy.sparse as sp
import sklearn
from scipy import optimize, stats
from sklearn.preprocessing import MultiLabelBinarizer

import sklabels

TARGET_SPEEDUP = 8.0
MEAN_LABELS_ON = 3.5
BETA_B = 2.0
CHUNK_ROWS = 65_536


def label_frequencies(cols: int, mean_on: float = MEAN_LABELS_ON) -> np.ndarray:
    """Zipf-like share of rows where each label is on, summing to about ``mean_on``."""
    weights = 1.0 / np.arange(1, cols + 1) ** 0.7
    return np.clip(weights * (min(mean_on, 0.35 * cols) / weights.sum()), 0.001, 0.7)


def beta_shapes(freqs: np.ndarray, b: float = BETA_B) -> np.ndarray:
    """``a_j`` such that ``Beta(a_j, b) >= 0.5`` with probability ``freqs[j]``."""

    def solve(f: float) -> float:
        return optimize.brentq(lambda a: stats.beta.sf(0.5, a, b) - f, 1e-4, 1e3)

    return np.array([solve(f) for f in freqs])


def realistic_probabilities(rows: int, cols: int, seed: int = 0) -> np.ndarray:
    """Float32 ``(rows, cols)`` with per-label Beta columns, filled in row chunks.

    Each chunk draws one float64 column of ``CHUNK_ROWS`` values at a time, so the only
    temporaries are a few hundred KiB whatever ``rows``.
    """
    rng = np.random.default_rng(seed)
    a = beta_shapes(label_frequencies(cols))
    out = np.empty((rows, cols), dtype=np.float32)
    for start in range(0, rows, CHUNK_ROWS):
        block = out[start : start + CHUNK_ROWS]
        for j in range(cols):
            block[:, j] = rng.beta(a[j], BETA_B, size=len(block))
    return out


def uniform_probabilities(rows: int, cols: int, seed: int = 1) -> np.ndarray:
    """Float32 ``(rows, cols)`` uniform on [0, 1), drawn directly in float32."""
    rng = np.random.default_rng(seed)
    out = np.empty((rows, cols), dtype=np.float32)
    for start in range(0, rows, CHUNK_ROWS):
        block = out[start : start + CHUNK_ROWS]
        rng.random(block.shape, dtype=np.float32, out=block)
    return out


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    """Best wall time of ``repeats`` calls, and the result of the last call."""
    best, result = float("inf"), None
    for _ in range(repeats):
        result = None  # free the previous output outside the timed region
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def traced_peak(fn: Callable[[], Any]) -> int:
    """Peak bytes allocated (``tracemalloc``) during one call of ``fn``."""
    tracemalloc.start()
    try:
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    del result
    return peak


def mib(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:,.1f} MiB"


def run_case(name: str, P: np.ndarray, classes: list[str], repeats: int) -> float:
    """Time ours (multilabel, auto) and the peer on ``P``; print; return the ratio."""
    rows, cols = P.shape
    indicator = (P >= 0.5).astype(np.int64)
    mlb = MultiLabelBinarizer(classes=classes).fit([classes])

    t_peer, expected = best_of(lambda: mlb.inverse_transform(indicator), repeats)
    sparse_mlb = MultiLabelBinarizer(classes=classes, sparse_output=True).fit([classes])
    t_build, csr = best_of(lambda: sp.csr_matrix(P >= 0.5, dtype=np.int64), repeats)
    t_csr, got = best_of(lambda: sparse_mlb.inverse_transform(csr), repeats)
    if got != expected:
        raise SystemExit(f"{name}: the CSR peer != the dense peer")
    got = csr = None
    t_ours, got = best_of(
        lambda: sklabels.decode(P, classes, problem="multilabel"), repeats
    )
    if got != expected:  # not an assert: the check must survive python -O
        raise SystemExit(f"{name}: decode(problem='multilabel') != peer")
    got = None
    t_auto, got = best_of(lambda: sklabels.decode(P, classes), repeats)
    if got != expected:
        raise SystemExit(f"{name}: decode(problem='auto') != peer")
    got = None
    n_on = int(indicator.sum())

    # tracemalloc counts only what is allocated while tracing: P and the indicator,
    # made before, are not included.
    peak_ours = traced_peak(lambda: sklabels.decode(P, classes, problem="multilabel"))
    peak_peer = traced_peak(lambda: mlb.inverse_transform(indicator))

    ratio = t_peer / t_ours
    verdict = "PASS" if ratio >= TARGET_SPEEDUP else "FAIL"
    print(f"\n== {name}: rows={rows:,} cols={cols} ==")
    print(f"labels on per row (mean)        : {n_on / rows:.2f}")
    print(f"input P (float32)               : {mib(P.nbytes)}")
    print(f"peer  MultiLabelBinarizer.inverse_transform : {t_peer:8.3f} s")
    print(f"peer  CSR inverse_transform                 : {t_csr:8.3f} s")
    print(f"peer  CSR build from P + inverse_transform  : {t_build + t_csr:8.3f} s")
    print(f"ours  decode(problem='multilabel')          : {t_ours:8.3f} s")
    print(f"ours  decode(problem='auto')                : {t_auto:8.3f} s")
    print(
        f"ratio peer/ours (multilabel)    : {ratio:6.2f}x  "
        f"[target >= {TARGET_SPEEDUP:g}x: {verdict}]"
    )
    print(f"ratio peer/ours (auto)          : {t_peer / t_auto:6.2f}x")
    csr_ratio = (t_build + t_csr) / t_ours
    print(
        f"ratio CSR peer (build + inverse)/ours : {csr_ratio:6.2f}x  "
        f"[ours faster: {'PASS' if csr_ratio > 1 else 'FAIL'}]"
    )
    print(f"ratio CSR peer (inverse only)/ours    : {t_csr / t_ours:6.2f}x")
    print(
        f"peak memory ours (tracemalloc, one untimed decode, output included): "
        f"{mib(peak_ours)}"
    )
    print(
        f"peak memory peer (tracemalloc, one untimed inverse_transform)      : "
        f"{mib(peak_peer)}"
    )
    print("outputs identical: yes")
    return ratio


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--dense-rows",
        type=int,
        default=None,
        help="rows for the dense (uniform) case; default: --rows. 0 skips it.",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    classes = [f"label_{j:02d}" for j in range(args.cols)]
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy "
        f"{scipy.__version__}, scikit-learn {sklearn.__version__}, sklabels "
        f"{sklabels.__version__}; {os.cpu_count()} CPU(s)"
    )
    print(
        f"rows={args.rows:,} cols={args.cols} repeats={args.repeats} (best of repeats, "
        f"time.perf_counter, gc enabled); target: ours >= {TARGET_SPEEDUP:g}x faster "
        f"at the default 1,000,000 x 100"
    )

    start = time.perf_counter()
    P = realistic_probabilities(args.rows, args.cols)
    print(f"generated realistic input in {time.perf_counter() - start:.1f} s")
    ratio = run_case("realistic (per-label Beta)", P, classes, args.repeats)
    del P

    dense_rows = args.rows if args.dense_rows is None else args.dense_rows
    if dense_rows > 0:
        if dense_rows != args.rows:
            print(
                f"\nnote: the dense case uses {dense_rows:,} rows instead of "
                f"{args.rows:,} (--dense-rows)."
            )
        P = uniform_probabilities(dense_rows, args.cols)
        run_case("dense (uniform, ~half the labels on)", P, classes, args.repeats)
        del P

    verdict = "met" if ratio >= TARGET_SPEEDUP else "NOT met"
    print(
        f"\nsummary: ratio peer/ours = {ratio:.2f}x on the realistic input; target "
        f">= {TARGET_SPEEDUP:g}x {verdict}."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
