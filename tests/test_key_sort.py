"""Both kinds of key sort the engine may choose give the same sorted scores and the
same tuning."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import sklabels._sorted_counts as sorted_counts
from sklabels import tune_thresholds
from sklabels._sorted_counts import sorted_apart

SPECIAL = [0.0, -0.0, 1.0, 0.5, -2.5, np.inf, -np.inf, 3e38, -3e38, 1e-45]


@settings(derandomize=True, max_examples=200, deadline=None)
@given(
    hnp.arrays(
        np.float32,
        st.integers(1, 60),
        elements=st.one_of(st.sampled_from(SPECIAL), st.floats(-1e6, 1e6, width=32)),
    ),
    st.randoms(use_true_random=False),
)
def test_packed_key_sort_gives_the_float_sorts_arrays(scores, random):
    """Check that sorting packed integer keys then splitting gives the positives'
    and the negatives' float32 scores in the order two float sorts give (ties,
    signed zeros, infinities, scores of both signs far apart)."""
    truth = np.array([random.random() < 0.4 for _ in scores], dtype=bool)
    before = scores.copy()
    packed = sorted_apart(scores, truth, packed=True)
    floats = sorted_apart(scores, truth, packed=False)
    for got, expected in zip(packed, floats, strict=True):
        assert got.dtype == np.float32
        np.testing.assert_array_equal(got, expected)
    np.testing.assert_array_equal(scores, before)


def test_packed_key_sort_leaves_nan_columns_to_the_float_sort():
    """Check that a column holding NaN is sorted as floats (NaN last), not as keys."""
    scores = np.array([0.3, np.nan, 0.1, 0.2], dtype=np.float32)
    truth = np.array([True, True, False, False])
    pos, neg = sorted_apart(scores, truth, packed=True)
    np.testing.assert_array_equal(pos, np.array([0.3, np.nan], dtype=np.float32))
    np.testing.assert_array_equal(neg, np.array([0.1, 0.2], dtype=np.float32))


@pytest.mark.parametrize("scoring", ["f1", "balanced_accuracy", "jaccard"])
@pytest.mark.parametrize("rounded", [False, True])
def test_tuning_is_the_same_with_either_key_sort(monkeypatch, scoring, rounded):
    """Check that thresholds, values and start values are identical whichever kind
    of sort the engine chose for this CPU (ties included: rounded scores)."""
    rng = np.random.default_rng(3)
    truth = rng.random((3000, 4)) < [0.02, 0.1, 0.3, 0.5]
    scores = np.clip(rng.random((3000, 4)) * 0.8 + truth * 0.2, 0, 1)
    scores = np.round(scores, 2 if rounded else 7).astype(np.float32)
    results = []
    for simd in (True, False):
        monkeypatch.setattr(sorted_counts, "SIMD_FLOAT_SORT", simd)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            results.append(tune_thresholds(truth, scores, scoring=scoring))
    float_sort, packed_sort = results
    np.testing.assert_array_equal(packed_sort.thresholds, float_sort.thresholds)
    assert packed_sort.class_scores == float_sort.class_scores
    assert packed_sort.start_score == float_sort.start_score
