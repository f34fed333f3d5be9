"""sklabels._scores: model outputs to validated (n, k) score matrices.

Expected values are computed by hand with numpy/scipy, or read off real scikit-learn
estimators (``predict_proba`` lists of ``(n, 2)`` arrays, classes seen in fit).
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier

from sklabels import ProbabilisticLabelClassifier, RowSumWarning, decode
from sklabels._scores import (
    MARGIN,
    PROBA,
    align_named_columns,
    as_float_array,
    check_finite,
    check_proba_range,
    infer_problem,
    rounding_decimals,
    row_sum_kind,
    scores_from_array,
    scores_from_estimator,
)

SEEDED = settings(derandomize=True, deadline=None, max_examples=40)


def _softmax_rows(seed, n, k):
    """n rows of k probabilities that sum to 1 (float64)."""
    return np.random.default_rng(seed).dirichlet(np.ones(k), size=n)


# ----------------------------------------------------------------------------------
# as_float_array, check_finite, check_proba_range
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "dtype"),
    [
        (np.array([True, False]), np.float64),
        (np.array([[1, 0], [2, 3]], dtype=np.int32), np.float64),
        (np.array([0.5, 0.25], dtype=np.float32), np.float32),
        (np.array([[0.5], [0.25]], dtype=np.float16), np.float16),
        ([[0.1, 0.9], [0.3, 0.7]], np.float64),
    ],
)
def test_as_float_array_gives_floats_of_the_same_values(raw, dtype):
    """Check that numeric input comes back as floats with equal values and shape."""
    values = as_float_array(raw)
    assert values.dtype == dtype
    assert_array_equal(values, np.asarray(raw, dtype=np.float64))


@pytest.mark.parametrize(
    ("raw", "error", "message"),
    [
        (np.array(["0.1", "0.9"]), TypeError, "must hold numbers"),
        (np.array([0.1, "a"], dtype=object), TypeError, "must hold numbers"),
        (np.array([1 + 2j]), TypeError, "must hold numbers"),
        ([[0.1, 0.2], [0.3]], TypeError, "numpy cannot read"),
        (np.zeros((2, 3, 4)), ValueError, r"shape \(2, 3, 4\)"),
        (np.zeros(0), ValueError, "empty"),
        (np.zeros((3, 0)), ValueError, "no columns"),
    ],
)
def test_as_float_array_rejects_what_is_not_a_score_matrix(raw, error, message):
    """Check that text, ragged, 3-D, empty and column-less input raise."""
    with pytest.raises(error, match=message):
        as_float_array(raw)


@SEEDED
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 20), k=st.integers(1, 5))
def test_check_finite_returns_the_extremes(seed, n, k):
    """Check that check_finite returns the min and max of finite scores."""
    values = np.random.default_rng(seed).normal(0, 10, (n, k))
    assert check_finite(values) == (values.min(), values.max())


def test_check_finite_counts_rows_with_nan():
    """Check that NaN raises, naming the number of NaN rows and the first one."""
    values = np.array([[0.1, 0.2], [0.3, np.nan], [0.5, 0.5], [np.nan, np.nan]])
    with pytest.raises(ValueError, match=r"NaN in 2 row\(s\) \(first: row 1\)"):
        check_finite(values)


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_check_finite_rejects_infinity(bad):
    """Check that an infinite score raises a ValueError naming min and max."""
    values = np.array([0.2, bad, 0.7])
    with pytest.raises(ValueError, match=f"infinite values .*{abs(bad)}"):
        check_finite(values)


@pytest.mark.parametrize(
    ("lo", "hi", "ok"),
    [
        (0.0, 1.0, True),
        (-1e-6, 1 + 1e-6, True),
        (-2e-6, 0.5, False),
        (0.5, 1 + 2e-6, False),
        (-3.2, 4.1, False),
    ],
)
def test_check_proba_range_allows_rounding_slack_only(lo, hi, ok):
    """Check that [0, 1] with 1e-6 of slack passes and anything wider raises."""
    if ok:
        check_proba_range(lo, hi)
    else:
        with pytest.raises(ValueError, match="outside \\[0, 1\\]"):
            check_proba_range(lo, hi)


# ----------------------------------------------------------------------------------
# rounding_decimals and row_sum_kind
# ----------------------------------------------------------------------------------


@SEEDED
@given(
    seed=st.integers(0, 2**32 - 1),
    decimals=st.integers(1, 6),
    shape=st.tuples(st.integers(1, 10), st.integers(1, 5)),
)
def test_rounding_decimals_finds_the_fewest_decimals(seed, decimals, shape):
    """Check that rounded values report the fewest decimals they are multiples of."""
    values = np.round(np.random.default_rng(seed).random(shape), decimals)
    found = rounding_decimals(values)
    assert found is not None and found <= decimals
    assert_allclose(np.round(values, found), values, rtol=0, atol=1e-12)
    if found > 1:
        assert np.abs(np.round(values, found - 1) - values).max() > 1e-12
    if decimals <= 5:  # float32 storage of the same rounded values
        assert rounding_decimals(values.astype(np.float32)) == found


def test_rounding_decimals_of_unrounded_float64_is_none():
    """Check that float64 values with more than 6 decimals report None."""
    values = np.random.default_rng(0).random((20, 3))
    assert rounding_decimals(values) is None


@pytest.mark.parametrize(
    ("dtype", "most"), [(np.float32, 6), (np.float16, 2)], ids=["float32", "float16"]
)
def test_rounding_decimals_of_unrounded_low_precision_is_none(dtype, most):
    """Check that unrounded float32/float16 values are not reported as rounded."""
    values = np.random.default_rng(0).random((20, 3)).astype(dtype)
    # not multiples of 10**-most, far beyond a few units in their last place
    scaled = values.astype(np.float64) * 10.0**most
    assert np.abs(scaled - np.rint(scaled)).max() > 0.3
    assert rounding_decimals(values, most=most) is None


@SEEDED
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 30),
    k=st.integers(2, 12),
    dtype=st.sampled_from([np.float64, np.float32]),
)
def test_row_sum_kind_of_softmax_rows_is_softmax(seed, n, k, dtype):
    """Check that rows summing to 1 in float64 or float32 are 'softmax'."""
    values = _softmax_rows(seed, n, k).astype(dtype)
    assert row_sum_kind(values) == "softmax"


@SEEDED
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(5, 30), data=st.data())
def test_row_sum_kind_of_rounded_softmax_rows_is_softmax_like(seed, n, data):
    """Check that softmax rows rounded within the 0.05 bound are never multilabel."""
    decimals = data.draw(st.integers(2, 6))
    k = data.draw(st.integers(2, min(20, int(0.05 / (0.5 * 10.0**-decimals)))))
    values = np.round(_softmax_rows(seed, n, k), decimals)
    assert row_sum_kind(values) in ("softmax", "rounded")
    expected = "binary" if k == 2 else "multiclass"
    assert infer_problem(values, from_logits=False) == expected


def test_row_sum_kind_tolerance_is_documented_float_rounding():
    """Check max(1e-6, 16 k eps) as the exact tolerance, for float64 and float32."""
    base = _softmax_rows(1, 4, 4)
    # unrounded values (more than 6 decimals), row sums off by a chosen amount
    inside = base.copy()
    inside[:, 0] += 0.9e-6
    outside = base.copy()
    outside[:, 0] += 3e-6
    assert row_sum_kind(inside) == "softmax"
    assert row_sum_kind(outside) == "sigmoid"
    tolerance32 = 16 * 4 * np.finfo(np.float32).eps  # about 7.6e-6
    inside32 = base.copy()
    inside32[:, 0] += 0.8 * tolerance32
    assert row_sum_kind(inside32.astype(np.float32)) == "softmax"


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        # 2 decimals, 10 columns: bound 10 * 0.005 = 0.05, recognised
        (np.array([[0.11, 0.11, 0.11, 0.11, 0.11, 0.11, 0.11, 0.11, 0.11, 0.03]]), 0),
        # 2 decimals, 11 columns: bound 0.055 > 0.05, ambiguous
        (np.array([[0.09] * 10 + [0.07]]), 1),
        # 1 decimal: ambiguous
        (np.array([[0.3, 0.3, 0.3], [0.2, 0.3, 0.5]]), 1),
        # 3 decimals, 3 columns, off by 0.001
        (np.array([[0.333, 0.333, 0.333], [0.2, 0.3, 0.5]]), 0),
    ],
)
def test_row_sum_kind_rounding_bound(values, kind):
    """Check the k * 0.5 * 10**-d bound: at most 0.05 is rounded, above ambiguous."""
    assert abs(values.sum(axis=1) - 1).max() > 1e-6  # not exact
    assert row_sum_kind(values) == ("rounded", "ambiguous")[kind]


@pytest.mark.parametrize(
    ("n_rows", "n_exact", "kind"),
    [
        (10, 5, "ambiguous"),
        (10, 4, "sigmoid"),
        (9, 5, "sigmoid"),
        (20, 19, "ambiguous"),
    ],
)
def test_row_sum_kind_stray_rows(n_rows, n_exact, kind):
    """Check that half or more exact rows of at least 10, but not all, is ambiguous."""
    rng = np.random.default_rng(3)
    values = 0.4 + 0.5 * rng.random((n_rows, 3))  # rows sum to 1.2 .. 2.7
    values[:n_exact] = _softmax_rows(4, n_exact, 3)
    assert row_sum_kind(values) == kind


def test_row_sum_kind_of_sigmoid_columns_is_sigmoid():
    """Check that independent sigmoid outputs are 'sigmoid'."""
    values = expit(np.random.default_rng(5).normal(0, 3, (50, 4)))
    assert row_sum_kind(values) == "sigmoid"


# ----------------------------------------------------------------------------------
# infer_problem
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "problem"),
    [
        (np.array([0.2, 0.9]), "binary"),
        (np.array([[0.2], [0.9]]), "binary"),
        (np.array([[0.2, 0.8], [0.6, 0.4]]), "binary"),
        (np.array([[0.2, 0.5, 0.3], [0.1, 0.1, 0.8]]), "multiclass"),
        (np.array([[0.9, 0.8, 0.1], [0.1, 0.1, 0.2]]), "multilabel"),
        (np.array([[0.9, 0.8], [0.1, 0.1]]), "multilabel"),
    ],
)
def test_infer_problem_reads_the_array(values, problem):
    """Check one column is binary, softmax rows single-label, others multilabel."""
    assert infer_problem(values, from_logits=False) == problem


def test_infer_problem_single_logit_column_is_binary():
    """Check that a single logit column is binary and several logits raise."""
    assert infer_problem(np.array([[-3.0], [4.0]]), from_logits=True) == "binary"
    with pytest.raises(
        ValueError, match="problem='multiclass' or problem='multilabel'"
    ):
        infer_problem(np.array([[-3.0, 1.0], [4.0, 0.0]]), from_logits=True)


def test_infer_problem_ambiguous_names_the_worst_row():
    """Check that an ambiguous array raises naming the row furthest from 1."""
    values = _softmax_rows(6, 12, 3)
    values[7] = [0.9, 0.8, 0.2]  # sums to 1.9
    values[2] = [0.5, 0.5, 0.3]  # sums to 1.3
    with pytest.raises(ValueError, match=r"row 7 sums to 1\.9\b"):
        infer_problem(values, from_logits=False)


# ----------------------------------------------------------------------------------
# align_named_columns
# ----------------------------------------------------------------------------------


def test_align_named_columns_reorders_a_dataframe_by_name():
    """Check that DataFrame columns are put in classes order, whatever their order."""
    values = np.random.default_rng(7).random((5, 3))
    frame = pd.DataFrame(values, columns=["c", "a", "b"])
    aligned, named = align_named_columns(frame, np.array(["a", "b", "c"]))
    assert named is None
    assert_array_equal(aligned, values[:, [1, 2, 0]])


def test_align_named_columns_matches_text_headers():
    """Check that a CSV header '1' names the class 1 (matching by text)."""
    values = np.array([[0.3, 0.7], [0.9, 0.1]])
    frame = pd.DataFrame(values, columns=["1", "0"])
    aligned, _ = align_named_columns(frame, np.array([0, 1]))
    assert_array_equal(aligned, values[:, ::-1])


def test_align_named_columns_keeps_default_columns_positional():
    """Check that pandas' default 0..k-1 columns keep their positions."""
    values = np.random.default_rng(8).random((4, 3))
    aligned, named = align_named_columns(pd.DataFrame(values), np.array([2, 1, 0]))
    assert named is None
    assert_array_equal(aligned, values)


def test_align_named_columns_strided_range_columns_are_names():
    """Check that columns 0, 2, 4 (not 0..k-1) are matched to classes by name."""
    values = np.random.default_rng(9).random((4, 6))
    frame = pd.DataFrame(values).iloc[:, ::2]
    assert list(frame.columns) == [0, 2, 4]
    aligned, _ = align_named_columns(frame, np.array([4, 2, 0]))
    assert_array_equal(aligned, values[:, [4, 2, 0]])


@pytest.mark.parametrize(
    ("make", "index"),
    [
        (lambda v: pd.Series(v, name="neg"), 0),
        (lambda v: pd.Series(v, name="pos"), 1),
        (lambda v: pd.DataFrame({"neg": v}), 0),
        (lambda v: pd.Series(v, name="score"), None),
        (lambda v: pd.Series(v), None),
        (lambda v: pd.DataFrame({"p": v}), None),
    ],
)
def test_align_named_columns_single_column_names_its_class(make, index):
    """Check that a single column named by a class gives its index; captions none."""
    column = np.array([0.1, 0.8, 0.4])
    aligned, named = align_named_columns(make(column), np.array(["neg", "pos"]))
    assert named == index
    assert_array_equal(np.asarray(aligned).reshape(-1), column)


def test_align_named_columns_mismatch_lists_missing_and_extra():
    """Check that columns not naming the classes raise, listing both sets."""
    frame = pd.DataFrame(np.zeros((2, 3)), columns=["x", "a", "b"])
    with pytest.raises(ValueError) as info:
        align_named_columns(frame, np.array(["a", "b", "c"]))
    message = str(info.value)
    assert "Missing: ['c']" in message
    assert "not classes: ['x']" in message


def test_align_named_columns_without_classes_changes_nothing():
    """Check that without classes the input object is returned as it is."""
    frame = pd.DataFrame({"b": [0.1], "a": [0.9]})
    aligned, named = align_named_columns(frame, None)
    assert aligned is frame
    assert named is None


# ----------------------------------------------------------------------------------
# scores_from_array
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize("owner", [0, 1])
def test_scores_from_array_places_a_single_column_on_its_owner(owner):
    """Check that a single probability column scores classes[owner]."""
    p = np.array([0.1, 0.75, 0.5], dtype=np.float32)
    scores, problem = scores_from_array(
        p, classes=np.array(["a", "b"]), problem="auto", owner=owner
    )
    assert problem == "binary"
    assert scores.kind == PROBA
    expected = np.zeros((3, 2))
    expected[:, owner] = p
    expected[:, 1 - owner] = 1 - p.astype(np.float64)
    assert_array_equal(scores.values, expected)


def test_scores_from_array_named_series_overrides_owner():
    """Check that a Series named by a class scores that class, whatever owner says."""
    p = np.array([0.2, 0.9])
    scores, _ = scores_from_array(
        pd.Series(p, name="neg"), classes=np.array(["neg", "pos"]), problem="auto"
    )
    assert_array_equal(scores.values, np.column_stack([p, 1 - p]))


def test_scores_from_array_logit_column_stays_logits():
    """Check that one logit column becomes [-m, m] margins marked as logits."""
    m = np.array([-40.0, 0.5, 3.0])
    scores, problem = scores_from_array(
        m, classes=np.array([0, 1]), problem="auto", from_logits=True
    )
    assert (problem, scores.kind, scores.logits) == ("binary", MARGIN, True)
    assert_array_equal(scores.values, np.column_stack([-m, m]))
    assert_allclose(softmax(scores.values * 0.5, axis=1)[:, 1], expit(m))


def test_scores_from_array_two_softmax_logits_keep_their_difference():
    """Check that binary softmax logits give [-d, d] with d = m1 - m0."""
    m = np.array([[2.0, -1.0], [0.5, 4.0]])
    scores, _ = scores_from_array(
        m, classes=np.array([0, 1]), problem="binary", from_logits=True
    )
    d = m[:, 1] - m[:, 0]
    assert_array_equal(scores.values, np.column_stack([-d, d]))
    assert_allclose(expit(scores.values[:, 1]), softmax(m, axis=1)[:, 1])


def test_scores_from_array_multiclass_logits_are_kept():
    """Check that multiclass logits pass through unchanged, marked as logits."""
    m = np.array([[2.0, -1.0, 7.0], [0.5, 4.0, -3.0]])
    scores, _ = scores_from_array(
        m, classes=np.array(list("abc")), problem="multiclass", from_logits=True
    )
    assert (scores.kind, scores.logits) == (MARGIN, True)
    assert_array_equal(scores.values, m)


def test_scores_from_array_reorders_a_named_dataframe():
    """Check that named DataFrame columns are matched to classes before validation."""
    values = _softmax_rows(10, 4, 3)
    frame = pd.DataFrame(values, columns=["z", "x", "y"])
    scores, problem = scores_from_array(
        frame, classes=np.array(["x", "y", "z"]), problem="auto"
    )
    assert problem == "multiclass"
    assert_array_equal(scores.values, values[:, [1, 2, 0]])


@pytest.mark.parametrize(
    ("raw", "classes", "problem", "message"),
    [
        (np.full((2, 3), 1 / 3), ["a", "b"], "auto", "3 column"),
        (np.full((2, 3), 1 / 3), ["a", "b"], "binary", "3 column"),
        (np.array([0.2, 0.8]), ["a", "b", "c"], "binary", "exactly 2 classes"),
        (np.array([0.2, 0.8]), ["a", "b", "c"], "multiclass", "one column"),
        (np.full((2, 2), 0.5), ["a", "b", "c"], "multilabel", "2 column"),
        (np.array([[0.2, 1.5]]), ["a", "b"], "multilabel", "outside"),
        (np.array([[0.2, np.nan]]), ["a", "b"], "multilabel", "NaN"),
    ],
)
def test_scores_from_array_rejects_wrong_counts_and_values(
    raw, classes, problem, message
):
    """Check that wrong column counts and invalid probabilities raise ValueError."""
    with pytest.raises(ValueError, match=message):
        scores_from_array(raw, classes=np.array(classes), problem=problem)


def test_scores_from_array_logits_may_leave_the_unit_interval():
    """Check that from_logits accepts scores outside [0, 1] unchanged."""
    m = np.array([[-5.0, 12.0], [3.0, 0.0]])
    scores, _ = scores_from_array(
        m, classes=np.array(["a", "b"]), problem="multilabel", from_logits=True
    )
    assert_array_equal(scores.values, m)


# ----------------------------------------------------------------------------------
# scores_from_estimator
# ----------------------------------------------------------------------------------


def _blobs(n=30, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, 2))


def test_scores_from_estimator_stacks_per_label_probabilities():
    """Check that a list of per-label arrays gives each label's p(1) column."""
    X = _blobs()
    y = np.column_stack([X[:, 0] > 0, X[:, 1] > 0, np.zeros(len(X))]).astype(int)
    model = KNeighborsClassifier(n_neighbors=3).fit(X, y)
    raw = model.predict_proba(X[:5])
    assert raw[2].shape == (5, 1)  # a label never on: fitted on [0] only
    scores = scores_from_estimator(
        raw,
        method="predict_proba",
        problem="multilabel",
        n_classes=3,
        estimator_classes=model.classes_,
    )
    expected = np.column_stack([raw[0][:, 1], raw[1][:, 1], np.zeros(5)])
    assert scores.kind == PROBA
    assert_array_equal(scores.values, expected)


def test_scores_from_estimator_fills_classes_the_model_never_saw():
    """Check that classes absent in fit get probability 0 in their column."""
    X = _blobs()
    codes = np.where(X[:, 0] > 0, 2, 0)  # classes 0 and 2 of 0..2
    model = LogisticRegression().fit(X, codes)
    proba = model.predict_proba(X[:6])
    scores = scores_from_estimator(
        proba,
        method="predict_proba",
        problem="multiclass",
        n_classes=3,
        estimator_classes=model.classes_,
    )
    expected = np.column_stack([proba[:, 0], np.zeros(6), proba[:, 1]])
    assert_array_equal(scores.values, expected)
    margins = scores_from_estimator(
        model.decision_function(X[:6]),
        method="decision_function",
        problem="multiclass",
        n_classes=3,
        estimator_classes=model.classes_,
    )
    assert margins.kind == MARGIN
    assert_allclose(softmax(margins.values, axis=1), expected, atol=1e-12)


def test_scores_from_estimator_binary_margin_scores_classes_1():
    """Check that a 1-D decision_function m becomes [-m, m]."""
    m = np.array([-2.0, 0.0, 3.5])
    scores = scores_from_estimator(
        m, method="decision_function", problem="binary", n_classes=2
    )
    assert scores.kind == MARGIN
    assert_array_equal(scores.values, np.column_stack([-m, m]))


def test_scores_from_estimator_matches_dataframe_columns_to_model_classes():
    """Check that a DataFrame response is reordered by the model's classes_."""
    values = _softmax_rows(11, 4, 3)
    frame = pd.DataFrame(values, columns=["c", "a", "b"])
    scores = scores_from_estimator(
        frame,
        method="predict_proba",
        problem="multiclass",
        n_classes=3,
        estimator_classes=np.array(["a", "b", "c"]),
    )
    assert_array_equal(scores.values, values[:, [1, 2, 0]])
    unnamed = scores_from_estimator(
        pd.DataFrame(values),
        method="predict_proba",
        problem="multiclass",
        n_classes=3,
        estimator_classes=np.array(["a", "b", "c"]),
    )
    assert_array_equal(unnamed.values, values)


@pytest.mark.parametrize(
    ("raw", "kwargs", "message"),
    [
        (
            pd.DataFrame(np.full((2, 2), 0.5), columns=["x", "y"]),
            {"problem": "binary", "n_classes": 2, "estimator_classes": [0, 1]},
            "do not name the classes",
        ),
        (
            np.full((2, 3), 1 / 3),
            {"problem": "multiclass", "n_classes": 4},
            r"3 column\(s\) but the model should score 4",
        ),
        (
            [np.full((2, 2), 0.5)] * 2,
            {"problem": "multilabel", "n_classes": 3},
            "list of 2 per-label arrays but there are 3",
        ),
        (
            [np.full((2, 2), 0.5), np.full((2, 3), 0.2)],
            {"problem": "multilabel", "n_classes": 2},
            r"\[1\] has 3 columns",
        ),
        (
            np.array([[0.5, 1.5]]),
            {"problem": "binary", "n_classes": 2},
            "outside",
        ),
        (
            np.array([[0.5, np.nan]]),
            {"problem": "binary", "n_classes": 2},
            "NaN",
        ),
    ],
)
def test_scores_from_estimator_rejects_what_does_not_fit(raw, kwargs, message):
    """Check that unmatched names, wrong counts and invalid values raise ValueError."""
    with pytest.raises(ValueError, match=message):
        scores_from_estimator(raw, method="predict_proba", **kwargs)


def test_scores_from_estimator_one_column_for_two_labels_raises():
    """Check that one column for a two-label multilabel problem raises."""
    with pytest.raises(ValueError, match="column"):
        scores_from_estimator(
            np.array([0.2, 0.9]),
            method="predict_proba",
            problem="multilabel",
            n_classes=2,
        )


@SEEDED
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
    k=st.integers(3, 200),
    wide=st.sampled_from([np.float16, np.float32, np.float64]),
)
def test_float16_softmax_rows_are_softmax_in_any_container(seed, n, k, wide):
    """Check that float16 softmax rows, kept or widened, decode as multiclass rows."""
    rng = np.random.default_rng(seed)
    half = softmax(rng.normal(scale=3.0, size=(n, k)), axis=1).astype(np.float16)
    values = half.astype(wide)
    assert row_sum_kind(values) == "softmax"
    assert infer_problem(values, from_logits=False) == "multiclass"
    classes = [f"c{j}" for j in range(k)]
    assert_array_equal(
        decode(values, classes), decode(half, classes, problem="multiclass")
    )


def test_float16_rows_far_from_one_are_not_softmax():
    """Check that float16 rows of many columns summing to 1.05 are not softmax rows."""
    values = np.full((20, 64), 1.05 / 64, dtype=np.float16)
    assert row_sum_kind(values) == "sigmoid"
    assert row_sum_kind(values.astype(np.float32)) == "sigmoid"


@pytest.mark.parametrize(
    "options", [{}, {"reject_threshold": 0.5, "reject_label": "unsure"}]
)
def test_explicit_multiclass_rows_far_from_one_warn_once(options):
    """Check that problem="multiclass" on rows summing to 0.3 warns once."""
    rows = np.array([[0.1, 0.1, 0.1], [0.05, 0.2, 0.1]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        labels = decode(rows, ["a", "b", "c"], problem="multiclass", **options)
    assert [w.category for w in caught] == [RowSumWarning]
    message = str(caught[0].message)
    assert "row 0 sums to 0.3" in message and "reject_threshold" in message
    assert "from_logits=True" in message
    assert caught[0].filename == __file__
    expected = ["unsure", "unsure"] if options else ["a", "b"]
    assert labels.tolist() == expected


@SEEDED
@given(seed=st.integers(0, 2**32 - 1), decimals=st.sampled_from([None, 2, 3]))
def test_explicit_multiclass_softmax_rows_do_not_warn(seed, decimals):
    """Check that softmax rows, exact or rounded, decode without a warning."""
    rows = softmax(np.random.default_rng(seed).normal(size=(30, 4)), axis=1)
    if decimals is not None:
        rows = np.round(rows, decimals)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RowSumWarning)
        decode(
            rows,
            list("abcd"),
            problem="multiclass",
            reject_threshold=0.4,
            reject_label="?",
        )


class _SigmoidPerClass(ClassifierMixin, BaseEstimator):
    """A multiclass model whose predict_proba is one sigmoid per class."""

    def fit(self, X, y):
        self.model_ = LogisticRegression(max_iter=500).fit(X, y)
        self.classes_ = self.model_.classes_
        return self

    def predict_proba(self, X):
        return expit(self.model_.decision_function(X))


@pytest.mark.parametrize("threshold", [None, "auto"])
def test_estimator_multiclass_rows_far_from_one_warn_once_per_call(threshold):
    """Check that a model's non-softmax multiclass rows warn once in fit and predict."""
    X, y = load_iris(return_X_y=True)
    clf = ProbabilisticLabelClassifier(_SigmoidPerClass(), threshold=threshold)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
        clf.predict(X)
    names = [w.category for w in caught]
    assert names == [RowSumWarning] * (2 if threshold == "auto" else 1)
    assert "_SigmoidPerClass.predict_proba outputs" in str(caught[-1].message)
