"""Reports and top-k with names in the right rows, for every problem kind and form.

The labels are chosen so that their sorted order differs from their column order:
``classes=["zebra", "ant", "moose"]`` -- a report that applied the names in sorted
order would put every row under the wrong name.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import classification_report as sk_report
from sklearn.multiclass import OneVsRestClassifier

from sklabels import (
    LabelledMatrix,
    ProbabilisticLabelClassifier,
    classification_report,
    confusion_matrix,
)

CLASSES = ["zebra", "ant", "moose"]


@pytest.fixture(scope="module")
def multiclass():
    rng = np.random.default_rng(0)
    codes = rng.integers(0, 3, 300)
    X = rng.normal(size=(300, 4)) + np.eye(3, 4)[codes] * 2.5
    y = np.array(CLASSES)[codes]
    clf = ProbabilisticLabelClassifier(LogisticRegression(), classes=CLASSES)
    return clf.fit(X, y), X, y


@pytest.fixture(scope="module")
def multilabel():
    rng = np.random.default_rng(1)
    Y = (rng.random((300, 3)) < [0.5, 0.3, 0.2]).astype(int)
    X = rng.normal(size=(300, 5)) + np.hstack([Y * 2.0, np.zeros((300, 2))])
    sets = [tuple(np.array(CLASSES)[row.astype(bool)]) for row in Y]
    clf = ProbabilisticLabelClassifier(
        OneVsRestClassifier(LogisticRegression()), classes=CLASSES
    )
    return clf.fit(X, sets), X, sets, Y


def test_multiclass_report_rows_follow_the_classes(multiclass):
    """Check each named row holds that class's recall, computed by hand."""
    clf, X, y = multiclass
    report = clf.classification_report(X, y, output_dict=True)
    pred = clf.predict(X)
    for name in CLASSES:
        recall = np.mean(pred[y == name] == name)
        assert report[name]["recall"] == pytest.approx(recall)
        assert report[name]["support"] == np.sum(y == name)
    text = clf.classification_report(X, y)
    assert text.index("zebra") < text.index("ant") < text.index("moose")


def test_the_mistake_it_prevents(multiclass):
    """Check scikit-learn's report with target_names in column order mislabels rows.

    ``target_names`` follows the sorted labels, so passing the model's column order
    (``classes_``) attaches the names to the wrong rows; ours does not.
    """
    clf, X, y = multiclass
    pred = clf.predict(X)
    wrong = sk_report(y, pred, target_names=list(clf.classes_), output_dict=True)
    ours = clf.classification_report(X, y, output_dict=True)
    assert wrong["zebra"]["support"] == np.sum(y == "ant")  # 'ant' sorts first
    assert ours["zebra"]["support"] == np.sum(y == "zebra")


def test_reports_accept_any_target_form(multiclass):
    """Check one-hot truth and label predictions give the same report."""
    clf, X, y = multiclass
    onehot = (y[:, None] == np.array(CLASSES)).astype(int)
    a = classification_report(y, clf.predict(X), classes=CLASSES, output_dict=True)
    b = classification_report(onehot, clf.predict(X), classes=CLASSES, output_dict=True)
    assert a == b


def test_confusion_matrix_is_a_labelled_dataframe(multiclass):
    """Check rows are true labels, columns predicted, in the classes' order."""
    clf, X, y = multiclass
    cm = clf.confusion_matrix(X, y)
    assert isinstance(cm, pd.DataFrame)
    assert list(cm.index) == CLASSES and list(cm.columns) == CLASSES
    pred = clf.predict(X)
    assert cm.loc["ant", "moose"] == np.sum((y == "ant") & (pred == "moose"))
    normalized = clf.confusion_matrix(X, y, normalize="true")
    np.testing.assert_allclose(normalized.sum(axis=1), 1.0)


def test_abstentions_get_their_own_row_and_column(multiclass):
    """Check reject_label is counted apart and misses count against recall."""
    _, X, y = multiclass
    abstaining = ProbabilisticLabelClassifier(
        LogisticRegression(), classes=CLASSES, reject_threshold=0.9, reject_label="?"
    ).fit(X, y)
    pred = abstaining.predict(X)
    n_rejected = int(np.sum(pred == "?"))
    assert n_rejected > 0
    report = abstaining.classification_report(X, y, output_dict=True)
    assert report["abstained"] == {
        "label": "?",
        "count": n_rejected,
        "fraction": n_rejected / len(y),
    }
    assert "abstained ('?')" in abstaining.classification_report(X, y)
    cm = abstaining.confusion_matrix(X, y)
    assert list(cm.columns) == [*CLASSES, "?"]
    assert cm["?"].sum() == n_rejected
    assert cm.to_numpy().sum() == len(y)


@pytest.mark.parametrize("output_dict", [False, True])
def test_unpredicted_labels_and_abstentions_report_zero_without_warnings(
    multilabel, output_dict
):
    """Check that reports with never-predicted labels or abstentions do not warn."""
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 3, 300)
    # "moose" lies between the others: never confident enough to be predicted
    X = (np.array([-3.0, 3.0, 0.0])[codes] + rng.normal(scale=2.0, size=300))[:, None]
    y = np.array(CLASSES)[codes]
    abstaining = ProbabilisticLabelClassifier(
        LogisticRegression(), classes=CLASSES, reject_threshold=0.9, reject_label="?"
    ).fit(X, y)
    assert "moose" not in set(abstaining.predict(X))
    ml_clf, X_ml, sets, _ = multilabel
    strict = clone(ml_clf).set_params(threshold=0.999).fit(X_ml, sets)
    calls = [
        lambda **kw: abstaining.classification_report(X, y, **kw),
        lambda **kw: strict.classification_report(X_ml, sets, **kw),
        lambda **kw: classification_report(
            ["zebra", "ant", "moose"], ["zebra", "?", "?"], reject_label="?", **kw
        ),
    ]
    for call in calls:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            report = call(output_dict=output_dict)
        with pytest.warns(UndefinedMetricWarning):  # the same numbers, with warnings
            assert call(output_dict=output_dict, zero_division="warn") == report
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            ones = call(output_dict=True, zero_division=1.0)
        assert ones != call(output_dict=True)  # settable: 1.0 where 0/0


def test_binary_report_and_matrix():
    """Check a binary problem with names whose sorted order is reversed."""
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    y = np.where(X[:, 0] > 0.3, "spam", "ham")
    clf = ProbabilisticLabelClassifier(LogisticRegression(), classes=["spam", "ham"])
    clf.fit(X, y)
    cm = clf.confusion_matrix(X, y)
    assert list(cm.index) == ["spam", "ham"]
    pred = clf.predict(X)
    assert cm.loc["spam", "spam"] == np.sum((y == "spam") & (pred == "spam"))
    report = clf.classification_report(X, y, output_dict=True)
    assert report["spam"]["support"] == np.sum(y == "spam")


def test_multilabel_report_and_per_label_tables(multilabel):
    """Check label sets work and each label gets its own 2x2 table."""
    clf, X, sets, Y = multilabel
    report = clf.classification_report(X, sets, output_dict=True, zero_division=0)
    pred = clf.predict(X)
    pred_ind = np.array([[name in row for name in CLASSES] for row in pred])
    for j, name in enumerate(CLASSES):
        assert report[name]["support"] == Y[:, j].sum()
        tp = np.sum(pred_ind[:, j] & (Y[:, j] == 1))
        assert report[name]["recall"] == pytest.approx(tp / Y[:, j].sum())
    tables = clf.confusion_matrix(X, sets)
    assert list(tables) == CLASSES
    ant = tables["ant"]
    assert list(ant.index) == ["no", "yes"] and ant.index.name == "true ant"
    assert ant.loc["yes", "yes"] == np.sum(pred_ind[:, 1] & (Y[:, 1] == 1))
    # an indicator matrix gives the same tables as label sets
    same = confusion_matrix(Y, pred, classes=CLASSES)
    assert all(same[n].equals(tables[n]) for n in CLASSES)


def test_without_pandas_a_labelled_matrix(monkeypatch):
    """Check the ndarray-plus-labels fallback when pandas is missing."""
    import sys

    monkeypatch.setitem(sys.modules, "pandas", None)
    cm = confusion_matrix(["b", "a", "b"], ["b", "b", "b"], classes=["b", "a"])
    assert isinstance(cm, LabelledMatrix)
    assert cm.index == ["b", "a"] and cm.columns == ["b", "a"]
    np.testing.assert_array_equal(cm.values, [[2, 0], [1, 0]])


def test_report_errors_name_the_fix():
    """Check mismatched lengths and unknown predicted labels."""
    with pytest.raises(ValueError, match="3 samples but y_pred has 2"):
        classification_report(["a", "b", "a"], ["a", "b"])
    with pytest.raises(ValueError, match="pass classes="):
        classification_report(["a", "b", "a"], ["a", "b", "c"])


@pytest.mark.parametrize(
    ("report", "params", "match"),
    [
        (
            confusion_matrix,
            {"normalize": "rows"},
            r"'normalize' parameter of confusion_matrix must be a str among "
            r"\{.*'true'.*\} or None. Got 'rows' instead",
        ),
        (
            classification_report,
            {"problem": "multiclas"},
            r"'problem' parameter of classification_report must be a str among "
            r"\{.*'multiclass'.*\}. Got 'multiclas' instead",
        ),
        (
            confusion_matrix,
            {"problem": "x"},
            r"'problem' parameter of confusion_matrix .* Got 'x' instead",
        ),
        (
            classification_report,
            {"digits": -1},
            r"'digits' parameter of classification_report must be an int in the "
            r"range \[0, inf\). Got -1 instead",
        ),
        (
            classification_report,
            {"output_dict": "yes"},
            r"'output_dict' parameter of classification_report .* Got 'yes' instead",
        ),
        (
            classification_report,
            {"zero_division": "x"},
            r"'zero_division' parameter of classification_report .* Got 'x' instead",
        ),
        (
            confusion_matrix,
            {"y_true": None},
            r"'y_true' parameter of confusion_matrix must be an array-like",
        ),
    ],
)
def test_report_parameters_are_validated(report, params, match):
    """Check a bad report parameter names itself, its value and the valid choices."""
    args = {"y_true": ["a", "b", "a"], "y_pred": ["a", "b", "b"], **params}
    with pytest.raises(ValueError, match=match):
        report(**args)


@pytest.mark.parametrize("report", [classification_report, confusion_matrix])
@pytest.mark.parametrize(
    ("y_true", "y_pred"),
    [
        (["a", "b", "a"], ["a", "b", "b"]),
        ([("a",), ("a", "b"), ()], [("a",), ("b",), ("b",)]),
    ],
    ids=["labels", "label-sets"],
)
@pytest.mark.parametrize(
    ("sample_weight", "match"),
    [
        ([1.0, 2.0], r"sample_weight.shape == \(2,\), expected \(3,\)"),
        ([1.0, 2.0, 1.0, 1.0], r"sample_weight.shape == \(4,\), expected \(3,\)"),
        ([1.0, -2.0, 1.0], "Negative values in data passed to `sample_weight`"),
    ],
    ids=["too-short", "too-long", "negative"],
)
def test_report_sample_weight_is_checked(report, y_true, y_pred, sample_weight, match):
    """Check a wrong-length or negative sample_weight raises a ValueError naming it."""
    with pytest.raises(ValueError, match=match):
        report(y_true, y_pred, sample_weight=sample_weight)


def test_report_sample_weight_weighs_counts_and_abstentions():
    """Check weights count in the matrix cells and in the abstention line."""
    y_true, y_pred = ["a", "b", "a", "b"], ["a", "?", "b", "b"]
    weight = [1.0, 2.0, 0.5, 4.0]
    cm = confusion_matrix(y_true, y_pred, reject_label="?", sample_weight=weight)
    np.testing.assert_array_equal(cm.to_numpy(), [[1.0, 0.5, 0.0], [0.0, 4.0, 2.0]])
    report = classification_report(
        y_true, y_pred, reject_label="?", sample_weight=weight, output_dict=True
    )
    assert report["abstained"] == {"label": "?", "count": 2.0, "fraction": 2.0 / 7.5}
    assert report["b"]["recall"] == pytest.approx(4.0 / 6.0)


def test_predict_topk_names_and_probabilities(multiclass, multilabel):
    """Check top-k against a full sort, for multiclass and multilabel models."""
    clf, X, _ = multiclass
    labels, proba = clf.predict_topk(X[:20], k=2)
    full = clf.predict_proba(X[:20])
    order = np.argsort(-full, axis=1, kind="stable")[:, :2]
    np.testing.assert_array_equal(labels, clf.classes_[order])
    np.testing.assert_allclose(proba, np.take_along_axis(full, order, axis=1))
    assert np.all(np.diff(proba, axis=1) <= 0)
    ml, Xm, _, _ = multilabel
    labels, proba = ml.predict_topk(Xm[:5], k=3)
    assert labels.shape == (5, 3) and set(labels.ravel()) <= set(CLASSES)
    with pytest.raises(ValueError, match="k must be an int between 1 and"):
        clf.predict_topk(X, k=4)
    with pytest.raises(ValueError, match="k must be"):
        clf.predict_topk(X, k=0)
