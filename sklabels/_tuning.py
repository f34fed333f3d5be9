"""The tuning engine: exact thresholds by problem kind, and their result type.

``tune_scores`` is shared by :func:`~sklabels.tune_thresholds` (scores the user
holds), ``ProbabilisticLabelClassifier(threshold="auto")`` (out-of-fold scores), the
robust tuner and the tuner of merged counts: it reads a validated
:class:`~sklabels._scores.Scores` and the encoded truth, runs the exact engine of
``_sweep.py`` and returns thresholds in the units the rules expect.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy.special import expit, logit
from sklearn.utils.validation import _check_sample_weight, check_consistent_length

from ._multiclass import (
    class_counts,
    log_space,
    offsets_to_ratios,
    rule_argmax,
    tune_multiclass,
)
from ._objectives import (
    Constrained,
    accuracy,
    balanced_accuracy,
    evaluate,
    f1,
    recall,
    resolve_objective,
)
from ._rules import default_threshold
from ._scores import PROBA, Scores, scores_from_array
from ._sweep import tune_columns, tune_micro, value_at, warn_about
from ._targets import fit_target, truth_positive_index
from ._text import to_python
from ._warnings import FEW_POSITIVES, FewPositivesWarning, user_stacklevel

AVERAGES = ("macro", "micro")


@dataclass(frozen=True)
class TuningResult:
    """Tuned thresholds, their objective values, and the curves behind them.

    Attributes
    ----------
    thresholds : float or ndarray of shape (n_classes,)
        Ready for ``threshold=`` of :func:`sklabels.decode` and
        :class:`~sklabels.ProbabilisticLabelClassifier`: binary, one float on the
        score of ``pos_label``; multilabel, one cut-off per label; multiclass, one
        ratio per class (predict ``argmax_k p_k / t_k``). Probabilities for
        probability or logit scores, decision-score units for decision scores.
    best_score : float
        The objective at ``thresholds`` on the tuning data: the positive class's value
        (binary), the mean over classes (``average="macro"``) or the value of the
        pooled counts (``average="micro"``).
    class_scores : dict
        ``{label: value}``: each class's own objective at its threshold (binary: the
        positive class only).
    curves : dict
        ``{label: ThresholdCurve}`` -- the exact objective against the threshold, with
        the confusion counts behind it. Multiclass: the final line search of each
        class's ratio (the overall objective, the other ratios fixed). With
        ``average="micro"`` every label maps to the same pooled curve. Empty when
        curves were not requested.
    classes : ndarray of shape (n_classes,)
        The labels, in the column order of the scores.
    problem : {"binary", "multiclass", "multilabel"}
    scoring : str
        The objective's name.
    average : {"macro", "micro"}
    pos_label : label or None
        The positive class of a binary problem.
    start_score : float
        The objective before tuning: at the default thresholds (0.5, or plain argmax
        for multiclass problems). ``best_score >= start_score`` up to rounding, except
        where a constraint forced a fallback.
    cv_results : dict or None
        With ``tuning=`` given: the fold evidence -- ``fold_thresholds`` (each
        fold's own optimum), ``fold_scores`` and ``fold_default_scores`` (each
        fold's objective at the chosen and at the default thresholds),
        ``pooled_thresholds`` (the exact optimum of all rows), ``gain`` and
        ``gain_se`` (cross-fitted held-out gain of tuning over the default, and its
        standard error across folds), ``kept_default`` (classes the guard left at
        the default). See :doc:`tuning`.
    thresholds_interval : ndarray or None
        With ``n_bootstraps``: the bootstrap interval of the thresholds, shape
        ``(2,)`` (binary) or ``(2, n_classes)`` -- lower and upper bounds.
    best_score_interval : ndarray or None
        With ``n_bootstraps``: the bootstrap interval of ``best_score``, shape
        ``(2,)``.
    certificates : dict or None
        With a certified floor (``RecallAtPrecision(p, confidence=c)``,
        ``PrecisionAtRecall(r, confidence=c)``): ``{label: Certificate}`` -- the
        p-value at the chosen cut, how many candidates were certified, whether any
        was (where none was, the threshold is the safe ``inf`` or ``-inf``).
        ``None`` otherwise.
    """

    thresholds: float | np.ndarray
    best_score: float
    class_scores: dict
    curves: dict
    classes: np.ndarray
    problem: str
    scoring: str
    average: str
    pos_label: Any = None
    start_score: float = float("nan")
    cv_results: dict | None = None
    thresholds_interval: np.ndarray | None = None
    best_score_interval: np.ndarray | None = None
    certificates: dict | None = None

    def to_dict(self) -> dict:
        """A JSON-ready summary: problem, classes, thresholds, objective values."""
        thresholds = self.thresholds
        return {
            "problem": self.problem,
            "classes": [to_python(c) for c in self.classes],
            "pos_label": to_python(self.pos_label),
            "thresholds": (
                float(thresholds)
                if np.ndim(thresholds) == 0
                else [float(t) for t in thresholds]
            ),
            "scoring": self.scoring,
            "average": self.average,
            "best_score": float(self.best_score),
            "class_scores": {
                str(to_python(k)): float(v) for k, v in self.class_scores.items()
            },
        }


def label_of(value: Any) -> str:
    """A label as messages quote it: the ``repr`` of its plain Python value."""
    return repr(to_python(value))


def check_tuning_options(scoring: Any, average: Any, problem: str):
    """Resolve ``scoring`` and check ``average``; clear errors before any fitting."""
    objective, name = resolve_objective(scoring)
    if average not in AVERAGES:
        raise ValueError(
            f"average must be 'macro' (each class tuned for its own objective) or "
            f"'micro' (one objective over the pooled counts), got {average!r}."
        )
    if problem == "multiclass" and isinstance(objective, Constrained):
        raise ValueError(
            f"scoring={objective!r} constrains one class's precision or recall, but "
            f"in a multiclass problem every class's threshold moves the others. Tune "
            f"the class of interest as a binary problem (pos_label=...), or use "
            f"'f1', FBeta(beta) or Cost(...) here."
        )
    return objective, name


def tune_scores(
    scores: Scores,
    truth: np.ndarray,
    *,
    problem: str,
    classes: np.ndarray,
    pos_index: int = 1,
    scoring: Any = "f1",
    average: str = "macro",
    sample_weight: np.ndarray | None = None,
    keep_curves: bool = True,
    n_jobs: int | None = None,
) -> TuningResult:
    """Tune thresholds on validated scores against encoded truth.

    ``truth`` holds codes ``0..k-1`` (binary, multiclass) or a 0/1 indicator matrix
    (multilabel), as ``TargetEncoding.encode`` returns.
    """
    objective, name = check_tuning_options(scoring, average, problem)
    if problem == "multiclass":
        return _tune_multiclass(
            scores, truth, classes, objective, name, average, sample_weight, keep_curves
        )
    return _tune_cutoffs(
        scores,
        truth,
        problem=problem,
        classes=classes,
        pos_index=pos_index,
        objective=objective,
        name=name,
        average=average,
        sample_weight=sample_weight,
        keep_curves=keep_curves,
        n_jobs=n_jobs,
    )


def cutoff_columns(
    values: np.ndarray, truth: Any, problem: str, classes: np.ndarray, pos_index: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The columns tuned one by one, their 0/1 truth, and the labels they score."""
    if problem == "binary":
        hits = (np.asarray(truth) == pos_index)[:, None]
        return values[:, [pos_index]], hits, classes[[pos_index]]
    truth = np.asarray(truth)
    if truth.dtype == np.int8:  # a validated 0/1 indicator: its bytes are bools
        return values, truth.view(bool), classes
    return values, truth.astype(bool, copy=False), classes


def _tune_cutoffs(
    scores: Scores,
    truth: Any,
    *,
    problem: str,
    classes: np.ndarray,
    pos_index: int,
    objective: Any,
    name: str,
    average: str,
    sample_weight: np.ndarray | None,
    keep_curves: bool,
    n_jobs: int | None = None,
) -> TuningResult:
    """Binary and multilabel problems: independent cut-offs in the scores' units."""
    columns, hits, owners = cutoff_columns(
        scores.values, truth, problem, classes, pos_index
    )
    default = default_threshold(scores.kind)
    micro = problem == "multilabel" and average == "micro"
    kwargs = dict(
        objective=objective,
        name=name,
        sample_weight=sample_weight,
        proba=scores.kind == PROBA,
        keep_curves=keep_curves,
        start_at=default,
    )
    if micro:
        tuning = tune_micro(columns, hits, **kwargs)
        pooled = np.array(["the pooled labels"], dtype=object)
        warn_about(tuning, pooled, objective, str)
    else:
        defaults = np.full(len(owners), default)
        tuning = tune_columns(columns, hits, defaults=defaults, n_jobs=n_jobs, **kwargs)
        warn_about(tuning, owners, objective, label_of)
    thresholds = tuning.thresholds
    if scores.logits:
        thresholds = logits_to_probabilities(thresholds, columns)
    if micro:  # each label's own value at the shared threshold (in score units)
        per_class = [
            value_at(columns[:, j], hits[:, j], sample_weight, t, objective, name)
            for j, t in enumerate(tuning.thresholds)
        ]
    else:
        per_class = [float(b) for b in tuning.best]
    return cutoff_result(
        tuning,
        thresholds,
        per_class,
        owners=owners,
        classes=classes,
        problem=problem,
        pos_index=pos_index,
        name=name,
        average=average,
        micro=micro,
        logits=scores.logits,
    )


def cutoff_result(
    tuning: Any,
    thresholds: np.ndarray,
    per_class: list,
    *,
    owners: np.ndarray,
    classes: np.ndarray,
    problem: str,
    pos_index: int,
    name: str,
    average: str,
    micro: bool,
    logits: bool,
) -> TuningResult:
    """The result of tuned cut-offs (binary, multilabel) from the sweep's outcome.

    ``thresholds`` are in probabilities for logit scores, ``per_class`` holds each
    owner's own objective value; in-memory and merged-table tuning end here.
    """
    return TuningResult(
        thresholds=float(thresholds[0]) if problem == "binary" else thresholds,
        # The pooled value (micro) or the mean over classes, before and after.
        best_score=float(tuning.best[0] if micro else np.mean(tuning.best)),
        class_scores=dict(zip(owners, per_class, strict=True)),
        curves=labelled_curves(tuning.curves, owners, thresholds, logits),
        classes=classes,
        problem=problem,
        scoring=name,
        average=average,
        pos_label=classes[pos_index] if problem == "binary" else None,
        start_score=float(tuning.start[0] if micro else np.mean(tuning.start)),
    )


def labelled_curves(
    curves: list | None, owners: np.ndarray, thresholds: np.ndarray, logits: bool
) -> dict:
    """``{label: curve}`` with the chosen threshold, in probabilities for logits."""
    if curves is None:
        return {}
    out = {}
    for label, curve, t in zip(owners, curves, thresholds, strict=True):
        cuts = expit(curve.thresholds) if logits else curve.thresholds
        out[label] = replace(curve, thresholds=cuts, best_threshold=float(t))
    return out


def logits_to_probabilities(thresholds: np.ndarray, logits: np.ndarray) -> np.ndarray:
    """``expit`` of logit cut-offs, nudged so that the rule (which compares logits
    with ``logit(t)``) still makes the same predictions on the tuning scores."""
    out = expit(thresholds)
    for j, (t, p) in enumerate(zip(thresholds, out, strict=True)):
        column = logits[:, j]
        wanted = column >= t
        for _ in range(64):
            with np.errstate(divide="ignore"):
                got = column >= logit(p)
            if np.array_equal(got, wanted):
                break
            # Too many on: raise the probability; too few: lower it.
            p = np.nextafter(p, 1.0 if got.sum() > wanted.sum() else 0.0)
        out[j] = p
    return out


def multiclass_objectives(objective: Any, average: str) -> tuple[Any, str, Any]:
    """The objective the ascent maximises, its average, and the per-class one.

    Multiclass conventions, as scikit-learn's metrics: "accuracy" is the fraction
    correct (micro F1 of single-label predictions), "balanced_accuracy" the mean
    per-class recall. Per class, both report the class's recall: the fraction of
    its samples labelled right.
    """
    if objective is accuracy:
        return f1, "micro", recall
    if objective is balanced_accuracy:
        return recall, "macro", recall
    return objective, average, objective


def _warn_about_rare_classes(truth, classes, sample_weight) -> None:
    """FewPositivesWarning for classes absent from the tuning data, or rare in it."""
    counts = np.bincount(truth, weights=sample_weight, minlength=len(classes))
    absent = [label_of(classes[j]) for j in np.flatnonzero(counts == 0)]
    few = [
        f"{label_of(classes[j])} ({int(counts[j])})"
        for j in np.flatnonzero((counts > 0) & (counts < FEW_POSITIVES))
    ]
    if not (absent or few):
        return
    detail = []
    if absent:
        detail.append(f"no samples of {', '.join(absent)}")
    if few:
        detail.append(f"fewer than {FEW_POSITIVES} of {', '.join(few[:8])}")
    warnings.warn(
        f"the multiclass tuning data has {' and '.join(detail)}: the tuned ratios "
        f"of those classes are likely to overfit. Consider fixed thresholds, "
        f"more data, or stratified folds.",
        FewPositivesWarning,
        stacklevel=user_stacklevel(),
    )


def _tune_multiclass(
    scores, truth, classes, objective, name, average, sample_weight, keep_curves
) -> TuningResult:
    """Per-class ratios by coordinate ascent; per-class values of the result."""
    ascent, average, per_class = multiclass_objectives(objective, average)
    truth = np.asarray(truth)
    tuning = tune_multiclass(
        scores.values,
        truth,
        objective=ascent,
        name=name,
        average=average,
        sample_weight=sample_weight,
        proba=scores.kind == PROBA,
        keep_curves=keep_curves,
    )
    _warn_about_rare_classes(truth, classes, sample_weight)
    class_values = tuning.class_values
    if per_class is not ascent:
        w = np.ones(len(truth)) if sample_weight is None else sample_weight
        z = log_space(scores.values, scores.kind == PROBA) + tuning.offsets
        counts = class_counts(rule_argmax(z), truth, w, len(classes))
        class_values = evaluate(per_class, name, *counts)
    curves = {}
    if tuning.curves is not None:
        curves = dict(zip(classes, tuning.curves, strict=True))
    return TuningResult(
        thresholds=offsets_to_ratios(tuning.offsets),
        best_score=float(tuning.best),
        class_scores=dict(zip(classes, (float(v) for v in class_values), strict=True)),
        curves=curves,
        classes=classes,
        problem="multiclass",
        scoring=name,
        average=average,
        start_score=float(tuning.start),
    )


def validated_scores(
    y_true, scores, problem, classes, pos_label, sample_weight, from_logits
):
    """The encoding, truth, positive index, Scores, problem and weights to tune."""
    # A multilabel indicator is only read as 0/1 here: int8, not int64.
    encoding, truth = fit_target(
        y_true, problem=problem, classes=classes, indicator=np.int8
    )
    # The class a single score column scores, and the one a binary objective rates.
    pos_index = truth_positive_index(encoding, pos_label, classes)
    values, problem = scores_from_array(
        scores,
        classes=encoding.classes,
        problem=encoding.problem,
        from_logits=from_logits,
        owner=pos_index,
    )
    check_consistent_length(values.values, truth)
    weight = None
    if sample_weight is not None:
        weight = _check_sample_weight(
            sample_weight, values.values, ensure_non_negative=True
        )
    return encoding, truth, pos_index, values, problem, weight
