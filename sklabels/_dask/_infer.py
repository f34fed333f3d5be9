"""``problem="auto"`` for Dask scores: the core's row-sum rule on statistics
reduced over all rows (``RowSums`` merged, the decimal tests combined).

The rule counts rows within a float-rounding tolerance of 1, and that tolerance
depends on the precision of all the values (float32 values stored as float64 are
rounded at float32's precision): a block's own precision may be coarser than
that of all rows. So each block counts its rows under every tolerance at most its
own, and the merge keeps the counts under the tolerance of all rows (the least
of the blocks' own), as in memory.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np

from .._scores import (
    RowSums,
    as_float_array,
    check_finite,
    check_inferable,
    column_error,
    decimal_steps,
    float_tolerance,
    kind_of,
    on_decimals,
    problem_of,
    row_sum_stats,
)
from ._blocks import is_frame, length, single_column_chunk, tree


def _block_values(block: Any) -> np.ndarray:
    values = as_float_array(block.to_numpy() if hasattr(block, "to_numpy") else block)
    check_finite(values)
    return values


def tolerances(width: int, dtype: np.dtype) -> list[float]:
    """Every tolerance ``float_tolerance`` gives rows of ``width`` values of
    ``dtype``: at its precision, or at float32's or float16's where narrower."""
    narrow = [np.dtype(np.float16), np.dtype(np.float32), np.dtype(dtype)]
    return sorted(
        {
            float_tolerance(np.empty((0, width), dtype=d))
            for d in narrow
            if d.itemsize <= np.dtype(dtype).itemsize
        }
    )


def _row_sums(block: Any, candidates: list[float]) -> tuple[float, dict]:
    """The block's own tolerance (``float_tolerance``; inf for no rows) and its
    ``RowSums`` under every candidate tolerance at most that."""
    if length(block) == 0:  # an empty partition: no row, no deviation
        empty = row_sum_stats(np.empty((0, 0)))
        return math.inf, dict.fromkeys(candidates, empty)
    values = _block_values(block)
    own = float_tolerance(values)
    return own, {t: row_sum_stats(values, t) for t in candidates if t <= own}


def _merged_sums(*parts: tuple[float, dict]) -> tuple[float, dict]:
    """The least own tolerance, and the ``RowSums`` merged under each tolerance
    every part counted."""
    own = min(p[0] for p in parts)
    shared = [t for t in parts[0][1] if all(t in p[1] for p in parts)]
    return own, {t: RowSums.merge(*(p[1][t] for p in parts)) for t in shared}


def _decimals_passed(block: Any, most: int = 6) -> np.ndarray:
    """For d = 1..most, whether every value is a multiple of 10**-d (``on_decimals``;
    ``rounding_decimals`` takes the fewest d passed by all rows)."""
    passed = np.zeros(most, dtype=bool)
    if length(block) == 0:  # an empty partition: every test passes
        return ~passed
    values = as_float_array(block.to_numpy() if hasattr(block, "to_numpy") else block)
    for d in decimal_steps(values.dtype, most):
        passed[d - 1] = on_decimals(values, d)
    return passed


def _all_passed(*parts: np.ndarray) -> np.ndarray:
    return np.logical_and.reduce(parts)


def _fewest_decimals(blocks: list, dtype: np.dtype) -> int | None:
    """``rounding_decimals`` of all rows: the decimal tests of every block, and-ed."""
    import dask

    passes = [dask.delayed(_decimals_passed)(b) for b in blocks]
    passed = tree(passes, _all_passed).compute()
    return next((d for d in decimal_steps(dtype, len(passed)) if passed[d - 1]), None)


def infer_problem(scores: Any, classes: np.ndarray, width: int, logits: bool) -> str:
    """``problem="auto"`` for Dask scores: the in-memory ``infer_problem`` on
    reductions over all rows (one pass; a second only for rows that sum to 1
    within a rounding bound). Pass ``problem=`` to skip it."""
    import dask

    if width == 1:
        return "binary"
    if width != len(classes):
        raise column_error(width, len(classes), classes, "scores")
    check_inferable(width, from_logits=logits)
    blocks = _score_blocks(scores)
    dtype = _score_dtype(scores)
    candidates = tolerances(width, dtype)
    sums = [dask.delayed(_row_sums)(b, candidates) for b in blocks]
    tolerance, stats = tree(sums, _merged_sums).compute()
    if tolerance == math.inf:  # no rows at all
        tolerance = candidates[0]
    stats = stats[tolerance]
    kind = kind_of(stats, width, tolerance, partial(_fewest_decimals, blocks, dtype))
    return problem_of(kind, stats, width)


def _score_dtype(scores: Any) -> np.dtype:
    if is_frame(scores):
        dtypes = scores.dtypes if hasattr(scores, "columns") else None
        if dtypes is None:
            return np.dtype(scores.dtype)
        return np.result_type(*[np.dtype(t) for t in dtypes])
    dtype = np.dtype(scores.dtype)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _score_blocks(scores: Any) -> list:
    if is_frame(scores):
        return list(scores.to_delayed())
    return list(single_column_chunk(scores).to_delayed().ravel())
