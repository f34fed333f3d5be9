"""``fit`` as functions that take values and return values.

Encode the target, plan the fit (check every decision option before anything is
fitted), fit the model with the held-out scores that tuning reads, tune; the result
is one :class:`FitOutcome`, which the estimator stores. The block-wise layer builds
its fit of a frozen model from the same steps and returns the same value.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
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
from sklearn.utils.parallel import Parallel, delayed
from sklearn.utils.validation import (
    _check_method_params,
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
)

from ._band_rule import band_column, tune_band_rule
from ._bands import Bands
from ._certified import (
    certify_reject_level,
    check_certified_options,
    is_certified,
    tune_certified,
)
from ._certify import AtLeast, Certificate
from ._cost_summary import held_out_predictions
from ._costs import CostRule, tune_cost_rule
from ._decision import (
    Tuned,
    check_fit_cost_options,
    check_reject_option,
    is_auto,
    pos_index_of,
)
from ._fitted import FittedLabels, check_row_sums
from ._fold_average import check_tuning_strategy
from ._frozen import check_fitted_model, network_classes, outside_single_column
from ._generalize import tune_with_evidence
from ._objectives import CostMatrix
from ._priors import check_priors, training_priors
from ._progress import Progress, timed_fold
from ._reject import tune_reject, winning_probability
from ._rules import apply_rule, resolve_thresholds
from ._scores import MARGIN, PROBA, Scores, scores_from_estimator
from ._targets import TargetEncoding, as_class_array, fit_target, positive_index
from ._text import preview, to_python
from ._tune import check_tuning_options
from ._warnings import CertificateScopeWarning, user_stacklevel


class FitPlan(NamedTuple):
    """The decision options of one ``fit``, checked before anything is fitted."""

    response_method: str
    pos_index: int
    thresholds: float | np.ndarray | None  # fixed thresholds; None when tuned
    objective: Callable | None  # the resolved scoring, with threshold="auto"
    reject_auto: bool
    bands: Bands | None = None  # threshold=Bands(...) without cuts: tuned here

    @property
    def needs_held_out(self) -> bool:
        """Tuning reads scores of samples the model was not fitted on."""
        return self.objective is not None or self.reject_auto or self.bands is not None


class HeldOut(NamedTuple):
    """Scores of samples the model was not fitted on, their truth and weights."""

    scores: Scores
    truth: np.ndarray
    sample_weight: np.ndarray | None
    X: Any = None  # the samples passed to fit, for costs that depend on them
    rows: np.ndarray | None = None  # rows of X behind the scores (None: all)
    folds: list[np.ndarray] | None = None  # rows of each cv split, if any


@dataclass(eq=False)
class FitOutcome:
    """Everything one ``fit`` computed: the fitted result and what was tuned.

    ``None`` fields were not computed by this fit (no tuning, no cost matrix).
    ``tuning_record`` keeps the tuning's evidence for the bootstrap intervals.
    """

    fitted: FittedLabels
    tuned: Tuned
    best_score: float | None = None
    cv_results: dict | None = None
    cost_offsets: np.ndarray | None = None
    tuning_record: tuple | None = None
    certificates: dict | None = None
    reject_certificate: Certificate | None = None


# ----------------------------------------------------------------- helpers
def flatten_constant_columns(
    parts: list[np.ndarray], model_scores: Callable[[], np.ndarray] | None = None
) -> np.ndarray:
    """Stack out-of-fold scores; a column constant within every fold becomes one value.

    Such a column carries no ranking of the samples (a constant predictor, e.g.
    ``DummyClassifier(strategy="prior")``): its values differ between folds only
    because the folds' training sets differ. Left as they are, the sweep would
    "tune" a threshold between folds. Replaced by their mean, the column is constant
    overall, which tuning recognises as untunable (a warning; the default kept).
    A fold of one row is constant whatever the model: only folds of two or more
    rows count, and they must hold at least half of the rows. With tinier folds
    (leave-one-out), ``model_scores()`` -- a fold model's scores on every row --
    judges instead: a column it scores alike everywhere is a constant predictor's
    (its out-of-fold values differ only through the row left out: for a prior
    model, in the reverse order of the labels).
    """
    values = np.concatenate(parts)
    judged = [part for part in parts if len(part) > 1]
    if len(parts) < 2:
        return values
    if 2 * sum(map(len, judged)) < len(values):
        if model_scores is None:
            return values
        everywhere = model_scores()
        flat = everywhere.max(axis=0) == everywhere.min(axis=0)
    else:
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
            label = repr(to_python(classes[missing[0]]))
            raise ValueError(
                f"cv fold {index + 1} of {len(splits)}: its training part has no "
                f"sample of class {label} ({counts[missing[0]]} in y), so its model "
                f"cannot score that class. Use stratified folds (an int cv, or "
                f"StratifiedKFold(n_splits, shuffle=True)), fewer splits, or more "
                f"samples of {label}."
            )


def labels_never_on(truth: np.ndarray) -> np.ndarray | None:
    """Labels with no positive in a multilabel ``y`` (``None``: every label occurs).

    A constant sub-model scores them 0 (or a margin of 0, which the ``>=`` rule
    would turn on); ``predict`` keeps them off.
    """
    never = truth.reshape(len(truth), -1).sum(axis=0) == 0
    return never if never.any() else None


def inner_tags(estimator: Any):
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
    test_rows = _safe_indexing(X, test)
    return _model_scores(model, test_rows, method, problem, n_classes), model


def _model_scores(model, X, method: str, problem: str, n_classes: int) -> np.ndarray:
    """A fitted model's validated scores on ``X``."""
    return scores_from_estimator(
        getattr(model, method)(X),
        method=method,
        problem=problem,
        n_classes=n_classes,
        estimator_classes=getattr(model, "classes_", None),
    ).values


# ----------------------------------------------------------------- frozen models
def check_frozen_is_fitted(estimator: Any) -> None:
    """A frozen model must be fitted already: say so before anything else.

    scikit-learn's ``check_is_fitted`` decides (through the model's
    ``__sklearn_is_fitted__`` where it has one: adapters holding a handed-in
    network count as fitted). Objects that are not scikit-learn estimators
    are not checked.
    """
    inner = estimator.estimator
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


def frozen_classes(estimator: Any, classes: Any) -> Any:
    """Label order of a frozen model: its ``classes_``, else ``classes=``."""
    model_classes = getattr(estimator, "classes_", None)
    if model_classes is not None and np.ndim(model_classes) != 1:
        model_classes = None  # multi-output models: a list of per-output classes
    if classes is None:
        if model_classes is None:
            raise ValueError(
                f"{type(estimator.estimator).__name__} (frozen) has no "
                f"classes_, so the order of its output columns is unknown. Pass "
                f"classes=[...] naming its outputs in column order."
            )
        return model_classes
    given = as_class_array(classes)
    if model_classes is None:
        return given
    model_classes = np.asarray(model_classes)
    is_codes = model_classes.dtype.kind in "iu" and np.array_equal(
        model_classes, np.arange(len(model_classes))
    )
    if len(model_classes) != len(given) or not (
        is_codes or np.array_equal(model_classes.astype(object), given.astype(object))
    ):
        raise ValueError(
            f"classes={preview(given)} does not match the frozen model's classes_ "
            f"{preview(model_classes)}, which fix its column order. Omit classes= "
            f"or list the same labels in the model's order."
        )
    return given


# ----------------------------------------------------------------- the steps
def encode_target(
    params: dict, X: Any, y: Any, frozen: bool
) -> tuple[TargetEncoding, np.ndarray]:
    """Encode ``y`` in the column order of the model outputs: the encoding and the
    codes (or indicator matrix) of ``y``."""
    estimator = params["estimator"]
    if frozen:
        check_frozen_is_fitted(estimator)
    classes = network_classes(
        estimator, params["classes"], y, params["problem"], frozen
    )
    if classes is None:
        classes = params["classes"]
        if frozen:
            classes = frozen_classes(estimator, classes)
    encoding, truth = fit_target(y, problem=params["problem"], classes=classes)
    check_consistent_length(X, truth)
    return encoding, truth


def fit_priors(
    train_priors: Any, encoding: TargetEncoding, truth: Any, sample_weight: Any
) -> np.ndarray:
    """``priors_``: ``train_priors`` when given, else the class frequencies of ``y``."""
    classes, problem = encoding.classes, encoding.problem
    if train_priors is not None:
        return check_priors(train_priors, classes, problem, name="train_priors")
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, truth)
    return training_priors(truth, problem, len(classes), sample_weight)


def response_method_of(estimator: Any, response_method: str) -> str:
    """The model method that ``response_method`` names (``"auto"``: probabilities
    where the model has them)."""
    if response_method == "auto":
        return (
            "predict_proba"
            if hasattr(estimator, "predict_proba")
            else "decision_function"
        )
    if not hasattr(estimator, response_method):
        raise ValueError(
            f"response_method={response_method!r} but "
            f"{type(estimator).__name__} has no {response_method}; use "
            f"response_method='auto'."
        )
    return response_method


def plan_fit(
    params: dict, encoding: TargetEncoding, priors: np.ndarray | None
) -> FitPlan:
    """Check the decision parameters before anything is fitted; resolve them once.

    The positive class of this fit is the one that tuned thresholds belong to:
    predict reuses its index while ``pos_label`` is unchanged.
    """
    classes, problem = encoding.classes, encoding.problem
    method = response_method_of(params["estimator"], params["response_method"])
    kind = PROBA if method == "predict_proba" else MARGIN
    pos_index = positive_index(params["pos_label"], classes, problem)
    objective = thresholds = None
    check_fit_cost_options(params, params["scoring"], classes, problem, priors)
    threshold, bands = params["threshold"], None
    if isinstance(threshold, Bands):
        band_column(threshold, classes, problem, pos_index)
        bands = None if threshold.fixed else threshold
        threshold = None
    if is_auto(threshold) and isinstance(params["scoring"], CostMatrix):
        objective, threshold = params["scoring"], None
    elif is_auto(threshold):
        check_certified_options(
            params["scoring"],
            problem=problem,
            average=params["average"],
            sample_weight=None,
        )
        objective, _ = check_tuning_options(
            params["scoring"], params["average"], problem
        )
        check_tuning_strategy(params["tuning"], problem)
    if not is_auto(threshold):
        thresholds = resolve_thresholds(
            threshold, problem=problem, classes=classes, kind=kind, pos_index=pos_index
        )
    reject_auto = check_reject_option(params, problem, classes, kind)
    return FitPlan(method, pos_index, thresholds, objective, reject_auto, bands)


@contextmanager
def _fit_errors_explained(estimator: Any, problem: str) -> Iterator[None]:
    """The inner fit's ValueError on a multilabel target says how to wrap the model.

    Models that cannot fit an indicator matrix fail with messages about ``y``'s
    shape; wrapping them fits one model per label.
    """
    try:
        yield
    except ValueError as exc:
        if problem != "multilabel" or inner_tags(estimator).target_tags.multi_output:
            raise
        name = type(estimator).__name__
        raise ValueError(
            f"{name} could not be fitted on a multilabel target ({exc}). Wrap it "
            f"to fit one model per label: OneVsRestClassifier({name}(...)) or "
            f"MultiOutputClassifier({name}(...)) from sklearn.multiclass / "
            f"sklearn.multioutput."
        ) from exc


def fit_clone(
    estimator: Any, X: Any, y_fit: Any, fit_params: dict, problem: str
) -> Any:
    """A clone of ``estimator`` fitted on all the data."""
    model = clone(estimator)
    with _fit_errors_explained(estimator, problem):
        model.fit(X, y_fit, **fit_params)
    return model


def _cv_splits(
    params: dict, X: Any, y_fit: np.ndarray, encoding: TargetEncoding
) -> list:
    """The splits of ``cv``: stratified for single-label ``y``."""
    cv, problem = params["cv"], encoding.problem
    if isinstance(cv, Real) and not isinstance(cv, Integral):
        splitter = ShuffleSplit if problem == "multilabel" else StratifiedShuffleSplit
        cv = splitter(n_splits=1, test_size=cv, random_state=params["random_state"])
    elif isinstance(cv, Integral) and problem == "multilabel":
        # Shuffled: unshuffled KFold on rows sorted by label (a common layout)
        # leaves folds whose training part has no positive of some label, and
        # their constant scores would drag that label's threshold to 0.
        cv = KFold(cv, shuffle=True, random_state=params["random_state"])
    else:
        cv = check_cv(cv, y_fit, classifier=True)
    splits = list(cv.split(X, y_fit))
    if problem != "multilabel":
        _check_training_folds(splits, y_fit, encoding.classes)
    if not params["refit"] and len(splits) != 1:
        raise ValueError(
            f"refit=False keeps the model fitted on the training part of a single "
            f"split, but cv={params['cv']!r} gives {len(splits)} splits. Use a float "
            f"cv (e.g. cv=0.25 holds out a quarter of the data) or refit=True."
        )
    return splits


def _fit_out_of_fold(
    params: dict,
    plan: FitPlan,
    encoding: TargetEncoding,
    X: Any,
    y_fit: np.ndarray,
    fit_params: dict,
    progress: Progress,
) -> tuple[Any, Scores, np.ndarray, list[np.ndarray]]:
    """Fit one clone per split: the final model, the held-out scores, their rows
    and each split's positions among them."""
    estimator, problem = params["estimator"], encoding.problem
    X_split = indexable(X)[0]  # sparse formats and sequences without [idx]
    splits = _cv_splits(params, X_split, y_fit, encoding)
    ends = np.cumsum([len(test) for _, test in splits])
    positions = [
        np.arange(e - len(t), e) for e, (_, t) in zip(ends, splits, strict=True)
    ]
    with _fit_errors_explained(estimator, problem):
        folds = Parallel(n_jobs=params["n_jobs"])(
            delayed(timed_fold)(
                progress,
                index,
                len(splits),
                _fold_scores,
                estimator,
                X_split,
                y_fit,
                train,
                test,
                fit_params,
                plan.response_method,
                problem,
                len(encoding.classes),
            )
            for index, (train, test) in enumerate(splits)
        )
    if params["refit"]:
        model = fit_clone(estimator, X, y_fit, fit_params, problem)
        progress("refitted on all the data")
    else:
        model = folds[0][1]
    rows = np.concatenate([test for _, test in splits])
    values = flatten_constant_columns(
        [fold[0] for fold in folds],
        lambda: _model_scores(
            folds[0][1],
            X_split,
            plan.response_method,
            problem,
            len(encoding.classes),
        ),
    )
    kind = PROBA if plan.response_method == "predict_proba" else MARGIN
    check_row_sums(Scores(values, kind), problem, estimator, plan.response_method)
    return model, Scores(values, kind), rows, positions


def fit_held_out(
    params: dict,
    plan: FitPlan,
    encoding: TargetEncoding,
    priors: np.ndarray,
    X: Any,
    truth: np.ndarray,
    fit_params: dict,
    *,
    frozen: bool,
    route: Callable[[dict], dict] | None,
    progress: Progress,
) -> tuple[FittedLabels, HeldOut | None]:
    """Fit the model; with ``plan.needs_held_out``, also the scores tuning reads.

    Those are out-of-fold scores when the model is fitted here (it is then refit
    on all the data, unless ``refit=False``), and a frozen model's scores on the
    data passed to ``fit``. ``route``: metadata routing of ``fit_params``.
    """
    held_out = plan.needs_held_out
    weight = fit_params.get("sample_weight")
    if held_out and weight is not None:
        weight = _check_sample_weight(weight, truth, ensure_non_negative=True)
    if route is not None and not frozen:
        # A frozen model is not fitted: sample_weight only weighs the sweep.
        fit_params = route(fit_params)
    y_fit = truth
    if encoding.problem == "multilabel" and truth.shape[1] == 1:
        y_fit = truth[:, 0]  # one label: a 0/1 vector, not a column
    if held_out and not frozen:
        model, scores, rows, folds = _fit_out_of_fold(
            params, plan, encoding, X, y_fit, fit_params, progress
        )
        fitted = FittedLabels(model, encoding, plan.response_method, priors)
        check_fitted_model(fitted, X, truth, frozen)
        weight = None if weight is None else weight[rows]
        return fitted, HeldOut(scores, truth[rows], weight, X, rows, folds=folds)
    model = fit_clone(params["estimator"], X, y_fit, fit_params, encoding.problem)
    fitted = FittedLabels(model, encoding, plan.response_method, priors)
    scores, output = check_fitted_model(fitted, X, truth, frozen)
    fitted = replace(fitted, network_output=output)
    if not held_out:
        return fitted, None
    scores = fitted.scores(X) if scores is None else scores
    return fitted, HeldOut(scores, truth, weight, X)


def _tune_costs(
    objective: Any, pos_index: int, held_out: HeldOut, fitted: FittedLabels
) -> tuple[CostRule, float, np.ndarray]:
    """Tune a :class:`CostMatrix`'s offsets on the held-out scores: the rule, the
    best score and ``cost_offsets_``."""
    classes, problem = fitted.classes, fitted.problem
    X = held_out.X
    if held_out.rows is not None and callable(objective.costs):
        X = _safe_indexing(X, held_out.rows)
    rule, cost, _ = tune_cost_rule(
        held_out.scores,
        held_out.truth,
        problem=problem,
        classes=classes,
        pos_index=pos_index,
        costs=objective.costs,
        reject_cost=objective.reject_cost,
        X=X,
        sample_weight=held_out.sample_weight,
    )
    width = len(classes) + (rule.reject_cost is not None)
    if problem == "multilabel":
        width = len(classes)
    offsets = np.zeros(width) if rule.offsets is None else rule.offsets.copy()
    return rule, -cost, offsets


def _floor_value(target: Any) -> Any:
    """A reject target as a plain number where it asks for no certificate."""
    return target.value if isinstance(target, AtLeast) else target


def _certified_target(params: dict) -> bool:
    return any(
        isinstance(params[name], AtLeast) and params[name].confidence is not None
        for name in ("reject_coverage", "reject_accuracy")
    )


def _tune_reject(
    params: dict,
    held_out: HeldOut,
    problem: str,
    thresholds: float | np.ndarray,
    pos_index: int,
) -> tuple[float, Certificate | None]:
    """The reject threshold tuned for its target (``reject_threshold="auto"``) on
    the held-out predictions at ``thresholds``, the ones ``predict`` applies; the
    certificate where the target has a confidence."""
    codes, _ = apply_rule(
        held_out.scores, problem=problem, thresholds=thresholds, pos_index=pos_index
    )
    confidence = winning_probability(held_out.scores, codes, problem)
    correct = codes == held_out.truth
    if _certified_target(params):
        certificate = certify_reject_level(
            confidence,
            correct,
            coverage=params["reject_coverage"],
            accuracy=params["reject_accuracy"],
            sample_weight=held_out.sample_weight,
        )
        return certificate.threshold, certificate
    reject, _, _ = tune_reject(
        confidence,
        correct,
        coverage=_floor_value(params["reject_coverage"]),
        accuracy=_floor_value(params["reject_accuracy"]),
        sample_weight=held_out.sample_weight,
    )
    return reject, None


def _warn_if_refit(params: dict, frozen: bool) -> None:
    """A certificate speaks for the models that scored the held-out rows."""
    if frozen or not params["refit"]:
        return
    warnings.warn(
        "the certificate holds for the models fitted without the held-out rows "
        "(the cv models), not for the model refit on all the data that predict "
        "uses. For a guarantee on the final model, pass a FrozenEstimator and "
        "fit on validation rows, or use a float cv with refit=False.",
        CertificateScopeWarning,
        stacklevel=user_stacklevel(),
    )


def _tuner_arguments(
    params: dict, plan: FitPlan, fitted: FittedLabels, held_out: HeldOut
) -> dict:
    """What every threshold tuner is told about the problem and the held-out rows."""
    return dict(
        problem=fitted.problem,
        classes=fitted.classes,
        pos_index=plan.pos_index,
        average=params["average"],
        sample_weight=held_out.sample_weight,
    )


def tune_fit(
    params: dict,
    plan: FitPlan,
    fitted: FittedLabels,
    held_out: HeldOut | None,
    progress: Progress,
) -> FitOutcome:
    """Tune what ``threshold="auto"`` and ``reject_threshold="auto"`` ask for."""
    fitted = replace(fitted, held_out=held_out_predictions(held_out, fitted.problem))
    outcome = FitOutcome(fitted, Tuned(plan.pos_index, params["pos_label"]))
    thresholds = tuned = plan.thresholds
    if isinstance(plan.objective, CostMatrix):
        rule, outcome.best_score, outcome.cost_offsets = _tune_costs(
            plan.objective, plan.pos_index, held_out, fitted
        )
        outcome.tuned = replace(outcome.tuned, cost_rule=rule)
    elif is_certified(plan.objective):
        result = tune_certified(
            held_out.scores,
            held_out.truth,
            objective=plan.objective,
            name=repr(plan.objective),
            **_tuner_arguments(params, plan, fitted, held_out),
        )
        outcome.best_score = result.best_score
        outcome.certificates = result.certificates
        thresholds = tuned = result.thresholds
    elif plan.objective is not None:
        result = tune_with_evidence(
            held_out.scores,
            held_out.truth,
            scoring=plan.objective,
            **_tuner_arguments(params, plan, fitted, held_out),
            keep_curves=params["store_cv_results"],
            n_jobs=params["n_jobs"],
            tuning=params["tuning"],
            folds=held_out.folds,
            random_state=params["random_state"],
            progress=progress,
        )
        outcome.best_score = result.best_score
        outcome.cv_results = dict(result.cv_results)
        if params["store_cv_results"]:
            outcome.cv_results["curves"] = result.curves
        # Kept for the intervals, computed on first access.
        outcome.tuning_record = (held_out, plan.pos_index, result, [None])
        thresholds = tuned = result.thresholds
    else:
        tuned = None
    reject = None
    if plan.reject_auto:
        reject, outcome.reject_certificate = _tune_reject(
            params, held_out, fitted.problem, thresholds, plan.pos_index
        )
    if outcome.certificates is not None or outcome.reject_certificate is not None:
        _warn_if_refit(params, frozen=held_out.rows is None)
    outcome.tuned = replace(outcome.tuned, thresholds=tuned, reject=reject)
    if plan.bands is not None:
        tuned_bands = tune_band_rule(
            plan.bands,
            held_out.scores,
            held_out.truth,
            classes=fitted.classes,
            problem=fitted.problem,
            pos_index=plan.pos_index,
        )
        outcome.tuned = replace(outcome.tuned, bands=tuned_bands, bands_for=plan.bands)
    return outcome


def fit_in_memory(
    params: dict,
    X: Any,
    y: Any,
    fit_params: dict,
    *,
    owner: str,
    route: Callable[[dict], dict] | None,
) -> FitOutcome:
    """``fit`` on in-memory data: ``params`` are the estimator's parameters,
    ``owner`` names it in progress messages."""
    progress = Progress(params["verbose"], owner)
    frozen = isinstance(params["estimator"], FrozenEstimator)
    encoding, truth = encode_target(params, X, y, frozen)
    priors = fit_priors(
        params["train_priors"], encoding, truth, fit_params.get("sample_weight")
    )
    plan = plan_fit(params, encoding, priors)
    fitted, held_out = fit_held_out(
        params,
        plan,
        encoding,
        priors,
        X,
        truth,
        fit_params,
        frozen=frozen,
        route=route,
        progress=progress,
    )
    fitted = replace(fitted, single_column=outside_single_column(fitted, X))
    pos_index_of(params, fitted, Tuned(plan.pos_index, params["pos_label"]))
    outcome = tune_fit(params, plan, fitted, held_out, progress)
    if encoding.problem == "multilabel" and not frozen:
        outcome.fitted = replace(outcome.fitted, never_on=labels_never_on(truth))
    return outcome
