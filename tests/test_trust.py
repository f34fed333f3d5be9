"""Regression tests for the paths that gave wrong labels without an error.

Each test names the case it guards: a single score column read as the other class,
rounded softmax rows read as multilabel, DataFrame columns read by position, label
types lost.
"""

import matplotlib
import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from sklabels import (
    CoverageAccuracyDisplay,
    ProbabilisticLabelClassifier,
    ThresholdCurveDisplay,
    decode,
    tune_thresholds,
)

matplotlib.use("Agg")


def _fraud(n=400, seed=0):
    rng = np.random.default_rng(seed)
    y = np.where(rng.random(n) < 0.2, "fraud", "legit")
    score = np.where(y == "fraud", rng.normal(0.6, 0.2, n), rng.normal(0.3, 0.2, n))
    return y, np.clip(score, 0, 1)


# -- 1. a single score column is the score of pos_label ---------------------------
def test_single_column_is_the_score_of_pos_label():
    """Check pos_label names the class a 1-D score scores (was: the other class)."""
    y, fraud_score = _fraud()
    by_label = tune_thresholds(y, fraud_score, pos_label="fraud")
    by_order = tune_thresholds(y, fraud_score, classes=["legit", "fraud"])
    assert by_label.thresholds == by_order.thresholds
    assert by_label.best_score == by_order.best_score
    assert 0.2 < by_label.thresholds < 0.8  # was 0.0: "everything is fraud"
    assert by_label.best_score > 0.6  # was 0.19
    column = tune_thresholds(y, fraud_score[:, None], pos_label="fraud")
    assert column.thresholds == by_label.thresholds
    labels = decode(fraud_score, ["fraud", "legit"], pos_label="fraud", threshold=0.5)
    assert labels.tolist() == np.where(fraud_score >= 0.5, "fraud", "legit").tolist()


def test_single_column_with_string_labels_and_nothing_else_asks():
    """Check string labels, no classes=, no pos_label: an error that asks."""
    rng = np.random.default_rng(1)
    y = rng.choice(["nothing-detected", "detection"], 100)
    with pytest.raises(ValueError, match=r"which class is positive.*pos_label="):
        tune_thresholds(y, rng.random(100))
    with pytest.raises(ValueError, match="pos_label="):
        ThresholdCurveDisplay.from_predictions(y, rng.random(100))
    with pytest.raises(ValueError, match="pos_label="):
        CoverageAccuracyDisplay.from_predictions(y, rng.random(100))


@pytest.mark.parametrize(
    "labels", [[0, 1], [-1, 1], [False, True], [0.0, 1.0]], ids=str
)
def test_single_column_with_ordered_labels_scores_the_larger(labels):
    """Check 0/1, -1/1, False/True labels: the single column scores the larger."""
    rng = np.random.default_rng(2)
    truth = rng.integers(0, 2, 200)
    score = np.clip(truth * 0.3 + rng.random(200) * 0.7, 0, 1)
    y = np.asarray(labels)[truth]
    result = tune_thresholds(y, score)
    assert result.pos_label == labels[1]
    assert result.best_score == tune_thresholds(truth, score).best_score


def test_threshold_display_reads_the_score_of_pos_label():
    """Check ThresholdCurveDisplay.from_predictions marks the pos_label threshold."""
    y, fraud_score = _fraud()
    display = ThresholdCurveDisplay.from_predictions(y, fraud_score, pos_label="fraud")
    expected = tune_thresholds(y, fraud_score, pos_label="fraud").thresholds
    assert list(display.lines_) == ["fraud"]
    assert display.thresholds["fraud"] == pytest.approx(expected)


# -- 2. rounded softmax rows are multiclass ----------------------------------------
@pytest.mark.parametrize("decimals", [2, 3, 4])
def test_rounded_softmax_rows_are_multiclass(decimals):
    """Check softmax rows rounded for a CSV export stay multiclass (was: multilabel)."""
    rng = np.random.default_rng(decimals)
    names = ["Argon", "Krypton", "Neon", "Xenon"]
    proba = rng.dirichlet(np.ones(4) * 0.5, 300)
    rounded = proba.round(decimals)
    assert not np.allclose(rounded.sum(axis=1), 1.0, atol=1e-6)  # really off
    labels = decode(rounded, names)
    assert labels.tolist() == np.asarray(names)[rounded.argmax(axis=1)].tolist()
    assert labels.dtype.kind == "U"  # single labels, not tuples
    result = tune_thresholds(np.asarray(names)[proba.argmax(axis=1)], rounded)
    assert result.problem == "multiclass"


def test_rows_that_mostly_sum_to_one_are_ambiguous():
    """Check softmax rows with a few stray rows raise instead of turning multilabel."""
    rng = np.random.default_rng(4)
    proba = rng.dirichlet(np.ones(3), 40)
    proba[:5] *= 0.7
    with pytest.raises(ValueError, match=r"softmax rows .* problem='multiclass'"):
        decode(proba, ["a", "b", "c"])
    # Saying which settles it.
    assert len(decode(proba, ["a", "b", "c"], problem="multiclass")) == 40
    assert len(decode(proba, ["a", "b", "c"], problem="multilabel")) == 40


def test_sigmoid_columns_stay_multilabel():
    """Check independent sigmoid columns, rounded or not, are multilabel."""
    rng = np.random.default_rng(5)
    sigmoid = rng.random((200, 3))
    for values in (sigmoid, sigmoid.round(3), sigmoid.astype(np.float32)):
        assert isinstance(decode(values, ["sky", "sea", "sand"]), list)


# -- 3. named columns are matched by name -----------------------------------------
def test_dataframe_columns_are_matched_by_name():
    """Check the issue's case: dog/cat columns decoded against classes cat, dog."""
    frame = pd.DataFrame({"dog": [0.9, 0.2], "cat": [0.1, 0.8]})
    assert decode(frame, ["cat", "dog"]).tolist() == ["dog", "cat"]
    assert decode(frame, ["dog", "cat"]).tolist() == ["dog", "cat"]
    with pytest.raises(ValueError, match=r"Missing: \['cow'\]; not classes: \['cat'\]"):
        decode(frame, ["cow", "dog"])


def test_dataframe_scores_in_tune_thresholds_are_matched_by_name():
    """Check tune_thresholds reads named columns in the order of the classes."""
    rng = np.random.default_rng(6)
    names = ["ant", "bee", "cat"]
    proba = rng.dirichlet(np.ones(3), 200)
    y = np.asarray(names)[[rng.choice(3, p=p) for p in proba]]
    expected = tune_thresholds(y, proba, classes=names)
    shuffled = pd.DataFrame(proba, columns=names)[["cat", "ant", "bee"]]
    result = tune_thresholds(y, shuffled, classes=names)
    np.testing.assert_array_equal(result.thresholds, expected.thresholds)
    # pandas' default 0..k-1 columns are positions, not names
    unnamed = tune_thresholds(y, pd.DataFrame(proba), classes=names)
    np.testing.assert_array_equal(unnamed.thresholds, expected.thresholds)


def test_a_named_single_column_scores_the_class_it_names():
    """Check a Series named by a class is that class's score, whatever pos_label."""
    score = pd.Series([0.9, 0.2, 0.6], name="legit")
    labels = decode(score, ["fraud", "legit"], pos_label="fraud")
    assert labels.tolist() == ["legit", "fraud", "legit"]
    # A caption that is no class keeps the positional meaning (pos_label's score).
    caption = pd.Series([0.9, 0.2, 0.6], name="score")
    labels = decode(caption, ["fraud", "legit"], pos_label="fraud")
    assert labels.tolist() == ["fraud", "legit", "fraud"]


class _FrameModel(ClassifierMixin, BaseEstimator):
    """A pre-trained model whose predict_proba returns a DataFrame, columns shuffled."""

    def __init__(self, classes):
        self.classes = classes

    def fit(self, X, y=None):
        self.classes_ = np.asarray(self.classes)
        return self

    def predict_proba(self, X):
        X = np.asarray(X, dtype=float)
        frame = pd.DataFrame(X / X.sum(axis=1, keepdims=True), columns=self.classes_)
        return frame[self.classes_[::-1]]  # the model's own column order differs


def test_classifier_matches_dataframe_outputs_by_name():
    """Check a model returning a DataFrame in another column order is read by name."""
    rng = np.random.default_rng(7)
    X = rng.random((50, 3)) + 0.01
    names = np.array(["ant", "bee", "cat"])
    model = _FrameModel(names).fit(X)
    clf = ProbabilisticLabelClassifier(FrozenEstimator(model)).fit(X, names[[0] * 50])
    assert clf.predict(X).tolist() == names[X.argmax(axis=1)].tolist()


# -- 9. labels keep their types ----------------------------------------------------
def test_mixed_bool_and_int_labels_are_refused_by_name():
    """Check [True, 2] classes and a [True, 2, False] y say "mixed label types"."""
    with pytest.raises(TypeError, match="mixed label types: True \\(bool\\), 2"):
        decode([[0.6, 0.4]], [True, 2])
    X = np.random.default_rng(8).normal(size=(3, 2))
    with pytest.raises(TypeError, match="mixed label types"):
        ProbabilisticLabelClassifier(LogisticRegression()).fit(X, [True, 2, False])
    with pytest.raises(TypeError, match=r"mixed label types: b'a' \(bytes\)"):
        decode([[0.6, 0.4]], [b"a", "b"])


def test_bytes_labels_come_back_as_bytes():
    """Check bytes classes (which scikit-learn's type_of_target refuses) round-trip."""
    rng = np.random.default_rng(9)
    X = rng.normal(size=(60, 2))
    y = np.where(X[:, 0] > 0, b"yes", b"no")
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    assert clf.classes_.dtype.kind == "S"
    assert set(clf.predict(X).tolist()) <= {b"yes", b"no"}
    assert decode([[0.2, 0.8]], [b"no", b"yes"]).tolist() == [b"yes"]
