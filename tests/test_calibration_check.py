"""The calibration warning of reports: rules that read probabilities as
frequencies, on miscalibrated scores."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.tree import DecisionTreeClassifier

from sklabels import CalibrationWarning, ProbabilisticLabelClassifier


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(2000, 8, n_informative=5, random_state=0)
    return X[:1000], y[:1000], X[1000:], y[1000:]


def _report_warnings(clf, X, y):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.classification_report(X, y)
    return [w for w in caught if issubclass(w.category, CalibrationWarning)]


def test_reject_level_on_an_overconfident_model_warns(data):
    """Check that a reject level on a fully grown tree's 0/1 scores warns."""
    X, y, X_test, y_test = data
    tree = DecisionTreeClassifier(random_state=0)
    clf = ProbabilisticLabelClassifier(tree, reject_threshold=0.7, reject_label=-1)
    found = _report_warnings(clf.fit(X, y), X_test, y_test)
    assert len(found) == 1
    assert "reject_threshold=0.7" in str(found[0].message)
    assert "0.03" in str(found[0].message)


def test_cost_rule_on_an_overconfident_model_warns(data):
    """Check that a cost rule reads probabilities, so it is checked too."""
    X, y, X_test, y_test = data
    tree = DecisionTreeClassifier(random_state=0)
    clf = ProbabilisticLabelClassifier(tree, costs=[[0, 1], [5, 0]])
    assert len(_report_warnings(clf.fit(X, y), X_test, y_test)) == 1


def test_reject_level_on_a_calibrated_model_is_silent(data):
    """Check that logistic regression's calibrated scores do not warn."""
    X, y, X_test, y_test = data
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(), reject_threshold=0.7, reject_label=-1
    )
    assert _report_warnings(clf.fit(X, y), X_test, y_test) == []


def test_plain_threshold_on_an_overconfident_model_is_silent(data):
    """Check that a threshold rule, which only ranks scores, is not checked."""
    X, y, X_test, y_test = data
    clf = ProbabilisticLabelClassifier(DecisionTreeClassifier(random_state=0))
    assert _report_warnings(clf.fit(X, y), X_test, y_test) == []
    assert issubclass(CalibrationWarning, UserWarning)
    assert np.isfinite(clf.score(X_test, y_test))


def test_priors_reweighting_on_an_overconfident_model_warns(data):
    """Check that priors re-weighting reads probabilities, so it is checked too."""
    X, y, X_test, y_test = data
    tree = DecisionTreeClassifier(random_state=0)
    clf = ProbabilisticLabelClassifier(tree, priors=[0.7, 0.3])
    found = _report_warnings(clf.fit(X, y), X_test, y_test)
    assert len(found) == 1
    assert "priors re-weighting" in str(found[0].message)
