"""Tuning judged on held-out folds: fold spread, a guard, smoothing, intervals.

The exact sweep finds the best thresholds *on the tuning data*. This module decides
which thresholds to trust on new data. The tuning rows are split into folds (the
cross-validation folds of the classifier, or seeded folds of scores the user holds):

* **per-fold optima** -- each fold tuned alone -- show how much the choice moves;
* **cross-fitting** -- tune on all folds but one, score the held-out one, for the
  tuned rule and for the default rule -- measures whether tuning beats the default
  on rows it did not see, with a standard error across folds;
* ``tuning="robust"``: each cut-off (binary, multilabel) is the *midpoint* of
  the mean of the exact optima of 50 bootstrap resamples of the held-out rows
  (bagging, :mod:`sklabels._bagging`) and of the best cut at expected counts
  under a logistic calibration of the scores (:mod:`sklabels._calibrated`).
  Multiclass ratios are the exact ones, kept at plain
  argmax unless their cross-fitted gain exceeds two standard errors.
  ``tuning="exact"`` is the plain pooled optimum.
* percentile-bootstrap intervals (seeded) over the tuning rows for the thresholds
  and for the objective at them.

Every strategy compared in ``benchmarks/bench_generalization.py`` is in
``STRATEGIES``; the public ``tuning=`` values are ``"robust"`` and ``"exact"``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.utils import check_random_state

from ._cutoff_rules import (
    CUTOFF_BASES,
    WITHOUT_FOLDS,
    Task,
    cut_values,
    make_task,
    tuned_bagged,
    tuned_blend,
    tuned_exact,
)
from ._fold_average import check_tuning_strategy
from ._folds import MIN_FOLD_ROWS, clear_gain, complement, seed_of, split_rows
from ._multiclass import (
    multiclass_value,
    offsets_to_ratios,
    rule_argmax,
    tune_multiclass,
)
from ._progress import (
    Progress,
)
from ._scores import Scores
from ._tuning import (
    TuningResult,
    check_tuning_options,
    logits_to_probabilities,
    tune_scores,
)

TUNINGS = ("robust", "exact", "fold_average")
# Cut-off strategies measured by the generalization benchmark: the rule, and the
# guard (keep the default unless the cross-fitted gain exceeds this many standard
# errors; None: no guard). "robust" is the midpoint of the bagged exact optimum
# (the mean of the exact optima of bootstrap resamples) and the calibrated one
# (the best cut at expected counts under a logistic calibration): of about 40
# rules compared over three sets of 60 splits per problem it was the one at or
# above scikit-learn's tuner's mean on every binary and multilabel problem and
# within noise of the untuned rule where that rule is best; a fourth set confirmed
# it (docs/tuning.md). A guard lost on rare labels, where the default 0.5 is far
# from the best cut and the held-out gain of a fold is noisy; shrinking toward the
# default lost there too.
_CUTOFF_RULES = {
    "exact": ("exact", None),
    "median": ("median", None),
    "mean": ("mean", None),
    "smooth": ("smooth", None),
    "shrink": ("shrink", None),
    "guard": ("exact", 1.0),
    "smooth-guard": ("smooth", 1.0),
    "smooth-robust": ("smooth", 0.0),  # the default before the fold average
    # The mean over the cv folds of each fold's exact curve, as scikit-learn's
    # TunedThresholdClassifierCV.
    "fold_average": ("fold_average", None),
    "fold-robust": ("fold_average", 0.0),
    "fold-smooth": ("fold_smooth", None),
    "fold-smooth-robust": ("fold_smooth", 0.0),
    "median-robust": ("median", None),  # the default before "bagged"
    "bagged-robust": ("bagged", None),  # the default before "blend"
    "calibrated": ("calibrated", None),
    "robust": ("blend", None),
}
STRATEGIES = tuple(_CUTOFF_RULES)
# Multiclass: "robust" is the exact ratios behind a two-SE guard on the whole
# vector (k ratios tuned jointly: a one-SE guard still let a frozen network fall
# below argmax); "cv-shrink" picks the shrinkage toward argmax on the folds.
MULTICLASS_STRATEGIES = (
    "exact",
    "median",
    "shrink",
    "bound",
    "cv-shrink",
    "guard-1se",
    "robust",
)
N_BOOTSTRAPS = 200
CONFIDENCE = 0.9
_SHRINK = np.linspace(0.0, 1.0, 5)  # multiclass: fractions of the tuned offsets


def _cutoff_base(strategy: str, task: Task) -> tuple[str, float | None]:
    """The cut-off rule behind a strategy, and its guard's standard errors."""
    base, n_se = _CUTOFF_RULES[strategy]
    if task.constrained and (n_se is not None or strategy == "robust"):
        # The default is no alternative to a precision floor: the exact optimum.
        return "exact", None
    return base, n_se


@dataclass
class _Choice:
    """The thresholds (or offsets) chosen, and the evidence behind them."""

    chosen: np.ndarray
    pooled: np.ndarray
    fold_optima: np.ndarray  # (n_folds, c)
    gain: np.ndarray  # (n_folds, c): held-out gain of tuning over the default
    kept_default: np.ndarray  # (c,) bool
    base: str
    shrinkage: float = 1.0


def _cutoff_choice(task: Task, folds: list[np.ndarray], strategy: str) -> _Choice:
    everything = np.arange(len(task.values))
    base, n_se = _cutoff_base(strategy, task)
    rule = CUTOFF_BASES[base]
    pooled = tuned_exact(task, everything)
    chosen = pooled if base == "exact" else rule(task, everything, folds)
    default = np.full(task.n_columns, task.default)
    gains = []
    for f, rows in enumerate(folds):
        train = complement(folds, f) if len(folds) > 1 else rows
        others = [g for i, g in enumerate(folds) if i != f]
        if base in ("bagged", "blend"):
            evidence_rule = tuned_bagged if base == "bagged" else tuned_blend
            tuned = evidence_rule(task, train, others, evidence=True)
        else:
            tuned = rule(task, train, others)
        gains.append(cut_values(task, rows, tuned) - cut_values(task, rows, default))
    gain = np.array(gains)
    kept = np.zeros(task.n_columns, dtype=bool)
    if n_se is not None:
        kept = ~clear_gain(gain, n_se)
        chosen = np.where(kept, default, chosen)
    fold_optima = np.array([tuned_exact(task, rows) for rows in folds])
    return _Choice(chosen, pooled, fold_optima, gain, kept, base)


# ---------------------------------------------------------------- multiclass
def _ratio_offsets(task: Task, rows: np.ndarray) -> np.ndarray:
    """Exact coordinate-ascent offsets on ``rows``, centred (mean 0)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = tune_multiclass(
            task.values[rows],
            task.truth[rows],
            objective=task.objective,
            name=task.name,
            average=task.average,
            sample_weight=task.weight[rows],
            proba=False,  # task.values are in log space already
        )
    return result.offsets - result.offsets.mean()


def _ratio_value(task: Task, rows: np.ndarray, offsets: np.ndarray):
    """The overall and per-class objective of the ratio rule on ``rows``."""
    pred = rule_argmax(task.values[rows] + offsets)
    k = task.n_columns
    overall, _ = multiclass_value(
        pred,
        task.truth[rows],
        task.weight[rows],
        k,
        task.objective,
        task.name,
        task.average,
    )
    _, per_class = multiclass_value(
        pred,
        task.truth[rows],
        task.weight[rows],
        k,
        task.per_class,
        task.name,
        task.average,
    )
    return overall, per_class


def _ratio_rule(strategy: str, offsets: np.ndarray, fold_offsets=None) -> np.ndarray:
    if strategy == "shrink":
        return 0.5 * offsets
    if strategy == "bound":  # ratios within a factor 2 of each other's mean
        return np.clip(offsets, -np.log(2) / 2, np.log(2) / 2)
    if strategy == "median" and fold_offsets is not None and len(fold_offsets) > 1:
        return np.median(fold_offsets, axis=0)
    return offsets


def _multiclass_choice(task: Task, folds: list[np.ndarray], strategy: str) -> _Choice:
    everything = np.arange(len(task.values))
    pooled = _ratio_offsets(task, everything)
    fold_optima = np.array([_ratio_offsets(task, rows) for rows in folds])
    k = task.n_columns
    zero = np.zeros(k)
    # Cross-fitting: offsets tuned without fold f, scored on fold f at each shrinkage.
    table = np.empty((len(folds), len(_SHRINK)))
    rule_gain = np.empty(len(folds))
    for f, rows in enumerate(folds):
        train = complement(folds, f) if len(folds) > 1 else rows
        offsets = _ratio_offsets(task, train)
        others = [fold_optima[g] for g in range(len(folds)) if g != f]
        base = _ratio_value(task, rows, zero)[0]
        for s, factor in enumerate(_SHRINK):
            table[f, s] = _ratio_value(task, rows, factor * offsets)[0] - base
        rule_gain[f] = (
            _ratio_value(task, rows, _ratio_rule(strategy, offsets, others))[0] - base
        )
    factor = 1.0
    if strategy == "cv-shrink":
        best = int(
            np.argmax(table.mean(axis=0) + 1e-12 * np.arange(len(_SHRINK))[::-1])
        )
        factor = float(_SHRINK[best])
        gain = table[:, best]
    else:
        gain = rule_gain
    chosen = factor * _ratio_rule(strategy, pooled, fold_optima)
    kept = False
    if strategy in ("cv-shrink", "guard-1se", "robust"):
        n_se = 2.0 if strategy == "robust" else 1.0
        kept = not bool(clear_gain(gain[:, None], n_se)[0])
        if kept:
            chosen, factor = zero, 0.0
    return _Choice(
        chosen,
        pooled,
        fold_optima,
        np.repeat(gain[:, None], k, axis=1),
        np.full(k, kept),
        "ascent",
        factor,
    )


# ---------------------------------------------------------------- the result
def tune_generalized(
    scores: Scores,
    truth: np.ndarray,
    *,
    tuning: str = "robust",
    folds: list[np.ndarray] | None = None,
    random_state: Any = None,
    progress: Progress | None = None,
    **options: Any,
) -> TuningResult:
    """Tune with ``tuning`` (a name of ``STRATEGIES``) and record the fold evidence.

    ``options`` are those of :func:`~sklabels._tuning.tune_scores` (``problem`` and
    ``classes`` required). ``folds`` are row indices of the tuning data (the
    cross-validation folds the scores came from); without them, with fewer than 3,
    or with a fold of fewer than ``MIN_FOLD_ROWS`` rows (leave-one-out), seeded
    folds of the rows are made: the optimum and the held-out gain of a single row
    say nothing. The result's ``cv_results`` holds the per-fold optima and scores.
    """
    progress = progress or Progress(0, "tune_thresholds")
    problem, average = options["problem"], options.get("average", "macro")
    objective, name = check_tuning_options(
        options.get("scoring", "f1"), average, problem
    )
    check_tuning_strategy(tuning, problem)
    options = {**options, "scoring": objective}
    exact = tune_scores(scores, truth, **options)
    progress(f"pooled exact tuning on {len(truth):,} rows")
    if (
        folds is None
        or len(folds) < 3
        or min(len(rows) for rows in folds) < MIN_FOLD_ROWS
    ):
        folds = split_rows(truth, problem, random_state)
    pos_index = options.get("pos_index", 1)
    sample_weight = options.get("sample_weight")
    task = make_task(
        scores,
        truth,
        problem,
        options["classes"],
        pos_index,
        objective,
        name,
        average,
        sample_weight,
    )
    seed = check_random_state(seed_of(random_state)).randint(np.iinfo(np.int32).max)
    task = replace(task, seed=int(seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if task.multiclass:
            choice = _multiclass_choice(task, folds, tuning)
        else:
            choice = _cutoff_choice(task, folds, tuning)
    progress(f"per-fold and cross-fitted tuning over {len(folds)} folds")
    result = _result(exact, task, choice, folds, tuning, scores)
    if options.get("keep_curves", True) and not task.multiclass:
        result.cv_results["fold_curves"] = _fold_curves(scores, truth, folds, options)
    return result


def _fold_curves(scores, truth, folds, options: dict) -> dict:
    """``{label: [ThresholdCurve of each fold]}``: each fold's rows tuned alone."""
    curves: dict = {}
    sample_weight = options.get("sample_weight")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for rows in folds:
            part = tune_scores(
                Scores(scores.values[rows], scores.kind, scores.logits),
                np.asarray(truth)[rows],
                **{
                    **options,
                    "sample_weight": None
                    if sample_weight is None
                    else sample_weight[rows],
                    "keep_curves": True,
                    "n_jobs": None,
                },
            )
            for label, curve in part.curves.items():
                curves.setdefault(label, []).append(curve)
    return curves


def _thresholds_in_units(task: Task, cut: np.ndarray, scores: Scores) -> np.ndarray:
    """Score-unit cut-offs (or offsets) as the rule's thresholds."""
    if task.multiclass:
        return offsets_to_ratios(cut)
    if task.logits:
        return logits_to_probabilities(cut, task.values)
    return cut


def _fold_units(task: Task, cut: np.ndarray) -> np.ndarray:
    if task.multiclass:
        return offsets_to_ratios(cut)
    return expit(cut) if task.logits else cut


def _result(exact, task, choice: _Choice, folds, tuning, scores) -> TuningResult:
    everything = np.arange(len(task.values))
    thresholds = _thresholds_in_units(task, choice.chosen, scores)
    if task.multiclass:
        best, per_class = _ratio_value(task, everything, choice.chosen)
        fold_scores = np.array([_ratio_value(task, r, choice.chosen)[1] for r in folds])
        fold_default = np.array(
            [_ratio_value(task, r, np.zeros(task.n_columns))[1] for r in folds]
        )
        fold_thresholds = np.array([offsets_to_ratios(o) for o in choice.fold_optima])
        pooled = offsets_to_ratios(choice.pooled)
    else:
        per_class = cut_values(task, everything, choice.chosen)
        best = per_class[0] if task.micro else per_class.mean()
        fold_scores = np.array([cut_values(task, r, choice.chosen) for r in folds])
        default = np.full(task.n_columns, task.default)
        fold_default = np.array([cut_values(task, r, default) for r in folds])
        fold_thresholds = np.array([_fold_units(task, o) for o in choice.fold_optima])
        pooled = _fold_units(task, choice.pooled)
    owners = list(exact.class_scores)
    n_folds = len(folds)
    gain = choice.gain
    cv_results = {
        "classes": np.asarray(owners, dtype=object),
        "tuning": tuning,
        "n_folds": n_folds,
        "fold_thresholds": fold_thresholds,
        "fold_scores": fold_scores,
        "fold_default_scores": fold_default,
        "pooled_thresholds": pooled,
        "thresholds": np.atleast_1d(thresholds).astype(float),
        "gain": gain.mean(axis=0),
        "gain_se": (
            gain.std(axis=0, ddof=1) / np.sqrt(n_folds)
            if n_folds > 1
            else np.full(gain.shape[1], np.nan)
        ),
        "kept_default": choice.kept_default,
    }
    if task.multiclass:
        cv_results["shrinkage"] = choice.shrinkage
    curves = {
        label: replace(curve, best_threshold=float(t), best_score=float(v))
        for (label, curve), t, v in zip(
            exact.curves.items(), np.atleast_1d(thresholds), per_class, strict=False
        )
    }
    return replace(
        exact,
        thresholds=float(thresholds[0]) if exact.problem == "binary" else thresholds,
        best_score=float(best),
        class_scores=dict(zip(owners, (float(v) for v in per_class), strict=True)),
        curves=curves,
        cv_results=cv_results,
    )


# ---------------------------------------------------------------- intervals
def bootstrap_intervals(
    scores: Scores,
    truth: np.ndarray,
    result: TuningResult,
    *,
    pos_index: int = 1,
    sample_weight: np.ndarray | None = None,
    n_bootstraps: int = N_BOOTSTRAPS,
    confidence: float = CONFIDENCE,
    random_state: Any = None,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Percentile-bootstrap intervals of the thresholds and of the objective there.

    Each resample draws the tuning rows with replacement (seeded). The thresholds
    are re-tuned on it by the rule that chose them (a class kept at the default
    stays there); ``best_score`` is the objective of the chosen thresholds on it.
    Returns ``thresholds_interval`` of shape ``(2, n_classes)`` (binary:
    ``(2,)``) and ``best_score_interval`` of shape ``(2,)``.
    """
    progress = progress or Progress(0, "tune_thresholds")
    objective, _ = check_tuning_options(result.scoring, result.average, result.problem)
    task = make_task(
        scores,
        truth,
        result.problem,
        result.classes,
        pos_index,
        objective,
        result.scoring,
        result.average,
        sample_weight,
    )
    info = result.cv_results or {}
    kept = np.asarray(info.get("kept_default", np.zeros(task.n_columns, bool)))
    tuning = info.get("tuning", "exact")
    rng = check_random_state(seed_of(random_state))
    n = len(task.values)
    chosen = _chosen_in_task_units(task, result)
    cuts, values = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for b in range(n_bootstraps):
            rows = rng.randint(0, n, n)
            cuts.append(_retuned(task, rows, tuning, kept, info))
            values.append(_overall(task, rows, chosen))
            if (b + 1) % max(1, n_bootstraps // 4) == 0:
                progress(f"bootstrap {b + 1}/{n_bootstraps}", level=2)
    alpha = (1 - confidence) / 2
    cut_interval = np.quantile(np.array(cuts), [alpha, 1 - alpha], axis=0)
    score_interval = np.quantile(np.array(values), [alpha, 1 - alpha])
    if result.problem == "binary":
        cut_interval = cut_interval[:, 0]
    return cut_interval, score_interval


def _chosen_in_task_units(task: Task, result: TuningResult) -> np.ndarray:
    thresholds = np.atleast_1d(np.asarray(result.thresholds, dtype=np.float64))
    if task.multiclass:
        return -np.log(thresholds)
    if task.logits:
        with np.errstate(divide="ignore"):
            return np.log(thresholds) - np.log1p(-thresholds)
    return thresholds


def _overall(task: Task, rows: np.ndarray, chosen: np.ndarray) -> float:
    if task.multiclass:
        return float(_ratio_value(task, rows, chosen)[0])
    values = cut_values(task, rows, chosen)
    return float(values[0] if task.micro else values.mean())


def _retuned(task: Task, rows, tuning: str, kept: np.ndarray, info: dict):
    """The thresholds the same rule picks on resampled rows, in the rule's units."""
    if task.multiclass:
        factor = float(info.get("shrinkage", 1.0))
        offsets = factor * _ratio_offsets(task, rows) if not kept.all() else 0.0
        return offsets_to_ratios(np.zeros(task.n_columns) + offsets)
    base, _ = _cutoff_base(tuning, task) if tuning in STRATEGIES else ("exact", None)
    base = WITHOUT_FOLDS.get(base, base)
    cut = CUTOFF_BASES[base](task, rows, [])
    cut = np.where(kept, task.default, cut)
    return expit(cut) if task.logits else cut


def tune_with_evidence(
    scores: Scores,
    truth: np.ndarray,
    *,
    tuning: str = "robust",
    n_bootstraps: int = 0,
    confidence: float = CONFIDENCE,
    random_state: Any = None,
    verbose: int = 0,
    folds: list[np.ndarray] | None = None,
    progress: Progress | None = None,
    **kwargs: Any,
) -> TuningResult:
    """:func:`tune_generalized`, then bootstrap intervals when ``n_bootstraps``."""
    progress = progress or Progress(verbose, "tune_thresholds")
    result = tune_generalized(
        scores,
        truth,
        tuning=tuning,
        folds=folds,
        random_state=random_state,
        progress=progress,
        **kwargs,
    )
    if not n_bootstraps:
        return result
    cut, value = bootstrap_intervals(
        scores,
        truth,
        result,
        pos_index=kwargs.get("pos_index", 1),
        sample_weight=kwargs.get("sample_weight"),
        n_bootstraps=n_bootstraps,
        confidence=confidence,
        random_state=random_state,
        progress=progress,
    )
    progress(f"{n_bootstraps} bootstrap resamples for the intervals")
    return replace(result, thresholds_interval=cut, best_score_interval=value)
