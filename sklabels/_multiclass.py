"""Multiclass ratios: coordinate ascent with an exact line search per class.

Multiclass problems use the ratio rule ``argmax_k s_k / t_k``, i.e. ``argmax_k
log s_k + w_k`` with ``w_k = -log t_k``. With every other ``w`` fixed, sample ``i`` is
predicted ``j`` iff ``w_j > d_i`` where ``d_i = max_{k != j}(log s_ik + w_k) - log
s_ij``: a sweep over the sorted ``d`` gives the exact line search over ``w_j``.
Coordinate ascent over the classes, starting from argmax (all ``w = 0``) and
accepting only strict improvements, never ends below argmax on the tuning data.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, replace

import numpy as np

from ._objectives import TOL, Objective, evaluate
from ._sweep import ThresholdCurve, plateau_middle
from ._warnings import FewPositivesWarning, user_stacklevel

# Multiclass coordinate ascent: full passes over the classes at most.
MAX_PASSES = 20


# Multiclass line search: breakpoints closer than this (relative) are one breakpoint.
_MERGE = 1e-10


@dataclass
class MulticlassTuning:
    """Result of :func:`tune_multiclass`: offsets ``w``, the value, per-class values."""

    offsets: np.ndarray
    best: float
    start: float
    class_values: np.ndarray
    curves: list[ThresholdCurve] | None
    passes: int


def class_counts(pred: np.ndarray, truth: np.ndarray, weight: np.ndarray, k: int):
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
    tp, fp, fn, tn = class_counts(pred, truth, weight, k)
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
    tp0, fp0, fn0, tn0 = class_counts(rival, truth, weight, k)
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
    index, best = plateau_middle(values)
    lows = np.r_[-np.inf, ds[run_end]]
    highs = np.r_[ds[starts], np.inf]
    inside = _interval_points(lows, highs)
    current = offsets[j]
    # Keep the current offset when it already sits on a best plateau.
    plateau = values >= best - TOL * max(1.0, abs(best))
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


def _visit_order(
    values: np.ndarray, truth: np.ndarray, weight: np.ndarray, k: int
) -> np.ndarray:
    """The classes in an order that does not depend on their column order.

    The ascent's local optimum depends on the order it visits the classes in; an
    order read from each class's own data (its weight of samples, most first, then
    the sum and the sum of squares of its scores) makes the tuned ratios follow
    the classes when ``classes`` (and the score columns) are given in another order.
    """
    mass = np.bincount(truth, weights=weight, minlength=k)
    column = np.asarray(values, dtype=np.float64)
    # np.lexsort sorts by its last key first.
    return np.lexsort(((column**2).sum(axis=0), column.sum(axis=0), -mass))


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
    visits = _visit_order(values, truth, weight, k)
    while improved and passes < MAX_PASSES:
        passes += 1
        improved = False
        for j in visits:
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
                value > current + TOL * max(1.0, abs(current))
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
    if final < start - TOL * max(1.0, abs(start)):  # rounding: never end below argmax
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


@dataclass
class CostOffsetTuning:
    """Result of :func:`tune_cost_offsets`: offsets, mean costs before and after."""

    offsets: np.ndarray
    cost: float
    start_cost: float
    passes: int


def _mean_cost(pred: np.ndarray, loss: np.ndarray, weight: np.ndarray) -> float:
    return float(weight @ loss[np.arange(len(pred)), pred] / weight.sum())


def _cost_line_search(
    gain: np.ndarray,
    offsets: np.ndarray,
    j: int,
    top: tuple,
    loss: np.ndarray,
    weight: np.ndarray,
) -> tuple[float, float]:
    """Exact cheapest ``w_j`` with the other offsets fixed: (w_j, total cost).

    Sample ``i`` takes action ``j`` iff ``w_j > d_i``; raising ``w_j`` past ``d_i``
    moves it from its rival action to ``j``, changing the cost by ``L[i, j] -
    L[i, rival]``: cumulative sums over the sorted ``d`` give every candidate's cost.
    """
    n = len(gain)
    first, v1, v2, second = top
    other_is_first = first != j
    rival = np.where(other_is_first, first, second)
    d = np.where(other_is_first, v1, v2) - gain[:, j]
    rows = np.arange(n)
    base = float(weight @ loss[rows, rival])
    order = np.argsort(d, kind="stable")
    ds = d[order]
    delta = (weight * (loss[rows, j] - loss[rows, rival]))[order]
    gap = _MERGE * (1.0 + np.abs(ds[1:]))
    starts = np.flatnonzero(np.r_[True, ds[1:] - ds[:-1] > gap])
    run_end = np.r_[starts[1:], n] - 1
    totals = base + np.r_[0.0, np.cumsum(delta)[run_end]]
    index, best = plateau_middle(-totals)
    lows = np.r_[-np.inf, ds[run_end]]
    highs = np.r_[ds[starts], np.inf]
    inside = _interval_points(lows, highs)
    current = offsets[j]
    plateau = -totals >= best - TOL * max(1.0, abs(best))
    cur_index = int(np.searchsorted(highs, current, side="right"))
    if plateau[cur_index] and lows[cur_index] < current < highs[cur_index]:
        return float(current), -best
    return float(inside[index]), -best


def tune_cost_offsets(
    gain: np.ndarray, loss: np.ndarray, sample_weight: np.ndarray | None = None
) -> CostOffsetTuning:
    """Per-action offsets ``w`` of the rule ``argmax_a gain[i, a] + w_a`` that
    minimise the total realised cost ``sum_i L[i, pred_i]``.

    ``gain`` is the negated expected cost of each action (the plug-in Bayes rule is
    ``w = 0``), ``loss[i, a]`` what action ``a`` costs on sample ``i`` given its
    truth. Coordinate ascent from ``w = 0`` with an exact line search per action,
    accepting only strict improvements: the result never costs more than the
    plug-in rule on these samples. Samples of weight 0 are left out, as if
    removed: they add no breakpoint, so they never move an offset.
    """
    if sample_weight is not None:
        keep = np.asarray(sample_weight, dtype=np.float64) != 0
        if not keep.all():
            gain, loss = gain[keep], loss[keep]
            sample_weight = np.asarray(sample_weight, dtype=np.float64)[keep]
    n, n_actions = gain.shape
    weight = np.ones(n) if sample_weight is None else np.asarray(sample_weight, float)
    offsets = np.zeros(n_actions)
    if n == 0 or weight.sum() <= 0:
        return CostOffsetTuning(offsets, 0.0, 0.0, 0)
    total = weight.sum()
    start = _mean_cost(np.argmax(gain, axis=1), loss, weight)
    current = start * total
    top = _top_two(gain)
    passes, improved = 0, True
    # Actions visited in an order read from their own columns, not their position.
    visits = np.lexsort(
        ((gain**2).sum(axis=0), gain.sum(axis=0), (weight[:, None] * loss).sum(axis=0))
    )
    while improved and passes < MAX_PASSES:
        passes += 1
        improved = False
        for j in visits:
            w_j, cost = _cost_line_search(gain, offsets, j, top, loss, weight)
            if cost < current - TOL * max(1.0, abs(current)) and w_j != offsets[j]:
                offsets[j] = w_j
                current = cost
                improved = True
                top = _top_two(gain + offsets)
    final = _mean_cost(np.argmax(gain + offsets, axis=1), loss, weight)
    if final > start:  # rounding: never end above the plug-in rule
        offsets[:] = 0.0
        final = start
    return CostOffsetTuning(offsets, final, start, passes)
