"""Bad input: a clear ValueError/TypeError naming the problem and the fix."""

import copy

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.multioutput import MultiOutputClassifier

from sklabels import ProbabilisticLabelClassifier, decode

RNG = np.random.default_rng(0)
X = RNG.normal(size=(12, 3))
Y_BIN = np.array(["no", "yes"] * 6)
Y_MC = np.array(["a", "b", "c"] * 4)
P3 = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]])
S3 = np.array([[0.9, 0.8, 0.1], [0.2, 0.1, 0.05]])


def clf(**params):
    return ProbabilisticLabelClassifier(LogisticRegression(), **params)


def fit(estimator, X, y):
    return estimator.fit(X, y)


def predict_unfitted(estimator, X):
    return estimator.predict(X)


def predict_wrong_width(estimator, X):
    return estimator.fit(X, Y_MC).predict(X[:, :2])


# (id, function, positional args, keyword args, error type, message pattern)
CASES = [
    # --- scores given to decode -----------------------------------------------------
    (
        "nan-scores",
        decode,
        [np.array([0.2, np.nan]), ["n", "p"]],
        {},
        ValueError,
        r"NaN in 1 row\(s\) \(first: row 1\)",
    ),
    (
        "inf-scores",
        decode,
        [np.array([[0.2, np.inf, 0.1]]), ["a", "b", "c"]],
        {},
        ValueError,
        "infinite values",
    ),
    (
        "too-few-columns",
        decode,
        [P3[:, :2] / P3[:, :2].sum(1, keepdims=True), ["a", "b", "c"]],
        {},
        ValueError,
        "2 column.* but 3 classes were given",
    ),
    (
        "too-many-columns",
        decode,
        [S3, ["a", "b"]],
        {"problem": "multilabel"},
        ValueError,
        "3 column.* but 2 classes were given",
    ),
    (
        "logits-without-flag",
        decode,
        [np.array([[2.5, -1.0, 0.3]]), ["a", "b", "c"]],
        {"problem": "multilabel"},
        ValueError,
        "from_logits=True",
    ),
    (
        "logit-column-without-flag",
        decode,
        [np.array([3.2, -1.0]), ["n", "p"]],
        {},
        ValueError,
        r"outside \[0, 1\].*from_logits=True",
    ),
    (
        "ambiguous-logits",
        decode,
        [np.array([[2.5, -1.0, 0.3]]), ["a", "b", "c"]],
        {"from_logits": True},
        ValueError,
        "problem='multiclass' or problem='multilabel'",
    ),
    (
        "string-scores",
        decode,
        [np.array([["0.1", "0.9"]]), ["n", "p"]],
        {},
        TypeError,
        "must hold numbers",
    ),
    (
        "3d-scores",
        decode,
        [np.zeros((2, 2, 3)), ["a", "b", "c"]],
        {},
        ValueError,
        r"shape \(n,\) or \(n, k\).*np\.stack.*\[:, 1, :\]",
    ),
    (
        "empty-scores",
        decode,
        [np.zeros((0, 3)), ["a", "b", "c"]],
        {},
        ValueError,
        "empty",
    ),
    (
        "one-class-for-sigmoid",
        decode,
        [np.array([0.2, 0.9]), ["detection"]],
        {},
        ValueError,
        "exactly 2 classes.*classes=\\['negative', 'positive'\\]",
    ),
    (
        "duplicate-classes",
        decode,
        [P3, ["a", "b", "a"]],
        {},
        ValueError,
        r"must not repeat labels; \['a'\]",
    ),
    (
        "unknown-problem",
        decode,
        [P3, ["a", "b", "c"]],
        {"problem": "multiclas"},
        ValueError,
        "problem must be one of",
    ),
    # --- thresholds ----------------------------------------------------------------
    (
        "threshold-wrong-length",
        decode,
        [S3, ["a", "b", "c"]],
        {"threshold": [0.5, 0.5]},
        ValueError,
        r"shape \(2,\) but there are 3 classes",
    ),
    (
        "threshold-out-of-range",
        decode,
        [S3, ["a", "b", "c"]],
        {"threshold": 1.5},
        ValueError,
        r"must lie in \[0, 1\]",
    ),
    (
        "threshold-unknown-label",
        decode,
        [S3, ["a", "b", "c"]],
        {"threshold": {"z": 0.3}},
        ValueError,
        r"not in classes: \['z'\]\. Valid labels are \['a', 'b', 'c'\]",
    ),
    (
        "threshold-single-multiclass",
        decode,
        [P3, ["a", "b", "c"]],
        {"threshold": 0.3},
        ValueError,
        "reject_threshold=0.3",
    ),
    (
        "threshold-ratio-zero",
        decode,
        [P3, ["a", "b", "c"]],
        {"threshold": [0.0, 0.5, 0.5]},
        ValueError,
        r"ratios in \(0, 1\]",
    ),
    (
        "binary-threshold-array",
        decode,
        [np.array([0.2, 0.9]), ["n", "p"]],
        {"threshold": [0.3, 0.7]},
        ValueError,
        "one threshold on p\\('p'\\)",
    ),
    (
        "pos-label-unknown",
        decode,
        [np.array([0.2, 0.9]), ["n", "p"]],
        {"pos_label": "x"},
        ValueError,
        r"pos_label='x' is not one of the classes",
    ),
    (
        "reject-without-label",
        decode,
        [P3, ["a", "b", "c"]],
        {"reject_threshold": 0.8},
        ValueError,
        "needs reject_label",
    ),
    (
        "reject-label-is-class",
        decode,
        [P3, ["a", "b", "c"]],
        {"reject_threshold": 0.8, "reject_label": "a"},
        ValueError,
        "reject_label='a' is one of the classes",
    ),
    (
        "reject-multilabel",
        decode,
        [S3, ["a", "b", "c"]],
        {"reject_threshold": 0.8, "reject_label": "?"},
        ValueError,
        "single-label problems",
    ),
    # --- targets given to fit ------------------------------------------------------
    (
        "single-class-y",
        fit,
        [clf(), X, np.array(["a"] * 12)],
        {},
        ValueError,
        r"only one class, \['a'\]",
    ),
    (
        "mixed-label-types",
        fit,
        [clf(), X, np.array([1, "a"] * 6, dtype=object)],
        {},
        TypeError,
        r"mixed label types: 1 \(number\), 'a' \(string\)",
    ),
    (
        "continuous-y",
        fit,
        [clf(), X, RNG.normal(size=12)],
        {},
        ValueError,
        "Unknown label type: 'continuous'",
    ),
    (
        "multiclass-multioutput-y",
        fit,
        [
            ProbabilisticLabelClassifier(MultiOutputClassifier(LogisticRegression())),
            X,
            np.column_stack([np.arange(12) % 3, np.arange(12) % 2]),
        ],
        {},
        ValueError,
        "Unknown label type: 'multiclass-multioutput'",
    ),
    (
        "nan-y",
        fit,
        [clf(), X, np.array([0.0, 1.0, np.nan] * 4)],
        {},
        ValueError,
        "Input y contains NaN",
    ),
    (
        "rows-mismatch",
        fit,
        [clf(), X, Y_BIN[:-1]],
        {},
        ValueError,
        r"inconsistent numbers of samples: \[12, 11\]",
    ),
    ("y-none", fit, [clf(), X, None], {}, ValueError, "the target y is None"),
    (
        "onehot-two-ones",
        fit,
        [clf(problem="multiclass"), X[:3], np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]])],
        {},
        ValueError,
        "exactly one 1 per row, but row 1 has 2",
    ),
    (
        "binary-problem-3-classes",
        fit,
        [clf(problem="binary"), X, Y_MC],
        {},
        ValueError,
        "Only binary classification is supported",
    ),
    (
        "multilabel-problem-1d-y",
        fit,
        [clf(problem="multilabel"), X, Y_MC],
        {},
        ValueError,
        "problem='multilabel' needs a multilabel y",
    ),
    (
        "classes-missing-label",
        fit,
        [clf(classes=["a", "b"]), X, Y_MC],
        {},
        ValueError,
        r"not in classes: \['c'\]",
    ),
    (
        "classes-wrong-width",
        fit,
        [clf(classes=["a", "b"]), X[:3], np.eye(3)],
        {},
        ValueError,
        "y has 3 columns but classes= names 2 labels",
    ),
    (
        "fit-threshold-unknown-label",
        fit,
        [clf(threshold={"zz": 0.1}), X, Y_MC],
        {},
        ValueError,
        r"Valid labels are \['a', 'b', 'c'\]",
    ),
    (
        "fit-threshold-length",
        fit,
        [clf(threshold=[0.2, 0.3]), X, Y_MC],
        {},
        ValueError,
        r"shape \(2,\) but there are 3 classes",
    ),
    (
        "fit-bad-problem",
        fit,
        [clf(problem="regression"), X, Y_MC],
        {},
        ValueError,
        "'problem' parameter",
    ),
    (
        "fit-reject-margins",
        fit,
        [
            clf(
                response_method="decision_function",
                reject_threshold=0.5,
                reject_label="?",
            ),
            X,
            Y_MC,
        ],
        {},
        ValueError,
        "CalibratedClassifierCV",
    ),
    (
        "none-labels",
        fit,
        [clf(), X, np.array(["a", None] * 6, dtype=object)],
        {},
        ValueError,
        "contains None .* at 6 position",
    ),
    # --- estimator state -----------------------------------------------------------
    (
        "predict-before-fit",
        predict_unfitted,
        [clf(), X],
        {},
        NotFittedError,
        "not fitted yet",
    ),
    (
        "predict-wrong-features",
        predict_wrong_width,
        [clf(), X],
        {},
        ValueError,
        "X has 2 features, but",
    ),
]


@pytest.mark.parametrize(
    "func, args, kwargs, error, match",
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_bad_input_raises_clear_error(func, args, kwargs, error, match):
    """Check that bad input raises the named error and leaves the inputs untouched."""
    before = copy.deepcopy((args, kwargs))
    with pytest.raises(error, match=match):
        func(*args, **kwargs)
    for old, new in zip(before[0], args, strict=True):
        if isinstance(old, np.ndarray):
            np.testing.assert_array_equal(old, new)
    assert before[1].keys() == kwargs.keys()


def test_bad_input_table_is_large_enough():
    """Check that the table covers at least 25 distinct bad inputs."""
    assert len({case[0] for case in CASES}) >= 25
