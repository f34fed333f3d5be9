"""sklabels.onnx: a fitted classifier as one ONNX model, labels out, run by ONNX
Runtime with the labels of ``predict``."""

import json
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import Bands, ProbabilisticLabelClassifier
from sklabels.adapters import FunctionClassifier, OnnxClassifier

ort = pytest.importorskip("onnxruntime")
onnx = pytest.importorskip("onnx")
skl2onnx = pytest.importorskip("skl2onnx")

from sklabels.onnx import ExportError, export_thresholds_file, to_onnx  # noqa: E402

LABELS6 = np.array(["sports", "politics", "tech", "health", "travel", "food"])


def run(model, X):
    """``label`` and ``probabilities`` of ``model`` under ONNX Runtime."""
    session = ort.InferenceSession(model.SerializeToString())
    feed = {session.get_inputs()[0].name: X}
    return session.run(["label", "probabilities"], feed)


def assert_parity(clf, X, dtype=np.float32):
    """Labels of the exported model equal ``predict``, row for row."""
    model = to_onnx(clf, X[:1].astype(dtype))
    label, proba = run(model, X.astype(dtype))
    expected = clf.predict(X)
    assert label.shape == np.shape(expected)
    assert_array_equal(label, expected)
    assert_allclose(proba, clf.predict_proba(X), atol=1e-5)
    return model


@pytest.fixture(scope="module")
def three_classes():
    X, y = make_classification(
        400, 6, n_informative=4, n_classes=3, random_state=0, class_sep=0.8
    )
    names = np.array(["ant", "bee", "cat"])[y]
    return X.astype(np.float32), names


def _fit(X, y, **params):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    return ProbabilisticLabelClassifier(model, **params).fit(X[:250], y[:250])


@pytest.mark.parametrize(
    "params",
    [
        {"threshold": [0.3, 0.5, 0.2]},
        {"threshold": "auto", "scoring": "f1", "cv": 3},
        {"costs": [[0, 1, 4], [1, 0, 1], [2, 1, 0]], "reject_cost": 0.3},
        {"costs": [[0, 1, 1], [5, 0, 1], [1, 1, 0]]},
        {"priors": [0.6, 0.2, 0.2]},
        {"priors": [0.6, 0.2, 0.2], "threshold": [0.3, 0.5, 0.2]},
        {"reject_threshold": 0.6},
    ],
    ids=[
        "ratios",
        "tuned",
        "costs-abstain",
        "costs",
        "priors",
        "priors-ratios",
        "reject",
    ],
)
def test_onnx_export_multiclass_rules_match_predict(three_classes, params):
    """Check that every multiclass rule gives predict's labels under ONNX Runtime."""
    X, y = three_classes
    if "reject_cost" in params or "reject_threshold" in params:
        params = {**params, "reject_label": "unsure"}
    clf = _fit(X, y, **params)
    model = assert_parity(clf, X[250:])
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["sklabels.classes"]) == ["ant", "bee", "cat"]
    if "reject_label" in params:
        assert "unsure" in clf.predict(X[250:])


@pytest.mark.parametrize(
    "params",
    [
        {"threshold": 0.3},
        {"threshold": 0.3, "pos_label": "no"},
        {"threshold": "auto", "scoring": "f1", "cv": 3},
        {"costs": [[0, 1], [4, 0]]},
        {"priors": [0.8, 0.2], "threshold": 0.4},
        {"reject_threshold": 0.7, "reject_label": "unsure"},
    ],
    ids=["threshold", "pos-label-no", "tuned", "costs", "priors", "reject"],
)
def test_onnx_export_binary_rules_match_predict(three_classes, params):
    """Check the binary threshold, costs, priors and reject option under ONNX."""
    X, y = three_classes
    binary = np.where(y == "bee", "yes", "no")
    clf = _fit(X, binary, **params)
    assert_parity(clf, X[250:])


def test_onnx_export_bands_match_predict(three_classes):
    """Check that band names cut from the positive class's score come out as
    predict's, under ONNX Runtime."""
    X, y = three_classes
    binary = np.where(y == "bee", "yes", "no")
    bands = Bands(["low", "mid", "high"], cuts=[0.2, 0.6])
    clf = _fit(X, binary, threshold=bands)
    assert_parity(clf, X[250:])
    assert set(clf.predict(X[250:])) == {"low", "mid", "high"}


def test_onnx_export_saved_decision_matches_predict(three_classes):
    """Check that threshold=Decision (costs with abstention, priors re-weighted from
    the decision's own training priors, the model's classes in another order)
    exports the labels predict gives."""
    X, y = three_classes
    saved = _fit(
        X,
        y,
        costs=[[0, 1, 4], [1, 0, 1], [2, 1, 0]],
        reject_cost=0.3,
        reject_label="unsure",
        priors=[0.5, 0.3, 0.2],
        train_priors=[0.2, 0.2, 0.6],  # not the frequencies of y
    )
    clf = _fit(X, y, threshold=saved.decision_, classes=["cat", "ant", "bee"])
    assert_parity(clf, X[250:])
    assert_array_equal(clf.predict(X[250:]), saved.predict(X[250:]))


def test_onnx_export_double_precision_matches_predict(three_classes):
    """Check that float64 sample rows give a double graph with predict's labels."""
    X, y = three_classes
    clf = _fit(X.astype(np.float64), y, threshold=[0.3, 0.5, 0.2])
    model = assert_parity(clf, X[250:].astype(np.float64), dtype=np.float64)
    assert model.graph.input[0].type.tensor_type.elem_type == onnx.TensorProto.DOUBLE


def test_onnx_export_integer_classes_give_int64_labels(three_classes):
    """Check that integer classes come out as int64, a reject label -1 with them."""
    X, y = three_classes
    codes = np.searchsorted(["ant", "bee", "cat"], y) * 10
    clf = _fit(X, codes, reject_threshold=0.6, reject_label=-1)
    label, _ = run(to_onnx(clf, X[:1]), X[250:])
    assert label.dtype == np.int64
    assert_array_equal(label, clf.predict(X[250:]))


def test_onnx_export_multilabel_sklearn_indicator(three_classes):
    """Check per-label thresholds of a one-vs-rest model on an indicator y."""
    X, Y = make_multilabel_classification(300, 6, n_classes=4, random_state=0)
    X = X.astype(np.float32)
    clf = ProbabilisticLabelClassifier(
        OneVsRestClassifier(LogisticRegression(max_iter=500)),
        threshold=[0.3, 0.5, 0.4, 0.6],
        classes=["a", "b", "c", "d"],
    ).fit(X[:200], Y[:200])
    model = assert_parity(clf, X[200:])
    meta = {p.key: p.value for p in model.metadata_props}
    assert meta["sklabels.label_output"] == "indicator"


# ------------------------------------------------------------- networks
def _linear_onnx(W, b, last_op=None, output_name="logits"):
    """A ``MatMul -> Add [-> last_op]`` graph built with onnx.helper."""
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
    return model


def _network_data(width, n=300, seed=0):
    rng = np.random.default_rng(seed)
    W = rng.normal(size=(5, width)).astype(np.float32)
    b = rng.normal(size=width).astype(np.float32)
    X = rng.normal(size=(n, 5)).astype(np.float32)
    return W, b, X, X @ W + b


def test_onnx_export_frozen_logit_network_six_labels():
    """Check a frozen ONNX network with a logit head and per-label thresholds
    (6 named labels): the exported model keeps the logits and cuts at logit(t)."""
    W, b, X, logits = _network_data(6)
    rng = np.random.default_rng(1)
    Y = (logits + rng.normal(scale=1.0, size=logits.shape) > 0).astype(int)
    network = OnnxClassifier(_linear_onnx(W, b).SerializeToString(), output="logits")
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(network),
        classes=LABELS6,
        problem="multilabel",
        threshold=[0.2, 0.3, 0.5, 0.6, 0.7, 0.9],
    ).fit(X[:150], Y[:150])
    model = assert_parity(clf, X[150:])
    meta = {p.key: p.value for p in model.metadata_props}
    assert json.loads(meta["sklabels.classes"]) == LABELS6.tolist()
    assert meta["sklabels.inner_scores"] == "logit"
    assert {"Sigmoid"} <= {n.op_type for n in model.graph.node}  # probabilities only


@pytest.mark.parametrize("width", [1, 2])
def test_onnx_export_binary_logit_network(width):
    """Check the binary threshold on a logit network (one log-odds column or two
    softmax logits): compared against logit(t), labels as predict."""
    W, b, X, logits = _network_data(width)
    score = logits[:, 0] if width == 1 else logits[:, 1] - logits[:, 0]
    y = np.where(score > 0.3, "spam", "ham")
    network = OnnxClassifier(_linear_onnx(W, b).SerializeToString(), output="logits")
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(network), classes=["ham", "spam"], threshold=0.35
    ).fit(X[:150], y[:150])
    assert_parity(clf, X[150:])


def test_onnx_export_network_probabilities_multiclass_reject():
    """Check a softmax network with ratios and a reject label."""
    W, b, X, logits = _network_data(3)
    y = np.array(["x", "y", "z"])[logits.argmax(1)]
    network = OnnxClassifier(_linear_onnx(W, b, "Softmax", "probs").SerializeToString())
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(network),
        classes=["x", "y", "z"],
        threshold=[0.5, 0.3, 0.4],
        reject_threshold=0.55,
        reject_label="none",
    ).fit(X[:150], y[:150])
    assert_parity(clf, X[150:])


def test_onnx_export_torch_classifier():
    """Check a TorchClassifier trained here, exported by torch.onnx.export."""
    torch = pytest.importorskip("torch")
    from sklabels.adapters import TorchClassifier

    X, y = make_classification(300, 5, n_informative=3, random_state=0)
    X = X.astype(np.float32)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(5, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2)
    )
    names = np.array(["neg", "pos"])[y]
    clf = ProbabilisticLabelClassifier(
        TorchClassifier(net, output="logits", epochs=5, batch_size=32),
        threshold=0.4,
    ).fit(X[:200], names[:200])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Torch's exporter warns about itself
        assert_parity(clf, X[200:])


# -------------------------------------------------------------- sklearn-onnx
def test_onnx_export_float32_differs_only_within_rounding_of_a_cut():
    """Check that a forest's float32 graph differs from predict only on rows whose
    ratios tie within float32 rounding, and the double graph on none."""
    from sklearn.ensemble import RandomForestClassifier

    X, y = make_classification(
        1500, 8, n_informative=5, n_classes=3, random_state=0, class_sep=0.7
    )
    names = np.array(["ant", "bee", "cat"])[y]
    t = np.array([0.3, 0.3, 0.4])
    clf = ProbabilisticLabelClassifier(
        RandomForestClassifier(20, random_state=0), threshold=list(t)
    ).fit(X[:1000], names[:1000])
    ratios = np.sort(clf.predict_proba(X[1000:]) / t, axis=1)
    near = ratios[:, -1] - ratios[:, -2] < 1e-6
    expected = clf.predict(X[1000:])
    label32, _ = run(
        to_onnx(clf, X[:1].astype(np.float32)), X[1000:].astype(np.float32)
    )
    assert not np.any((label32 != expected) & ~near)
    label64, _ = run(to_onnx(clf, X[:1]), X[1000:])
    assert_array_equal(label64, expected)


def test_onnx_export_through_skl2onnx_to_onnx(three_classes):
    """Check that skl2onnx.to_onnx converts the classifier once sklabels.onnx is
    imported, with the same labels."""
    X, y = three_classes
    clf = _fit(X, y, threshold=[0.3, 0.5, 0.2], reject_threshold=0.5, reject_label="?")
    model = skl2onnx.to_onnx(clf, X[:1])
    session = ort.InferenceSession(model.SerializeToString())
    label, proba = session.run(None, {session.get_inputs()[0].name: X[250:]})
    assert_array_equal(label, clf.predict(X[250:]))
    assert_allclose(proba, clf.predict_proba(X[250:]), atol=1e-5)


# ------------------------------------------------------------------ refusals
def _predict_proba(X):
    p = 1 / (1 + np.exp(-np.asarray(X)[:, 0]))
    return np.column_stack([1 - p, p])


def _costs_of(X):
    return np.tile([[0.0, 1.0], [2.0, 0.0]], (len(X), 1, 1))


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda X, y: ProbabilisticLabelClassifier(
                FunctionClassifier(_predict_proba), classes=["no", "yes"]
            ),
            "FunctionClassifier",
        ),
        (
            lambda X, y: ProbabilisticLabelClassifier(
                LogisticRegression(), costs=_costs_of
            ),
            "costs: a callable",
        ),
        (
            lambda X, y: ProbabilisticLabelClassifier(
                LogisticRegression(), response_method="decision_function"
            ),
            "response_method",
        ),
    ],
    ids=["function", "callable-costs", "decision-function"],
)
def test_onnx_export_refuses_what_has_no_onnx_form(make, message):
    """Check that each part without an ONNX form is refused by name."""
    X, y = make_classification(100, 4, random_state=0)
    labels = np.array(["no", "yes"])[y]
    clf = make(X, labels).fit(X, labels)
    with pytest.raises(ExportError, match=message):
        to_onnx(clf, X[:1].astype(np.float32))


def test_onnx_export_refuses_label_sets_and_bool_labels():
    """Check that label-set y and bool labels are refused, naming the form."""
    X, Y = make_multilabel_classification(100, 4, n_classes=3, random_state=0)
    sets = [tuple(np.flatnonzero(row)) for row in Y]
    clf = ProbabilisticLabelClassifier(OneVsRestClassifier(LogisticRegression())).fit(
        X, sets
    )
    with pytest.raises(ExportError, match="form 'sets'"):
        to_onnx(clf, X[:1].astype(np.float32))
    y = Y[:, 0] == 1
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    with pytest.raises(ExportError, match="not all strings or all integers"):
        to_onnx(clf, X[:1].astype(np.float32))


# --------------------------------------------------------- thresholds file
@pytest.mark.parametrize(
    ("saved", "width", "last_op"),
    [
        (
            {
                "problem": "binary",
                "classes": ["ham", "spam"],
                "pos_label": "spam",
                "from_logits": True,
                "thresholds": 0.3,
            },
            1,
            None,
        ),
        (
            {
                "problem": "multiclass",
                "classes": ["x", "y", "z"],
                "pos_label": None,
                "from_logits": False,
                "thresholds": [0.5, 0.2, 0.4],
            },
            3,
            "Softmax",
        ),
        (
            {
                "problem": "multilabel",
                "classes": LABELS6.tolist(),
                "pos_label": None,
                "from_logits": True,
                "thresholds": [0.2, 0.3, 0.5, 0.6, 0.7, 0.9],
            },
            6,
            None,
        ),
    ],
    ids=["binary-logit", "multiclass", "multilabel-logit"],
)
def test_export_thresholds_file_matches_decode(tmp_path, saved, width, last_op):
    """Check that a thresholds file plus a network export to the labels of decode."""
    from sklabels import decode

    W, b, X, _ = _network_data(width)
    network = _linear_onnx(W, b, last_op, "scores")
    onnx.save(network, tmp_path / "net.onnx")
    (tmp_path / "t.json").write_text(json.dumps(saved))
    export_thresholds_file(
        tmp_path / "t.json", tmp_path / "net.onnx", tmp_path / "o.onnx"
    )
    label, _ = run(onnx.load(tmp_path / "o.onnx"), X)
    scores = run_scores(network, X)
    expected = decode(
        scores,
        saved["classes"],
        threshold=saved["thresholds"],
        problem=saved["problem"],
        from_logits=saved["from_logits"],
        **({"pos_label": saved["pos_label"]} if saved["pos_label"] else {}),
    )
    if saved["problem"] == "multilabel":
        expected = np.array([[c in row for c in saved["classes"]] for row in expected])
    assert_array_equal(label, np.asarray(expected).astype(label.dtype))


def run_scores(model, X):
    session = ort.InferenceSession(model.SerializeToString())
    return session.run(None, {"x": X})[0]


def test_export_thresholds_file_never_writes_over_an_input(tmp_path):
    """Check that the output may not be one of the inputs, and nothing is written."""
    W, b, _, _ = _network_data(1)
    onnx.save(_linear_onnx(W, b), tmp_path / "net.onnx")
    saved = {"problem": "binary", "classes": ["a", "b"], "thresholds": 0.5}
    (tmp_path / "t.json").write_text(json.dumps(saved))
    before = (tmp_path / "net.onnx").read_bytes()
    with pytest.raises(ExportError, match="is the input"):
        export_thresholds_file(
            tmp_path / "t.json", tmp_path / "net.onnx", tmp_path / "net.onnx"
        )
    assert (tmp_path / "net.onnx").read_bytes() == before


def test_export_command_arguments_run_the_export(tmp_path):
    """Check the `sklabels export` arguments and handler (wired by the CLI)."""
    import argparse

    from sklabels._cli_export import add_export_arguments, run_export

    W, b, X, logits = _network_data(1)
    onnx.save(_linear_onnx(W, b), tmp_path / "net.onnx")
    saved = {"problem": "binary", "classes": ["a", "b"], "from_logits": True}
    saved["thresholds"] = 0.4
    (tmp_path / "t.json").write_text(json.dumps(saved))
    parser = argparse.ArgumentParser()
    add_export_arguments(parser)
    out = tmp_path / "o.onnx"
    args = parser.parse_args(
        [str(tmp_path / "t.json"), str(tmp_path / "net.onnx"), "-o", str(out)]
    )
    assert run_export(args) == 0
    label, _ = run(onnx.load(out), X)
    assert_array_equal(label, np.where(logits[:, 0] >= np.log(0.4 / 0.6), "b", "a"))


def test_onnx_export_missing_skl2onnx_names_the_extra(monkeypatch, three_classes):
    """Check that a missing sklearn-onnx is an ImportError naming the extra."""
    import sys

    X, y = three_classes
    clf = _fit(X, y)
    monkeypatch.setitem(sys.modules, "skl2onnx", None)
    with pytest.raises(ImportError, match=r"sklabels\[onnx\]"):
        to_onnx(clf, X[:1])


def test_onnx_module_docstring_examples():
    """Check that the examples in sklabels.onnx run and print what they show."""
    import doctest

    import sklabels.onnx

    result = doctest.testmod(sklabels.onnx, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_onnx_export_refuses_a_transformers_classifier():
    """Check that a frozen TransformersClassifier is refused by name, with the way
    to export its network."""
    pytest.importorskip("transformers")
    pytest.importorskip("tokenizers")
    import os
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    from _tiny_transformers import make_model, make_texts, make_tokenizer

    from sklabels.adapters import TransformersClassifier

    texts, topics = make_texts(30, seed=1)
    adapter = TransformersClassifier(
        make_model(["sport", "tech", "food"]), make_tokenizer()
    )
    clf = ProbabilisticLabelClassifier(FrozenEstimator(adapter)).fit(texts, topics)
    with pytest.raises(
        ExportError, match=r"TransformersClassifier is not exported.*optimum"
    ):
        to_onnx(clf, np.array(texts[:1]))
