"""sklabels._rules: thresholds, the binary/multiclass/multilabel rules, reject option.

Each rule is checked against a computation by hand (numpy in float64, Python loops)
and against the identities docs/semantics.md states: equal ratios are argmax,
``t = (1 - tau, tau)`` is the binary rule at ``tau``, margins follow their softmax,
logits follow their ``expit``/``softmax``, and low-precision scores are cut exactly.
"""

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from scipy.special import expit, logit, softmax

from sklabels._rules import (
    apply_rule,
    binary_codes,
    multiclass_codes,
    multilabel_indicator,
    resolve_thresholds,
)
from sklabels._scores import MARGIN, PROBA, Scores

SEEDED = settings(derandomize=True, deadline=None, max_examples=50)

ABC = np.array(["a", "b", "c"])
NEG_POS = np.array(["neg", "pos"])

unit = st.floats(0.0, 1.0)
ratio = st.floats(0.01, 1.0)


def _rows(seed, n, k):
    """n softmax rows of k probabilities."""
    return np.random.default_rng(seed).dirichlet(np.ones(k), size=n)


# ----------------------------------------------------------------------------------
# resolve_thresholds
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("problem", "kind", "expected"),
    [
        ("binary", PROBA, 0.5),
        ("binary", MARGIN, 0.0),
        ("multilabel", PROBA, [0.5, 0.5, 0.5]),
        ("multilabel", MARGIN, [0.0, 0.0, 0.0]),
        ("multiclass", PROBA, [0.5, 0.5, 0.5]),
        ("multiclass", MARGIN, [0.5, 0.5, 0.5]),
    ],
)
def test_resolve_thresholds_defaults(problem, kind, expected):
    """Check the documented defaults: 0.5 / 0.0, and 0.5 ratios for multiclass."""
    classes = NEG_POS if problem == "binary" else ABC
    result = resolve_thresholds(None, problem=problem, classes=classes, kind=kind)
    assert_array_equal(result, expected)


@pytest.mark.parametrize(
    ("threshold", "pos_index", "expected"),
    [
        (0.3, 1, 0.3),
        (np.float64(0.25), 1, 0.25),
        (np.array(0.7), 1, 0.7),
        ([0.4], 1, 0.4),
        (np.array([0.6]), 1, 0.6),
        ({"pos": 0.2}, 1, 0.2),
        ({"neg": 0.2}, 0, 0.2),
        ({np.str_("pos"): 0.1}, 1, 0.1),
        ({}, 1, 0.5),
        (pd.Series({"pos": 0.35}), 1, 0.35),
    ],
)
def test_resolve_thresholds_binary_forms(threshold, pos_index, expected):
    """Check every accepted binary form resolves to one float on the positive class."""
    result = resolve_thresholds(
        threshold, problem="binary", classes=NEG_POS, kind=PROBA, pos_index=pos_index
    )
    assert isinstance(result, float)
    assert result == expected


@pytest.mark.parametrize(
    ("threshold", "expected"),
    [
        (0.3, [0.3, 0.3, 0.3]),
        ([0.1, 0.2, 0.9], [0.1, 0.2, 0.9]),
        ((0.1, 0.2, 0.9), [0.1, 0.2, 0.9]),
        (np.array([1, 0, 1]), [1.0, 0.0, 1.0]),
        ({"c": 0.2}, [0.5, 0.5, 0.2]),
        (pd.Series({"c": 0.2, "a": 0.7}), [0.7, 0.5, 0.2]),
    ],
)
def test_resolve_thresholds_multilabel_forms(threshold, expected):
    """Check multilabel forms: one number, one per label, dict or Series by label."""
    result = resolve_thresholds(
        threshold, problem="multilabel", classes=ABC, kind=PROBA
    )
    assert result.dtype == np.float64
    assert_array_equal(result, expected)


def test_resolve_thresholds_series_is_keyed_by_label_not_position():
    """Check that a Series indexed by labels 2, 1, 0 is read by label."""
    series = pd.Series([0.2, 0.3, 0.4], index=[2, 1, 0])
    result = resolve_thresholds(
        series, problem="multiclass", classes=np.array([0, 1, 2]), kind=PROBA
    )
    assert_array_equal(result, [0.4, 0.3, 0.2])


def test_resolve_thresholds_dict_key_true_names_class_1():
    """Check that a dict key True names the class 1, as in Python."""
    result = resolve_thresholds(
        {True: 0.2}, problem="multilabel", classes=np.array([0, 1, 2]), kind=PROBA
    )
    assert_array_equal(result, [0.5, 0.2, 0.5])


@pytest.mark.parametrize(
    ("problem", "threshold"),
    [("binary", -2.5), ("binary", 7.0), ("multilabel", [-1.0, 3.0, 0.0])],
)
def test_resolve_thresholds_on_margins_are_unbounded(problem, threshold):
    """Check that thresholds on decision scores may leave [0, 1]."""
    classes = NEG_POS if problem == "binary" else ABC
    result = resolve_thresholds(
        threshold, problem=problem, classes=classes, kind=MARGIN
    )
    assert_array_equal(result, threshold)


@pytest.mark.parametrize(
    ("threshold", "problem", "kind", "error", "message"),
    [
        ("auto", "binary", PROBA, ValueError, "not supported"),
        ("0.3", "multilabel", PROBA, ValueError, "not supported"),
        ([[0.1, 0.2], [0.3]], "multilabel", PROBA, TypeError, "flat list"),
        (["0.1", "0.2", "0.3"], "multilabel", PROBA, TypeError, "hold numbers"),
        (True, "binary", PROBA, TypeError, "must be a number"),
        ({"b": True}, "multilabel", PROBA, TypeError, "must be a number"),
        ({"b": "x"}, "multilabel", PROBA, TypeError, "must be a number"),
        ([0.3, 0.4], "binary", PROBA, ValueError, "one threshold"),
        ({"neg": 0.3}, "binary", PROBA, ValueError, "positive class 'pos'"),
        ({"neg": 0.3, "pos": 0.4}, "binary", PROBA, ValueError, "one threshold"),
        (1.5, "binary", PROBA, ValueError, r"\[0, 1\]"),
        (np.nan, "binary", MARGIN, ValueError, "finite"),
        (0.3, "multiclass", PROBA, ValueError, "leaves argmax unchanged"),
        ([0.3, 0.4, 0.0], "multiclass", PROBA, ValueError, r"ratios in \(0, 1\]"),
        ([0.3, 0.4, 1.2], "multiclass", PROBA, ValueError, r"ratios in \(0, 1\]"),
        ([0.3, -0.4, 1.2], "multiclass", MARGIN, ValueError, "ratios > 0"),
        ([0.3, 0.4, 1.2], "multilabel", PROBA, ValueError, r"\[0, 1\]"),
        ([0.3, np.nan, 0.2], "multilabel", MARGIN, ValueError, "finite"),
        ([0.3, np.inf, 0.2], "multiclass", MARGIN, ValueError, "finite"),
        ([0.3, 0.4], "multilabel", PROBA, ValueError, "3 classes"),
        ({"z": 0.3}, "multilabel", PROBA, ValueError, "'z'"),
        (pd.Series([0.2, 0.3, 0.4]), "multilabel", PROBA, ValueError, "not in"),
    ],
)
def test_resolve_thresholds_rejects_invalid(threshold, problem, kind, error, message):
    """Check that each invalid threshold raises the documented error."""
    classes = NEG_POS if problem == "binary" else ABC
    with pytest.raises(error, match=message):
        resolve_thresholds(threshold, problem=problem, classes=classes, kind=kind)


def test_resolve_thresholds_rejects_bools_in_a_list():
    """Check that a list holding a bool is refused like a bool threshold."""
    with pytest.raises(TypeError):
        resolve_thresholds(
            [True, 0.5, 0.5], problem="multilabel", classes=ABC, kind=PROBA
        )


# ----------------------------------------------------------------------------------
# binary_codes
# ----------------------------------------------------------------------------------


@SEEDED
@given(
    column=st.lists(unit, min_size=1, max_size=20),
    threshold=unit,
    pos_index=st.sampled_from([0, 1]),
    dtype=st.sampled_from([np.float64, np.float32, np.float16]),
)
def test_binary_codes_cut_exactly_in_float64(column, threshold, pos_index, dtype):
    """Check p(pos) >= t in float64, with values at and around t in low precision."""
    near = np.float64(threshold).astype(dtype)
    column = np.asarray(
        [*column, near, np.nextafter(near, dtype(2)), np.nextafter(near, dtype(-1))],
        dtype=dtype,
    )
    values = np.column_stack([1 - column, column]).astype(dtype)
    if pos_index == 0:
        values = values[:, ::-1]
    exact = values.astype(np.float64)[:, pos_index] >= threshold
    expected = np.where(exact, pos_index, 1 - pos_index)
    assert_array_equal(binary_codes(values, threshold, pos_index), expected)


# ----------------------------------------------------------------------------------
# multiclass_codes
# ----------------------------------------------------------------------------------


@SEEDED
@given(
    rows=st.integers(3, 6).flatmap(
        lambda k: st.lists(
            st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5]), min_size=k, max_size=k),
            min_size=1,
            max_size=15,
        )
    ),
    t=ratio,
    kind=st.sampled_from([PROBA, MARGIN]),
)
def test_multiclass_equal_thresholds_are_argmax(rows, t, kind):
    """Check that equal ratios give np.argmax, ties to the first class."""
    values = np.asarray(rows)
    thresholds = np.full(values.shape[1], t)
    assert_array_equal(multiclass_codes(values, thresholds, kind), values.argmax(1))


@SEEDED
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 20),
    thresholds=st.lists(ratio, min_size=3, max_size=6),
)
def test_multiclass_ratios_are_argmax_of_p_over_t(seed, n, thresholds):
    """Check argmax_k p_k / t_k against a Python loop (first maximum wins)."""
    p = _rows(seed, n, len(thresholds))
    t = np.asarray(thresholds)
    expected = []
    for row in p.tolist():
        ratios = [pk / tk for pk, tk in zip(row, thresholds, strict=True)]
        expected.append(ratios.index(max(ratios)))
    assert_array_equal(multiclass_codes(p, t, PROBA), expected)


@SEEDED
@given(
    column=st.lists(unit, min_size=1, max_size=20),
    tau=st.floats(1e-9, 1.0, exclude_max=True),
)
def test_multiclass_two_classes_at_one_minus_tau_tau_is_binary_rule(column, tau):
    """Check that t = (1 - tau, tau) is exactly the binary rule at tau, ties too."""
    p = np.asarray([*column, tau, np.nextafter(tau, 0), np.nextafter(tau, 1)])
    values = np.column_stack([1 - p, p])
    expected = np.where(p >= tau, 1, 0)
    codes = multiclass_codes(values, np.array([1 - tau, tau]), PROBA)
    assert_array_equal(codes, expected)


@SEEDED
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 15),
    thresholds=st.lists(ratio, min_size=2, max_size=5),
)
def test_multiclass_margins_rule_is_the_rule_on_their_softmax(seed, n, thresholds):
    """Check argmax m_k - log t_k equals argmax softmax(m)_k / t_k."""
    m = np.random.default_rng(seed).normal(0, 4, (n, len(thresholds)))
    t = np.asarray(thresholds)
    adjusted = np.sort(m - np.log(t), axis=1)
    assume((adjusted[:, -1] - adjusted[:, -2]).min() > 1e-9)  # no near-ties
    on_softmax = multiclass_codes(softmax(m, axis=1), t, PROBA)
    assert_array_equal(multiclass_codes(m, t, MARGIN), on_softmax)
    assert_array_equal(on_softmax, np.argmax(softmax(m, axis=1) / t, axis=1))


# ----------------------------------------------------------------------------------
# multilabel_indicator: exact cuts in the scores' dtype
# ----------------------------------------------------------------------------------


@SEEDED
@given(
    thresholds=st.lists(
        st.one_of(unit, st.floats(-7e4, 7e4, allow_nan=False)), min_size=1, max_size=5
    ),
    extra=st.lists(st.floats(-7e4, 7e4, allow_nan=False), max_size=10),
    dtype=st.sampled_from([np.float64, np.float32, np.float16]),
)
def test_multilabel_indicator_in_dtype_equals_float64_comparison(
    thresholds, extra, dtype
):
    """Check values >= t cut in float16/float32 equals the comparison in float64."""
    t = np.asarray(thresholds)
    with np.errstate(over="ignore"):
        near = t.astype(dtype)
        candidates = [
            near,
            np.nextafter(near, dtype(np.inf)),
            np.nextafter(near, dtype(-np.inf)),
            *[np.full(len(t), v).astype(dtype) for v in extra],
        ]
    values = np.vstack(candidates).astype(dtype)
    result = multilabel_indicator(values, t)
    assert result.dtype == bool
    assert_array_equal(result, values.astype(np.float64) >= t)


# ----------------------------------------------------------------------------------
# apply_rule: logits, reject option
# ----------------------------------------------------------------------------------


@SEEDED
@given(
    logits=st.lists(st.floats(-30, 30), min_size=1, max_size=20),
    t=st.floats(0.001, 0.999),
    pos_index=st.sampled_from([0, 1]),
)
def test_apply_rule_binary_logits_equal_rule_on_expit(logits, t, pos_index):
    """Check that the binary rule on logits equals the rule on their expit."""
    m = np.asarray(logits)
    assume(np.abs(m - logit(t)).min() > 1e-9 and np.abs(-m - logit(t)).min() > 1e-9)
    on_logits = Scores(np.column_stack([-m, m]), MARGIN, True)
    p = expit(m)
    on_proba = Scores(np.column_stack([1 - p, p]), PROBA)
    codes, _ = apply_rule(
        on_logits, problem="binary", thresholds=t, pos_index=pos_index
    )
    expected, _ = apply_rule(
        on_proba, problem="binary", thresholds=t, pos_index=pos_index
    )
    assert_array_equal(codes, expected)


def test_apply_rule_binary_logits_stay_exact_where_expit_rounds():
    """Check that logits 40 and 50 are told apart where expit rounds both to 1."""
    m = np.array([40.0, 50.0])
    assert expit(40.0) == expit(50.0) == 1.0
    t = 1e-20  # p(class 0) = expit(-m): 4.2e-18 for 40, 1.9e-22 for 50
    on_logits = Scores(np.column_stack([-m, m]), MARGIN, True)
    codes, _ = apply_rule(on_logits, problem="binary", thresholds=t, pos_index=0)
    assert_array_equal(codes, np.where(expit(-m) >= t, 0, 1))
    assert_array_equal(codes, [0, 1])


@SEEDED
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 15),
    thresholds=st.lists(st.floats(0.01, 0.99), min_size=2, max_size=5),
)
def test_apply_rule_multilabel_logits_equal_rule_on_expit(seed, n, thresholds):
    """Check that multilabel logits cut at logit(t) equal expit(m) >= t."""
    m = np.random.default_rng(seed).normal(0, 5, (n, len(thresholds)))
    t = np.asarray(thresholds)
    assume(np.abs(m - logit(t)).min() > 1e-9)
    on_logits, _ = apply_rule(
        Scores(m, MARGIN, True), problem="multilabel", thresholds=t
    )
    assert_array_equal(on_logits, expit(m) >= t)


@SEEDED
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 15),
    thresholds=st.lists(ratio, min_size=3, max_size=5),
)
def test_apply_rule_multiclass_logits_equal_rule_on_softmax(seed, n, thresholds):
    """Check that multiclass logits give the ratio rule on their softmax."""
    m = np.random.default_rng(seed).normal(0, 5, (n, len(thresholds)))
    t = np.asarray(thresholds)
    adjusted = np.sort(m - np.log(t), axis=1)
    assume((adjusted[:, -1] - adjusted[:, -2]).min() > 1e-9)
    codes, rejected = apply_rule(
        Scores(m, MARGIN, True), problem="multiclass", thresholds=t
    )
    assert rejected is None
    assert_array_equal(codes, np.argmax(softmax(m, axis=1) / t, axis=1))


@SEEDED
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 20),
    k=st.integers(2, 5),
    tau=unit,
)
def test_apply_rule_rejects_rows_below_tau(seed, n, k, tau):
    """Check that a row is rejected iff its winning probability is below tau."""
    p = _rows(seed, n, k)
    problem = "binary" if k == 2 else "multiclass"
    thresholds = 0.5 if k == 2 else np.full(k, 0.5)
    codes, rejected = apply_rule(
        Scores(p, PROBA), problem=problem, thresholds=thresholds, reject_threshold=tau
    )
    assert_array_equal(rejected, p[np.arange(n), codes] < tau)
    if k > 2:
        assert_array_equal(codes, p.argmax(axis=1))


def test_apply_rule_rejects_logit_rows_by_their_probability():
    """Check that the reject option reads logits through expit / softmax."""
    m = np.array([[0.1], [3.0], [-0.2], [-4.0]])[:, 0]
    scores = Scores(np.column_stack([-m, m]), MARGIN, True)
    codes, rejected = apply_rule(
        scores, problem="binary", thresholds=0.5, reject_threshold=0.9
    )
    assert_array_equal(codes, (m >= 0).astype(int))
    assert_array_equal(rejected, np.maximum(expit(m), 1 - expit(m)) < 0.9)
