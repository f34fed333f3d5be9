"""OnnxClassifier: models exported from scikit-learn and Torch, run by ONNX Runtime."""

import io
import pickle
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import ProbabilisticLabelClassifier
from sklabels.adapters import OnnxClassifier

ort = pytest.importorskip("onnxruntime")
skl2onnx = pytest.importorskip("skl2onnx")

DIGIT_NAMES = np.array(
    ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
)


@pytest.fixture(scope="module")
def digits_model():
    data = load_digits()
    X = (data.data / 16.0).astype(np.float32)
    X_train, X_test, y_train, y_test = train_test_split(
        X, data.target, test_size=0.3, random_state=0
    )
    model = LogisticRegression(max_iter=500).fit(X_train, y_train)
    return model, X_test, y_test


def export(model, X, zipmap=False):
    options = {"zipmap": False} if not zipmap else None
    return skl2onnx.to_onnx(model, X[:1], options=options).SerializeToString()


@pytest.mark.parametrize("zipmap", [False, True])
def test_onnx_sklearn_export_predicts_names(digits_model, zipmap):
    """Check a skl2onnx export: the probability output is found, names come back."""
    model, X, y = digits_model
    adapter = OnnxClassifier(export(model, X, zipmap=zipmap))
    if not zipmap:  # the tensor output has a static width: classes_ before fit
        assert_array_equal(adapter.classes_, np.arange(10))
    clf = ProbabilisticLabelClassifier(FrozenEstimator(adapter), classes=DIGIT_NAMES)
    clf.fit(X, DIGIT_NAMES[y])
    assert_array_equal(clf.predict(X), DIGIT_NAMES[model.predict(X)])
    assert_allclose(clf.predict_proba(X), model.predict_proba(X), atol=1e-5)
    assert clf.score(X, DIGIT_NAMES[y]) > 0.9


def test_onnx_binary_from_path_session_and_proto(tmp_path):
    """Check the model given as a path, a session and a ModelProto, binary case."""
    data = load_breast_cancer()
    X = data.data.astype(np.float32)
    model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, data.target)
    proto = skl2onnx.to_onnx(model, X[:1], options={"zipmap": False})
    path = tmp_path / "cancer.onnx"
    path.write_bytes(proto.SerializeToString())
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    names = data.target_names
    for source in (path, str(path), session, proto):
        clf = ProbabilisticLabelClassifier(
            FrozenEstimator(OnnxClassifier(source)), classes=names
        ).fit(X, names[data.target])
        assert clf.problem_ == "binary"
        assert_array_equal(clf.predict(X), names[model.predict(X)])


def test_onnx_torch_export_logits():
    """Check a network exported from Torch, read as logits (decision_function too)."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
    ).eval()
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # Torch's ONNX exporter warns about its own deprecations (not ours).
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        try:
            torch.onnx.export(
                net,
                (torch.zeros(1, 4),),
                buffer,
                input_names=["x"],
                output_names=["logits"],
                dynamic_axes={"x": {0: "n"}, "logits": {0: "n"}},
                dynamo=False,
            )
        except (ImportError, ModuleNotFoundError) as exc:  # exporter extras missing
            pytest.skip(f"torch.onnx.export unavailable: {exc}")
    X = np.random.default_rng(0).normal(size=(50, 4)).astype(np.float32)
    adapter = OnnxClassifier(buffer.getvalue(), output="logits", problem="multiclass")
    with torch.no_grad():
        logits = net(torch.from_numpy(X)).numpy()
    assert_allclose(adapter.decision_function(X), logits, rtol=1e-5, atol=1e-6)
    assert_allclose(
        adapter.predict_proba(X),
        torch.softmax(torch.from_numpy(logits), 1).numpy(),
        rtol=1e-5,
        atol=1e-6,
    )
    assert_array_equal(adapter.predict(X), logits.argmax(1))


def test_onnx_clone_shares_and_pickle_round_trips(digits_model):
    """Check that clone shares the model and bytes-based adapters pickle."""
    model, X, y = digits_model
    onx = export(model, X)
    adapter = OnnxClassifier(onx).fit(X, y)
    assert clone(adapter).model is onx
    restored = pickle.loads(pickle.dumps(adapter))
    assert_array_equal(restored.predict_proba(X), adapter.predict_proba(X))
    session = ort.InferenceSession(onx, providers=["CPUExecutionProvider"])
    with pytest.raises(TypeError, match="path or bytes"):
        pickle.dumps(OnnxClassifier(session))


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"output_name": "nope"}, r"output_name='nope'.*'label', 'probabilities'"),
        ({"input_name": "nope"}, "input_name='nope'"),
        ({"output_name": "label"}, "has 1 output"),
    ],
)
def test_onnx_bad_names_raise_clear_errors(digits_model, params, message):
    """Check wrong input/output names and a label output chosen as scores."""
    model, X, y = digits_model
    adapter = OnnxClassifier(export(model, X), **params)
    with pytest.raises((ValueError, TypeError), match=message):
        adapter.fit(X, y)


def test_onnx_bad_model_and_logits_mistaken_for_probabilities(digits_model):
    """Check an unloadable model and logits read as probabilities."""
    model, X, y = digits_model
    with pytest.raises(ValueError, match="could not load"):
        OnnxClassifier(b"not an onnx model").predict_proba(X)
    with pytest.raises(TypeError, match="path, bytes"):
        OnnxClassifier(12).predict_proba(X)
    raw = skl2onnx.to_onnx(
        model, X[:1], options={"zipmap": False, "raw_scores": True}
    ).SerializeToString()
    with pytest.raises(ValueError, match="output='logits'"):
        OnnxClassifier(raw).fit(X, y)
    logits = OnnxClassifier(raw, output="logits").fit(X, y)
    assert_array_equal(logits.predict(X), model.predict(X))


def test_missing_onnxruntime_names_the_extra(monkeypatch, digits_model):
    """Check that without onnxruntime, predict raises an ImportError with the extra."""
    model, X, _ = digits_model
    onx = export(model, X)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    with pytest.raises(ImportError, match=r'pip install "sklabels\[onnx\]"'):
        OnnxClassifier(onx).predict_proba(X)


def _linear_onnx(W, b, last_op, output_name):
    """A ``MatMul -> Add [-> last_op]`` graph built with onnx.helper."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "b"], ["z" if last_op else output_name]),
    ]
    if last_op:
        nodes.append(helper.make_node(last_op, ["z"], [output_name]))
    graph = helper.make_graph(
        nodes,
        "linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, W.shape[0]])],
        [
            helper.make_tensor_value_info(
                output_name, TensorProto.FLOAT, [None, W.shape[1]]
            )
        ],
        initializer=[numpy_helper.from_array(W, "W"), numpy_helper.from_array(b, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


@pytest.mark.parametrize(
    ("last_op", "output_name", "read_as"),
    [
        ("Softmax", "logits", "probabilities"),  # the name says logits, the graph not
        (
            None,
            "probabilities",
            "logits",
        ),  # the name says probabilities, Add makes logits
    ],
)
def test_onnx_graph_decides_the_head_before_the_output_name(
    last_op, output_name, read_as
):
    """Check that the node making the output, not its name, says whether it holds
    probabilities or logits (softmax is never applied twice)."""
    rng = np.random.default_rng(0)
    W = rng.normal(scale=3.0, size=(4, 3)).astype(np.float32)
    b = rng.normal(size=3).astype(np.float32)
    X = rng.normal(size=(40, 4)).astype(np.float32)
    z = X @ W + b
    expected = np.exp(z - z.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    proto = _linear_onnx(W, b, last_op, output_name)
    adapter = OnnxClassifier(proto, problem="multiclass")
    assert adapter._output_hint() == read_as
    assert_allclose(adapter.predict_proba(X), expected, atol=1e-5)
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(OnnxClassifier(proto)), classes=["a", "b", "c"]
    ).fit(X, np.array(["a", "b", "c"])[np.argmax(z, axis=1)])
    assert_allclose(clf.predict_proba(X), expected, atol=1e-5)
