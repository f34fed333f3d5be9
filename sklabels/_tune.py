"""The public ``tune_thresholds``: validation, then one dispatch.

In-memory scores go to the exact engine (``_tuning.py``) or, with ``tuning=``,
bootstrap intervals or progress, to the robust tuner (``_generalize.py``); inputs
held out of memory go to their own layer, which tunes from merged counts.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ._backend import any_dask, dask_layer
from ._bands import Bands
from ._bands import tune_bands as tune_bands_in_memory
from ._certified import check_certified_options, is_certified, tune_certified
from ._generalize import tune_with_evidence
from ._targets import PROBLEMS
from ._tuning import (
    AVERAGES,
    TuningResult,
    check_tuning_options,
    tune_scores,
    validated_scores,
)

__all__ = [
    "AVERAGES",
    "TuningResult",
    "check_tuning_options",
    "tune_bands",
    "tune_thresholds",
]


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
        "tuning": [StrOptions({"exact", "robust", "fold_average"})],
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
    return_curves: bool = False,
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
    return_curves : bool, default=False
        Keep every class's full curve in ``result.curves`` (every distinct score a
        point, with its confusion counts: six arrays per class as long as its
        distinct scores, about 48 MB per class for a million of them). Off by
        default: ``result.curves`` is then empty, and the call needs little memory
        beyond its inputs. The thresholds and scores are the same either way;
        ``ThresholdCurveDisplay`` asks for the curves itself.
    n_jobs : int, default=None
        Threads sweeping the classes' score columns at once (binary and
        multilabel problems; NumPy's sort releases the GIL). ``None`` is 1 unless
        in a ``joblib.parallel_config`` context, ``-1`` uses every core. The
        results are identical for every value.
    tuning : {"exact", "robust", "fold_average"}, default="exact"
        ``"exact"``: the thresholds that maximise the objective on these scores.
        ``"robust"``: judged on held-out folds of these rows (5 seeded folds):
        each cut-off the midpoint of the mean of the exact optima of 50
        bootstrap resamples of these rows (fewer above 100,000 rows) and the best
        cut at expected counts under a logistic calibration of the scores;
        multiclass ratios kept
        at argmax unless they beat it on the folds by more than two standard
        errors.
        ``"fold_average"``: the cut-offs at the top of the mean over those folds of
        each fold's exact objective curve (binary and multilabel; multiclass
        problems are refused). Either way ``result.cv_results`` then holds the
        per-fold optima and scores. See the tuning guide for the measured
        trade-offs. A certified floor (``scoring=RecallAtPrecision(p,
        confidence=c)``) ignores ``tuning``: its cut is certified, not swept.
    n_bootstraps : int, default=0
        Resamples of the rows (with replacement) for the intervals
        ``result.thresholds_interval`` and ``result.best_score_interval``; 0
        computes none (``tuning`` or 200 resamples are typical).
    confidence : float in (0, 1), default=0.9
        The coverage of those percentile intervals (a description of the
        tuning's variability, no guarantee; for a floor that holds on new data,
        give the objective its own confidence: ``RecallAtPrecision(0.9,
        confidence=0.95)``).
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
    NotCertifiedWarning
        A certified floor: no cut of a label is certified; its threshold is the
        safe one (``inf``, never positive, for a precision floor).
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
    if any_dask(y_true, scores, sample_weight):  # exact, from merged counts
        if is_certified(scoring):
            raise ValueError(
                f"scoring={scoring!r} is certified in memory only; compute the "
                f"validation scores and labels (.compute()) and pass those arrays."
            )
        return dask_layer().tune(
            y_true,
            scores,
            tuning=tuning,
            n_bootstraps=n_bootstraps,
            verbose=verbose,
            problem=problem,
            classes=classes,
            pos_label=pos_label,
            scoring=scoring,
            average=average,
            sample_weight=sample_weight,
            from_logits=from_logits,
            return_curves=return_curves,
        )
    encoding, truth, pos_index, values, problem, weight = validated_scores(
        y_true, scores, problem, classes, pos_label, sample_weight, from_logits
    )
    common = dict(
        problem=problem,
        classes=encoding.classes,
        pos_index=pos_index,
        average=average,
        sample_weight=weight,
    )
    if is_certified(scoring):
        check_certified_options(
            scoring, problem=problem, average=average, sample_weight=weight
        )
        objective, name = check_tuning_options(scoring, average, problem)
        return tune_certified(values, truth, objective=objective, name=name, **common)
    common.update(scoring=scoring, keep_curves=return_curves, n_jobs=n_jobs)
    if tuning == "exact" and not n_bootstraps and not verbose:
        return tune_scores(values, truth, **common)
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


def tune_bands(bands: Bands, score: Any, event: Any, *, logits: bool = False) -> Bands:
    """Tune the cuts of ``bands`` on labelled rows: ``score`` and 0/1 ``event``.

    Parameters
    ----------
    bands : Bands
        Names with shares or event-rate targets (fixed bands are returned as
        they are).
    score : array-like of shape (n_samples,)
        One score per row: probabilities, or logits with ``logits=True``.
    event : array-like of shape (n_samples,)
        Whether each row is an event (0/1).
    logits : bool, default=False
        The scores are logits; the cuts are still probabilities (a cut between
        two logits is mapped back through ``expit``).

    Returns
    -------
    bands : Bands
        The bands with fixed cuts (and their certificates where certified).

    Notes
    -----
    Dask arrays give the same cuts, tuned from mergeable summaries of the blocks
    (certified bands need the scores in memory).
    """
    if not bands.fixed and any_dask(score, event):  # exact: docs/bands.md
        return dask_layer().tune_bands(bands, score, event, logits=logits)
    return tune_bands_in_memory(bands, score, event, logits=logits)
