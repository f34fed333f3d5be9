"""The exact optimum of one column from its positives' scores, without the full curve.

For an objective that never gains from a false positive (at the same true
positives, one more false positive never raises it: F1, F-beta, Jaccard, accuracy,
balanced accuracy, Youden's J, precision, recall and their constrained forms), a
cut whose score is held by negatives only is never better than the cut just above
it. So the best value lies at "predict nothing" or at a distinct score of a
positive, and only those candidates need the objective.

The positives and the negatives are sorted apart, as floats (NumPy's SIMD sort
where the CPU has one; elsewhere one sort of integer keys carrying the truth,
then split); the true positives of a candidate are its rank among the
positives, the false positives a binary search among the negatives. The chosen
threshold follows the full curve's rules exactly: the plateau of equal best values
is walked on every distinct score of all rows (a few around the optimum, found by
binary search), its middle taken, and the threshold set midway to the next lower
distinct score of all rows. Thresholds, values and the value at the default
threshold are those of the full sweep, bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._objectives import (
    TOL,
    FBeta,
    PrecisionAtRecall,
    RecallAtPrecision,
    accuracy,
    balanced_accuracy,
    evaluate,
    f1,
    jaccard,
    precision,
    recall,
    youden,
)
from ._sorted_counts import sorted_apart

_NEVER_GAIN_FROM_FP = (f1, balanced_accuracy, youden, accuracy, jaccard)
_NEVER_GAIN_FROM_FP += (precision, recall)
_FIRST_WINDOW = 64  # distinct scores read past the plateau's start at first


def never_gains_from_false_positives(objective: Any) -> bool:
    """Whether one more false positive (same true positives) never raises it.

    Only objectives known to be so, in floating point as well: each is a ratio or
    sum whose rounding is monotone in the false positives.
    """
    if type(objective) in (FBeta, RecallAtPrecision, PrecisionAtRecall):
        return True
    return any(objective is known for known in _NEVER_GAIN_FROM_FP)


def plateau_floor(best: float) -> float:
    """The least value still on the plateau of ``best`` (the rest is rounding)."""
    return best - TOL * max(1.0, abs(best))


def halfway(upper: float, lower: float) -> float:
    """Midway between two adjacent cuts, or ``upper`` where adjacent floats meet."""
    mid = (upper + lower) / 2
    return mid if lower < mid <= upper else upper


def tune_by_positives(
    column: np.ndarray,
    hits: np.ndarray,
    objective: Any,
    name: str,
    *,
    proba: bool,
    start_at: float,
) -> tuple[float, float, float] | None:
    """``(threshold, best value, value at start_at)`` of one unweighted column.

    ``None`` where the full sweep must decide: other dtypes, NaN, no positives or
    no negatives, or no cut meeting a constrained objective's floor.
    """
    if column.dtype not in (np.float32, np.float64):
        return None
    pos, neg = sorted_apart(column, hits)
    if not (pos.size and neg.size) or np.isnan(pos[-1]) or np.isnan(neg[-1]):
        return None
    counts = _Counts(pos, neg, objective, name)
    top = max(float(pos[-1]), float(neg[-1])) + 0.0
    unavailable = proba and top >= 1.0  # no probability predicts nothing
    # Without "predict nothing", the top score is a candidate whoever holds it.
    values, candidates = counts.at_positive_scores(with_top=unavailable)
    if unavailable:
        values[0] = -np.inf
    best = float(np.max(values))
    if best == -np.inf:
        return None
    floor = plateau_floor(best)
    first = int(np.argmax(values >= floor))
    nothing = (np.nextafter(1.0, np.inf) if unavailable else 1.0) if proba else None
    if nothing is None:
        nothing = float(np.nextafter(top, np.inf))
    upper_bound = None if first == 0 else candidates[first - 1]
    threshold = counts.plateau_threshold(upper_bound, floor, nothing)
    return threshold, best, counts.value_at(start_at)


class _Counts:
    """Confusion counts of one column's cuts from its sorted positives and negatives."""

    def __init__(self, pos: np.ndarray, neg: np.ndarray, objective: Any, name: str):
        self.pos, self.neg = pos, neg
        self.objective, self.name = objective, name

    def values(self, tp: np.ndarray, fp: np.ndarray) -> np.ndarray:
        """The objective at counts ``tp``, ``fp`` (floats), as the full sweep has it."""
        n_pos, n_neg = self.pos.size, self.neg.size
        return evaluate(self.objective, self.name, tp, fp, n_pos - tp, n_neg - fp)

    def at(self, cuts: np.ndarray) -> np.ndarray:
        """The objective at cuts (scores of this column's dtype): ``score >= cut``."""
        tp = np.float64(self.pos.size) - np.searchsorted(self.pos, cuts, "left")
        fp = np.float64(self.neg.size) - np.searchsorted(self.neg, cuts, "left")
        return self.values(tp, fp)

    def at_positive_scores(self, with_top: bool) -> tuple[np.ndarray, np.ndarray]:
        """The objective at "predict nothing" and at each distinct positive score
        (decreasing), and those scores; ``with_top``: the top score of all too."""
        desc = self.pos[::-1]
        if with_top and self.neg[-1] > desc[0]:
            desc = np.concatenate([self.neg[-1:], desc])
        new = np.empty(desc.size, dtype=bool)
        new[0] = True
        np.not_equal(desc[1:], desc[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        candidates = desc[starts]
        tp = np.zeros(starts.size + 1)
        tp[1:-1] = starts[1:]  # positives at or above a score: those before the next
        tp[-1] = desc.size
        if desc.size > self.pos.size:  # the negatives' top came first
            tp[1:] -= 1
        fp = np.zeros(starts.size + 1)
        below = np.searchsorted(self.neg, candidates[::-1], "left")[::-1]
        np.subtract(self.neg.size, below, out=fp[1:])
        return self.values(tp, fp), candidates

    def below(self, cut: Any, count: int) -> np.ndarray:
        """The next ``count`` distinct scores of all rows below ``cut`` (decreasing;
        fewer at the bottom). ``cut=None``: from the top."""
        i = self.pos.size if cut is None else np.searchsorted(self.pos, cut, "left")
        j = self.neg.size if cut is None else np.searchsorted(self.neg, cut, "left")
        near = np.concatenate(
            [self.pos[max(0, i - count) : i], self.neg[max(0, j - count) : j]]
        )
        return np.unique(near)[::-1][:count]

    def plateau_threshold(self, first: Any, floor: float, nothing: float) -> float:
        """The threshold in the middle of the plateau that starts at cut ``first``
        (``None``: "predict nothing", whose threshold is ``nothing``)."""
        count = _FIRST_WINDOW
        while True:
            lower = self.below(first, count)
            off = np.flatnonzero(self.at(lower) < floor)
            if off.size or lower.size < count:
                break
            count *= 8
        run = int(off[0]) + 1 if off.size else lower.size + 1  # cuts on the plateau
        middle = (run - 1) // 2  # counted from the plateau's first cut
        if first is None and middle == 0:
            return float(nothing)
        upper = float(first if middle == 0 else lower[middle - 1]) + 0.0
        if middle >= lower.size:  # the lowest cut of all
            return upper
        return halfway(upper, float(lower[middle]) + 0.0)

    def value_at(self, threshold: float) -> float:
        """The objective at ``score >= threshold`` (a float64 threshold)."""
        cut = self.pos.dtype.type(threshold)
        if float(cut) < threshold:  # the least score of this dtype >= threshold
            cut = np.nextafter(cut, self.pos.dtype.type(np.inf))
        return float(self.at(np.array([cut]))[0])
