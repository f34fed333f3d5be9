"""KerasClassifier: small real Keras 3 models (Torch backend) on bundled data."""

import pickle
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.utils.estimator_checks import (
    check_dont_overwrite_parameters,
    check_estimator_cloneable,
    check_estimator_repr,
    check_estimators_overwrite_params,
    check_estimators_pickle,
    check_fit_check_is_fitted,
    check_get_params_invariance,
    check_n_features_in,
    check_no_attributes_set_in_init,
    check_set_params,
)

from sklabels import ProbabilisticLabelClassifier
from sklabels.adapters import KerasClassifier

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")  # the backend of these tests (tests/conftest.py)

# model.get_weights() on the Torch backend reads tensors with np.array(tensor), which
# NumPy 2 flags (torch.Tensor.__array__ takes no copy argument): Keras' and Torch's
# business, not ours. The adapter itself silences it around model.save.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

DIGIT_NAMES = np.array(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
)
TAGS = ["even", "big", "prime"]


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Run these tiny networks (Keras on Torch) on one Torch thread per process.

    pytest-xdist runs one worker per core; Torch's own thread pool per worker on top
    of that oversubscribes the cores, and its spinning threads then make small
    networks train ten times slower.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def build(n_features=64, width=10, activation="softmax", hidden=32):
    """A small dense network; ``activation=None`` gives logits."""
    return keras.Sequential(
        [
            keras.Input((n_features,)),
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(width, activation=activation),
        ]
    )


def build_any_width(width=3, hidden=8):
    """No Input layer: built on the first batch, whatever its width (for checks)."""
    return keras.Sequential(
        [
            keras.layers.Dense(hidden, activation="relu"),
            keras.layers.Dense(width, activation="softmax"),
        ]
    )


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    X = (data.data / 16.0).astype(np.float32)
    return train_test_split(X, data.target, test_size=0.3, random_state=0)


@pytest.fixture(scope="module")
def cancer():
    data = load_breast_cancer()
    X = ((data.data - data.data.mean(0)) / data.data.std(0)).astype(np.float32)
    names = data.target_names[data.target]
    return train_test_split(X, names, test_size=0.3, random_state=0)


@pytest.fixture(scope="module")
def trained_digits(digits):
    """A digits adapter trained once (softmax head), shared by several tests."""
    X_train, _, y_train, _ = digits
    return KerasClassifier(
        build, epochs=10, batch_size=64, lr=1e-2, random_state=0
    ).fit(X_train, y_train)


def digit_tags(codes):
    return np.column_stack(
        [codes % 2 == 0, codes >= 5, np.isin(codes, [2, 3, 5, 7])]
    ).astype(int)


def weights_equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


# ------------------------------------------------------------------ problems


def test_keras_multiclass_digits_predicts_names(digits):
    """Check that a softmax model trained through the classifier predicts names."""
    X_train, X_test, y_train, y_test = digits
    clf = ProbabilisticLabelClassifier(
        KerasClassifier(build, epochs=10, batch_size=64, lr=1e-2, random_state=0)
    )
    clf.fit(X_train, DIGIT_NAMES[y_train])
    predicted = clf.predict(X_test)
    assert set(predicted) <= set(DIGIT_NAMES)
    accuracy = np.mean(predicted == DIGIT_NAMES[y_test])
    assert accuracy > 0.9, accuracy  # chance: 0.1
    inner = clf.estimator_
    assert inner.problem_ == "multiclass"
    assert_array_equal(inner.classes_, np.arange(10))
    assert len(inner.history_["loss"]) == 10
    assert inner.history_["loss"][-1] < inner.history_["loss"][0]


@pytest.mark.parametrize(
    ("width", "activation", "output"),
    [
        (1, "sigmoid", "probabilities"),
        (2, "softmax", "probabilities"),
        (1, None, "logits"),
    ],
)
def test_keras_binary_heads_predict_names(cancer, width, activation, output):
    """Check (n, 1) sigmoid, (n, 2) softmax and (n, 1) logit binary heads."""
    X_train, X_test, y_train, y_test = cancer
    adapter = KerasClassifier(
        build,
        model__n_features=30,
        model__width=width,
        model__activation=activation,
        model__hidden=16,
        output=output,
        epochs=10,
        lr=1e-2,
        random_state=0,
    )
    clf = ProbabilisticLabelClassifier(adapter).fit(X_train, y_train)
    assert clf.problem_ == clf.estimator_.problem_ == "binary"
    assert clf.predict_proba(X_test).shape == (len(X_test), 2)
    accuracy = clf.score(X_test, y_test)
    assert accuracy > 0.9, accuracy  # chance: 0.63 (the majority class)
    assert hasattr(clf.estimator_, "decision_function") == (output == "logits")


def test_keras_multilabel_sigmoid_predicts_label_sets(digits):
    """Check an (n, k) sigmoid head on a multilabel indicator with names."""
    X_train, X_test, y_train, y_test = digits
    clf = ProbabilisticLabelClassifier(
        KerasClassifier(
            build,
            model__width=3,
            model__activation="sigmoid",
            epochs=15,
            batch_size=64,
            lr=1e-2,
            random_state=0,
        ),
        classes=TAGS,
    )
    clf.fit(X_train, digit_tags(y_train))
    assert clf.estimator_.problem_ == "multilabel"
    per_label = (clf.predict(X_test) == digit_tags(y_test)).mean(axis=0)
    assert (per_label > 0.85).all(), per_label
    labels = clf.predict_labels(X_test[:20])
    assert all(set(row) <= set(TAGS) for row in labels)


# --------------------------------------------------------- heads and weights


@pytest.mark.parametrize(
    ("width", "activation", "problem"),
    [
        (1, "sigmoid", "binary"),
        (10, "softmax", "multiclass"),
        (3, "sigmoid", "multilabel"),
    ],
)
# untrained weights may rank a class the wrong way round: ClassOrderWarning
@pytest.mark.filterwarnings("ignore::sklabels.ClassOrderWarning")
def test_logits_and_probability_heads_agree(digits, width, activation, problem):
    """Check that the same weights give the same labels as logits or probabilities."""
    X_train, X_test, y_train, _ = digits
    logits_model = build(width=width, activation=None)
    proba_model = keras.Model(
        logits_model.inputs[0],
        keras.layers.Activation(activation)(logits_model.outputs[0]),
    )
    if problem == "binary":
        y, classes = np.where(y_train >= 5, "big", "small"), ["small", "big"]
    elif problem == "multiclass":
        y, classes = DIGIT_NAMES[y_train], DIGIT_NAMES
    else:
        y, classes = digit_tags(y_train), TAGS
    by_logits = ProbabilisticLabelClassifier(
        FrozenEstimator(
            KerasClassifier(logits_model, output="logits", problem=problem)
        ),
        classes=classes,
    ).fit(X_train, y)
    by_proba = ProbabilisticLabelClassifier(
        FrozenEstimator(KerasClassifier(proba_model)), classes=classes
    ).fit(X_train, y)
    assert_allclose(
        by_logits.predict_proba(X_test), by_proba.predict_proba(X_test), atol=1e-6
    )
    assert_array_equal(by_logits.predict(X_test), by_proba.predict(X_test))


def test_handed_in_trained_model_is_not_retrained(digits, trained_digits):
    """Check that a trained model wrapped frozen keeps its weights and outputs."""
    _, X_test, _, y_test = digits
    model = trained_digits.model_
    before = model.get_weights()
    adapter = KerasClassifier(model)
    assert adapter.__sklearn_is_fitted__()
    assert_array_equal(adapter.classes_, np.arange(10))  # from output_shape
    assert not hasattr(adapter, "problem_")  # softmax or 10 sigmoids: not guessed
    clf = ProbabilisticLabelClassifier(FrozenEstimator(adapter), classes=DIGIT_NAMES)
    clf.fit(X_test, DIGIT_NAMES[y_test])
    assert weights_equal(before, model.get_weights())
    direct = model(X_test, training=False).detach().numpy().argmax(1)
    assert_array_equal(clf.predict(X_test), DIGIT_NAMES[direct])
    assert clf.score(X_test, DIGIT_NAMES[y_test]) > 0.9


def test_fit_trains_a_copy_and_clone_is_independent(digits):
    """Check that fit and clones never train the model that was passed in."""
    X_train, X_test, y_train, _ = digits
    model = build()
    before = model.get_weights()
    original = KerasClassifier(model, epochs=1, batch_size=64).fit(X_train, y_train)
    assert original.model_ is not model
    assert weights_equal(before, model.get_weights())
    proba = original.predict_proba(X_test)
    twin = clone(original)
    assert twin.model is not model
    assert weights_equal(before, twin.model.get_weights())
    twin.set_params(epochs=3, lr=1e-2).fit(X_train, y_train)
    assert_array_equal(original.predict_proba(X_test), proba)
    assert weights_equal(before, model.get_weights())
    assert not np.array_equal(twin.predict_proba(X_test), proba)


def test_pickle_round_trip_gives_identical_predictions(digits, trained_digits):
    """Check that pickling (Keras' own .keras archive inside) keeps predictions."""
    _, X_test, _, _ = digits
    restored = pickle.loads(pickle.dumps(trained_digits))
    assert restored.model_ is not trained_digits.model_
    assert_array_equal(
        restored.predict_proba(X_test), trained_digits.predict_proba(X_test)
    )
    assert isinstance(trained_digits.model_, keras.Model)  # the original untouched
    handed_in = pickle.loads(
        pickle.dumps(KerasClassifier(trained_digits.model_, problem="multiclass"))
    )
    assert_array_equal(handed_in.predict(X_test), trained_digits.predict(X_test))


def test_grid_search_over_epochs(digits):
    """Check that GridSearchCV tunes estimator__epochs and refits on names."""
    X_train, X_test, y_train, y_test = digits
    clf = ProbabilisticLabelClassifier(
        KerasClassifier(build, model__hidden=16, batch_size=64, lr=1e-2, random_state=0)
    )
    search = GridSearchCV(clf, {"estimator__epochs": [1, 12]}, cv=2)
    search.fit(X_train[:600], DIGIT_NAMES[y_train[:600]])
    assert search.best_params_ == {"estimator__epochs": 12}
    assert search.score(X_test, DIGIT_NAMES[y_test]) > 0.8


def test_user_compiled_model_keeps_its_loss(digits):
    """Check that a compiled model keeps its loss (one-hot targets for categorical)."""
    X_train, X_test, y_train, y_test = digits
    model = build()
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2), loss="categorical_crossentropy"
    )
    adapter = KerasClassifier(model, epochs=5, batch_size=64).fit(X_train, y_train)
    assert adapter.model_.loss == "categorical_crossentropy"
    assert adapter.score(X_test, y_test) > 0.85


def test_random_state_reproducible_and_global_rng_restored(digits):
    """Check that equal seeds give equal weights and NumPy's global state survives."""
    X_train, _, y_train, _ = digits
    np.random.seed(5)  # noqa: NPY002 - the legacy global state is what is checked
    expected = np.random.random_sample()  # noqa: NPY002
    np.random.seed(5)  # noqa: NPY002

    def train(seed):
        return KerasClassifier(
            build, model__hidden=8, epochs=1, batch_size=128, random_state=seed
        ).fit(X_train, y_train)

    first, second = train(3), train(3)
    assert np.random.random_sample() == expected  # noqa: NPY002
    assert weights_equal(first.model_.get_weights(), second.model_.get_weights())
    assert not weights_equal(first.model_.get_weights(), train(4).model_.get_weights())


# ------------------------------------------------------------------ errors


def test_missing_keras_names_the_extra(monkeypatch):
    """Check that without keras, fit raises an ImportError naming the extra."""
    monkeypatch.setitem(sys.modules, "keras", None)
    with pytest.raises(ImportError, match=r'pip install "sklabels\[keras\]"'):
        KerasClassifier(build).fit(np.zeros((4, 64)), [0, 1, 0, 1])


def test_unfitted_builder_raises_not_fitted():
    """Check that a builder function is not fitted until fit is called."""
    adapter = KerasClassifier(build)
    with pytest.raises(NotFittedError):
        adapter.predict(np.zeros((2, 64)))
    assert not hasattr(adapter, "classes_")


@pytest.mark.parametrize(
    ("adapter", "y", "error", "message"),
    [
        (
            KerasClassifier(
                build, model__activation=None, epochs=1, output="probabilities"
            ),
            np.arange(40) % 10,
            ValueError,
            r"outside \[0, 1\].*output='logits'",
        ),
        (
            KerasClassifier(build, model__width=3, epochs=1),
            np.arange(40) % 10,
            ValueError,
            "needs at least 10 outputs",
        ),
        (
            KerasClassifier(lambda: "no model", epochs=1),
            np.arange(40) % 2,
            TypeError,
            "returned a str",
        ),
        (
            KerasClassifier(build, optimizer="warp", epochs=1),
            np.arange(40) % 10,
            ValueError,
            "not a Keras optimizer",
        ),
    ],
)
def test_bad_input_raises_clear_errors(digits, adapter, y, error, message):
    """Check that each misuse raises an error naming the problem and the fix."""
    with pytest.raises(error, match=message):
        adapter.fit(digits[0][:40], y)


# --------------------------------------------------- scikit-learn's own checks

# Not the full check_estimator: dozens of fits on data of changing shape and class
# count would take minutes with Keras and do not fit a fixed-width network (the
# 3-output model below cannot give classes_ == np.unique(y) for 2-class data).
CONTRACT_CHECKS = [
    check_no_attributes_set_in_init,
    check_get_params_invariance,
    check_set_params,
    check_dont_overwrite_parameters,
    check_estimators_overwrite_params,
    check_estimators_pickle,
    check_estimator_cloneable,
    check_estimator_repr,
    check_fit_check_is_fitted,
    check_n_features_in,
]


@pytest.mark.parametrize("check", CONTRACT_CHECKS, ids=lambda c: c.__name__)
def test_sklearn_contract_checks(check):
    """Check that the adapter passes scikit-learn's estimator-contract checks."""
    # model__* arguments are parameters stored through **kwargs, which
    # check_no_attributes_set_in_init cannot tell from stray attributes.
    routed = {} if check is check_no_attributes_set_in_init else {"model__hidden": 4}
    adapter = KerasClassifier(
        build_any_width, epochs=1, batch_size=64, random_state=0, **routed
    )
    check("KerasClassifier", adapter)
