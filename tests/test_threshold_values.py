"""Huge or non-finite thresholds are a ValueError naming the parameter."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from sklabels import ProbabilisticLabelClassifier, decode

HUGE = 10**400  # a Python int beyond float range


@pytest.mark.parametrize(
    "params, message",
    [
        ({"threshold": HUGE}, "threshold=.* is too large to be a float"),
        ({"threshold": -HUGE}, "threshold=.* is too large to be a float"),
        ({"threshold": [HUGE, 0.5]}, "threshold=.* is too large to be a float"),
        ({"threshold": {1: HUGE}}, "threshold=.* is too large to be a float"),
        ({"threshold": float("nan")}, "threshold must be finite"),
        ({"reject_threshold": HUGE}, "reject_threshold"),
        ({"reject_threshold": float("nan")}, "reject_threshold"),
    ],
    ids=[
        "huge",
        "minus-huge",
        "list",
        "dict",
        "nan",
        "reject-huge",
        "reject-nan",
    ],
)
def test_decode_huge_or_nonfinite_threshold_is_value_error(params, message):
    """Check that decode rejects huge or non-finite thresholds with a ValueError."""
    scores = np.array([[0.8, 0.2], [0.3, 0.7]])
    with pytest.raises(ValueError, match=message):
        decode(scores, classes=[0, 1], reject_label=-1, **params)


@pytest.mark.parametrize(
    "threshold", [HUGE, {1: HUGE}, float("nan")], ids=["huge", "dict", "nan"]
)
def test_estimator_huge_or_nonfinite_threshold_is_value_error(threshold):
    """Check that the estimator rejects a huge or non-finite threshold by name."""
    rng = np.random.RandomState(0)
    X = rng.randn(30, 2)
    y = (X[:, 0] > 0).astype(int)
    model = ProbabilisticLabelClassifier(LogisticRegression(), threshold=threshold)
    with pytest.raises(ValueError, match="threshold"):
        model.fit(X, y).predict(X)
