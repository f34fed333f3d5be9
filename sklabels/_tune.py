"""Tuning dispatched by problem kind, and the public ``tune_thresholds``.

``tune_scores`` is shared by :func:`tune_thresholds` (scores the user holds) and
``ProbabilisticLabelClassifier(threshold="auto")`` (out-of-fold scores): it reads a
validated :class:`~sklabels._scores.Scores` and the encoded truth, runs the exact
engine of ``_sweep.py`` and returns thresholds in the units the rules expect.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import Any

import numpy as np
from scipy.special import expit, logit
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import _check_sample_weight, check_consistent_length

from ._backend import any_dask
from ._multiclass import (
    class_counts,
    log_space,
    offsets_to_ratios,
    rule_argmax,
    tune_multiclass,
)
from ._objectives import (
    _Constrained,
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
from ._targets import PROBLEMS, fit_target, truth_positive_index
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


def _label(value: Any) -> str:
    return repr(to_python(value))


def check_tuning_options(scoring: Any, average: Any, problem: str):
    """Resolve ``scoring`` and check ``average``; clear errors before any fitting."""
    objective, name = resolve_objective(scoring)
    if average not in AVERAGES:
        raise ValueError(
            f"average must be 'macro' (each class tuned for its own objective) or "
            f"'micro' (one objective over the pooled counts), got {average!r}."
        )
    if problem == "multiclass" and isinstance(objective, _Constrained):
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


def _cutoff_columns(
    values: np.ndarray, truth: Any, problem: str, classes: np.ndarray, pos_index: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The columns tuned one by one, their 0/1 truth, and the labels they score."""
    if problem == "binary":
        hits = (np.asarray(truth) == pos_index)[:, None]
        return values[:, [pos_index]], hits, classes[[pos_index]]
    return values, np.asarray(truth).astype(bool, copy=False), classes


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
    columns, hits, owners = _cutoff_columns(
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
        warn_about(tuning, owners, objective, _label)
    thresholds = tuning.thresholds
    if scores.logits:
        thresholds = _logits_to_probabilities(thresholds, columns)
    if micro:  # each label's own value at the shared threshold (in score units)
        per_class = [
            value_at(columns[:, j], hits[:, j], sample_weight, t, objective, name)
            for j, t in enumerate(tuning.thresholds)
        ]
    else:
        per_class = [float(b) for b in tuning.best]
    return TuningResult(
        thresholds=float(thresholds[0]) if problem == "binary" else thresholds,
        # The pooled value (micro) or the mean over classes, before and after.
        best_score=float(tuning.best[0] if micro else np.mean(tuning.best)),
        class_scores=dict(zip(owners, per_class, strict=True)),
        curves=_labelled_curves(tuning.curves, owners, thresholds, scores.logits),
        classes=classes,
        problem=problem,
        scoring=name,
        average=average,
        pos_label=classes[pos_index] if problem == "binary" else None,
        start_score=float(tuning.start[0] if micro else np.mean(tuning.start)),
    )


def _labelled_curves(
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


def _logits_to_probabilities(thresholds: np.ndarray, logits: np.ndarray) -> np.ndarray:
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


def _multiclass_objectives(objective: Any, average: str) -> tuple[Any, str, Any]:
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
    absent = [_label(classes[j]) for j in np.flatnonzero(counts == 0)]
    few = [
        f"{_label(classes[j])} ({int(counts[j])})"
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
    ascent, average, per_class = _multiclass_objectives(objective, average)
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


@validate_params(
    {
        "y_true": ["array-like", "sparse matrix"],
        "scores": ["array-like"],
        "problem": [StrOptions({"auto", *PROBLEMS})],
        "classes": ["array-like", None],
        "pos_label": "no_validation",  # any label; checked against the classes
        "scoring": "no_validation",  # names, objects or callables: resolve_objective
        "average": [StrOptions(set(AVERAGES))],
        "sample_weight": ["array-like", None],
        "from_logits": ["boolean"],
        "return_curves": ["boolean"],
        "n_jobs": [Integral, None],
        "tuning": [StrOptions({"exact", "robust"})],
        "n_bootstraps": [Interval(Integral, 0, None, closed="left")],
        "confidence": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    },
    prefer_skip_nested_validation=True,
)
def tune_thresholds(
    y_true: Any,
    scores: Any,
    *,
    problem: str = "auto",
    classes: Any = None,
    pos_label: Any = None,
    scoring: Any = "f1",
    average: str = "macro",
    sample_weight: Any = None,
    from_logits: bool = False,
    return_curves: bool = True,
    n_jobs: int | None = None,
    tuning: str = "exact",
    n_bootstraps: int = 0,
    confidence: float = 0.9,
    random_state: Any = None,
    verbose: int = 0,
) -> TuningResult:
    """Tune per-class thresholds exactly on scores you already hold.

    For validation-set predictions of a network (or any model): one exact sweep per
    class over the sorted scores finds the threshold that maximises the objective on
    this data -- every distinct score is a candidate, no grid. Pass the result's
    ``thresholds`` to :func:`sklabels.decode` or to
    ``ProbabilisticLabelClassifier(threshold=...)``.

    Parameters
    ----------
    y_true : array-like, sparse matrix or sequence of label collections
        The true labels, in any form ``ProbabilisticLabelClassifier.fit`` accepts:
        1-D labels, one-hot or indicator matrix, list of label sets.
    scores : array-like of shape (n_samples,) or (n_samples, n_columns)
        The model's outputs for the same samples: ``(n,)``/``(n, 1)`` sigmoid,
        ``(n, 2)`` or ``(n, k)`` softmax rows, ``(n, k)`` sigmoid columns, or their
        logits with ``from_logits=True``.
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
        Inferred from ``y_true`` by default.
    classes : array-like, default=None
        Labels in the column order of ``scores``. Default: the sorted labels of
        ``y_true`` (then every class must occur in ``y_true``).
    pos_label : label, default=None
        Binary only: the positive class -- the class a single score column (``(n,)``
        or ``(n, 1)``) is the score of, and the class the objective rates. Default:
        the last of ``classes`` when given, else the larger of 0/1, -1/1 or
        False/True labels; other labels (strings) need it, as in scikit-learn's
        metrics, since their sorted order says nothing about what a model scored.
    scoring : str or callable, default="f1"
        ``"f1"``, ``"balanced_accuracy"``, ``"youden"``, ``"mcc"``, ``"accuracy"``,
        ``"jaccard"``, an objective object (:class:`FBeta`, :class:`Cost`,
        :class:`RecallAtPrecision`, :class:`PrecisionAtRecall`), or any callable
        ``f(tp, fp, fn, tn) -> array`` working elementwise on count arrays (greater
        is better).
    average : {"macro", "micro"}, default="macro"
        Multilabel: ``"macro"`` tunes each label for its own objective; ``"micro"``
        tunes one threshold shared by all labels, on the pooled counts. Multiclass:
        the objective averaged over classes (``"macro"``) or computed on pooled
        counts (``"micro"``); the per-class ratios are tuned together by coordinate
        ascent with an exact line search, starting from plain argmax. Binary: the
        positive class's objective (as scikit-learn's ``average="binary"``).
    sample_weight : array-like of shape (n_samples,), default=None
        Weights of the samples in the confusion counts.
    from_logits : bool, default=False
        ``scores`` are logits; the thresholds returned are still probabilities.
    return_curves : bool, default=True
        Keep every class's full curve in ``result.curves``. Each holds six arrays as
        long as the class's distinct scores (about 48 MB per class for a million
        distinct scores); ``False`` keeps memory flat on large inputs.
    n_jobs : int, default=None
        Threads sweeping the classes' score columns at once (binary and
        multilabel problems; NumPy's sort releases the GIL). ``None`` is 1 unless
        in a ``joblib.parallel_config`` context, ``-1`` uses every core. The
        results are identical for every value.
    tuning : {"exact", "robust"}, default="exact"
        ``"exact"``: the thresholds that maximise the objective on these scores.
        ``"robust"``: judged on held-out folds of these rows (5 seeded folds):
        cut-offs at the top of the smoothed objective curve, a class kept at the
        default where tuning does not beat it on the folds; multiclass ratios kept
        at argmax unless they beat it by more than two standard errors.
        Either way ``result.cv_results`` then holds the per-fold optima and
        scores. See the tuning guide for the measured trade-offs.
    n_bootstraps : int, default=0
        Resamples of the rows (with replacement) for the intervals
        ``result.thresholds_interval`` and ``result.best_score_interval``; 0
        computes none (``tuning`` or 200 resamples are typical).
    confidence : float in (0, 1), default=0.9
        The coverage of those percentile intervals.
    random_state : int, RandomState instance or None, default=None
        Seeds the folds of ``tuning="robust"`` and the bootstrap (``None``: 0,
        reproducible).
    verbose : int, default=0
        Print the steps of the work with the elapsed time (``>= 2``: also the
        bootstrap's progress).

    Returns
    -------
    result : TuningResult
        ``thresholds``, ``best_score``, per-class ``class_scores`` and ``curves``.

    Warns
    -----
    FewPositivesWarning
        A class has fewer than 10 positives (its threshold is likely to overfit), or
        none (its threshold keeps the default).
    UnreachableConstraintWarning
        No threshold meets a ``RecallAtPrecision``/``PrecisionAtRecall`` floor; the
        warning names the best value reachable, whose threshold is used.

    Examples
    --------
    >>> from sklabels import tune_thresholds, decode
    >>> y_val = ["ham", "spam", "spam", "ham", "spam", "ham"]
    >>> p_spam = [0.10, 0.35, 0.80, 0.30, 0.60, 0.20]
    >>> result = tune_thresholds(y_val, p_spam, pos_label="spam", scoring="f1")
    >>> round(result.thresholds, 4), result.best_score  # between 0.30 and 0.35
    (0.325, 1.0)
    >>> decode([0.33, 0.31], ["ham", "spam"], threshold=result.thresholds).tolist()
    ['spam', 'ham']
    """
    if any_dask(y_true, scores, sample_weight) and (
        tuning != "exact" or n_bootstraps or verbose
    ):
        raise ValueError(
            f"tune_thresholds on Dask inputs tunes exactly from merged counts; "
            f"tuning={tuning!r}, n_bootstraps={n_bootstraps!r} and "
            f"verbose={verbose!r} need every row in memory. Use tuning='exact', "
            f"n_bootstraps=0 and verbose=0, or compute() the inputs first."
        )
    if any_dask(y_true, scores, sample_weight):  # exact, from merged counts
        from ._dask import tune_dask

        return tune_dask(
            y_true,
            scores,
            problem=problem,
            classes=classes,
            pos_label=pos_label,
            scoring=scoring,
            average=average,
            sample_weight=sample_weight,
            from_logits=from_logits,
            return_curves=return_curves,
        )
    encoding, truth, pos_index, values, problem, weight = _validated(
        y_true, scores, problem, classes, pos_label, sample_weight, from_logits
    )
    common = dict(
        problem=problem,
        classes=encoding.classes,
        pos_index=pos_index,
        scoring=scoring,
        average=average,
        sample_weight=weight,
        keep_curves=return_curves,
        n_jobs=n_jobs,
    )
    if tuning == "exact" and not n_bootstraps and not verbose:
        return tune_scores(values, truth, **common)
    from ._generalize import tune_with_evidence  # it builds on this module

    return tune_with_evidence(
        values,
        truth,
        tuning=tuning,
        n_bootstraps=n_bootstraps,
        confidence=confidence,
        random_state=random_state,
        verbose=verbose,
        **common,
    )


def _validated(y_true, scores, problem, classes, pos_label, sample_weight, from_logits):
    """The encoding, truth, positive index, Scores, problem and weights to tune."""
    encoding, truth = fit_target(y_true, problem=problem, classes=classes)
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
