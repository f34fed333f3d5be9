"""The reject option (``sklabels._reject``): its checks, the winning probability."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax

from sklabels._reject import check_reject, winning_probability
from sklabels._scores import MARGIN, PROBA, Scores

ABC = np.array(["a", "b", "c"])
NEG_POS = np.array(["neg", "pos"])


def _softmax_rows(seed, n, k):
    """n rows of k probabilities that sum to 1 (float64)."""
    return np.random.default_rng(seed).dirichlet(np.ones(k), size=n)


# ----------------------------------------------------------------------------------
# winning_probability
# ----------------------------------------------------------------------------------


def test_winning_probability_reads_probabilities_and_logits():
    """Check the winner's probability from probabilities, binary and softmax logits."""
    codes = np.array([1, 0, 2])
    p = _softmax_rows(12, 3, 3)
    assert_array_equal(
        winning_probability(Scores(p, PROBA), codes, "multiclass"), p[[0, 1, 2], codes]
    )
    m = np.array([[1.0, 2.0, -1.0], [0.0, 0.0, 0.0], [5.0, -2.0, 3.0]])
    assert_allclose(
        winning_probability(Scores(m, MARGIN, True), codes, "multiclass"),
        softmax(m, axis=1)[[0, 1, 2], codes],
    )
    b = np.array([-3.0, 0.5, 40.0])
    binary = Scores(np.column_stack([-b, b]), MARGIN, True)
    assert_allclose(
        winning_probability(binary, np.array([0, 1, 1]), "binary"),
        [1 - expit(-3.0), expit(0.5), expit(40.0)],
    )


def test_winning_probability_refuses_decision_scores():
    """Check that margins that are not logits have no probability: ValueError."""
    scores = Scores(np.array([[-1.0, 1.0]]), MARGIN, False)
    with pytest.raises(ValueError, match="not probabilities"):
        winning_probability(scores, np.array([1]), "binary")


# ----------------------------------------------------------------------------------
# check_reject
# ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("threshold", "label", "problem", "proba", "classes", "message"),
    [
        (True, "x", "binary", True, NEG_POS, "probability in"),
        ("0.5", "x", "binary", True, NEG_POS, "probability in"),
        (1.5, "x", "binary", True, NEG_POS, "probability in"),
        (-0.1, "x", "binary", True, NEG_POS, "probability in"),
        (np.nan, "x", "binary", True, NEG_POS, "probability in"),
        (0.5, "x", "multilabel", True, ABC, "single-label"),
        (0.5, "x", "binary", False, NEG_POS, "needs probabilities"),
        (0.5, None, "multiclass", True, ABC, "needs reject_label"),
        (0.5, "pos", "binary", True, NEG_POS, "is one of the classes"),
        (0.5, np.str_("b"), "multiclass", True, ABC, "is one of the classes"),
        (0.5, 1.0, "binary", True, np.array([0, 1]), "is one of the classes"),
        (0.5, True, "binary", True, np.array([0, 1]), "is one of the classes"),
    ],
)
def test_check_reject_rejects_invalid_options(
    threshold, label, problem, proba, classes, message
):
    """Check each invalid reject option raises a ValueError saying why."""
    with pytest.raises(ValueError, match=message):
        check_reject(threshold, label, problem, proba, classes)


@pytest.mark.parametrize(
    ("threshold", "label", "classes"),
    [
        (None, None, NEG_POS),
        (0.0, "unknown", NEG_POS),
        (1.0, -1, np.array([0, 1])),
        (np.float64(0.7), "1", np.array([0, 1])),
        (0.7, 2, np.array([False, True])),
    ],
)
def test_check_reject_accepts_valid_options(threshold, label, classes):
    """Check valid options (a label of another type than the classes) pass."""
    assert check_reject(threshold, label, "binary", True, classes) is None


def test_auto_is_checked_where_it_is_tuned_and_refused_elsewhere():
    """Check "auto" passes only with allow_auto, and its messages name "auto"."""
    with pytest.raises(ValueError, match="reject_threshold='auto' needs reject_label"):
        check_reject("auto", None, "binary", True, NEG_POS, allow_auto=True)
    assert check_reject("auto", "x", "binary", True, NEG_POS, allow_auto=True) is None
    with pytest.raises(ValueError, match="must be a probability in"):
        check_reject("auto", "x", "binary", True, NEG_POS)
