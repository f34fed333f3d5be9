"""Certified floors through the public API, and fold-averaged tuning as a strategy.

The simulated population (as in test_certify.py): s ~ U(0, 1), P(y = 1 | s) = s**2,
so that at the rule ``s >= t`` the precision is (1 + t + t**2) / 3 and the recall
1 - t**3.
"""

import warnings

import numpy as np
import pytest
from scipy.special import logit
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.multiclass import OneVsRestClassifier

from sklabels import (
    AtLeast,
    CertificateScopeWarning,
    NotCertifiedWarning,
    PrecisionAtRecall,
    ProbabilisticLabelClassifier,
    RecallAtPrecision,
    certify_cut,
    certify_reject,
    decode,
    tune_thresholds,
)
from sklabels._fold_average import tune_fold_average
from sklabels._objectives import f1

DRAWS = 150


def _precision(t):
    return (1 + t + t * t) / 3


def _allowed(alpha, draws=DRAWS):
    """The violation rate a valid procedure may show: alpha plus 3 binomial SDs."""
    return alpha + 3 * np.sqrt(alpha * (1 - alpha) / draws)


def _draw(rng, n, width=None):
    shape = (n,) if width is None else (n, width)
    s = rng.uniform(size=shape)
    return s, (rng.uniform(size=shape) < s**2).astype(int)


def _quietly(function, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return function(*args, **kwargs)


def _violates(threshold, floor):
    """Whether the rule ``s >= threshold`` has population precision below floor."""
    return bool(np.isfinite(threshold) and _precision(threshold) < floor)


def test_tune_thresholds_certified_floor_holds_where_exact_tuning_does_not():
    """Check that tune_thresholds with a confidence violates the precision floor in
    at most 1 - confidence of the draws, while the exact floor violates it often."""
    floor, confidence = 0.8, 0.9
    rng = np.random.default_rng(0)
    ours, plain = [], []
    for _ in range(DRAWS):
        s, y = _draw(rng, 1000)
        certified = RecallAtPrecision(floor, confidence=confidence)
        result = _quietly(tune_thresholds, y, s, classes=[0, 1], scoring=certified)
        ours.append(_violates(result.thresholds, floor))
        exact = _quietly(
            tune_thresholds, y, s, classes=[0, 1], scoring=RecallAtPrecision(floor)
        )
        plain.append(_violates(exact.thresholds, floor))
    assert np.mean(ours) <= _allowed(1 - confidence)
    assert np.mean(plain) > 0.4


def test_tune_thresholds_joint_floor_holds_for_all_labels_together():
    """Check that joint=True keeps the chance that any label violates its floor at
    most 1 - confidence, and that the result carries one certificate per label."""
    floor, confidence = 0.8, 0.9
    rng = np.random.default_rng(1)
    scoring = RecallAtPrecision(floor, confidence=confidence, joint=True)
    any_violation = []
    for _ in range(60):
        s, y = _draw(rng, 1000, width=3)
        result = _quietly(tune_thresholds, y, s, problem="multilabel", scoring=scoring)
        assert sorted(result.certificates) == [0, 1, 2]
        any_violation.append(any(_violates(t, floor) for t in result.thresholds))
    assert np.mean(any_violation) <= _allowed(1 - confidence, 60)


def test_estimator_with_frozen_model_certifies_the_deployed_model():
    """Check that a FrozenEstimator certified on validation rows meets the floor on
    the population at the stated rate, where the exact floor fails about half the
    time; certificates_ holds the certificate."""
    floor, confidence = 0.8, 0.9
    rng = np.random.default_rng(2)
    x_train, y_train = _draw(rng, 2000)
    model = LogisticRegression().fit(x_train[:, None], y_train)
    a, b = model.coef_[0, 0], model.intercept_[0]

    def population_precision(threshold):  # the cut on p, as a cut on x
        if not np.isfinite(threshold):
            return 1.0
        return _precision(np.clip((logit(threshold) - b) / a, 0, 1))

    ours, plain = [], []
    for _ in range(60):
        x, y = _draw(rng, 1000)
        certified = ProbabilisticLabelClassifier(
            FrozenEstimator(model),
            threshold="auto",
            scoring=RecallAtPrecision(AtLeast(floor, confidence=confidence)),
        )
        _quietly(certified.fit, x[:, None], y)
        assert certified.certificates_[1].confidence == confidence
        ours.append(population_precision(certified.thresholds_) < floor)
        exact = clone(certified).set_params(scoring=RecallAtPrecision(floor))
        _quietly(exact.fit, x[:, None], y)
        plain.append(population_precision(exact.thresholds_) < floor)
    assert np.mean(ours) <= _allowed(1 - confidence, 60)
    assert np.mean(plain) > 0.3


def test_certified_floor_confidence_forms_are_the_same():
    """Check that the confidence as a keyword and inside AtLeast are one objective,
    and that a plain floor keeps its meaning (no certificate)."""
    assert RecallAtPrecision(0.9, confidence=0.95) == RecallAtPrecision(
        AtLeast(0.9, confidence=0.95)
    )
    assert RecallAtPrecision(0.9) != RecallAtPrecision(0.9, confidence=0.95)
    assert repr(PrecisionAtRecall(0.8, confidence=0.95)) == (
        "PrecisionAtRecall(min_recall=0.8, confidence=0.95)"
    )
    s, y = _draw(np.random.default_rng(3), 500)
    assert tune_thresholds(y, s, scoring=RecallAtPrecision(0.6)).certificates is None


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(min_precision=0.9, joint=True), "joint=True needs a confidence"),
        (
            dict(min_precision=AtLeast(0.9, confidence=0.9), confidence=0.95),
            "gives the confidence twice",
        ),
        (dict(min_precision=0.9, confidence=1.5), "confidence must be a number"),
    ],
)
def test_certified_objective_refuses_bad_arguments(kwargs, message):
    """Check that a certified objective's bad arguments raise a one-line error."""
    with pytest.raises(ValueError, match=message):
        RecallAtPrecision(**kwargs)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(problem="multilabel", average="micro"), "average='micro'"),
        (dict(problem="multiclass"), "one versus the rest.*reject_accuracy"),
    ],
)
def test_tune_thresholds_certified_refuses_what_it_cannot_cover(kwargs, message):
    """Check that micro averaging and multiclass ratios are refused."""
    rng = np.random.default_rng(4)
    if kwargs.get("problem") == "multiclass":
        s = rng.dirichlet([1, 1, 1], size=300)
        y = rng.integers(0, 3, size=300)
    elif kwargs.get("problem") == "multilabel":
        s, y = _draw(rng, 300, width=3)
    else:
        s, y = _draw(rng, 300)
    with pytest.raises(ValueError, match=message):
        tune_thresholds(y, s, scoring=RecallAtPrecision(0.8, confidence=0.9), **kwargs)


def test_nothing_certified_gives_never_positive_even_at_probability_one():
    """Check that where no cut is certified the threshold is inf with a
    NotCertifiedWarning, and that a probability of exactly 1.0 stays negative."""
    s, y = _draw(np.random.default_rng(5), 30)
    with pytest.warns(NotCertifiedWarning):
        result = tune_thresholds(y, s, scoring=RecallAtPrecision(0.99, confidence=0.95))
    assert result.thresholds == np.inf
    assert not result.certificates[1].certified
    labels = decode([0.2, 1.0], [0, 1], threshold=result.thresholds, pos_label=1)
    assert labels.tolist() == [0, 0]


def test_certified_recall_floor_from_logits_gives_the_probability_cut():
    """Check that logits are certified through probabilities: the same cut."""
    s, y = _draw(np.random.default_rng(6), 2000)
    scoring = PrecisionAtRecall(0.8, confidence=0.9)
    on_proba = tune_thresholds(y, s, scoring=scoring)
    on_logits = tune_thresholds(y, logit(s), from_logits=True, scoring=scoring)
    assert on_proba.certificates[1].certified
    assert on_logits.thresholds == pytest.approx(on_proba.thresholds)


def test_estimator_certified_reject_level_and_scope_warning():
    """Check that reject_accuracy=AtLeast(..., confidence=...) certifies the reject
    level as certify_reject does, and that a refit on all rows warns."""
    rng = np.random.default_rng(7)
    x, y = _draw(rng, 3000)
    X = x[:, None]
    model = LogisticRegression().fit(X[:1500], y[:1500])
    target = AtLeast(0.9, confidence=0.9)
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(model),
        reject_threshold="auto",
        reject_accuracy=target,
        reject_label=-1,
    ).fit(X[1500:], y[1500:])
    expected = certify_reject(
        model.predict_proba(X[1500:]), y[1500:], floor=0.9, confidence=0.9
    )
    assert clf.reject_certificate_ == expected
    with pytest.warns(CertificateScopeWarning, match="refit on all the data"):
        clone(clf).set_params(estimator=LogisticRegression()).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", CertificateScopeWarning)
        held_out = ProbabilisticLabelClassifier(
            LogisticRegression(),
            threshold="auto",
            scoring=RecallAtPrecision(0.8, confidence=0.9),
            cv=0.5,
            refit=False,
        )
        fitted = held_out.fit(X, y)
    assert fitted.certificates_[1].certified


@pytest.mark.parametrize("tuning", ["fold_average", "robust"])
@pytest.mark.parametrize("problem", ["binary", "multilabel"])
def test_fold_average_tuning_equals_tune_fold_average_on_the_same_folds(
    problem, tuning
):
    """Check that tuning="fold_average" picks the thresholds tune_fold_average picks
    on each fold model's scores of its own held-out rows, and tuning="robust" what
    tune_thresholds(tuning="robust") picks on the out-of-fold scores (the bagged
    cut: their order does not matter)."""
    rng = np.random.default_rng(8)
    X = rng.normal(size=(300, 4))
    width = 1 if problem == "binary" else 3
    logits = X[:, :width] + 0.8 * rng.normal(size=(300, width))
    Y = (logits > 0.6).astype(int)
    y = Y[:, 0] if problem == "binary" else Y
    inner = LogisticRegression()
    if problem == "multilabel":
        inner = OneVsRestClassifier(LogisticRegression())
    cv = KFold(3, shuffle=True, random_state=0)
    clf = ProbabilisticLabelClassifier(
        inner, threshold="auto", tuning=tuning, cv=cv
    ).fit(X, y)
    fold_scores, fold_truth = [], []
    for train, test in cv.split(X, y):
        proba = clone(inner).fit(X[train], y[train]).predict_proba(X[test])
        fold_scores.append(proba[:, 1:] if problem == "binary" else proba)
        fold_truth.append(Y[test])
    expected = tune_fold_average(
        fold_scores, fold_truth, objective=f1, name="f1", proba=True, problem=problem
    ).thresholds
    if tuning == "robust":  # bagged on the pooled out-of-fold rows, in any order
        pooled = np.concatenate(fold_scores)
        expected = tune_thresholds(
            np.concatenate(fold_truth)[:, 0]
            if problem == "binary"
            else np.concatenate(fold_truth),
            pooled[:, 0] if problem == "binary" else pooled,
            tuning="robust",
        ).thresholds
    np.testing.assert_allclose(np.atleast_1d(clf.thresholds_), expected)
    assert clf.cv_results_["tuning"] == tuning


def test_fold_average_tuning_refuses_multiclass():
    """Check that tuning="fold_average" on a multiclass problem is refused."""
    rng = np.random.default_rng(9)
    X, y = rng.normal(size=(90, 3)), np.repeat([0, 1, 2], 30)
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(), threshold="auto", tuning="fold_average"
    )
    with pytest.raises(ValueError, match=r"tuning='fold_average'.*multiclass"):
        clf.fit(X, y)


@pytest.mark.parametrize("order", [[2, 0, 1], [1, 2, 0]])
@pytest.mark.parametrize("frame", [False, True])
def test_certified_multilabel_cuts_follow_the_labels(order, frame):
    """Check that labels permuted with their names (array or DataFrame) move their
    certified cuts with them, unchanged."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(7)
    s = rng.random((3000, 3))
    y = (rng.random((3000, 3)) < s**2).astype(int)
    names = np.array(["a", "b", "c"])
    scoring = RecallAtPrecision(0.8, confidence=0.9)
    base = tune_thresholds(y, s, classes=names, problem="multilabel", scoring=scoring)
    if frame:  # named columns in another order, read by name: same as given
        scores = pd.DataFrame(s[:, order], columns=names[order])
        moved = tune_thresholds(
            y, scores, classes=names, problem="multilabel", scoring=scoring
        )
        assert np.array_equal(moved.thresholds, base.thresholds)
        return
    given = names[order]
    moved = tune_thresholds(
        y[:, order], s[:, order], classes=given, problem="multilabel", scoring=scoring
    )
    expected = dict(zip(names, base.thresholds, strict=True))
    assert dict(zip(given, moved.thresholds, strict=True)) == expected


def test_weighted_rows_are_certified_by_hoeffding_bentkus():
    """Check tune_thresholds and the estimator certify a floor on weighted rows
    with Hoeffding--Bentkus p-values: the cut certify_cut gives on the same rows
    and weights, reported as such."""
    rng = np.random.default_rng(11)
    s, y = _draw(rng, 2000)
    w = 1.0 + 2.0 * y
    objective = RecallAtPrecision(0.85, confidence=0.9)
    result = tune_thresholds(y, s, classes=[0, 1], scoring=objective, sample_weight=w)
    certificate = result.certificates[1]
    direct = certify_cut(s, y, floor=0.85, confidence=0.9, sample_weight=w)
    assert certificate.test == "hoeffding-bentkus" and certificate.certified
    assert result.thresholds == direct.threshold
    X = logit(s)[:, None]
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(LogisticRegression().fit(X, y)),
        threshold="auto",
        scoring=objective,
    ).fit(X, y, sample_weight=w)
    assert clf.certificates_[1].test == "hoeffding-bentkus"
