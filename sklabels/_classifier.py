"""``ProbabilisticLabelClassifier``: the scikit-learn estimator that wires it together.

X -> estimator -> raw response -> Scores -> decision rule -> codes -> labels

The estimator holds its parameters and one fitted result: ``fit`` computes a
:class:`~sklabels._fit.FitOutcome` (in memory, or through the Dask layer) and stores
it in one place; every prediction is the fitted result
(:class:`~sklabels._fitted.FittedLabels`) under the decision that the parameters
resolve to now (:class:`~sklabels._decision.Decision`).
"""

from __future__ import annotations

from collections.abc import Callable
from numbers import Integral, Real
from typing import Any

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
from sklearn.metrics import accuracy_score
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

from ._backend import any_dask, dask_layer, is_dask
from ._bands import BandRow, Bands, band_report
from ._calibration_check import reads_probabilities, warn_if_miscalibrated
from ._certify import AtLeast
from ._cost_summary import CostSummary, estimate_priors, summarise_costs
from ._decision import DECISION_PARAMS, Decision, param_key, resolve
from ._fit import FitOutcome, fit_in_memory, inner_tags
from ._fitted import EvaluationView, FittedLabels
from ._generalize import CONFIDENCE, N_BOOTSTRAPS, TUNINGS, bootstrap_intervals
from ._objectives import OBJECTIVES, CostMatrix
from ._reports import classification_report, confusion_matrix
from ._saved_decision import check_alone, on_model
from ._tune import AVERAGES


def _estimator_has(attr: str):
    """``available_if`` check: the fitted (else the unfitted) inner estimator has it."""

    def check(self: ProbabilisticLabelClassifier) -> bool:
        inner = getattr(self, "estimator_", self.estimator)
        getattr(inner, attr)  # raises AttributeError with the inner estimator's name
        return True

    return check


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


def _own_copy(value: Any) -> Any:
    """A parameter value that shares nothing mutable with ``value``."""
    if callable(value) and not hasattr(value, "get_params"):
        return value  # a function: nothing to copy
    try:
        return clone(value, safe=False)
    except Exception:  # an object neither clone nor deepcopy can copy: shared
        return value


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
    threshold : float, array-like, dict, "auto", Bands or Decision, default=None
        Fixed decision thresholds. Binary: predict ``pos_label`` iff its score is
        ``>= threshold`` (default 0.5 for probabilities, 0.0 for decision scores).
        Multilabel: label ``j`` on iff ``p_j >= t_j`` (one float or one per label).
        Multiclass: one ratio per class, predict ``argmax_k p_k / t_k``. A dict
        ``{label: value}`` sets some classes and leaves the others at the default.
        ``"auto"``: tuned in ``fit`` for ``scoring`` on out-of-fold scores from
        ``cv`` (exactly, one sweep per class), then the estimator is refit on all
        the data. With a ``FrozenEstimator`` the model is not refit and the
        thresholds are tuned on the data passed to ``fit``. ``Bands(names, ...)``:
        ``predict`` returns band names cut from one score (``>=`` at each cut;
        binary: the positive class's score, otherwise ``score_of``'s); cuts not
        given are tuned in ``fit`` on the held-out scores (see ``bands_``).
        A :class:`~sklabels.Decision` (``Decision.from_file(path)`` of a thresholds
        file, ``Decision.from_dict(...)``, another estimator's ``decision_``) is
        the whole rule as saved: thresholds, costs, reject level and label,
        priors and positive class, its classes matched to ``classes_`` by name;
        the other decision parameters must then be left at ``None``.

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
    reject_coverage : float in (0, 1] or AtLeast, default=None
        With ``reject_threshold="auto"``: answer at least this fraction of the
        samples, with the highest accuracy on the held-out scores.
        ``AtLeast(0.9, confidence=0.95)``: the coverage is certified on new data
        (see ``reject_accuracy``).
    reject_accuracy : float in (0, 1] or AtLeast, default=None
        With ``reject_threshold="auto"``: abstain as little as possible while the
        answered held-out samples reach this accuracy (where no threshold does, a
        warning names the best accuracy reachable, whose threshold is used).
        ``AtLeast(0.99, confidence=0.95)``: the accuracy among answered rows is
        certified to hold on new exchangeable data with probability 0.95
        (``reject_certificate_``); where no level is certified, the model abstains
        on every row, with a ``NotCertifiedWarning``. The guarantee is for the
        model that scored the held-out rows: a ``FrozenEstimator`` fitted on
        validation rows, or a float ``cv`` with ``refit=False``; with a refit on
        all the data a ``CertificateScopeWarning`` says so.
    scoring : str or callable, default="f1"
        With ``threshold="auto"``: the objective to maximise -- ``"f1"``,
        ``"balanced_accuracy"``, ``"youden"``, ``"mcc"``, ``"accuracy"``,
        ``"jaccard"``, :class:`~sklabels.FBeta`, :class:`~sklabels.Cost`,
        :class:`~sklabels.RecallAtPrecision`, :class:`~sklabels.PrecisionAtRecall`,
        or any callable ``f(tp, fp, fn, tn) -> array`` (greater is better).
        A floor with a confidence (``RecallAtPrecision(0.9, confidence=0.95)``)
        is certified instead of tuned (``certificates_``; binary and multilabel,
        no ``sample_weight``, ``average="macro"``).
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
    tuning : {"robust", "exact", "fold_average"}, default="robust"
        With ``threshold="auto"``: how the held-out scores choose the thresholds.
        ``"robust"`` judges tuning on held-out folds: each binary and multilabel
        cut-off is the midpoint of two steadier estimates than the one optimum of
        the out-of-fold scores: the mean of the exact optima of 50 bootstrap
        resamples of them (fewer above 100,000 rows, seeded by
        ``random_state``), and the best cut at expected counts under a logistic
        (Platt) calibration of them;
        multiclass ratios are kept at plain argmax unless they beat it on the
        folds (tuned on the others) by more than two standard errors.
        ``"exact"`` takes
        the exact optimum of the pooled out-of-fold scores. ``"fold_average"``
        (binary and multilabel; refused for multiclass problems) takes the top of
        the mean over the cv folds of each fold model's exact objective curve on
        its own held-out rows, as ``TunedThresholdClassifierCV`` does, exactly
        (no grid); ahead of ``"exact"`` on rare-label multilabel problems in the
        tuning guide's benchmark. Constraint objectives
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
    bands_ : Bands
        With ``threshold=Bands(...)``: the bands ``predict`` applies now, with
        their cuts (tuned in ``fit``, or the fixed ones read at predict time).
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
    certificates_ : dict
        With ``threshold="auto"`` and a certified floor
        (``scoring=RecallAtPrecision(0.9, confidence=0.95)``): ``{label:
        Certificate}``, each label's certified cut (``threshold`` is ``inf``,
        never positive, where none was certified). It holds for the model that
        scored the held-out rows: see ``reject_accuracy``.
    reject_certificate_ : Certificate
        With a certified reject target (``reject_accuracy=AtLeast(0.99,
        confidence=0.95)``): the certificate of the reject level.
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
        "threshold": [
            Real,
            "array-like",
            dict,
            StrOptions({"auto"}),
            Bands,
            Decision,
            None,
        ],
        "pos_label": [Real, str, "boolean", None],
        "response_method": [StrOptions({"auto", "predict_proba", "decision_function"})],
        "reject_threshold": [
            Interval(Real, 0, 1, closed="both"),
            StrOptions({"auto"}),
            None,
        ],
        "reject_label": "no_validation",
        "reject_coverage": [Interval(Real, 0, 1, closed="right"), AtLeast, None],
        "reject_accuracy": [Interval(Real, 0, 1, closed="right"), AtLeast, None],
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
        self._forget_last_fit()
        params = self.get_params(deep=False)
        if isinstance(params["threshold"], Decision):  # the rule is fixed: fit no rule
            check_alone(params)
            params["threshold"] = None
        if any_dask(X, y):  # a frozen model tuned on every partition
            outcome = dask_layer().fit(params, X, y, fit_params)
        else:
            route = None
            if get_config().get("enable_metadata_routing", False):
                route = self._route_fit_params
            owner = type(self).__name__
            outcome = fit_in_memory(params, X, y, fit_params, owner=owner, route=route)
        self._store(outcome)
        return self

    def _route_fit_params(self, fit_params: dict) -> dict:
        return process_routing(self, "fit", **fit_params).estimator.fit

    def _forget_last_fit(self) -> None:
        """Unfitted until this fit completes, with nothing left of an earlier tuning.

        A failed refit must not leave a mix of the old model and the new parameters
        usable.
        """
        for name in (
            "_fitted",
            "best_score_",
            "cv_results_",
            "cost_offsets_",
            "certificates_",
            "reject_certificate_",
            "_tuning_record",
        ):
            if hasattr(self, name):
                delattr(self, name)

    def _store(self, outcome: FitOutcome) -> None:
        """The one place that writes the fitted state; the fitted result last: its
        presence means fitted."""
        fitted = outcome.fitted
        self.classes_, self.problem_ = fitted.classes, fitted.problem
        self.estimator_ = fitted.estimator
        self.response_method_ = fitted.response_method
        self.priors_ = fitted.priors
        for name, value in (
            ("best_score_", outcome.best_score),
            ("cv_results_", outcome.cv_results),
            ("cost_offsets_", outcome.cost_offsets),
            ("certificates_", outcome.certificates),
            ("reject_certificate_", outcome.reject_certificate),
            ("_tuning_record", outcome.tuning_record),
        ):
            if value is not None:
                setattr(self, name, value)
        for name in ("n_features_in_", "feature_names_in_"):
            if hasattr(fitted.estimator, name):
                setattr(self, name, getattr(fitted.estimator, name))
            elif hasattr(self, name):  # left over from an earlier fit
                delattr(self, name)
        self._tuned = outcome.tuned
        # Fixed decision parameters are read at predict time; this cache holds
        # the last resolved set, keyed on the parameter values (see _decision).
        self._decision_cache = [None]
        self._fitted = fitted
        self._decision()  # fills the cache for the parameters of this fit

    # ------------------------------------------------------------------ pickling
    # The predict-time cache is rebuilt on load, so the saved state holds values
    # only: skops.io rebuilds it (sklabels.persistence).
    _REBUILT_ON_LOAD = ("_decision_cache",)

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # a copy: never edit self.__dict__
        for key in self._REBUILT_ON_LOAD:
            state.pop(key, None)
        return state

    def __setstate__(self, state: dict) -> None:
        super().__setstate__(state)
        if "_fitted" in state:  # fitted
            self._decision_cache = [None]

    # ------------------------------------------------------------------ predict
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "_fitted")

    def _check_fitted(self) -> None:
        # A plain attribute test: sklearn's check_is_fitted walks the tags of both
        # estimators, which costs tens of microseconds per single-row predict.
        if not hasattr(self, "_fitted"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' "
                f"with appropriate arguments before using this estimator."
            )

    def _decision(self) -> Decision:
        """The decision parameters as they are now, resolved and validated.

        Fixed values (``threshold``, ``pos_label``, ``reject_threshold``,
        ``reject_label``) are read from the parameters at every call, as
        scikit-learn's ``FixedThresholdClassifier`` does; ``"auto"`` values are
        the ones tuned in ``fit``. The last resolution is cached, keyed on a
        snapshot of the parameter values, so that an unchanged model pays only a
        comparison per predict.
        """
        # Each read once: another thread may call set_params meanwhile.
        params = {name: getattr(self, name) for name in DECISION_PARAMS}
        key = param_key(tuple(params.values()))
        cached = self._decision_cache[0]
        try:
            if cached is not None and cached[0] == key:
                return cached[1]
        except (TypeError, ValueError):  # values that cannot be compared: resolve
            pass
        owner = type(self).__name__
        if isinstance(params["threshold"], Decision):
            check_alone(params)
            decision = on_model(params["threshold"], self._fitted, owner)
        else:
            decision = resolve(params, self._fitted, self._tuned, owner)
        # Cached only if no container changed in place while it was resolved.
        if param_key(tuple(params.values())) == key:
            self._decision_cache[0] = (key, decision)  # one store: thread-safe
        return decision

    @staticmethod
    def _refuse_dask(method: str, *arrays: Any) -> None:
        if any_dask(*arrays):
            raise TypeError(
                f"{method}() takes in-memory samples, not Dask collections; compute "
                f"them first (X.compute(), y.compute()), or count the cost block by "
                f"block with predict(X) on the Dask inputs."
            )

    def _predict_dask(self, X: Any, method: str) -> Any:
        """``method`` of Dask ``X``, block by block, with the decision as it is now
        (a later ``set_params`` does not change a graph already built)."""
        self._check_fitted()
        return dask_layer().predict(self._fitted, self._decision(), X, method)

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
        if record is None and self._tuned.cost_rule is not None:
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

    def _has_bands(self) -> bool:
        return isinstance(self.threshold, Bands)

    @property
    def bands_(self) -> Bands:
        """The bands ``predict`` applies now, with their cuts (``threshold=Bands``)."""
        self._check_fitted()
        rule = self._decision().bands
        if rule is None:
            raise AttributeError(
                f"bands_ exists with threshold=Bands(...) only; threshold is "
                f"{self.threshold!r}."
            )
        return rule.bands

    def band_report(self, X: Any, y: Any, *, confidence: float = 0.95) -> list[BandRow]:
        """One row per band of :meth:`predict` on ``(X, y)`` (``threshold=Bands``).

        The event is the class whose score the bands cut being true.

        Returns
        -------
        rows : list of BandRow
            Per band: name, count, share, events, event rate and its
            Clopper-Pearson interval at ``confidence``.
        """
        self._check_fitted()
        decision = self._decision()
        if decision.bands is None:
            raise ValueError(
                f"band_report needs threshold=Bands(...), got threshold="
                f"{self.threshold!r}; use classification_report for labels."
            )
        rule = decision.bands
        scores = decision.reweight(self._fitted.scores(X))
        score, logits = rule.score(scores, self.problem_)
        truth = np.asarray(self._fitted.encoding.encode(y))
        if self.problem_ == "multilabel":
            event = truth[:, rule.column]
        else:
            event = truth == rule.column
        return band_report(
            rule.bands, score, event, logits=logits, confidence=confidence
        )

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

    @property
    def decision_(self) -> Decision:
        """The decision ``predict`` applies now: one immutable value.

        Thresholds (or ratios), positive class, reject level and label, cost rule
        and priors, resolved from the parameters and what ``fit`` tuned. What the
        ONNX exporter translates and the thresholds file serializes
        (``decision_.to_dict()``).
        """
        self._check_fitted()
        return self._decision()

    @property
    def fitted_(self) -> FittedLabels:
        """What ``fit`` learned, as one value: the inner model, the target encoding,
        a network's pinned output kind, the training priors.

        It scores and decides on its own (``fitted_.labels(X, decision_)`` equals
        ``predict(X)``); for exporters and tools that need more than the public
        attributes.
        """
        self._check_fitted()
        return self._fitted

    def evaluation_view(self, X: Any = None, y: Any = None) -> EvaluationView:
        """The fitted classifier as displays and reports read it, on ``(X, y)``.

        For sklabels' displays: the one way they read a fitted classifier's scores
        and truth, without its private attributes.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features), \
default=None
            The samples to score.
        y : array-like, sparse matrix or sequence of label collections, default=None
            Their true labels, in any form ``fit`` accepts for this problem.

        Returns
        -------
        view : EvaluationView
            ``problem``, ``classes`` and ``kind`` (``"proba"`` or ``"margin"``) of
            the fit; ``decision``, the thresholds, positive class index and reject
            option that ``predict`` applies now (one resolution); ``scores``, the
            validated scores of ``X`` with columns in the order of ``classes``;
            ``truth``, ``y`` encoded as in ``fit`` (codes, or an indicator matrix).
            Without ``X`` and ``y``, ``scores`` and ``truth`` are ``None``.
        """
        self._check_fitted()
        return self._fitted.view(self._decision(), X, y)

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
        if is_dask(X):
            return self._predict_dask(X, "predict")
        self._check_fitted()
        return self._fitted.labels(X, self._decision())

    def predict_labels(self, X: Any) -> np.ndarray | list[tuple]:
        """Predict label names, whatever form ``y`` had in ``fit``.

        Returns
        -------
        labels : ndarray of shape (n_samples,) or list of tuples
            1-D labels for binary and multiclass problems; one tuple of labels per
            sample (in the order of ``classes_``) for multilabel problems.
        """
        if is_dask(X):
            return self._predict_dask(X, "predict_labels")
        self._check_fitted()
        return self._fitted.names(X, self._decision())

    @available_if(_estimator_has("predict_proba"))
    def predict_proba(self, X: Any) -> np.ndarray:
        """Probability of each class (or label), columns in the order of ``classes_``.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            ``(n, 2)`` for binary, ``(n, k)`` softmax rows for multiclass, ``(n, k)``
            per-label probabilities for multilabel -- whatever the inner estimator's
            format (including lists of ``(n, 2)`` arrays).
        """
        if is_dask(X):
            return self._predict_dask(X, "predict_proba")
        self._check_fitted()
        scores = self._fitted.scores(X, "predict_proba")
        return self._decision().reweight(scores).values

    @available_if(_estimator_has("predict_proba"))
    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    @available_if(_estimator_has("decision_function"))
    def decision_function(self, X: Any) -> np.ndarray:
        """The inner estimator's decision scores, columns in the order of ``classes_``.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Binary: the margin of ``classes_[1]`` (as in scikit-learn). Otherwise one
            column per class or label.
        """
        if is_dask(X):
            return self._predict_dask(X, "decision_function")
        self._check_fitted()
        return self._fitted.margins(X)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy of :meth:`predict` (subset accuracy for multilabel problems).

        ``y`` may be in any form ``fit`` accepts for this problem.
        """
        self._check_fitted()
        truth = self._fitted.encoding.encode(y)
        codes, rejected = self._fitted.codes(X, self._decision())
        if rejected is not None:
            codes = np.where(rejected, -1, codes)
        return float(accuracy_score(truth, codes, sample_weight=sample_weight))

    # ------------------------------------------------------------------ reports
    def _report(self, report: Callable, X: Any, y: Any, **kwargs: Any) -> Any:
        """``report`` (of ``_reports.py``) of :meth:`predict` on ``(X, y)``, by name."""
        self._check_fitted()
        decision = self._decision()
        if decision.bands is not None:
            raise ValueError(
                f"threshold={self.threshold!r}: predict returns band names, not "
                f"classes; use band_report(X, y) for one row per band, or set a "
                f"threshold rule for this report."
            )
        y_pred = self._fitted.labels(X, decision)
        return report(
            y,
            y_pred,
            classes=self.classes_,
            problem=self.problem_,
            reject_label=decision.reject_label if decision.abstains else None,
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

        Warns
        -----
        CalibrationWarning
            When a rule that reads probabilities as frequencies (a reject level, a
            cost rule, priors re-weighting) runs on scores that are miscalibrated
            on ``(X, y)``: expected calibration error above 0.03 and above the 99th
            percentile of the ECE of labels drawn from the scores themselves
            (:func:`sklabels.calibration_error`). Plain thresholds are not checked.
        """
        self._check_fitted()
        decision = self._decision()
        if reads_probabilities(decision):
            warn_if_miscalibrated(decision, self._fitted.scores(X), y)
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
        self._check_fitted()
        self._refuse_dask("cost", X, y, sample_weight)
        return summarise_costs(
            self._fitted,
            self._decision(),
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
        self._check_fitted()
        if self.priors_ is None:
            raise ValueError(
                "adapt_priors re-weights from the training priors, which a fit on Dask "
                "inputs does not count; pass train_priors=... (the class frequencies "
                "of the training data) and fit again."
            )
        if method in ("em", "bbse"):
            self._refuse_dask("adapt_priors", X, X_val, y_val)
        estimate = estimate_priors(
            self._fitted,
            X,
            method=method,
            X_val=X_val,
            y_val=y_val,
            tol=tol,
            max_iter=max_iter,
        )
        # Its own parameters: set_params on the copy (estimator__C=...) must not reach
        # this classifier, nor its next fit. The fitted state stays shared; the
        # decision cache is its own (rebuilt on load: the priors differ).
        state = self.__getstate__()
        state.update(
            {k: _own_copy(v) for k, v in self.get_params(deep=False).items()},
            priors=estimate.priors.copy(),
            prior_estimate_=estimate,
        )
        adapted = type(self).__new__(type(self))
        adapted.__setstate__(state)
        return adapted

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
        inner = inner_tags(self.estimator)
        tags.input_tags = inner.input_tags
        tags.classifier_tags.multi_class = self.problem != "binary"
        tags.classifier_tags.poor_score = inner.classifier_tags.poor_score
        tags.target_tags.multi_output = inner.target_tags.multi_output and (
            self.problem in ("auto", "multilabel")
        )
        tags.target_tags.single_output = self.problem != "multilabel"
        return tags
