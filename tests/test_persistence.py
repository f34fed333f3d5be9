"""Fitted estimators saved with skops.io and loaded back predict the same labels."""

import importlib
import os

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

from sklabels import (
    AtLeast,
    Bands,
    Cost,
    CostMatrix,
    FBeta,
    PrecisionAtRecall,
    ProbabilisticLabelClassifier,
    RecallAtPrecision,
)
from sklabels.adapters import FunctionClassifier
from sklabels.persistence import trusted_types

sio = pytest.importorskip("skops.io")

X, y = make_classification(200, n_features=6, n_informative=4, random_state=0)
X3, y3 = make_classification(
    240, n_features=6, n_informative=4, n_classes=3, random_state=0
)
Y = np.column_stack([y, X[:, 0] > 0, X[:, 1] > 0]).astype(int)
LABEL_SETS = [
    tuple(name for name, on in zip("abc", row, strict=True) if on) for row in Y
]
COSTS = np.array([[0, 1, 4], [2, 0, 1], [3, 1, 0]], dtype=float)


def softmax_of_first_columns(X):
    """A module-level function: skops saves it by name, so it can be loaded."""
    z = np.asarray(X, dtype=float)[:, :3]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _name(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


def _round_trip(clf, X, extra=()):
    data = sio.dumps(clf)
    return sio.loads(data, trusted=trusted_types() + list(extra))


def _assert_same_predictions(clf, loaded, X):
    expected, got = clf.predict(X), loaded.predict(X)
    if isinstance(expected, list):
        assert got == expected
    else:
        np.testing.assert_array_equal(got, expected)
        assert got.dtype == expected.dtype
    np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))


CONFIGURATIONS = {
    "binary": lambda: (ProbabilisticLabelClassifier(LogisticRegression()), X, y),
    "binary-string-pos-label": lambda: (
        ProbabilisticLabelClassifier(LogisticRegression(), pos_label="no"),
        X,
        np.where(y == 1, "yes", "no"),
    ),
    "multiclass": lambda: (ProbabilisticLabelClassifier(LogisticRegression()), X3, y3),
    "multilabel-indicator": lambda: (
        ProbabilisticLabelClassifier(OneVsRestClassifier(LogisticRegression())),
        X,
        Y,
    ),
    "multilabel-label-sets": lambda: (
        ProbabilisticLabelClassifier(OneVsRestClassifier(LogisticRegression())),
        X,
        LABEL_SETS,
    ),
    "auto-exact": lambda: (
        ProbabilisticLabelClassifier(
            LogisticRegression(), threshold="auto", tuning="exact"
        ),
        X,
        y,
    ),
    "auto-robust": lambda: (
        ProbabilisticLabelClassifier(LogisticRegression(), threshold="auto"),
        X3,
        y3,
    ),
    **{
        f"auto-{type(objective).__name__}": (
            lambda objective=objective: (
                ProbabilisticLabelClassifier(
                    LogisticRegression(), threshold="auto", scoring=objective
                ),
                X,
                y,
            )
        )
        for objective in (
            FBeta(2),
            Cost(fp=1, fn=10),
            RecallAtPrecision(0.8),
            PrecisionAtRecall(0.8),
        )
    },
    "reject-auto": lambda: (
        ProbabilisticLabelClassifier(
            LogisticRegression(),
            reject_threshold="auto",
            reject_coverage=0.9,
            reject_label=-1,
        ),
        X3,
        y3,
    ),
    "auto-certified": lambda: (
        ProbabilisticLabelClassifier(
            LogisticRegression(),
            threshold="auto",
            scoring=RecallAtPrecision(AtLeast(0.8, confidence=0.9)),
            cv=0.5,
            refit=False,
        ),
        X,
        y,
    ),
    "reject-certified": lambda: (
        ProbabilisticLabelClassifier(
            LogisticRegression(),
            reject_threshold="auto",
            reject_accuracy=AtLeast(0.9, confidence=0.9),
            reject_label=-1,
            cv=0.5,
            refit=False,
        ),
        X3,
        y3,
    ),
    "cost-matrix-abstain": lambda: (
        ProbabilisticLabelClassifier(
            LogisticRegression(),
            threshold="auto",
            scoring=CostMatrix(COSTS, reject_cost=0.5),
            reject_label=-1,
        ),
        X3,
        y3,
    ),
    "costs-fixed-abstain": lambda: (
        ProbabilisticLabelClassifier(
            LogisticRegression(), costs=COSTS, reject_cost=0.5, reject_label=-1
        ),
        X3,
        y3,
    ),
    "priors": lambda: (
        ProbabilisticLabelClassifier(LogisticRegression(), priors=[0.2, 0.3, 0.5]),
        X3,
        y3,
    ),
    "bands-tuned": lambda: (
        ProbabilisticLabelClassifier(
            LogisticRegression(), threshold=Bands(["low", "mid", "high"])
        ),
        X,
        y,
    ),
    "bands-certified": lambda: (
        ProbabilisticLabelClassifier(
            LogisticRegression(),
            threshold=Bands(
                ["low", "mid", "high"], min_event_rate={"high": 0.6}, confidence=0.9
            ),
        ),
        X,
        y,
    ),
    "saved-decision-costs-priors": lambda: (
        ProbabilisticLabelClassifier(
            LogisticRegression(),
            threshold=ProbabilisticLabelClassifier(
                LogisticRegression(),
                costs=COSTS,
                reject_cost=0.5,
                reject_label=-1,
                priors=[0.2, 0.3, 0.5],
            )
            .fit(X3, y3)
            .decision_,
        ),
        X3,
        y3,
    ),
    "saved-decision-bands": lambda: (
        ProbabilisticLabelClassifier(
            LogisticRegression(),
            threshold=ProbabilisticLabelClassifier(
                LogisticRegression(), threshold=Bands(["low", "mid", "high"])
            )
            .fit(X, y)
            .decision_,
        ),
        X,
        y,
    ),
    "function": lambda: (
        ProbabilisticLabelClassifier(
            FrozenEstimator(FunctionClassifier(softmax_of_first_columns)),
            classes=[0, 1, 2],
        ),
        X3,
        softmax_of_first_columns(X3).argmax(axis=1),  # y the function agrees with
    ),
}


@pytest.mark.parametrize("name", sorted(CONFIGURATIONS))
@pytest.mark.filterwarnings(
    "ignore::sklabels.NotCertifiedWarning"  # small data: the safe rule round-trips
)
def test_skops_round_trip_predicts_the_same(name):
    """Check that a fitted estimator loaded with trusted_types() predicts the same."""
    clf, X_fit, y_fit = CONFIGURATIONS[name]()
    clf.fit(X_fit, y_fit)
    extra = [_name(softmax_of_first_columns)] if name == "function" else []
    data = sio.dumps(clf)
    untrusted = set(sio.get_untrusted_types(data=data))
    assert untrusted - set(extra) <= set(trusted_types())
    loaded = sio.loads(data, trusted=trusted_types() + extra)
    _assert_same_predictions(clf, loaded, X_fit)


def test_skops_round_trip_function_of_a_bound_method():
    """Check that FunctionClassifier(model.predict_proba) loads, its method trusted."""
    model = LogisticRegression().fit(X3, y3)
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(FunctionClassifier(model.predict_proba)), classes=[0, 1, 2]
    ).fit(X3, y3)
    method = _name(LogisticRegression.predict_proba)
    loaded = _round_trip(clf, X3, extra=[_name(LogisticRegression), method])
    _assert_same_predictions(clf, loaded, X3)


def test_skops_loaded_estimator_reads_new_parameters():
    """Check that set_params after loading applies (the predict-time cache is new)."""
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    clf.predict(X)  # fills the cache before saving
    loaded = _round_trip(clf, X)
    for estimator in (clf, loaded):
        estimator.set_params(threshold=0.9)
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))
    assert (loaded.predict(X) == 1).sum() < (loaded.predict(X) == 0).sum()


def test_skops_round_trip_keeps_tuned_intervals():
    """Check that a tuned estimator's thresholds and their intervals survive."""
    clf = ProbabilisticLabelClassifier(LogisticRegression(), threshold="auto")
    clf.fit(X, y)
    loaded = _round_trip(clf, X)
    np.testing.assert_array_equal(loaded.thresholds_, clf.thresholds_)
    np.testing.assert_array_equal(loaded.thresholds_interval_, clf.thresholds_interval_)


@pytest.mark.filterwarnings(
    "ignore::sklabels.NotCertifiedWarning"  # small data: the safe rule round-trips
)
def test_trusted_types_are_all_needed():
    """Check that trusted_types() lists exactly what the configurations above need."""
    needed = set()
    for make in CONFIGURATIONS.values():
        clf, X_fit, y_fit = make()
        needed |= set(sio.get_untrusted_types(data=sio.dumps(clf.fit(X_fit, y_fit))))
    needed.discard(_name(softmax_of_first_columns))
    adapters = {name for name in trusted_types() if ".adapters." in name}
    assert needed | adapters == set(trusted_types())


def test_trusted_types_are_importable():
    """Check that every trusted type name names a class that exists."""
    for name in trusted_types():
        module, _, attribute = name.rpartition(".")
        assert isinstance(getattr(importlib.import_module(module), attribute), type)


def test_saving_does_not_change_the_fitted_estimator():
    """Check that saving leaves the estimator as it was, caches included."""
    clf = ProbabilisticLabelClassifier(LogisticRegression()).fit(X, y)
    clf.predict(X)
    before = set(vars(clf))
    sio.dumps(clf)
    assert set(vars(clf)) == before
    assert clf._decision_cache[0] is not None


# ------------------------------------------------------------------- networks
torch = pytest.importorskip("torch")


class TinyNet(torch.nn.Module):
    """A module-level class: the trained adapter rebuilds it by name."""

    def __init__(self, n_classes=3):
        super().__init__()
        self.linear = torch.nn.Linear(6, n_classes)

    def forward(self, x):
        return self.linear(x)


def test_skops_round_trip_frozen_torch_module_instance():
    """Check that a frozen TorchClassifier around an nn.Sequential round-trips."""
    from sklabels.adapters import TorchClassifier

    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(6, 8), torch.nn.ReLU(), torch.nn.Linear(8, 3)
    )
    adapter = TorchClassifier(net, output="logits")
    clf = ProbabilisticLabelClassifier(FrozenEstimator(adapter), classes=[0, 1, 2])
    clf.fit(X3, y3)
    layers = [_name(t) for t in (torch.nn.Sequential, torch.nn.Linear, torch.nn.ReLU)]
    data = sio.dumps(clf)
    untrusted = set(sio.get_untrusted_types(data=data))
    assert untrusted - set(trusted_types()) == set(layers)
    loaded = sio.loads(data, trusted=trusted_types() + layers)
    _assert_same_predictions(clf, loaded, X3)
    assert adapter.module is net  # the user's module is not replaced by saving


def test_skops_round_trip_trained_torch_module_class():
    """Check that a TorchClassifier trained from a module class round-trips."""
    from sklabels.adapters import TorchClassifier

    adapter = TorchClassifier(TinyNet, epochs=3, random_state=0)
    clf = ProbabilisticLabelClassifier(adapter).fit(X3, y3)
    loaded = _round_trip(clf, X3, extra=[_name(TinyNet)])
    _assert_same_predictions(clf, loaded, X3)


def test_skops_round_trip_onnx():
    """Check that an OnnxClassifier built on ONNX bytes round-trips."""
    skl2onnx = pytest.importorskip("skl2onnx")
    pytest.importorskip("onnxruntime")
    from sklabels.adapters import OnnxClassifier

    model = LogisticRegression().fit(X3, y3)
    onnx_bytes = skl2onnx.to_onnx(
        model, X3[:1].astype(np.float32), options={"zipmap": False}
    ).SerializeToString()
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(OnnxClassifier(onnx_bytes)), classes=[0, 1, 2]
    ).fit(X3, y3)
    _assert_same_predictions(clf, _round_trip(clf, X3), X3)


def test_skops_round_trip_keras():
    """Check that a trained KerasClassifier round-trips (saved as a .keras archive)."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    from sklabels.adapters import KerasClassifier

    model = keras.Sequential(
        [keras.Input((6,)), keras.layers.Dense(3, activation="softmax")]
    )
    adapter = KerasClassifier(model, epochs=2, random_state=0)
    clf = ProbabilisticLabelClassifier(adapter).fit(X3, y3)
    _assert_same_predictions(clf, _round_trip(clf, X3), X3)


def test_skops_round_trip_frozen_keras():
    """Check that a frozen KerasClassifier around a handed-in model round-trips."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    from sklabels.adapters import KerasClassifier

    trained = LogisticRegression().fit(X3, y3)  # its weights: a pretrained network
    model = keras.Sequential([keras.Input((6,)), keras.layers.Dense(3)])
    model.layers[0].set_weights([trained.coef_.T, trained.intercept_])
    adapter = KerasClassifier(model, output="logits")
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(adapter), classes=[0, 1, 2], threshold="auto"
    ).fit(X3, y3)
    loaded = _round_trip(clf, X3)
    _assert_same_predictions(clf, loaded, X3)
    assert len(set(clf.predict(X3))) > 1
    assert adapter.model is model


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen", "fine-tuned"])
def test_skops_round_trip_transformers(frozen):
    """Check that a TransformersClassifier (frozen, or fine-tuned in fit) loads with
    trusted_types() alone: model and tokenizer saved as their save_pretrained files,
    the user's model left as it was."""
    pytest.importorskip("transformers")
    pytest.importorskip("tokenizers")
    import sys

    sys.path.insert(0, os.path.dirname(__file__))
    from _tiny_transformers import make_model, make_texts, make_tokenizer

    from sklabels.adapters import TransformersClassifier

    texts, topics = make_texts(60, seed=1)
    model = make_model(["sport", "tech", "food"])
    before = {k: v.clone() for k, v in model.state_dict().items()}
    training = {"epochs": 4, "lr": 3e-3, "batch_size": 16, "random_state": 0}
    adapter = TransformersClassifier(model, make_tokenizer(), **training)
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(adapter) if frozen else adapter,
        threshold="auto" if frozen else None,  # frozen: tuned on these texts
    ).fit(texts, topics)
    data = sio.dumps(clf)
    assert set(sio.get_untrusted_types(data=data)) <= set(trusted_types())
    loaded = sio.loads(data, trusted=trusted_types())
    _assert_same_predictions(clf, loaded, texts)  # probabilities equal too
    if frozen:  # tuned on these texts: more than one topic predicted
        assert len(set(clf.predict(texts))) > 1
    else:  # the fine-tuned copy is the one saved, not the model passed in
        tuned = loaded.estimator_.model_.state_dict()
        assert any(not torch.equal(tuned[k], v) for k, v in before.items())
    assert adapter.model is model
    assert all(torch.equal(v, model.state_dict()[k]) for k, v in before.items())
