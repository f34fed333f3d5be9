"""``ProbabilisticLabelClassifier``: the scikit-learn estimator that wires it together.

X -> estimator -> raw response -> Scores -> decision rule -> codes -> labels
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from numbers import Integral, Number, Real
from typing import Any, NamedTuple

import numpy as np
from sklearn import get_config
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    _fit_context,
    clone,
)
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.metrics import accuracy_score
from sklearn.model_selection import (
    KFold,
    ShuffleSplit,
    StratifiedShuffleSplit,
    check_cv,
)
from sklearn.utils import (
    ClassifierTags,
    Tags,
    TargetTags,
    _safe_indexing,
    get_tags,
    indexable,
)
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    RealNotInt,
    StrOptions,
)
from sklearn.utils.metadata_routing import (
    MetadataRouter,
    MethodMapping,
    process_routing,
)
from sklearn.utils.metaestimators import available_if
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
)

from ._backend import any_dask, blockwise, dask_layer
from ._cost_estimator import (
    CostSummary,
    adapt_priors,
    check_fit_cost_options,
    current_cost_rule,
    fit_priors,
    held_out_predictions,
    reweighted_scores,
    summarise_costs,
    tune_costs,
)
from ._costs import CostRule, cost_codes
from ._frozen import (
    check_fitted_model,
    network_classes,
    network_scores,
    outside_single_column,
    single_column_error,
)
from ._generalize import (
    CONFIDENCE,
    N_BOOTSTRAPS,
    TUNINGS,
    Progress,
    bootstrap_intervals,
    timed_fold,
    tune_with_evidence,
)
from ._objectives import OBJECTIVES, CostMatrix
from ._reject import check_reject, tune_reject, winning_probability
from ._reports import classification_report, confusion_matrix
from ._rules import apply_rule, resolve_thresholds
from ._scores import (
    MARGIN,
    PROBA,
    Scores,
    scores_from_estimator,
    warn_unless_rows_sum_to_one,
)
from ._targets import TargetEncoding, as_class_array, fit_target, positive_index
from ._text import preview, to_python
from ._tuning import AVERAGES, check_tuning_options, label_of


def _estimator_has(attr: str):
    """``available_if`` check: the fitted (else the unfitted) inner estimator has it."""

    def check(self: ProbabilisticLabelClassifier) -> bool:
        inner = getattr(self, "estimator_", self.estimator)
        getattr(inner, attr)  # raises AttributeError with the inner estimator's name
        return True

    return check


class _Decision(NamedTuple):
    """The decision parameters that ``predict`` applies, resolved and validated."""

    thresholds: float | np.ndarray
    pos_index: int
    reject_threshold: float | None
    reject_label: Any
    cost_rule: CostRule | None = None  # decide by cost instead of thresholds
    priors: np.ndarray | None = None  # deployment priors to re-weight for


class _FitPlan(NamedTuple):
    """The decision options of one ``fit``, checked before anything is fitted."""

    pos_index: int
    thresholds: float | np.ndarray | None  # fixed thresholds; None when tuned
    objective: Callable | None  # the resolved scoring, with threshold="auto"
    reject_auto: bool

    @property
    def needs_held_out(self) -> bool:
        """Tuning reads scores of samples the model was not fitted on."""
        return self.objective is not None or self.reject_auto


class _HeldOut(NamedTuple):
    """Scores of samples the model was not fitted on, their truth and weights."""

    scores: Scores
    truth: np.ndarray
    sample_weight: np.ndarray | None
    X: Any = None  # the samples passed to fit, for costs that depend on them
    rows: np.ndarray | None = None  # rows of X behind the scores (None: all)
    folds: list[np.ndarray] | None = None  # rows of each cv split, if any


class _EvaluationView(NamedTuple):
    """A fitted classifier's scores and truth on some data, with its decision now.

    What ``ProbabilisticLabelClassifier._evaluation_view`` returns to the displays.
    """

    problem: str
    classes: np.ndarray
    kind: str
    decision: _Decision
    scores: Scores | None
    truth: np.ndarray | None


def _param_key(value: Any) -> Any:
    """A comparable snapshot of a parameter value, for the predict-time cache.

    Containers are copied element by element (arrays by their bytes), so a list or
    array changed in place after ``fit`` is seen as a new value, as it would be by
    an estimator that reads the parameter on every call.
    """
    if value is None or isinstance(value, str | bytes | Number | np.generic):
        return (type(value), value)
    if isinstance(value, Mapping):
        return (
            "mapping",
            type(value),
            tuple((_param_key(k), _param_key(v)) for k, v in value.items()),
        )
    if hasattr(value, "index") and hasattr(value, "to_dict"):  # a pandas Series
        return ("series", _param_key(value.to_dict()))
    if isinstance(value, list | tuple):
        return (type(value), tuple(_param_key(v) for v in value))
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            return ("objects", value.shape, _param_key(value.ravel().tolist()))
        return ("array", value.dtype.str, value.shape, value.tobytes())
    # Anything else by identity; the object is kept, so its id is not reused.
    return ("object", id(value), value)


# The parameters that predict reads (fixed values) or checks (tuned values).
_DECISION_PARAMS = (
    "threshold",
    "pos_label",
    "reject_threshold",
    "reject_label",
    "reject_coverage",
    "reject_accuracy",
    "costs",
    "reject_cost",
    "priors",
)


def _is_auto(value: Any) -> bool:
    return isinstance(value, str) and value == "auto"


def _flatten_constant_columns(parts: list[np.ndarray]) -> np.ndarray:
    """Stack out-of-fold scores; a column constant within every fold becomes one value.

    Such a column carries no ranking of the samples (a constant predictor, e.g.
    ``DummyClassifier(strategy="prior")``): its values differ between folds only
    because the folds' training sets differ. Left as they are, the sweep would
    "tune" a threshold between folds. Replaced by their mean, the column is constant
    overall, which tuning recognises as untunable (a warning; the default kept).
    A fold of one row is constant whatever the model: only folds of two or more
    rows count, and they must hold at least half of the rows (leave-one-out and
    other tiny folds are tuned on their pooled scores as they are).
    """
    values = np.concatenate(parts)
    judged = [part for part in parts if len(part) > 1]
    if len(parts) < 2 or 2 * sum(map(len, judged)) < len(values):
        return values
    flat = np.ones(values.shape[1], dtype=bool)
    for part in judged:
        flat &= part.max(axis=0) == part.min(axis=0)
    if flat.any():
        values = values.copy()
        values[:, flat] = values[:, flat].mean(axis=0)
    return values


def _check_training_folds(splits: list, codes: np.ndarray, classes: Any) -> None:
    """Refuse a cv split whose training part lacks a class that ``y`` has.

    The model fitted on it cannot score that class: its out-of-fold scores would
    tune the thresholds on a class the model never saw (or the fit fails).
    """
    counts = np.bincount(codes, minlength=len(classes))
    for index, (train, _) in enumerate(splits):
        missing = np.flatnonzero(
            (counts > 0) & (np.bincount(codes[train], minlength=len(classes)) == 0)
        )
        if len(missing):
            label = label_of(classes[missing[0]])
            raise ValueError(
                f"cv fold {index + 1} of {len(splits)}: its training part has no "
                f"sample of class {label} ({counts[missing[0]]} in y), so its model "
                f"cannot score that class. Use stratified folds (an int cv, or "
                f"StratifiedKFold(n_splits, shuffle=True)), fewer splits, or more "
                f"samples of {label}."
            )


def _labels_never_on(truth: np.ndarray) -> np.ndarray | None:
    """Labels with no positive in a multilabel ``y`` (``None``: every label occurs).

    A constant sub-model scores them 0 (or a margin of 0, which the ``>=`` rule
    would turn on); ``predict`` keeps them off.
    """
    never = truth.reshape(len(truth), -1).sum(axis=0) == 0
    return never if never.any() else None


def _top_k_order(proba: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the ``k`` largest values of each row, largest first.

    Ties keep the column order (stable sorts).
    """
    if k == proba.shape[1]:
        return np.argsort(-proba, axis=1, kind="stable")
    # Partition, then sort the k kept columns.
    part = np.argpartition(-proba, k - 1, axis=1)[:, :k]
    part.sort(axis=1)
    kept = np.take_along_axis(proba, part, axis=1)
    return np.take_along_axis(part, np.argsort(-kept, axis=1, kind="stable"), axis=1)


def _inner_tags(estimator: Any):
    """Tags of the inner estimator; defaults for plain objects that have none."""
    try:
        return get_tags(estimator)
    except (
        AttributeError
    ):  # not a scikit-learn estimator (e.g. a bare pre-trained model)
        return Tags(
            estimator_type="classifier",
            target_tags=TargetTags(required=True),
            classifier_tags=ClassifierTags(),
        )


def _fold_scores(
    estimator: Any,
    X: Any,
    y: np.ndarray,
    train: np.ndarray,
    test: np.ndarray,
    fit_params: dict,
    method: str,
    problem: str,
    n_classes: int,
) -> tuple[np.ndarray, Any]:
    """Fit a clone on ``train``; its validated scores on ``test``, and the clone."""
    model = clone(estimator)
    params = _check_method_params(X, params=fit_params, indices=train)
    model.fit(_safe_indexing(X, train), y[train], **params)
    raw = getattr(model, method)(_safe_indexing(X, test))
    scores = scores_from_estimator(
        raw,
        method=method,
        problem=problem,
        n_classes=n_classes,
        estimator_classes=getattr(model, "classes_", None),
    )
    return scores.values, model


class ProbabilisticLabelClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Wrap a probability-producing model so that it predicts the labels you asked for.

    The wrapped model is fitted on encoded targets (codes ``0..k-1``, or an indicator
    matrix for multilabel problems); predictions go through an explicit decision rule
    (thresholds, reject option) and come back as the original labels, in the form
    ``y`` had in ``fit``.

    Parameters
    ----------
    estimator : estimator object
        A classifier with ``fit`` and ``predict_proba`` or ``decision_function``: any
        scikit-learn classifier or pipeline, an adapter from :mod:`sklabels.adapters`,
        or ``sklearn.frozen.FrozenEstimator(fitted_model)`` to use a trained model
        without refitting it.
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
        ``"auto"`` infers it from ``y``: 1-D with 2 labels is binary, with more is
        multiclass; a 0/1 matrix with one 1 per row is one-hot (binary for 2 columns,
        multiclass for more); any other 0/1 matrix or a list of label sets is
        multilabel.
    classes : array-like of shape (n_classes,), default=None
        Explicit labels, in the column order of the model outputs (not re-sorted).
        May name classes absent from ``y``. Required with a ``FrozenEstimator`` whose
        model has no ``classes_``; for indicator ``y``, the names of its columns.
    threshold : float, array-like, dict or "auto", default=None
        Fixed decision thresholds. Binary: predict ``pos_label`` iff its score is
        ``>= threshold`` (default 0.5 for probabilities, 0.0 for decision scores).
        Multilabel: label ``j`` on iff ``p_j >= t_j`` (one float or one per label).
        Multiclass: one ratio per class, predict ``argmax_k p_k / t_k``. A dict
        ``{label: value}`` sets some classes and leaves the others at the default.
        ``"auto"``: tuned in ``fit`` for ``scoring`` on out-of-fold scores from
        ``cv`` (exactly, one sweep per class), then the estimator is refit on all
        the data. With a ``FrozenEstimator`` the model is not refit and the
        thresholds are tuned on the data passed to ``fit``.

        Fixed values are read at predict time, as in scikit-learn's
        ``FixedThresholdClassifier``: ``set_params(threshold=...)`` after ``fit``
        applies at the next ``predict`` without refitting (an invalid value raises
        the same ``ValueError`` there as in ``fit``). Tuned values are fitted:
        after a tuned fit, a fixed value applies and setting ``"auto"`` again
        returns to the tuned thresholds; after a fit with fixed thresholds,
        ``"auto"`` has nothing to return to, and ``predict`` raises
        ``NotFittedError`` until ``fit`` tunes them.
    pos_label : label, default=None
        Binary only: the positive class. Default ``classes_[1]``. Read at predict
        time with fixed thresholds; a threshold tuned in ``fit`` belongs to the
        positive class of that fit, so changing ``pos_label`` after it makes
        ``predict`` raise until the next ``fit``. A model's single output column
        scores ``classes_[1]``; ``classes_[0]`` is refused where that column comes
        from a frozen or pre-trained network or a frozen one-column
        ``predict_proba`` (ambiguous), and kept for a 1-D ``decision_function``.
    response_method : {"auto", "predict_proba", "decision_function"}, default="auto"
        Which output of the estimator the rule reads. ``"auto"`` prefers
        ``predict_proba`` and falls back to ``decision_function``.
    reject_threshold : float in [0, 1] or "auto", default=None
        Reject option (single-label problems, probabilities only): predict
        ``reject_label`` when the probability of the predicted class is below it.
        ``"auto"``: tuned in ``fit`` on held-out scores (as ``threshold="auto"``) for
        ``reject_coverage`` or ``reject_accuracy``. Like ``threshold``, a fixed
        value is read at predict time and ``"auto"`` means the value tuned in
        ``fit`` (it is not retuned when ``threshold`` changes after ``fit``).
    reject_label : label, default=None
        The label predicted for rejected samples; required with
        ``reject_threshold`` and distinct from every class. Read at predict time.
    reject_coverage : float in (0, 1], default=None
        With ``reject_threshold="auto"``: answer at least this fraction of the
        samples, with the highest accuracy on the held-out scores.
    reject_accuracy : float in (0, 1], default=None
        With ``reject_threshold="auto"``: abstain as little as possible while the
        answered held-out samples reach this accuracy (where no threshold does, a
        warning names the best accuracy reachable, whose threshold is used).
    scoring : str or callable, default="f1"
        With ``threshold="auto"``: the objective to maximise -- ``"f1"``,
        ``"balanced_accuracy"``, ``"youden"``, ``"mcc"``, ``"accuracy"``,
        ``"jaccard"``, :class:`~sklabels.FBeta`, :class:`~sklabels.Cost`,
        :class:`~sklabels.RecallAtPrecision`, :class:`~sklabels.PrecisionAtRecall`,
        or any callable ``f(tp, fp, fn, tn) -> array`` (greater is better).
    average : {"macro", "micro"}, default="macro"
        With ``threshold="auto"``: ``"macro"`` tunes each label on its own
        (multilabel) or maximises the mean per-class objective (multiclass, by
        coordinate ascent over the per-class ratios from plain argmax); ``"micro"``
        tunes one threshold shared by all labels on the pooled counts. Binary
        problems tune the objective of ``pos_label``.
    cv : int, float, cross-validation generator or iterable, default=5
        With ``threshold="auto"``: where the out-of-fold scores come from. An int is
        the number of folds: ``StratifiedKFold`` for single-label ``y`` (not
        shuffled, as scikit-learn's ``check_cv``), ``KFold`` shuffled with
        ``random_state`` for multilabel ``y`` (rows sorted by label would otherwise
        leave training folds without a label's positives); a float in (0, 1) is the
        fraction of one held-out split (stratified for single-label ``y``, shuffled
        with ``random_state``); or any scikit-learn splitter or iterable of splits.
        Ignored with a ``FrozenEstimator``.
    refit : bool, default=True
        With ``threshold="auto"``: refit the estimator on all the data after tuning.
        ``False`` keeps the model fitted on the training part of a single split
        (``cv`` a float, or one split), whose held-out part tuned the thresholds.
    n_jobs : int, default=None
        Folds fitted in parallel (joblib), and the threads sweeping the classes'
        scores when tuning (same results for any value); ``None`` is 1 unless in a
        ``joblib.parallel_backend`` context, ``-1`` uses all processors.
    random_state : int, RandomState instance or None, default=None
        Shuffling of the held-out split when ``cv`` is a float, and of the folds of
        a multilabel ``y`` when ``cv`` is an int.
    store_cv_results : bool, default=False
        With ``threshold="auto"``: also keep every class's objective curve in
        ``cv_results_["curves"]``.
    costs : array-like, DataFrame, dict or callable, default=None
        Decide by cost instead of thresholds: ``C[true, predicted]`` as a ``(k, k)``
        array in the order of ``classes_``, a DataFrame indexed and labelled by
        class names (any order), a dict of dicts ``{true: {predicted: cost}}``
        (diagonal 0 unless given), per-label 2x2 costs for multilabel problems, or a
        callable ``costs(X) -> (n, k, k)`` for costs that depend on the sample.
        ``predict`` takes the label of least expected cost under the probabilities
        (the Bayes rule). Read at predict time; not with a fixed ``threshold``. To
        tune the decisions for costs, use ``threshold="auto"`` with
        ``scoring=CostMatrix(C)`` instead.
    reject_cost : float >= 0, default=None
        Single-label problems: abstaining (``reject_label``) costs this whatever
        the truth and is predicted where it is strictly cheaper than every class.
        Without ``costs``, every error costs 1 (Chow's rule at ``1 - reject_cost``).
        Read at predict time.
    priors : array-like or dict, default=None
        Deployment class priors (multilabel: each label's on-rate, a dict may name
        some labels): the probabilities are re-weighted by the ratio of these to
        the training priors ``priors_`` and renormalised before any rule, in
        ``predict`` and ``predict_proba``. Read at predict time; :meth:`adapt_priors`
        estimates them from unlabelled samples.
    train_priors : array-like or dict, default=None
        The class priors the model was trained with, for ``priors_``; default:
        estimated from ``y`` in ``fit`` (give them for a ``FrozenEstimator``
        whose training data is not the data passed to ``fit``).
    tuning : {"robust", "exact"}, default="robust"
        With ``threshold="auto"``: how the held-out scores choose the thresholds.
        ``"robust"`` judges tuning on held-out folds (tuned on the others): binary
        and multilabel cut-offs are taken at the top of the smoothed objective
        curve, and a class keeps the default threshold where tuning does not beat
        it on the folds; multiclass ratios are kept at plain argmax unless they
        beat it on the folds by more than two standard errors. ``"exact"`` takes
        the exact optimum of the pooled out-of-fold scores. Constraint objectives
        (``RecallAtPrecision``, ``PrecisionAtRecall``) always use the exact
        optimum. See the tuning guide for the measured trade-offs.
    verbose : int, default=0
        Print fold-by-fold progress of ``fit`` with the elapsed time (folds fitted
        in worker processes print there), then the tuning and refit steps.

    Attributes
    ----------
    estimator_ : estimator object
        The fitted clone of ``estimator`` (the frozen model itself for a
        ``FrozenEstimator``).
    classes_ : ndarray of shape (n_classes,)
        The original labels, in the column order of ``predict_proba``. For indicator
        ``y``: the names from ``classes=`` (or the DataFrame's columns), else column
        indices.
    problem_ : {"binary", "multiclass", "multilabel"}
        The problem kind inferred in (or forced for) ``fit``.
    thresholds_ : float or ndarray of shape (n_classes,)
        The thresholds that ``predict`` applies now: a float for binary problems
        (on the score of ``pos_label_``), one value per class otherwise. The
        current ``threshold`` when it is fixed (so it follows ``set_params``), the
        tuned values with ``threshold="auto"``.
    reject_threshold_ : float or None
        The reject threshold that ``predict`` applies now: ``reject_threshold``, or
        the tuned value with ``reject_threshold="auto"``.
    pos_label_ : label or None
        The positive class of a binary problem (the current ``pos_label``, else
        ``classes_[1]``); ``None`` otherwise.
    response_method_ : {"predict_proba", "decision_function"}
        The estimator output that the decision rule reads.
    best_score_ : float
        With ``threshold="auto"``: the objective at the tuned thresholds on the
        out-of-fold scores (the mean over classes for ``average="macro"``). Like
        ``cv_results_``, it describes the tuning of the last ``fit``, also after a
        fixed ``threshold`` is set with ``set_params``.
    best_score_interval_ : ndarray of shape (2,)
        With ``threshold="auto"``: a 90% percentile-bootstrap interval of
        ``best_score_`` over the out-of-fold rows (200 resamples, seeded by
        ``random_state``; computed on first access).
    thresholds_interval_ : ndarray of shape (2,) or (2, n_classes)
        With ``threshold="auto"``: the same bootstrap's interval of the tuned
        thresholds (lower and upper bounds), each resample re-tuned by the rule
        that chose them.
    cv_results_ : dict
        With ``threshold="auto"``: the evidence behind the thresholds, one column
        per tuned class (binary: ``pos_label``) -- ``fold_thresholds`` (each
        fold's own optimum, shape ``(n_folds, n_columns)``), ``fold_scores`` and
        ``fold_default_scores`` (each fold's objective at the thresholds in use
        and at the default), ``pooled_thresholds`` (the exact optimum of all
        out-of-fold scores), ``thresholds``, ``gain`` and ``gain_se`` (the
        cross-fitted held-out gain of tuning over the default and its standard
        error across folds), ``kept_default`` (classes that kept the default
        because that gain was not clear), ``classes``, ``tuning``, ``n_folds``;
        multiclass also ``shrinkage``. With ``store_cv_results=True``,
        ``"curves"``: ``{label: ThresholdCurve}``, the exact objective against
        each class's threshold (with the confusion counts behind it).
    priors_ : ndarray of shape (n_classes,)
        The training class priors: ``train_priors``, else the (weighted) class
        frequencies of ``y`` (multilabel: each label's on-rate).
    cost_offsets_ : ndarray
        With ``threshold="auto", scoring=CostMatrix(...)``: the tuned offsets on
        the expected costs, one per class then the abstention (multilabel: one per
        label); zeros where the plug-in rule was not beaten.
    prior_estimate_ : PriorEstimate
        On a classifier returned by :meth:`adapt_priors`: the estimate behind its
        ``priors``.
    n_features_in_ : int
        Number of features seen by the inner estimator in ``fit``.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of those features, when ``X`` had string column names.

    See Also
    --------
    sklabels.decode : The same rules for an output array you already hold.
    sklearn.model_selection.FixedThresholdClassifier : Binary-only fixed thresholds.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklabels import ProbabilisticLabelClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> names = load_iris().target_names[y]
    >>> clf = ProbabilisticLabelClassifier(LogisticRegression(max_iter=1000))
    >>> clf.fit(X, names).predict(X[:2]).tolist()
    ['setosa', 'setosa']
    >>> clf.classes_.tolist()
    ['setosa', 'versicolor', 'virginica']
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    """

    _parameter_constraints: dict = {
        "estimator": [
            HasMethods(["fit", "predict_proba"]),
            HasMethods(["fit", "decision_function"]),
        ],
        "problem": [StrOptions({"auto", "binary", "multiclass", "multilabel"})],
        "classes": ["array-like", None],
        "threshold": [Real, "array-like", dict, StrOptions({"auto"}), None],
        "pos_label": [Real, str, "boolean", None],
        "response_method": [StrOptions({"auto", "predict_proba", "decision_function"})],
        "reject_threshold": [
            Interval(Real, 0, 1, closed="both"),
            StrOptions({"auto"}),
            None,
        ],
        "reject_label": "no_validation",
        "reject_coverage": [Interval(Real, 0, 1, closed="right"), None],
        "reject_accuracy": [Interval(Real, 0, 1, closed="right"), None],
        "scoring": [StrOptions(set(OBJECTIVES)), callable, CostMatrix],
        "average": [StrOptions(set(AVERAGES))],
        "cv": ["cv_object", Interval(RealNotInt, 0.0, 1.0, closed="neither")],
        "refit": ["boolean"],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
        "store_cv_results": ["boolean"],
        "costs": ["array-like", dict, callable, None],
        "reject_cost": [Interval(Real, 0, None, closed="left"), None],
        "priors": ["array-like", dict, None],
        "train_priors": ["array-like", dict, None],
        "tuning": [StrOptions(set(TUNINGS))],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator: Any,
        *,
        problem: str = "auto",
        classes: Any = None,
        threshold: Any = None,
        pos_label: Any = None,
        response_method: str = "auto",
        reject_threshold: float | None = None,
        reject_label: Any = None,
        reject_coverage: float | None = None,
        reject_accuracy: float | None = None,
        scoring: Any = "f1",
        average: str = "macro",
        cv: Any = 5,
        refit: bool = True,
        n_jobs: int | None = None,
        random_state: Any = None,
        store_cv_results: bool = False,
        costs: Any = None,
        reject_cost: float | None = None,
        priors: Any = None,
        train_priors: Any = None,
        tuning: str = "robust",
        verbose: int = 0,
    ) -> None:
        self.estimator = estimator
        self.problem = problem
        self.classes = classes
        self.threshold = threshold
        self.pos_label = pos_label
        self.response_method = response_method
        self.reject_threshold = reject_threshold
        self.reject_label = reject_label
        self.reject_coverage = reject_coverage
        self.reject_accuracy = reject_accuracy
        self.scoring = scoring
        self.average = average
        self.cv = cv
        self.refit = refit
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.store_cv_results = store_cv_results
        self.costs = costs
        self.reject_cost = reject_cost
        self.priors = priors
        self.train_priors = train_priors
        self.tuning = tuning
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(
        # The inner estimator's parameters are not validated by this one, so nested
        # validation stays on.
        prefer_skip_nested_validation=False
    )
    def fit(self, X: Any, y: Any, **fit_params: Any) -> ProbabilisticLabelClassifier:
        """Encode ``y``, fit a clone of the estimator on it, and fix the decision rule.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Passed to the inner estimator as is.
        y : array-like, sparse matrix or sequence of label collections
            1-D labels (any dtype), a column vector, a one-hot or indicator matrix,
            or a list of label sets.
        **fit_params : dict
            Passed to the inner estimator's ``fit`` (e.g. ``sample_weight``).

        Returns
        -------
        self : object
            The fitted classifier.
        """
        if any_dask(X, y):  # a frozen model tuned on every partition
            return dask_layer().fit(self, X, y, fit_params)
        self._forget_last_fit()
        self._progress = Progress(self.verbose, type(self).__name__)
        frozen = isinstance(self.estimator, FrozenEstimator)
        encoding, truth = self._encode_target(X, y, frozen)
        self.priors_ = fit_priors(self, truth, fit_params.get("sample_weight"))
        plan = self._check_decision_options()
        held_out = self._fit_estimator(
            X, truth, fit_params, frozen=frozen, held_out=plan.needs_held_out
        )
        self._outside_single_column = outside_single_column(self, X)
        self._current_pos_index(self._decision_params())  # refuses before tuning
        thresholds = self._tune_thresholds(plan, held_out)
        self._tune_reject_threshold(plan, held_out, thresholds)
        self._record_fit(encoding, truth, frozen)
        return self

    def _forget_last_fit(self) -> None:
        """Unfitted until this fit completes, with nothing left of an earlier tuning.

        A failed refit must not leave a mix of the old model and the new parameters
        usable.
        """
        for name in (
            "_encoding",
            "best_score_",
            "cv_results_",
            "cost_offsets_",
            "_tuning_record",
        ):
            if hasattr(self, name):
                delattr(self, name)

    def _encode_target(
        self, X: Any, y: Any, frozen: bool
    ) -> tuple[TargetEncoding, np.ndarray]:
        """Encode ``y`` in the column order of the model outputs.

        Sets ``classes_`` and ``problem_``; returns the encoding and the codes (or
        indicator matrix) of ``y``.
        """
        if frozen:
            self._check_frozen_is_fitted()
        classes = network_classes(self.estimator, self.classes, y, self.problem, frozen)
        if classes is None:
            classes = self._frozen_classes() if frozen else self.classes
        encoding, truth = fit_target(y, problem=self.problem, classes=classes)
        check_consistent_length(X, truth)
        self.classes_ = encoding.classes
        self.problem_ = encoding.problem
        return encoding, truth

    def _check_decision_options(self) -> _FitPlan:
        """Check the decision parameters before anything is fitted; resolve them once.

        Sets ``response_method_`` and the positive class of this fit (the one that
        tuned thresholds belong to: predict reuses its index while ``pos_label`` is
        unchanged).
        """
        self.response_method_ = self._resolve_response_method()
        self._kind = PROBA if self.response_method_ == "predict_proba" else MARGIN
        params = self._decision_params()
        pos_index = positive_index(params["pos_label"], self.classes_, self.problem_)
        self._fit_pos_index = pos_index
        self._fit_pos_label = params["pos_label"]  # a label: a plain value
        objective = thresholds = None
        check_fit_cost_options(self, params)
        if _is_auto(params["threshold"]) and isinstance(self.scoring, CostMatrix):
            objective = self.scoring
            thresholds = self._fixed_thresholds(None, pos_index)
        elif _is_auto(params["threshold"]):
            objective, _ = check_tuning_options(
                self.scoring, self.average, self.problem_
            )
        else:
            thresholds = self._fixed_thresholds(params["threshold"], pos_index)
        reject_auto = self._check_reject_option(params)
        return _FitPlan(pos_index, thresholds, objective, reject_auto)

    def _fit_estimator(
        self,
        X: Any,
        truth: np.ndarray,
        fit_params: dict,
        *,
        frozen: bool,
        held_out: bool,
    ) -> _HeldOut | None:
        """Fit ``estimator_``; with ``held_out``, also the scores that tuning reads.

        Those are out-of-fold scores when the model is fitted here (it is then refit
        on all the data, unless ``refit=False``), and a frozen model's scores on the
        data passed to ``fit``.
        """
        weight = fit_params.get("sample_weight")
        if held_out and weight is not None:
            weight = _check_sample_weight(weight, truth, ensure_non_negative=True)
        if get_config().get("enable_metadata_routing", False) and not frozen:
            # A frozen model is not fitted: sample_weight only weighs the sweep.
            fit_params = process_routing(self, "fit", **fit_params).estimator.fit
        y_fit = truth
        if self.problem_ == "multilabel" and truth.shape[1] == 1:
            y_fit = truth[:, 0]  # one label: a 0/1 vector, not a column
        if held_out and not frozen:
            self.estimator_, scores, rows = self._fit_out_of_fold(X, y_fit, fit_params)
            check_fitted_model(self, X, truth, frozen)
            weight = None if weight is None else weight[rows]
            return _HeldOut(
                scores, truth[rows], weight, X, rows, folds=self._split_positions
            )
        self.estimator_ = self._fit_clone(X, y_fit, fit_params)
        scores = check_fitted_model(self, X, truth, frozen)
        if not held_out:
            return None
        return _HeldOut(self._scores(X) if scores is None else scores, truth, weight, X)

    def _tune_thresholds(
        self, plan: _FitPlan, held_out: _HeldOut | None
    ) -> float | np.ndarray:
        """The thresholds in use after fit: tuned with ``threshold="auto"``, else fixed.

        Tuning sets ``best_score_`` (and ``cv_results_`` with ``store_cv_results``).
        """
        self._tuned_thresholds = None
        self._held_out_predictions = held_out_predictions(self, held_out)
        self._tuned_cost = None
        if isinstance(plan.objective, CostMatrix):
            self._tuned_cost = tune_costs(
                self, plan.objective, plan.pos_index, held_out
            )
            self._tuned_thresholds = plan.thresholds
            return plan.thresholds
        if plan.objective is None:
            return plan.thresholds
        result = tune_with_evidence(
            held_out.scores,
            held_out.truth,
            problem=self.problem_,
            classes=self.classes_,
            pos_index=plan.pos_index,
            scoring=plan.objective,
            average=self.average,
            sample_weight=held_out.sample_weight,
            keep_curves=self.store_cv_results,
            n_jobs=self.n_jobs,
            tuning=self.tuning,
            folds=held_out.folds,
            random_state=self.random_state,
            progress=self._progress,
        )
        self.best_score_ = result.best_score
        self.cv_results_ = dict(result.cv_results)
        if self.store_cv_results:
            self.cv_results_["curves"] = result.curves
        # Kept for the intervals, computed on first access.
        self._tuning_record = (held_out, plan.pos_index, result, [None])
        self._tuned_thresholds = result.thresholds
        return result.thresholds

    def _tune_reject_threshold(
        self,
        plan: _FitPlan,
        held_out: _HeldOut | None,
        thresholds: float | np.ndarray,
    ) -> None:
        """Tune the reject threshold for its target (``reject_threshold="auto"``).

        The winning probabilities are those of the held-out predictions at
        ``thresholds``, the ones ``predict`` applies.
        """
        self._tuned_reject = None
        if not plan.reject_auto:
            return
        codes, _ = apply_rule(
            held_out.scores,
            problem=self.problem_,
            thresholds=thresholds,
            pos_index=plan.pos_index,
        )
        confidence = winning_probability(held_out.scores, codes, self.problem_)
        self._tuned_reject, _, _ = tune_reject(
            confidence,
            codes == held_out.truth,
            coverage=self.reject_coverage,
            accuracy=self.reject_accuracy,
            sample_weight=held_out.sample_weight,
        )

    def _record_fit(
        self, encoding: TargetEncoding, truth: np.ndarray, frozen: bool
    ) -> None:
        """The remaining fitted state; the encoding last: its presence means fitted."""
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(self.estimator_, name):
                setattr(self, name, getattr(self.estimator_, name))
            elif hasattr(self, name):  # left over from an earlier fit
                delattr(self, name)
        self._never_on = None
        if self.problem_ == "multilabel" and not frozen:
            self._never_on = _labels_never_on(truth)
        # Fixed decision parameters are read at predict time; this cache holds
        # the last resolved set, keyed on the parameter values (see _decision).
        self._decision_cache = [None]
        self._encoding = encoding
        self._decision()  # fills the cache for the parameters of this fit

    def _cv_splits(self, X: Any, y_fit: np.ndarray) -> list:
        """The splits of ``cv``: stratified for single-label ``y``."""
        cv = self.cv
        if isinstance(cv, Real) and not isinstance(cv, Integral):
            splitter = (
                ShuffleSplit
                if self.problem_ == "multilabel"
                else StratifiedShuffleSplit
            )
            cv = splitter(n_splits=1, test_size=cv, random_state=self.random_state)
        elif isinstance(cv, Integral) and self.problem_ == "multilabel":
            # Shuffled: unshuffled KFold on rows sorted by label (a common layout)
            # leaves folds whose training part has no positive of some label, and
            # their constant scores would drag that label's threshold to 0.
            cv = KFold(cv, shuffle=True, random_state=self.random_state)
        else:
            cv = check_cv(cv, y_fit, classifier=True)
        splits = list(cv.split(X, y_fit))
        if self.problem_ != "multilabel":
            _check_training_folds(splits, y_fit, self.classes_)
        if not self.refit and len(splits) != 1:
            raise ValueError(
                f"refit=False keeps the model fitted on the training part of a single "
                f"split, but cv={self.cv!r} gives {len(splits)} splits. Use a float cv "
                f"(e.g. cv=0.25 holds out a quarter of the data) or refit=True."
            )
        return splits

    def _fit_out_of_fold(
        self, X: Any, y_fit: np.ndarray, fit_params: dict
    ) -> tuple[Any, Scores, np.ndarray]:
        """Fit one clone per split; the final model, the held-out scores, their rows."""
        X_split = indexable(X)[0]  # sparse formats and sequences without [idx]
        splits = self._cv_splits(X_split, y_fit)
        ends = np.cumsum([len(test) for _, test in splits])
        self._split_positions = [
            np.arange(e - len(t), e) for e, (_, t) in zip(ends, splits, strict=True)
        ]
        with self._fit_errors_explained():
            folds = Parallel(n_jobs=self.n_jobs)(
                delayed(timed_fold)(
                    self._progress,
                    index,
                    len(splits),
                    _fold_scores,
                    self.estimator,
                    X_split,
                    y_fit,
                    train,
                    test,
                    fit_params,
                    self.response_method_,
                    self.problem_,
                    len(self.classes_),
                )
                for index, (train, test) in enumerate(splits)
            )
        model = self._fit_clone(X, y_fit, fit_params) if self.refit else folds[0][1]
        if self.refit:
            self._progress("refitted on all the data")
        rows = np.concatenate([test for _, test in splits])
        values = _flatten_constant_columns([fold[0] for fold in folds])
        self._check_row_sums(Scores(values, self._kind), self.response_method_)
        return model, Scores(values, self._kind), rows

    def _fit_clone(self, X: Any, y_fit: np.ndarray, fit_params: dict) -> Any:
        """A clone of ``estimator`` fitted on all the data."""
        model = clone(self.estimator)
        with self._fit_errors_explained():
            model.fit(X, y_fit, **fit_params)
        return model

    @contextmanager
    def _fit_errors_explained(self) -> Iterator[None]:
        """The inner fit's ValueError on a multilabel target says how to wrap the model.

        Models that cannot fit an indicator matrix fail with messages about ``y``'s
        shape; wrapping them fits one model per label.
        """
        try:
            yield
        except ValueError as exc:
            if self.problem_ != "multilabel" or (
                _inner_tags(self.estimator).target_tags.multi_output
            ):
                raise
            name = type(self.estimator).__name__
            raise ValueError(
                f"{name} could not be fitted on a multilabel target ({exc}). Wrap it "
                f"to fit one model per label: OneVsRestClassifier({name}(...)) or "
                f"MultiOutputClassifier({name}(...)) from sklearn.multiclass / "
                f"sklearn.multioutput."
            ) from exc

    def _check_frozen_is_fitted(self) -> None:
        """A frozen model must be fitted already: say so before anything else.

        scikit-learn's ``check_is_fitted`` decides (through the model's
        ``__sklearn_is_fitted__`` where it has one: adapters holding a handed-in
        network count as fitted). Objects that are not scikit-learn estimators
        are not checked.
        """
        inner = self.estimator.estimator
        try:
            check_is_fitted(inner)
        except NotFittedError:
            name = type(inner).__name__
            raise NotFittedError(
                f"The {name} inside FrozenEstimator is not fitted: a frozen model is "
                f"used as it is and never fitted here. Fit it first "
                f"(FrozenEstimator({name}(...).fit(X_train, y_train))), or pass it "
                f"unfrozen to fit it on the data given to fit. (A model that needs "
                f"no fitting can say so with a __sklearn_is_fitted__ method "
                f"returning True.)"
            ) from None
        except TypeError:  # not a scikit-learn estimator: nothing to check
            pass

    def _frozen_classes(self) -> Any:
        """Label order of a frozen model: its ``classes_``, else ``classes=``."""
        model_classes = getattr(self.estimator, "classes_", None)
        if model_classes is not None and np.ndim(model_classes) != 1:
            model_classes = None  # multi-output models: a list of per-output classes
        if self.classes is None:
            if model_classes is None:
                raise ValueError(
                    f"{type(self.estimator.estimator).__name__} (frozen) has no "
                    f"classes_, so the order of its output columns is unknown. Pass "
                    f"classes=[...] naming its outputs in column order."
                )
            return model_classes
        given = as_class_array(self.classes)
        if model_classes is None:
            return given
        model_classes = np.asarray(model_classes)
        is_codes = model_classes.dtype.kind in "iu" and np.array_equal(
            model_classes, np.arange(len(model_classes))
        )
        if len(model_classes) != len(given) or not (
            is_codes
            or np.array_equal(model_classes.astype(object), given.astype(object))
        ):
            raise ValueError(
                f"classes={preview(given)} does not match the frozen model's classes_ "
                f"{preview(model_classes)}, which fix its column order. Omit classes= "
                f"or list the same labels in the model's order."
            )
        return given

    def _resolve_response_method(self) -> str:
        inner = self.estimator
        if self.response_method == "auto":
            return (
                "predict_proba"
                if hasattr(inner, "predict_proba")
                else "decision_function"
            )
        if not hasattr(inner, self.response_method):
            raise ValueError(
                f"response_method={self.response_method!r} but "
                f"{type(inner).__name__} has no {self.response_method}; use "
                f"response_method='auto'."
            )
        return self.response_method

    # ------------------------------------------------------------------ pickling
    # The predict-time cache and fit's progress printer are rebuilt on load, so the
    # saved state holds values only: skops.io rebuilds it (sklabels.persistence).
    _REBUILT_ON_LOAD = ("_decision_cache", "_progress")

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # a copy: never edit self.__dict__
        for key in self._REBUILT_ON_LOAD:
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if "_encoding" in state:  # fitted
            self._decision_cache = [None]
            self._progress = Progress(self.verbose, type(self).__name__)

    # ------------------------------------------------------------------ predict
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "_encoding")

    def _check_fitted(self) -> None:
        # A plain attribute test: sklearn's check_is_fitted walks the tags of both
        # estimators, which costs tens of microseconds per single-row predict.
        if not hasattr(self, "_encoding"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' "
                f"with appropriate arguments before using this estimator."
            )

    def _scores(self, X: Any, method: str | None = None) -> Scores:
        network = network_scores(self, X, method)  # a network adapter's outputs
        if network is not None:
            return network
        method = method or self.response_method_
        raw = getattr(self.estimator_, method)(X)
        scores = scores_from_estimator(
            raw,
            method=method,
            problem=self.problem_,
            n_classes=len(self.classes_),
            estimator_classes=getattr(self.estimator_, "classes_", None),
        )
        self._check_row_sums(scores, method)
        return scores

    def _check_row_sums(self, scores: Scores, method: str) -> None:
        if self.problem_ == "multiclass" and scores.kind == PROBA:
            warn_unless_rows_sum_to_one(
                scores.values,
                f"{type(self.estimator).__name__}.{method} outputs",
                "Normalise the model's rows, e.g. wrap it in CalibratedClassifierCV.",
            )

    # ------------------------------------------------- decision parameters
    def _decision_params(self) -> dict:
        # Each read once: another thread may call set_params meanwhile.
        return {name: getattr(self, name) for name in _DECISION_PARAMS}

    def _decision(self) -> _Decision:
        """The decision parameters as they are now, resolved and validated.

        Fixed values (``threshold``, ``pos_label``, ``reject_threshold``,
        ``reject_label``) are read from the parameters at every call, as
        scikit-learn's ``FixedThresholdClassifier`` does; ``"auto"`` values are
        the ones tuned in ``fit``. The last resolution is cached, keyed on a
        snapshot of the parameter values, so that an unchanged model pays only a
        comparison per predict.
        """
        params = self._decision_params()
        key = _param_key(tuple(params.values()))
        cached = self._decision_cache[0]
        try:
            if cached is not None and cached[0] == key:
                return cached[1]
        except (TypeError, ValueError):  # values that cannot be compared: resolve
            pass
        pos_index = self._current_pos_index(params)
        decision = _Decision(
            thresholds=self._current_thresholds(params, pos_index),
            pos_index=pos_index,
            reject_threshold=self._current_reject_threshold(params),
            reject_label=params["reject_label"],
            cost_rule=current_cost_rule(self, params),
            priors=self._current_priors(params),
        )
        # Cached only if no container changed in place while it was resolved.
        if _param_key(tuple(params.values())) == key:
            self._decision_cache[0] = (key, decision)  # one store: thread-safe
        return decision

    def _current_pos_index(self, params: dict) -> int:
        pos_label = params["pos_label"]
        if _param_key(pos_label) == _param_key(self._fit_pos_label):
            index = self._fit_pos_index
        else:
            index = positive_index(pos_label, self.classes_, self.problem_)
        if index == 0 and self._outside_single_column:
            # Users read such a column as pos_label's; the model as classes_[1]'s.
            raise single_column_error(
                pos_label, self.classes_, params["threshold"], self._kind
            )
        return index

    def _current_thresholds(self, params: dict, pos_index: int) -> float | np.ndarray:
        """The fixed ``threshold`` as it is now, or the thresholds tuned in ``fit``."""
        threshold = params["threshold"]
        if not _is_auto(threshold):
            return self._fixed_thresholds(threshold, pos_index)
        if self._tuned_thresholds is None:
            raise NotFittedError(
                f"threshold='auto' was set after fit: thresholds are tuned in "
                f"fit, and this {type(self).__name__} was fitted with fixed "
                f"thresholds. Call fit to tune them, or set a fixed threshold."
            )
        if pos_index != self._fit_pos_index:
            raise ValueError(
                f"pos_label={params['pos_label']!r} was set after fit, but the "
                f"threshold was tuned on the score of "
                f"{to_python(self.classes_[self._fit_pos_index])!r}. Call fit "
                f"to tune it for the new positive class, or set a fixed threshold."
            )
        return self._tuned_thresholds

    def _fixed_thresholds(self, threshold: Any, pos_index: int) -> float | np.ndarray:
        return resolve_thresholds(
            threshold,
            problem=self.problem_,
            classes=self.classes_,
            kind=self._kind,
            pos_index=pos_index,
        )

    def _current_reject_threshold(self, params: dict) -> float | None:
        """The fixed ``reject_threshold`` as it is now, or the one tuned in ``fit``."""
        if not self._check_reject_option(params):
            reject = params["reject_threshold"]
            return None if reject is None else float(reject)
        if self._tuned_reject is None:
            raise NotFittedError(
                f"reject_threshold='auto' was set after fit: the reject threshold is "
                f"tuned in fit, and this {type(self).__name__} was fitted with a "
                f"fixed one. Call fit to tune it, or set a fixed reject_threshold."
            )
        return self._tuned_reject

    def _current_priors(self, params: dict) -> np.ndarray | None:
        """The deployment priors to re-weight for, validated (None: no shift)."""
        from ._priors import check_priors, check_shift

        if params["priors"] is None:
            return None
        if self.priors_ is None:  # fitted on Dask inputs without train_priors
            raise ValueError(
                f"priors={params['priors']!r} re-weights by the training priors, "
                "which a fit on Dask inputs does not count: pass "
                "train_priors=..., the class frequencies the model was trained with."
            )
        target = check_priors(
            params["priors"], self.classes_, self.problem_, default=self.priors_
        )
        check_shift(self.priors_, target, self.classes_)
        return target

    def _check_reject_option(self, params: dict) -> bool:
        """Check the reject parameters; whether the reject threshold is tuned."""
        auto = self._check_reject_target(params)
        check_reject(
            params["reject_threshold"],
            params["reject_label"],
            self.problem_,
            self._kind == PROBA,
            self.classes_,
            allow_auto=True,
        )
        return auto

    def _check_reject_target(self, params: dict) -> bool:
        """Whether the reject threshold is tuned; its target is set exactly once."""
        targets = {
            name: params[name]
            for name in ("reject_coverage", "reject_accuracy")
            if params[name] is not None
        }
        auto = _is_auto(params["reject_threshold"])
        if auto and len(targets) != 1:
            raise ValueError(
                f"reject_threshold='auto' tunes the reject threshold for one target; "
                f"pass exactly one of reject_coverage=... (e.g. 0.9: answer at least "
                f"90% of samples) or reject_accuracy=... (e.g. 0.98), got "
                f"{targets or 'neither'}."
            )
        if not auto and targets:
            raise ValueError(
                f"{', '.join(targets)} only apply with reject_threshold='auto'; set "
                f"reject_threshold='auto' or remove them."
            )
        return auto

    @property
    def thresholds_(self) -> float | np.ndarray:
        """The thresholds that ``predict`` applies now.

        A float for binary problems (on the score of ``pos_label_``), one value per
        class otherwise: the tuned values with ``threshold="auto"``, else the
        current ``threshold`` parameter (read at predict time).
        """
        self._check_fitted()
        thresholds = self._decision().thresholds
        return thresholds.copy() if isinstance(thresholds, np.ndarray) else thresholds

    def _intervals(self) -> tuple[np.ndarray, np.ndarray]:
        """Bootstrap intervals of the tuned thresholds and best score (cached)."""
        self._check_fitted()
        record = getattr(self, "_tuning_record", None)
        if record is None and getattr(self, "_tuned_cost", None) is not None:
            raise AttributeError(
                "a cost rule tuned for scoring=CostMatrix(...) has no thresholds, so "
                "no threshold intervals; read cost_offsets_ and best_score_ instead."
            )
        if record is None:
            raise AttributeError(
                "intervals exist for tuned thresholds only: fit with threshold='auto'."
            )
        held_out, pos_index, result, cache = record
        if cache[0] is None:
            cache[0] = bootstrap_intervals(
                held_out.scores,
                held_out.truth,
                result,
                pos_index=pos_index,
                sample_weight=held_out.sample_weight,
                n_bootstraps=N_BOOTSTRAPS,
                confidence=CONFIDENCE,
                random_state=self.random_state,
            )
        return cache[0]

    @property
    def thresholds_interval_(self) -> np.ndarray:
        """Bootstrap interval of the tuned thresholds: lower and upper bounds."""
        return self._intervals()[0].copy()

    @property
    def best_score_interval_(self) -> np.ndarray:
        """Bootstrap interval of ``best_score_``: lower and upper bounds."""
        return self._intervals()[1].copy()

    @property
    def reject_threshold_(self) -> float | None:
        """The reject threshold that ``predict`` applies now (``None``: off)."""
        self._check_fitted()
        return self._decision().reject_threshold

    @property
    def pos_label_(self) -> Any:
        """The positive class of a binary problem that ``predict`` uses now."""
        self._check_fitted()
        if self.problem_ != "binary":
            return None
        return self.classes_[self._decision().pos_index]

    def _evaluation_view(self, X: Any = None, y: Any = None) -> _EvaluationView:
        """The fitted classifier as displays and reports read it, on ``(X, y)``.

        The one way the rest of the package reads a fitted classifier's scores
        and truth: it never reads the classifier's private attributes.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features), \
default=None
            The samples to score.
        y : array-like, sparse matrix or sequence of label collections, default=None
            Their true labels, in any form ``fit`` accepts for this problem.

        Returns
        -------
        view : _EvaluationView
            ``problem``, ``classes`` and ``kind`` (``"proba"`` or ``"margin"``) of
            the fit; ``decision``, the thresholds, positive class index and reject
            option that ``predict`` applies now (one resolution); ``scores``, the
            validated scores of ``X`` with columns in the order of ``classes``;
            ``truth``, ``y`` encoded as in ``fit`` (codes, or an indicator matrix).
            Without ``X`` and ``y``, ``scores`` and ``truth`` are ``None``.
        """
        self._check_fitted()
        decision = self._decision()
        scores = truth = None
        if X is not None or y is not None:
            truth = self._encoding.encode(y)
            scores = reweighted_scores(self, self._scores(X), decision)
        return _EvaluationView(
            self.problem_, self.classes_, self._kind, decision, scores, truth
        )

    def _codes(self, X: Any) -> tuple[np.ndarray, np.ndarray | None, _Decision]:
        """Codes and rejected rows of ``X``, from one set of decision parameters."""
        self._check_fitted()
        decision = self._decision()  # before the model runs: bad values fail fast
        scores = reweighted_scores(self, self._scores(X), decision)
        if decision.cost_rule is not None:
            codes, rejected = cost_codes(
                scores,
                problem=self.problem_,
                rule=decision.cost_rule,
                classes=self.classes_,
                pos_index=decision.pos_index,
                X=X,
            )
        else:
            codes, rejected = apply_rule(
                scores,
                problem=self.problem_,
                thresholds=decision.thresholds,
                pos_index=decision.pos_index,
                reject_threshold=decision.reject_threshold,
            )
        if self._never_on is not None:
            codes[:, self._never_on] = False
        return codes, rejected, decision

    def _predict(self, X: Any) -> tuple[Any, _Decision]:
        """:meth:`predict`, with the decision parameters it applied."""
        codes, rejected, decision = self._codes(X)
        return self._encoding.decode(codes, rejected, decision.reject_label), decision

    @blockwise
    def predict(self, X: Any) -> Any:
        """Predict labels in the form of the ``y`` seen in ``fit``.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray, sparse matrix or list of tuples
            1-D labels (same dtype as ``y``), a column vector, a one-hot or indicator
            matrix (same dtype as ``y``; rejected rows of a one-hot are all zero), or
            a list of tuples of labels, mirroring ``y``.
        """
        return self._predict(X)[0]

    @blockwise
    def predict_labels(self, X: Any) -> np.ndarray | list[tuple]:
        """Predict label names, whatever form ``y`` had in ``fit``.

        Returns
        -------
        labels : ndarray of shape (n_samples,) or list of tuples
            1-D labels for binary and multiclass problems; one tuple of labels per
            sample (in the order of ``classes_``) for multilabel problems.
        """
        codes, rejected, decision = self._codes(X)
        return self._encoding.names(codes, rejected, decision.reject_label)

    @available_if(_estimator_has("predict_proba"))
    @blockwise
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each class (or label), columns in the order of ``classes_``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            ``(n, 2)`` for binary, ``(n, k)`` softmax rows for multiclass, ``(n, k)``
            per-label probabilities for multilabel -- whatever the inner estimator's
            format (including lists of ``(n, 2)`` arrays).
        """
        self._check_fitted()
        scores = self._scores(X, "predict_proba")
        return reweighted_scores(self, scores, self._decision()).values

    @available_if(_estimator_has("predict_proba"))
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @available_if(_estimator_has("decision_function"))
    @blockwise
    def decision_function(self, X: Any) -> np.ndarray:
        """The inner estimator's decision scores, columns in the order of ``classes_``.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Binary: the margin of ``classes_[1]`` (as in scikit-learn). Otherwise one
            column per class or label.
        """
        self._check_fitted()
        values = self._scores(X, "decision_function").values
        return values[:, 1] if self.problem_ == "binary" else values

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of :meth:`predict` (subset accuracy for multilabel problems).

        ``y`` may be in any form ``fit`` accepts for this problem.
        """
        self._check_fitted()
        truth = self._encoding.encode(y)
        codes, rejected, _ = self._codes(X)
        if rejected is not None:
            codes = np.where(rejected, -1, codes)
        return float(accuracy_score(truth, codes, sample_weight=sample_weight))

    # ------------------------------------------------------------------ reports
    def _report(self, report: Callable, X: Any, y: Any, **kwargs: Any) -> Any:
        """``report`` (of ``_reports.py``) of :meth:`predict` on ``(X, y)``, by name."""
        y_pred, decision = self._predict(X)
        abstains = decision.reject_threshold is not None or (
            decision.cost_rule is not None
            and decision.cost_rule.reject_cost is not None
        )
        return report(
            y,
            y_pred,
            classes=self.classes_,
            problem=self.problem_,
            reject_label=decision.reject_label if abstains else None,
            **kwargs,
        )

    def classification_report(
        self, X: Any, y: Any, *, zero_division: Any = 0.0, **kwargs: Any
    ) -> str | dict:
        """scikit-learn's classification report of :meth:`predict` on ``(X, y)``.

        Rows are named by ``classes_`` in their order, whatever form ``y`` takes;
        abstentions (``reject_label``) get a line of their own.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like, sparse matrix or sequence of label collections
            The true labels, in any form ``fit`` accepts for this problem.
        zero_division : {0.0, 1.0, np.nan, "warn"}, default=0.0
            The precision of a class never predicted (and the recall of a class
            never true): 0 without a scikit-learn warning by default, ``"warn"``
            for 0 with scikit-learn's ``UndefinedMetricWarning``.
        **kwargs : dict
            ``output_dict``, ``sample_weight``, ``digits`` of
            :func:`sklabels.classification_report`.

        Returns
        -------
        report : str or dict
        """
        return self._report(
            classification_report, X, y, zero_division=zero_division, **kwargs
        )

    def confusion_matrix(
        self, X: Any, y: Any, *, normalize: str | None = None, sample_weight: Any = None
    ) -> Any:
        """Confusion matrix of :meth:`predict` on ``(X, y)``, labelled by name.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like, sparse matrix or sequence of label collections
        normalize : {None, "true", "pred", "all"}, default=None
        sample_weight : array-like of shape (n_samples,), default=None

        Returns
        -------
        matrix : pandas.DataFrame, LabelledMatrix or dict of them
            Rows are the true classes and columns the predicted ones, in the order
            of ``classes_`` (plus ``reject_label`` when the model abstained).
            Multilabel problems: ``{label: 2x2 table}``.
        """
        return self._report(
            confusion_matrix, X, y, normalize=normalize, sample_weight=sample_weight
        )

    def cost(
        self,
        X: Any,
        y: Any,
        *,
        costs: Any = None,
        reject_cost: float | None = None,
        sample_weight: Any = None,
    ) -> CostSummary:
        """The cost of :meth:`predict` on ``(X, y)``: total, mean and per sample.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like, sparse matrix or sequence of label collections
            The true labels, in any form ``fit`` accepts for this problem.
        costs : array-like, DataFrame, dict or callable, default=None
            The costs to count, in any form ``costs=`` accepts. Default: the
            classifier's own (``costs``, or the ``CostMatrix`` it was tuned for).
            Give them explicitly to compare rules, e.g. in a scorer for
            ``GridSearchCV``: ``lambda est, X, y: -est.cost(X, y, costs=C).mean``.
        reject_cost : float >= 0, default=None
            The cost of an abstention. Default: the classifier's ``reject_cost``.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the total and the mean.

        Returns
        -------
        summary : CostSummary
            ``total``, ``mean`` (weighted by ``sample_weight``), ``per_sample``
            and ``n_rejected``.
        """
        return summarise_costs(
            self,
            X,
            y,
            costs=costs,
            reject_cost=reject_cost,
            sample_weight=sample_weight,
        )

    def adapt_priors(
        self,
        X: Any,
        *,
        method: str = "em",
        X_val: Any = None,
        y_val: Any = None,
        tol: float = 1e-6,
        max_iter: int = 1000,
    ) -> ProbabilisticLabelClassifier:
        """Estimate the class priors of unlabelled samples; a copy adapted to them.

        Under label shift (the class frequencies change, ``p(x | class)`` does
        not) the estimate re-weights the probabilities ``p_k pi'_k / pi_k`` (see
        ``priors``). Helps when the probabilities are calibrated; see the docs page
        "Decisions by cost" for when it hurts.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
            Unlabelled samples from the deployment distribution.
        method : {"em", "bbse"}, default="em"
            ``"em"``: the EM procedure of Saerens et al. (2002) on the
            probabilities of ``X``. ``"bbse"``: black-box shift estimation (Lipton
            et al., 2018), from the confusion matrix of the predictions (argmax) on
            held-out labelled samples -- ``X_val, y_val``, else the out-of-fold
            scores of a tuned ``fit``.
        X_val, y_val : array-like, default=None
            ``"bbse"``: labelled samples of the training distribution that the
            model was not fitted on.
        tol : float, default=1e-6
            ``"em"``: stop when no prior changes by more than this.
        max_iter : int, default=1000
            ``"em"``: the most iterations.

        Returns
        -------
        adapted : ProbabilisticLabelClassifier
            A copy of this fitted classifier (sharing its fitted model) whose
            ``priors`` is the estimate, with ``prior_estimate_`` (a
            :class:`PriorEstimate`: priors, iterations, convergence). This one is
            unchanged.
        """
        return adapt_priors(
            self, X, method=method, X_val=X_val, y_val=y_val, tol=tol, max_iter=max_iter
        )

    @available_if(_estimator_has("predict_proba"))
    def predict_topk(self, X: Any, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` most probable classes of each sample, by name, with probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        k : int, default=3
            How many classes per sample (at most ``len(classes_)``).

        Returns
        -------
        labels : ndarray of shape (n_samples, k)
            Class names, most probable first (ties: the earlier class first).
        probabilities : ndarray of shape (n_samples, k)
            Their probabilities (multilabel: each label's own probability).
        """
        self._check_fitted()
        n_classes = len(self.classes_)
        if (
            not isinstance(k, Integral)
            or isinstance(k, bool)
            or not 1 <= k <= n_classes
        ):
            raise ValueError(
                f"k must be an int between 1 and the number of classes "
                f"({n_classes}), got {k!r}."
            )
        proba = self.predict_proba(X)
        order = _top_k_order(proba, k)
        return self.classes_[order], np.take_along_axis(proba, order, axis=1)

    def get_metadata_routing(self) -> MetadataRouter:
        """Route ``fit`` metadata (e.g. ``sample_weight``) to the inner estimator.

        Used when scikit-learn's metadata routing is enabled
        (``sklearn.set_config(enable_metadata_routing=True)``); otherwise ``fit``
        passes its keyword arguments to the inner estimator's ``fit`` as they are.

        Returns
        -------
        routing : MetadataRouter
        """
        return MetadataRouter(owner=self).add(
            estimator=self.estimator,
            method_mapping=MethodMapping().add(caller="fit", callee="fit"),
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        inner = _inner_tags(self.estimator)
        tags.input_tags = inner.input_tags
        tags.classifier_tags.multi_class = self.problem != "binary"
        tags.classifier_tags.poor_score = inner.classifier_tags.poor_score
        tags.target_tags.multi_output = inner.target_tags.multi_output and (
            self.problem in ("auto", "multilabel")
        )
        tags.target_tags.single_output = self.problem != "multilabel"
        return tags
