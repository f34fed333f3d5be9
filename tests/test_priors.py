"""Class priors: re-weighting for a known shift, EM and BBSE for an unknown one.

Re-weighting is checked against its formula, as a round trip, on logits against
probabilities, and for every input form; estimation on a simulated label shift of a
well-specified (calibrated) model.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, logit, softmax
from sklearn.base import clone
from sklearn.datasets import make_multilabel_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.multiclass import OneVsRestClassifier

from sklabels import PriorEstimate, ProbabilisticLabelClassifier, decode
from sklabels._priors import em_priors, reweight
from sklabels._scores import MARGIN, PROBA, Scores

SEEDED = settings(derandomize=True, deadline=None, max_examples=50)
ABC = np.array(["a", "b", "c"])


def _gaussians(priors, n, seed, centers=((0, 0), (2.5, 0), (0, 2.5))):
    """Samples of a label-shift model: class k ~ N(center_k, I), drawn by priors."""
    rng = np.random.default_rng(seed)
    y = rng.choice(len(priors), size=n, p=priors)
    X = np.asarray(centers)[y] + rng.normal(size=(n, 2))
    return X, y


# ------------------------------------------------------------------ re-weighting
@SEEDED
@given(st.integers(0, 2**31), st.integers(2, 5))
def test_reweight_formula_and_round_trip(seed, k):
    """Check q = p pi'/pi renormalised, and that shifting back returns p."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.ones(k), 30)
    train, target = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))
    problem = "binary" if k == 2 else "multiclass"
    q = reweight(Scores(p, PROBA), problem, train, target).values
    want = p * target / train
    assert_allclose(q, want / want.sum(axis=1, keepdims=True))
    back = reweight(Scores(q, PROBA), problem, target, train).values
    assert_allclose(back, p, atol=1e-12)


@SEEDED
@given(st.integers(0, 2**31), st.sampled_from(["binary", "multiclass", "multilabel"]))
def test_reweight_logits_equal_probabilities(seed, problem):
    """Check that shifting logits equals re-weighting their probabilities."""
    rng = np.random.default_rng(seed)
    k = 2 if problem == "binary" else 3
    m = rng.normal(scale=3, size=(20, k))
    if problem == "binary":
        m = np.column_stack([-m[:, 1], m[:, 1]])
        proba = expit(m)
    elif problem == "multiclass":
        proba = softmax(m, axis=1)
    else:
        proba = expit(m)
    if problem == "multilabel":
        train, target = rng.uniform(0.05, 0.95, k), rng.uniform(0.05, 0.95, k)
    else:
        train, target = rng.dirichlet(np.ones(k)), rng.dirichlet(np.ones(k))
    by_logits = reweight(Scores(m, MARGIN, True), problem, train, target).values
    by_proba = reweight(Scores(proba, PROBA), problem, train, target).values
    as_proba = (
        softmax(by_logits, axis=1) if problem == "multiclass" else expit(by_logits)
    )
    assert_allclose(as_proba, by_proba, atol=1e-12)


def test_reweight_multilabel_per_label():
    """Check that each label is shifted as its own two-class problem."""
    p = np.array([[0.2, 0.9], [0.5, 0.5]])
    train, target = np.array([0.5, 0.1]), np.array([0.8, 0.1])
    q = reweight(Scores(p, PROBA), "multilabel", train, target).values
    on = 0.2 * 0.8 / 0.5
    off = 0.8 * 0.2 / 0.5
    assert_allclose(q[0, 0], on / (on + off))
    assert_allclose(q[:, 1], p[:, 1])  # unchanged prior: unchanged probability


def test_decode_priors_forms_agree():
    """Check array, dict (any order) and Series priors give the same labels."""
    p = np.random.default_rng(0).dirichlet(np.ones(3), 100)
    train = [0.6, 0.3, 0.1]
    want = decode(p, ABC, priors=[0.1, 0.3, 0.6], train_priors=train)
    for priors in (
        {"c": 0.6, "a": 0.1, "b": 0.3},
        pd.Series({"b": 0.3, "c": 0.6, "a": 0.1}),
        np.array([0.1, 0.3, 0.6]),
    ):
        assert_array_equal(decode(p, ABC, priors=priors, train_priors=train), want)
    shifted = p * np.array([0.1, 0.3, 0.6]) / np.array(train)
    assert_array_equal(want, ABC[np.argmax(shifted, axis=1)])


BAD_PRIORS = [
    ({"priors": [0.5, 0.5]}, ValueError, "2 values but there are 3 classes"),
    ({"priors": [0.5, 0.6, -0.1]}, ValueError, r"probabilities in \[0, 1\]"),
    ({"priors": [0.5, np.nan, 0.5]}, ValueError, r"probabilities in \[0, 1\]"),
    ({"priors": [0.5, 0.3, 0.3]}, ValueError, "must sum to 1"),
    ({"priors": {"a": 0.5, "z": 0.5}}, ValueError, r"not in classes: \['z'\]"),
    (
        {"priors": {"a": 0.5, "b": 0.5}},
        ValueError,
        r"does not give the prior of \['c'\]",
    ),
    ({"priors": ["x", 0.5, 0.5]}, TypeError, "must hold numbers"),
    ({"priors": "uniform"}, ValueError, "one probability per class"),
    ({"priors": [0.2, 0.3, 0.5], "train_priors": None}, ValueError, "train_priors"),
    (
        {"priors": [0.2, 0.3, 0.5], "train_priors": [0.5, 0.5, 0.0]},
        ValueError,
        r"training priors of \['c'\] are 0",
    ),
    ({"train_priors": [0.2, 0.3, 0.5]}, ValueError, "only apply with priors"),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_PRIORS)
def test_decode_bad_priors(kwargs, error, message):
    """Check that each bad priors input raises, naming the value and the fix."""
    if "priors" in kwargs:
        kwargs = {"train_priors": [0.3, 0.3, 0.4], **kwargs}
    with pytest.raises(error, match=message):
        decode([[0.2, 0.3, 0.5]], ABC, **kwargs)


# ------------------------------------------------------------------ estimator
def test_priors_fitted_from_y_and_given():
    """Check priors_ is the (weighted) class frequency of y, or train_priors."""
    X, y = _gaussians([0.5, 0.3, 0.2], 300, 0)
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    assert_allclose(clf.priors_, np.bincount(y) / len(y))
    weight = np.where(y == 0, 2.0, 1.0)
    weighted = clone(clf).fit(X, y, sample_weight=weight)
    assert_allclose(weighted.priors_, np.bincount(y, weights=weight) / weight.sum())
    frozen = ProbabilisticLabelClassifier(
        FrozenEstimator(clf.estimator_), train_priors={0: 0.2, 1: 0.3, 2: 0.5}
    ).fit(X[:50], y[:50])
    assert_allclose(frozen.priors_, [0.2, 0.3, 0.5])


def test_priors_read_at_predict_time():
    """Check that priors= re-weights predict_proba and predict, set after fit."""
    X, y = _gaussians([1 / 3] * 3, 300, 1)
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    raw = clf.predict_proba(X)
    clf.set_params(priors=[0.8, 0.1, 0.1])
    shifted = raw * np.array([0.8, 0.1, 0.1]) / clf.priors_
    shifted /= shifted.sum(axis=1, keepdims=True)
    assert_allclose(clf.predict_proba(X), shifted)
    assert_array_equal(clf.predict(X), np.argmax(shifted, axis=1))
    clf.set_params(priors=None)
    assert_allclose(clf.predict_proba(X), raw)


def test_priors_bad_in_fit():
    """Check bad priors raise in fit with the classes named."""
    X, y = _gaussians([1 / 3] * 3, 90, 1)
    clf = ProbabilisticLabelClassifier(LogisticRegression(), priors=[0.5, 0.5])
    with pytest.raises(ValueError, match="2 values but there are 3 classes"):
        clf.fit(X, y)


def test_priors_multilabel_dict_keeps_other_labels():
    """Check that a multilabel dict sets some labels; the others keep priors_."""
    X, Y = make_multilabel_classification(200, n_classes=3, random_state=0)
    clf = ProbabilisticLabelClassifier(
        OneVsRestClassifier(LogisticRegression(max_iter=500))
    ).fit(X, Y)
    raw = clf.predict_proba(X)
    clf.set_params(priors={1: 0.05})
    got = clf.predict_proba(X)
    assert_allclose(got[:, [0, 2]], raw[:, [0, 2]])
    assert (got[:, 1] <= raw[:, 1] + 1e-12).all()


# ------------------------------------------------------------------ estimation
@pytest.mark.parametrize("target", [[0.7, 0.2, 0.1], [0.1, 0.1, 0.8], [0.2, 0.6, 0.2]])
def test_em_recovers_shifted_priors(target):
    """Check that EM estimates simulated target priors within 0.03 on average and
    that the adapted model has better accuracy and log-loss there."""
    X, y = _gaussians([1 / 3] * 3, 3000, 0)
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    X_new, y_new = _gaussians(target, 3000, 1)
    adapted = clf.adapt_priors(X_new)
    estimate = adapted.prior_estimate_
    assert isinstance(estimate, PriorEstimate)
    assert estimate.converged and estimate.method == "em"
    assert np.abs(estimate.priors - target).mean() < 0.03
    assert clf.priors is None  # the original is unchanged
    assert accuracy_score(y_new, adapted.predict(X_new)) > accuracy_score(
        y_new, clf.predict(X_new)
    )
    assert log_loss(y_new, adapted.predict_proba(X_new)) < log_loss(
        y_new, clf.predict_proba(X_new)
    )


def test_bbse_recovers_shifted_priors():
    """Check BBSE from X_val/y_val, and from the out-of-fold scores of a tuned fit."""
    X, y = _gaussians([1 / 3] * 3, 3000, 2)
    X_val, y_val = _gaussians([1 / 3] * 3, 2000, 3)
    target = [0.6, 0.3, 0.1]
    X_new, _ = _gaussians(target, 4000, 4)
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    est = clf.adapt_priors(X_new, method="bbse", X_val=X_val, y_val=y_val)
    assert np.abs(est.prior_estimate_.priors - target).mean() < 0.03
    with pytest.raises(ValueError, match="pass X_val"):
        clf.adapt_priors(X_new, method="bbse")
    tuned = ProbabilisticLabelClassifier(
        LogisticRegression(), threshold="auto", scoring="accuracy"
    ).fit(X, y)
    from_folds = tuned.adapt_priors(X_new, method="bbse").prior_estimate_
    assert np.abs(from_folds.priors - target).mean() < 0.03


def test_adapt_priors_multilabel_and_bad_method():
    """Check multilabel EM (per label) runs and a bad method is named."""
    X, Y = make_multilabel_classification(300, n_classes=3, random_state=0)
    clf = ProbabilisticLabelClassifier(
        OneVsRestClassifier(LogisticRegression(max_iter=500))
    ).fit(X, Y)
    est = clf.adapt_priors(X).prior_estimate_
    assert est.priors.shape == (3,)
    assert ((est.priors >= 0) & (est.priors <= 1)).all()
    with pytest.raises(ValueError, match="method must be 'em'"):
        clf.adapt_priors(X, method="mle")


def test_em_no_shift_stays_put_and_reports_iterations():
    """Check EM on the training distribution stays near the training priors."""
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(3), 500)
    train = p.mean(axis=0)
    priors, n_iter, converged, history = em_priors(p, train, "multiclass")
    assert converged and n_iter == len(history)
    assert_allclose(priors, train, atol=1e-6)


def test_adapted_copy_clones_and_priors_in_repr():
    """Check the adapted copy is a normal estimator: clone keeps its priors."""
    X, y = _gaussians([1 / 3] * 3, 300, 5)
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    adapted = clf.adapt_priors(X[y == 0])
    assert adapted.estimator_ is clf.estimator_
    assert_allclose(clone(adapted).priors, adapted.priors)
    assert_allclose(
        adapted.prior_estimate_.as_dict()[0], adapted.prior_estimate_.priors[0]
    )


def test_priors_with_logit_scores_decode():
    """Check priors with from_logits=True equal priors on the probabilities."""
    m = np.random.default_rng(0).normal(size=(50, 3)) * 4
    kwargs = {"priors": [0.7, 0.2, 0.1], "train_priors": [0.2, 0.3, 0.5]}
    by_logits = decode(m, ABC, problem="multiclass", from_logits=True, **kwargs)
    by_proba = decode(softmax(m, axis=1), ABC, **kwargs)
    assert_array_equal(by_logits, by_proba)
    p = expit(m[:, 0])
    assert_array_equal(
        decode(
            logit(p),
            ["n", "y"],
            from_logits=True,
            priors=[0.9, 0.1],
            train_priors=[0.5, 0.5],
        ),
        decode(p, ["n", "y"], priors=[0.9, 0.1], train_priors=[0.5, 0.5]),
    )
