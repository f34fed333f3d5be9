"""The optimum from the positives' scores: bit for bit the full sweep's."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from sklabels import FBeta, PrecisionAtRecall, RecallAtPrecision, tune_thresholds
from sklabels._objectives import (
    accuracy,
    balanced_accuracy,
    f1,
    jaccard,
    mcc,
    precision,
    recall,
    youden,
)
from sklabels._positive_cuts import never_gains_from_false_positives
from sklabels._sweep import tune_columns

TOL = 1e-12
MONOTONE = [
    f1,
    balanced_accuracy,
    youden,
    accuracy,
    jaccard,
    precision,
    recall,
    FBeta(0.5),
    FBeta(3),
    RecallAtPrecision(0.6),
    PrecisionAtRecall(0.7),
]


def reference_tune(column, hits, objective, proba, start_at=0.5):
    """The full sweep as it was: every distinct score a cut, the objective on all.

    Returns ``(threshold, best, start)``; ``None`` where no cut is allowed (a
    constrained floor met nowhere: the engine's fallback decides).
    """
    s = np.asarray(column) + column.dtype.type(0)
    order = np.argsort(s, kind="stable")
    s, h = s[order], hits[order]
    n = len(s)
    starts = np.flatnonzero(np.r_[True, s[1:] != s[:-1]])
    cum = np.cumsum(h, dtype=np.int64)
    below_pos = cum[starts] - h[starts]
    total_pos = int(cum[-1])
    tp = np.r_[0.0, (total_pos - below_pos)[::-1]].astype(float)
    pp = np.r_[0.0, (n - starts)[::-1]].astype(float)
    fp = pp - tp
    cuts = np.r_[0.0, s[starts].astype(np.float64)[::-1]]
    top = cuts[1]
    available = np.ones(len(cuts), dtype=bool)
    if proba and top >= 1.0:
        cuts[0] = np.nextafter(1.0, np.inf)
        available[0] = False
    elif proba:
        cuts[0] = 1.0
    else:
        cuts[0] = np.nextafter(top, np.inf)
    values = np.asarray(
        objective(tp, fp, total_pos - tp, (n - total_pos) - fp), dtype=float
    )
    at = int(np.searchsorted(-cuts, -start_at, side="right")) - 1
    start = float(values[max(at, 0)])
    values = np.where(available, values, -np.inf)
    best = float(np.max(values))
    if best == -np.inf:
        return None
    on_top = values >= best - TOL * max(1.0, abs(best))
    first = int(np.argmax(on_top))
    off = np.flatnonzero(~on_top[first:])
    end = first + int(off[0]) if off.size else len(values)
    index = (first + end - 1) // 2
    upper = float(cuts[index])
    if index == 0 or index + 1 >= len(cuts):
        return upper, best, start
    lower = float(cuts[index + 1])
    mid = (upper + lower) / 2
    return (mid if lower < mid <= upper else upper), best, start


def tuned(column, hits, objective, proba):
    result = tune_columns(
        column[:, None], hits[:, None], objective=objective, name="o", proba=proba
    )
    return result.thresholds[0], result.best[0], result.start[0]


def same_bits(got, expected):
    return (
        np.array(got, dtype=float).tobytes()
        == np.array(expected, dtype=float).tobytes()
    )


@st.composite
def columns(draw):
    """Short columns of few distinct values (ties, plateaus), both classes present."""
    n = draw(st.integers(2, 60))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    levels = draw(st.integers(1, 12))
    grid = np.linspace(0, 1, levels + 1).astype(dtype)
    picks = draw(hnp.arrays(np.int64, n, elements=st.integers(0, levels)))
    hits = draw(hnp.arrays(bool, n))
    if hits.all() or not hits.any():
        hits[0] = not hits[0]
    return grid[picks], hits


@settings(derandomize=True, max_examples=300, deadline=None)
@given(columns(), st.sampled_from(MONOTONE), st.booleans())
def test_tune_by_positives_equals_the_full_sweep_bit_for_bit(column, objective, proba):
    """Check that thresholds, best and start values equal the full sweep's, bits and
    all, for every objective that never gains from a false positive."""
    scores, hits = column
    expected = reference_tune(scores, hits, objective, proba)
    if expected is None:  # the constrained fallback: the full sweep's own path
        return
    if scores.min() == scores.max():  # a constant column keeps the default
        return
    assert same_bits(tuned(scores, hits, objective, proba), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("objective", [f1, balanced_accuracy, FBeta(2)])
def test_tune_by_positives_equals_the_full_sweep_on_long_noisy_columns(
    dtype, objective
):
    """Check that long columns with many distinct scores, logits (negative scores) and
    wide plateaus tune to the full sweep's thresholds bit for bit."""
    rng = np.random.default_rng(0)
    for n, rounding in [(20_000, None), (20_000, 2), (5_000, 1)]:
        hits = rng.random(n) < 0.2
        scores = rng.normal(size=n) + 1.5 * hits
        if rounding is not None:
            scores = np.round(scores, rounding)
        scores = scores.astype(dtype)
        expected = reference_tune(scores, hits, objective, False, start_at=0.0)
        got = tune_columns(
            scores[:, None],
            hits[:, None],
            objective=objective,
            name="o",
            start_at=0.0,
        )
        got = got.thresholds[0], got.best[0], got.start[0]
        assert same_bits(got, expected)


def test_tune_by_positives_same_for_any_number_of_threads():
    """Check that the fast path gives the same thresholds for every n_jobs."""
    rng = np.random.default_rng(1)
    truth = rng.random((3000, 6)) < np.geomspace(0.4, 0.02, 6)
    scores = np.clip(rng.random((3000, 6)) + 0.3 * truth, 0, 1).astype(np.float32)
    one = tune_thresholds(truth, scores, problem="multilabel", n_jobs=1)
    every = tune_thresholds(truth, scores, problem="multilabel", n_jobs=-1)
    curves = tune_thresholds(truth, scores, problem="multilabel", return_curves=True)
    assert same_bits(one.thresholds, every.thresholds)
    assert same_bits(one.thresholds, curves.thresholds)
    assert one.class_scores == curves.class_scores


def test_never_gains_from_false_positives_only_for_known_objectives():
    """Check that MCC, costs and user callables keep the full sweep."""
    assert all(never_gains_from_false_positives(o) for o in MONOTONE)
    assert not never_gains_from_false_positives(mcc)
    assert not never_gains_from_false_positives(lambda tp, fp, fn, tn: tp - fp)
