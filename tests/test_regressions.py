"""Regression tests for bugs found in review: each once gave a silently wrong answer."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from numpy.testing import assert_array_equal
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.svm import LinearSVC

from sklabels import ProbabilisticLabelClassifier, decode

RNG = np.random.default_rng(0)
X = RNG.normal(size=(200, 3))
P3 = np.array([[0.4, 0.3, 0.3], [0.9, 0.05, 0.05]])


@pytest.mark.filterwarnings("ignore:Label not:UserWarning")
def test_never_on_label_stays_off_with_margins():
    """Check that a label absent from training is not switched on by a 0 margin."""
    y = [("a",) if v > 0 else ("c",) for v in X[:, 0]]
    clf = ProbabilisticLabelClassifier(
        OneVsRestClassifier(LinearSVC()), classes=["a", "b", "c", "zzz"]
    )
    pred = clf.fit(X, y).predict_labels(X)
    assert not any({"b", "zzz"} & set(row) for row in pred)


def test_dataframe_columns_matched_by_name():
    """Check that classes= reorders DataFrame columns by name, never renames them."""
    Y = pd.DataFrame({"b": X[:, 0] > 0, "a": X[:, 1] > 0}).astype(int)
    clf = ProbabilisticLabelClassifier(
        OneVsRestClassifier(LogisticRegression()), classes=["a", "b"]
    ).fit(X, Y)
    pred = clf.predict(X)
    assert (pred[:, 1] == Y["b"].to_numpy()).mean() > 0.9
    with pytest.raises(ValueError, match="does not name the columns"):
        ProbabilisticLabelClassifier(
            OneVsRestClassifier(LogisticRegression()), classes=["a", "z"]
        ).fit(X, Y)


@pytest.mark.parametrize("label", [np.str_("a"), "a"])
def test_reject_label_equal_to_a_class_raises(label):
    """Check that a numpy-typed reject_label equal to a class is refused."""
    with pytest.raises(ValueError, match="is one of the classes"):
        decode(P3, ["a", "b", "c"], reject_threshold=0.5, reject_label=label)


def test_reject_label_never_casts_classes():
    """Check that bool classes with an int reject label stay bools (object dtype)."""
    out = decode(
        np.array([[0.6, 0.4], [0.2, 0.8]]),
        np.array([True, False]),
        reject_threshold=0.7,
        reject_label=-1,
    )
    assert out.tolist() == [-1, False] and out[1] is False


def test_reject_output_dtype_does_not_depend_on_batch():
    """Check that the dtype is the same whether or not a row is rejected."""
    kwargs = {"reject_threshold": 0.5, "reject_label": "unknown"}
    some = decode(P3, ["a", "b", "c"], **kwargs)
    none = decode(P3[1:], ["a", "b", "c"], **kwargs)
    assert some.dtype == none.dtype


def test_two_class_multiclass_margins_match_probabilities():
    """Check that a two-class multiclass rule reads margins like probabilities."""
    y = X[:, 0] + 0.5 * X[:, 1] > 0
    kwargs = {"problem": "multiclass", "threshold": [0.7, 0.3]}
    proba = ProbabilisticLabelClassifier(LogisticRegression(), **kwargs).fit(X, y)
    margin = ProbabilisticLabelClassifier(
        LogisticRegression(), response_method="decision_function", **kwargs
    ).fit(X, y)
    assert_array_equal(proba.predict(X), margin.predict(X))


def test_two_class_softmax_logits_reject_uses_softmax():
    """Check that the reject option on two softmax logits uses their softmax."""
    out = decode(
        [[2.0, 1.9]],
        ["a", "b"],
        problem="multiclass",
        from_logits=True,
        reject_threshold=0.6,
        reject_label="?",
    )
    assert out.tolist() == ["?"]


def test_float32_threshold_does_not_depend_on_shape():
    """Check that float32 scores are cut at the float64 threshold in every shape."""
    p = np.float32([0.7])
    one = decode(p, ["n", "y"], threshold=0.7)
    two = decode(np.column_stack([1 - p, p]), ["n", "y"], threshold=0.7)
    assert one.tolist() == two.tolist() == ["n"]  # float32(0.7) < 0.7


def test_series_threshold_is_keyed_by_label():
    """Check that a pandas Series of thresholds applies by label, not position."""
    t = pd.Series({"c": 0.1, "a": 0.9, "b": 0.5})
    expected = decode(P3, ["a", "b", "c"], threshold={"a": 0.9, "b": 0.5, "c": 0.1})
    assert_array_equal(decode(P3, ["a", "b", "c"], threshold=t), expected)
    # The Series read by position would give other labels: the test can fail.
    by_position = decode(P3, ["a", "b", "c"], threshold=t.to_numpy())
    assert by_position.tolist() != expected.tolist()


def test_sparse_onehot_respects_problem():
    """Check that problem='multiclass' overrides the multilabel default of sparse y."""
    onehot = sp.csr_matrix(np.eye(3)[np.arange(30) % 3])
    clf = ProbabilisticLabelClassifier(LogisticRegression(), problem="multiclass")
    assert clf.fit(X[:30], onehot).problem_ == "multiclass"


def test_refit_drops_stale_feature_names():
    """Check that feature_names_in_ of a DataFrame fit is dropped by an array fit."""
    y = X[:, 0] > 0
    clf = ProbabilisticLabelClassifier(LogisticRegression())
    clf.fit(pd.DataFrame(X, columns=["a", "b", "c"]), y)
    assert hasattr(clf, "feature_names_in_")
    clf.fit(X, y)
    assert not hasattr(clf, "feature_names_in_")


@pytest.mark.parametrize(
    "threshold", [[[0.1], [0.2, 0.3]], "abc"], ids=["ragged", "string"]
)
def test_malformed_threshold_gets_clear_error(threshold):
    """Check that a malformed threshold gets our message, not numpy's."""
    with pytest.raises((TypeError, ValueError), match="threshold"):
        decode(P3, ["a", "b", "c"], threshold=threshold)


def test_from_logits_must_be_bool():
    """Check that from_logits='no' is refused instead of read as True."""
    with pytest.raises(TypeError, match="from_logits must be True or False"):
        decode(P3, ["a", "b", "c"], from_logits="no")


@pytest.mark.parametrize("dtype", [np.float16, np.float32])
def test_low_precision_multilabel_cut_is_exact(dtype):
    """Check that float16/32 sigmoid columns are cut exactly as in float64."""
    rng = np.random.default_rng(3)
    thresholds = rng.random(4)
    scores = rng.random((500, 4)).astype(dtype)
    scores[:, 0] = thresholds[0]  # rounded to dtype: just above or below the cut
    expected = scores.astype(np.float64) >= thresholds
    classes = np.array(["a", "b", "c", "d"])
    out = decode(scores, classes, problem="multilabel", threshold=thresholds)
    assert out == [tuple(classes[row]) for row in expected]


def test_sample_weight_routed_with_metadata_routing():
    """Check that sample_weight reaches the inner estimator with routing enabled."""
    from sklearn import config_context
    from sklearn.model_selection import cross_validate

    y = X[:, 0] + 0.3 * X[:, 1] > 0
    weight = np.where(y, 5.0, 1.0)
    with config_context(enable_metadata_routing=True):
        inner = LogisticRegression().set_fit_request(sample_weight=True)
        clf = ProbabilisticLabelClassifier(inner)
        result = cross_validate(clf, X, y, cv=3, params={"sample_weight": weight})
        assert result["test_score"].mean() > 0.8
        weighted = clf.fit(X, y, sample_weight=weight).predict_proba(X)[:, 1]
    plain = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    assert weighted.mean() > plain.predict_proba(X)[:, 1].mean()


@pytest.mark.parametrize(
    "y, classes",
    [
        (np.array(["aaa", "bbb", "ccc"] * 10), ["ccc", "aaa", "bbb"]),
        (np.array([0, 1, 2] * 10, dtype=np.int8), [2, 0, 1]),
    ],
    ids=["str", "int8"],
)
def test_explicit_classes_keep_y_dtype(y, classes):
    """Check that classes= given as a list does not change predict's dtype."""
    clf = ProbabilisticLabelClassifier(LogisticRegression(), classes=classes)
    assert clf.fit(X[:30], y).predict(X[:5]).dtype == y.dtype


def test_mixed_dtype_indicator_dataframe():
    """Check that a DataFrame of bool and int 0/1 columns is an indicator y."""
    Y = pd.DataFrame({"sky": X[:, 0] > 0, "sea": (X[:, 1] > 0).astype(int)})
    clf = ProbabilisticLabelClassifier(OneVsRestClassifier(LogisticRegression()))
    clf.fit(X, Y)
    assert clf.problem_ == "multilabel"
    assert clf.classes_.tolist() == ["sky", "sea"]
