"""FunctionClassifier: any callable returning scores, inside the classifier."""

import pickle

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.estimator_checks import (
    check_get_params_invariance,
    check_no_attributes_set_in_init,
    check_set_params,
)

from sklabels import ProbabilisticLabelClassifier
from sklabels.adapters import FunctionClassifier


@pytest.fixture(scope="module")
def iris():
    data = load_iris()
    model = LogisticRegression(max_iter=1000).fit(data.data, data.target)
    return data.data, data.target, data.target_names, model


def test_function_multiclass_predicts_names(iris):
    """Check that a probability function, frozen, predicts names like its model."""
    X, codes, names, model = iris
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(FunctionClassifier(model.predict_proba)), classes=names
    )
    clf.fit(X, names[codes])
    assert_array_equal(clf.predict(X), names[model.predict(X)])
    assert_allclose(clf.predict_proba(X), model.predict_proba(X))
    assert clf.score(X, names[codes]) > 0.9


def test_function_logits_match_probabilities(iris):
    """Check that logits and their softmax give the same labels and probabilities."""
    X, codes, names, model = iris
    logits = FunctionClassifier(model.decision_function, output="logits")
    proba = FunctionClassifier(lambda X: softmax(model.decision_function(X), axis=1))
    fitted_logits = ProbabilisticLabelClassifier(logits, classes=names)
    fitted_proba = ProbabilisticLabelClassifier(proba, classes=names)
    fitted_logits.fit(X, names[codes])
    fitted_proba.fit(X, names[codes])
    assert_array_equal(fitted_logits.predict(X), fitted_proba.predict(X))
    assert_allclose(fitted_logits.predict_proba(X), fitted_proba.predict_proba(X))
    assert_allclose(
        fitted_logits.estimator_.decision_function(X), model.decision_function(X)
    )


def test_function_binary_single_column_and_multilabel():
    """Check a single sigmoid column (binary) and per-label sigmoids (multilabel)."""
    X = np.linspace(-3, 3, 40).reshape(-1, 1)
    binary = ProbabilisticLabelClassifier(
        FunctionClassifier(lambda X: expit(2 * X[:, 0]), output="probabilities"),
        classes=["low", "high"],
    ).fit(X, np.where(X[:, 0] >= 0, "high", "low"))
    assert_array_equal(binary.predict(X), np.where(X[:, 0] >= 0, "high", "low"))
    assert binary.estimator_.problem_ == "binary"
    assert_array_equal(binary.estimator_.classes_, [0, 1])

    def two_logits(X):
        return np.column_stack([4 * X[:, 0], 4 * (X[:, 0] - 1)])

    Y = np.column_stack([X[:, 0] >= 0, X[:, 0] >= 1]).astype(int)
    multilabel = ProbabilisticLabelClassifier(
        FunctionClassifier(two_logits, output="logits"), classes=["warm", "hot"]
    ).fit(X, Y)
    assert multilabel.estimator_.problem_ == "multilabel"
    assert_array_equal(multilabel.predict(X), Y)


def test_function_batches_and_shares_the_callable_on_clone(iris):
    """Check batch_size slicing and that clone shares (not copies) the callable."""
    X, codes, _, model = iris
    sizes = []

    def scores(X):
        sizes.append(len(X))
        return model.predict_proba(X)

    adapter = FunctionClassifier(scores, batch_size=64)
    assert_allclose(adapter.predict_proba(X), model.predict_proba(X))
    assert sizes == [64, 64, 22]
    assert clone(adapter).func is scores
    fitted = FunctionClassifier(model.predict_proba).fit(X, codes)
    restored = pickle.loads(pickle.dumps(fitted))
    assert_array_equal(restored.predict(X), fitted.predict(X))


@pytest.mark.parametrize(
    ("adapter", "y", "error", "message"),
    [
        (
            FunctionClassifier(lambda X: X[:, :3] * 10, output="probabilities"),
            np.arange(150) % 3,
            ValueError,
            r"outside \[0, 1\].*output='logits'",
        ),
        (
            FunctionClassifier(lambda X: np.full((len(X), 2), 0.5)),
            np.arange(150) % 3,
            ValueError,
            "has 2 outputs but y has codes up to 2",
        ),
        (
            FunctionClassifier(lambda X: np.full((3, 2), 0.5)),
            np.arange(150) % 2,
            ValueError,
            "one row of scores per input",
        ),
        (
            FunctionClassifier(lambda X: np.array(["a"] * len(X))),
            np.arange(150) % 2,
            TypeError,
            "must return numbers",
        ),
    ],
)
def test_function_bad_outputs_raise_clear_errors(iris, adapter, y, error, message):
    """Check that a callable's unusable outputs are refused with the fix."""
    with pytest.raises(error, match=message):
        adapter.fit(iris[0], y)


def test_function_nan_outputs_are_refused(iris):
    """Check that NaN scores are refused at predict time."""
    adapter = FunctionClassifier(lambda X: np.full((len(X), 3), np.nan))
    with pytest.raises(ValueError, match="NaN"):
        adapter.predict_proba(iris[0])


@pytest.mark.parametrize(
    "check",
    [check_no_attributes_set_in_init, check_get_params_invariance, check_set_params],
    ids=lambda c: c.__name__,
)
def test_function_sklearn_contract_checks(check, iris):
    """Check scikit-learn's parameter-contract checks (fit-based ones need a model
    that follows each check's data, which a fixed callable cannot)."""
    check("FunctionClassifier", FunctionClassifier(iris[3].predict_proba))


@pytest.mark.parametrize(
    "func",
    [
        lambda X: (softmax(X[:, :3], axis=1), X[:, 0]),  # scores with extras
        lambda X: (expit(X[:, 0]), expit(X[:, 1])),  # per-output arrays, same length
    ],
    ids=["scores-and-extras", "per-output"],
)
def test_function_tuple_output_is_refused_with_the_fix(iris, func):
    """Check that a func returning a tuple gets a TypeError naming the fix."""
    adapter = FunctionClassifier(func, output="probabilities")
    with pytest.raises(TypeError, match=r"tuple of 2 items.*one array of scores"):
        adapter.fit(iris[0], np.arange(150) % 2)
    with pytest.raises(TypeError, match="tuple of 2 items"):
        adapter.predict_proba(iris[0][:2])
