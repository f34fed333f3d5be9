"""The class-order check of a frozen model at fit (``ClassOrderWarning``)."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from sklabels import ClassOrderWarning, ProbabilisticLabelClassifier

FIVE = np.array(["ant", "bee", "cat", "dog", "elk"])


def frozen_logistic(n_classes, n_samples, weight, class_sep, seed):
    """A logistic regression fitted on one half, and the other half to check on."""
    weights = None if n_classes > 2 else [1 - weight, weight]
    X, y = make_classification(
        n_samples=2 * n_samples,
        n_features=6,
        n_informative=4,
        n_classes=n_classes,
        n_clusters_per_class=1,
        weights=weights,
        class_sep=class_sep,
        flip_y=0,
        random_state=seed,
    )
    model = LogisticRegression(max_iter=1000).fit(X[:n_samples], y[:n_samples])
    return model, X[n_samples:], y[n_samples:]


def order_warnings(model, X, y, classes, **params):
    """The ClassOrderWarning messages of fitting ``model`` frozen with ``classes``."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ProbabilisticLabelClassifier(
            FrozenEstimator(model), classes=classes, **params
        ).fit(X, y)
    return [str(w.message) for w in caught if w.category is ClassOrderWarning]


def test_sorted_names_of_an_imbalanced_binary_model_warn():
    """Check that the seeds' case (sorted names, 10% positives) warns with the order."""
    X, y = make_classification(
        n_samples=4000,
        n_features=10,
        n_informative=4,
        weights=[0.9, 0.1],
        class_sep=2,
        flip_y=0,
        random_state=0,
    )
    names = np.array(["nothing-detected", "detection"])
    model = LogisticRegression(max_iter=2000).fit(X[:2000], y[:2000])
    with pytest.warns(
        ClassOrderWarning,
        match=r"AUC 0\.\d+.*p = .*classes=\['nothing-detected', 'detection'\]",
    ):
        ProbabilisticLabelClassifier(
            FrozenEstimator(model), classes=sorted(set(names))
        ).fit(X[2000:], names[y[2000:]])
    assert not order_warnings(model, X[2000:], names[y[2000:]], list(names))


@settings(derandomize=True, max_examples=25, deadline=None)
@given(
    n_classes=st.sampled_from([2, 3, 5]),
    n_samples=st.sampled_from([30, 100, 400]),
    weight=st.sampled_from([0.5, 0.3, 0.1, 0.05]),
    class_sep=st.sampled_from([0.01, 0.05, 0.5, 2.0]),
    seed=st.integers(0, 10_000),
    logits=st.booleans(),
)
def test_right_order_never_warns(n_classes, n_samples, weight, class_sep, seed, logits):
    """Check that the right order never warns, also for a model near chance."""
    model, X, y = frozen_logistic(n_classes, n_samples, weight, class_sep, seed)
    method = "decision_function" if logits else "predict_proba"
    assert not order_warnings(
        model, X, y, [0, 1, 2, 3, 4][:n_classes], response_method=method
    )


@pytest.mark.parametrize("method", ["predict_proba", "decision_function"])
@pytest.mark.parametrize("n_classes", [2, 3, 5])
def test_logits_and_probabilities_give_the_same_verdict(n_classes, method):
    """Check that a swapped order warns, with the same likely order, on both outputs."""
    model, X, y = frozen_logistic(n_classes, 200, 0.3, 1.0, seed=1)
    names = FIVE[:n_classes]
    given = names.copy()
    given[[0, 1]] = given[[1, 0]]
    messages = order_warnings(model, X, names[y], list(given), response_method=method)
    assert len(messages) == 1
    assert f"classes={names.tolist()!r}" in messages[0]


def test_multiclass_transposition_warns_and_names_the_order():
    """Check that two of five names transposed warn with the pairwise evidence."""
    model, X, y = frozen_logistic(5, 300, 0.5, 1.5, seed=3)
    given = FIVE[[0, 1, 4, 3, 2]]
    (message,) = order_warnings(model, X, FIVE[y], list(given))
    assert f"classes={FIVE.tolist()!r}" in message
    assert "pairwise AUC" in message and "Bonferroni over the 10 pairs" in message


def test_multiclass_constant_model_does_not_warn():
    """Check that a model deciding one class always is quiet, whatever the order."""
    model, X, y = frozen_logistic(3, 200, 0.5, 1.0, seed=4)
    model.coef_[:] = 0.0
    model.intercept_[:] = [0.0, 0.0, 1.0]
    assert not order_warnings(model, X, FIVE[np.where(y == 2, 2, 0)], list(FIVE[:3]))


class FlippedLabel(OneVsRestClassifier):
    """A fitted one-vs-rest model whose scores for one label are ``1 - p``."""

    def __init__(self, estimator, flip):
        super().__init__(estimator)
        self.flip = flip

    def predict_proba(self, X):
        proba = super().predict_proba(X)
        proba[:, self.flip] = 1 - proba[:, self.flip]
        return proba


def test_multilabel_flipped_label_is_named():
    """Check that a label whose scores are 1 - p is named, and only that label."""
    X, Y = make_multilabel_classification(
        n_samples=600, n_features=8, n_classes=4, random_state=0
    )
    names = ["red", "green", "blue", "gold"]
    model = FlippedLabel(LogisticRegression(max_iter=1000), flip=2).fit(
        X[:300], Y[:300]
    )
    (message,) = order_warnings(model, X[300:], Y[300:], names)
    assert "'blue' (AUC 0." in message
    assert not any(f"'{name}'" in message for name in ["red", "green", "gold"])
    model.flip = []
    assert not order_warnings(model, X[300:], Y[300:], names)


def test_frozen_torch_sigmoid_network_with_sorted_names_warns():
    """Check that a one-unit sigmoid network with sorted names warns."""
    torch = pytest.importorskip("torch")
    from sklabels.adapters import TorchClassifier

    X, y = make_classification(
        n_samples=400, n_features=5, weights=[0.9, 0.1], random_state=0
    )
    weights = LogisticRegression().fit(X[:200], y[:200])
    net = torch.nn.Sequential(torch.nn.Linear(5, 1), torch.nn.Sigmoid())
    with torch.no_grad():
        net[0].weight.copy_(torch.tensor(weights.coef_, dtype=torch.float32))
        net[0].bias.copy_(torch.tensor(weights.intercept_, dtype=torch.float32))
    names = np.array(["normal", "fraud"])
    X_val = X[200:].astype(np.float32)
    with pytest.warns(ClassOrderWarning, match=r"classes=\['normal', 'fraud'\]"):
        ProbabilisticLabelClassifier(
            FrozenEstimator(TorchClassifier(net)), classes=sorted(names)
        ).fit(X_val, names[y[200:]])


def test_frozen_keras_sigmoid_model_with_sorted_names_warns():
    """Check that a one-unit Keras sigmoid model with sorted names warns."""
    keras = pytest.importorskip("keras")
    from sklabels.adapters import KerasClassifier

    X, y = make_classification(
        n_samples=400, n_features=5, weights=[0.9, 0.1], random_state=0
    )
    weights = LogisticRegression().fit(X[:200], y[:200])
    model = keras.Sequential(
        [keras.Input((5,)), keras.layers.Dense(1, activation="sigmoid")]
    )
    model.layers[0].set_weights(
        [weights.coef_.T.astype(np.float32), weights.intercept_.astype(np.float32)]
    )
    names = np.array(["normal", "fraud"])
    X_val = X[200:].astype(np.float32)
    with pytest.warns(ClassOrderWarning, match=r"classes=\['normal', 'fraud'\]"):
        clf = ProbabilisticLabelClassifier(
            FrozenEstimator(KerasClassifier(model)), classes=sorted(names)
        ).fit(X_val, names[y[200:]])
    # The right order is silent and decides as the model does.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ClassOrderWarning)
        right = ProbabilisticLabelClassifier(
            FrozenEstimator(KerasClassifier(model)), classes=list(names)
        ).fit(X_val, names[y[200:]])
    assert (right.predict(X_val) == names[y[200:]]).mean() > 0.8
    assert (clf.predict(X_val) == names[y[200:]]).mean() < 0.5


def _independent_labels(seed, n=800, k=4, noise=0.5):
    """Labels each driven by its own feature (unrelated labels), and a model."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 2 * k))
    Y = np.column_stack(
        [(X[:, 2 * j] + noise * rng.normal(size=n) > 0.3).astype(int) for j in range(k)]
    )
    half = n // 2
    model = OneVsRestClassifier(LogisticRegression()).fit(X[:half], Y[:half])
    return model, X[half:], Y[half:]


def _label_sets(Y, names):
    return [tuple(names[row == 1]) for row in Y]


@pytest.mark.parametrize("order", [[1, 0, 2, 3], [0, 2, 3, 1], [3, 2, 1, 0]])
@pytest.mark.parametrize("frame", [False, True])
def test_multilabel_swap_of_unrelated_labels_warns_with_the_order(order, frame):
    """Check that names given in another order than a multilabel model's columns
    warn with the model's order, though each moved label's own column has an AUC
    near 0.5 (no label ranks its positives below its negatives)."""
    pd = pytest.importorskip("pandas")
    names = np.array(["ant", "bee", "cat", "dog"])
    model, X, Y = _independent_labels(seed=5)
    y = pd.DataFrame(Y, columns=names) if frame else _label_sets(Y, names)
    (message,) = order_warnings(model, X, y, list(names[order]), problem="multilabel")
    assert f"classes={names.tolist()!r}" in message
    assert "ordered pairs of labels" in message
    assert not order_warnings(model, X, y, list(names), problem="multilabel")


@settings(derandomize=True, max_examples=20, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n_classes=st.sampled_from([2, 3, 5, 8]),
    n_samples=st.sampled_from([40, 200, 800]),
    weak=st.booleans(),
)
def test_multilabel_right_order_never_warns_with_correlated_labels(
    seed, n_classes, n_samples, weak
):
    """Check that a model of correlated labels (make_multilabel_classification),
    good or near chance, named in its own order never warns."""
    X, Y = make_multilabel_classification(
        n_samples=2 * n_samples,
        n_features=6,
        n_classes=n_classes,
        n_labels=3,
        random_state=seed,
    )
    if weak:
        X = X + np.random.default_rng(seed).normal(scale=20, size=X.shape)
    model = OneVsRestClassifier(LogisticRegression(max_iter=1000)).fit(
        X[:n_samples], Y[:n_samples]
    )
    names = np.array([f"l{j}" for j in range(n_classes)])
    sets = _label_sets(Y[n_samples:], names)
    assert not order_warnings(
        model, X[n_samples:], sets, list(names), problem="multilabel"
    )


def test_multilabel_useless_column_of_a_correlated_label_does_not_warn():
    """Check the right order stays quiet when one label's own column is noise and
    another label's column predicts it well (the labels agree on 90% of rows): the
    assignment keeps each label its own column."""
    rng = np.random.default_rng(3)
    n = 1200
    X = rng.normal(size=(n, 4))
    first = (X[:, 0] > 0).astype(int)
    second = np.where(rng.random(n) < 0.9, first, 1 - first)
    third = (X[:, 2] > 0).astype(int)
    Y = np.column_stack([first, second, third])
    X_model = X.copy()
    model = OneVsRestClassifier(LogisticRegression()).fit(X_model[:600], Y[:600])
    model.estimators_[1].coef_[:] = 0.0  # the second label's column: a constant
    model.estimators_[1].coef_[0, 3] = 1.0  # ... plus noise from an unrelated feature
    names = np.array(["rain", "wet", "wind"])
    sets = _label_sets(Y[600:], names)
    assert not order_warnings(model, X[600:], sets, list(names), problem="multilabel")
