"""One tuning problem in the units the strategies work in, and the cut-off rules.

A :class:`Task` holds the tuned columns (binary, multilabel) or all scores in log
space (multiclass), their truth, the row weights and the objective. The cut-off
rules behind ``tuning=`` (:data:`CUTOFF_BASES`) each take a task, the rows to tune
on and the folds inside them, and return one cut per column: the pooled exact
optimum, the median or mean of the fold optima, the smoothed curve, a shrinkage,
the fold-averaged curve, the bagged optimum (:mod:`sklabels._bagging`), the
calibrated one (:mod:`sklabels._calibrated`), and their midpoint (the default).
:mod:`sklabels._generalize` judges them on held-out folds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ._bagging import bag_count, bagged_cuts
from ._calibrated import calibrated_cuts
from ._fold_average import cut_on_folds
from ._multiclass import log_space
from ._objectives import Constrained, evaluate
from ._rules import default_threshold
from ._scores import PROBA
from ._sweep import smoothed_best_cut, sweep, tune_columns, tune_micro
from ._tuning import cutoff_columns, multiclass_objectives


@dataclass(frozen=True)
class Task:
    """One tuning problem in the units the strategies work in."""

    multiclass: bool
    values: np.ndarray  # cut-offs: the tuned columns; multiclass: all scores
    truth: np.ndarray  # cut-offs: (n, c) bool; multiclass: codes
    weight: np.ndarray
    objective: Any
    name: str
    average: str  # multiclass: the ascent's average
    per_class: Any  # multiclass: the objective reported per class
    proba: bool
    logits: bool
    micro: bool
    default: float  # cut-offs: the default threshold in score units
    constrained: bool
    seed: int = 0  # the bootstrap resamples of "bagged" (from random_state)

    @property
    def n_columns(self) -> int:
        return self.values.shape[1]


def make_task(scores, truth, problem, classes, pos_index, objective, name, average, w):
    proba = scores.kind == PROBA
    weight = np.ones(len(scores.values)) if w is None else np.asarray(w, float)
    if problem == "multiclass":
        ascent, avg, per_class = multiclass_objectives(objective, average)
        return Task(
            True,
            log_space(scores.values, proba),
            np.asarray(truth, dtype=np.intp),
            weight,
            ascent,
            name,
            avg,
            per_class,
            proba,
            scores.logits,
            False,
            0.0,
            False,
        )
    columns, hits, _ = cutoff_columns(scores.values, truth, problem, classes, pos_index)
    return Task(
        False,
        np.asarray(columns, dtype=np.float64),
        hits,
        weight,
        objective,
        name,
        average,
        objective,
        proba,
        scores.logits,
        problem == "multilabel" and average == "micro",
        default_threshold(scores.kind),
        isinstance(objective, Constrained),
    )


# ---------------------------------------------------------------- cut-offs
def cut_values(task: Task, rows: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Each column's objective at ``thresholds`` on ``rows`` (micro: pooled)."""
    values = task.values[rows]
    hits = task.truth[rows]
    w = task.weight[rows][:, None]
    pred = values >= thresholds[None, :]
    counts = [
        (w * (p & h)).sum(axis=0)
        for p, h in ((pred, hits), (pred, ~hits), (~pred, hits), (~pred, ~hits))
    ]
    objective = task.objective
    if isinstance(objective, Constrained):
        objective = objective.achieved
    if task.micro:
        pooled = [np.array([c.sum()]) for c in counts]
        return np.full(task.n_columns, evaluate(objective, task.name, *pooled)[0])
    return evaluate(objective, task.name, *counts)


def tuned_exact(task: Task, rows: np.ndarray) -> np.ndarray:
    """The pooled exact optimum of every column on ``rows``."""
    tune = tune_micro if task.micro else tune_columns
    kwargs = {} if task.micro else {"defaults": np.full(task.n_columns, task.default)}
    result = tune(
        task.values[rows],
        task.truth[rows],
        objective=task.objective,
        name=task.name,
        sample_weight=task.weight[rows],
        proba=task.proba,
        start_at=task.default,
        **kwargs,
    )
    return np.asarray(result.thresholds, dtype=np.float64)


def _smooth_one(column, hits, weight, task: Task) -> float:
    """The cut at the top of the objective curve smoothed over nearby cuts."""
    curve = sweep(column, hits, weight, proba=task.proba)
    values = evaluate(task.objective, task.name, curve.tp, curve.fp, curve.fn, curve.tn)
    return smoothed_best_cut(curve, values)[0]


def _tuned_smooth(task: Task, rows: np.ndarray) -> np.ndarray:
    """The smoothed-curve optimum of every column on ``rows``."""
    values, hits, weight = task.values[rows], task.truth[rows], task.weight[rows]
    if task.micro:
        k = task.n_columns
        t = _smooth_one(
            values.reshape(-1), hits.reshape(-1), np.repeat(weight, k), task
        )
        return np.full(k, t)
    out = np.full(task.n_columns, task.default)
    for j in range(task.n_columns):
        column, truth = values[:, j], hits[:, j]
        tunable = truth.any() and (~truth).any() and column.min() < column.max()
        if tunable:
            out[j] = _smooth_one(column, truth, weight, task)
    return out


def _tuned_over_folds(task, rows, folds, reduce) -> np.ndarray:
    """``reduce`` (median, mean) of the optima of the folds inside ``rows``."""
    inside = [np.intersect1d(fold, rows) for fold in folds]
    inside = [fold for fold in inside if len(fold)]
    if len(inside) < 2:
        return tuned_exact(task, rows)
    return reduce(np.array([tuned_exact(task, fold) for fold in inside]), axis=0)


def tuned_bagged(task: Task, rows, folds, evidence: bool = False) -> np.ndarray:
    """The mean of the exact optima of :func:`bag_count` bootstrap resamples of
    ``rows`` (as many rows drawn with replacement, their weights going with them;
    seeded by ``task.seed``, in an order set by the rows' contents). A column no
    resample can tune keeps the pooled optimum."""
    rows, bags = np.asarray(rows), bag_count(len(rows), evidence)
    pooled = tuned_exact(task, rows)
    if len(rows) < 2 or not bags:
        return pooled
    values, truth, weight = task.values[rows], task.truth[rows], task.weight[rows]
    seed, micro = (task.seed, len(rows)), task.micro
    options = {"objective": task.objective, "name": task.name, "proba": task.proba}
    cuts = bagged_cuts(
        values, truth, weight, micro=micro, seed=seed, bags=bags, **options
    )
    return np.where(np.isnan(cuts), pooled, cuts)


def _tuned_calibrated(task: Task, rows) -> np.ndarray:
    """The best cut at expected counts under a logistic calibration of each
    column on ``rows`` (:mod:`sklabels._calibrated`); NaN where none fits."""
    rows = np.asarray(rows)
    return calibrated_cuts(
        task.values[rows],
        task.truth[rows],
        task.weight[rows],
        objective=task.objective,
        name=task.name,
        proba=task.proba,
        micro=task.micro,
    )


def tuned_blend(task: Task, rows, folds, evidence: bool = False) -> np.ndarray:
    """The midpoint of the bagged exact optimum and the calibrated one (the
    bagged one alone where the calibrated one is missing or infinite). The
    cross-fitted ``evidence`` above :func:`bag_count`'s row limit is the exact
    optimum, as for the bagged rule."""
    if evidence and not bag_count(len(rows), evidence):
        return tuned_exact(task, rows)  # as the bagged rule's evidence does
    bagged = tuned_bagged(task, rows, folds, evidence)
    calibrated = _tuned_calibrated(task, rows)
    both = np.isfinite(bagged) & np.isfinite(calibrated)
    return np.where(both, (bagged + np.where(both, calibrated, 0.0)) / 2, bagged)


def _tuned_shrunk(task: Task, rows: np.ndarray) -> np.ndarray:
    """The exact optimum shrunk toward a stabler anchor by the number of positives.

    Anchor: the shared (micro) threshold for multilabel problems; for F1 on
    probabilities the plug-in value half the best F1; else the default. Weight of
    the column's own optimum: ``n_pos / (n_pos + 20)``.
    """
    own = tuned_exact(task, rows)
    if task.micro:
        return own
    if task.n_columns > 1:
        anchor = np.full(task.n_columns, tuned_exact(replace(task, micro=True), rows))
    elif task.proba and task.name == "f1":
        anchor = cut_values(task, rows, own) / 2
    else:
        anchor = np.full(task.n_columns, task.default)
    positives = (task.weight[rows][:, None] * task.truth[rows]).sum(axis=0)
    keep = positives / (positives + 20.0)
    return keep * own + (1 - keep) * anchor


def _tuned_fold_average(task: Task, rows, folds, smooth=False) -> np.ndarray:
    """The top of the fold-averaged exact curve, over the folds inside ``rows``."""
    cut = cut_on_folds(
        task.values,
        task.truth,
        task.weight,
        rows,
        folds,
        objective=task.objective,
        name=task.name,
        proba=task.proba,
        default=task.default,
        micro=task.micro,
        smooth=smooth,
    )
    return tuned_exact(task, rows) if cut is None else cut


CUTOFF_BASES = {
    "fold_average": _tuned_fold_average,
    "fold_smooth": lambda task, rows, folds: _tuned_fold_average(
        task, rows, folds, smooth=True
    ),
    "exact": lambda task, rows, folds: tuned_exact(task, rows),
    "smooth": lambda task, rows, folds: _tuned_smooth(task, rows),
    "median": lambda task, rows, folds: _tuned_over_folds(task, rows, folds, np.median),
    "mean": lambda task, rows, folds: _tuned_over_folds(task, rows, folds, np.mean),
    "shrink": lambda task, rows, folds: _tuned_shrunk(task, rows),
    "bagged": tuned_bagged,
    "calibrated": lambda task, rows, folds: _fill(
        _tuned_calibrated(task, rows), tuned_exact(task, rows)
    ),
    "blend": tuned_blend,
}


def _fill(cuts: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    return np.where(np.isnan(cuts), fallback, cuts)


# Bootstrap resamples keep no folds: the closest rule without them.
WITHOUT_FOLDS = {
    "median": "exact",
    "mean": "exact",
    "bagged": "exact",
    "blend": "exact",
    "fold_average": "exact",
    "fold_smooth": "smooth",
}
