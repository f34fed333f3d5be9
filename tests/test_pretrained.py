"""Pre-trained networks inside ProbabilisticLabelClassifier: the wrapper reads the head.

A table over output heads x adapters (Torch, Keras, a function, ONNX, transformers) x
{frozen, fitted}: with no ``problem=`` on the adapter, predictions equal a
hand-written decode of the network's own outputs (``z >= 0`` for sigmoid logits,
``argmax`` for softmax logits, ``p >= 0.5`` / ``argmax`` for probabilities).
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.special import expit, softmax
from sklearn.frozen import FrozenEstimator

from sklabels import ClassOrderWarning, ProbabilisticLabelClassifier
from sklabels.adapters import (
    FunctionClassifier,
    KerasClassifier,
    OnnxClassifier,
    TorchClassifier,
)

torch = pytest.importorskip("torch")
keras = pytest.importorskip("keras")
onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")

BINARY, MULTICLASS, LABELS = ["neg", "pos"], ["cat", "dog", "bird"], ["r", "g", "b"]
# head: (problem, width, activation of the last layer: None, "sigmoid", "softmax")
HEADS = {
    "sigmoid-logit": ("binary", 1, None),
    "softmax2-logits": ("binary", 2, None),
    "softmax3-logits": ("multiclass", 3, None),
    "multilabel-logits": ("multilabel", 3, None),
    "sigmoid-proba": ("binary", 1, "sigmoid"),
    "softmax2-proba": ("binary", 2, "softmax"),
    "softmax3-proba": ("multiclass", 3, "softmax"),
    "multilabel-proba": ("multilabel", 3, "sigmoid"),
}
N_FEATURES = 4


@pytest.fixture(scope="module")
def X():
    rng = np.random.default_rng(0)
    return rng.normal(size=(60, N_FEATURES)).astype(np.float32)


def weights(width, seed=0):
    rng = np.random.default_rng(seed + width)
    W = rng.normal(size=(N_FEATURES, width)).astype(np.float32) * 2
    b = rng.normal(size=width).astype(np.float32) * 0.3
    return W, b


def activated(z, activation):
    if activation == "sigmoid":
        return expit(z)
    if activation == "softmax":
        return softmax(z, axis=1)
    return z


def reference_decode(outputs, problem, activation):
    """The decode anyone would write by hand for the head."""
    outputs = np.asarray(outputs, dtype=np.float64)
    cut = 0.0 if activation is None else 0.5
    if problem == "multilabel":
        on = outputs >= cut
        return [tuple(np.array(LABELS)[row].tolist()) for row in on]
    names = np.array(BINARY if problem == "binary" else MULTICLASS)
    if outputs.shape[1] == 1:
        return names[(outputs[:, 0] >= cut).astype(int)]
    return names[outputs.argmax(axis=1)]


# ---------------------------------------------------------------- the networks
def torch_net(width, activation):
    W, b = weights(width)
    linear = torch.nn.Linear(N_FEATURES, width)
    with torch.no_grad():
        linear.weight.copy_(torch.from_numpy(W.T))
        linear.bias.copy_(torch.from_numpy(b))
    last = {"sigmoid": torch.nn.Sigmoid(), "softmax": torch.nn.Softmax(dim=1)}
    layers = [linear] + ([last[activation]] if activation else [])
    return torch.nn.Sequential(*layers)


def keras_model(width, activation):
    W, b = weights(width)
    dense = keras.layers.Dense(width, activation=activation)
    model = keras.Sequential([keras.Input((N_FEATURES,)), dense])
    dense.set_weights([W, b])
    return model


def function(width, activation):
    W, b = weights(width)
    return lambda X: activated(np.asarray(X) @ W + b, activation).astype(np.float32)


def onnx_model(width, activation):
    from onnx import TensorProto, helper, numpy_helper

    W, b = weights(width)
    nodes = [helper.make_node("Gemm", ["X", "W", "B"], ["z"])]
    last = {"sigmoid": "Sigmoid", "softmax": "Softmax"}
    if activation:
        kwargs = {"axis": 1} if activation == "softmax" else {}
        nodes.append(helper.make_node(last[activation], ["z"], ["scores"], **kwargs))
    else:
        nodes.append(helper.make_node("Identity", ["z"], ["scores"]))
    graph = helper.make_graph(
        nodes,
        "net",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, N_FEATURES])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [None, width])],
        [numpy_helper.from_array(W, "W"), numpy_helper.from_array(b, "B")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model.SerializeToString()


def make_adapter(kind, width, activation):
    if kind == "torch":
        return TorchClassifier(torch_net(width, activation), epochs=1, random_state=0)
    if kind == "keras":
        return KerasClassifier(keras_model(width, activation), epochs=1, random_state=0)
    if kind == "function":
        # A function shows no final layer; its values say "logits" (outside [0, 1])
        # or "softmax probabilities" (rows summing to 1). Sigmoid probabilities in
        # [0, 1] say neither: there, and only there, output= is asked for.
        unclear = activation == "sigmoid"
        return FunctionClassifier(
            function(width, activation),
            output="probabilities" if unclear else "auto",
        )
    return OnnxClassifier(onnx_model(width, activation))


def network_outputs(clf, X, kind):
    """The wrapped network's outputs on X, computed by hand (not by the adapter)."""
    adapter = clf.estimator_
    adapter = getattr(adapter, "estimator", adapter)  # FrozenEstimator
    if kind == "torch":
        module = getattr(adapter, "module_", adapter.module)
        with torch.no_grad():
            return module.eval()(torch.from_numpy(X)).numpy()
    if kind == "keras":
        model = getattr(adapter, "model_", adapter.model)
        out = model(X, training=False)
        return out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)
    if kind == "function":
        return adapter.func(X)
    import onnxruntime

    session = onnxruntime.InferenceSession(adapter.model)
    return session.run(None, {"X": X})[0]


def labels_for(problem, outputs, activation):
    """y that the network gets right (so no mistake is reported)."""
    return reference_decode(outputs, problem, activation)


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen", "fitted"])
@pytest.mark.parametrize("kind", ["torch", "keras", "function", "onnx"])
@pytest.mark.parametrize("head", list(HEADS))
def test_network_head_decoded_without_problem(X, head, kind, frozen):
    """Check that every head, frozen or fitted, decodes as the hand-written rule."""
    problem, width, activation = HEADS[head]
    adapter = make_adapter(kind, width, activation)
    names = {"binary": BINARY, "multiclass": MULTICLASS, "multilabel": LABELS}[problem]
    y = labels_for(problem, function(width, None)(X), None)
    estimator = FrozenEstimator(adapter) if frozen else adapter
    clf = ProbabilisticLabelClassifier(estimator, classes=names)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # correct use: no warning at all
        clf.fit(X, y)
    outputs = network_outputs(clf, X, kind)
    expected = reference_decode(outputs, problem, activation)
    predicted = clf.predict(X)
    if problem == "multilabel":
        assert predicted == expected
    else:
        assert_array_equal(predicted, expected)
    proba = clf.predict_proba(X)
    by_hand = "sigmoid" if problem == "multilabel" or width == 1 else "softmax"
    want = outputs if activation else activated(outputs, by_hand)
    assert_allclose(proba[:, -want.shape[1] :], want, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("kind", ["torch", "keras", "function", "onnx"])
def test_network_logits_decided_in_logit_space(X, kind):
    """Check that logits decide exactly where their float32 sigmoid underflows.

    ``sigmoid(-200)`` and ``sigmoid(-220)`` are both 0 in float32, but against a
    threshold of 1e-90 (logit -207.2) the first is positive and the second is
    not: only the logit path tells them apart.
    """
    z = np.where(np.arange(len(X)) % 2 == 0, -200.0, -220.0).astype(np.float32)
    z = z[:, None]
    inputs = np.column_stack([z, X[:, 1:]]).astype(np.float32)
    if kind == "torch":
        net = torch.nn.Sequential(torch.nn.Linear(N_FEATURES, 1))
        with torch.no_grad():
            net[0].weight.copy_(torch.tensor([[1.0, 0, 0, 0]]))
            net[0].bias.zero_()
        adapter = TorchClassifier(net)
    elif kind == "keras":
        dense = keras.layers.Dense(1)
        model = keras.Sequential([keras.Input((N_FEATURES,)), dense])
        dense.set_weights([np.array([[1.0], [0], [0], [0]]), np.zeros(1)])
        adapter = KerasClassifier(model)
    elif kind == "function":
        adapter = FunctionClassifier(lambda A: np.asarray(A)[:, :1])
    else:
        from onnx import TensorProto, helper

        graph = helper.make_graph(
            [helper.make_node("Slice", ["X", "s", "e", "a"], ["scores"])],
            "net",
            [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
            [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [None, 1])],
            [
                helper.make_tensor("s", TensorProto.INT64, [1], [0]),
                helper.make_tensor("e", TensorProto.INT64, [1], [1]),
                helper.make_tensor("a", TensorProto.INT64, [1], [1]),
            ],
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
        model.ir_version = 8
        adapter = OnnxClassifier(model.SerializeToString())
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(adapter), classes=BINARY, threshold=1e-90
    ).fit(inputs, np.array(BINARY)[(np.arange(len(X)) % 2 == 0).astype(int)])
    expected = np.where(np.arange(len(X)) % 2 == 0, "pos", "neg")
    assert_array_equal(clf.predict(inputs), expected)


def test_adapter_alone_with_ambiguous_head_keeps_its_error(X):
    """Check that an adapter used alone still asks when 3 logits are ambiguous."""
    adapter = TorchClassifier(torch_net(3, None))
    with pytest.raises(ValueError, match=r"problem='multiclass'.*problem='multilabel'"):
        adapter.predict_proba(X)
    # ... and the wrapper, which knows the problem from y, needs no such hint.
    y = reference_decode(function(3, None)(X), "multiclass", None)
    clf = ProbabilisticLabelClassifier(FrozenEstimator(adapter), classes=MULTICLASS)
    assert_array_equal(clf.fit(X, y).predict(X), y)


# ------------------------------------------------------------ output="auto"
@pytest.mark.parametrize(
    ("network", "expected"),
    [
        (lambda: torch.nn.Sequential(torch.nn.Linear(4, 3)), "logits"),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.Softmax(1)),
            "probabilities",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.LogSoftmax(1)),
            "logits",
        ),
        (
            lambda: torch.nn.Sequential(torch.nn.Linear(4, 1), torch.nn.Sigmoid()),
            "probabilities",
        ),
        (
            lambda: torch.nn.Sequential(
                torch.nn.Linear(4, 3), torch.nn.Sigmoid(), torch.nn.Dropout(0.1)
            ),
            "probabilities",
        ),
        (lambda: keras_model(3, None), "logits"),
        (lambda: keras_model(3, "softmax"), "probabilities"),
        (lambda: keras_model(1, "sigmoid"), "probabilities"),
        (lambda: onnx_model(3, None), "logits"),
        (lambda: onnx_model(3, "softmax"), "probabilities"),
    ],
)
def test_output_auto_read_from_the_final_layer(network, expected):
    """Check that output='auto' reads the final activation where it is shown."""
    net = network()
    if isinstance(net, keras.Model):  # before Torch: on Torch, also an nn.Module
        adapter = KerasClassifier(net)
    elif isinstance(net, bytes):
        adapter = OnnxClassifier(net)
    else:
        adapter = TorchClassifier(net)
    assert adapter._known_output() == expected


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (np.array([[-1.5, 0.2, 3.0]]), "logits"),  # outside [0, 1]
        (np.array([[0.2, 0.3, 0.5], [0.1, 0.1, 0.8]]), "probabilities"),  # softmax rows
        (np.array([[0.2], [0.9]]), None),  # one column in [0, 1]: ask
        (np.array([[0.2, 0.4, 0.9]]), None),  # per-label in [0, 1]: ask
    ],
)
def test_output_auto_read_from_the_values(values, expected):
    """Check that a network that shows nothing is read from its values, or asks."""
    adapter = FunctionClassifier(lambda A: np.repeat(values, len(A) // len(values), 0))
    X_in = np.zeros((len(values) * 4, 2))
    if expected is None:
        asks = r"output='probabilities'.*output='logits'"
        with pytest.raises(ValueError, match=asks):
            adapter.network_response(X_in)
    else:
        assert adapter.network_response(X_in)[1] == expected


def test_output_auto_custom_module_in_unit_interval_asks(X):
    """Check that a custom forward ending in sigmoid (nothing shows it) asks."""

    class Net(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(N_FEATURES, 1)

        def forward(self, x):
            return torch.sigmoid(self.linear(x))

    y = np.array(BINARY)[(X[:, 0] > 0).astype(int)]
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(TorchClassifier(Net())), classes=BINARY
    )
    with pytest.raises(
        ValueError, match=r"TorchClassifier\(\.\.\., output='probabilities'\)"
    ):
        clf.fit(X, y)
    clf.set_params(
        estimator=FrozenEstimator(TorchClassifier(Net(), output="probabilities"))
    )
    with warnings.catch_warnings():
        # an untrained network may rank the two classes either way round
        warnings.simplefilter("ignore", ClassOrderWarning)
        assert clf.fit(X, y).predict(X).shape == (len(X),)


# ------------------------------------------------------------ mistakes caught
def trained_digits():
    from sklearn.datasets import load_digits

    data = load_digits()
    X_all = (data.data / 16).astype(np.float32)
    W = np.linalg.lstsq(
        np.column_stack([X_all, np.ones(len(X_all))]),
        np.eye(10)[data.target],
        rcond=None,
    )[0].astype(np.float32)
    net = torch.nn.Sequential(torch.nn.Linear(64, 10))
    with torch.no_grad():
        net[0].weight.copy_(torch.from_numpy(W[:-1].T))
        net[0].bias.copy_(torch.from_numpy(W[-1]))
    return net, X_all[:300], data.target[:300]


DIGITS = np.array(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
)


def test_class_order_warning_fires_on_sorted_names():
    """Check that sorted names on a frozen network warn and name the likely order."""
    net, X_val, codes = trained_digits()
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(TorchClassifier(net)), classes=sorted(DIGITS)
    )
    with pytest.warns(
        ClassOrderWarning, match=r"Likely order: classes=\['zero', 'one'"
    ):
        clf.fit(X_val, DIGITS[codes])


@pytest.mark.parametrize("estimator", ["network", "sklearn"])
def test_class_order_warning_quiet_on_correct_use(estimator):
    """Check that the right order, or a weak model, gives no class-order warning."""
    from sklearn.linear_model import LogisticRegression

    net, X_val, codes = trained_digits()
    model = (
        TorchClassifier(net)
        if estimator == "network"
        else LogisticRegression(max_iter=300).fit(X_val, codes)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ProbabilisticLabelClassifier(FrozenEstimator(model), classes=DIGITS).fit(
            X_val, DIGITS[codes]
        )
        # a network no better than chance in any order: nothing to say. (A random
        # network is not at chance: its scores rank the digits, maybe the wrong way
        # round, which the rank tests see. Labels independent of the scores are.)
        torch.manual_seed(0)
        weak = torch.nn.Sequential(torch.nn.Linear(64, 10))
        shuffled = np.random.default_rng(0).permutation(codes)
        ProbabilisticLabelClassifier(
            FrozenEstimator(TorchClassifier(weak)), classes=DIGITS
        ).fit(X_val, DIGITS[shuffled])
        # a constant network: reordered, it only finds the most frequent class
        constant = torch.nn.Sequential(torch.nn.Linear(64, 10))
        with torch.no_grad():
            constant[0].weight.zero_()
            constant[0].bias.copy_(torch.arange(10.0))
        ProbabilisticLabelClassifier(
            FrozenEstimator(TorchClassifier(constant)), classes=DIGITS
        ).fit(X_val, DIGITS[np.where(codes < 7, 0, codes)])


def test_class_order_warning_fires_on_swapped_binary_sklearn():
    """Check that a frozen scikit-learn model named in the wrong order warns too."""
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(0)
    X_bin = rng.normal(size=(200, 3))
    codes = (X_bin[:, 0] > 0).astype(int)
    model = LogisticRegression().fit(X_bin, codes)
    with pytest.warns(ClassOrderWarning, match=r"classes=\['spam', 'ham'\]"):
        ProbabilisticLabelClassifier(
            FrozenEstimator(model), classes=["ham", "spam"]
        ).fit(X_bin, np.array(["spam", "ham"])[codes])


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen", "fitted"])
@pytest.mark.parametrize("n_classes", [9, 11])
def test_network_width_differs_from_classes_raises(n_classes, frozen):
    """Check that a network whose width is not the number of classes is refused."""
    net, X_val, codes = trained_digits()
    names = [f"c{i}" for i in range(n_classes)]
    keep = codes < min(n_classes, 10)
    adapter = TorchClassifier(net, epochs=1)
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(adapter) if frozen else adapter, classes=names
    )
    if n_classes == 9 and not frozen:
        match = "has 10 outputs but y has codes up to|10 output"
    else:
        match = rf"10 output\(s\) but there are {n_classes} classes"
    with pytest.raises(ValueError, match=match):
        clf.fit(X_val[keep], np.array(names)[codes[keep]])


def test_network_without_names_and_classes_says_so():
    """Check the message of a frozen network with no names and no classes=."""
    net, X_val, codes = trained_digits()
    clf = ProbabilisticLabelClassifier(FrozenEstimator(TorchClassifier(net)))
    with pytest.raises(
        ValueError,
        match=r"10 outputs carry no label names, and no classes= was given.*"
        r"FrozenEstimator\(TorchClassifier\(\.\.\.\)\), classes=\[",
    ):
        clf.fit(X_val, DIGITS[codes])
    # integer labels are the outputs' own indices: no names needed
    clf.fit(X_val, codes)
    assert_array_equal(clf.classes_, np.arange(10))


# ------------------------------------------------------------ metamorphic
@settings(max_examples=10, deadline=None, derandomize=True)
@given(
    seed=st.integers(0, 10_000),
    problem=st.sampled_from(["multiclass", "multilabel"]),
    container=st.sampled_from(["array", "list", "frame"]),
)
def test_frozen_network_outputs_permuted_with_names_same_labels(
    seed, problem, container
):
    """Check that permuting a network's outputs together with classes= changes no
    label, whatever container X comes in."""
    rng = np.random.default_rng(seed)
    X_in = rng.normal(size=(30, N_FEATURES)).astype(np.float32)
    W = rng.normal(size=(N_FEATURES, 3)).astype(np.float32) * 3
    order = rng.permutation(3)
    names = np.array(MULTICLASS if problem == "multiclass" else LABELS)
    logits = X_in @ W
    if problem == "multiclass":
        y = names[logits.argmax(axis=1)]
    else:
        y = [tuple(names[row].tolist()) for row in logits >= 0]

    def fit_predict(weights, classes):
        f = FunctionClassifier(lambda A: np.asarray(A, dtype=np.float32) @ weights)
        clf = ProbabilisticLabelClassifier(FrozenEstimator(f), classes=classes)
        data = {"array": X_in, "list": X_in.tolist()}.get(container)
        if data is None:
            pd = pytest.importorskip("pandas")
            data = pd.DataFrame(X_in)
        return clf.fit(data, y).predict(data)

    base = fit_predict(W, names)
    permuted = fit_predict(W[:, order], names[order])
    if problem == "multilabel":  # label tuples follow the order of classes
        assert [set(t) for t in base] == [set(t) for t in permuted]
    else:
        assert_array_equal(base, permuted)
