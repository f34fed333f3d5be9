"""Tuning: one exact sweep over sorted scores; objectives are functions of counts.

For a score column ``s`` and a 0/1 truth ``y``, every threshold between two adjacent
distinct scores gives the same predictions, so the candidates are the distinct
scores themselves (predict positive iff ``s >= v``) plus "predict nothing". Sorting
once and taking cumulative (weighted) true/false positive counts at the end of each
run of equal scores gives the confusion counts of every candidate at once; the
objective is then evaluated on whole arrays. O(n log n) per column, exact, no grid.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

Objective = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0 (scikit-learn's zero_division=0)."""
    out = np.zeros(np.broadcast_shapes(np.shape(num), np.shape(den)))
    np.divide(num, den, out=out, where=den > 0)
    return out


def f1(tp, fp, fn, tn):
    """F1 = 2 tp / (2 tp + fp + fn)."""
    return _ratio(2 * tp, 2 * tp + fp + fn)


def balanced_accuracy(tp, fp, fn, tn):
    """Mean of recall and specificity."""
    return (_ratio(tp, tp + fn) + _ratio(tn, tn + fp)) / 2


def youden(tp, fp, fn, tn):
    """Youden's J = recall + specificity - 1."""
    return _ratio(tp, tp + fn) + _ratio(tn, tn + fp) - 1


def accuracy(tp, fp, fn, tn):
    """(tp + tn) / total."""
    return _ratio(tp + tn, tp + fp + fn + tn)


def jaccard(tp, fp, fn, tn):
    """tp / (tp + fp + fn)."""
    return _ratio(tp, tp + fp + fn)


def mcc(tp, fp, fn, tn):
    """Matthews correlation coefficient (0 where undefined)."""
    num = tp * tn - fp * fn
    den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return _ratio(num, den)


OBJECTIVES: dict[str, Objective] = {
    "f1": f1,
    "balanced_accuracy": balanced_accuracy,
    "youden": youden,
    "accuracy": accuracy,
    "jaccard": jaccard,
    "mcc": mcc,
}


@dataclass(frozen=True)
class Sweep:
    """The exact curve of one score column.

    Attributes
    ----------
    cuts : ndarray of shape (n_candidates,)
        Candidate cut scores, descending; predict positive iff ``score >= cut``. The
        first candidate is above the highest score ("predict nothing").
    tp, fp, fn, tn : ndarray of shape (n_candidates,)
        (Weighted) confusion counts at each cut.
    """

    cuts: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray


def sweep(
    scores: np.ndarray, truth: np.ndarray, sample_weight: np.ndarray | None = None
) -> Sweep:
    """Confusion counts at every distinct score of one column (one sort)."""
    scores = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(truth, dtype=bool)
    if sample_weight is None:
        weight = np.ones(len(scores))
    else:
        weight = np.asarray(sample_weight, dtype=np.float64)
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    w = weight[order]
    pos = np.where(truth[order], w, 0.0)
    cum_tp = np.cumsum(pos)
    cum_fp = np.cumsum(w) - cum_tp
    # The end of each run of equal scores: ties are never split.
    ends = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    tp = np.r_[0.0, cum_tp[ends]]
    fp = np.r_[0.0, cum_fp[ends]]
    total_pos, total_neg = cum_tp[-1], cum_fp[-1]
    above = np.nextafter(s[0], np.inf) if len(s) else 0.0
    cuts = np.r_[above, s[ends]]
    return Sweep(cuts, tp, fp, total_pos - tp, total_neg - fp)


def best_cut(curve: Sweep, values: np.ndarray) -> tuple[float, float, int]:
    """Threshold, objective value and index of the best cut of a curve.

    The threshold is the midpoint between the chosen cut and the next lower distinct
    score; on a plateau of equal best values, the middle of the plateau is taken.
    """
    best = float(np.max(values))
    on_top = values >= best - 1e-12 * max(1.0, abs(best))
    first = int(np.argmax(on_top))
    below = np.flatnonzero(~on_top[first:])
    run_end = first + int(below[0]) if below.size else len(values)
    index = (first + run_end - 1) // 2
    cuts = curve.cuts
    if index == 0:
        threshold = float(cuts[0])
    elif index + 1 < len(cuts):
        threshold = float((cuts[index] + cuts[index + 1]) / 2)
    else:
        threshold = float(cuts[index])
    return threshold, best, index
