"""The sort and count core of the sweep: integer keys, threads, exact as an argsort."""

from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.utils._param_validation import InvalidParameterError

from sklabels import RecallAtPrecision, tune_thresholds
from sklabels._objectives import f1, mcc
from sklabels._sorted_counts import (
    distinct_counts,
    floats_of,
    map_columns,
    monotone_keys,
)
from sklabels._sweep import sweep, tune_columns


def argsort_counts(scores, truth, weight=None):
    """The sweep's counting as it was before integer keys: one argsort."""
    scores = np.asarray(scores)
    order = np.argsort(scores, kind="stable")
    s = scores[order]
    n = len(s)
    change = np.empty(n, dtype=bool)
    if n:
        change[0] = True
        np.not_equal(s[1:], s[:-1], out=change[1:])
    starts = np.flatnonzero(change)
    distinct = s[starts].astype(np.float64)
    if weight is None:
        pos = truth[order]
        cum = np.cumsum(pos, dtype=np.int64)
        return distinct, cum[starts] - pos[starts], starts, int(cum[-1]) if n else 0, n
    w = weight[order]
    cum = np.zeros(n + 1)
    np.cumsum(np.where(truth[order], w, 0.0), out=cum[1:])
    cum_w = np.zeros(n + 1)
    np.cumsum(w, out=cum_w[1:])
    return distinct, cum[starts], cum_w[starts], float(cum[-1]), float(cum_w[-1])


# Values that stress the keys: both zeros, both signs, far apart, tiny, infinite.
LEVELS = [-np.inf, -3e38, -2.5, -1e-40, -0.0, 0.0, 1e-45, 0.25, 0.5, 0.75, 1.0, 7e37]
PROBA_LEVELS = [0.0, 1e-7, 0.1, 0.25, 0.5, 0.5000001, 0.9, 1.0]
WEIGHTS = [0.0, 0.25, 0.5, 1.0, 2.0, 3.0]  # sums are exact in any order


@st.composite
def columns(draw, levels=LEVELS, max_rows=60):
    n = draw(st.integers(0, max_rows))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    scores = np.array(draw(st.lists(st.sampled_from(levels), min_size=n, max_size=n)))
    truth = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), bool)
    weight = None
    if draw(st.booleans()):
        weight = np.array(
            draw(st.lists(st.sampled_from(WEIGHTS[1:]), min_size=n, max_size=n))
        )
    return scores.astype(dtype), truth, weight


def assert_same_counts(got, want):
    assert len(got) == len(want) == 5
    for g, w in zip(got, want, strict=True):
        np.testing.assert_array_equal(g, w)
        assert np.asarray(g).dtype.kind == np.asarray(w).dtype.kind


@settings(max_examples=150, deadline=None)
@given(columns())
def test_distinct_counts_equal_argsort_counts(column):
    """Check that the integer-key paths give the argsort's values and counts exactly."""
    scores, truth, weight = column
    before = scores.copy()
    assert_same_counts(
        distinct_counts(scores, truth, weight), argsort_counts(scores, truth, weight)
    )
    np.testing.assert_array_equal(scores, before)  # the input is left unchanged
    assert np.array_equal(np.signbit(scores), np.signbit(before))


@settings(max_examples=200, deadline=None)
@given(hnp.arrays(st.sampled_from([np.float32, np.float64]), st.integers(1, 200)))
def test_keys_order_as_the_floats(values):
    """Check that the monotone keys sort like the floats and map back to them."""
    values = values[~np.isnan(values)] + values.dtype.type(0)
    keys = monotone_keys(values.copy())
    np.testing.assert_array_equal(
        floats_of(np.sort(keys), values.dtype), np.sort(values).astype(np.float64)
    )


def test_distinct_counts_paths_agree_on_wide_and_nan_columns():
    """Check the fallbacks: float64 of both signs far apart, NaN, float16."""
    rng = np.random.default_rng(0)
    truth = rng.random(500) < 0.3
    wide = rng.choice([-1e300, -1.0, 0.0, 2.0, 1e300], 500)
    weights = (None, rng.choice(WEIGHTS[1:], 500))
    nan = np.where(truth, np.nan, wide)
    with np.errstate(over="ignore"):
        half = wide.astype(np.float16)
    for scores, weight in [(wide, w) for w in weights] + [(half, None), (nan, None)]:
        want = argsort_counts(scores, truth, weight)
        got = distinct_counts(scores, truth, weight)
        for g, w in zip(got, want, strict=True):
            np.testing.assert_array_equal(g, w)  # NaN equals NaN here


def old_sweep(scores, truth, sample_weight=None, *, proba=False):
    with mock.patch("sklabels._sweep.distinct_counts", argsort_counts):
        return sweep(scores, truth, sample_weight, proba=proba)


@settings(max_examples=200, deadline=None)
@given(columns(), st.booleans())
def test_sweep_equals_the_argsort_sweep(column, proba):
    """Check that every field of the sweep equals the argsort sweep's."""
    scores, truth, weight = column
    if weight is not None:
        weight[: len(weight) // 3] = 0.0  # zero weights are left out
    got, want = (
        sweep(scores, truth, weight, proba=proba),
        old_sweep(scores, truth, weight, proba=proba),
    )
    for field in ("cuts", "tp", "fp", "fn", "tn", "available"):
        np.testing.assert_array_equal(getattr(got, field), getattr(want, field))


def tune(values, truth, weight=None, n_jobs=None, objective=f1, old=False):
    kwargs = dict(
        objective=objective,
        name="objective",
        sample_weight=weight,
        proba=True,
        keep_curves=True,
        n_jobs=n_jobs,
    )
    # Threads even for tiny inputs, which would otherwise run on one.
    with mock.patch("sklabels._sorted_counts._CELLS_PER_THREAD", 0):
        if old:
            with mock.patch("sklabels._sweep.distinct_counts", argsort_counts):
                return tune_columns(values, truth, **kwargs)
        return tune_columns(values, truth, **kwargs)


def assert_same_tuning(a, b):
    for field in ("thresholds", "best", "start"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field))
    for field in ("untuned", "constant", "few", "unreachable"):
        assert getattr(a, field) == getattr(b, field)
    for x, y in zip(a.curves, b.curves, strict=True):
        for field in ("thresholds", "scores", "tp", "fp", "fn", "tn"):
            np.testing.assert_array_equal(getattr(x, field), getattr(y, field))
        assert (x.best_threshold, x.best_score) == (y.best_threshold, y.best_score)


@st.composite
def matrices(draw):
    n = draw(st.integers(1, 40))
    k = draw(st.integers(1, 37))
    cells = st.lists(st.sampled_from(PROBA_LEVELS), min_size=n * k, max_size=n * k)
    values = np.array(draw(cells), dtype=np.float32).reshape(n, k)
    truth = np.array(draw(st.lists(st.booleans(), min_size=n * k, max_size=n * k)))
    truth = truth.reshape(n, k)
    constant = draw(st.integers(0, k - 1))
    values[:, constant] = 0.5  # a constant predictor
    weight = None
    if draw(st.booleans()):
        weight = np.array(
            draw(st.lists(st.sampled_from(WEIGHTS), min_size=n, max_size=n))
        )
    return values, truth, weight


@settings(max_examples=40, deadline=None)
@given(matrices(), st.sampled_from([f1, mcc, RecallAtPrecision(0.7)]))
def test_tune_columns_same_for_any_threads_and_as_before(matrix, objective):
    """Check n_jobs=1, 2, 3, the argsort engine, float64 and F-order agree exactly."""
    values, truth, weight = matrix
    one = tune(values, truth, weight, 1, objective)
    assert_same_tuning(one, tune(values, truth, weight, 2, objective))
    assert_same_tuning(one, tune(values, truth, weight, 3, objective))
    assert_same_tuning(one, tune(values, truth, weight, 1, objective, old=True))
    assert_same_tuning(
        one, tune(values.astype(np.float64), truth, weight, 2, objective)
    )
    assert_same_tuning(
        one, tune(np.asfortranarray(values), truth, weight, 2, objective)
    )


def test_tune_columns_threads_on_long_columns():
    """Check blocks copied in chunks of rows: many rows, columns of every kind."""
    rng = np.random.default_rng(1)
    n, k = 20_011, 11
    truth = rng.random((n, k)) < np.linspace(0.02, 0.6, k)
    values = np.round(rng.random((n, k)) * 0.7 + truth * 0.3, 3).astype(np.float32)
    values[:, 3] = rng.random(n)  # float64 cast back: mostly distinct
    values[:, 4] = 0.25
    truth[:, 5] = False
    wide = np.hstack([values, values[:, :3] * 2 - 1])  # logits-like, both signs
    weight = rng.choice(WEIGHTS, n)
    for w in (None, weight):
        one = tune(wide, truth[:, list(range(k)) + [0, 1, 2]], w, 1)
        assert_same_tuning(one, tune(wide, truth[:, list(range(k)) + [0, 1, 2]], w, -1))
        assert_same_tuning(
            one, tune(wide, truth[:, list(range(k)) + [0, 1, 2]], w, 1, old=True)
        )
        assert_same_tuning(
            one,
            tune(
                wide[:, ::1].copy(order="F"), truth[:, list(range(k)) + [0, 1, 2]], w, 2
            ),
        )
    assert tune(values, truth, n_jobs=2).untuned == [5]


def test_map_columns_keeps_column_order_and_copies():
    """Check results come back in column order and the input is not modified."""
    values = np.arange(60, dtype=np.float64).reshape(6, 10) * -0.0
    before = values.copy()
    with mock.patch("sklabels._sorted_counts._CELLS_PER_THREAD", 0):
        seen = map_columns(
            lambda j, col, hits: (j, col.copy(), hits.dtype), values, values > 0, 3
        )
    assert [j for j, _, _ in seen] == list(range(10))
    for j, col, dtype in seen:
        np.testing.assert_array_equal(col, values[:, j])
        assert dtype == np.dtype(bool)
    assert np.array_equal(np.signbit(values), np.signbit(before))


def test_objective_errors_surface_from_threads():
    """Check an objective's NaN error reaches the caller with n_jobs=2."""
    rng = np.random.default_rng(2)
    values = rng.random((50, 6))
    truth = rng.random((50, 6)) < 0.5

    def nan_objective(tp, fp, fn, tn):
        return np.full(np.shape(tp), np.nan)

    with pytest.raises(ValueError, match="returned NaN"):
        tune(values, truth, n_jobs=2, objective=nan_objective)


def test_tune_thresholds_n_jobs():
    """Check tune_thresholds gives the same result for any n_jobs and checks it."""
    rng = np.random.default_rng(3)
    y = rng.random((300, 5)) < 0.3
    scores = np.clip(rng.random((300, 5)) * 0.7 + y * 0.3, 0, 1).astype(np.float32)
    one = tune_thresholds(y.astype(int), scores, problem="multilabel")
    two = tune_thresholds(y.astype(int), scores, problem="multilabel", n_jobs=-1)
    assert one.to_dict() == two.to_dict()
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        tune_thresholds(y.astype(int), scores, problem="multilabel", n_jobs="all")


def test_classifier_passes_n_jobs_to_the_tuner():
    """Check ProbabilisticLabelClassifier's n_jobs reaches the column threads."""
    from sklearn.frozen import FrozenEstimator
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    from sklabels import ProbabilisticLabelClassifier

    rng = np.random.default_rng(4)
    X = rng.normal(size=(200, 4))
    y = (X[:, :3] + rng.normal(size=(200, 3)) > 0).astype(int)
    model = OneVsRestClassifier(LogisticRegression()).fit(X, y)
    seen = []

    def spy(func, values, truth, n_jobs=None):
        seen.append(n_jobs)
        return map_columns(func, values, truth, n_jobs)

    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(model), threshold="auto", n_jobs=2
    )
    with mock.patch("sklabels._sweep.map_columns", spy):
        clf.fit(X, y)
    assert seen[0] == 2  # the pooled tuning; per-fold evidence follows it
    plain = ProbabilisticLabelClassifier(FrozenEstimator(model), threshold="auto")
    np.testing.assert_array_equal(plain.fit(X, y).thresholds_, clf.thresholds_)
