"""scikit-learn's own threshold-classifier tests, run against our classifier.

The tests of ``sklearn/model_selection/tests/test_classification_threshold.py``
(``TunedThresholdClassifierCV`` and ``FixedThresholdClassifier``, scikit-learn 1.9),
ported through a thin adapter: :func:`tuned` and :func:`fixed` build a
:class:`~sklabels.ProbabilisticLabelClassifier` from scikit-learn's parameters, and
:func:`best_threshold` reads what scikit-learn calls ``best_threshold_``.

Each test names the scikit-learn test it ports. Where our behaviour differs on
purpose, the test asserts our behaviour and its docstring says why:

- ``thresholds=`` (a grid of candidate thresholds) does not exist: every distinct
  score is a candidate of one exact sweep, so ``cv_results_`` holds one exact curve
  per class instead of ``{"thresholds": grid, "scores": ...}``.
- ``cv="prefit"`` is ``FrozenEstimator(model)``, scikit-learn's general way to use a
  fitted model; ``refit`` does not apply to it (a frozen model is never refit).
- Problems that are not binary are supported, not refused.
- A constant predictor is not an error: its class cannot be tuned, so a
  ``FewPositivesWarning`` names it and its threshold keeps the default (the rule
  for every class that cannot be tuned).
- ``FixedThresholdClassifier`` predicts from a fitted model without ``fit``; ours
  always needs ``fit`` (it learns the label encoding there), which with a
  ``FrozenEstimator`` does not refit the model.

The tests of the private ``_fit_and_score_over_thresholds`` are ported to the
public equivalent, the tuned classifier's curves.
"""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import config_context
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_iris,
    make_classification,
    make_multilabel_classification,
)
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    balanced_accuracy_score,
    f1_score,
    fbeta_score,
    get_scorer,
    make_scorer,
)
from sklearn.model_selection import (
    FixedThresholdClassifier,
    StratifiedShuffleSplit,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from sklearn.utils._mocking import CheckingClassifier

from sklabels import FBeta, FewPositivesWarning, ProbabilisticLabelClassifier

# scikit-learn's global_random_seed fixture defaults to 42.
GLOBAL_RANDOM_SEED = 42

# --------------------------------------------------------------------------- adapter

_METRICS = {
    balanced_accuracy_score: "balanced_accuracy",
    f1_score: "f1",
}


def _objective(scoring):
    """scikit-learn's scoring (a name or a scorer) as our scoring and pos_label."""
    if isinstance(scoring, str):
        return scoring, None
    func, kwargs = scoring._score_func, dict(scoring._kwargs)
    pos_label = kwargs.pop("pos_label", None)
    if func is fbeta_score:
        return FBeta(kwargs.pop("beta")), pos_label
    assert not kwargs, f"no translation for {kwargs}"
    return _METRICS[func], pos_label


def tuned(
    estimator,
    *,
    scoring="balanced_accuracy",
    response_method="auto",
    thresholds=100,
    cv=None,
    refit=True,
    random_state=None,
    store_cv_results=False,
):
    """``TunedThresholdClassifierCV(...)`` as a ProbabilisticLabelClassifier.

    ``thresholds`` (the size of scikit-learn's grid) has no counterpart: the sweep
    is exact. ``cv="prefit"`` becomes a ``FrozenEstimator``.
    """
    del thresholds
    objective, pos_label = _objective(scoring)
    if cv == "prefit":
        estimator, cv = FrozenEstimator(estimator), None
    return ProbabilisticLabelClassifier(
        estimator,
        threshold="auto",
        scoring=objective,
        pos_label=pos_label,
        response_method=response_method,
        cv=5 if cv is None else cv,
        refit=refit,
        random_state=random_state,
        store_cv_results=store_cv_results,
        tuning="exact",  # scikit-learn's tuner takes the optimum as it is
    )


def fixed(estimator, *, threshold="auto", pos_label=None, response_method="auto"):
    """``FixedThresholdClassifier(...)`` as a ProbabilisticLabelClassifier."""
    return ProbabilisticLabelClassifier(
        estimator,
        threshold=None if threshold == "auto" else threshold,
        pos_label=pos_label,
        response_method=response_method,
    )


def best_threshold(model):
    """scikit-learn's ``best_threshold_``."""
    return model.thresholds_


def ignore_few_positives(func):
    return pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning")(func)


# ------------------------------------------ _fit_and_score_over_thresholds (private)


def test_curves_are_ordered_and_bounded():
    """Port of test_fit_and_score_over_thresholds_curve_scorers.

    Our curves list thresholds in decreasing order (each later one predicts more
    positives); the objective stays in [0, 1] for balanced accuracy.
    """
    X, y = make_classification(n_samples=100, random_state=0)
    model = tuned(
        LogisticRegression(), cv=[(np.arange(50), np.arange(50, 100))], refit=False
    )
    model.set_params(store_cv_results=True).fit(X, y)
    curve = model.cv_results_["curves"][1]
    assert np.all(curve.thresholds[:-1] > curve.thresholds[1:])
    assert np.logical_and(curve.scores >= 0, curve.scores <= 1).all()


def test_prefit_curve():
    """Port of test_fit_and_score_over_thresholds_prefit.

    A tree that memorised the data gives probabilities 0 and 1 only: the candidates
    are "nothing", >= 1 and >= 0, with balanced accuracies 0.5, 1 and 0.5 (ours
    includes both ends; scikit-learn's two-point grid has the first two).
    """
    X, y = make_classification(n_samples=100, random_state=0)
    classifier = DecisionTreeClassifier(random_state=0).fit(X, y)
    assert classifier.score(X[50:], y[50:]) == pytest.approx(1.0)
    model = tuned(classifier, cv="prefit", store_cv_results=True).fit(X[50:], y[50:])
    curve = model.cv_results_["curves"][1]
    assert np.all(curve.thresholds[:-1] > curve.thresholds[1:])
    assert_allclose(curve.scores[1:], [1.0, 0.5])
    assert model.best_score_ == 1.0


@config_context(enable_metadata_routing=True)
def test_sample_weight_equals_repetition():
    """Port of test_fit_and_score_over_thresholds_sample_weight.

    Weights 2 on class 0 and the repeated rows give the same model (up to the
    solver's tolerance), the same threshold and the same curve.
    """
    X, y = load_iris(return_X_y=True)
    X, y = X[:100], y[:100]
    X_repeated, y_repeated = np.vstack([X, X[y == 0]]), np.hstack([y, y[y == 0]])
    sample_weight = np.ones_like(y)
    sample_weight[:50] *= 2

    def model(n):
        everything = np.arange(n)
        return tuned(
            LogisticRegression().set_fit_request(sample_weight=True),
            cv=[(everything, everything)],
            refit=False,
            store_cv_results=True,
        )

    repeated = model(len(y_repeated)).fit(X_repeated, y_repeated)
    weighted = model(len(y)).fit(X, y, sample_weight=sample_weight)
    assert_allclose(best_threshold(weighted), best_threshold(repeated), rtol=1e-3)
    assert weighted.best_score_ == pytest.approx(repeated.best_score_)
    # Exactly, on the same scores: a frozen model, weights against repetition.
    frozen = LogisticRegression().fit(X, y, sample_weight=sample_weight)
    repeated = tuned(frozen, cv="prefit").fit(X_repeated, y_repeated)
    weighted = tuned(frozen, cv="prefit").fit(X, y, sample_weight=sample_weight)
    assert best_threshold(weighted) == best_threshold(repeated)
    assert weighted.best_score_ == repeated.best_score_


@pytest.mark.parametrize("fit_params_type", ["list", "array"])
@config_context(enable_metadata_routing=True)
def test_fit_params_reach_the_fold_models(fit_params_type):
    """Port of test_fit_and_score_over_thresholds_fit_params: fit parameters are
    routed to the model of the split."""
    X, y = make_classification(n_samples=100, random_state=0)
    convert = list if fit_params_type == "list" else np.asarray
    fit_params = {"a": convert(y), "b": convert(y)}
    classifier = CheckingClassifier(expected_fit_params=["a", "b"], random_state=0)
    classifier.set_fit_request(a=True, b=True)
    tuned(classifier, cv=[(np.arange(50), np.arange(50, 100))], refit=False).fit(
        X, y, **fit_params
    )


# ------------------------------------------------------- TunedThresholdClassifierCV


@ignore_few_positives
@pytest.mark.parametrize(
    "data",
    [
        make_classification(n_classes=3, n_clusters_per_class=1, random_state=0),
        make_multilabel_classification(random_state=0),
    ],
)
def test_problems_beyond_binary_are_supported(data):
    """Port of test_tuned_threshold_classifier_no_binary.

    Difference on purpose: scikit-learn refuses non-binary problems; ours tunes
    multiclass ratios and multilabel cut-offs.
    """
    X, y = data
    # A multilabel y needs one model per label (as scikit-learn's own tools).
    model = tuned(OneVsRestClassifier(LogisticRegression(max_iter=1000))).fit(X, y)
    assert np.shape(model.predict(X)) == np.shape(y)
    assert len(model.thresholds_) == len(model.classes_)


def test_several_folds_and_refit_false_conflict():
    """Port of test_tuned_threshold_classifier_conflict_cv_refit (cv=10)."""
    X, y = make_classification(n_samples=100, random_state=0)
    with pytest.raises(ValueError, match="refit=False keeps the model fitted on"):
        tuned(LogisticRegression(), cv=10, refit=False).fit(X, y)


def test_prefit_estimator_must_be_fitted():
    """Port of test_tuned_threshold_classifier_conflict_cv_refit (cv='prefit').

    ``cv="prefit", refit=True`` has no counterpart: a FrozenEstimator is never
    refit, whatever ``refit`` says.
    """
    X, y = make_classification(n_samples=100, random_state=0)
    with pytest.raises(NotFittedError, match="inside FrozenEstimator is not fitted"):
        tuned(LogisticRegression(), cv="prefit", refit=False).fit(X, y)


@pytest.mark.parametrize(
    "estimator",
    [LogisticRegression(), SVC(), GradientBoostingClassifier(n_estimators=4)],
)
@pytest.mark.parametrize(
    "response_method", ["predict_proba", "predict_log_proba", "decision_function"]
)
@pytest.mark.parametrize("make", [fixed, tuned])
def test_threshold_classifier_estimator_response_methods(
    make, estimator, response_method
):
    """Port of test_threshold_classifier_estimator_response_methods."""
    X, y = make_classification(n_samples=100, random_state=0)
    model = make(estimator)
    assert hasattr(model, response_method) == hasattr(estimator, response_method)
    model.fit(X, y)
    assert hasattr(model, response_method) == hasattr(estimator, response_method)
    if hasattr(model, response_method):
        assert_allclose(
            getattr(model, response_method)(X),
            getattr(model.estimator_, response_method)(X),
        )


@ignore_few_positives
@pytest.mark.parametrize(
    "response_method", ["auto", "decision_function", "predict_proba"]
)
def test_tuned_threshold_classifier_without_constraint_value(response_method):
    """Port of test_tuned_threshold_classifier_without_constraint_value.

    Our ``cv_results_`` holds one exact curve per class, not a grid of 100.
    """
    X, y = load_breast_cancer(return_X_y=True)
    X = X[:, :5]
    indices_pos = np.flatnonzero(y == 1)
    indices_pos = indices_pos[: indices_pos.size // 50]
    indices_neg = np.flatnonzero(y == 0)
    X = np.vstack([X[indices_neg], X[indices_pos]])
    y = np.hstack([y[indices_neg], y[indices_pos]])

    lr = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    model = tuned(
        lr,
        scoring="balanced_accuracy",
        response_method=response_method,
        store_cv_results=True,
    )
    score_optimized = balanced_accuracy_score(y, model.fit(X, y).predict(X))
    score_baseline = balanced_accuracy_score(y, lr.predict(X))
    assert score_optimized > score_baseline
    curve = model.cv_results_["curves"][1]
    assert curve.thresholds.shape == curve.scores.shape
    assert curve.best_score == pytest.approx(model.best_score_)


def test_tuned_threshold_classifier_metric_with_parameter():
    """Port of test_tuned_threshold_classifier_metric_with_parameter."""
    X, y = load_breast_cancer(return_X_y=True)
    lr = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
    model_fbeta_1 = tuned(lr, scoring=make_scorer(fbeta_score, beta=1)).fit(X, y)
    model_fbeta_2 = tuned(lr, scoring=make_scorer(fbeta_score, beta=2)).fit(X, y)
    model_f1 = tuned(lr, scoring=make_scorer(f1_score)).fit(X, y)
    assert best_threshold(model_fbeta_1) == pytest.approx(best_threshold(model_f1))
    assert best_threshold(model_fbeta_1) != pytest.approx(best_threshold(model_fbeta_2))


@pytest.mark.parametrize(
    "response_method", ["auto", "decision_function", "predict_proba"]
)
@pytest.mark.parametrize(
    "metric",
    [
        make_scorer(balanced_accuracy_score),
        make_scorer(f1_score, pos_label="cancer"),
    ],
)
def test_tuned_threshold_classifier_with_string_targets(response_method, metric):
    """Port of test_tuned_threshold_classifier_with_string_targets."""
    X, y = load_breast_cancer(return_X_y=True)
    classes = np.array(["cancer", "healthy"], dtype=object)
    y = classes[y]
    model = tuned(
        make_pipeline(StandardScaler(), LogisticRegression()),
        scoring=metric,
        response_method=response_method,
        thresholds=100,
    ).fit(X, y)
    assert_array_equal(model.classes_, np.sort(classes))
    y_pred = model.predict(X)
    assert_array_equal(np.unique(y_pred), np.sort(classes))
    if metric._kwargs.get("pos_label") == "cancer":
        assert model.pos_label_ == "cancer"


@pytest.mark.parametrize("with_sample_weight", [True, False])
@config_context(enable_metadata_routing=True)
def test_tuned_threshold_classifier_refit(with_sample_weight):
    """Port of test_tuned_threshold_classifier_refit.

    ``cv="prefit"`` is a FrozenEstimator: ``estimator_`` is the frozen wrapper,
    whose ``estimator`` is the caller's model, untouched.
    """
    rng = np.random.RandomState(GLOBAL_RANDOM_SEED)
    X, y = make_classification(n_samples=100, random_state=0)
    sample_weight = np.abs(rng.randn(X.shape[0])) if with_sample_weight else None
    scoring = get_scorer("balanced_accuracy").set_score_request(sample_weight=True)

    estimator = LogisticRegression().set_fit_request(sample_weight=True)
    model = tuned(estimator, refit=True, scoring=scoring).fit(
        X, y, sample_weight=sample_weight
    )
    assert model.estimator_ is not estimator
    estimator.fit(X, y, sample_weight=sample_weight)
    assert_allclose(model.estimator_.coef_, estimator.coef_)
    assert_allclose(model.estimator_.intercept_, estimator.intercept_)

    estimator = LogisticRegression().set_fit_request(sample_weight=True)
    estimator.fit(X, y, sample_weight=sample_weight)
    coef = estimator.coef_.copy()
    model = tuned(estimator, cv="prefit", refit=False, scoring=scoring).fit(
        X, y, sample_weight=sample_weight
    )
    assert model.estimator_.estimator is estimator
    assert_allclose(model.estimator_.estimator.coef_, coef)

    estimator = LogisticRegression().set_fit_request(sample_weight=True)
    cv = [(np.arange(50), np.arange(50, 100))]
    model = tuned(estimator, cv=cv, refit=False, scoring=scoring).fit(
        X, y, sample_weight=sample_weight
    )
    assert model.estimator_ is not estimator
    sw_train = sample_weight[cv[0][0]] if with_sample_weight else None
    estimator.fit(X[cv[0][0]], y[cv[0][0]], sample_weight=sw_train)
    assert_allclose(model.estimator_.coef_, estimator.coef_)


@pytest.mark.parametrize("fit_params_type", ["list", "array"])
@config_context(enable_metadata_routing=True)
def test_tuned_threshold_classifier_fit_params(fit_params_type):
    """Port of test_tuned_threshold_classifier_fit_params: every fold and the refit."""
    X, y = make_classification(n_samples=100, random_state=0)
    convert = list if fit_params_type == "list" else np.asarray
    fit_params = {"a": convert(y), "b": convert(y)}
    classifier = CheckingClassifier(expected_fit_params=["a", "b"], random_state=0)
    classifier.set_fit_request(a=True, b=True)
    tuned(classifier).fit(X, y, **fit_params)


@config_context(enable_metadata_routing=True)
def test_tuned_threshold_classifier_cv_zeros_sample_weights_equivalence():
    """Port of test_tuned_threshold_classifier_cv_zeros_sample_weights_equivalence."""
    X, y = load_iris(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    X = np.vstack((X[:40], X[50:90]))
    y = np.hstack((y[:40], y[50:90]))
    sample_weight = np.zeros_like(y)
    sample_weight[::2] = 1

    estimator = (
        LogisticRegression()
        .set_fit_request(sample_weight=True)
        .set_score_request(sample_weight=True)
    )
    model_without_weights = tuned(estimator, cv=2)
    model_with_weights = tuned(
        estimator,
        cv=2,
        scoring=get_scorer("balanced_accuracy").set_score_request(sample_weight=True),
    )
    model_with_weights.fit(X, y, sample_weight=sample_weight)
    model_without_weights.fit(X[::2], y[::2])

    assert_allclose(
        model_with_weights.estimator_.coef_, model_without_weights.estimator_.coef_
    )
    assert_allclose(
        model_with_weights.predict_proba(X), model_without_weights.predict_proba(X)
    )
    assert best_threshold(model_with_weights) == pytest.approx(
        best_threshold(model_without_weights)
    )


@pytest.mark.parametrize("store_cv_results", [True, False])
def test_tuned_threshold_classifier_store_cv_results(store_cv_results):
    """Port of test_tuned_threshold_classifier_store_cv_results."""
    X, y = make_classification(random_state=0)
    model = tuned(LogisticRegression(), store_cv_results=store_cv_results).fit(X, y)
    assert ("curves" in model.cv_results_) == store_cv_results


def test_tuned_threshold_classifier_cv_float():
    """Port of test_tuned_threshold_classifier_cv_float."""
    X, y = make_classification(random_state=0)
    test_size = 0.3
    estimator = LogisticRegression()
    model = tuned(estimator, cv=test_size, refit=False, random_state=0).fit(X, y)
    model.fit(X, y)
    cv = StratifiedShuffleSplit(n_splits=1, test_size=test_size, random_state=0)
    train_idx, _ = next(cv.split(X, y))
    cloned_estimator = clone(estimator).fit(X[train_idx], y[train_idx])
    assert_allclose(model.estimator_.coef_, cloned_estimator.coef_)

    model.set_params(refit=True).fit(X, y)
    cloned_estimator = clone(estimator).fit(X, y)
    assert_allclose(model.estimator_.coef_, cloned_estimator.coef_)


def test_tuned_threshold_classifier_constant_predictor_warns():
    """Port of test_tuned_threshold_classifier_error_constant_predictor.

    Difference on purpose: scikit-learn raises; ours follows its rule for a class
    that cannot be tuned -- a FewPositivesWarning naming it, the default threshold
    kept -- so that one such label does not stop a multilabel fit.
    """
    X, y = make_classification(random_state=0)
    model = tuned(
        DummyClassifier(strategy="constant", constant=1),
        response_method="predict_proba",
    )
    with pytest.warns(FewPositivesWarning, match="same for every sample"):
        model.fit(X, y)
    assert best_threshold(model) == 0.5


# --------------------------------------------------------- FixedThresholdClassifier


@pytest.mark.parametrize(
    "response_method", ["auto", "predict_proba", "decision_function"]
)
def test_fixed_threshold_classifier_equivalence_default(response_method):
    """Port of test_fixed_threshold_classifier_equivalence_default."""
    X, y = make_classification(random_state=0)
    classifier = LogisticRegression().fit(X, y)
    model = fixed(clone(classifier), response_method=response_method).fit(X, y)
    if response_method in ("auto", "predict_proba"):
        y_score, threshold = model.predict_proba(X)[:, 1], 0.5
    else:
        y_score, threshold = model.decision_function(X), 0.0
    assert_allclose(model.predict(X), (y_score >= threshold).astype(int))


@pytest.mark.parametrize(
    "response_method, threshold", [("predict_proba", 0.7), ("decision_function", 2.0)]
)
@pytest.mark.parametrize("pos_label", [0, 1])
def test_fixed_threshold_classifier(response_method, threshold, pos_label):
    """Port of test_fixed_threshold_classifier."""
    X, y = make_classification(n_samples=50, random_state=0)
    logistic_regression = LogisticRegression().fit(X, y)
    model = fixed(
        clone(logistic_regression),
        threshold=threshold,
        response_method=response_method,
        pos_label=pos_label,
    ).fit(X, y)
    assert_allclose(model.estimator_.coef_, logistic_regression.coef_)
    if response_method == "predict_proba":
        y_score = model.predict_proba(X)[:, pos_label]
    else:
        y_score = model.decision_function(X)
        y_score = y_score if pos_label == 1 else -y_score
    map_to_label = np.array([0, 1]) if pos_label == 1 else np.array([1, 0])
    y_pred_lr = map_to_label[(y_score >= threshold).astype(int)]
    assert_allclose(model.predict(X), y_pred_lr)
    for method in ("predict_proba", "predict_log_proba", "decision_function"):
        assert_allclose(
            getattr(model, method)(X), getattr(logistic_regression, method)(X)
        )
        assert_allclose(
            getattr(model.estimator_, method)(X),
            getattr(logistic_regression, method)(X),
        )


@config_context(enable_metadata_routing=True)
def test_fixed_threshold_classifier_metadata_routing():
    """Port of test_fixed_threshold_classifier_metadata_routing."""
    X, y = make_classification(random_state=0)
    sample_weight = np.ones_like(y)
    sample_weight[::2] = 2
    classifier = LogisticRegression().set_fit_request(sample_weight=True)
    classifier.fit(X, y, sample_weight=sample_weight)
    model = fixed(clone(classifier)).fit(X, y, sample_weight=sample_weight)
    assert_allclose(model.estimator_.coef_, classifier.coef_)


@pytest.mark.parametrize(
    "method", ["predict_proba", "decision_function", "predict", "predict_log_proba"]
)
def test_fixed_threshold_classifier_fitted_estimator(method):
    """Port of test_fixed_threshold_classifier_fitted_estimator.

    Difference on purpose: ours needs ``fit`` before predicting (it learns the
    label encoding there); with a FrozenEstimator that ``fit`` does not refit the
    model, which keeps its coefficients.
    """
    X, y = make_classification(random_state=0)
    classifier = LogisticRegression().fit(X, y)
    coef = classifier.coef_.copy()
    with pytest.raises(NotFittedError):
        getattr(fixed(FrozenEstimator(classifier)), method)(X)
    model = fixed(FrozenEstimator(classifier)).fit(X, y)
    getattr(model, method)(X)
    assert_array_equal(classifier.coef_, coef)


def test_fixed_threshold_classifier_classes_():
    """Port of test_fixed_threshold_classifier_classes_."""
    X, y = make_classification(random_state=0)
    with pytest.raises(AttributeError):
        fixed(LogisticRegression()).classes_
    classifier = LogisticRegression().fit(X, y)
    model = fixed(FrozenEstimator(classifier)).fit(X, y)
    assert_array_equal(model.classes_, classifier.classes_)


# ------------------------------------------------ beyond scikit-learn's test module


@pytest.mark.parametrize("response_method", ["predict_proba", "decision_function"])
@pytest.mark.parametrize("pos_label", ["cancer", "healthy"])
def test_thresholds_are_read_at_predict_time(response_method, pos_label):
    """Check set_params(threshold=..., pos_label=...) after fit as in scikit-learn."""
    X, y = load_breast_cancer(return_X_y=True)
    y = np.array(["cancer", "healthy"], dtype=object)[y]
    lr = make_pipeline(StandardScaler(), LogisticRegression())
    ours = fixed(lr, response_method=response_method).fit(X, y)
    theirs = FixedThresholdClassifier(
        lr, response_method=response_method, pos_label="healthy"
    ).fit(X, y)
    for threshold in [0.2, 0.9] if response_method == "predict_proba" else [-2, 3]:
        ours.set_params(threshold=threshold, pos_label=pos_label)
        theirs.set_params(threshold=threshold, pos_label=pos_label)
        assert_array_equal(ours.predict(X), theirs.predict(X))
        assert best_threshold(ours) == threshold


def test_exact_tuning_is_at_least_as_good_as_scikit_learns_grid():
    """Check our threshold against TunedThresholdClassifierCV's, on the same folds.

    scikit-learn's ``best_score_`` is a mean of per-fold scores at grid points; ours
    is the objective of the pooled out-of-fold scores at an exact optimum. Compared
    on the pooled out-of-fold scores, ours is at least as good.
    """
    from sklearn.model_selection import (
        StratifiedKFold,
        TunedThresholdClassifierCV,
        cross_val_predict,
    )

    X, y = load_breast_cancer(return_X_y=True)
    lr = make_pipeline(StandardScaler(), LogisticRegression())
    cv = StratifiedKFold(5)
    theirs = TunedThresholdClassifierCV(lr, cv=cv, scoring="f1").fit(X, y)
    ours = tuned(lr, cv=cv, scoring="f1").fit(X, y)
    oof = cross_val_predict(lr, X, y, cv=cv, method="predict_proba")[:, 1]
    ours_f1 = f1_score(y, oof >= best_threshold(ours))
    assert ours_f1 == pytest.approx(ours.best_score_)
    assert ours_f1 >= f1_score(y, oof >= theirs.best_threshold_)
    assert abs(best_threshold(ours) - theirs.best_threshold_) < 0.2
