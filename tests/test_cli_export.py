"""``sklabels export``, end to end: ``python -m sklabels tune`` writes a thresholds
file, ``python -m sklabels export`` appends its decision to an ONNX network, and the
model written gives, under ONNX Runtime, the labels of ``sklabels decode``."""

from pathlib import Path

import numpy as np
import pytest
from _cli_runner import sklabels
from numpy.testing import assert_array_equal

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pd = pytest.importorskip("pandas")

ROOT = Path(__file__).resolve().parent.parent
CLASSES = ["sky", "sea", "sand"]
pytestmark = pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning")


def _network(last_op, width, seed=0):
    """A ``MatMul -> Add [-> last_op]`` network built with onnx.helper."""
    from onnx import TensorProto, helper, numpy_helper

    rng = np.random.default_rng(seed)
    W = rng.normal(size=(4, width)).astype(np.float32)
    b = rng.normal(size=width).astype(np.float32)
    nodes = [
        helper.make_node("MatMul", ["x", "W"], ["xw"]),
        helper.make_node("Add", ["xw", "b"], ["z" if last_op else "scores"]),
    ]
    if last_op:
        nodes.append(helper.make_node(last_op, ["z"], ["scores"]))
    graph = helper.make_graph(
        nodes,
        "tiny",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("scores", TensorProto.FLOAT, [None, width])],
        initializer=[numpy_helper.from_array(W, "W"), numpy_helper.from_array(b, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    return model


def _run(model, X, output):
    session = ort.InferenceSession(model.SerializeToString())
    return session.run([output], {"x": X})[0]


@pytest.mark.parametrize(
    ("last_op", "width", "tune_flags"),
    [
        ("Softmax", 3, ["--classes", ",".join(CLASSES)]),
        (None, 3, ["--classes", ",".join(CLASSES), "--from-logits"]),
        ("Sigmoid", 1, ["--pos-label", "sea"]),  # sea is classes[0], sorted
        (None, 1, ["--pos-label", "sea", "--from-logits"]),
    ],
    ids=["multiclass-softmax", "multilabel-logits", "binary-sigmoid", "binary-logit"],
)
def test_cli_export_labels_equal_decode(tmp_path, last_op, width, tune_flags):
    """Check that the model `sklabels export` writes, from a thresholds file of
    `sklabels tune`, labels rows under ONNX Runtime as `sklabels decode` does."""
    network = _network(last_op, width)
    onnx.save(network, tmp_path / "net.onnx")
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 4)).astype(np.float32)
    scores = _run(network, X, "scores")
    np.save(tmp_path / "scores.npy", scores)
    noisy = scores + rng.normal(scale=0.5, size=scores.shape)
    if width == 1:
        truth = np.where(noisy[:, 0] > 0.5, "sea", "sky")
        pd.DataFrame({"label": truth}).to_csv(tmp_path / "labels.csv", index=False)
    elif last_op == "Softmax":
        truth = np.array(CLASSES)[np.argmax(noisy, axis=1)]
        pd.DataFrame({"label": truth}).to_csv(tmp_path / "labels.csv", index=False)
    else:
        truth = (noisy > 0).astype(int)
        pd.DataFrame(truth, columns=CLASSES).to_csv(
            tmp_path / "labels.csv", index=False
        )

    steps = [
        ("tune", "scores.npy", "labels.csv", *tune_flags, "-o", "t.json"),
        ("export", "t.json", "net.onnx", "-o", "labelled.onnx"),
        ("decode", "scores.npy", "--thresholds", "t.json", "-o", "decoded.csv"),
    ]
    for step in steps:
        code, _, err = sklabels(*step, cwd=tmp_path)
        assert code == 0, err
    label = _run(onnx.load(tmp_path / "labelled.onnx"), X, "label")
    decoded = pd.read_csv(tmp_path / "decoded.csv", keep_default_na=False)
    if (
        last_op is None and width > 1
    ):  # multilabel: an indicator matrix against 'sky|sea' rows
        sets = [set(row.split("|")) - {""} for row in decoded["labels"]]
        expected = np.array([[c in row for c in CLASSES] for row in sets])
        assert_array_equal(label.astype(bool), expected)
    else:
        assert_array_equal(label.astype(str), decoded["label"].to_numpy(str))
    assert len(set(np.ravel(label).tolist())) > 1  # not one constant label


def test_cli_export_error_is_one_line(tmp_path):
    """Check that `sklabels export` with -o naming the network is a one-line error
    and leaves the network as it was."""
    onnx.save(_network("Softmax", 3), tmp_path / "net.onnx")
    (tmp_path / "t.json").write_text(
        '{"problem": "multiclass", "classes": ["sky", "sea", "sand"], '
        '"thresholds": [0.5, 0.5, 0.5]}'
    )
    before = (tmp_path / "net.onnx").read_bytes()
    code, _, err = sklabels(
        "export", "t.json", "net.onnx", "-o", "net.onnx", cwd=tmp_path
    )
    assert code == 1
    assert err.startswith("sklabels export: error: ")
    assert len(err.strip().splitlines()) == 1
    assert (tmp_path / "net.onnx").read_bytes() == before
