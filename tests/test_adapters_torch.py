"""TorchClassifier: small real networks on scikit-learn's bundled data."""

import copy
import pickle
import re
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
    check_estimators_fit_returns_self,
    check_estimators_overwrite_params,
    check_estimators_pickle,
    check_fit_check_is_fitted,
    check_get_params_invariance,
    check_n_features_in,
    check_no_attributes_set_in_init,
    check_set_params,
)

from sklabels import ProbabilisticLabelClassifier
from sklabels.adapters import TorchClassifier

torch = pytest.importorskip("torch")
nn = torch.nn

DIGIT_NAMES = np.array(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
)
TAGS = ["even", "big", "prime"]  # multilabel: facts about each digit


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Run these tiny networks on one Torch thread per process.

    pytest-xdist runs one worker per core; Torch's own thread pool per worker on top
    of that oversubscribes the cores, and its spinning threads then make small
    networks train ten times slower.
    """
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


class MLP(nn.Module):
    """A small MLP built from parameters (the ``module__*`` route)."""

    def __init__(self, n_features=64, n_outputs=10, hidden=32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, n_outputs)
        )

    def forward(self, x):
        return self.net(x)


class LazyMLP(nn.Module):
    """Any input width (``LazyLinear``), three logits: for scikit-learn's checks."""

    def __init__(self, n_outputs=3, hidden=8):
        super().__init__()
        self.net = nn.Sequential(
            nn.LazyLinear(hidden), nn.ReLU(), nn.Linear(hidden, n_outputs)
        )

    def forward(self, x):
        return self.net(x)


def mlp(n_in, n_out, hidden=32, final=None, seed=0):
    torch.manual_seed(seed)
    layers = [nn.Linear(n_in, hidden), nn.ReLU(), nn.Linear(hidden, n_out)]
    return nn.Sequential(*layers, *([final] if final is not None else []))


@pytest.fixture(scope="module")
def digits():
    data = load_digits()
    X = (data.data / 16.0).astype(np.float32)
    return train_test_split(X, data.target, test_size=0.3, random_state=0)


@pytest.fixture(scope="module")
def cancer():
    data = load_breast_cancer()
    X = (data.data - data.data.mean(0)) / data.data.std(0)
    names = data.target_names[data.target]  # 'malignant' / 'benign'
    return train_test_split(X, names, test_size=0.3, random_state=0)


def digit_tags(codes):
    return np.column_stack(
        [codes % 2 == 0, codes >= 5, np.isin(codes, [2, 3, 5, 7])]
    ).astype(int)


# ------------------------------------------------------------------ problems


def test_torch_multiclass_digits_predicts_names(digits):
    """Check that a network trained through the classifier predicts digit names."""
    X_train, X_test, y_train, y_test = digits
    clf = ProbabilisticLabelClassifier(
        TorchClassifier(
            MLP, module__hidden=32, epochs=15, lr=1e-2, batch_size=64, random_state=0
        )
    )
    clf.fit(X_train, DIGIT_NAMES[y_train])
    predicted = clf.predict(X_test)
    assert set(predicted) <= set(DIGIT_NAMES)
    assert_array_equal(clf.classes_, np.sort(DIGIT_NAMES))
    accuracy = np.mean(predicted == DIGIT_NAMES[y_test])
    assert accuracy > 0.9, accuracy  # chance: 0.1
    inner = clf.estimator_
    assert inner.problem_ == "multiclass"
    assert inner.n_outputs_ == 10
    assert inner.n_features_in_ == 64
    assert len(inner.history_) == 15
    assert inner.history_[-1] < inner.history_[0]
    assert clf.predict_proba(X_test).shape == (len(X_test), 10)
    assert_allclose(clf.predict_proba(X_test).sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize(
    ("width", "output"),
    [(1, "logits"), (1, "probabilities"), (2, "logits"), (2, "probabilities")],
)
def test_torch_binary_heads_predict_names(cancer, width, output):
    """Check one-sigmoid and two-softmax binary heads, as logits or probabilities."""
    X_train, X_test, y_train, y_test = cancer
    final = None
    if output == "probabilities":
        final = nn.Sigmoid() if width == 1 else nn.Softmax(dim=1)
    net = mlp(30, width, hidden=16, final=final)
    clf = ProbabilisticLabelClassifier(
        TorchClassifier(net, output=output, epochs=10, lr=1e-2, batch_size=32)
    )
    clf.fit(X_train, y_train)
    assert clf.problem_ == "binary"
    assert clf.estimator_.problem_ == "binary"
    assert_array_equal(clf.estimator_.classes_, [0, 1])
    assert clf.predict_proba(X_test).shape == (len(X_test), 2)
    accuracy = clf.score(X_test, y_test)
    assert accuracy > 0.9, accuracy  # chance: 0.63 (the majority class)
    if output == "logits":
        assert clf.decision_function(X_test).shape == (len(X_test),)
    else:
        assert not hasattr(clf.estimator_, "decision_function")


def test_torch_multilabel_digits_predicts_label_sets(digits):
    """Check a per-label sigmoid network on a multilabel target given as sets."""
    X_train, X_test, y_train, y_test = digits
    sets = [tuple(np.array(TAGS)[row.astype(bool)]) for row in digit_tags(y_train)]
    clf = ProbabilisticLabelClassifier(
        TorchClassifier(
            MLP, module__n_outputs=3, epochs=20, lr=1e-2, batch_size=64, random_state=0
        ),
        classes=TAGS,
    )
    clf.fit(X_train, sets)
    assert clf.estimator_.problem_ == "multilabel"
    predicted = clf.predict(X_test)
    assert isinstance(predicted, list)
    assert all(set(row) <= set(TAGS) for row in predicted)
    truth = digit_tags(y_test)
    indicator = np.array([[tag in row for tag in TAGS] for row in predicted])
    per_label = (indicator == truth).mean(axis=0)
    assert (per_label > 0.85).all(), per_label  # chance (majority): about 0.5-0.6


# --------------------------------------------------------- heads and weights


@pytest.mark.parametrize(
    ("problem", "width", "activation"),
    [
        ("binary", 1, nn.Sigmoid()),
        ("multiclass", 10, nn.Softmax(dim=1)),
        ("multilabel", 3, nn.Sigmoid()),
    ],
)
# untrained weights may rank a class the wrong way round: ClassOrderWarning
@pytest.mark.filterwarnings("ignore::sklabels.ClassOrderWarning")
def test_logits_and_probability_heads_agree(digits, problem, width, activation):
    """Check that the same weights give the same labels as logits or probabilities."""
    X_train, X_test, y_train, _ = digits
    logits_net = mlp(64, width, seed=1)
    proba_net = nn.Sequential(*copy.deepcopy(logits_net), activation)
    if problem == "binary":
        y, classes = np.where(y_train >= 5, "big", "small"), ["small", "big"]
    elif problem == "multiclass":
        y, classes = DIGIT_NAMES[y_train], DIGIT_NAMES
    else:
        y, classes = digit_tags(y_train), TAGS
    kwargs = {"problem": "multiclass"} if problem == "multiclass" else {}
    if problem == "multilabel":
        kwargs = {"problem": "multilabel"}
    clf_logits = ProbabilisticLabelClassifier(
        FrozenEstimator(TorchClassifier(logits_net, output="logits", **kwargs)),
        classes=classes,
    ).fit(X_train, y)
    clf_proba = ProbabilisticLabelClassifier(
        FrozenEstimator(TorchClassifier(proba_net, output="probabilities")),
        classes=classes,
    ).fit(X_train, y)
    assert_allclose(
        clf_logits.predict_proba(X_test), clf_proba.predict_proba(X_test), atol=1e-6
    )
    if problem == "multilabel":
        assert clf_logits.predict(X_test).tolist() == clf_proba.predict(X_test).tolist()
    else:
        assert_array_equal(clf_logits.predict(X_test), clf_proba.predict(X_test))


def test_handed_in_network_is_not_retrained(digits):
    """Check that a trained network wrapped frozen keeps its weights and outputs."""
    X_train, X_test, y_train, y_test = digits
    trained = TorchClassifier(
        mlp(64, 10), epochs=10, lr=1e-2, batch_size=64, random_state=0
    ).fit(X_train, y_train)
    net = trained.module_
    before = copy.deepcopy(net.state_dict())
    adapter = TorchClassifier(net, problem="multiclass")
    assert adapter.__sklearn_is_fitted__()
    assert_array_equal(adapter.classes_, np.arange(10))  # from the Sequential's width
    clf = ProbabilisticLabelClassifier(FrozenEstimator(adapter), classes=DIGIT_NAMES)
    clf.fit(X_test, DIGIT_NAMES[y_test])
    after = net.state_dict()
    assert all(torch.equal(before[key], after[key]) for key in before)
    assert not hasattr(adapter, "module_")  # fit never reached the adapter
    with torch.no_grad():
        direct = net(torch.from_numpy(X_test)).argmax(1).numpy()
    assert_array_equal(clf.predict(X_test), DIGIT_NAMES[direct])
    assert clf.score(X_test, DIGIT_NAMES[y_test]) > 0.9


def test_fit_trains_a_copy_of_a_handed_in_module(digits):
    """Check that fit leaves the module passed in untouched and trains module_."""
    X_train, _, y_train, _ = digits
    net = mlp(64, 10)
    before = copy.deepcopy(net.state_dict())
    adapter = TorchClassifier(net, epochs=2, batch_size=64, random_state=0)
    adapter.fit(X_train, y_train)
    assert adapter.module_ is not net
    assert all(torch.equal(before[k], v) for k, v in net.state_dict().items())
    moved = [
        not torch.equal(before[k], v) for k, v in adapter.module_.state_dict().items()
    ]
    assert any(moved)


def test_clone_is_independent(digits):
    """Check that training a clone leaves the original adapter's network untouched."""
    X_train, X_test, y_train, _ = digits
    original = TorchClassifier(mlp(64, 10), epochs=2, batch_size=64, random_state=0)
    original.fit(X_train, y_train)
    proba_before = original.predict_proba(X_test)
    copy_ = clone(original)
    assert copy_.module is not original.module
    assert not hasattr(copy_, "module_")
    copy_.set_params(epochs=5, lr=5e-2).fit(X_train, y_train)
    assert_array_equal(original.predict_proba(X_test), proba_before)
    assert not np.array_equal(copy_.predict_proba(X_test), proba_before)


def test_pickle_round_trip_gives_identical_predictions(digits):
    """Check that a pickled trained adapter (state dict inside) predicts the same."""
    X_train, X_test, y_train, _ = digits
    clf = ProbabilisticLabelClassifier(
        TorchClassifier(MLP, module__hidden=16, epochs=2, batch_size=64, random_state=0)
    ).fit(X_train, DIGIT_NAMES[y_train])
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.estimator_.module_ is not clf.estimator_.module_
    assert_array_equal(restored.predict_proba(X_test), clf.predict_proba(X_test))
    assert_array_equal(restored.predict(X_test), clf.predict(X_test))
    assert "module_" in vars(clf.estimator_)  # pickling left the original alone
    assert isinstance(clf.estimator_.module_, nn.Module)


def test_random_state_makes_training_reproducible(digits):
    """Check that equal seeds give equal weights, and the global RNG is untouched."""
    X_train, _, y_train, _ = digits
    torch.manual_seed(123)
    expected_next = torch.rand(1)
    torch.manual_seed(123)

    def train(seed):
        return TorchClassifier(
            MLP, module__hidden=8, epochs=2, batch_size=64, random_state=seed
        ).fit(X_train, y_train)

    first, second, other = train(7), train(7), train(8)
    assert torch.equal(torch.rand(1), expected_next)
    for key, value in first.module_.state_dict().items():
        assert torch.equal(value, second.module_.state_dict()[key])
    assert not all(
        torch.equal(v, other.module_.state_dict()[k])
        for k, v in first.module_.state_dict().items()
    )


def test_grid_search_over_learning_rate(digits):
    """Check that GridSearchCV tunes estimator__lr and refits on names."""
    X_train, X_test, y_train, y_test = digits
    clf = ProbabilisticLabelClassifier(
        TorchClassifier(MLP, module__hidden=16, epochs=3, batch_size=64, random_state=0)
    )
    search = GridSearchCV(
        clf, {"estimator__lr": [1e-4, 2e-2], "estimator__module__hidden": [16]}, cv=2
    )
    search.fit(X_train, DIGIT_NAMES[y_train])
    assert search.best_params_["estimator__lr"] == 2e-2  # 1e-4 barely moves
    assert search.best_estimator_.estimator_.lr == 2e-2
    assert search.score(X_test, DIGIT_NAMES[y_test]) > 0.8


def test_verbose_prints_one_line_per_epoch(digits, capsys):
    """Check that verbose=1 prints one Keras-style line per epoch: epoch, time, loss."""
    X_train, _, y_train, _ = digits
    TorchClassifier(MLP, epochs=3, batch_size=256, verbose=1).fit(X_train, y_train)
    lines = [line for line in capsys.readouterr().out.splitlines() if "Epoch" in line]
    assert len(lines) == 3
    assert re.fullmatch(r"Epoch 3/3 - \d+\.\d\ds - loss: \d+\.\d{4}", lines[-1])


def test_sample_weight_changes_training(cancer):
    """Check that sample_weight reaches the loss: zero weights on a class mute it."""
    X_train, X_test, y_train, _ = cancer
    codes = (y_train == "malignant").astype(int)
    weights = np.where(codes == 1, 0.0, 1.0)
    adapter = TorchClassifier(mlp(30, 1), epochs=20, lr=1e-2, batch_size=32)
    adapter.fit(X_train, codes, sample_weight=weights)
    assert adapter.predict(X_test).mean() < 0.05  # never saw a positive that counted


def test_predict_batches_match_one_batch(digits):
    """Check that predict_batch_size does not change the probabilities."""
    X_train, X_test, y_train, _ = digits
    adapter = TorchClassifier(MLP, epochs=1, random_state=0).fit(X_train, y_train)
    one = adapter.set_params(predict_batch_size=10_000).predict_proba(X_test)
    many = adapter.set_params(predict_batch_size=7).predict_proba(X_test)
    assert_allclose(one, many, rtol=1e-6, atol=1e-7)


# ------------------------------------------------------------------ errors


def test_missing_torch_names_the_extra(monkeypatch):
    """Check that without torch, fit raises an ImportError naming the extra."""
    monkeypatch.setitem(sys.modules, "torch", None)
    adapter = TorchClassifier(MLP)  # constructing needs no torch
    with pytest.raises(ImportError, match=r'pip install "sklabels\[torch\]"'):
        adapter.fit(np.zeros((4, 64)), [0, 1, 0, 1])


def test_unfitted_class_module_raises_not_fitted():
    """Check that a module class is not fitted until fit is called."""
    adapter = TorchClassifier(MLP)
    assert not adapter.__sklearn_is_fitted__()
    with pytest.raises(NotFittedError, match="fit"):
        adapter.predict_proba(np.zeros((2, 64)))
    assert not hasattr(adapter, "classes_")


@pytest.mark.parametrize(
    ("adapter", "X", "y", "error", "message"),
    [
        (
            TorchClassifier(MLP, output="probabilities"),
            np.ones((8, 64)),
            np.arange(8) % 2,
            ValueError,
            r"outside \[0, 1\].*output='logits'",
        ),
        (
            TorchClassifier(MLP, module__n_outputs=3),
            np.ones((8, 64)),
            np.arange(8),
            ValueError,
            "has 3 outputs but y has codes up to 7",
        ),
        (
            TorchClassifier(MLP, module__n_outputs=1),
            np.ones((6, 64)),
            np.arange(6) % 3,
            ValueError,
            "only score a binary problem",
        ),
        (
            TorchClassifier(MLP, module__n_outputs=4),
            np.ones((6, 64)),
            np.ones((6, 3), dtype=int),
            ValueError,
            "one output per label",
        ),
        (
            TorchClassifier(MLP),
            np.ones((4, 64)),
            np.array(["cat", "dog", "cat", "dog"]),
            TypeError,
            r"ProbabilisticLabelClassifier\(TorchClassifier",
        ),
        (
            TorchClassifier(MLP),
            np.ones((4, 64)),
            np.array([0, 1, -1, 2]),
            ValueError,
            "integer codes",
        ),
        (
            TorchClassifier(mlp(64, 10), module__hidden=3),
            np.ones((4, 64)),
            np.arange(4),
            ValueError,
            "apply only when module is a class",
        ),
        (
            TorchClassifier(lambda: "not a module"),
            np.ones((4, 64)),
            np.arange(4),
            TypeError,
            "returned a str",
        ),
        (
            TorchClassifier(MLP, device="warp-drive"),
            np.ones((4, 64)),
            np.arange(4),
            ValueError,
            "not a torch device",
        ),
        (
            TorchClassifier(MLP, epochs=-1),
            np.ones((4, 64)),
            np.arange(4),
            ValueError,
            "epochs",
        ),
    ],
)
def test_bad_input_raises_clear_errors(adapter, X, y, error, message):
    """Check that each misuse raises an error that names the problem and the fix."""
    with pytest.raises(error, match=message):
        adapter.fit(X, y)


def test_unknown_keyword_is_rejected():
    """Check that keywords other than module__*/optimizer__* raise a TypeError."""
    with pytest.raises(TypeError, match="module__<name> or optimizer__<name>"):
        TorchClassifier(MLP, hidden=3)


def test_ambiguous_handed_in_logits_ask_for_problem(digits):
    """Check that several logits of an unfitted network need problem=."""
    X_train, _, _, _ = digits
    adapter = TorchClassifier(mlp(64, 3))
    with pytest.raises(ValueError, match="problem='multiclass'"):
        adapter.predict_proba(X_train)
    with pytest.raises(ValueError, match="problem='multilabel'"):
        adapter.predict(X_train)
    proba = adapter.set_params(problem="multilabel").predict_proba(X_train)
    assert proba.shape == (len(X_train), 3)
    assert not np.allclose(proba.sum(axis=1), 1.0)  # independent sigmoids


def test_frozen_width_mismatch_names_the_classes(digits):
    """Check that classes= of the wrong length for a frozen network is refused."""
    X_train = digits[0]
    adapter = TorchClassifier(mlp(64, 10), problem="multiclass")
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(adapter), classes=["a", "b", "c"]
    )
    with pytest.raises(ValueError, match="classes="):
        clf.fit(X_train[:3], ["a", "b", "c"])


def test_optimizer_options_and_custom_loss(digits):
    """Check a named optimizer with optimizer__* arguments and a custom loss."""
    X_train, X_test, y_train, y_test = digits
    calls = []

    def loss(outputs, targets):
        calls.append(outputs.shape)
        return nn.functional.cross_entropy(outputs, targets)

    adapter = TorchClassifier(
        MLP,
        optimizer="sgd",
        optimizer__momentum=0.9,
        lr=5e-2,
        loss=loss,
        epochs=5,
        batch_size=64,
        random_state=0,
    ).fit(X_train, y_train)
    assert calls and calls[0][1] == 10
    assert adapter.get_params()["optimizer__momentum"] == 0.9
    assert adapter.score(X_test, y_test) > 0.8


# --------------------------------------------------- scikit-learn's own checks

# The full check_estimator is not run: it fits dozens of times on data whose shape
# and classes vary from check to check, which a fixed-width network cannot follow
# (LazyMLP always has 3 outputs, so check_classifiers_train's 2-class and
# classes_-equality assertions, for one, do not apply) and which would take
# minutes. These checks are about the estimator contract, not the network.
CONTRACT_CHECKS = [
    check_no_attributes_set_in_init,
    check_get_params_invariance,
    check_set_params,
    check_dont_overwrite_parameters,
    check_estimators_overwrite_params,
    check_estimators_pickle,
    check_estimator_cloneable,
    check_estimator_repr,
    check_estimators_fit_returns_self,
    check_fit_check_is_fitted,
    check_n_features_in,
]


@pytest.mark.parametrize("check", CONTRACT_CHECKS, ids=lambda c: c.__name__)
def test_sklearn_contract_checks(check):
    """Check that the adapter passes scikit-learn's estimator-contract checks."""
    # module__* arguments are parameters stored by **kwargs (get_params and
    # set_params know them), which check_no_attributes_set_in_init cannot tell
    # from stray attributes: that check runs on an adapter without them.
    routed = {} if check is check_no_attributes_set_in_init else {"module__hidden": 8}
    adapter = TorchClassifier(
        LazyMLP, epochs=1, batch_size=32, random_state=0, **routed
    )
    check(type(adapter).__name__, adapter)


def test_custom_module_width_known_after_fit_only(digits):
    """Check that a non-Sequential module has no classes_ before fit, but works."""
    X_train, X_test, y_train, y_test = digits
    trained = TorchClassifier(MLP, epochs=5, batch_size=64, lr=1e-2, random_state=0)
    trained.fit(X_train, y_train)
    handed_in = TorchClassifier(trained.module_, problem="multiclass")
    assert not hasattr(handed_in, "classes_")
    clf = ProbabilisticLabelClassifier(FrozenEstimator(handed_in), classes=DIGIT_NAMES)
    clf.fit(X_test, DIGIT_NAMES[y_test])
    assert_array_equal(clf.predict(X_test), DIGIT_NAMES[trained.predict(X_test)])
