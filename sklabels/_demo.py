"""``python -m sklabels demo``: the three problem kinds on scikit-learn's datasets.

Each section fits a :class:`~sklabels.ProbabilisticLabelClassifier` on string labels,
prints a few predictions next to the truth, and a ``classification_report``. No
network access, no files written; it runs in a few seconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from ._classifier import ProbabilisticLabelClassifier

RANDOM_STATE = 0
N_SHOWN = 5

# Properties of a handwritten digit: the multilabel targets of the digits section.
DIGIT_PROPERTIES: dict[str, frozenset[int]] = {
    "even": frozenset({0, 2, 4, 6, 8}),
    "prime": frozenset({2, 3, 5, 7}),
    "greater-than-4": frozenset({5, 6, 7, 8, 9}),
    "round": frozenset({0, 6, 8, 9}),  # drawn with a closed loop
    "square": frozenset({0, 1, 4, 9}),  # perfect squares
}


def digit_label_sets(digits: np.ndarray) -> list[tuple[str, ...]]:
    """The properties of each digit, as one tuple of label names per sample."""
    return [
        tuple(name for name, members in DIGIT_PROPERTIES.items() if d in members)
        for d in digits.tolist()
    ]


def _heading(title: str) -> None:
    print()
    print(title)
    print("=" * len(title))


def _show_predictions(predicted: Sequence[Any], truth: Sequence[Any]) -> None:
    def text(value: Any) -> str:
        if isinstance(value, tuple):
            return ", ".join(map(str, value)) or "(none)"
        return str(value)

    rows = [(text(p), text(t)) for p, t in zip(predicted, truth, strict=True)]
    width = max(len("predicted"), *(len(p) for p, _ in rows))
    print(f"  {'predicted':<{width}}  truth")
    for pred, true in rows:
        mark = "" if pred == true else "   <- wrong"
        print(f"  {pred:<{width}}  {true}{mark}")


def _model() -> Any:
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))


def _named_split(data: Any, test_size: float) -> list:
    """A stratified train/test split of a scikit-learn data set, labels by name."""
    y = data.target_names[data.target]
    return train_test_split(
        data.data, y, test_size=test_size, stratify=y, random_state=RANDOM_STATE
    )


def _binary() -> None:
    _heading("Binary: breast cancer (labels 'malignant' / 'benign')")
    X_train, X_test, y_train, y_test = _named_split(load_breast_cancer(), 0.25)
    clf = ProbabilisticLabelClassifier(_model(), pos_label="malignant", threshold=0.3)
    clf.fit(X_train, y_train)
    positive = str(clf.pos_label_)
    print(f"predict {positive!r} when p({positive!r}) >= {clf.thresholds_}")
    _report(clf, X_test, y_test)


def _report(clf, X_test, y_test) -> None:
    """A few predictions next to the truth, then the classification report."""
    print(f"classes_ = {clf.classes_.tolist()}, problem_ = {clf.problem_!r}")
    y_pred = clf.predict(X_test)
    _show_predictions(y_pred[:N_SHOWN], y_test[:N_SHOWN])
    print()
    # Our report: every class in its own row, named, whatever the form of y.
    print(clf.classification_report(X_test, y_test))


def _multiclass() -> None:
    _heading("Multiclass: iris (three species)")
    X_train, X_test, y_train, y_test = _named_split(load_iris(), 0.3)
    clf = ProbabilisticLabelClassifier(_model()).fit(X_train, y_train)
    _report(clf, X_test, y_test)


def _multilabel() -> None:
    _heading("Multilabel: properties of handwritten digits")
    data = load_digits()
    y = digit_label_sets(data.target)
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, y, test_size=0.25, random_state=RANDOM_STATE
    )
    model = make_pipeline(
        StandardScaler(), OneVsRestClassifier(LogisticRegression(max_iter=1000))
    )
    # classes= keeps this column order instead of sorting the names.
    clf = ProbabilisticLabelClassifier(model, classes=list(DIGIT_PROPERTIES))
    clf.fit(X_train, y_train)
    print(f"classes_ = {clf.classes_.tolist()}, problem_ = {clf.problem_!r}")
    print(f"y is a list of label tuples, e.g. {y_train[0]}; so is predict's output")
    y_pred = clf.predict(X_test)
    _show_predictions(y_pred[:N_SHOWN], y_test[:N_SHOWN])
    print()
    # Label sets in, label sets out: no MultiLabelBinarizer, no target_names.
    print(clf.classification_report(X_test, y_test, zero_division=0))


def run_demo() -> None:
    """Fit and evaluate the classifier on a binary, a multiclass and a multilabel task.

    Uses only datasets bundled with scikit-learn (breast cancer, iris, digits) and
    prints to standard output.
    """
    print("sklabels demo: ProbabilisticLabelClassifier on scikit-learn's datasets")
    _binary()
    _multiclass()
    _multilabel()
