"""Regressions in costs and priors: silent wrong results and tracebacks.

Certain priors (0 or 1) stay certain, equal priors change nothing, lengths are
checked before any arithmetic, zero weights never move the cost offsets, copies
share no parameter, and messages name only what the user can pass.
"""

import matplotlib
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from scipy.special import logit
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from sklabels import (
    CostCurveDisplay,
    CostMatrix,
    ProbabilisticLabelClassifier,
    decode,
)
from sklabels._multiclass import tune_cost_offsets

matplotlib.use("Agg")

SEEDED = settings(derandomize=True, deadline=None, max_examples=60)
COSTS = [[0, 1], [5, 0]]


@pytest.fixture(scope="module")
def binary():
    X, y = make_classification(200, n_features=6, random_state=0)
    clf = ProbabilisticLabelClassifier(LogisticRegression(), costs=COSTS).fit(X, y)
    return X, y, clf


def _indicator(labels, names):
    return np.array([[n in row for n in names] for row in labels])


@st.composite
def _multilabel_shift(draw):
    """Probabilities, training priors with some 0s and 1s, and deployment priors
    that differ only on labels whose training prior is neither."""
    n, k = draw(st.integers(1, 12)), draw(st.integers(1, 4))
    unit = st.floats(0.01, 0.99)
    p = np.array(draw(st.lists(unit, min_size=n * k, max_size=n * k))).reshape(n, k)
    train = np.array(
        draw(st.lists(st.sampled_from([0.0, 1.0, 0.3, 0.7]), min_size=k, max_size=k))
    )
    moved = draw(st.lists(st.booleans(), min_size=k, max_size=k))
    target = train.copy()
    for j in range(k):
        if moved[j] and 0 < train[j] < 1:
            target[j] = draw(st.floats(0.05, 0.95))
    return p, train, target


@SEEDED
@given(_multilabel_shift())
def test_multilabel_priors_certain_and_unnamed_labels_unchanged(case):
    """Check that a label whose priors are equal (certain ones included) keeps its
    decisions, on probabilities and logits alike, and equal priors change nothing."""
    p, train, target = case
    names = [f"l{j}" for j in range(p.shape[1])]
    same = train == target
    for scores, options in ((p, {}), (logit(p), {"from_logits": True})):
        base = _indicator(decode(scores, names, problem="multilabel", **options), names)
        shifted = decode(
            scores,
            names,
            problem="multilabel",
            priors=target,
            train_priors=train,
            **options,
        )
        assert_array_equal(_indicator(shifted, names)[:, same], base[:, same])
        equal = decode(
            scores,
            names,
            problem="multilabel",
            priors=train,
            train_priors=train,
            **options,
        )
        assert_array_equal(_indicator(equal, names), base)


def test_multilabel_training_prior_of_one_refused_below_one():
    """Check that a training prior of 1 cannot be re-weighted to a lower prior."""
    S = np.array([[0.3, 0.4], [0.9, 0.6]])
    with pytest.raises(ValueError, match=r"training priors of \['x'\] are 1"):
        decode(
            S,
            ["x", "y"],
            problem="multilabel",
            priors=[0.5, 0.5],
            train_priors=[1, 0.5],
        )


@pytest.fixture(scope="module")
def always_on():
    """A frozen multilabel model, and rows on which label 'a' is always on."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + 0.5 * rng.normal(size=300) > 0])
    model = OneVsRestClassifier(LogisticRegression()).fit(X, Y.astype(int))
    on = Y[:, 0]
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(model), classes=["a", "b"], problem="multilabel"
    ).fit(X[on], Y[on].astype(int))
    return X, clf


def test_estimator_priors_naming_another_label_keep_certain_label(always_on):
    """Check that priors naming label 'b' leave label 'a' (training prior 1) as is."""
    X, clf = always_on
    assert clf.priors_[0] == 1.0
    before = clf.predict(X)
    shifted = clf.set_params(priors={"b": 0.2}).predict(X)
    clf.set_params(priors=None)
    assert_array_equal(shifted[:, 0], before[:, 0])
    assert 0 < before[:, 0].sum() < len(X)


def test_adapt_priors_keeps_certain_label(always_on):
    """Check that adapt_priors keeps a label of training prior 1 and its decisions."""
    X, clf = always_on
    adapted = clf.adapt_priors(X)
    assert adapted.priors[0] == 1.0
    assert_array_equal(adapted.predict(X)[:, 0], clf.predict(X)[:, 0])


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda X, y, c: c.cost(X[:100], y), "X has 100 rows but y has 200"),
        (lambda X, y, c: c.cost(X, y[:100]), "X has 200 rows but y has 100"),
        (
            lambda X, y, c: c.adapt_priors(
                X, method="bbse", X_val=X[:50], y_val=y[:40]
            ),
            "X_val has 50 rows but y_val has 40",
        ),
        (
            lambda X, y, c: CostCurveDisplay.from_estimator(c, X[:100], y),
            "X has 100 rows but y has 200",
        ),
        (
            lambda X, y, c: c.cost(X, y, costs=np.tile(COSTS, (100, 1, 1))),
            "costs for 100 samples, but there are 200",
        ),
    ],
)
def test_lengths_checked_before_arithmetic(binary, call, message):
    """Check that mismatched lengths raise a ValueError saying which and how many."""
    X, y, clf = binary
    with pytest.raises(ValueError, match=message):
        call(X, y, clf)


def test_cost_offsets_ignore_zero_weight_rows():
    """Check that rows of weight 0 tune the same cost offsets as rows removed."""
    rng = np.random.default_rng(3)
    n, k = 400, 3
    gain = -rng.random((n, k))
    loss = rng.random((n, k)) * (rng.random((n, k)) < 0.5)
    weight = np.where(np.arange(n) < 300, 1.0, 0.0)
    with_zeros = tune_cost_offsets(gain, loss, weight)
    removed = tune_cost_offsets(gain[:300], loss[:300], weight[:300])
    assert_array_equal(with_zeros.offsets, removed.offsets)
    assert with_zeros.cost == removed.cost


def test_adapt_priors_copy_shares_no_parameter(binary):
    """Check that set_params on the adapted copy never reaches the original."""
    X, y, _ = binary
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(C=1.0), threshold={1: 0.4}
    ).fit(X, y)
    adapted = clf.adapt_priors(X)
    adapted.set_params(estimator__C=0.001)
    adapted.threshold[1] = 0.9
    assert clf.estimator.C == 1.0 and clf.threshold == {1: 0.4}
    assert_array_equal(adapted.predict(X), adapted.predict(X))  # still fitted


def test_dask_adapt_priors_and_cost_say_what_to_do():
    """Check that adapt_priors after a Dask fit, and cost on Dask inputs, explain."""
    da = pytest.importorskip("dask.array")
    import dask

    X, y = make_classification(120, n_features=4, random_state=1)
    model = FrozenEstimator(LogisticRegression().fit(X, y))
    with dask.config.set(scheduler="synchronous"):
        Xd, yd = da.from_array(X, chunks=40), da.from_array(y, chunks=40)
        clf = ProbabilisticLabelClassifier(model, costs=COSTS).fit(Xd, yd)
        with pytest.raises(ValueError, match="train_priors="):
            clf.adapt_priors(X)
        with pytest.raises(TypeError, match=r"compute them first"):
            clf.cost(Xd, yd)


@pytest.mark.parametrize(
    "params",
    [
        {"costs": np.tile(COSTS, (200, 1, 1))},
        {"threshold": "auto", "scoring": CostMatrix(np.tile(COSTS, (200, 1, 1)))},
    ],
)
def test_estimator_refuses_static_per_sample_costs(binary, params):
    """Check that the estimator refuses an (n, k, k) cost array: rows of X may move."""
    X, y, _ = binary
    clf = ProbabilisticLabelClassifier(LogisticRegression(), **params)
    with pytest.raises(ValueError, match="function of X"):
        clf.fit(X, y)


def test_decode_keeps_static_per_sample_costs_aligned():
    """Check that decode applies (n, k, k) costs row by row and checks their count."""
    p = np.array([[0.7, 0.3], [0.7, 0.3]])
    costs = np.array([[[0, 1], [1, 0]], [[0, 1], [9, 0]]])
    assert decode(p, [0, 1], costs=costs).tolist() == [0, 1]
    with pytest.raises(ValueError, match="costs for 2 samples, but there are 1"):
        decode(p[:1], [0, 1], costs=costs)


def test_complex_costs_from_callable_refused(binary):
    """Check that complex costs returned by a callable raise a TypeError."""
    X, y, _ = binary
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(),
        costs=lambda X: np.tile(np.array(COSTS, dtype=complex), (len(X), 1, 1)),
    ).fit(X, y)
    with pytest.raises(TypeError, match="complex dtype complex128"):
        clf.predict(X)


def test_messages_name_only_parameters_that_apply(binary):
    """Check that cost messages name what the user passed and can pass."""
    X, y, _ = binary
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(), reject_cost=0.2, reject_label=-1, threshold=0.3
    )
    with pytest.raises(ValueError, match=r"reject_cost=0\.2 decides") as error:
        clf.fit(X, y)
    assert "costs and threshold" not in str(error.value)
    with pytest.raises(ValueError, match=r"expit\(y_score\)") as error:
        CostCurveDisplay.from_predictions(y, np.linspace(-2, 2, 200), costs=COSTS)
    assert "from_logits" not in str(error.value)
    tuned = ProbabilisticLabelClassifier(
        LogisticRegression(), threshold="auto", scoring=CostMatrix(COSTS)
    ).fit(X, y)
    with pytest.raises(AttributeError, match="cost_offsets_"):
        tuned.thresholds_interval_
