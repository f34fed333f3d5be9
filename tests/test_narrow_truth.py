"""The tuner reads a multilabel truth as a 0/1 int8 indicator, not int64."""

import numpy as np
import pandas as pd
import pytest

from sklabels import tune_thresholds
from sklabels._targets import fit_target


def _problem(seed=0, n=400, k=4):
    rng = np.random.default_rng(seed)
    truth = rng.random((n, k)) < np.linspace(0.1, 0.5, k)
    scores = np.clip(rng.random((n, k)) * 0.7 + truth * 0.3, 0, 1)
    return truth, scores.astype(np.float32)


@pytest.mark.parametrize("form", ["bool", "int64", "frame", "sets"])
def test_fit_target_int8_indicator_holds_the_same_zeros_and_ones(form):
    """Check that asking for an int8 indicator gives the int64 one's entries."""
    truth, _ = _problem()
    names = ["a", "b", "c", "d"]
    y = {
        "bool": truth,
        "int64": truth.astype(np.int64),
        "frame": pd.DataFrame(truth.astype(np.int64), columns=names),
        "sets": [tuple(np.array(names)[row]) for row in truth],
    }[form]
    wide_encoding, wide = fit_target(y, problem="multilabel")
    narrow_encoding, narrow = fit_target(y, problem="multilabel", indicator=np.int8)
    assert wide.dtype == np.int64 and narrow.dtype == np.int8
    np.testing.assert_array_equal(narrow, wide)
    np.testing.assert_array_equal(narrow_encoding.classes, wide_encoding.classes)


@pytest.mark.parametrize("dtype", [bool, np.int8, np.int64, np.float64])
def test_tune_thresholds_is_the_same_for_any_indicator_dtype(dtype):
    """Check that the thresholds and values do not depend on the truth's dtype, and
    that the truth passed is left as it was."""
    truth, scores = _problem(seed=1)
    reference = tune_thresholds(truth.astype(np.int64), scores, problem="multilabel")
    y = truth.astype(dtype)
    before = y.copy()
    result = tune_thresholds(y, scores, problem="multilabel")
    np.testing.assert_array_equal(result.thresholds, reference.thresholds)
    assert result.class_scores == reference.class_scores
    assert result.best_score == reference.best_score
    np.testing.assert_array_equal(y, before)
    assert y.dtype == before.dtype
