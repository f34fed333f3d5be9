"""``problem="auto"`` for Dask scores: the core's row-sum rule on statistics
reduced over all rows (``RowSums`` merged, the decimal tests combined)."""

from __future__ import annotations

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


def _row_sums(block: Any) -> RowSums:
    """The block's ``RowSums``, exact within its own float rounding."""
    if length(block) == 0:  # an empty partition: no row, no deviation
        return row_sum_stats(np.empty((0, 0)))
    return row_sum_stats(_block_values(block))


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
    stats = tree([dask.delayed(_row_sums)(b) for b in blocks], RowSums.merge)
    stats = stats.compute()
    dtype = _score_dtype(scores)
    tolerance = float_tolerance(np.empty((0, width), dtype=dtype))
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
