"""Tuned bands on Dask scores, exactly, in memory independent of the rows.

Tuned cuts need the scores in sorted order: the counts of rows and events above
every distinct score. Here they come from the bounded tuner's summaries
(``sklabels._bounded``): per cell of the monotone float key, the rows, the events
and the lowest and highest key, mergeable over blocks.

1. Pass 1 summarises every block under the root refinement (``2**16`` cells of the
   top bits of the key) and merges the summaries: the cells, from the highest
   key, are groups of scores with exact cumulative counts at their edges.
2. :func:`~sklabels._bands.band_steps` places the boundaries on those groups, as
   on distinct scores. A boundary found there is the true one unless a finer
   split could move it: a cell holding several keys where a top band's largest
   set could end inside it (its events could still reach the floor), a bottom
   band's likewise, or where a share's target row count falls strictly inside
   it. Only those cells are **refined**: the next pass counts, inside each, the
   cells of the next bits of ``key - lowest key``.
3. Passes repeat until no boundary can move; a cell of one key is a distinct
   score, so this ends. Each cut is midway between the lowest score above it and
   the highest below (the cells' lowest and highest keys), as in memory:
   :func:`~sklabels._bands.finish_bands` gives the same cuts bit for bit.

Certified bands (``confidence=``) are not tuned here: their tests count rows at
each cut of a fixed grid, and are refused with an error that says so.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import numpy as np

from .._band_rule import BandRule, band_column, band_event
from .._bands import Bands, band_steps, finish_bands
from .._bounded import BITS, Refinement, merge, root, summarise
from .._sorted_counts import floats_of
from ._blocks import aligned_blocks, length, tree

TOL = 1e-9  # slack of the "could a set end inside this cell" tests: refine more


def tune_bands(bands: Bands, score: Any, event: Any, *, logits: bool = False) -> Bands:
    """:func:`sklabels.tune_bands` on Dask ``score`` and 0/1 ``event`` (1-D)."""
    if bands.fixed:
        return bands
    return _tune(bands, aligned_blocks(score, event), _pair, logits)


def fit_bands(
    bands: Bands, blocks: list, *, fitted: Any, encoding: Any, pos_index: int, first
) -> Bands:
    """The bands ``fit`` tunes on Dask row blocks ``(X, y, weight)``: the cut
    score of the frozen model's scores of each block, its class's truth the event
    (as ``tune_band_rule`` in memory; weights are not used there either).
    ``first``: computed rows of ``X``, which say whether the cut score is a logit."""
    problem = encoding.problem
    rule = BandRule(bands, band_column(bands, encoding.classes, problem, pos_index))
    read = partial(_rule_block, fitted=fitted, encoding=encoding, rule=rule)
    _, logits = rule.score(fitted.scores(first), problem)
    return _tune(bands, blocks, read, logits)


def _tune(bands: Bands, blocks: list, read, logits: bool) -> Bands:
    """The passes: ``read(block)`` gives a block's cut scores and 0/1 events."""
    import dask

    if bands.confidence is not None:
        raise ValueError(
            f"{bands!r} certifies its bands on scores in memory; on Dask inputs "
            f"tune them without confidence=, or compute a sample of the scores and "
            f"tune on it."
        )
    summarise_ = dask.delayed(_summary, pure=True)
    read = dask.delayed(read, pure=True)

    def summaries(refinement):
        parts = [summarise_(read(block), refinement) for block in blocks]
        return dask.compute(tree(parts, _merged))[0]

    cells = summaries(root(np.float64))
    if cells is None or not cells.rows.sum():
        raise ValueError("bands are tuned on labelled rows; none were given.")
    frontier = _Frontier.of(cells)
    while True:
        steps = band_steps(bands, *frontier.descending("rows", "events"))
        open_ = _open_cells(steps, frontier)
        if not open_.any():
            break
        frontier = frontier.refined(open_, summaries(_refinement(frontier, open_)))
    lowest, highest = frontier.descending("lowest", "highest")
    return finish_bands(bands, steps, lowest, highest, logits)


def _pair(block: tuple) -> tuple:
    return block


def _rule_block(block: tuple, *, fitted, encoding, rule) -> tuple | None:
    """One row block's cut scores and events (None: no rows)."""
    X, y, _ = block
    if not length(X):
        return None
    score, _ = rule.score(fitted.scores(X), encoding.problem)
    return score, band_event(rule.column, encoding.encode(y), encoding.problem)


def _summary(part: tuple | None, refinement: Refinement) -> Any:
    if part is None:
        return None
    score, event = part
    score = np.asarray(score, dtype=np.float64).ravel()
    event = np.asarray(event).ravel()
    if len(score) != len(event):
        raise ValueError(
            f"a block of scores holds {len(score)} rows but its labels "
            f"{len(event)}; pass the labels of the same rows."
        )
    if not np.isin(event, (0, 1)).all():
        raise ValueError("events must be 0/1 (or False/True), one per score.")
    return summarise(score, event, None, refinement) if len(score) else None


def _merged(*parts: Any) -> Any:
    parts = [p for p in parts if p is not None]
    return merge(*parts) if parts else None


class _Frontier:
    """Every non-empty cell so far, in increasing key order: rows, events, lowest
    and highest key."""

    def __init__(self, kmin, kmax, rows, events) -> None:
        self.kmin, self.kmax = kmin.astype(np.uint64), kmax.astype(np.uint64)
        self.rows, self.events = rows.astype(np.int64), events.astype(np.float64)

    @classmethod
    def of(cls, summary: Any) -> _Frontier:
        return cls(summary.kmin, summary.kmax, summary.rows, summary.pos)

    def descending(self, *names: str) -> list[np.ndarray]:
        """Per cell from the highest key: ``rows``, ``events``, ``lowest`` or
        ``highest`` (scores)."""
        out = []
        for name in names:
            if name in ("lowest", "highest"):
                keys = self.kmin if name == "lowest" else self.kmax
                values = floats_of(keys, np.dtype(np.float64))
            else:
                values = getattr(self, name)
            out.append(values[::-1])
        return out

    def refined(self, open_: np.ndarray, finer: Any) -> _Frontier:
        """The cells, those ``open_`` (descending order) replaced by their
        children in ``finer``."""
        keep = ~open_[::-1]
        parts = [
            np.concatenate([a[keep], b])
            for a, b in (
                (self.kmin, finer.kmin),
                (self.kmax, finer.kmax),
                (self.rows, finer.rows),
                (self.events, finer.pos),
            )
        ]
        order = np.argsort(parts[0], kind="stable")
        return _Frontier(*(p[order] for p in parts))


def _open_cells(steps: Any, frontier: _Frontier) -> np.ndarray:
    """Per cell from the highest key: whether a boundary could lie inside it."""
    rows, events = frontier.descending("rows", "events")
    several = (frontier.kmin != frontier.kmax)[::-1]
    g = len(rows)
    open_ = np.zeros(g, dtype=bool)
    for start, size, rate, _ in steps.top:
        # a set from `start` ending inside a cell below the answer could hold rate
        n, e = _before(rows[start:]), _before(events[start:])
        could = events[start:] + e >= rate * (n + 1) - TOL * (n + 1)
        could[:size] = False
        open_[start:] |= could
    up_rows, up_events = rows[::-1], events[::-1]
    for stop, size, limit, rate, _ in steps.bottom:
        n, e = _before(up_rows[stop:limit]), _before(up_events[stop:limit])
        reach = n + up_rows[stop:limit]
        could = e <= rate * reach + TOL * reach
        could[:size] = False
        open_[g - limit : g - stop] |= could[::-1]
    lo, hi = steps.middle
    above = _before(rows[lo:hi])
    for target in steps.targets:
        open_[lo:hi] |= (above < target) & (target < above + rows[lo:hi])
    return open_ & several


def _before(values: np.ndarray) -> np.ndarray:
    """Per position, the sum of the values before it."""
    return np.concatenate([[0], np.cumsum(values)[:-1]]) if len(values) else values


def _refinement(frontier: _Frontier, open_: np.ndarray) -> Refinement:
    """The next pass: each open cell cut by the next bits of ``key - lowest key``
    (fewer bits per cell when many are open)."""
    up = open_[::-1]
    lo, hi = frontier.kmin[up], frontier.kmax[up]
    bits = max(1, BITS - int(np.ceil(np.log2(max(len(lo), 1)))))
    width = np.array([int(w).bit_length() for w in (hi - lo)], dtype=np.int64)
    shift = np.maximum(width - bits, 0).astype(np.uint64)
    return Refinement(
        lo=lo,
        hi=hi,
        shift=shift,
        bits=bits,
        itemsize=8,
        start_at=0.5,
        size=len(lo) << bits,
    )
