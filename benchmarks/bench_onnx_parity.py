"""ONNX export: what is exported or refused, and label parity under ONNX Runtime.

For each rule kind and each inner model kind, fit a ``ProbabilisticLabelClassifier``
and call ``sklabels.onnx.to_onnx``. Where it exports, run the model in ONNX Runtime
on 20,000 held-out rows and count

- the rows whose label differs from ``predict`` (float32 graph), and
- the rows within float32 rounding of a cut: those whose label ``predict``'s own
  rule changes when their scores move by at most ``TOL`` (2e-6, about 16 float32
  ulps at 1.0; tried on 16 random moves and the two corners).

PASS when every differing row is one within rounding of a cut, and every refusal is
an ``ExportError`` naming the part. Run: ``python benchmarks/bench_onnx_parity.py``
(about a minute; Keras and transformers columns where they are installed).
"""

from __future__ import annotations

import os
import sys
import warnings
from dataclasses import replace

import numpy as np
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import Bands, CostMatrix, ProbabilisticLabelClassifier
from sklabels.adapters import FunctionClassifier, OnnxClassifier, TorchClassifier
from sklabels.onnx import ExportError, to_onnx

os.environ.setdefault("KERAS_BACKEND", "torch")
warnings.filterwarnings("ignore")
N_FIT, N_TEST, D, TOL = 2_000, 20_000, 6, 2e-6
COSTS = [[0, 1, 4], [1, 0, 1], [2, 1, 0]]
NAMES = np.array(["ant", "bee", "cat"])


def costs_of(X):
    """Costs as a function of X: no ONNX form."""
    return np.tile(np.asarray(COSTS, dtype=float), (len(X), 1, 1))


def data(problem, seed=0, width=3):
    """Rows from a linear model with noise: X (float32), y in the problem's form
    (``width`` labels for a multilabel problem)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_FIT + N_TEST, D)).astype(np.float32)
    W = rng.normal(size=(D, width))
    z = X @ W + rng.normal(scale=1.5, size=(len(X), width))
    if problem == "binary":
        return X, np.where(z[:, 0] > 0.5, "yes", "no")
    if problem == "multilabel":
        return X, (z > 0).astype(int)
    return X, NAMES[z.argmax(1)]


def _saved_decision():
    X, y = data("multiclass", seed=1)
    return (
        ProbabilisticLabelClassifier(
            LogisticRegression(),
            costs=COSTS,
            reject_cost=0.3,
            reject_label="unsure",
            priors=[0.5, 0.3, 0.2],
        )
        .fit(X[:N_FIT], y[:N_FIT])
        .decision_
    )


# rule kind -> (problem, estimator parameters)
RULES = {
    "binary threshold": ("binary", {"threshold": 0.3}),
    "binary threshold, tuned": ("binary", {"threshold": "auto", "cv": 3}),
    "multilabel per-label thresholds": ("multilabel", {"threshold": [0.3, 0.5, 0.4]}),
    "multiclass ratios": ("multiclass", {"threshold": [0.3, 0.5, 0.2]}),
    "cost matrix with abstention": (
        "multiclass",
        {"costs": COSTS, "reject_cost": 0.3, "reject_label": "unsure"},
    ),
    "tuned CostMatrix with abstention": (
        "multiclass",
        {
            "threshold": "auto",
            "scoring": CostMatrix(COSTS, reject_cost=0.4),
            "reject_label": "unsure",
            "cv": 3,
        },
    ),
    "costs as a callable of X": ("multiclass", {"costs": costs_of}),
    "priors re-weighting": ("multiclass", {"priors": [0.6, 0.2, 0.2]}),
    "reject threshold and label": (
        "multiclass",
        {"reject_threshold": 0.6, "reject_label": "unsure"},
    ),
    "bands": ("binary", {"threshold": Bands(["low", "mid", "high"], cuts=[0.2, 0.6])}),
    "threshold=Decision (saved)": ("multiclass", {"threshold": _saved_decision()}),
}


# ----------------------------------------------------------------- inner models
def _linear(X, y, problem):
    """Weights (D, k) and bias of a logistic model of (X, y): a 'pretrained network'
    whose outputs are logits (one column for binary problems)."""
    if problem == "multilabel":
        model = OneVsRestClassifier(LogisticRegression()).fit(X, y)
        coef = np.vstack([e.coef_ for e in model.estimators_])
        bias = np.concatenate([e.intercept_ for e in model.estimators_])
    else:
        model = LogisticRegression().fit(X, y)
        coef, bias = model.coef_, model.intercept_
    return coef.T.astype(np.float32), bias.astype(np.float32)


def _classes(y, problem):
    if problem == "multilabel":
        return [f"l{j}" for j in range(y.shape[1])]
    return sorted(set(y))


def sklearn_model(X, y, problem):
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500))
    if problem == "multilabel":
        model = OneVsRestClassifier(model)
    return model, {"classes": _classes(y, problem)} if problem == "multilabel" else {}


def onnx_network(X, y, problem):
    from onnx import TensorProto, helper, numpy_helper

    W, b = _linear(X, y, problem)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["xw"]),
            helper.make_node("Add", ["xw", "b"], ["logits"]),
        ],
        "linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, D])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, len(b)])],
        initializer=[numpy_helper.from_array(W, "W"), numpy_helper.from_array(b, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    network = OnnxClassifier(model.SerializeToString(), output="logits")
    return FrozenEstimator(network), _network_params(y, problem)


def _network_params(y, problem):
    return {"classes": _classes(y, problem), "problem": problem}


def torch_network(X, y, problem):
    import torch

    W, b = _linear(X, y, problem)
    layer = torch.nn.Linear(D, len(b))
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W.T))
        layer.bias.copy_(torch.from_numpy(b))
    network = TorchClassifier(layer, output="logits")
    return FrozenEstimator(network), _network_params(y, problem)


def keras_network(X, y, problem):
    import keras

    W, b = _linear(X, y, problem)
    model = keras.Sequential([keras.Input((D,)), keras.layers.Dense(len(b))])
    model.layers[0].set_weights([W, b])
    from sklabels.adapters import KerasClassifier

    network = KerasClassifier(model, output="logits")
    return FrozenEstimator(network), _network_params(y, problem)


def function_model(X, y, problem):
    W, b = _linear(X, y, problem)
    network = FunctionClassifier(lambda X: np.asarray(X) @ W + b, output="logits")
    return FrozenEstimator(network), _network_params(y, problem)


INNER = {
    "scikit-learn pipeline": sklearn_model,
    "OnnxClassifier (logits)": onnx_network,
    "TorchClassifier (logits)": torch_network,
    "FunctionClassifier": function_model,
    "KerasClassifier": keras_network,
}


# ------------------------------------------------------------------ measuring
def near_cut(clf, X, y):
    """Rows whose label changes when their scores move by at most TOL."""
    view = clf.evaluation_view(X, y)
    decision, scores = view.decision, view.scores
    base = _codes(decision, scores)
    rng = np.random.default_rng(0)
    moves = [np.full(scores.values.shape, s * TOL) for s in (-1, 1)]
    moves += [rng.uniform(-TOL, TOL, scores.values.shape) for _ in range(16)]
    near = np.zeros(len(X), dtype=bool)
    for move in moves:
        values = scores.values.astype(np.float64) + move
        if scores.kind == "proba":
            values = np.clip(values, 0.0, 1.0)
        moved = _codes(decision, replace(scores, values=values))
        near |= (moved != base).reshape(len(X), -1).any(axis=1)
    return near


def _codes(decision, scores):
    codes, rejected = decision.decide(scores)
    codes = np.asarray(codes).reshape(len(codes), -1).astype(np.int64)
    if rejected is not None:
        codes = np.where(np.asarray(rejected)[:, None], -1, codes)
    return codes


def cell(make, problem, params, dtype=np.float32, width=3):
    """'exported: differing / near of rows', or 'refused: <the part>'."""
    import onnxruntime as ort

    X, y = data(problem, width=width)
    X = X.astype(dtype)
    model, extra = make(X[:N_FIT], y[:N_FIT], problem)
    clf = ProbabilisticLabelClassifier(model, **extra, **params)
    clf.fit(X[:N_FIT], y[:N_FIT])
    try:
        exported = to_onnx(clf, X[:1])
    except ExportError as exc:
        return "refused", str(exc).split(";")[0][:70], None
    session = ort.InferenceSession(exported.SerializeToString())
    X_test, y_test = X[N_FIT:], y[N_FIT:]
    label, _ = session.run(
        ["label", "probabilities"], {session.get_inputs()[0].name: X_test}
    )
    expected = clf.predict(X_test)
    differ = (np.asarray(label) != np.asarray(expected)).reshape(N_TEST, -1).any(1)
    near = near_cut(clf, X_test, y_test)
    return "exported", (int(differ.sum()), int(near.sum())), bool(np.all(near[differ]))


def forest(X, y, problem):
    from sklearn.ensemble import RandomForestClassifier

    return RandomForestClassifier(20, random_state=0), {}


# Precision: (what, inner model, problem, parameters, X dtype, labels)
PRECISION = [
    ("binary threshold, float32 graph", sklearn_model, "binary", {"threshold": 0.3}),
    (
        "binary threshold, double graph",
        sklearn_model,
        "binary",
        {"threshold": 0.3},
        np.float64,
    ),
    (
        "multilabel, 6 labels, logit head (frozen OnnxClassifier)",
        onnx_network,
        "multilabel",
        {"threshold": [0.2, 0.3, 0.5, 0.6, 0.7, 0.9]},
        np.float32,
        6,
    ),
    (
        "multiclass ratios, random forest (ties: steps of 1/20), float32 graph",
        forest,
        "multiclass",
        {"threshold": [0.3, 0.3, 0.4]},
    ),
    (
        "the same, double graph",
        forest,
        "multiclass",
        {"threshold": [0.3, 0.3, 0.4]},
        np.float64,
    ),
]


def precision():
    """The precision table: float32 and double graphs, ties; whether it passes."""
    ok = True
    print(
        "\n| rule kind and graph | labels differing | rows within float32 "
        f"rounding of a cut (of {N_TEST:,}) |"
    )
    print("|---|---|---|")
    for what, make, problem, params, *rest in PRECISION:
        _, (differ, near), fine = cell(make, problem, params, *rest)
        ok &= fine
        print(f"| {what} | {differ} | {near} |")
    return ok


def main():
    inner = dict(INNER)
    for name, module in (("KerasClassifier", "keras"),):
        try:
            __import__(module)
        except ImportError:
            inner.pop(name)
    ok, rows = True, []
    for rule, (problem, params) in RULES.items():
        for kind, make in inner.items():
            status, detail, fine = cell(make, problem, params)
            ok &= fine is not False
            rows.append((rule, kind, status, detail))
    print(
        "| rule kind | inner model | result | labels differing / rows within "
        f"float32 rounding of a cut (of {N_TEST:,}) |"
    )
    print("|---|---|---|---|")
    for rule, kind, status, detail in rows:
        shown = f"{detail[0]} / {detail[1]}" if status == "exported" else detail
        print(f"| {rule} | {kind} | {status} | {shown} |")
    exported = [d for _, _, s, d in rows if s == "exported"]
    differing = sum(d[0] for d in exported)
    near = sum(d[1] for d in exported)
    print(
        f"\n{len(exported)} exported cells, {len(rows) - len(exported)} refused; "
        f"{differing} of {len(exported) * N_TEST:,} labels differ from predict, "
        f"{near} rows lie within float32 rounding of a cut; ratio differing / "
        f"compared = {differing / max(1, len(exported) * N_TEST):.2e}"
    )
    ok &= precision()
    print("PASS" if ok else "FAIL: a label differs on a row not near any cut")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
