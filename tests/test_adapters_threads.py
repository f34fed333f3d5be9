"""Adapters are safe to share: predictions leave the caller's network untouched,
and concurrent predictions on one adapter equal a single-threaded call."""

import copy
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import softmax
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression

from sklabels import ProbabilisticLabelClassifier
from sklabels.adapters import (
    FunctionClassifier,
    KerasClassifier,
    OnnxClassifier,
    TorchClassifier,
)

# Keras' get_weights on the Torch backend reads tensors with np.array(tensor), which
# NumPy 2 flags: Keras' and Torch's business, not ours (as in test_adapters_keras).
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

N_THREADS = 8
NAMES = np.array(["ant", "bee", "cat"])


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)  # codes 0, 1, 2
    return X, y


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny networks; pytest-xdist runs one worker per core
    yield torch
    torch.set_num_threads(before)


def dropout_net(torch, seed=0):
    """A small network with Dropout and BatchNorm, as a user would hand it in."""
    nn = torch.nn
    torch.manual_seed(seed)
    return nn.Sequential(
        nn.Linear(5, 32),
        nn.BatchNorm1d(32),
        nn.ReLU(),
        nn.Dropout(0.5),
        nn.Linear(32, 3),
    )


def slow_dropout_net(torch, seed=0):
    """The same with a pause inside forward, so that concurrent calls overlap."""
    nn = torch.nn

    class Slow(nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(seed)
            self.body = nn.Sequential(nn.Linear(5, 32), nn.ReLU(), nn.Dropout(0.5))
            self.head = nn.Linear(32, 3)

        def forward(self, x):
            hidden = self.body(x)
            time.sleep(0.001)  # releases the GIL: other threads run meanwhile
            return self.head(hidden)

    return Slow()


def flags(module):
    return {name: sub.training for name, sub in module.named_modules()}


def tensors(module):
    return {key: value.detach().clone() for key, value in module.state_dict().items()}


def same_tensors(before, module):
    after = module.state_dict()
    return before.keys() == after.keys() and all(
        before[key].equal(after[key]) for key in before
    )


def in_threads(call, n=N_THREADS):
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(lambda _: call(), range(n)))


# -------------------------------------------------------------------- Torch


def test_torch_predict_leaves_the_module_exactly_as_it_was(torch, data):
    """Check that predict_proba, predict and decision_function change no flag, no
    weight and no running statistic of the module handed in (in train mode, with
    a frozen BatchNorm: a common fine-tuning state)."""
    X, _ = data
    net = dropout_net(torch).train()
    net[1].eval()  # BatchNorm frozen by the user, the rest in train mode
    before_flags, before_tensors = flags(net), tensors(net)
    adapter = TorchClassifier(net, problem="multiclass", predict_batch_size=64)
    adapter.predict_proba(X)
    adapter.predict(X)
    adapter.decision_function(X)
    assert flags(net) == before_flags
    assert same_tensors(before_tensors, net)


def test_torch_predict_runs_no_train_mode_parametrization(torch, data):
    """Check that a first layer under spectral_norm (whose power iteration runs,
    and updates the module, whenever its weight is computed in train mode) is not
    updated by predictions or by reading the network's input width."""
    nn = torch.nn
    X, _ = data
    torch.manual_seed(0)
    first = nn.utils.parametrizations.spectral_norm(nn.Linear(5, 16))
    net = nn.Sequential(first, nn.ReLU(), nn.Linear(16, 3)).train()
    before = tensors(net)
    adapter = TorchClassifier(net, problem="multiclass")
    adapter.predict_proba(X)
    with pytest.raises(ValueError, match="X has 4 features, but the network expects 5"):
        adapter.predict_proba(X[:, :4])
    assert same_tensors(before, net)


def test_torch_lazy_module_is_not_initialized_by_predict(torch, data):
    """Check that a handed-in module whose lazy layers have no weights yet is not
    fitted (predicting would create its weights), and that fit trains a copy."""
    nn = torch.nn
    X, y = data
    net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.Linear(8, 3))
    adapter = TorchClassifier(net, problem="multiclass", epochs=0)
    assert not adapter.__sklearn_is_fitted__()
    with pytest.raises(NotFittedError, match="uninitialized"):
        adapter.predict_proba(X)
    assert nn.parameter.is_lazy(net[0].weight)
    assert adapter.fit(X, y).predict_proba(X).shape == (len(X), 3)
    assert nn.parameter.is_lazy(net[0].weight)


def test_torch_handed_in_train_mode_is_evaluated_in_eval_mode(torch, data):
    """Check that a network handed in in train mode is evaluated with dropout off
    and BatchNorm's running statistics, whatever its own flag says."""
    X, _ = data
    net = dropout_net(torch)
    with torch.no_grad():  # give BatchNorm running statistics that matter
        net[1].running_mean.uniform_(-1, 1)
        net[1].running_var.uniform_(0.5, 2)
    net.train()
    reference = copy.deepcopy(net).eval()
    with torch.no_grad():
        expected = torch.softmax(reference(torch.from_numpy(X)), dim=1).numpy()
    adapter = TorchClassifier(net, problem="multiclass")
    assert_allclose(adapter.predict_proba(X), expected, rtol=1e-5, atol=1e-6)
    assert_array_equal(adapter.predict_proba(X), adapter.predict_proba(X))
    assert net.training


def test_torch_sees_in_place_weight_updates(torch, data):
    """Check that the adapter evaluates the module's current weights: nothing is
    copied, so training it further (or load_state_dict) shows at the next call."""
    X, _ = data
    net = dropout_net(torch)
    adapter = TorchClassifier(net, problem="multiclass")
    before = adapter.predict_proba(X)
    with torch.no_grad():
        net[-1].bias.add_(torch.tensor([5.0, 0.0, 0.0]))
    after = adapter.predict_proba(X)
    assert (after[:, 0] > before[:, 0]).all()


@pytest.mark.parametrize("build", [dropout_net, slow_dropout_net])
def test_torch_concurrent_predicts_equal_one_call(torch, data, build):
    """Check that 8 threads predicting on one adapter whose network (with Dropout)
    was handed in in train mode all get the single-threaded answer, and that the
    network is still in train mode afterwards."""
    X, _ = data
    net = build(torch).train()
    adapter = TorchClassifier(net, problem="multiclass", predict_batch_size=25)
    single = adapter.predict_proba(X)
    for _ in range(3):
        for result in in_threads(lambda: adapter.predict_proba(X)):
            assert_array_equal(result, single)
    assert all(flags(net).values())


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen", "fitted"])
def test_torch_concurrent_predicts_through_the_classifier(torch, data, frozen):
    """Check the issue's case end to end: a network with Dropout handed in in train
    mode, in ProbabilisticLabelClassifier (frozen, or fitted and its module_ put
    back in train mode by the user), then 8 threads calling predict_proba and
    predict."""
    X, y = data
    net = dropout_net(torch).train()
    adapter = TorchClassifier(
        net, problem="multiclass", epochs=0, predict_batch_size=25
    )
    if frozen:
        clf = ProbabilisticLabelClassifier(FrozenEstimator(adapter), classes=NAMES)
        clf.fit(X, NAMES[y])
    else:
        clf = ProbabilisticLabelClassifier(adapter).fit(X, NAMES[y])
        net = clf.estimator_.module_
        net.train()
    proba, labels = clf.predict_proba(X), clf.predict(X)
    for result in in_threads(lambda: clf.predict_proba(X)):
        assert_array_equal(result, proba)
    for result in in_threads(lambda: clf.predict(X)):
        assert_array_equal(result, labels)
    assert all(flags(net).values())


def test_torchscript_module_is_left_alone_and_thread_safe(torch, data):
    """Check a TorchScript network in train mode: TorchScript copies share their
    train/eval flags, so the adapter evaluates one private eval-mode copy."""
    X, _ = data
    net = dropout_net(torch).train()
    reference = copy.deepcopy(net).eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # torch.jit's own
        scripted = torch.jit.script(net)
    scripted.train()
    adapter = TorchClassifier(scripted, problem="multiclass", predict_batch_size=25)
    with torch.no_grad():
        expected = torch.softmax(reference(torch.from_numpy(X)), dim=1).numpy()
    single = adapter.predict_proba(X)
    assert_allclose(single, expected, rtol=1e-5, atol=1e-6)
    for result in in_threads(lambda: adapter.predict_proba(X)):
        assert_array_equal(result, single)
    assert scripted.training
    assert all(sub.training for sub in scripted.modules())


# -------------------------------------------------------------------- Keras


@pytest.fixture(scope="module")
def keras(torch):
    return pytest.importorskip("keras")


def keras_dropout_model(keras):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.BatchNormalization(),
            keras.layers.Dropout(0.5),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def test_keras_concurrent_predicts_equal_one_call(keras, torch, data):
    """Check that 8 threads predicting with a Keras model (Dropout, BatchNorm) get
    the single-threaded answer, which is the model's training=False output, and
    that no weight or Torch-module flag of the model changes."""
    X, _ = data
    model = keras_dropout_model(keras)
    weights = [w.copy() for w in model.get_weights()]
    was_training = model.training  # the Torch-backend nn.Module flag
    adapter = KerasClassifier(model, predict_batch_size=25)
    single = adapter.predict_proba(X)
    expected = model(X, training=False).detach().numpy()
    assert_allclose(single, expected, rtol=1e-6, atol=1e-7)
    for _ in range(2):
        for result in in_threads(lambda: adapter.predict_proba(X)):
            assert_array_equal(result, single)
    after = model.get_weights()
    assert all(np.array_equal(a, b) for a, b in zip(weights, after, strict=True))
    assert model.training == was_training


def test_keras_unbuilt_model_is_not_built_by_predict(keras, data):
    """Check that a handed-in model without weights (not built) is refused rather
    than built (with fresh random weights) by the first prediction."""
    X, _ = data
    model = keras.Sequential(
        [keras.layers.Dense(8, activation="relu"), keras.layers.Dense(3)]
    )
    adapter = KerasClassifier(model, output="logits", problem="multiclass")
    assert not adapter.__sklearn_is_fitted__()
    with pytest.raises(NotFittedError, match="not built"):
        adapter.predict_proba(X)
    assert not model.built


# --------------------------------------------------------- ONNX and functions


def test_onnx_concurrent_predicts_equal_one_call(data):
    """Check that ONNX Runtime sessions are shared safely: 8 threads (first call
    included, which creates the session) equal a single-threaded call."""
    skl2onnx = pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxruntime")
    X, y = data
    model = LogisticRegression().fit(X, y)
    onx = skl2onnx.to_onnx(model, X[:1], options={"zipmap": False})
    data_bytes = onx.SerializeToString()
    single = OnnxClassifier(data_bytes, batch_size=25).predict_proba(X)
    assert_allclose(single, model.predict_proba(X), atol=1e-5)
    fresh = OnnxClassifier(data_bytes, batch_size=25)  # no session yet
    sessions = []
    original = OnnxClassifier._new_session

    def counted(self):
        sessions.append(1)
        return original(self)

    fresh._new_session = counted.__get__(fresh)
    for result in in_threads(lambda: fresh.predict_proba(X)):
        assert_array_equal(result, single)
    assert len(sessions) == 1


def test_function_concurrent_predicts_equal_one_call(data):
    """Check FunctionClassifier (a pure NumPy callable) under 8 threads."""
    X, y = data
    weights = np.random.default_rng(1).normal(size=(5, 3))
    adapter = FunctionClassifier(
        lambda X: softmax(X @ weights, axis=1), batch_size=25
    ).fit(X, y)
    clf = ProbabilisticLabelClassifier(FrozenEstimator(adapter), classes=NAMES)
    clf.fit(X, NAMES[y])
    single, labels = clf.predict_proba(X), clf.predict(X)
    for result in in_threads(lambda: clf.predict_proba(X)):
        assert_array_equal(result, single)
    for result in in_threads(lambda: clf.predict(X)):
        assert_array_equal(result, labels)
