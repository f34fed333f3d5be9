"""Bands as a decision kind: decode, the estimator, the thresholds file, the CLI and
the ONNX export give the same bands for the same cut-points and names."""

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit, logit
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from sklabels import (
    Bands,
    BandWarning,
    ProbabilisticLabelClassifier,
    band_report,
    decode,
    tune_bands,
)
from sklabels.__main__ import main
from sklabels._decision import Decision
from sklabels.adapters import FunctionClassifier

NAMES = ["routine", "urgent", "emergency"]
CUTS = [0.3, 0.7]
CLASSES = ["ok", "ill"]


def _scores(n=300, seed=0):
    """Probabilities of "ill", with exact cut values among them."""
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    p[:4] = [0.3, 0.7, np.nextafter(0.3, 0), np.nextafter(0.7, 0)]
    return p


def _frozen_on(p):
    """A frozen classifier whose ``predict_proba`` of row i is ``[1 - p_i, p_i]``."""
    X = np.arange(len(p), dtype=float).reshape(-1, 1)

    def proba(X):
        q = p[X[:, 0].astype(int)]
        return np.column_stack([1 - q, q])

    return X, FrozenEstimator(FunctionClassifier(proba, output="probabilities"))


def _cli_bands(tmp_path, p):
    path = tmp_path / "scores.csv"
    np.savetxt(path, p, fmt="%.17g")
    out = tmp_path / "bands.csv"
    code = main(
        [
            "decode",
            str(path),
            "--classes",
            ",".join(CLASSES),
            "--bands",
            ",".join(NAMES),
            "--cuts",
            ",".join(map(str, CUTS)),
            "-o",
            str(out),
        ]
    )
    assert code == 0
    return np.loadtxt(out, dtype=str, skiprows=1)


def _onnx_bands(p, bands):
    """The ``label`` output of the ONNX export of an identity network on ``p``
    (float64 end to end: the cut values among ``p`` stay exact)."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    from onnx import TensorProto, helper

    from sklabels.adapters import OnnxClassifier
    from sklabels.onnx import to_onnx

    column = helper.make_tensor_value_info
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["p"])],
        "identity",
        [column("x", TensorProto.DOUBLE, [None, 1])],
        [column("p", TensorProto.DOUBLE, [None, 1])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    network = OnnxClassifier(model.SerializeToString(), output="probabilities")
    X = p[:, None]
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(network), classes=CLASSES, threshold=bands
    ).fit(X, np.array(CLASSES)[(p >= 0.5).astype(int)])
    session = ort.InferenceSession(to_onnx(clf, X[:1]).SerializeToString())
    return session.run(["label"], {session.get_inputs()[0].name: X})[0]


def test_the_same_cuts_give_the_same_bands_at_every_entry_point(tmp_path):
    """Check that decode (probabilities and logits), the estimator, the thresholds
    file, the CLI and the ONNX export agree with Bands.labels row for row."""
    p = _scores()
    bands = Bands(NAMES, cuts=CUTS)
    expected = bands.labels(p)
    X, frozen = _frozen_on(p)
    clf = ProbabilisticLabelClassifier(frozen, threshold=bands, classes=CLASSES)
    clf.fit(X, np.array(CLASSES)[(p >= 0.5).astype(int)])
    decision = Decision.from_dict(json.loads(json.dumps(clf.decision_.to_dict())))
    scores_matrix = np.column_stack([1 - p, p])
    from sklabels._scores import Scores

    table = {
        "decode": decode(p, CLASSES, threshold=bands),
        "decode logits": decode(logit(p), CLASSES, threshold=bands, from_logits=True),
        "estimator": clf.predict(X),
        "predict_labels": clf.predict_labels(X),
        "thresholds file": decision.bands.labels(
            decision.apply(Scores(scores_matrix, "proba"))[0]
        ),
        "cli": _cli_bands(tmp_path, p),
        "onnx": _onnx_bands(p, bands),
    }
    for where, labels in table.items():
        assert np.asarray(labels).tolist() == expected.tolist(), where
    assert clf.classes_.tolist() == CLASSES
    assert clf.bands_ == bands


def test_the_onnx_export_gives_the_bands_of_predict():
    """Check that the exported model's labels are the band names of predict."""
    ort = pytest.importorskip("onnxruntime")
    pytest.importorskip("skl2onnx")
    from sklabels.onnx import to_onnx

    X, y = make_classification(300, 5, random_state=0)
    X = X.astype(np.float32)
    for threshold, target in [
        (Bands(NAMES, cuts=CUTS), np.array(CLASSES)[y]),
        (
            Bands(NAMES, cuts=CUTS, score_of="b"),
            np.array(["a", "b", "c"])[y + (X[:, 0] > 1)],
        ),
    ]:
        clf = ProbabilisticLabelClassifier(LogisticRegression(), threshold=threshold)
        clf.fit(X, target)
        session = ort.InferenceSession(to_onnx(clf, X[:1]).SerializeToString())
        label = session.run(["label"], {session.get_inputs()[0].name: X})[0]
        assert label.tolist() == clf.predict(X).tolist()


def test_tuned_bands_equal_tune_bands_on_the_same_rows():
    """Check that fit tunes the cuts with tune_bands on the held-out scores."""
    rng = np.random.default_rng(1)
    p = rng.random(400)
    event = rng.random(400) < p
    X, frozen = _frozen_on(p)
    bands = Bands(
        NAMES, min_event_rate={"emergency": 0.8}, max_event_rate={"routine": 0.1}
    )
    clf = ProbabilisticLabelClassifier(frozen, threshold=bands, classes=CLASSES)
    clf.fit(X, np.array(CLASSES)[event.astype(int)])
    assert clf.bands_ == tune_bands(bands, p, event)
    rows = clf.band_report(X, np.array(CLASSES)[event.astype(int)])
    assert rows == band_report(clf.bands_, p, event)
    assert [r.name for r in rows] == NAMES
    assert sum(r.count for r in rows) == 400


@settings(derandomize=True, max_examples=30, deadline=None)
@given(
    z=st.lists(st.floats(-30, 30), min_size=1, max_size=40),
    cuts=st.lists(st.floats(0.01, 0.99), min_size=2, max_size=2, unique=True),
)
def test_decode_logits_and_probabilities_give_the_same_bands(z, cuts):
    """Check that logits are banded as their probabilities (cut at logit(cut))."""
    bands = Bands(NAMES, cuts=sorted(cuts))
    z = np.asarray(z)
    from_logits = decode(z, CLASSES, threshold=bands, from_logits=True)
    # Where expit rounds onto a cut, the logit path is the exact one.
    clear = np.min(np.abs(expit(z)[:, None] - np.asarray(bands.cuts)), axis=1) > 1e-12
    expected = bands.labels(expit(z))
    assert from_logits[clear].tolist() == expected[clear].tolist()


def test_multilabel_and_multiclass_bands_cut_the_score_of_score_of():
    """Check that score_of picks the column, and is required beyond binary."""
    p = np.array([[0.1, 0.8, 0.1], [0.5, 0.2, 0.3], [0.2, 0.1, 0.7]])
    bands = Bands(["low", "high"], cuts=[0.5], score_of="c")
    assert decode(p, ["a", "b", "c"], threshold=bands).tolist() == [
        "low",
        "low",
        "high",
    ]
    q = np.array([[0.9, 0.6], [0.2, 0.1]])
    labels = decode(
        q,
        ["x", "y"],
        problem="multilabel",
        threshold=Bands(["no", "yes"], [0.5], score_of="y"),
    )
    assert labels.tolist() == ["yes", "no"]
    with pytest.raises(ValueError, match="score_of=label"):
        decode(p, ["a", "b", "c"], threshold=Bands(["low", "high"], cuts=[0.5]))


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"threshold": Bands(NAMES), "scores": [0.2]}, "has no cuts"),
        (
            {"threshold": Bands(NAMES, CUTS, score_of="sick"), "scores": [0.2]},
            "names no class",
        ),
        (
            {
                "threshold": Bands(NAMES, CUTS),
                "scores": [0.2],
                "reject_threshold": 0.6,
                "reject_label": "?",
            },
            "cannot be combined",
        ),
    ],
)
def test_bad_band_options_are_clear_errors(kwargs, message):
    """Check that bands without cuts, an unknown score_of and a reject level fail."""
    scores = kwargs.pop("scores")
    with pytest.raises(ValueError, match=message):
        decode(scores, CLASSES, **kwargs)


def test_bands_refuse_decision_scores_that_are_not_probabilities():
    """Check that the estimator refuses bands on a model's margins."""
    X, y = make_classification(100, 4, random_state=0)
    clf = ProbabilisticLabelClassifier(LinearSVC(), threshold=Bands(NAMES, CUTS))
    with pytest.raises(ValueError, match="predict_proba"):
        clf.fit(X, y)


def test_fixed_bands_are_read_at_predict_time():
    """Check that set_params(threshold=Bands(...)) applies without a refit."""
    X, y = make_classification(200, 4, random_state=0)
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    p = clf.predict_proba(X)[:, 1]
    clf.set_params(threshold=Bands(["lo", "hi"], cuts=[0.9]))
    assert clf.predict(X).tolist() == np.where(p >= 0.9, "hi", "lo").tolist()


def test_an_unfillable_tuned_band_warns_in_fit():
    """Check that fit reports a band no rows can fill with a BandWarning."""
    p = np.linspace(0.01, 0.5, 100)
    X, frozen = _frozen_on(p)
    y = np.array(CLASSES)[(np.arange(1, 101) % 2)]  # the top score is no event
    bands = Bands(NAMES, min_event_rate={"emergency": 0.99})
    clf = ProbabilisticLabelClassifier(frozen, threshold=bands, classes=CLASSES)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    assert any(issubclass(w.category, BandWarning) for w in caught)


def test_cli_bands_need_cuts(tmp_path, capsys):
    """Check that --bands without --cuts fails with one line naming the fix."""
    path = tmp_path / "s.csv"
    np.savetxt(path, [0.2, 0.8])
    code = main(["decode", str(path), "--classes", "ok,ill", "--bands", "lo,hi"])
    assert code == 1
    assert "--cuts" in capsys.readouterr().err


def test_label_reports_refuse_bands_and_point_to_band_report():
    """Check that classification_report under bands names band_report."""
    X, y = make_classification(200, 4, random_state=0)
    clf = ProbabilisticLabelClassifier(
        LogisticRegression(), threshold=Bands(NAMES, CUTS)
    )
    clf.fit(X, y)
    with pytest.raises(ValueError, match="band_report"):
        clf.classification_report(X, y)


def test_an_estimator_with_tuned_bands_round_trips_through_skops():
    """Check that the trusted types cover bands, and the loaded model's bands."""
    sio = pytest.importorskip("skops.io")
    from sklabels.persistence import trusted_types

    X, y = make_classification(200, 4, random_state=0)
    bands = Bands(NAMES, shares=[0.5, 0.3, 0.2])
    clf = ProbabilisticLabelClassifier(LogisticRegression(), threshold=bands).fit(X, y)
    data = sio.dumps(clf)
    untrusted = set(sio.get_untrusted_types(data=data)) - set(trusted_types())
    assert untrusted == set()
    loaded = sio.loads(data, trusted=trusted_types())
    assert loaded.bands_ == clf.bands_
    assert loaded.predict(X).tolist() == clf.predict(X).tolist()


def _logit_network(width, seed=0):
    """A frozen ONNX ``MatMul -> Add`` network returning ``width`` logits."""
    pytest.importorskip("onnxruntime")
    from onnx import TensorProto, helper, numpy_helper

    from sklabels.adapters import OnnxClassifier

    rng = np.random.default_rng(seed)
    W = rng.normal(size=(5, width)).astype(np.float32)
    b = rng.normal(size=width).astype(np.float32)
    X = rng.normal(size=(300, 5)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["x", "W"], ["xw"]),
            helper.make_node("Add", ["xw", "b"], ["logits"]),
        ],
        "linear",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 5])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [None, width])],
        initializer=[numpy_helper.from_array(W, "W"), numpy_helper.from_array(b, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    network = OnnxClassifier(model.SerializeToString(), output="logits")
    return FrozenEstimator(network), X, X @ W + b


@pytest.mark.parametrize(
    "width, problem, params",
    [
        (1, "binary", {}),
        (2, "binary", {}),
        (1, "binary", {"pos_label": "ham", "classes": ["spam", "ham"]}),
        (3, "multiclass", {"score_of": "z"}),
        (3, "multilabel", {"score_of": "y"}),
    ],
)
def test_onnx_export_of_bands_on_logit_networks(width, problem, params):
    """Check that exported bands on a logit network (cut at logit(cut); multiclass:
    the class's softmax probability) equal predict, tuned or fixed."""
    pytest.importorskip("skl2onnx")
    import onnxruntime as ort

    from sklabels.onnx import to_onnx

    frozen, X, z = _logit_network(width)
    params = dict(params)
    score_of = params.pop("score_of", None)
    if problem == "multilabel":
        classes = ["x", "y", "z"]
        y = (z > 0).astype(int)
    elif problem == "multiclass":
        classes = ["x", "y", "z"]
        y = np.array(classes)[z.argmax(1)]
    else:
        classes = params.pop("classes", ["ham", "spam"])
        score = z[:, 0] if width == 1 else z[:, 1] - z[:, 0]
        y = np.array(classes)[(score > 0).astype(int)]
    for bands in (
        Bands(NAMES, CUTS, score_of=score_of),
        Bands(NAMES, shares=[0.4, 0.3, 0.3], score_of=score_of),
    ):
        clf = ProbabilisticLabelClassifier(
            frozen, classes=classes, problem=problem, threshold=bands, **params
        ).fit(X[:150], y[:150])
        session = ort.InferenceSession(to_onnx(clf, X[:1]).SerializeToString())
        label = session.run(["label"], {session.get_inputs()[0].name: X[150:]})[0]
        assert label.tolist() == clf.predict(X[150:]).tolist()
        assert set(label.tolist()) == set(NAMES) or bands.fixed


def test_bands_on_dask_inputs_match_memory_fixed_and_tuned():
    """Check that fixed bands decode Dask blocks as in memory, that bands tuned in
    fit on Dask blocks have the cuts of the same fit in memory, and that certified
    bands on Dask inputs are refused with the fix."""
    da = pytest.importorskip("dask.array")
    X, y = make_classification(300, 5, random_state=0)
    frozen = FrozenEstimator(LogisticRegression().fit(X, y))
    X_blocks, y_blocks = da.from_array(X, chunks=(100, 5)), da.from_array(y, chunks=100)
    bands = Bands(NAMES, CUTS)
    clf = ProbabilisticLabelClassifier(frozen, threshold=bands).fit(X_blocks, y_blocks)
    expected = bands.labels(frozen.predict_proba(X)[:, 1])
    assert clf.predict(X_blocks).compute().tolist() == expected.tolist()
    p = da.from_array(frozen.predict_proba(X)[:, 1], chunks=100)
    assert decode(p, [0, 1], threshold=bands).compute().tolist() == expected.tolist()
    for tuned in (
        Bands(NAMES),
        Bands(
            NAMES, min_event_rate={"emergency": 0.8}, max_event_rate={"routine": 0.1}
        ),
    ):
        on_dask = ProbabilisticLabelClassifier(frozen, threshold=tuned)
        in_memory = ProbabilisticLabelClassifier(frozen, threshold=tuned)
        on_dask.fit(X_blocks, y_blocks)
        assert on_dask.bands_ == in_memory.fit(X, y).bands_
    certified = Bands(NAMES, min_event_rate={"emergency": 0.8}, confidence=0.9)
    with pytest.raises(ValueError, match="in memory"):
        ProbabilisticLabelClassifier(frozen, threshold=certified).fit(
            X_blocks, y_blocks
        )


def test_other_tuned_bands_set_after_fit_need_a_refit():
    """Check that set_params with other tuning targets does not reuse old cuts."""
    X, y = make_classification(200, 4, random_state=0)
    bands = Bands(NAMES, shares=[0.5, 0.3, 0.2])
    clf = ProbabilisticLabelClassifier(LogisticRegression(), threshold=bands).fit(X, y)
    clf.set_params(threshold=Bands(NAMES, shares=[0.2, 0.3, 0.5]))
    with pytest.raises(NotFittedError, match="call fit"):
        clf.predict(X)
    clf.set_params(threshold=Bands(NAMES, shares=[0.5, 0.3, 0.2]))  # an equal value
    assert (
        clf.predict(X).tolist()
        == clf.bands_.labels(clf.predict_proba(X)[:, 1]).tolist()
    )


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.integers(0, 10_000), st.permutations([0, 1, 2]))
def test_bands_follow_the_named_column_in_any_order(seed, order):
    """Check that multilabel scores whose named columns come in another order (a
    DataFrame) give the same bands of the label named by score_of."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    scores = rng.random((60, 3))
    names = np.array(["x", "y", "z"])
    bands = Bands(["low", "mid", "high"], cuts=[0.3, 0.7], score_of="y")
    base = decode(scores, names, problem="multilabel", threshold=bands)
    frame = pd.DataFrame(scores[:, order], columns=names[order])
    moved = decode(frame, names, problem="multilabel", threshold=bands)
    assert np.array_equal(moved, base)
    assert np.array_equal(base, bands.labels(scores[:, 1]))
