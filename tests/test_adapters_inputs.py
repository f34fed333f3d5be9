"""Adapters and their inputs: a wrong number of features is a ValueError naming
both numbers, before the network runs; the caller's arrays are never modified."""

import hashlib
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression

from sklabels.adapters import (
    FunctionClassifier,
    KerasClassifier,
    OnnxClassifier,
    TorchClassifier,
)

pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 5)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)  # codes 0, 1, 2
    X7 = rng.normal(size=(10, 7)).astype(np.float32)
    return X, y, X7


@pytest.fixture(scope="module")
def torch():
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield torch
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def keras(torch):
    return pytest.importorskip("keras")


@pytest.fixture(scope="module")
def onnx_bytes(data):
    skl2onnx = pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxruntime")
    X, y, _ = data
    model = LogisticRegression().fit(X, y)
    return skl2onnx.to_onnx(model, X[:1], options={"zipmap": False}).SerializeToString()


def torch_net(torch, first=None):
    nn = torch.nn
    torch.manual_seed(0)
    layers = [nn.Linear(5, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3)]
    return nn.Sequential(*([first] if first is not None else []), *layers)


def keras_model(keras):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((5,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dropout(0.2),
            keras.layers.Dense(3, activation="softmax"),
        ]
    )


def calls_counted(torch, net):
    """Count the forward passes of ``net`` (a pre-hook on the outer module)."""
    calls = []
    net.register_forward_pre_hook(lambda module, args: calls.append(1))
    return calls


# ------------------------------------------------- handed-in networks, no fit


def test_torch_wrong_width_is_refused_before_the_network_runs(torch, data):
    """Check the issue's case: a frozen Torch network given 7 features where its
    first Linear takes 5 (was Torch's 'mat1 and mat2 shapes cannot be
    multiplied')."""
    _, _, X7 = data
    net = torch_net(torch)
    calls = calls_counted(torch, net)
    adapter = TorchClassifier(net, problem="multiclass")
    message = r"X has 7 features, but the network expects 5 \(the in_features"
    for method in (adapter.predict_proba, adapter.predict, adapter.decision_function):
        with pytest.raises(ValueError, match=message):
            method(X7)
    with pytest.raises(ValueError, match=message):
        adapter.fit(X7, np.arange(10) % 3)  # before the network is copied
    assert calls == []


def test_keras_wrong_width_is_refused(keras, data):
    """Check a Keras model with an input shape given 7 features instead of 5."""
    _, _, X7 = data
    adapter = KerasClassifier(keras_model(keras))
    message = r"X has 7 features, but the network expects 5 \(its input shape"
    with pytest.raises(ValueError, match=message):
        adapter.predict_proba(X7)
    with pytest.raises(ValueError, match=message):
        adapter.fit(X7, np.arange(10) % 3)


def test_onnx_wrong_width_is_refused(onnx_bytes, data):
    """Check the issue's case for ONNX (was onnxruntime's own InvalidArgument)."""
    _, _, X7 = data
    adapter = OnnxClassifier(onnx_bytes)
    message = r"X has 7 features, but the network expects 5 \(the shape \[None, 5\]"
    with pytest.raises(ValueError, match=message):
        adapter.predict_proba(X7)
    with pytest.raises(ValueError, match=message):
        adapter.fit(X7, np.arange(10) % 3)


# ------------------------------------------------------- after fit, every adapter


def fitted_adapters(torch, keras, onnx_bytes, X, y):
    weights = np.random.default_rng(1).normal(size=(5, 3))
    return {
        "torch": TorchClassifier(torch_net(torch), epochs=0).fit(X, y),
        "keras": KerasClassifier(keras_model(keras), epochs=0).fit(X, y),
        "onnx": OnnxClassifier(onnx_bytes).fit(X, y),
        "function": FunctionClassifier(lambda X: softmax(X @ weights, 1)).fit(X, y),
    }


def test_every_fitted_adapter_names_both_feature_counts(torch, keras, onnx_bytes, data):
    """Check scikit-learn's message after fit, for every adapter (the callable of
    FunctionClassifier is not called)."""
    X, y, X7 = data
    for name, adapter in fitted_adapters(torch, keras, onnx_bytes, X, y).items():
        assert adapter.n_features_in_ == 5, name
        with pytest.raises(ValueError, match=r"X has 7 features, but .* expecting 5"):
            adapter.predict_proba(X7)
    never = FunctionClassifier(lambda X: pytest.fail("func was called"))
    never.n_features_in_ = 5  # as fit sets it
    with pytest.raises(ValueError, match=r"X has 7 features, but .* expecting 5"):
        never.predict_proba(X7)


# ----------------------------------- networks that show no width: their error


def test_torch_custom_module_shape_error_is_a_clear_value_error(torch, data):
    """Check a module whose forward the adapter cannot read: Torch's error becomes
    a ValueError naming both numbers, chained to Torch's own."""
    nn = torch.nn
    _, _, X7 = data

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.head = nn.Linear(16, 3)  # registered first, runs last
            self.body = nn.Linear(5, 16)

        def forward(self, x):
            return self.head(torch.relu(self.body(x)))

    adapter = TorchClassifier(Net(), problem="multiclass")
    with pytest.raises(ValueError, match="X has 7 features, but the network expects 5"):
        adapter.predict_proba(X7)
    with pytest.raises(ValueError, match="cannot take X") as info:
        TorchClassifier(Net(), problem="multiclass").predict(X7[:, None, :])
    assert isinstance(info.value.__cause__, RuntimeError)


def test_keras_subclassed_model_shape_error_is_a_clear_value_error(keras, data):
    """Check a subclassed Keras model (no input shape to read before it runs)."""
    X, _, X7 = data

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(3, activation="softmax")

        def call(self, x):
            return self.dense(x)

    model = Net()
    model(X[:2])  # built for 5 features
    with pytest.raises(ValueError, match="X has 7 features, but the network expects 5"):
        KerasClassifier(model).predict_proba(X7)


def linear_onnx(input_shape):
    """A hand-built ONNX graph: scores = x @ w, with the given input shape."""
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxruntime")
    helper = onnx.helper
    weights = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["x", "w"], ["scores"])],
        "linear",
        [helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, input_shape)],
        [helper.make_tensor_value_info("scores", onnx.TensorProto.FLOAT, ["n", 3])],
        [onnx.numpy_helper.from_array(weights, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model.SerializeToString()


def test_onnx_dynamic_width_shape_error_is_a_clear_value_error(data):
    """Check an ONNX model whose input width is symbolic: ONNX Runtime's error
    inside the graph becomes a ValueError that says what X has."""
    _, _, X7 = data
    adapter = OnnxClassifier(
        linear_onnx(["n", "d"]), output="logits", problem="multiclass"
    )
    with pytest.raises(ValueError, match="cannot take X, which has 7 features"):
        adapter.predict_proba(X7)


def test_onnx_fixed_batch_size_is_named(data):
    """Check a model exported for batches of one row: the error says batch_size=1
    (not a feature count), and batch_size=1 works."""
    X, _, _ = data
    adapter = OnnxClassifier(linear_onnx([1, 5]), output="logits", problem="multiclass")
    with pytest.raises(ValueError, match=r"batches of exactly 1 row.*batch_size=1"):
        adapter.predict_proba(X[:4])
    assert adapter.set_params(batch_size=1).predict_proba(X[:4]).shape == (4, 3)


def test_torch_other_runtime_errors_pass_through(torch, data):
    """Check that only shape errors are re-raised as ValueError: an out-of-memory
    error (whose text mentions sizes) and other RuntimeErrors reach the caller as
    they are."""
    nn = torch.nn
    X, _, _ = data

    class Failing(nn.Module):
        def __init__(self, error):
            super().__init__()
            self.error = error

        def forward(self, x):
            raise self.error

    out_of_memory = torch.OutOfMemoryError(
        "CUDA out of memory. Tried to allocate 2.00 GiB; max_split_size_mb to avoid "
        "fragmentation; size mismatch"
    )
    for error in (out_of_memory, RuntimeError("the network is on fire")):
        with pytest.raises(type(error)) as info:
            TorchClassifier(Failing(error), problem="multiclass").predict_proba(X)
        assert info.value is error


# ------------------------------------------------------------- n-D inputs


def test_torch_first_layer_shapes_for_nd_inputs(torch):
    """Check the shapes read from a first Conv2d, a Flatten + Linear, and a Linear
    applied over the last axis (sequences), refused or accepted as Torch would."""
    nn = torch.nn
    rng = np.random.default_rng(0)
    torch.manual_seed(0)
    conv = nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 1))
    with pytest.raises(ValueError, match=r"shape \(1, 8, 8\).*\(3, any, any\)"):
        TorchClassifier(conv).predict_proba(rng.normal(size=(2, 1, 8, 8)))
    flat = nn.Sequential(nn.Flatten(), nn.Linear(49, 1))
    with pytest.raises(ValueError, match=r"64 values per sample.*expects 49"):
        TorchClassifier(flat).predict_proba(rng.normal(size=(2, 8, 8)))
    proba = TorchClassifier(flat).predict_proba(rng.normal(size=(2, 7, 7)))
    assert proba.shape == (2, 2)
    over_last_axis = nn.Sequential(nn.Linear(5, 1), nn.Flatten(), nn.Linear(4, 1))
    proba = TorchClassifier(over_last_axis).predict_proba(rng.normal(size=(3, 4, 5)))
    assert proba.shape == (3, 2)


# ------------------------------------------------------ the caller's arrays


def digest(*arrays):
    sha = hashlib.sha256()
    for array in arrays:
        sha.update(np.ascontiguousarray(array).tobytes())
        sha.update(str((array.dtype, array.shape, array.flags.writeable)).encode())
    return sha.hexdigest()


def test_no_adapter_modifies_its_inputs(torch, keras, onnx_bytes, data):
    """Check that fit, predict_proba and predict leave X, y and sample_weight
    exactly as they were, for every adapter (float32 X: no conversion copy)."""
    X, y, _ = data
    X, y = X.copy(), y.copy()
    weight = np.linspace(0.5, 1.5, len(y))
    before = digest(X, y, weight)
    for name, adapter in fitted_adapters(torch, keras, onnx_bytes, X, y).items():
        if name in ("torch", "keras"):
            adapter.fit(X, y, sample_weight=weight)
        adapter.predict_proba(X)
        adapter.predict(X)
        assert digest(X, y, weight) == before, name


def test_torch_in_place_first_layer_never_writes_into_x(torch, data):
    """Check that a network working in place on its input (ReLU(inplace=True)
    first) does not zero the negatives of the caller's X, in fit or predict, and
    that read-only X is accepted."""
    nn = torch.nn
    X, y, _ = data
    X = X.copy()
    before = X.copy()
    net = torch_net(torch, first=nn.ReLU(inplace=True))
    adapter = TorchClassifier(net, problem="multiclass")
    proba = adapter.predict_proba(X)
    assert_array_equal(X, before)
    adapter.set_params(epochs=1, batch_size=16).fit(X, y)
    assert_array_equal(X, before)
    X.setflags(write=False)
    assert_array_equal(
        TorchClassifier(net, problem="multiclass").predict_proba(X), proba
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "non-writable tensor" UserWarning
        adapter.predict_proba(X)
