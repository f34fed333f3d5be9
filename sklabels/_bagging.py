"""Bootstrap-aggregated cut-offs: the mean of the exact optima of resamples.

The exact optimum of one set of held-out scores moves with the rows drawn; its
mean over bootstrap resamples of those rows moves less (bagging). Each resample
is a vector of counts (how often each row was drawn), so a column is sorted
once: a resample's confusion counts at every distinct score are two weighted
``bincount`` calls over the column's sorted groups, then the exact cut is read
off as :func:`~sklabels._sweep.best_cut` reads it (the middle of a plateau of
best values, midway to the next lower drawn score). Rows not drawn add no
candidate cut, as rows of weight 0 add none to :func:`~sklabels._sweep.sweep`.

Each column is resampled on its own (its cut depends on its rows alone), its
draws made in an order set by the column's contents (score, truth, weight), not
by positions: rows or columns given in another order give the same cuts. A
shared (micro) cut resamples the pooled cells.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ._sweep import grouped_best_cut

# "bagged" tuning: 50 resamples up to BAG_ROWS rows; above, fewer, so the rows passed
# over per column stay about BAGS * BAG_ROWS (at least MIN_BAGS). The cross-fitted
# evidence (reported, not used to choose) takes 10, and none above BAG_ROWS rows
# (the exact optimum there: bagging moves a cut of that many rows very little).
BAGS, EVIDENCE_BAGS, BAG_ROWS, MIN_BAGS = 50, 10, 100_000, 10


def bag_count(n_rows: int, evidence: bool = False) -> int:
    """Bootstrap resamples for ``n_rows`` rows (50 up to 100,000 rows)."""
    if evidence:
        return EVIDENCE_BAGS if n_rows <= BAG_ROWS else 0
    return BAGS if n_rows <= BAG_ROWS else max(MIN_BAGS, BAGS * BAG_ROWS // n_rows)


def resample_counts(n: int, seed: Any, b: int, order: np.ndarray):
    """How often each row is drawn by resample ``b``: ``n`` draws with
    replacement, made in ``order``."""
    rng = np.random.default_rng([*np.atleast_1d(seed), b])
    counts = np.empty(n)
    counts[order] = np.bincount(rng.integers(0, n, n), minlength=n)
    return counts


def bagged_cuts(
    values: np.ndarray,
    truth: np.ndarray,
    weight: np.ndarray,
    *,
    objective: Any,
    name: str,
    proba: bool,
    micro: bool,
    seed: Any,
    bags: int,
) -> np.ndarray:
    """Each column's mean exact optimum over ``bags`` bootstrap resamples.

    ``values`` (n, c) scores, ``truth`` (n, c) bool, ``weight`` (n,). Each
    resample draws ``n`` rows with replacement. ``micro``: one
    cut shared by the columns, tuned on their pooled cells. A column gets NaN
    where no resample held a positive and a negative of it; a column with an
    infinite optimum in some resample takes the median of its optima.
    """
    c = values.shape[1]
    if micro:
        values, truth = values.reshape(-1, 1), truth.reshape(-1, 1)
        weight = np.repeat(weight, c)
    n = len(values)
    cuts = np.full((bags, values.shape[1]), np.nan)
    for j in range(values.shape[1]):
        distinct, group = np.unique(values[:, j], return_inverse=True)
        hits = truth[:, j].astype(np.float64)
        # Draws made in an order set by the column's contents: rows (or columns)
        # given in another order are drawn alike.
        order = np.lexsort((weight, hits, values[:, j]))
        for b in range(bags):
            cuts[b, j] = grouped_best_cut(
                distinct,
                group,
                hits,
                weight * resample_counts(n, seed, b, order),
                objective=objective,
                name=name,
                proba=proba,
            )
    seen = ~np.isnan(cuts)
    infinite = np.isinf(cuts).any(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a column never tunable
        mean = np.nanmean(np.where(np.isinf(cuts), np.nan, cuts), axis=0)
        middle = np.nanmedian(cuts, axis=0)
    chosen = np.where(infinite, middle, mean)
    chosen = np.where(seen.any(axis=0), chosen, np.nan)
    return np.repeat(chosen, c) if micro else chosen
