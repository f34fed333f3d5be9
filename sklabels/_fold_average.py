"""The fold-averaged objective curve: each fold's exact curve, averaged, exactly.

Tuning on pooled out-of-fold scores sweeps one curve over the scores of several
fold models at once; scikit-learn's ``TunedThresholdClassifierCV`` instead scores
each fold's model on its own held-out rows and averages the folds' objective
curves. This module computes that average exactly, with no grid.

For one score column, fold ``f``'s objective as a function of the threshold ``t``
(predict positive iff ``score >= t``) is piecewise constant, changing only at fold
``f``'s distinct scores. The mean over folds is piecewise constant on the union of
those breakpoints, so its value at every union breakpoint (plus "predict nothing")
is the whole curve. Each fold is swept once (``_sweep.sweep``: cumulative counts at
its distinct scores); the union is sorted once, and each fold's counts at every
union breakpoint are read off its cumulative counts with one ``searchsorted``. The
best union breakpoint is chosen with the engine's rules: the first plateau of best
values (within its tolerance), its middle, and the threshold midway to the next
lower union breakpoint; "predict nothing" as the engine handles it for
probabilities.

Conventions (each explicit):

- **The mean over folds is unweighted**, as scikit-learn's: every fold counts the
  same, whatever its size or total sample weight. Sample weights act within a
  fold's confusion counts.
- **Folds without a positive or without a negative** (for that column, by weight)
  are left out of that column's mean by default (``single_class_folds="skip"``):
  rates such as recall, balanced accuracy or Youden's J are not defined there, and
  the zeros the objectives return in their place would pull the curve toward
  arbitrary cuts. ``"include"`` averages them as they come, as scikit-learn's
  ``_CurveScorer`` does (for F1 such a fold adds a constant 0 curve: the chosen
  threshold is the same, the mean value lower).
- **Constrained objectives** (``RecallAtPrecision``, ``PrecisionAtRecall``): the
  constrained rate and the target rate are averaged over folds separately; a cut
  is feasible where the mean constrained rate meets the floor. Where none does,
  the cut whose mean constrained rate comes closest, as the engine does.
- **Untunable columns** keep their default: no positive or no negative in all the
  rows together, no fold holding both, or scores constant within every fold (a
  constant predictor whose value differs between fold models only).
- **Multiclass problems are refused**: their rule is a vector of ratios
  (``argmax_k p_k / t_k``) tuned jointly, not one cut-off per column; one-vs-rest
  cut-offs averaged per class would tune a different rule.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._objectives import TOL, Constrained, Objective, evaluate
from ._sorted_counts import map_columns
from ._sweep import (
    ColumnTuning,
    Sweep,
    ThresholdCurve,
    best_cut,
    candidate_cuts,
    collect_columns,
    smoothed_best_cut,
    sweep,
)

SINGLE_CLASS_FOLDS = ("skip", "include")


def _check_folds(fold_scores, fold_truth, sample_weight):
    """Validated 2-D float scores, bool truth and float weights per fold."""
    if len(fold_scores) == 0 or len(fold_scores) != len(fold_truth):
        raise ValueError(
            f"fold_scores and fold_truth must be non-empty lists of the same length "
            f"(one entry per fold), got {len(fold_scores)} and {len(fold_truth)}."
        )
    if sample_weight is not None and len(sample_weight) != len(fold_scores):
        raise ValueError(
            f"sample_weight must be None or a list with one weight array per fold "
            f"({len(fold_scores)}), got {len(sample_weight)} entries."
        )
    scores, truth, weights = [], [], []
    k = None
    for f, (s, y) in enumerate(zip(fold_scores, fold_truth, strict=True)):
        s = np.asarray(s)
        if s.dtype.kind != "f":
            s = s.astype(np.float64)
        if s.ndim == 1:
            s = s[:, None]
        y = np.asarray(y)
        if y.ndim == 1:
            y = y[:, None]
        if s.ndim != 2 or s.shape != y.shape:
            raise ValueError(
                f"fold {f}: scores of shape {s.shape} and truth of shape {y.shape}; "
                f"both must be (n_rows, n_columns) with the same shape."
            )
        if k is None:
            k = s.shape[1]
        elif s.shape[1] != k:
            raise ValueError(
                f"fold {f} has {s.shape[1]} score columns, fold 0 has {k}; every "
                f"fold must score the same columns."
            )
        if not np.isin(y, (0, 1)).all():
            raise ValueError(f"fold {f}: truth must be 0/1 per column.")
        scores.append(s)
        truth.append(y.astype(bool))
        if sample_weight is None or sample_weight[f] is None:
            weights.append(None)
            continue
        w = np.asarray(sample_weight[f], dtype=np.float64)
        if w.shape != (len(s),) or (w < 0).any() or not np.isfinite(w).all():
            raise ValueError(
                f"fold {f}: sample_weight must hold {len(s)} finite non-negative "
                f"values, got shape {w.shape}."
            )
        weights.append(w)
    return scores, truth, weights


def _union_cuts(columns: list[np.ndarray], proba: bool) -> tuple[np.ndarray, Any]:
    """Candidate cuts: "predict nothing", then the union's distinct scores,
    decreasing (:func:`~sklabels._sweep.candidate_cuts`)."""
    return candidate_cuts(np.unique(np.concatenate(columns))[::-1], proba)


def fold_average_column(
    columns: list[np.ndarray],
    hits: list[np.ndarray],
    weights: list[np.ndarray | None],
    objective: Objective,
    name: str,
    *,
    proba: bool = False,
) -> tuple[Sweep, np.ndarray, np.ndarray | None, np.ndarray]:
    """The fold-averaged objective of one column at every union cut.

    Returns the union's candidates as a :class:`Sweep` (the counts are the folds'
    counts summed: the pooled confusion counts at each cut), the mean objective at
    each cut (``-inf`` where a constraint's mean rate misses its floor), the mean
    constrained rate (constrained objectives, else ``None``) and the mean of the
    rate maximised (the objective itself when unconstrained). Every fold passed is
    averaged: leaving single-class folds out is the caller's choice.
    """
    kept = []
    for s, y, w in zip(columns, hits, weights, strict=True):
        if w is not None and not w.all():
            keep = w != 0
            s, y, w = s[keep], y[keep], w[keep]
        kept.append((s, y, w))
    cuts, available = _union_cuts([s for s, _, _ in kept], proba)
    m = len(cuts)
    totals = np.zeros((4, m))
    constrained = isinstance(objective, Constrained)
    mean = np.zeros(m)
    reach = np.zeros(m) if constrained else None
    for s, y, w in kept:
        curve = sweep(s, y, w)  # cuts[0] predicts nothing, then distinct, decreasing
        # Fold cuts >= each union cut (both decreasing): index into its counts.
        at = np.searchsorted(-curve.cuts[1:], -cuts, side="right")
        at[0] = 0  # "predict nothing" is the fold's own first candidate
        counts = [c[at] for c in (curve.tp, curve.fp, curve.fn, curve.tn)]
        totals += counts
        if constrained:
            mean += evaluate(objective.achieved, name, *counts)
            reach += evaluate(objective.reachable, name, *counts)
        else:
            mean += evaluate(objective, name, *counts)
    mean /= len(kept)
    values = mean
    if constrained:
        reach /= len(kept)
        values = np.where(reach >= objective.minimum - TOL, mean, -np.inf)
    return Sweep(cuts, *totals, available), values, reach, mean


def tune_fold_average(
    fold_scores: Sequence[np.ndarray],
    fold_truth: Sequence[np.ndarray],
    *,
    objective: Objective,
    name: str,
    sample_weight: Sequence[np.ndarray | None] | None = None,
    proba: bool = False,
    defaults: np.ndarray | None = None,
    keep_curves: bool = False,
    start_at: float = 0.5,
    single_class_folds: str = "skip",
    problem: str = "multilabel",
    n_jobs: int | None = None,
    smooth: bool = False,
) -> ColumnTuning:
    """Tune every column on the mean over folds of each fold's exact objective curve.

    Parameters
    ----------
    fold_scores : list of ndarray of shape (n_f, k)
        Each fold's held-out scores, from the model fitted without that fold.
    fold_truth : list of ndarray of shape (n_f, k)
        Their 0/1 truth per column (binary: the positive class's column).
    objective, name
        The objective (a function of confusion count arrays) and its name.
    sample_weight : list of (ndarray of shape (n_f,) or None), default=None
        Weights of each fold's rows in that fold's counts; weight-0 rows are left
        out (they add no breakpoint).
    proba : bool, default=False
        The scores are probabilities: "predict nothing" is the threshold 1.0.
    defaults : ndarray of shape (k,), default=None
        Thresholds kept by untunable columns (``start_at`` where ``None``).
    keep_curves : bool, default=False
        Keep each column's curve: the union's cuts, the fold-averaged objective and
        the pooled counts at each cut.
    start_at : float, default=0.5
        The default threshold; ``start`` holds the averaged objective there.
    single_class_folds : {"skip", "include"}, default="skip"
        Folds with no positive or no negative for a column: left out of its mean,
        or averaged as they come (scikit-learn's behaviour).
    problem : {"binary", "multilabel"}, default="multilabel"
        ``"multiclass"`` is refused: its ratio rule is not one cut-off per column.
    n_jobs : int, default=None
        Threads over columns (joblib's convention); results do not depend on it.
    smooth : bool, default=False
        Take the top of the averaged curve smoothed over about ``sqrt(m)``
        neighbouring cuts (``m`` finite values): the rule of ``tuning="robust"``.

    Returns
    -------
    ColumnTuning
        Per column: threshold, fold-averaged objective there, value at
        ``start_at``, and the untunable / few-positive / unreachable columns.

    Examples
    --------
    Fold 1 is perfect for thresholds in (0.4, 0.7], fold 2 in (0.5, 0.6]: the
    average is best at the union breakpoint 0.6, and the threshold lies midway to
    the next lower breakpoint of either fold, 0.5.

    >>> import numpy as np
    >>> from sklabels._fold_average import tune_fold_average
    >>> from sklabels._objectives import f1
    >>> scores = [np.array([0.1, 0.4, 0.7, 0.9]), np.array([0.2, 0.5, 0.6, 0.8])]
    >>> truth = [np.array([0, 0, 1, 1]), np.array([0, 0, 1, 1])]
    >>> result = tune_fold_average(scores, truth, objective=f1, name="f1", proba=True)
    >>> result.thresholds.round(4).tolist(), result.best.tolist()
    ([0.55], [1.0])
    """
    if problem == "multiclass":
        raise ValueError(
            "problem='multiclass' cannot be tuned by fold-averaged cut-offs: the "
            "multiclass rule predicts argmax_k p_k / t_k with ratios tuned jointly, "
            "not one cut-off per class. Use the multiclass tuning (coordinate "
            "ascent on the pooled scores), or problem='binary' / 'multilabel'."
        )
    if problem not in ("binary", "multilabel"):
        raise ValueError(f"problem must be 'binary' or 'multilabel', got {problem!r}.")
    if single_class_folds not in SINGLE_CLASS_FOLDS:
        raise ValueError(
            f"single_class_folds must be 'skip' (leave folds without a positive or "
            f"a negative out of a column's mean) or 'include' (average them as "
            f"they come), got {single_class_folds!r}."
        )
    scores, truth, weights = _check_folds(fold_scores, fold_truth, sample_weight)
    k = scores[0].shape[1]
    sizes = [len(s) for s in scores]
    bounds = np.cumsum([0, *sizes])
    stacked = np.concatenate(scores)
    stacked_truth = np.concatenate(truth)

    def tune(j: int, column: np.ndarray, hits: np.ndarray) -> tuple:
        spans = list(itertools.pairwise(bounds))
        cols = [column[lo:hi] for lo, hi in spans]
        ys = [hits[lo:hi] for lo, hi in spans]
        ws = [w if w is None else w != 0 for w in weights]  # the rows counted
        pos, neg, count = [], [], 0
        for y, w, m in zip(ys, weights, ws, strict=True):
            ones = np.ones(len(y)) if w is None else w
            pos.append(float(ones[y].sum()))
            neg.append(float(ones[~y].sum()))
            count += int(y.sum() if m is None else y[m].sum())
        both = [p > 0 and n > 0 for p, n in zip(pos, neg, strict=True)]
        untuned = sum(pos) <= 0 or sum(neg) <= 0 or not any(both)
        pick = [
            i for i in range(len(cols)) if both[i] or single_class_folds == "include"
        ] or list(range(len(cols)))
        # Constant within every averaged fold: the fold models differ, not the rows.
        constant = not untuned and all(
            c.min() == c.max()
            for c in (cols[i] if ws[i] is None else cols[i][ws[i]] for i in pick)
            if len(c)
        )
        parts = [[seq[i] for i in pick] for seq in (cols, ys, weights)]
        curve, values, reach, mean = fold_average_column(
            *parts, objective, name, proba=proba
        )
        at = int(np.searchsorted(-curve.cuts, -start_at, side="right")) - 1
        start = float(values[max(at, 0)])
        threshold, best, index = (smoothed_best_cut if smooth else best_cut)(
            curve, values
        )
        unreachable = None
        if untuned or constant:
            threshold = float(defaults[j]) if defaults is not None else float(start_at)
            index = int(np.searchsorted(-curve.cuts, -threshold, side="right")) - 1
            best = float(mean[max(index, 0)])  # constrained: the rate reached
        elif best == -np.inf and reach is not None:
            # No cut meets the floor on average: the closest, and what it reaches.
            threshold, closest, index = best_cut(curve, reach)
            best = float(mean[index])
            unreachable = (closest, threshold, best)
        kept = None
        if keep_curves:
            counts = (curve.tp, curve.fp, curve.fn, curve.tn)
            kept = ThresholdCurve(curve.cuts, values, *counts, threshold, best)
        return threshold, best, kept, unreachable, start, untuned, constant, count

    outcomes = map_columns(tune, stacked, stacked_truth, n_jobs)
    return collect_columns(outcomes, k, keep_curves)


def cut_on_folds(
    values: np.ndarray,
    truth: np.ndarray,
    weight: np.ndarray,
    rows: np.ndarray,
    folds: Sequence[np.ndarray],
    *,
    objective: Objective,
    name: str,
    proba: bool,
    default: float,
    micro: bool,
    smooth: bool = False,
) -> np.ndarray | None:
    """The top of the fold-averaged exact curve over the folds inside ``rows``.

    One cut per column (``micro``: one cut shared by every column, each fold's
    cells pooled; ``smooth``: the top of the averaged curve smoothed). ``None``
    where fewer than two folds hold rows: nothing to average.
    """
    inside = [np.intersect1d(fold, rows) for fold in folds]
    inside = [fold for fold in inside if len(fold)]
    if len(inside) < 2:
        return None
    k = values.shape[1]
    weights = None
    if not np.all(weight[rows] == 1):
        weights = [weight[fold] for fold in inside]
    scores = [values[fold] for fold in inside]
    truths = [truth[fold] for fold in inside]
    if micro:
        scores = [s.reshape(-1, 1) for s in scores]
        truths = [t.reshape(-1, 1) for t in truths]
        weights = weights and [np.repeat(w, k) for w in weights]
    result = tune_fold_average(
        scores,
        truths,
        objective=objective,
        name=name,
        sample_weight=weights,
        proba=proba,
        defaults=np.full(scores[0].shape[1], default),
        start_at=default,
        problem="binary" if k == 1 else "multilabel",
        smooth=smooth,
    )
    cut = np.asarray(result.thresholds, dtype=np.float64)
    return np.full(k, cut[0]) if micro else cut


def check_tuning_strategy(tuning: str, problem: str) -> None:
    """Refuse a strategy the problem kind has no rule for, before any fitting."""
    if tuning == "fold_average" and problem == "multiclass":
        raise ValueError(
            "tuning='fold_average' averages each fold's curve of one cut-off per "
            "column, but multiclass thresholds are ratios tuned together; use "
            "tuning='robust' or 'exact' for a multiclass problem."
        )
