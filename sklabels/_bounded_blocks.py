"""Bounded-memory exact tuning over blocks: the driver, and small reductions.

``tune_bounded`` runs :class:`~sklabels._bounded.ColumnTuner` pass by pass over
blocks held in memory or read afresh for each pass; ``column_tuning`` turns the
columns' results into the engine's ``ColumnTuning``; ``counts_at`` and
``neighbours`` are the mergeable reductions a block-wise layer (Dask) needs besides
tuning (a label's counts at a shared cut, the scores on each side of a cut).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from ._bounded import (
    BITS,
    CELLS,
    ColumnResult,
    ColumnTuner,
    Refinement,
    Summary,
    merge,
    summarise,
)
from ._objectives import Objective
from ._sweep import ColumnTuning
from ._warnings import FEW_POSITIVES

# ----------------------------------------------------------------------------------
# A driver over blocks held in memory (or read afresh for each pass)
# ----------------------------------------------------------------------------------


def _as_block(
    scores, truth, weight
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    scores = np.asarray(scores)
    truth = np.asarray(truth)
    if scores.ndim == 1:
        scores = scores[:, None]
    if truth.ndim == 1:
        truth = truth[:, None]
    return scores, truth, weight


def summarise_block(
    scores, truth, weight, refinements: list[Refinement | None]
) -> list[Summary | None]:
    """The summaries of one row block, one per column: ``scores`` and ``truth``
    ``(n, k)`` (or 1-D), ``weight`` ``(n,)`` or None; None for a column whose
    refinement is None (tuned already)."""
    scores, truth, weight = _as_block(scores, truth, weight)
    return [
        None if r is None else summarise(scores[:, j], truth[:, j], weight, r)
        for j, r in enumerate(refinements)
    ]


def tune_bounded(
    blocks: Callable[[], Iterable[tuple]],
    *,
    objective: Objective,
    name: str,
    proba: bool = False,
    start_at: float = 0.5,
    bits: int = BITS,
    cells: int = CELLS,
) -> ColumnTuning:
    """``tune_columns`` on data read in blocks, in memory independent of the rows.

    ``blocks()`` returns a fresh iterable of ``(scores, truth, weight)`` blocks:
    scores ``(n, k)`` (or 1-D: one column), truth 0/1 of the same shape, weight
    ``(n,)`` or None; it is called once per pass: usually 2 (the bins, then the
    keys of the few rows the bins left open), more where many rows lie near the
    best cut or a constrained objective's floor is unreachable.
    Columns keep ``start_at`` where untuned or constant, as ``tune_columns`` with
    ``defaults`` all ``start_at``. No curves.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabels._objectives import f1
    >>> scores = np.array([0.1, 0.4, 0.35, 0.8, 0.7, 0.2], dtype=np.float32)
    >>> truth = np.array([0, 0, 1, 1, 1, 0], dtype=bool)
    >>> def blocks():  # two blocks, read afresh on every pass
    ...     yield scores[:3], truth[:3], None
    ...     yield scores[3:], truth[3:], None
    >>> result = tune_bounded(blocks, objective=f1, name="f1", proba=True)
    >>> float(result.thresholds[0]), float(result.best[0])  # between 0.2 and 0.35
    (0.2749999985098839, 0.8571428571428571)
    """
    tuners: list[ColumnTuner] | None = None
    while tuners is None or any(t.refinement is not None for t in tuners):
        merged: list[Summary | None] | None = None
        for block in blocks():
            scores, truth, weight = _as_block(*block)
            if tuners is None:
                tuners = [
                    ColumnTuner(
                        objective,
                        name,
                        proba,
                        scores.dtype,
                        start_at=start_at,
                        bits=bits,
                        cells=cells,
                    )
                    for _ in range(scores.shape[1])
                ]
            parts = summarise_block(
                scores, truth, weight, [t.refinement for t in tuners]
            )
            if merged is None:
                merged = parts
            else:
                merged = [
                    None if a is None else merge(a, b)
                    for a, b in zip(merged, parts, strict=True)
                ]
        if tuners is None:
            raise ValueError("no blocks of scores to tune on.")
        for tuner, summary in zip(tuners, merged, strict=True):
            if tuner.refinement is not None:
                tuner.feed(summary)
    return column_tuning([t.result() for t in tuners])


def column_tuning(results: list[ColumnResult]) -> ColumnTuning:
    """The columns' results as ``tune_columns`` returns them."""
    tuning = ColumnTuning(
        np.array([r.threshold for r in results]),
        np.array([r.best for r in results]),
        None,
        start=np.array([r.start for r in results]),
    )
    for j, r in enumerate(results):
        if r.untuned or r.constant:
            (tuning.untuned if r.untuned else tuning.constant).append(j)
        elif r.unreachable is not None:
            tuning.unreachable.append((j, *r.unreachable))
        if 0 < r.hits < FEW_POSITIVES and not r.constant:
            tuning.few.append((j, r.hits))
    return tuning


# ----------------------------------------------------------------------------------
# Small mergeable reductions the Dask layer needs besides tuning
# ----------------------------------------------------------------------------------


def counts_at(scores, truth, weight, threshold: float) -> np.ndarray:
    """``[tp, fp, fn, tn]`` of one block at ``score >= threshold`` (add to merge):
    a label's own value at a shared (micro) threshold."""
    scores = np.asarray(scores)
    truth = np.asarray(truth, dtype=bool)
    w = np.ones(len(scores)) if weight is None else np.asarray(weight, np.float64)
    pred = scores >= np.float64(threshold)
    masks = (pred & truth, pred & ~truth, ~pred & truth, ~pred & ~truth)
    return np.array([w[m].sum() for m in masks])


def neighbours(scores, threshold: float) -> tuple[float, float]:
    """The highest score below ``threshold`` and the lowest at or above it (-inf,
    +inf where none), over every row: merge by max and min. All a logit cut-off's
    conversion to a probability reads of the tuning scores."""
    scores = np.asarray(scores, dtype=np.float64)
    below = scores[scores < threshold]
    above = scores[scores >= threshold]
    return (
        float(below.max()) if below.size else -np.inf,
        float(above.min()) if above.size else np.inf,
    )
