"""Tuned bands on Dask scores: the same cuts as in memory, in memory that does not
grow with the rows.

Scores and events are generated block by block (``dask.array.random``), so the
Dask path never holds all rows; the in-memory path tunes on the computed arrays.
For each setting (continuous scores, scores rounded to 3 decimals, and three
targets) at two sizes (a quarter of ``--rows``, then ``--rows``) the script prints
whether the cuts are equal bit for bit, the peak of new Python allocations
(``tracemalloc``) of each path, and the times. PASS where every cut is equal and
the Dask path's peak grows by at most 1.5x for 4x the rows (the in-memory one
grows with the rows).

Run: ``python benchmarks/bench_bands_dask.py [--rows 4000000] [--chunk 200000]``.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
import warnings
from functools import partial

import dask
import dask.array as da
import numpy as np

from sklabels import Bands, BandWarning, tune_bands

NAMES = ["routine", "urgent", "emergency"]
TARGETS = {
    "shares 0.5/0.3/0.2": {"shares": [0.5, 0.3, 0.2]},
    "min_event_rate 0.6": {"min_event_rate": {"emergency": 0.6}},
    "min 0.6 + max 0.05": {
        "min_event_rate": {"emergency": 0.6},
        "max_event_rate": {"routine": 0.05},
    },
}


def traced(function):
    """``function()``'s result, seconds and peak of new allocations (bytes)."""
    tracemalloc.start()
    start = time.perf_counter()
    result = function()
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return result, seconds, peak


def data(rows: int, chunk: int, decimals: int | None) -> tuple:
    """Scores ``s ~ U(0, 1)`` (rounded or not) and events ``P(1 | s) = s**2``,
    generated block by block."""
    rng = da.random.default_rng(0)
    score = rng.uniform(size=rows, chunks=chunk)
    if decimals is not None:
        score = da.round(score, decimals)
    event = rng.uniform(size=rows, chunks=chunk) < score**2
    return score, event.astype(np.int8)


def run(bands: Bands, score, event) -> tuple:
    """Both paths: (equal cuts, memory peak, dask peak, memory s, dask s)."""
    in_memory = dask.compute(score, event)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandWarning)
        expected, t_mem, p_mem = traced(partial(tune_bands, bands, *in_memory))
        got, t_dask, p_dask = traced(partial(tune_bands, bands, score, event))
    return got.cuts == expected.cuts, p_mem, p_dask, t_mem, t_dask


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=4_000_000)
    parser.add_argument("--chunk", type=int, default=200_000)
    args = parser.parse_args()
    dask.config.set(scheduler="synchronous")
    sizes = (args.rows // 4, args.rows)
    print(f"{sizes} rows in blocks of {args.chunk}; synchronous scheduler")
    print(
        "| scores | bands | rows | equal | peak MB memory | peak MB dask | s memory "
        "| s dask |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|")
    verdicts = []
    for label, decimals in (("continuous", None), ("rounded to 3 decimals", 3)):
        for name, targets in TARGETS.items():
            peaks = []
            for rows in sizes:
                bands = Bands(NAMES, **targets)
                equal, p_mem, p_dask, t_mem, t_dask = run(
                    bands, *data(rows, args.chunk, decimals)
                )
                peaks.append(p_dask)
                verdicts.append(equal)
                print(
                    f"| {label} | {name} | {rows} | {equal} | {p_mem / 2**20:.1f} | "
                    f"{p_dask / 2**20:.1f} | {t_mem:.2f} | {t_dask:.2f} |"
                )
            growth = peaks[1] / peaks[0]
            print(
                f"|  | peak ratio dask, 4x the rows: {growth:.2f} |  |  |  |  |  |  |"
            )
            verdicts.append(growth <= 1.5)
    claim = (
        f"cuts equal bit for bit; the Dask path's peak at {sizes[1]} rows at most "
        f"1.5x its peak at {sizes[0]} (4x the rows)"
    )
    print(("PASS: " if all(verdicts) else "FAIL: ") + claim)


if __name__ == "__main__":
    main()
