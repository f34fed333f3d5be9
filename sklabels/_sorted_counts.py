"""Counts below every distinct score, from one integer sort; columns on every core.

The exact sweep needs, for each distinct score of a column, how many samples (and
how many positives) score strictly lower. The work is the sort. Two things make it
cheap:

- **Integer keys.** A float's bits read as an unsigned integer, with every bit
  flipped for negative numbers and only the sign bit flipped for the others, order
  exactly as the floats do. Shifted left by one with the sample's truth in the
  freed bit, a plain integer sort (2-3x faster than an argsort) sorts the scores
  and carries the truth along; keys relative to the column's smallest one fit in
  32 bits for float32 scores of one sign (probabilities), so the sort moves half
  the bytes. Weighted samples carry their row number instead of their truth, which
  makes the sort an argsort that orders equal scores by row.
- **Threads.** NumPy's sort releases the GIL, so columns run on ``n_jobs`` threads,
  a block of adjacent columns at a time (copied once into contiguous rows).

Columns whose keys do not fit (float64 scores of both signs far apart, NaN, more
than 2**32 weighted rows) take an ``argsort``. Every path gives the same distinct
values and counts, bit for bit.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from joblib import effective_n_jobs

_UNSIGNED = {4: np.uint32, 8: np.uint64}
_SIGNED = {4: np.int32, 8: np.int64}
_CACHE_LINE = 64  # bytes: a block of columns reads whole lines of a C-ordered array
_CHUNK = 8192  # rows transposed at a time: a chunk of a block stays in cache
_CELLS_PER_THREAD = 200_000  # below this, starting a thread costs more than it saves


def distinct_counts(
    scores: np.ndarray, truth: np.ndarray, weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, float, float]:
    """The distinct scores in increasing order, and what lies strictly below each.

    Returns ``(distinct, positives_below, all_below, total_positives, total)``:
    for ``distinct[i]``, the (weighted) count of positives and of all samples whose
    score is lower. Unweighted counts are integers. ``scores`` is a 1-D float
    array (left unchanged), ``truth`` 0/1 of the same length, ``weight`` positive.
    """
    n = len(scores)
    if n == 0 or scores.dtype.itemsize not in _UNSIGNED:  # float16, longdouble
        return _argsort_counts(scores, truth, weight)
    values = scores + scores.dtype.type(0)  # a private contiguous copy; -0.0 -> 0.0
    keys = monotone_keys(values)
    low, high = keys.min(), keys.max()
    if _has_nan(low, high, values.dtype.itemsize):
        return _argsort_counts(scores, truth, weight)
    if weight is None:
        packed = _pack_truth(keys, low, high, truth)
        if packed is not None:
            return _packed_counts(packed, low, values.dtype)
    elif values.dtype.itemsize == 4 and n < 2**32:
        return _row_keyed_counts(keys, truth, weight, values.dtype)
    return _argsort_counts(scores, truth, weight)


def monotone_keys(values: np.ndarray) -> np.ndarray:
    """Overwrite ``values`` (floats, no -0.0) with unsigned keys of the same order."""
    signed = values.view(_SIGNED[values.dtype.itemsize])
    flip = signed >> (8 * values.dtype.itemsize - 1)  # -1 for negative numbers, else 0
    flip |= np.iinfo(signed.dtype).min  # every bit, or the sign bit alone
    signed ^= flip
    return signed.view(_UNSIGNED[values.dtype.itemsize])


def floats_of(keys: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The floats of monotone keys (the inverse of ``monotone_keys``), as float64."""
    signed = keys.astype(_UNSIGNED[dtype.itemsize]).view(_SIGNED[dtype.itemsize])
    flip = ~(signed >> (8 * dtype.itemsize - 1))  # keys of negative numbers: 0
    flip |= np.iinfo(signed.dtype).min
    signed ^= flip
    return signed.view(dtype).astype(np.float64)


def _has_nan(low: Any, high: Any, itemsize: int) -> bool:
    """NaN keys lie outside those of -inf and +inf."""
    unsigned = _UNSIGNED[itemsize]
    infinity = np.array([-np.inf, np.inf], dtype=f"f{itemsize}")
    lowest, highest = monotone_keys(infinity).astype(unsigned)
    return bool(low < lowest or high > highest)


def _pack_truth(
    keys: np.ndarray, low: Any, high: Any, truth: np.ndarray
) -> np.ndarray | None:
    """``(key - low) << 1 | truth``, in the narrowest unsigned type that holds it."""
    width = 8 * keys.dtype.itemsize
    if int(high) - int(low) < 2 ** (width - 1):
        keys -= low
        keys <<= keys.dtype.type(1)
        keys |= truth
        return keys
    if width == 32:
        packed = keys.astype(np.uint64)
        packed -= np.uint64(low)
        packed <<= np.uint64(1)
        packed |= truth
        return packed
    return None


def _packed_counts(packed: np.ndarray, low: Any, dtype: np.dtype) -> tuple:
    """Counts below each distinct score from sorted ``key << 1 | truth`` values."""
    packed.sort()
    one = packed.dtype.type(1)
    n = len(packed)
    # Few large temporaries: each costs page faults as well as a pass.
    count = np.int32 if n < 2**31 else np.int64
    cumulative = np.cumsum(packed & one, dtype=count)
    packed >>= one  # the keys alone
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(packed[1:], packed[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    del change
    # Positives strictly below a run: those up to the element before its start.
    positives_below = np.zeros(len(starts), dtype=np.int64)
    positives_below[1:] = cumulative[starts[1:] - 1]
    total_positives = int(cumulative[-1])
    del cumulative
    distinct = packed[starts]
    distinct += distinct.dtype.type(low)
    return floats_of(distinct, dtype), positives_below, starts, total_positives, n


def _row_keyed_counts(
    keys: np.ndarray, truth: np.ndarray, weight: np.ndarray, dtype: np.dtype
) -> tuple:
    """Weighted counts: sort ``key << 32 | row``, an argsort with ties by row."""
    n = len(keys)
    packed = keys.astype(np.uint64)
    packed <<= np.uint64(32)
    packed |= np.arange(n, dtype=np.uint64)
    packed.sort()
    order = (packed & np.uint64(0xFFFFFFFF)).astype(np.intp)
    packed >>= np.uint64(32)
    change = np.empty(n, dtype=bool)
    change[0] = True
    np.not_equal(packed[1:], packed[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    distinct = floats_of(packed[starts], dtype)
    del packed, change
    return (distinct, *_weighted_below(truth[order], weight[order], starts))


def _argsort_counts(
    scores: np.ndarray, truth: np.ndarray, weight: np.ndarray | None
) -> tuple:
    """The general path: an argsort of the scores themselves."""
    order = np.argsort(scores)  # unstable is fine: equal scores are grouped
    s = scores[order]
    n = len(s)
    change = np.empty(n, dtype=bool)
    change[:1] = True
    np.not_equal(s[1:], s[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    distinct = s[starts].astype(np.float64)
    if weight is not None:
        return (distinct, *_weighted_below(truth[order], weight[order], starts))
    pos = truth[order]
    cumulative = np.cumsum(pos, dtype=np.int64)
    positives_below = cumulative[starts] - pos[starts]
    return distinct, positives_below, starts, int(cumulative[-1]) if n else 0, n


def _weighted_below(hits: np.ndarray, w: np.ndarray, starts: np.ndarray) -> tuple:
    """Weighted positives and samples before each start, in sorted order."""
    cumulative = np.zeros(len(w) + 1)
    np.cumsum(np.where(hits, w, 0.0), out=cumulative[1:])
    cumulative_w = np.zeros(len(w) + 1)
    np.cumsum(w, out=cumulative_w[1:])
    return (
        cumulative[starts],
        cumulative_w[starts],
        float(cumulative[-1]),
        float(cumulative_w[-1]),
    )


def map_columns(
    func: Callable[[int, np.ndarray, np.ndarray], Any],
    values: np.ndarray,
    truth: np.ndarray,
    n_jobs: int | None = None,
) -> list:
    """``[func(j, values[:, j], truth[:, j]) for j in range(k)]`` on ``n_jobs`` threads.

    Each thread copies a block of adjacent columns into contiguous rows (the block
    spans about one cache line of each row of a C-ordered array) and runs ``func``
    on them one by one. ``n_jobs`` follows joblib: ``None`` is 1 unless inside a
    ``joblib.parallel_config(n_jobs=...)`` context, ``-1`` is every core; small
    inputs run on fewer threads. Results come back in column order, whatever the
    number of threads.
    """
    n, k = values.shape
    enough = max(1, n * k // _CELLS_PER_THREAD) if _CELLS_PER_THREAD else k
    workers = max(1, min(effective_n_jobs(n_jobs), k, enough))
    width = max(1, min(_CACHE_LINE // values.dtype.itemsize, -(-k // (4 * workers))))
    blocks = [range(j, min(j + width, k)) for j in range(0, k, width)]

    def run(block: range) -> list:
        columns = _rows_of(values, block)
        hits = _rows_of(truth, block, dtype=bool)
        return [func(j, columns[i], hits[i]) for i, j in enumerate(block)]

    if workers == 1:
        done = [run(block) for block in blocks]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            done = list(pool.map(run, blocks))
    return [result for block in done for result in block]


def _rows_of(array: np.ndarray, block: range, dtype: Any = None) -> np.ndarray:
    """Columns ``block`` of a 2-D array as contiguous rows, read-only.

    A view where the columns are contiguous already (Fortran order, one column),
    else a transposed copy made a chunk of rows at a time: transposing the whole
    block at once would read each cache line of the array once per column.
    """
    part = array[:, block.start : block.stop]
    dtype = array.dtype if dtype is None else np.dtype(dtype)
    if part.flags.f_contiguous and part.dtype == dtype:
        return part.T
    n = array.shape[0]
    out = np.empty((len(block), n), dtype=dtype)
    for start in range(0, n, _CHUNK):
        out[:, start : start + _CHUNK] = part[start : start + _CHUNK].T
    return out


def simd_float_sort() -> bool:
    """Whether NumPy sorts floats with its SIMD kernels on this CPU (x86-simd-sort
    needs AVX2 or AVX-512; other CPUs have NumPy's Highway sort: assumed so).

    Without them, one integer sort of the packed keys beats two float sorts.
    """
    import platform

    if platform.machine().lower() not in ("x86_64", "amd64", "i386", "i686"):
        return True
    try:
        from numpy._core._multiarray_umath import __cpu_features__ as features
    except ImportError:  # another NumPy layout: keep the float sort
        return True
    groups = [g for g in ("X86_V3", "X86_V4") if g in features]  # NumPy >= 2.4
    if groups:
        return any(features[g] for g in groups)
    return bool(features.get("AVX2") or features.get("AVX512_SKX"))


SIMD_FLOAT_SORT = simd_float_sort()


def sorted_apart(
    column: np.ndarray, truth: np.ndarray, packed: bool | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The scores of the positives and of the negatives, each sorted (new arrays).

    ``packed``: sort float32 scores as one array of integer keys with the truth in
    the low bit, then split (faster where NumPy has no SIMD float sort), rather
    than the two float arrays apart; None chooses by the CPU. The same values
    either way, -0.0 as 0.0 (equal to it); NaN columns take the float sort.
    """
    if packed is None:
        packed = not SIMD_FLOAT_SORT
    if packed and column.dtype == np.float32 and len(column):
        values = column + np.float32(0)  # a private copy; -0.0 -> 0.0
        keys = monotone_keys(values)
        low, high = keys.min(), keys.max()
        if not _has_nan(low, high, 4):
            keys = _pack_truth(keys, low, high, truth)
            keys.sort()
            hit = (keys & keys.dtype.type(1)).astype(bool)
            keys >>= keys.dtype.type(1)
            keys += keys.dtype.type(low)  # in 32 bits: the column's own keys
            floats = floats_of(keys.astype(np.uint32), np.dtype(np.float32))
            floats = floats.astype(np.float32)
            return floats[hit], floats[~hit]
    pos, neg = column[truth], column[~truth]
    pos.sort()
    neg.sort()
    return pos, neg
