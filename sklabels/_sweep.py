"""The exact sweep: one sort per score column, the objective at every cut at once.

For a score column ``s`` and a 0/1 truth ``y``, every threshold between two adjacent
distinct scores gives the same predictions, so the candidates are the distinct
scores themselves (predict positive iff ``s >= v``) plus "predict nothing". Sorting
once and taking cumulative (weighted) true/false positive counts at each run of equal
scores gives the confusion counts of every candidate at once; the objective is then
evaluated on whole arrays. O(n log n) per column, exact, no grid. The chosen
threshold is the midpoint to the next lower distinct score; on a plateau of equal
best values, its middle.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from scipy.ndimage import uniform_filter1d

from ._objectives import (
    Constrained,
    Objective,
    evaluate,
    precision,
    recall,
)
from ._positive_cuts import (
    halfway,
    never_gains_from_false_positives,
    plateau_floor,
    tune_by_positives,
)
from ._sorted_counts import distinct_counts, map_columns
from ._warnings import (
    FEW_POSITIVES,
    FewPositivesWarning,
    UnreachableConstraintWarning,
    user_stacklevel,
)


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
    distinct, positives_below, all_below, total_pos, total = distinct_counts(
        scores, truth, sample_weight
    )
    m = len(distinct) + 1  # candidates: the distinct scores and "predict nothing"
    tp = np.empty(m)
    pp = np.empty(m)  # predicted positive
    tp[0] = pp[0] = 0.0
    np.subtract(total_pos, positives_below[::-1], out=tp[1:])
    np.subtract(total, all_below[::-1], out=pp[1:])
    total_neg = total - total_pos
    fp = np.subtract(pp, tp, out=pp)  # predicted positive, less the true ones
    cuts, available = candidate_cuts(distinct[::-1], proba)
    return Sweep(cuts, tp, fp, total_pos - tp, total_neg - fp, available)


def candidate_cuts(decreasing: np.ndarray, proba: bool) -> tuple[np.ndarray, Any]:
    """ "Predict nothing", then the distinct scores ``decreasing``; and where a cut
    cannot be expressed (None: everywhere it can).

    The first cut is 1.0 for probabilities (unavailable where a score reaches 1.0:
    no probability threshold then predicts nothing), else just above the highest
    score.
    """
    cuts = np.empty(len(decreasing) + 1, dtype=np.float64)
    cuts[1:] = decreasing
    available = None
    top = cuts[1] if len(decreasing) else 0.0
    if proba and len(decreasing) and top >= 1.0:
        cuts[0] = np.nextafter(1.0, np.inf)
        available = np.ones(len(cuts), dtype=bool)
        available[0] = False  # no probability threshold predicts nothing here
    elif proba:
        cuts[0] = 1.0
    else:
        cuts[0] = np.nextafter(top, np.inf)
    return cuts, available


def plateau_middle(values: np.ndarray) -> tuple[int, float]:
    """Index of the middle of the first plateau of best values, and that value."""
    best = float(np.max(values))
    on_top = values >= plateau_floor(best)
    first = int(np.argmax(on_top))
    below = np.flatnonzero(~on_top[first:])
    run_end = first + int(below[0]) if below.size else len(values)
    return (first + run_end - 1) // 2, best


def midpoint(cuts: np.ndarray, index: int) -> float:
    """A threshold giving the predictions of ``cuts[index]``, midway to the next cut."""
    upper = float(cuts[index])
    if index == 0 or index + 1 >= len(cuts):
        return upper
    return halfway(upper, float(cuts[index + 1]))


def best_cut(curve: Sweep, values: np.ndarray) -> tuple[float, float, int]:
    """Threshold, objective value and index of the best cut of a curve.

    The threshold is the midpoint between the chosen cut and the next lower distinct
    score; on a plateau of equal best values, the middle of the plateau is taken.
    """
    if curve.available is not None:
        values = np.where(curve.available, values, -np.inf)
    index, best = plateau_middle(values)
    return midpoint(curve.cuts, index), best, index


def smoothed_best_cut(curve: Sweep, values: np.ndarray) -> tuple[float, float, int]:
    """Threshold, objective value and index at the top of the smoothed curve.

    A moving average over about ``sqrt(m)`` neighbouring candidates (``m`` finite
    values) prefers the middle of a wide plateau of good values over a narrow spike.
    """
    if curve.available is not None:
        values = np.where(curve.available, values, -np.inf)
    finite = np.isfinite(values)
    index = int(np.argmax(values))
    if finite.sum() >= 3:
        width = max(1, int(np.sqrt(finite.sum())))
        filled = np.where(finite, values, np.min(values[finite]))
        smoothed = uniform_filter1d(filled, size=width, mode="nearest")
        index = int(np.argmax(np.where(finite, smoothed, -np.inf)))
    return midpoint(curve.cuts, index), float(values[index]), index


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
    if (
        weight is None
        and not keep_curve
        and never_gains_from_false_positives(objective)
    ):
        fast = tune_by_positives(
            column, truth, objective, name, proba=proba, start_at=start_at
        )
        if fast is not None:
            threshold, best, start = fast
            return threshold, best, None, None, start
    curve = sweep(column, truth, weight, proba=proba)
    values = evaluate(objective, name, curve.tp, curve.fp, curve.fn, curve.tn)
    # Cuts decrease: the threshold predicts what the lowest cut >= it predicts.
    at = int(np.searchsorted(-curve.cuts, -start_at, side="right")) - 1
    start = float(values[max(at, 0)])
    threshold, best, _ = best_cut(curve, values)
    unreachable = None
    if best == -np.inf and isinstance(objective, Constrained):
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
    n_jobs: int | None = None,
) -> ColumnTuning:
    """Tune every column of ``values`` alone against the 0/1 ``truth`` column.

    One sort per column; no Python loop over cut points. A column whose truth has no
    positives or no negatives, or whose scores are all equal (a constant predictor:
    no threshold separates anything), keeps its ``defaults`` value (``start_at``
    where none are given): there is nothing to tune on. ``start`` holds each
    column's value at the threshold ``start_at``. Columns run on ``n_jobs``
    threads (joblib's convention); the results do not depend on it.
    """
    n, k = values.shape
    weight = None if sample_weight is None else np.asarray(sample_weight, float)

    def tune(j: int, column: np.ndarray, hits: np.ndarray) -> tuple:
        count = int(np.count_nonzero(hits))
        positives = float(count if weight is None else weight[hits].sum())
        negatives = float((n - count) if weight is None else weight[~hits].sum())
        t, b, curve, unreachable, start = _tune_one(
            column, hits, weight, objective, name, proba, keep_curves, start_at
        )
        untuned = positives <= 0 or negatives <= 0
        weighed = column if weight is None else column[weight != 0]
        constant = not untuned and weighed.min() == weighed.max()
        if untuned or constant:
            t = float(defaults[j]) if defaults is not None else float(start_at)
            b = value_at(column, hits, weight, t, objective, name)
            if curve is not None:
                curve = replace(curve, best_threshold=t, best_score=b)
        return t, b, curve, unreachable, start, untuned, constant, count

    return collect_columns(map_columns(tune, values, truth, n_jobs), k, keep_curves)


def collect_columns(outcomes, k: int, keep_curves: bool) -> ColumnTuning:
    """One :class:`ColumnTuning` from each column's ``(threshold, best, curve,
    unreachable, start, untuned, constant, positives)``."""
    curves: list[ThresholdCurve] | None = [] if keep_curves else None
    result = ColumnTuning(np.empty(k), np.empty(k), curves, start=np.empty(k))
    for j, outcome in enumerate(outcomes):
        t, b, curve, unreachable, start, untuned, constant, count = outcome
        if untuned or constant:
            (result.untuned if untuned else result.constant).append(j)
        elif unreachable is not None:
            result.unreachable.append((j, *unreachable))
        if 0 < count < FEW_POSITIVES and not constant:
            result.few.append((j, count))
        result.thresholds[j], result.best[j], result.start[j] = t, b, start
        if curves is not None:
            curves.append(curve)
    return result


def value_at(column, hits, weight, threshold, objective, name) -> float:
    """The objective of one column at one threshold (direct count).

    For a constrained objective, the rate it maximises (what is achieved there),
    also where the floor is not met: a value to report, never ``-inf``.
    """
    if isinstance(objective, Constrained):
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
    sample_weight: np.ndarray | None = None,
    start_at: float = 0.5,
    **options: Any,
) -> ColumnTuning:
    """One threshold shared by every column: a single sweep over the pooled cells.

    ``options`` (objective, name, proba, keep_curves) as in :func:`tune_columns`.
    """
    k = values.shape[1]
    weight = None
    if sample_weight is not None:
        weight = np.repeat(np.asarray(sample_weight, dtype=np.float64), k)
    pooled = tune_columns(
        values.reshape(-1, 1),
        truth.reshape(-1, 1),
        sample_weight=weight,
        start_at=start_at,
        defaults=np.array([start_at]),
        **options,
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


def warn_about(
    tuning: ColumnTuning, classes: np.ndarray, objective: Any, describe
) -> None:
    """One warning per kind of problem met while tuning columns."""
    kinds = (
        (
            tuning.untuned,
            "no positive (or no negative) samples for {} in the tuning data: their "
            "thresholds keep the default. Use more data, stratified folds, or fixed "
            "thresholds for them.",
        ),
        (
            tuning.constant,
            "the scores of {} are the same for every sample of the tuning data (a "
            "constant predictor?): no threshold separates anything, so their "
            "thresholds keep the default. Check the model's outputs.",
        ),
    )
    for columns, message in kinds:
        if columns:
            names = ", ".join(describe(classes[j]) for j in columns)
            warnings.warn(
                message.format(names),
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
        target = objective.target_name
        warnings.warn(
            f"{objective!r}: no threshold reaches {objective.constraint_name} >= "
            f"{objective.minimum:g} for {describe(classes[j])} on the tuning data; "
            f"the best reachable is {closest:.4g} (at threshold {threshold:.6g}), "
            f"which is used. The score reported is the {target} there: "
            f"{achieved:.4g}.",
            UnreachableConstraintWarning,
            stacklevel=user_stacklevel(),
        )


def grouped_best_cut(distinct, group, hits, weight, *, objective, name, proba):
    """The exact best cut of rows grouped by score: ``distinct`` the sorted
    distinct scores, ``group`` each row's index into them, ``hits`` each row's
    share of positive (0/1 truth, or a probability: expected counts), ``weight``
    each row's weight (a bootstrap resample: row weight times draw count; rows of
    weight 0 add no candidate cut). Read off as :func:`best_cut` reads a sweep.
    NaN where nothing can be tuned."""
    positives = np.bincount(group, weights=weight * hits, minlength=len(distinct))
    total = np.bincount(group, weights=weight, minlength=len(distinct))
    drawn = total > 0
    positives, total, scores = positives[drawn], total[drawn], distinct[drawn]
    all_pos, everything = positives.sum(), total.sum()
    if all_pos <= 0 or all_pos >= everything or len(scores) < 2:
        # no positive or no negative weight, or one score for every row weighed (a
        # constant predictor): nothing to tune, as for the exact tuner
        return np.nan
    tp = np.concatenate([[0.0], np.cumsum(positives[::-1])])
    pp = np.concatenate([[0.0], np.cumsum(total[::-1])])
    fp = pp - tp
    cuts, available = candidate_cuts(scores[::-1], proba)
    curve = Sweep(cuts, tp, fp, all_pos - tp, everything - all_pos - fp, available)
    values = evaluate(objective, name, curve.tp, curve.fp, curve.fn, curve.tn)
    return best_cut(curve, values)[0]
