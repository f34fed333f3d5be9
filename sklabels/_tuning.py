"""Tuning: one exact sweep over sorted scores; objectives are functions of counts.

For a score column ``s`` and a 0/1 truth ``y``, every threshold between two adjacent
distinct scores gives the same predictions, so the candidates are the distinct
scores themselves (predict positive iff ``s >= v``) plus "predict nothing". Sorting
once and taking cumulative (weighted) true/false positive counts at each run of equal
scores gives the confusion counts of every candidate at once; the objective is then
evaluated on whole arrays. O(n log n) per column, exact, no grid.

Multiclass problems use the ratio rule ``argmax_k s_k / t_k``, i.e. ``argmax_k
log s_k + w_k`` with ``w_k = -log t_k``. With every other ``w`` fixed, sample ``i`` is
predicted ``j`` iff ``w_j > d_i`` where ``d_i = max_{k != j}(log s_ik + w_k) - log
s_ij``: the same sweep over the sorted ``d`` gives the exact line search over
``w_j``. Coordinate ascent over the classes, starting from argmax (all ``w = 0``) and
accepting only strict improvements, never ends below argmax on the tuning data.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import sklearn

Objective = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]

# Per-class tuning on fewer positives than this is flagged as likely to overfit.
FEW_POSITIVES = 10
# Multiclass coordinate ascent: full passes over the classes at most.
MAX_PASSES = 20
# Improvements smaller than this (relative) do not count: they are rounding.
_TOL = 1e-12
# Multiclass line search: breakpoints closer than this (relative) are one breakpoint.
_MERGE = 1e-10


class UnreachableConstraintWarning(UserWarning):
    """No threshold meets a precision/recall constraint on the tuning data."""


class FewPositivesWarning(UserWarning):
    """A class's threshold cannot be tuned reliably, or at all.

    Raised for too few positives (the threshold is likely to overfit), for no
    positives or no negatives, and for scores that are the same for every sample
    (a constant predictor): in the last two cases nothing can be tuned and the
    class keeps its default threshold.
    """


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SKLEARN_DIR = os.path.dirname(os.path.abspath(sklearn.__file__))


def user_stacklevel() -> int:
    """``stacklevel`` for ``warnings.warn`` that points at the user's own call.

    Counts the frames inside sklabels and scikit-learn (``fit`` wrappers) between
    the function that warns (the caller of this one) and the user's code.
    """
    frame = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(
        (_PACKAGE_DIR, _SKLEARN_DIR)
    ):
        frame = frame.f_back
        level += 1
    return level


# ----------------------------------------------------------------------- objectives
def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0 (scikit-learn's zero_division=0)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast_shapes(num.shape, den.shape))
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
    tp, fp, fn, tn = (np.asarray(a, dtype=np.float64) for a in (tp, fp, fn, tn))
    num = tp * tn - fp * fn
    den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return _ratio(num, den)


def precision(tp, fp, fn, tn):
    """tp / (tp + fp), 0 when nothing is predicted."""
    return _ratio(tp, tp + fp)


def recall(tp, fp, fn, tn):
    """tp / (tp + fn), 0 when there are no positives."""
    return _ratio(tp, tp + fn)


OBJECTIVES: dict[str, Objective] = {
    "f1": f1,
    "balanced_accuracy": balanced_accuracy,
    "youden": youden,
    "accuracy": accuracy,
    "jaccard": jaccard,
    "mcc": mcc,
}


def _check_positive(value: Any, name: str, *, upper: float | None = None) -> float:
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value <= 0
        or (upper is not None and value > upper)
    ):
        bound = f"in (0, {upper:g}]" if upper is not None else "> 0"
        raise ValueError(f"{name} must be a number {bound}, got {value!r}.")
    return float(value)


class FBeta:
    """F-beta: ``(1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp)``.

    ``beta > 1`` weighs recall more (``FBeta(2)``: missing a positive costs as much as
    four false alarms' worth of precision), ``beta < 1`` weighs precision more.

    Parameters
    ----------
    beta : float > 0
        ``FBeta(1)`` is F1.

    Examples
    --------
    >>> from sklabels import FBeta, tune_thresholds
    >>> result = tune_thresholds([0, 1, 1, 0], [0.1, 0.4, 0.8, 0.6], scoring=FBeta(2))
    >>> float(result.thresholds)  # recall counts more: every positive is caught
    0.25
    """

    def __init__(self, beta: float) -> None:
        self.beta = _check_positive(beta, "beta")

    def __call__(self, tp, fp, fn, tn):
        b2 = self.beta**2
        return _ratio((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)

    def __repr__(self) -> str:
        return f"FBeta(beta={self.beta:g})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FBeta) and other.beta == self.beta

    def __hash__(self) -> int:
        return hash((FBeta, self.beta))


class Cost:
    """Expected cost per sample, negated so that greater is better.

    The value is ``-(fp * FP + fn * FN + tp * TP + tn * TN) / n`` (as scikit-learn's
    ``neg_*`` scorers); tuning it finds the cost-minimising threshold. Gains can be
    given as negative costs.

    Parameters
    ----------
    fp, fn : float, default=1.0
        Cost of a false positive and of a false negative.
    tp, tn : float, default=0.0
        Cost of a true positive and of a true negative.

    Examples
    --------
    >>> from sklabels import Cost
    >>> Cost(fp=1, fn=10)  # a missed positive costs ten false alarms
    Cost(fp=1, fn=10, tp=0, tn=0)
    """

    def __init__(
        self, *, fp: float = 1.0, fn: float = 1.0, tp: float = 0.0, tn: float = 0.0
    ) -> None:
        for name, value in (("fp", fp), ("fn", fn), ("tp", tp), ("tn", tn)):
            if (
                not isinstance(value, numbers.Real)
                or isinstance(value, bool)
                or not math.isfinite(value)
            ):
                raise ValueError(
                    f"Cost({name}=...) must be a finite number, got {value!r}."
                )
        self.fp, self.fn, self.tp, self.tn = float(fp), float(fn), float(tp), float(tn)

    def __call__(self, tp, fp, fn, tn):
        total = self.fp * fp + self.fn * fn + self.tp * tp + self.tn * tn
        return -_ratio(total, np.asarray(tp) + fp + fn + tn)

    def __repr__(self) -> str:
        return f"Cost(fp={self.fp:g}, fn={self.fn:g}, tp={self.tp:g}, tn={self.tn:g})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cost) and (self.fp, self.fn, self.tp, self.tn) == (
            other.fp,
            other.fn,
            other.tp,
            other.tn,
        )

    def __hash__(self) -> int:
        return hash((Cost, self.fp, self.fn, self.tp, self.tn))


class _Constrained:
    """Maximise one rate subject to a floor on another; ``-inf`` where it fails.

    Where no cut meets the floor, tuning falls back to the cut that comes closest
    to it, and reports the rate it maximises at that cut (:meth:`achieved`): the
    value actually reached, never ``-inf``.
    """

    _target: Objective
    _constraint: Objective
    _constraint_name: str
    _parameter: str

    def __init__(self, minimum: float) -> None:
        self.minimum = _check_positive(minimum, self._parameter, upper=1.0)

    def __call__(self, tp, fp, fn, tn):
        met = self.reachable(tp, fp, fn, tn) >= self.minimum - _TOL
        return np.where(met, self._target(tp, fp, fn, tn), -np.inf)

    def reachable(self, tp, fp, fn, tn):
        """The constrained rate at each cut (what the floor applies to)."""
        return type(self)._constraint(tp, fp, fn, tn)

    def achieved(self, tp, fp, fn, tn):
        """The rate maximised at each cut, whether or not the floor is met."""
        return type(self)._target(tp, fp, fn, tn)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._parameter}={self.minimum:g})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.minimum == self.minimum

    def __hash__(self) -> int:
        return hash((type(self), self.minimum))


class RecallAtPrecision(_Constrained):
    """The highest recall whose precision is at least ``min_precision``.

    When no threshold reaches the precision floor on the tuning data, an
    :class:`UnreachableConstraintWarning` names the best precision reachable, and the
    threshold that reaches it is used. The score reported for that class
    (``best_score``, ``class_scores``, the curve's ``best_score``) is then the recall
    at that threshold -- what is achieved there, with the floor not met -- and the
    warning states both numbers.

    Parameters
    ----------
    min_precision : float in (0, 1]

    Examples
    --------
    >>> import warnings
    >>> from sklabels import RecallAtPrecision, tune_thresholds
    >>> y = [1, 1, 0, 1, 1, 1, 0]
    >>> p = [0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.9]
    >>> with warnings.catch_warnings(record=True):  # the top score is a negative
    ...     result = tune_thresholds(y, p, scoring=RecallAtPrecision(0.99))
    >>> float(result.thresholds)  # the best precision reachable: 3 of 4 above it
    0.4
    >>> result.best_score  # reported: the recall there, 3 of 5
    0.6
    """

    _target = staticmethod(recall)
    _constraint = staticmethod(precision)
    _constraint_name = "precision"
    _parameter = "min_precision"

    def __init__(self, min_precision: float) -> None:
        super().__init__(min_precision)

    @property
    def min_precision(self) -> float:
        return self.minimum


class PrecisionAtRecall(_Constrained):
    """The highest precision whose recall is at least ``min_recall``.

    The floor is always reachable where the class has positives: predicting every
    sample positive gives recall 1.

    Parameters
    ----------
    min_recall : float in (0, 1]
    """

    _target = staticmethod(precision)
    _constraint = staticmethod(recall)
    _constraint_name = "recall"
    _parameter = "min_recall"

    def __init__(self, min_recall: float) -> None:
        super().__init__(min_recall)

    @property
    def min_recall(self) -> float:
        return self.minimum


def resolve_objective(scoring: Any) -> tuple[Objective, str]:
    """The objective callable and its display name."""
    if isinstance(scoring, str):
        if scoring not in OBJECTIVES:
            raise ValueError(
                f"scoring={scoring!r} is not a known objective; choose one of "
                f"{sorted(OBJECTIVES)}, or pass FBeta(beta), Cost(fp=..., fn=...), "
                f"RecallAtPrecision(p), PrecisionAtRecall(r), or a callable "
                f"f(tp, fp, fn, tn) -> array."
            )
        return OBJECTIVES[scoring], scoring
    if callable(scoring):
        name = getattr(scoring, "__name__", None) or repr(scoring)
        return scoring, name
    raise TypeError(
        f"scoring must be an objective name such as 'f1', or a callable "
        f"f(tp, fp, fn, tn) -> array, got {scoring!r}."
    )


def evaluate(objective: Objective, name: str, tp, fp, fn, tn) -> np.ndarray:
    """Call an objective on count arrays and check what it returned."""
    values = np.asarray(objective(tp, fp, fn, tn), dtype=np.float64)
    if values.shape != np.shape(tp):
        try:
            values = np.broadcast_to(values, np.shape(tp))
        except ValueError:
            raise ValueError(
                f"the objective {name} returned shape {values.shape} for count arrays "
                f"of shape {np.shape(tp)}; it must work elementwise on numpy arrays."
            ) from None
    if np.isnan(values).any():
        raise ValueError(
            f"the objective {name} returned NaN for some counts; return a number for "
            f"every (tp, fp, fn, tn), e.g. 0 where a ratio is undefined."
        )
    return values


# ----------------------------------------------------------------------- the sweep
@dataclass(frozen=True)
class ThresholdCurve:
    """The exact objective curve of one class.

    Attributes
    ----------
    thresholds : ndarray of shape (n_candidates,)
        Candidate cuts in decreasing order: the class is predicted iff its score is
        ``>= thresholds[i]``. The first candidate predicts nothing; each later one is
        a distinct score. (Multiclass: the class's ratio threshold, decreasing, so
        that the class is predicted more and more often.)
    scores : ndarray of shape (n_candidates,)
        The objective at each candidate (the overall objective for multiclass line
        searches).
    tp, fp, fn, tn : ndarray of shape (n_candidates,)
        The class's (weighted) one-vs-rest confusion counts at each candidate.
    best_threshold : float
        The threshold chosen: midway between the best candidate and the next lower
        distinct score, in the middle of a plateau of equal best values.
    best_score : float
        The objective at ``best_threshold``.
    """

    thresholds: np.ndarray
    scores: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray
    best_threshold: float
    best_score: float

    @property
    def precision(self) -> np.ndarray:
        """Precision at each candidate (0 where nothing is predicted)."""
        return precision(self.tp, self.fp, self.fn, self.tn)

    @property
    def recall(self) -> np.ndarray:
        """Recall at each candidate (0 without positives)."""
        return recall(self.tp, self.fp, self.fn, self.tn)


@dataclass(frozen=True)
class Sweep:
    """Confusion counts of one score column at every candidate cut.

    ``cuts[0]`` predicts nothing; ``cuts[i]`` for ``i >= 1`` are the distinct scores
    in decreasing order (predict positive iff ``score >= cuts[i]``).
    """

    cuts: np.ndarray
    tp: np.ndarray
    fp: np.ndarray
    fn: np.ndarray
    tn: np.ndarray
    available: np.ndarray | None = None  # False where a cut cannot be expressed


def sweep(
    scores: np.ndarray,
    truth: np.ndarray,
    sample_weight: np.ndarray | None = None,
    *,
    proba: bool = False,
) -> Sweep:
    """Confusion counts at every distinct score of one column, with one sort.

    Sorting ascending, the cut at a distinct value ``v`` whose run starts at sorted
    position ``i`` predicts the ``n - i`` highest scores; the true positives there are
    all positives minus those before ``i``. Ties are never split. Samples of weight
    0 are left out, as if removed: they add no candidate cut.
    """
    scores = np.asarray(scores)
    if scores.dtype.kind != "f":
        scores = scores.astype(np.float64)
    truth = np.asarray(truth, dtype=bool)
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if not sample_weight.all():
            keep = sample_weight != 0
            scores, truth, sample_weight = (
                scores[keep],
                truth[keep],
                sample_weight[keep],
            )
    n = len(scores)
    if sample_weight is None and scores.dtype == np.float32 and n:
        s, pos = _sorted_with_truth(scores, truth)
    else:
        order = np.argsort(scores)  # unstable is fine: equal scores are grouped
        s = scores[order]
        pos = truth[order] if sample_weight is None else None
    change = np.empty(n, dtype=bool)
    if n:
        change[0] = True
        np.not_equal(s[1:], s[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    m = len(starts) + 1  # candidates: the distinct scores and "predict nothing"
    tp = np.empty(m)
    pp = np.empty(m)  # predicted positive
    tp[0] = pp[0] = 0.0
    if sample_weight is None:
        cum = np.cumsum(pos, dtype=np.int64)
        before_pos = cum[starts]
        before_pos -= pos[starts]  # positives strictly below each run
        total_pos, total = int(cum[-1]) if n else 0, n
        np.subtract(total_pos, before_pos[::-1], out=tp[1:])
        np.subtract(total, starts[::-1], out=pp[1:])
    else:
        w = np.asarray(sample_weight, dtype=np.float64)[order]
        cum = np.zeros(n + 1)
        np.cumsum(np.where(truth[order], w, 0.0), out=cum[1:])
        cum_w = np.zeros(n + 1)
        np.cumsum(w, out=cum_w[1:])
        total_pos, total = float(cum[-1]), float(cum_w[-1])
        np.subtract(total_pos, cum[starts][::-1], out=tp[1:])
        np.subtract(total, cum_w[starts][::-1], out=pp[1:])
    total_neg = total - total_pos
    fp = pp - tp
    cuts = np.empty(len(starts) + 1, dtype=np.float64)
    cuts[1:] = s[starts][::-1]
    available = None
    top = cuts[1] if n else 0.0
    if proba and n and top >= 1.0:
        cuts[0] = np.nextafter(1.0, np.inf)
        available = np.ones(len(cuts), dtype=bool)
        available[0] = False  # no probability threshold predicts nothing here
    elif proba:
        cuts[0] = 1.0
    else:
        cuts[0] = np.nextafter(top, np.inf)
    return Sweep(cuts, tp, fp, total_pos - tp, total_neg - fp, available)


def _sorted_with_truth(
    scores: np.ndarray, truth: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Ascending float32 scores and the truth in the same order, by one value sort.

    Each score's bits, mapped to an unsigned integer of the same order, are shifted
    left and the truth bit put below them: sorting these keys (a plain sort, about
    2.5x faster than an argsort) sorts the scores and carries the truth along. Equal
    scores end up adjacent whatever their truth, which is all the sweep needs.
    """
    values = scores + np.float32(0)  # a contiguous copy; -0.0 becomes 0.0
    bits = values.view(np.uint32)
    negative = (bits >> np.uint32(31)).astype(bool)
    flip = np.where(negative, np.uint32(0xFFFFFFFF), np.uint32(0x80000000))
    keys = (bits ^ flip).astype(np.uint64) << np.uint64(1)
    keys |= truth
    keys.sort()
    pos = (keys & np.uint64(1)).astype(bool)
    ordered = (keys >> np.uint64(1)).astype(np.uint32)
    negative = ~(ordered >> np.uint32(31)).astype(bool)
    ordered ^= np.where(negative, np.uint32(0xFFFFFFFF), np.uint32(0x80000000))
    return ordered.view(np.float32), pos


def _plateau_middle(values: np.ndarray) -> tuple[int, float]:
    """Index of the middle of the first plateau of best values, and that value."""
    best = float(np.max(values))
    on_top = values >= best - _TOL * max(1.0, abs(best))
    first = int(np.argmax(on_top))
    below = np.flatnonzero(~on_top[first:])
    run_end = first + int(below[0]) if below.size else len(values)
    return (first + run_end - 1) // 2, best


def midpoint(cuts: np.ndarray, index: int) -> float:
    """A threshold giving the predictions of ``cuts[index]``, midway to the next cut."""
    upper = float(cuts[index])
    if index == 0 or index + 1 >= len(cuts):
        return upper
    lower = float(cuts[index + 1])
    mid = (upper + lower) / 2
    # Adjacent floats: the midpoint may round onto the lower score.
    return mid if lower < mid <= upper else upper


def best_cut(curve: Sweep, values: np.ndarray) -> tuple[float, float, int]:
    """Threshold, objective value and index of the best cut of a curve.

    The threshold is the midpoint between the chosen cut and the next lower distinct
    score; on a plateau of equal best values, the middle of the plateau is taken.
    """
    if curve.available is not None:
        values = np.where(curve.available, values, -np.inf)
    index, best = _plateau_middle(values)
    return midpoint(curve.cuts, index), best, index


# ------------------------------------------------------------- per-column tuning
@dataclass
class ColumnTuning:
    """Per-column results of :func:`tune_columns`."""

    thresholds: np.ndarray
    best: np.ndarray
    curves: list[ThresholdCurve] | None
    start: np.ndarray | None = None  # the value at the default threshold
    untuned: list[int] = field(default_factory=list)  # no positives or no negatives
    constant: list[int] = field(default_factory=list)  # one score for every sample
    few: list[tuple[int, float]] = field(default_factory=list)
    unreachable: list[tuple[int, float, float]] = field(default_factory=list)


def _tune_one(
    column: np.ndarray,
    truth: np.ndarray,
    weight: np.ndarray | None,
    objective: Objective,
    name: str,
    proba: bool,
    keep_curve: bool,
    start_at: float = 0.5,
) -> tuple[float, float, ThresholdCurve | None, tuple[float, float] | None, float]:
    """Best threshold and value of one column; the fallback when unreachable; and
    the value at ``start_at`` (the default threshold), read off the same curve."""
    curve = sweep(column, truth, weight, proba=proba)
    values = evaluate(objective, name, curve.tp, curve.fp, curve.fn, curve.tn)
    # Cuts decrease: the threshold predicts what the lowest cut >= it predicts.
    at = int(np.searchsorted(-curve.cuts, -start_at, side="right")) - 1
    start = float(values[max(at, 0)])
    threshold, best, _ = best_cut(curve, values)
    unreachable = None
    if best == -np.inf and isinstance(objective, _Constrained):
        # Nothing meets the floor: take the cut that comes closest to it, and
        # report what is achieved there (the rate maximised), not -inf.
        reach = objective.reachable(curve.tp, curve.fp, curve.fn, curve.tn)
        threshold, closest, index = best_cut(curve, reach)
        counts = (curve.tp, curve.fp, curve.fn, curve.tn)
        at = (c[index : index + 1] for c in counts)
        best = float(evaluate(objective.achieved, name, *at)[0])
        unreachable = (closest, threshold, best)
    result = None
    if keep_curve:
        result = ThresholdCurve(
            curve.cuts, values, curve.tp, curve.fp, curve.fn, curve.tn, threshold, best
        )
    return threshold, best, result, unreachable, start


def tune_columns(
    values: np.ndarray,
    truth: np.ndarray,
    *,
    objective: Objective,
    name: str,
    sample_weight: np.ndarray | None = None,
    proba: bool = False,
    defaults: np.ndarray | None = None,
    keep_curves: bool = False,
    start_at: float = 0.5,
) -> ColumnTuning:
    """Tune every column of ``values`` alone against the 0/1 ``truth`` column.

    One sort per column; no Python loop over cut points. A column whose truth has no
    positives or no negatives, or whose scores are all equal (a constant predictor:
    no threshold separates anything), keeps its ``defaults`` value (``start_at``
    where none are given): there is nothing to tune on. ``start`` holds each
    column's value at the threshold ``start_at``.
    """
    n, k = values.shape
    thresholds = np.empty(k)
    best = np.empty(k)
    curves: list[ThresholdCurve] | None = [] if keep_curves else None
    result = ColumnTuning(thresholds, best, curves, start=np.empty(k))
    weight = None if sample_weight is None else np.asarray(sample_weight, float)
    for j in range(k):
        column = values[:, j]
        hits = np.ascontiguousarray(truth[:, j], dtype=bool)
        count = int(np.count_nonzero(hits))
        positives = float(count if weight is None else weight[hits].sum())
        negatives = float((n - count) if weight is None else weight[~hits].sum())
        t, b, curve, unreachable, result.start[j] = _tune_one(
            column, hits, weight, objective, name, proba, keep_curves, start_at
        )
        untuned = positives <= 0 or negatives <= 0
        weighed = column if weight is None else column[weight != 0]
        constant = not untuned and weighed.min() == weighed.max()
        if untuned or constant:
            (result.untuned if untuned else result.constant).append(j)
            t = float(defaults[j]) if defaults is not None else float(start_at)
            b = _value_at(column, hits, weight, t, objective, name)
            if curve is not None:
                curve = replace(curve, best_threshold=t, best_score=b)
        elif unreachable is not None:
            result.unreachable.append((j, *unreachable))
        if 0 < count < FEW_POSITIVES and not constant:
            result.few.append((j, count))
        thresholds[j] = t
        best[j] = b
        if curves is not None:
            curves.append(curve)
    return result


def _value_at(column, hits, weight, threshold, objective, name) -> float:
    """The objective of one column at one threshold (direct count).

    For a constrained objective, the rate it maximises (what is achieved there),
    also where the floor is not met: a value to report, never ``-inf``.
    """
    if isinstance(objective, _Constrained):
        objective = objective.achieved
    pred = column >= np.float64(threshold)
    w = np.ones(len(column)) if weight is None else weight
    counts = [
        np.array([w[mask].sum()])
        for mask in (pred & hits, pred & ~hits, ~pred & hits, ~pred & ~hits)
    ]
    return float(evaluate(objective, name, *counts)[0])


def tune_micro(
    values: np.ndarray,
    truth: np.ndarray,
    *,
    objective: Objective,
    name: str,
    sample_weight: np.ndarray | None = None,
    proba: bool = False,
    keep_curves: bool = False,
    start_at: float = 0.5,
) -> ColumnTuning:
    """One threshold shared by every column: a single sweep over the pooled cells."""
    k = values.shape[1]
    weight = None
    if sample_weight is not None:
        weight = np.repeat(np.asarray(sample_weight, dtype=np.float64), k)
    pooled = tune_columns(
        values.reshape(-1, 1),
        truth.reshape(-1, 1),
        objective=objective,
        name=name,
        sample_weight=weight,
        proba=proba,
        keep_curves=keep_curves,
        start_at=start_at,
        defaults=np.array([start_at]),
    )
    curves = None if pooled.curves is None else pooled.curves * k
    return ColumnTuning(
        np.full(k, pooled.thresholds[0]),
        np.full(k, pooled.best[0]),
        curves,
        start=np.full(k, pooled.start[0]),
        untuned=pooled.untuned,  # indices refer to the pooled column 0
        constant=pooled.constant,
        few=pooled.few,
        unreachable=pooled.unreachable,
    )


# ---------------------------------------------------------------- multiclass
@dataclass
class MulticlassTuning:
    """Result of :func:`tune_multiclass`: offsets ``w``, the value, per-class values."""

    offsets: np.ndarray
    best: float
    start: float
    class_values: np.ndarray
    curves: list[ThresholdCurve] | None
    passes: int


def _counts(pred: np.ndarray, truth: np.ndarray, weight: np.ndarray, k: int):
    """Per-class one-vs-rest (tp, fp, fn, tn) of single-label predictions."""
    total = weight.sum()
    pred_w = np.bincount(pred, weights=weight, minlength=k)
    true_w = np.bincount(truth, weights=weight, minlength=k)
    tp = np.bincount(truth[pred == truth], weights=weight[pred == truth], minlength=k)
    fp = pred_w - tp
    fn = true_w - tp
    return tp, fp, fn, total - tp - fp - fn


def multiclass_value(
    pred: np.ndarray,
    truth: np.ndarray,
    weight: np.ndarray,
    k: int,
    objective: Objective,
    name: str,
    average: str,
) -> tuple[float, np.ndarray]:
    """The overall and per-class objective of single-label predictions."""
    tp, fp, fn, tn = _counts(pred, truth, weight, k)
    per_class = evaluate(objective, name, tp, fp, fn, tn)
    if average == "micro":
        pooled = [np.array([a.sum()]) for a in (tp, fp, fn, tn)]
        return float(evaluate(objective, name, *pooled)[0]), per_class
    return float(per_class.mean()), per_class


def _top_two(z: np.ndarray):
    """Per row: index of the largest entry, that entry, and the second largest."""
    rows = np.arange(len(z))
    first = np.argmax(z, axis=1)
    top = z[rows, first]
    masked = z.copy()
    masked[rows, first] = -np.inf
    second_index = np.argmax(masked, axis=1)
    return first, top, masked[rows, second_index], second_index


def _line_search(
    log_scores: np.ndarray,
    offsets: np.ndarray,
    j: int,
    top: tuple,
    truth: np.ndarray,
    weight: np.ndarray,
    objective: Objective,
    name: str,
    average: str,
    keep_curve: bool,
):
    """Exact best ``w_j`` with the other offsets fixed; returns (w_j, value, curve)."""
    n, k = log_scores.shape
    first, v1, v2, second = top
    # The best other class of each row, and its adjusted score.
    other_is_first = first != j
    rival = np.where(other_is_first, first, second)
    rival_value = np.where(other_is_first, v1, v2)
    d = rival_value - log_scores[:, j]  # j wins iff w_j > d

    # Base state: w_j below every d (class j predicted nowhere).
    tp0, fp0, fn0, tn0 = _counts(rival, truth, weight, k)
    order = np.argsort(d, kind="stable")
    ds = d[order]
    ws = weight[order]
    ts = truth[order]
    rs = rival[order]
    # Differences at rounding level are ties (the log-ratios of equal probabilities
    # computed along different paths): never split them, so that the chosen offset
    # stays clear of every breakpoint also when the rule divides p_k / t_k.
    gap = _MERGE * (1.0 + np.abs(ds[1:]))
    starts = np.flatnonzero(np.r_[True, ds[1:] - ds[:-1] > gap])
    run_end = np.r_[starts[1:], n] - 1  # last sorted sample switched at each cut

    # Class j gains each switched sample.
    hit_j = ts == j
    gain_pred = np.cumsum(ws)[run_end]
    gain_tp = np.cumsum(np.where(hit_j, ws, 0.0))[run_end]
    true_j = tp0[j] + fn0[j]
    total = weight.sum()
    j_tp = np.r_[0.0, gain_tp]
    j_pred = np.r_[0.0, gain_pred]
    j_counts = (j_tp, j_pred - j_tp, true_j - j_tp, total - j_pred - true_j + j_tp)

    if average == "micro":
        # Pooled counts depend only on the number correct.
        lost_tp = np.cumsum(np.where(rs == ts, ws, 0.0))[run_end]
        correct = tp0.sum() + np.r_[0.0, gain_tp - lost_tp]
        wrong = total - correct
        values = evaluate(
            objective, name, correct, wrong, wrong, (k - 2) * total + correct
        )
    else:
        # Each switch moves one sample away from its rival class: the objective of
        # that class changes by a delta computed within the class's own events.
        by_class = np.argsort(rs, kind="stable")  # keeps sorted order within a class
        cls = rs[by_class]
        w_e = ws[by_class]
        lost_tp_e = np.where(ts[by_class] == cls, w_e, 0.0)
        group_start = np.r_[True, cls[1:] != cls[:-1]]
        cum_w = _group_cumsum(w_e, group_start)
        cum_tp = _group_cumsum(lost_tp_e, group_start)
        base = [a[cls] for a in (tp0, fp0, fn0, tn0)]
        after = _class_counts_after(base, cum_w, cum_tp)
        before = _class_counts_after(base, cum_w - w_e, cum_tp - lost_tp_e)
        delta_e = evaluate(objective, name, *after) - evaluate(objective, name, *before)
        delta = np.empty(n)
        delta[by_class] = delta_e
        base_values = evaluate(objective, name, tp0, fp0, fn0, tn0)
        others = (
            base_values.sum() - base_values[j] + np.r_[0.0, np.cumsum(delta)[run_end]]
        )
        values = (others + evaluate(objective, name, *j_counts)) / k

    # Candidate c (c runs switched to j): w_j strictly between the largest d of run
    # c - 1 and the smallest d of run c; c = 0 is below every d.
    index, best = _plateau_middle(values)
    lows = np.r_[-np.inf, ds[run_end]]
    highs = np.r_[ds[starts], np.inf]
    inside = _interval_points(lows, highs)
    current = offsets[j]
    # Keep the current offset when it already sits on a best plateau.
    plateau = values >= best - _TOL * max(1.0, abs(best))
    cur_index = int(np.searchsorted(highs, current, side="right"))
    if plateau[cur_index] and lows[cur_index] < current < highs[cur_index]:
        w_j = float(current)
    else:
        w_j = float(inside[index])
    curve = None
    if keep_curve:
        # As a ratio threshold t_j = exp(-w_j): decreasing t_j predicts j more often.
        with np.errstate(over="ignore"):
            cut_t = np.exp(-inside)
        tp, fp, fn, tn = j_counts
        curve = ThresholdCurve(cut_t, values, tp, fp, fn, tn, math.exp(-w_j), best)
    return float(w_j), float(best), curve


def _interval_points(lows: np.ndarray, highs: np.ndarray) -> np.ndarray:
    """A point strictly inside each interval: the midpoint, or 1 beyond a finite end."""
    with np.errstate(invalid="ignore"):
        mid = (lows + highs) / 2
    out = np.where(np.isfinite(lows), lows + 1.0, highs - 1.0)
    both = np.isfinite(lows) & np.isfinite(highs)
    out[both] = mid[both]
    if not np.isfinite(out).all():  # no breakpoint at all: any offset will do
        out[~np.isfinite(out)] = 0.0
    return out


def _group_cumsum(values: np.ndarray, group_start: np.ndarray) -> np.ndarray:
    """Cumulative sums that restart at each ``group_start``."""
    total = np.cumsum(values)
    group = np.cumsum(group_start) - 1
    before = (total - values)[np.flatnonzero(group_start)]
    return total - before[group]


def _class_counts_after(base, lost_pred, lost_tp):
    """A class's counts after losing predicted samples (``lost_tp`` of them its own)."""
    tp, fp, fn, tn = base
    return (
        tp - lost_tp,
        fp - (lost_pred - lost_tp),
        fn + lost_tp,
        tn + (lost_pred - lost_tp),
    )


def rule_argmax(z: np.ndarray) -> np.ndarray:
    """The class the ratio rule predicts from ``log s + w``, ties as in ``_rules``.

    Ties go to the first class, except with two classes, where the rule is the binary
    rule on ``classes[1]`` and ties go to it.
    """
    if z.shape[1] == 2:
        return (z[:, 1] >= z[:, 0]).astype(np.intp)
    return np.argmax(z, axis=1)


def log_space(values: np.ndarray, proba: bool) -> np.ndarray:
    """Scores on which the ratio rule is an argmax of ``score + w``."""
    floor = -1e300
    if proba:
        with np.errstate(divide="ignore"):
            out = np.log(values.astype(np.float64))
    else:
        out = values.astype(np.float64)
    return np.maximum(out, floor)


def tune_multiclass(
    values: np.ndarray,
    truth: np.ndarray,
    *,
    objective: Objective,
    name: str,
    average: str = "macro",
    sample_weight: np.ndarray | None = None,
    proba: bool = True,
    keep_curves: bool = False,
) -> MulticlassTuning:
    """Coordinate ascent on the ratio offsets, from argmax, exact line searches.

    Scores that are the same for every sample (a constant predictor) cannot be
    tuned: a warning says so and the ratios stay at plain argmax. Samples of weight
    0 are left out, as if removed.
    """
    if sample_weight is not None:
        sample_weight = np.asarray(sample_weight, dtype=np.float64)
        if not sample_weight.all():
            keep = sample_weight != 0
            values, truth = values[keep], np.asarray(truth)[keep]
            sample_weight = sample_weight[keep]
    n, k = values.shape
    scores = log_space(values, proba)
    weight = (
        np.ones(n) if sample_weight is None else np.asarray(sample_weight, np.float64)
    )
    truth = np.asarray(truth, dtype=np.intp)
    offsets = np.zeros(k)
    pred = rule_argmax(scores)
    start, _ = multiclass_value(pred, truth, weight, k, objective, name, average)
    current = start
    top = _top_two(scores + offsets)
    curves: list[ThresholdCurve | None] = [None] * k
    passes, improved = 0, True
    constant = bool(n) and bool((values == values[0]).all())
    if constant:
        # Any ratios predict one class for every sample: switching to another
        # constant class is no threshold tuning. Keep plain argmax.
        warnings.warn(
            "the scores are the same for every sample of the tuning data (a "
            "constant predictor?): no threshold separates anything, so the "
            "multiclass ratios keep the default (plain argmax). Check the model's "
            "outputs.",
            FewPositivesWarning,
            stacklevel=user_stacklevel(),
        )
        improved = keep_curves  # one pass for the curves, no step taken
    while improved and passes < MAX_PASSES:
        passes += 1
        improved = False
        for j in range(k):
            w_j, value, curve = _line_search(
                scores,
                offsets,
                j,
                top,
                truth,
                weight,
                objective,
                name,
                average,
                keep_curves,
            )
            curves[j] = curve
            if (
                value > current + _TOL * max(1.0, abs(current))
                and w_j != offsets[j]
                and not constant
            ):
                offsets[j] = w_j
                current = value
                improved = True
                top = _top_two(scores + offsets)
    pred = rule_argmax(scores + offsets)
    final, per_class = multiclass_value(
        pred, truth, weight, k, objective, name, average
    )
    if final < start - _TOL * max(1.0, abs(start)):  # rounding: never end below argmax
        offsets[:] = 0.0
        pred = rule_argmax(scores)
        final, per_class = multiclass_value(
            pred, truth, weight, k, objective, name, average
        )
    kept = None
    if keep_curves:
        # Express the line-search cuts in the scale of offsets_to_ratios.
        scale = 0.5 * math.exp(offsets.min())
        kept = [
            replace(
                c,
                thresholds=c.thresholds * scale,
                best_threshold=float(offsets_to_ratios(offsets)[j]),
            )
            for j, c in enumerate(curves)
        ]
    return MulticlassTuning(offsets, final, start, per_class, kept, passes)


def offsets_to_ratios(offsets: np.ndarray) -> np.ndarray:
    """Ratio thresholds ``t_k = exp(-w_k)``, scaled so that the largest is 0.5."""
    spread = offsets - offsets.min()
    with np.errstate(under="ignore"):
        ratios = 0.5 * np.exp(-spread)
    return np.maximum(ratios, np.finfo(np.float64).tiny)


def warn_about(
    tuning: ColumnTuning, classes: np.ndarray, objective: Any, describe
) -> None:
    """One warning per kind of problem met while tuning columns."""
    if tuning.untuned:
        names = [describe(classes[j]) for j in tuning.untuned]
        warnings.warn(
            f"no positive (or no negative) samples for {', '.join(names)} in the "
            f"tuning data: their thresholds keep the default. Use more data, "
            f"stratified folds, or fixed thresholds for them.",
            FewPositivesWarning,
            stacklevel=user_stacklevel(),
        )
    if tuning.constant:
        names = [describe(classes[j]) for j in tuning.constant]
        warnings.warn(
            f"the scores of {', '.join(names)} are the same for every sample of the "
            f"tuning data (a constant predictor?): no threshold separates anything, "
            f"so their thresholds keep the default. Check the model's outputs.",
            FewPositivesWarning,
            stacklevel=user_stacklevel(),
        )
    if tuning.few:
        shown = ", ".join(f"{describe(classes[j])} ({m})" for j, m in tuning.few[:8])
        warnings.warn(
            f"tuned thresholds rest on fewer than {FEW_POSITIVES} positives for "
            f"{shown}: they are likely to overfit (vary from one sample to the "
            f"next). Check them on held-out data; alternatives: average='micro' "
            f"(one shared threshold), fixed thresholds for rare classes, more data.",
            FewPositivesWarning,
            stacklevel=user_stacklevel(),
        )
    for j, closest, threshold, achieved in tuning.unreachable:
        target = objective._target.__name__
        warnings.warn(
            f"{objective!r}: no threshold reaches {objective._constraint_name} >= "
            f"{objective.minimum:g} for {describe(classes[j])} on the tuning data; "
            f"the best reachable is {closest:.4g} (at threshold {threshold:.6g}), "
            f"which is used. The score reported is the {target} there: "
            f"{achieved:.4g}.",
            UnreachableConstraintWarning,
            stacklevel=user_stacklevel(),
        )
