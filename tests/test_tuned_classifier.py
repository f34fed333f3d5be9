"""``ProbabilisticLabelClassifier(threshold="auto")``: tuning in ``fit``."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_iris,
    make_classification,
    make_multilabel_classification,
)
from sklearn.dummy import DummyClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import (
    GridSearchCV,
    KFold,
    LeaveOneOut,
    ParameterGrid,
    StratifiedKFold,
    cross_val_predict,
    cross_val_score,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sklabels import (
    ClassOrderWarning,
    FewPositivesWarning,
    ProbabilisticLabelClassifier,
    RecallAtPrecision,
    ThresholdCurve,
    UnreachableConstraintWarning,
    tune_thresholds,
)
from sklabels._reject import tune_reject


def model():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))


@pytest.fixture(scope="module")
def cancer():
    data = load_breast_cancer()
    return data.data, np.array(["benign", "malignant"])[1 - data.target]


@pytest.fixture(scope="module")
def iris():
    data = load_iris()
    return data.data, data.target_names[data.target]


@pytest.fixture(scope="module")
def multilabel():
    X, Y = make_multilabel_classification(
        n_samples=600, n_features=15, n_classes=5, random_state=0
    )
    return X, Y


def test_binary_auto_equals_tuning_the_out_of_fold_scores(cancer):
    """Check thresholds_ against tune_thresholds on cross_val_predict's scores."""
    X, y = cancer
    cv = StratifiedKFold(5)
    clf = ProbabilisticLabelClassifier(
        model(), threshold="auto", cv=cv, tuning="exact"
    ).fit(X, y)
    codes = (y == "malignant").astype(int)
    oof = cross_val_predict(model(), X, codes, cv=cv, method="predict_proba")
    expected = tune_thresholds(y, oof[:, 1], classes=["benign", "malignant"])
    assert clf.thresholds_ == pytest.approx(expected.thresholds)
    assert clf.best_score_ == pytest.approx(expected.best_score)
    assert clf.best_score_ >= expected.start_score
    # refit on all the data: the same model as fitting it directly
    direct = model().fit(X, codes)
    np.testing.assert_allclose(
        clf.estimator_.predict_proba(X), direct.predict_proba(X), rtol=1e-10
    )
    proba = clf.predict_proba(X)[:, 1]
    expected_labels = np.where(proba >= clf.thresholds_, "malignant", "benign")
    assert np.array_equal(clf.predict(X), expected_labels)


def test_multiclass_auto_never_below_argmax_on_the_tuning_data(iris):
    """Check best_score_ >= plain argmax on the out-of-fold scores, names predicted."""
    X, y = iris
    X = X[:, :2]  # a harder problem: argmax leaves room to improve
    cv = StratifiedKFold(5)
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(max_iter=1000), threshold="auto", cv=cv
    ).fit(X, y)
    codes = np.searchsorted(clf.classes_, y)
    oof = cross_val_predict(
        LogisticRegression(max_iter=1000), X, codes, cv=cv, method="predict_proba"
    )
    argmax_f1 = f1_score(codes, oof.argmax(axis=1), average="macro")
    tuned = np.argmax(oof / clf.thresholds_, axis=1)
    assert clf.best_score_ == pytest.approx(f1_score(codes, tuned, average="macro"))
    assert clf.best_score_ >= argmax_f1
    assert clf.thresholds_.shape == (3,) and np.all(clf.thresholds_ > 0)
    assert set(clf.predict(X)) <= set(clf.classes_)


def test_multilabel_macro_tunes_per_label_and_micro_shares_one(multilabel):
    """Check macro gives one threshold per label, micro one shared threshold."""
    X, Y = multilabel
    inner = OneVsRestClassifier(LogisticRegression(max_iter=1000))
    cv = KFold(5, shuffle=True, random_state=0)
    macro = ProbabilisticLabelClassifier(
        inner, threshold="auto", cv=cv, tuning="exact"
    ).fit(X, Y)
    micro = ProbabilisticLabelClassifier(inner, threshold="auto", average="micro")
    micro.fit(X, Y)
    assert macro.thresholds_.shape == (5,) and len(set(macro.thresholds_)) > 1
    assert np.all(micro.thresholds_ == micro.thresholds_[0])
    oof = cross_val_predict(inner, X, Y, cv=cv, method="predict_proba")
    expected = tune_thresholds(Y, oof, problem="multilabel")
    np.testing.assert_allclose(macro.thresholds_, expected.thresholds)
    default_f1 = f1_score(Y, (oof >= 0.5).astype(int), average="macro")
    assert macro.best_score_ >= default_f1
    assert macro.predict(X).shape == Y.shape


def test_multilabel_rows_sorted_by_label_still_tune_sensibly():
    """Check that int cv shuffles multilabel folds (regression: sorted rows).

    Unshuffled KFold over rows sorted by digit left training folds without a single
    positive of some labels; their constant out-of-fold scores tuned the threshold
    to ~0 and every sample got the label.
    """
    digits = load_digits()
    order = np.argsort(digits.target, kind="stable")
    X, d = digits.data[order], digits.target[order]
    Y = (d[:, None] == np.arange(10)).astype(int)
    clf = ProbabilisticLabelClassifier(
        OneVsRestClassifier(LogisticRegression(max_iter=2000)),
        problem="multilabel",
        threshold="auto",
        random_state=0,
    ).fit(X, Y)
    assert clf.best_score_ > 0.8
    assert clf.predict(X).sum(axis=1).mean() < 1.5  # not every label on
    again = clone(clf).fit(X, Y)
    np.testing.assert_array_equal(clf.thresholds_, again.thresholds_)


def test_frozen_estimator_is_not_refit_and_tunes_on_the_fit_data(iris):
    """Check the pre-trained path: no refit, thresholds from the data given to fit."""
    X, y = iris
    trained = LogisticRegression(max_iter=1000).fit(X[::2], y[::2])
    coef = trained.coef_.copy()
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(trained), threshold="auto", tuning="exact"
    )
    clf.fit(X[1::2], y[1::2])
    np.testing.assert_array_equal(trained.coef_, coef)
    assert clf.estimator_.estimator is trained
    expected = tune_thresholds(
        y[1::2], trained.predict_proba(X[1::2]), classes=trained.classes_
    )
    np.testing.assert_allclose(clf.thresholds_, expected.thresholds)


def test_sample_weight_reaches_the_inner_fit_and_the_sweep(cancer):
    """Check both uses of sample_weight against doing them by hand."""
    X, y = cancer
    weight = np.random.default_rng(0).choice([0.2, 1.0, 5.0], len(y))
    cv = StratifiedKFold(4)
    est = LogisticRegression(max_iter=5000)
    clf = ProbabilisticLabelClassifier(est, threshold="auto", cv=cv, tuning="exact")
    clf.fit(X, y, sample_weight=weight)
    codes = (y == "malignant").astype(int)
    oof = cross_val_predict(
        est, X, codes, cv=cv, method="predict_proba", params={"sample_weight": weight}
    )
    expected = tune_thresholds(
        y, oof[:, 1], classes=["benign", "malignant"], sample_weight=weight
    )
    assert clf.thresholds_ == pytest.approx(expected.thresholds)
    direct = clone(est).fit(X, codes, sample_weight=weight)
    np.testing.assert_allclose(clf.estimator_.coef_, direct.coef_, rtol=1e-6)
    unweighted = clone(clf).fit(X, y)
    assert unweighted.thresholds_ != pytest.approx(clf.thresholds_)


def test_random_state_makes_a_holdout_split_reproducible(cancer):
    """Check that a float cv with a fixed random_state gives identical results."""
    X, y = cancer
    make = lambda seed: ProbabilisticLabelClassifier(  # noqa: E731
        model(), threshold="auto", cv=0.3, random_state=seed
    ).fit(X, y)
    first, again = make(0), make(0)
    assert first.thresholds_ == again.thresholds_
    assert first.best_score_ == again.best_score_
    others = {make(seed).best_score_ for seed in range(1, 5)}
    assert len(others | {first.best_score_}) > 1  # the split does depend on the seed


def test_refit_false_keeps_the_single_split_model(cancer):
    """Check refit=False with a holdout, and its refusal with several folds."""
    X, y = cancer
    clf = ProbabilisticLabelClassifier(
        model(), threshold="auto", cv=0.25, refit=False, random_state=0
    ).fit(X, y)
    full = model().fit(X, (y == "malignant").astype(int))
    assert not np.allclose(clf.estimator_.predict_proba(X), full.predict_proba(X))
    with pytest.raises(ValueError, match="refit=False keeps the model"):
        ProbabilisticLabelClassifier(model(), threshold="auto", refit=False).fit(X, y)


def test_store_cv_results_keeps_one_curve_per_class(iris):
    """Check cv_results_ holds a curve per class consistent with thresholds_."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(max_iter=1000),
        threshold="auto",
        store_cv_results=True,
        tuning="exact",
    ).fit(X, y)
    assert list(clf.cv_results_["curves"]) == list(clf.classes_)
    for j, curve in enumerate(clf.cv_results_["curves"].values()):
        assert isinstance(curve, ThresholdCurve)
        assert curve.best_threshold == pytest.approx(clf.thresholds_[j])
        assert curve.scores.max() == pytest.approx(clf.best_score_)
    plain = ProbabilisticLabelClassifier(
        LogisticRegression(max_iter=1000), threshold="auto"
    ).fit(X, y)
    assert "curves" not in plain.cv_results_


def test_parallel_folds_give_the_same_result(cancer):
    """Check n_jobs=2 matches the sequential fit."""
    X, y = cancer
    one = ProbabilisticLabelClassifier(model(), threshold="auto").fit(X, y)
    two = ProbabilisticLabelClassifier(model(), threshold="auto", n_jobs=2).fit(X, y)
    assert one.thresholds_ == two.thresholds_


def test_decision_function_thresholds_are_margins(cancer):
    """Check a model without predict_proba is tuned in its own units."""
    X, y = cancer
    clf = ProbabilisticLabelClassifier(
        make_pipeline(StandardScaler(), LinearSVC()), threshold="auto"
    ).fit(X, y)
    assert clf.response_method_ == "decision_function"
    margin = clf.decision_function(X)
    expected = np.where(margin >= clf.thresholds_, "malignant", "benign")
    assert np.array_equal(clf.predict(X), expected)


def test_constraint_objective_in_the_classifier(cancer):
    """Check RecallAtPrecision: the out-of-fold precision meets the floor."""
    X, y = cancer
    clf = ProbabilisticLabelClassifier(
        model(),
        threshold="auto",
        scoring=RecallAtPrecision(0.98),
        cv=StratifiedKFold(5),
    ).fit(X, y)
    codes = (y == "malignant").astype(int)
    oof = cross_val_predict(
        model(), X, codes, cv=StratifiedKFold(5), method="predict_proba"
    )[:, 1]
    pred = oof >= clf.thresholds_
    assert np.sum(pred & (codes == 1)) / np.sum(pred) >= 0.98


def best_by_cross_validation(estimator, grid, X, y, **kwargs):
    """The parameters of ``grid`` with the best mean ``cross_val_score``."""
    candidates = list(ParameterGrid(grid))
    means = [
        cross_val_score(clone(estimator).set_params(**params), X, y, **kwargs).mean()
        for params in candidates
    ]
    return candidates[int(np.argmax(means))]


def test_grid_search_over_inner_parameters_with_auto(cancer):
    """Check GridSearchCV picks the best C with tuned thresholds, and the best value."""
    X, y = cancer
    clf = ProbabilisticLabelClassifier(model(), threshold="auto", cv=3)
    inner = {"estimator__logisticregression__C": [1.0, 0.1]}  # the best not first
    grid = GridSearchCV(clf, inner, cv=3, scoring="f1_macro").fit(X, y)
    assert grid.best_estimator_.thresholds_ > 0
    assert grid.best_params_ == best_by_cross_validation(
        clf, inner, X, y, cv=3, scoring="f1_macro"
    )
    plain = ProbabilisticLabelClassifier(model())
    values = {"threshold": [0.3, 0.5, 0.7, "auto"]}
    fixed = GridSearchCV(plain, values, cv=3, scoring="f1_macro").fit(X, y)
    assert fixed.best_params_ == best_by_cross_validation(
        plain, values, X, y, cv=3, scoring="f1_macro"
    )


def test_rare_labels_warn_about_overfitting():
    """Check the few-positives warning names the label and the alternatives."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] > 2.4]).astype(int)  # rare second label
    assert 0 < Y[:, 1].sum() < 10
    clf = ProbabilisticLabelClassifier(
        OneVsRestClassifier(LogisticRegression()), threshold="auto", cv=3
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Label not 1 is present", UserWarning)
        with pytest.warns(FewPositivesWarning, match="average='micro'"):
            clf.fit(X, Y)


@pytest.mark.parametrize(
    ("params", "error", "match"),
    [
        ({"scoring": "f2"}, ValueError, "scoring"),
        ({"average": "weighted"}, ValueError, "average"),
        ({"cv": 1.5}, ValueError, "cv"),
        ({"threshold": "tuned"}, ValueError, "threshold"),
    ],
)
def test_bad_tuning_parameters(iris, params, error, match):
    """Check parameter validation names the parameter."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(max_iter=1000), threshold="auto"
    ).set_params(**params)
    with pytest.raises(error, match=match):
        clf.fit(X, y)


def test_multiclass_constraint_is_refused_before_any_fit(iris):
    """Check the multiclass refusal comes before fitting anything."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(max_iter=1000),
        threshold="auto",
        scoring=RecallAtPrecision(0.9),
    )
    with pytest.raises(ValueError, match="binary problem"):
        clf.fit(X, y)
    assert not hasattr(clf, "estimator_")


def test_refitting_without_auto_drops_tuning_attributes(iris):
    """Check that best_score_/cv_results_ do not survive a fit with fixed thresholds."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(max_iter=1000), threshold="auto", store_cv_results=True
    ).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.set_params(threshold=None).fit(X, y)
    assert not hasattr(clf, "best_score_") and not hasattr(clf, "cv_results_")


@pytest.fixture(scope="module")
def digits_split():
    X, y = load_digits(return_X_y=True)
    names = np.array([f"digit-{d}" for d in range(10)])[y]
    return X[:1200] / 16, names[:1200], X[1200:] / 16, names[1200:]


def reject_model(**params):
    return ProbabilisticLabelClassifier(
        LogisticRegression(C=0.05, max_iter=2000),
        reject_threshold="auto",
        reject_label="unsure",
        cv=StratifiedKFold(5),
        **params,
    )


def test_reject_coverage_answers_at_least_that_share_out_of_fold(digits_split):
    """Check reject_coverage against the out-of-fold winning probabilities."""
    X, y, X_test, y_test = digits_split
    clf = reject_model(reject_coverage=0.9).fit(X, y)
    classes = clf.classes_
    codes = np.searchsorted(classes, y)
    oof = cross_val_predict(
        LogisticRegression(C=0.05, max_iter=2000),
        X,
        codes,
        cv=StratifiedKFold(5),
        method="predict_proba",
    )
    confidence, right = oof.max(axis=1), oof.argmax(axis=1) == codes
    answered = confidence >= clf.reject_threshold_
    assert answered.mean() >= 0.9
    # Of all thresholds answering at least 90%, none is more accurate; of the
    # equally accurate ones, none answers more.
    cuts = [c for c in np.unique(confidence) if np.mean(confidence >= c) >= 0.9]
    accuracy = {c: right[confidence >= c].mean() for c in cuts}
    best = max(accuracy.values())
    assert right[answered].mean() == best
    assert answered.sum() == max(
        np.sum(confidence >= c) for c in cuts if accuracy[c] == best
    )
    pred = clf.predict(X_test)
    assert 0.8 < np.mean(pred != "unsure") < 1.0
    answered_test = pred != "unsure"
    plain = ProbabilisticLabelClassifier(LogisticRegression(C=0.05, max_iter=2000)).fit(
        X, y
    )
    assert np.mean(pred[answered_test] == y_test[answered_test]) > plain.score(
        X_test, y_test
    )


def test_reject_accuracy_reaches_the_target_with_least_abstention(digits_split):
    """Check reject_accuracy on the held-out folds, and its unreachable warning."""
    X, y, _, _ = digits_split
    clf = reject_model(reject_accuracy=0.99).fit(X, y)
    codes = np.searchsorted(clf.classes_, y)
    oof = cross_val_predict(
        LogisticRegression(C=0.05, max_iter=2000),
        X,
        codes,
        cv=StratifiedKFold(5),
        method="predict_proba",
    )
    confidence, right = oof.max(axis=1), oof.argmax(axis=1) == codes
    answered = confidence >= clf.reject_threshold_
    assert right[answered].mean() >= 0.99
    lower = confidence[confidence < clf.reject_threshold_].max()
    more = confidence >= lower  # answering one more confidence level misses it
    assert right[more].mean() < 0.99
    # the most confident answer is wrong: no threshold reaches accuracy 1
    with pytest.warns(UnreachableConstraintWarning, match="best reachable is 0.6667"):
        threshold, coverage, reached = tune_reject(
            np.array([0.9, 0.8, 0.7]), np.array([False, True, True]), accuracy=1.0
        )
    assert threshold == 0.0 and coverage == 1.0 and reached == pytest.approx(2 / 3)


def test_reject_auto_needs_exactly_one_target(digits_split):
    """Check the reject target is validated before fitting."""
    X, y, _, _ = digits_split
    with pytest.raises(ValueError, match="exactly one of reject_coverage"):
        reject_model().fit(X, y)
    with pytest.raises(ValueError, match="exactly one of reject_coverage"):
        reject_model(reject_coverage=0.9, reject_accuracy=0.9).fit(X, y)
    with pytest.raises(ValueError, match="only apply with reject_threshold='auto'"):
        ProbabilisticLabelClassifier(
            LogisticRegression(), reject_coverage=0.9, reject_label="?"
        ).fit(X, y)


# ------------------------------------------------ what cannot be tuned, and fallbacks


@pytest.mark.parametrize(
    ("dummy", "label"),
    [
        # The inner model sees codes: 1 is "malignant", 0 "benign".
        (DummyClassifier(strategy="constant", constant=1), "malignant"),
        (DummyClassifier(strategy="constant", constant=0), "benign"),
        # Constant within each fold, but the folds' priors differ slightly.
        (DummyClassifier(strategy="prior"), "benign"),
    ],
)
def test_constant_predictor_is_not_tuned(cancer, dummy, label):
    """Check that constant out-of-fold scores warn and keep the default threshold."""
    X, y = cancer
    clf = ProbabilisticLabelClassifier(dummy, threshold="auto")
    with pytest.warns(FewPositivesWarning, match="'malignant' are the same for every"):
        clf.fit(X, y)
    assert clf.thresholds_ == 0.5
    assert set(clf.predict(X)) == {label}


@pytest.mark.parametrize("tuning", ["exact", "robust"])
@pytest.mark.parametrize("strategy", ["prior", "stratified-constant"])
def test_constant_predictor_under_leave_one_out_is_not_tuned(tuning, strategy):
    """Check that a constant predictor under leave-one-out warns and keeps the
    default: its out-of-fold scores differ only through the row left out (the
    others' prior, lower for a positive row), which is no ranking to tune on."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = (rng.random(60) < 0.3).astype(int)
    dummy = (
        DummyClassifier(strategy="prior")
        if strategy == "prior"
        else DummyClassifier(strategy="constant", constant=1)
    )
    clf = ProbabilisticLabelClassifier(
        dummy, threshold="auto", cv=LeaveOneOut(), tuning=tuning
    )
    with pytest.warns(FewPositivesWarning, match="are the same for every"):
        clf.fit(X, y)
    assert clf.thresholds_ == 0.5


@pytest.mark.parametrize("tuning", ["exact", "robust"])
def test_leave_one_out_tunes_on_the_pooled_out_of_fold_scores(tuning):
    """Check that cv=LeaveOneOut() tunes as the pooled out-of-fold scores do."""
    X, y = make_classification(
        n_samples=40, n_features=4, weights=[0.7], random_state=0
    )
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(), threshold="auto", cv=LeaveOneOut(), tuning=tuning
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewPositivesWarning)  # no "constant scores"
        clf.fit(X, y)
    oof = cross_val_predict(
        LogisticRegression(), X, y, cv=LeaveOneOut(), method="predict_proba"
    )
    expected = tune_thresholds(y, oof[:, 1], tuning=tuning)
    assert clf.thresholds_ == pytest.approx(expected.thresholds)
    assert clf.thresholds_ != 0.5
    assert clf.best_score_ == pytest.approx(expected.best_score)
    if tuning == "robust":  # judged on seeded folds, not on 40 folds of one row
        assert clf.cv_results_["n_folds"] == 5


@pytest.mark.parametrize(
    ("keep", "cv", "match"),
    [
        # Rows sorted by class: each training part lacks the class held out.
        (slice(None), KFold(3), "cv fold 1 of 3: .* class 'setosa' \\(50 in y\\)"),
        (slice(0, 100), KFold(2), "cv fold 1 of 2: .* class 'setosa' \\(50 in y\\)"),
    ],
)
def test_training_fold_missing_a_class_is_refused(iris, keep, cv, match):
    """Check that a cv fold missing a class names the fold, the class and the fix."""
    X, y = iris
    clf = ProbabilisticLabelClassifier(model(), threshold="auto", cv=cv)
    with pytest.raises(ValueError, match=match + ".*StratifiedKFold.*fewer splits"):
        clf.fit(X[keep], y[keep])


def test_constant_multiclass_predictor_keeps_argmax(iris):
    """Check a constant multiclass predictor: a warning, plain argmax kept."""
    X, y = iris
    keep = np.r_[0:50, 50:70, 100:150]  # imbalanced: another constant class would win
    clf = ProbabilisticLabelClassifier(
        DummyClassifier(strategy="constant", constant=1), threshold="auto"
    )
    with pytest.warns(FewPositivesWarning, match="multiclass ratios keep the default"):
        clf.fit(X[keep], y[keep])
    assert_array_equal(clf.thresholds_, [0.5, 0.5, 0.5])
    assert set(clf.predict(X)) == {"versicolor"}


def test_unreachable_constraint_in_the_classifier_reports_what_is_achieved(cancer):
    """Check best_score_ and cv_results_ under an unreachable floor: finite values."""
    X, y = cancer
    codes = (y == "malignant").astype(int)
    # A frozen model trained on flipped labels: its top scores are all negatives.
    flipped = model().fit(X, 1 - codes)
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(flipped),
        classes=["benign", "malignant"],
        threshold="auto",
        scoring=RecallAtPrecision(0.99),
        store_cv_results=True,
    )
    # The flipped model also reads like classes= in the wrong order, and says so.
    with (
        pytest.warns(UnreachableConstraintWarning, match="recall there"),
        pytest.warns(ClassOrderWarning, match="malignant', 'benign"),
    ):
        clf.fit(X, y)
    assert np.isfinite(clf.best_score_)
    assert clf.cv_results_["curves"]["malignant"].best_score == clf.best_score_
    pred = flipped.predict_proba(X)[:, 1] >= clf.thresholds_
    assert clf.best_score_ == pytest.approx(np.sum(pred & (codes == 1)) / codes.sum())
