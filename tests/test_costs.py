"""Decisions by cost: the Bayes rule on cost matrices, abstention, per-sample costs,
tuning for a CostMatrix, and the cost of predictions.

The rule is checked against brute force (every action's expected cost computed by
a Python loop), against the identities docs/costs.md states (0/1 costs are argmax, a
2x2 matrix is the threshold rule at ``c_fp / (c_fp + c_fn)``), and for every input
form of ``costs`` (array, DataFrame in any order, dict of dicts, per sample).
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import logit
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score, cross_validate
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import LinearSVC

from sklabels import CostMatrix, ProbabilisticLabelClassifier, decode
from sklabels._costs import (
    CostRule,
    cost_codes,
    expected_costs,
    realized_costs,
    tune_cost_rule,
)
from sklabels._scores import PROBA, Scores

SEEDED = settings(derandomize=True, deadline=None, max_examples=60)
ABC = np.array(["a", "b", "c"])


def _brute_force(proba, matrix, reject_cost=None):
    """Expected cost of every action of every row, by loops (per-sample aware)."""
    n, k = proba.shape
    out = np.zeros((n, k + (reject_cost is not None)))
    for i in range(n):
        m = matrix if matrix.ndim == 2 else matrix[i]
        for a in range(k):
            out[i, a] = sum(proba[i, t] * m[t, a] for t in range(k))
        if reject_cost is not None:
            out[i, k] = reject_cost
    return out


def _chosen(labels, classes, reject_label="?"):
    """Action index of each decoded label (k for the abstention)."""
    lookup = {c: j for j, c in enumerate(classes)}
    lookup[reject_label] = len(classes)
    return np.array([lookup[v] for v in labels])


@st.composite
def problems(draw, per_sample=False, with_reject=None):
    seed = draw(st.integers(0, 2**31))
    k = draw(st.integers(2, 5))
    n = draw(st.integers(1, 30))
    rng = np.random.default_rng(seed)
    proba = rng.dirichlet(np.full(k, draw(st.sampled_from([0.3, 1.0, 5.0]))), n)
    if draw(st.booleans()):
        proba = np.round(proba, 2)  # ties and rounded rows
        proba[:, -1] = 1 - proba[:, :-1].sum(axis=1)
        proba = np.clip(proba, 0, 1)
    shape = (n, k, k) if per_sample else (k, k)
    matrix = rng.choice([0.0, 0.5, 1.0, 2.0, 7.0, 100.0], size=shape)
    if draw(st.booleans()):
        matrix = rng.uniform(0, 10, size=shape)
    reject = with_reject
    if reject is None and draw(st.booleans()):
        reject = float(draw(st.sampled_from([0.0, 0.2, 0.5, 1.0, 3.0])))
    return proba, matrix, reject


def _classes(k):
    return np.array([f"c{j}" for j in range(k)])


# ------------------------------------------------------------------ exactness
@SEEDED
@given(problems())
def test_decode_costs_minimal_expected_cost_brute_force(problem):
    """Check that every row gets an action of least expected cost (or abstains)."""
    proba, matrix, reject = problem
    classes = _classes(proba.shape[1])
    problem_kind = "binary" if len(classes) == 2 else "multiclass"
    labels = decode(
        proba,
        classes,
        problem=problem_kind,
        costs=matrix,
        reject_cost=reject,
        reject_label="?",
    )
    risk = _brute_force(proba, matrix, reject)
    chosen = risk[np.arange(len(risk)), _chosen(labels, classes)]
    assert np.all(chosen <= risk.min(axis=1) + 1e-9 * (1 + np.abs(risk).max()))


@SEEDED
@given(problems(per_sample=True))
def test_decode_per_sample_costs_brute_force(problem):
    """Check that (n, k, k) costs give each row an action of its own least cost."""
    proba, matrix, reject = problem
    classes = _classes(proba.shape[1])
    problem_kind = "binary" if len(classes) == 2 else "multiclass"
    labels = decode(
        proba,
        classes,
        problem=problem_kind,
        costs=matrix,
        reject_cost=reject,
        reject_label="?",
    )
    risk = _brute_force(proba, matrix, reject)
    chosen = risk[np.arange(len(risk)), _chosen(labels, classes)]
    assert np.all(chosen <= risk.min(axis=1) + 1e-9 * (1 + np.abs(risk).max()))


@SEEDED
@given(st.integers(0, 2**31), st.integers(3, 8), st.booleans())
def test_zero_one_costs_equal_argmax(seed, k, rounded):
    """Check that C = 1 - I gives exactly plain argmax, ties to the first class."""
    proba = np.random.default_rng(seed).dirichlet(np.ones(k), 40)
    if rounded:
        proba = np.round(proba, 1)  # many ties
    classes = _classes(k)
    with_costs = decode(proba, classes, problem="multiclass", costs=1 - np.eye(k))
    assert_array_equal(with_costs, classes[np.argmax(proba, axis=1)])


@SEEDED
@given(
    st.integers(0, 2**31),
    st.floats(0.01, 100),
    st.floats(0.01, 100),
    st.floats(0, 5),
    st.floats(0, 5),
    st.sampled_from(["proba", "logits", "float32"]),
)
def test_binary_costs_equal_threshold_rule(seed, c_fp, c_fn, c_tn, c_tp, form):
    """Check that a 2x2 matrix is exactly the threshold rule at a / (a + b).

    With a zero diagonal that is c_fp / (c_fp + c_fn); the identity holds for
    probabilities, logits and float32 scores, ties included.
    """
    rng = np.random.default_rng(seed)
    matrix = np.array([[c_tn, c_tn + c_fp], [c_tp + c_fn, c_tp]])
    # The extra costs of each error, as the matrix holds them.
    a, b = matrix[0, 1] - matrix[0, 0], matrix[1, 0] - matrix[1, 1]
    cut = a / (a + b)
    if c_tn == c_tp == 0:
        assert cut == c_fp / (c_fp + c_fn)
    p = np.r_[rng.uniform(size=50), cut, np.nextafter(cut, 0), np.nextafter(cut, 1)]
    p = np.clip(p, 0, 1)
    scores, kwargs = p, {}
    if form == "logits":
        scores, kwargs = logit(np.clip(p, 1e-12, 1 - 1e-12)), {"from_logits": True}
    elif form == "float32":
        scores = p.astype(np.float32)
    classes = np.array(["no", "yes"])
    by_cost = decode(scores, classes, costs=matrix, **kwargs)
    by_threshold = decode(scores, classes, threshold=cut, **kwargs)
    assert_array_equal(by_cost, by_threshold)


def test_binary_costs_follow_pos_label():
    """Check that with pos_label the 2x2 matrix still reads C[true, predicted] in
    class order and its threshold applies to p(pos_label)."""
    p_yes = np.linspace(0, 1, 101)
    classes = np.array(["no", "yes"])
    matrix = np.array([[0.0, 1.0], [3.0, 0.0]])  # a missed "yes" costs 3
    proba = np.column_stack([1 - p_yes, p_yes])
    got = decode(proba, classes, costs=matrix, pos_label="no")
    # "no" iff p(no) >= 3 / (3 + 1): ties go to the positive class, as the rule.
    assert_array_equal(got, decode(proba, classes, threshold=0.75, pos_label="no"))
    assert got[25] == "no"  # p(no) = 0.75: the tie
    assert_array_equal(got[26:], "yes")


def test_reject_cost_without_costs_is_chow_rule():
    """Check that reject_cost=c alone (0/1 costs) abstains below 1 - c."""
    proba = np.array([[0.5, 0.3, 0.2], [0.8, 0.1, 0.1], [0.71, 0.2, 0.09]])
    got = decode(proba, ABC, reject_cost=0.3, reject_label="?")
    assert got.tolist() == ["?", "a", "a"]
    chow = decode(proba, ABC, reject_threshold=0.7, reject_label="?")
    assert_array_equal(got, chow)


def test_reject_only_when_strictly_cheaper():
    """Check that a tie between abstaining and a class answers the class."""
    got = decode([[0.6, 0.4]], ["a", "b"], reject_cost=0.4, reject_label="?")
    assert got.tolist() == ["a"]


def test_expected_costs_shift_keeps_decisions():
    """Check that lowering each row of C by its largest entry changes R by a
    per-sample constant (so decisions are kept) and keeps abstention exact."""
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.ones(4), 20)
    matrix = rng.uniform(0, 5, (4, 4))
    risk = expected_costs(proba, matrix, 1.5)
    brute = _brute_force(proba, matrix, 1.5)
    assert_allclose(risk - risk[:, :1], brute - brute[:, :1], atol=1e-12)


# ------------------------------------------------------------------ multilabel
@SEEDED
@given(st.integers(0, 2**31), st.integers(1, 5), st.booleans())
def test_multilabel_costs_brute_force(seed, k, per_sample):
    """Check that each label is on iff on is not dearer than off, per label."""
    rng = np.random.default_rng(seed)
    n = 25
    proba = rng.uniform(size=(n, k))
    shape = (n, k, 2, 2) if per_sample else (k, 2, 2)
    matrix = rng.uniform(0, 5, shape)
    got = decode(proba, _classes(k), problem="multilabel", costs=matrix)
    m = matrix if per_sample else np.broadcast_to(matrix, (n, k, 2, 2))
    cost_off = (1 - proba) * m[..., 0, 0] + proba * m[..., 1, 0]
    cost_on = (1 - proba) * m[..., 0, 1] + proba * m[..., 1, 1]
    want = cost_on <= cost_off
    close = np.isclose(cost_on, cost_off, rtol=1e-12, atol=1e-12)
    got_matrix = np.array([[c in row for c in _classes(k)] for row in got])
    assert_array_equal(got_matrix[~close], want[~close])


def test_multilabel_costs_forms_agree():
    """Check (2, 2) for all, (k, 2, 2), and {label: 2x2} (others 0/1) agree."""
    proba = np.array([[0.3, 0.1, 0.6], [0.05, 0.9, 0.2]])
    shared = [[0, 1], [4, 0]]  # threshold 0.2
    by_all = decode(proba, ABC, problem="multilabel", costs=shared)
    by_label = decode(proba, ABC, problem="multilabel", costs=[shared] * 3)
    by_threshold = decode(proba, ABC, problem="multilabel", threshold=0.2)
    assert by_all == by_label == by_threshold
    by_dict = decode(proba, ABC, problem="multilabel", costs={"b": shared})
    assert by_dict == decode(
        proba, ABC, problem="multilabel", threshold=[0.5, 0.2, 0.5]
    )


# ------------------------------------------------------------------ input forms
C3 = np.array([[0.0, 1.0, 4.0], [2.0, 0.0, 1.0], [9.0, 3.0, 0.0]])


def _forms():
    frame = pd.DataFrame(C3, index=ABC, columns=ABC)
    shuffled = frame.loc[["c", "a", "b"], ["b", "c", "a"]]
    nested = {t: {a: C3[i, j] for j, a in enumerate(ABC)} for i, t in enumerate(ABC)}
    reversed_nested = {
        t: dict(reversed(list(row.items()))) for t, row in reversed(nested.items())
    }
    no_diagonal = {
        t: {a: v for a, v in row.items() if a != t} for t, row in nested.items()
    }
    return {
        "array": C3,
        "list": C3.tolist(),
        "frame": frame,
        "frame shuffled": shuffled,
        "dict": nested,
        "dict reversed": reversed_nested,
        "dict without diagonal": no_diagonal,
    }


@pytest.mark.parametrize("form", sorted(_forms()))
def test_costs_input_forms_agree(form):
    """Check that every form of the same matrix gives the same labels, by name."""
    proba = np.random.default_rng(3).dirichlet(np.ones(3), 200)
    want = decode(proba, ABC, costs=C3)
    assert_array_equal(decode(proba, ABC, costs=_forms()[form]), want)


@SEEDED
@given(st.permutations([0, 1, 2]), st.integers(0, 2**31))
def test_permuting_classes_with_costs_keeps_labels(order, seed):
    """Check that permuting classes, score columns and the matrix together (or a
    named DataFrame in its own order) never changes a label."""
    order = np.asarray(order)
    proba = np.random.default_rng(seed).dirichlet(np.ones(3), 60)
    want = decode(proba, ABC, costs=C3, reject_cost=1.0, reject_label="?")
    got = decode(
        proba[:, order],
        ABC[order],
        costs=C3[np.ix_(order, order)],
        reject_cost=1.0,
        reject_label="?",
    )
    assert_array_equal(got, want)
    frame = pd.DataFrame(C3, index=ABC, columns=ABC)
    named = decode(
        pd.DataFrame(proba, columns=ABC)[ABC[order]],
        ABC[order],
        costs=frame,
        reject_cost=1.0,
        reject_label="?",
    )
    assert_array_equal(named, want)


def test_costs_input_not_modified():
    """Check that the user's cost matrix and dict are left as they were."""
    matrix = C3.copy()
    nested = {"a": {"b": 1, "c": 2}, "b": {"a": 1, "c": 1}, "c": {"a": 1, "b": 1}}
    before = repr(nested)
    decode([[0.2, 0.3, 0.5]], ABC, costs=matrix)
    decode([[0.2, 0.3, 0.5]], ABC, costs=nested)
    assert_array_equal(matrix, C3)
    assert repr(nested) == before


# ------------------------------------------------------------------ bad input
BAD_DECODE = [
    ({"costs": np.ones((2, 2))}, ValueError, r"shape \(2, 2\).*3 classes"),
    ({"costs": np.ones((3, 3, 3))}, ValueError, "3 samples, but there are 1"),
    ({"costs": [[0, 1, 1], [1, 0, -1], [1, 1, 0]]}, ValueError, "negative costs"),
    ({"costs": [[0, 1, 1], [1, 0, np.nan], [1, 1, 0]]}, ValueError, "NaN or infinite"),
    ({"costs": [[0, 1, 1], [1, 0, np.inf], [1, 1, 0]]}, ValueError, "NaN or infinite"),
    ({"costs": [["x", 1, 1], [1, 0, 1], [1, 1, 0]]}, TypeError, "must hold numbers"),
    ({"costs": [[0, True, 1], [1, 0, 1], [1, 1, 0]]}, TypeError, "not True/False"),
    ({"costs": {"a": {"z": 1}}}, ValueError, r"not in classes: \['z'\]"),
    ({"costs": {"z": {"a": 1}}}, ValueError, r"not in classes: \['z'\]"),
    ({"costs": {"a": {"b": 1}}}, ValueError, "does not give the cost of 'a' -> 'c'"),
    ({"costs": {"a": 1}}, TypeError, "maps each true class to a dict"),
    (
        {"costs": pd.DataFrame(C3, index=["a", "b", "x"], columns=ABC)},
        ValueError,
        "index .true classes. of the costs DataFrame",
    ),
    (
        {"costs": pd.DataFrame(C3, index=ABC, columns=["a", "b", "b"])},
        ValueError,
        "columns .predicted classes.",
    ),
    ({"costs": lambda X: C3}, TypeError, "function of X"),
    ({"costs": C3, "threshold": [0.5, 0.2, 0.3]}, ValueError, "two decision rules"),
    ({"reject_cost": -1, "reject_label": "?"}, ValueError, "finite number >= 0"),
    ({"reject_cost": np.nan, "reject_label": "?"}, ValueError, "finite number >= 0"),
    ({"reject_cost": True, "reject_label": "?"}, ValueError, "finite number >= 0"),
    ({"reject_cost": 0.3}, ValueError, "needs reject_label"),
    ({"reject_cost": 0.3, "reject_label": "a"}, ValueError, "is one of the classes"),
    (
        {"costs": C3, "reject_threshold": 0.5, "reject_label": "?"},
        ValueError,
        "pass reject_cost",
    ),
]


@pytest.mark.parametrize(("kwargs", "error", "message"), BAD_DECODE)
def test_decode_bad_costs(kwargs, error, message):
    """Check that each bad cost option raises its error, naming value and fix."""
    with pytest.raises(error, match=message):
        decode([[0.2, 0.3, 0.5]], ABC, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"costs": np.ones((3, 2))}, r"2x2 costs per label"),
        ({"costs": {"a": [[0, 1, 2]]}}, r"must be a 2x2 matrix"),
        ({"costs": {"q": [[0, 1], [1, 0]]}}, r"not in classes"),
        (
            {"costs": [[0, 1], [1, 0]], "reject_cost": 0.1, "reject_label": "?"},
            "single-label",
        ),
    ],
)
def test_decode_bad_multilabel_costs(kwargs, message):
    """Check the multilabel cost errors: shapes, keys, no abstention."""
    with pytest.raises(ValueError, match=message):
        decode([[0.2, 0.9, 0.5]], ABC, problem="multilabel", **kwargs)


# ------------------------------------------------------------------ estimator
def _data(n_classes=3, n=400, seed=0):
    return make_classification(
        n, n_features=8, n_informative=5, n_classes=n_classes, random_state=seed
    )


def test_classifier_costs_equal_decode():
    """Check that costs= in the estimator predicts what decode does on its
    predict_proba, and that costs are read at predict time (set_params)."""
    X, y = _data()
    names = np.array(["low", "mid", "high"])[y]
    classes = np.array(["high", "low", "mid"])
    clf = ProbabilisticLabelClassifier(LogisticRegression(max_iter=500)).fit(X, names)
    proba = clf.predict_proba(X)
    frame = pd.DataFrame(C3, index=classes, columns=classes)
    clf.set_params(costs=frame.loc[["mid", "high", "low"], ["low", "mid", "high"]])
    assert_array_equal(clf.predict(X), decode(proba, classes, costs=C3))
    clf.set_params(reject_cost=0.5, reject_label="refer")
    want = decode(proba, classes, costs=C3, reject_cost=0.5, reject_label="refer")
    assert_array_equal(clf.predict(X), want)
    assert (clf.predict(X) == "refer").any()
    clf.set_params(costs=None, reject_cost=None)
    assert_array_equal(clf.predict(X), classes[np.argmax(proba, axis=1)])


def test_classifier_binary_costs_equal_fixed_threshold():
    """Check that binary 2x2 costs predict as threshold=c_fp / (c_fp + c_fn)."""
    X, y = _data(2)
    costs = np.array([[0.0, 1.0], [4.0, 0.0]])
    by_cost = ProbabilisticLabelClassifier(LogisticRegression(), costs=costs).fit(X, y)
    by_cut = ProbabilisticLabelClassifier(LogisticRegression(), threshold=0.2).fit(X, y)
    assert_array_equal(by_cost.predict(X), by_cut.predict(X))


def test_classifier_costs_need_probabilities():
    """Check that decision scores (no probabilities) with costs ask to calibrate."""
    X, y = _data()
    clf = ProbabilisticLabelClassifier(LinearSVC(), costs=C3)
    with pytest.raises(ValueError, match="CalibratedClassifierCV"):
        clf.fit(X, y).predict(X)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"costs": C3, "threshold": [0.5, 0.4, 0.3]}, "two decision rules"),
        ({"costs": C3, "threshold": "auto"}, "scoring=CostMatrix"),
        ({"costs": np.ones((2, 2))}, r"shape \(2, 2\)"),
        ({"reject_cost": 0.2}, "needs reject_label"),
        (
            {"threshold": "auto", "scoring": CostMatrix(C3), "costs": C3},
            "Pass the costs .and reject_cost. to CostMatrix only",
        ),
        ({"threshold": "auto", "scoring": CostMatrix(np.eye(2))}, r"shape \(2, 2\)"),
    ],
)
def test_classifier_bad_cost_options_fail_in_fit(params, message):
    """Check that bad cost options raise in fit, before anything is fitted."""
    X, y = _data()
    clf = ProbabilisticLabelClassifier(LogisticRegression(), **params)
    with pytest.raises(ValueError, match=message):
        clf.fit(X, y)


def test_classifier_bad_reject_cost_by_validation():
    """Check that a negative reject_cost is refused by parameter validation."""
    X, y = _data()
    with pytest.raises(ValueError, match="reject_cost"):
        ProbabilisticLabelClassifier(LogisticRegression(), reject_cost=-1).fit(X, y)


def test_grid_search_over_reject_cost():
    """Check that GridSearchCV over reject_cost picks the candidate with the best
    cross-validated cost, computed candidate by candidate."""
    X, y = _data(n=300)
    true_reject = 0.35

    def neg_cost(est, X_, y_):
        return -est.cost(X_, y_, costs=1 - np.eye(3), reject_cost=true_reject).mean

    base = ProbabilisticLabelClassifier(
        LogisticRegression(max_iter=500), reject_label=-1
    )
    grid = {"reject_cost": [0.05, 0.35, 1.0]}
    search = GridSearchCV(base, grid, scoring=neg_cost, cv=3).fit(X, y)
    by_hand = {
        c: cross_val_score(
            clone(base).set_params(reject_cost=c), X, y, scoring=neg_cost, cv=3
        ).mean()
        for c in grid["reject_cost"]
    }
    assert search.best_params_["reject_cost"] == max(by_hand, key=by_hand.get)
    assert_allclose(search.best_score_, max(by_hand.values()))


# ------------------------------------------------------------------ per sample
def _fraud(n=600, seed=0):
    rng = np.random.default_rng(seed)
    X, y = make_classification(
        n, n_features=6, weights=[0.85], class_sep=0.8, random_state=seed
    )
    amount = rng.lognormal(4, 1, n)
    return np.column_stack([X, amount]), y


def fraud_costs(X):
    """A missed fraud costs its amount; an investigation costs 10."""
    X = np.asarray(X)
    n = len(X)
    out = np.zeros((n, 2, 2))
    out[:, 0, 1] = 10.0
    out[:, 1, 0] = X[:, -1]
    out[:, 1, 1] = 10.0
    return out


def test_per_sample_costs_callable_equals_array():
    """Check that costs=callable(X) predicts as decode with its (n, 2, 2) result."""
    X, y = _fraud()
    clf = ProbabilisticLabelClassifier(
        make_pipeline(StandardScaler(), LogisticRegression()), costs=fraud_costs
    ).fit(X, y)
    want = decode(clf.predict_proba(X), [0, 1], costs=fraud_costs(X))
    assert_array_equal(clf.predict(X), want)
    summary = clf.cost(X, y)
    each = fraud_costs(X)[np.arange(len(y)), y, want]
    assert_allclose(summary.total, each.sum())
    assert_allclose(summary.mean, each.mean())


def test_per_sample_costs_in_cross_validate_and_pipeline():
    """Check that a callable of X works in cross_validate (the rows of each test
    fold reach it) and around a Pipeline, and beats the default rule's cost."""
    X, y = _fraud(800)

    def neg_cost(est, X_, y_):
        return -est.cost(X_, y_, costs=fraud_costs).mean

    model = make_pipeline(StandardScaler(), LogisticRegression())
    by_cost = ProbabilisticLabelClassifier(model, costs=fraud_costs)
    default = ProbabilisticLabelClassifier(model)
    got = cross_validate(by_cost, X, y, scoring=neg_cost, cv=4)["test_score"]
    base = cross_validate(default, X, y, scoring=neg_cost, cv=4)["test_score"]
    assert got.mean() > base.mean()


def test_per_sample_costs_wrong_shape_from_callable():
    """Check that a callable returning the wrong shape names it and the fix."""
    X, y = _fraud(100)
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(), costs=lambda X: np.ones((3, 2, 2))
    )
    with pytest.raises(ValueError, match="costs for 3 samples, but there are 100"):
        clf.fit(X, y).predict(X)


# ------------------------------------------------------------------ tuning
def test_tune_cost_rule_never_above_plug_in():
    """Check that the tuned rule's empirical cost is at most the plug-in rule's, and
    strictly lower for miscalibrated probabilities."""
    rng = np.random.default_rng(1)
    n = 600
    truth = rng.integers(0, 3, n)
    logits = rng.normal(size=(n, 3)) + 2.0 * np.eye(3)[truth]
    proba = np.exp(3 * logits)  # overconfident: miscalibrated
    proba /= proba.sum(axis=1, keepdims=True)
    scores = Scores(proba, PROBA)
    for reject in (None, 0.4):
        rule, cost, plug_in = tune_cost_rule(
            scores,
            truth,
            problem="multiclass",
            classes=ABC,
            pos_index=1,
            costs=C3,
            reject_cost=reject,
        )
        assert cost <= plug_in
        codes, rejected = cost_codes(
            scores, problem="multiclass", rule=rule, classes=ABC
        )
        loss = realized_costs(truth, C3, reject)
        chosen = np.where(rejected, 3, codes) if rejected is not None else codes
        assert_allclose(loss[np.arange(n), chosen].mean(), cost)
    assert cost < plug_in


@SEEDED
@given(st.integers(0, 2**31), st.sampled_from(["binary", "multiclass", "multilabel"]))
def test_tuned_cost_never_above_plug_in_property(seed, problem):
    """Check on random scores and costs that tuning never ends above the plug-in."""
    rng = np.random.default_rng(seed)
    n, k = 80, (2 if problem == "binary" else 3)
    if problem == "multilabel":
        proba = rng.uniform(size=(n, k))
        truth = (rng.uniform(size=(n, k)) < proba**2).astype(int)
        costs = rng.uniform(0, 5, (k, 2, 2))
        per_sample = rng.uniform(0, 5, (n, k, 2, 2))
    else:
        proba = rng.dirichlet(np.ones(k) * 0.5, n)
        truth = rng.integers(0, k, n)
        costs = rng.uniform(0, 5, (k, k))
        per_sample = rng.uniform(0, 5, (n, k, k))
    for matrix in (costs, per_sample):
        _, cost, plug_in = tune_cost_rule(
            Scores(proba, PROBA),
            truth,
            problem=problem,
            classes=_classes(k),
            pos_index=1,
            costs=matrix,
            reject_cost=None,
            sample_weight=rng.uniform(0.5, 2, n),
        )
        assert cost <= plug_in + 1e-12


def test_classifier_cost_matrix_tuning():
    """Check threshold='auto', scoring=CostMatrix(C): tuned on out-of-fold scores,
    best_score_ is minus the tuned mean cost there, never below the plug-in's."""
    X, y = _data(n=500)
    model = GaussianNB()  # overconfident probabilities
    tuned = ProbabilisticLabelClassifier(
        model,
        threshold="auto",
        scoring=CostMatrix(C3, reject_cost=0.8),
        reject_label=-1,
    ).fit(X, y)
    assert tuned.cost_offsets_.shape == (4,)
    plug_in = ProbabilisticLabelClassifier(
        FrozenEstimator(tuned.estimator_), costs=C3, reject_cost=0.8, reject_label=-1
    ).fit(X, y)
    assert tuned.best_score_ <= 0
    assert np.isfinite(tuned.cost(X, y).mean)
    assert plug_in.cost(X, y).mean >= 0
    # set_params(threshold=fixed) leaves the cost rule for the fixed threshold rule.
    tuned.set_params(threshold=[0.5, 0.5, 0.5])
    assert not (tuned.predict(X) == -1).any()
    # New costs after a CostMatrix fit: not silently ignored.
    tuned.set_params(threshold="auto", costs=C3.T)
    with pytest.raises(ValueError, match="Set threshold=None"):
        tuned.predict(X)
    tuned.set_params(threshold=None)
    assert_array_equal(
        tuned.predict(X), decode(tuned.predict_proba(X), [0, 1, 2], costs=C3.T)
    )


def test_classifier_cost_matrix_tuning_frozen_is_exactly_no_worse():
    """Check that, tuned on the data passed to fit (a frozen model), the tuned
    rule's cost there is at most the plug-in Bayes rule's."""
    X, y = _data(n=500)
    model = GaussianNB().fit(X[:250], y[:250])
    X_val, y_val = X[250:], y[250:]
    tuned = ProbabilisticLabelClassifier(
        FrozenEstimator(model), threshold="auto", scoring=CostMatrix(C3)
    ).fit(X_val, y_val)
    plug_in = ProbabilisticLabelClassifier(FrozenEstimator(model), costs=C3).fit(
        X_val, y_val
    )
    assert tuned.cost(X_val, y_val).mean <= plug_in.cost(X_val, y_val).mean
    assert_allclose(-tuned.best_score_, tuned.cost(X_val, y_val).mean)


def test_classifier_cost_matrix_per_sample_tuning():
    """Check CostMatrix(callable): per-sample costs of the held-out rows tune it."""
    X, y = _fraud(600)
    model = make_pipeline(StandardScaler(), GaussianNB())
    tuned = ProbabilisticLabelClassifier(
        model, threshold="auto", scoring=CostMatrix(fraud_costs)
    ).fit(X, y)
    assert tuned.cost_offsets_.shape == (2,)
    assert np.isfinite(tuned.cost(X, y).total)


def test_cost_matrix_not_for_tune_thresholds():
    """Check that tune_thresholds refuses a CostMatrix with the way to use it."""
    from sklabels import tune_thresholds

    with pytest.raises(ValueError, match="threshold='auto'"):
        tune_thresholds(
            [0, 1, 1], [0.1, 0.6, 0.7], scoring=CostMatrix([[0, 1], [2, 0]])
        )


def test_cost_rule_repr_and_cost_without_costs():
    """Check that cost() without any costs asks for them."""
    X, y = _data()
    clf = ProbabilisticLabelClassifier(LogisticRegression(max_iter=500)).fit(X, y)
    with pytest.raises(ValueError, match="pass costs=C"):
        clf.cost(X, y)
    summary = clf.cost(X, y, costs=1 - np.eye(3))
    assert_allclose(summary.mean, 1 - clf.score(X, y))
    assert "CostMatrix" in repr(CostMatrix(C3, reject_cost=1))
    assert isinstance(CostRule(C3).matrix, np.ndarray)


def test_multilabel_classifier_costs():
    """Check multilabel per-label 2x2 costs through the estimator and its cost."""
    from sklearn.datasets import make_multilabel_classification
    from sklearn.multiclass import OneVsRestClassifier

    X, Y = make_multilabel_classification(
        150, n_features=8, n_classes=3, random_state=0
    )
    costs = {0: [[0, 1], [5, 0]]}
    clf = ProbabilisticLabelClassifier(
        OneVsRestClassifier(LogisticRegression(max_iter=500)), costs=costs
    ).fit(X, Y)
    proba = clf.predict_proba(X)
    assert_array_equal(clf.predict(X)[:, 0], proba[:, 0] >= 1 / 6)
    assert_array_equal(clf.predict(X)[:, 1], proba[:, 1] >= 0.5)
    summary = clf.cost(X, Y)
    pred = clf.predict(X)
    want = 5 * ((Y[:, 0] == 1) & (pred[:, 0] == 0)) + (
        (Y[:, 0] == 0) & (pred[:, 0] == 1)
    )
    want = want + (Y[:, 1:] != pred[:, 1:]).sum(axis=1)
    assert_allclose(summary.per_sample, want)
    tuned = ProbabilisticLabelClassifier(
        OneVsRestClassifier(LogisticRegression(max_iter=500)),
        threshold="auto",
        scoring=CostMatrix(costs),
        cv=2,
    ).fit(X, Y)
    assert tuned.cost_offsets_.shape == (3,)


# ------------------------------------------------------------------ display
def test_cost_curve_display_matches_cost():
    """Check the curve's cost at the plug-in threshold is the classifier's mean
    cost, its minimum is no higher, and from_predictions draws the same curve."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sklabels import CostCurveDisplay

    X, y = _data(2)
    costs = [[0, 1], [5, 0]]
    clf = ProbabilisticLabelClassifier(LogisticRegression(), costs=costs).fit(X, y)
    display = CostCurveDisplay.from_estimator(clf, X, y)
    assert_allclose(display.plug_in_threshold, 1 / 6)
    assert_allclose(display.cost_at(1 / 6), clf.cost(X, y).mean)
    assert display.best_cost <= display.cost_at(1 / 6)
    assert set(display.markers_) == {"best", "plug-in"}
    by_hand = CostCurveDisplay.from_predictions(
        y, clf.predict_proba(X)[:, 1], costs=costs, ax=display.ax_
    )
    assert_allclose(by_hand.mean_costs, display.mean_costs)
    # Every cut, by brute force.
    p = clf.predict_proba(X)[:, 1]
    for t, mean in zip(display.thresholds[:-1], display.mean_costs[:-1], strict=True):
        pred = p >= t
        want = np.where(pred, np.where(y == 0, 1, 0), np.where(y == 1, 5, 0))
        assert_allclose(mean, want.mean())


def test_cost_curve_display_per_sample_and_errors():
    """Check per-sample costs (no plug-in mark) and the errors for other problems."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    from sklabels import CostCurveDisplay

    X, y = _fraud(300)
    clf = ProbabilisticLabelClassifier(LogisticRegression(), costs=fraud_costs).fit(
        X, y
    )
    display = CostCurveDisplay.from_estimator(clf, X, y)
    assert display.plug_in_threshold is None
    assert np.isfinite(display.best_cost)
    X3, y3 = _data()
    multi = ProbabilisticLabelClassifier(LogisticRegression(max_iter=500)).fit(X3, y3)
    with pytest.raises(ValueError, match="binary problems"):
        CostCurveDisplay.from_estimator(multi, X3, y3)
    plain = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    with pytest.raises(ValueError, match="pass costs=C"):
        CostCurveDisplay.from_estimator(plain, X, y)
    marked = CostCurveDisplay.from_estimator(plain, X, y, costs=[[0, 1], [2, 0]])
    assert "in use" in marked.markers_


def test_per_sample_costs_with_metadata_routing():
    """Check that with metadata routing on, sample_weight routed to fit and costs as
    a callable of X work together in cross_validate (no predict metadata needed)."""
    from sklearn import config_context

    X, y = _fraud(400)
    weight = np.where(y == 1, 2.0, 1.0)

    def neg_cost(est, X_, y_):
        return -est.cost(X_, y_, costs=fraud_costs).mean

    with config_context(enable_metadata_routing=True):
        inner = LogisticRegression().set_fit_request(sample_weight=True)
        clf = ProbabilisticLabelClassifier(inner, costs=fraud_costs)
        scores = cross_validate(
            clf, X, y, scoring=neg_cost, cv=3, params={"sample_weight": weight}
        )["test_score"]
        fitted = clone(clf).fit(X, y, sample_weight=weight)
    assert np.isfinite(scores).all()
    assert_allclose(fitted.priors_, np.bincount(y, weights=weight) / weight.sum())


@SEEDED
@given(st.integers(0, 2**31), st.floats(0.1, 20), st.floats(0.1, 20))
def test_binary_cost_tuning_reaches_the_exact_sweep(seed, c_fp, c_fn):
    """Check that tuning a 2x2 CostMatrix reaches the least empirical cost of any
    threshold, as the exact sweep of tune_thresholds(scoring=Cost(...)) finds it."""
    from sklabels import Cost, tune_thresholds

    rng = np.random.default_rng(seed)
    n = 120
    truth = rng.integers(0, 2, n)
    p = np.clip(rng.beta(2, 2, n) + 0.25 * (truth - 0.5), 0, 1).round(2)
    _, cost, plug_in = tune_cost_rule(
        Scores(np.column_stack([1 - p, p]), PROBA),
        truth,
        problem="binary",
        classes=np.array([0, 1]),
        pos_index=1,
        costs=[[0, c_fp], [c_fn, 0]],
        reject_cost=None,
    )
    sweep = tune_thresholds(truth, p, scoring=Cost(fp=c_fp, fn=c_fn))
    assert_allclose(cost, -sweep.best_score, rtol=1e-9)
    assert cost <= plug_in


@pytest.mark.filterwarnings(
    "ignore::sklabels.CalibrationWarning"  # expected: the rule reads probabilities
)
def test_cost_rule_reports_and_pickle():
    """Check that abstentions by cost get their own report row, and that a tuned
    cost rule and priors survive pickling with the same predictions."""
    import pickle

    X, y = _data()
    clf = ProbabilisticLabelClassifier(
        GaussianNB(),
        threshold="auto",
        scoring=CostMatrix(C3, reject_cost=0.5),
        reject_label="refer",
        cv=3,
    ).fit(X, y.astype(str))
    report = clf.classification_report(X, y.astype(str), output_dict=True)
    n_rejected = clf.cost(X, y.astype(str)).n_rejected
    assert n_rejected > 0
    assert report["abstained"]["label"] == "refer"
    assert report["abstained"]["count"] == n_rejected
    clf.set_params(priors=[0.5, 0.25, 0.25])
    again = pickle.loads(pickle.dumps(clf))
    assert_array_equal(again.predict(X), clf.predict(X))
    assert_allclose(again.cost_offsets_, clf.cost_offsets_)
