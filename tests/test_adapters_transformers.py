"""TransformersClassifier: a tiny BERT built locally (random weights, no download)."""

import pickle
import re
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.frozen import FrozenEstimator

from sklabels import ProbabilisticLabelClassifier
from sklabels.adapters import TransformersClassifier

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")
pytest.importorskip("tokenizers")

from _tiny_transformers import make_model, make_texts, make_tokenizer  # noqa: E402

TOPICS = ["sport", "tech", "food"]
# head: (names in output order, config.problem_type, problem)
HEADS = {
    "binary": (["sport", "tech"], "single_label_classification", "binary"),
    "multiclass": (TOPICS, "single_label_classification", "multiclass"),
    "multilabel": (TOPICS, "multi_label_classification", "multilabel"),
    "no-problem-type": (TOPICS, None, "multiclass"),
}


@pytest.fixture(scope="module")
def tokenizer():
    return make_tokenizer()


def logits_by_hand(model, tokenizer, texts):
    """The hand-written loop: tokenize, forward under no_grad, read .logits."""
    with torch.no_grad():
        batch = tokenizer(texts, padding=True, truncation=True, return_tensors="pt")
        return model.eval()(**batch).logits.numpy()


def decode_by_hand(logits, names, problem):
    if problem == "multilabel":
        return [tuple(np.array(names)[row].tolist()) for row in logits >= 0]
    return np.array(names)[logits.argmax(axis=1)]


def targets(texts, topics, problem, names):
    if problem == "multilabel":  # the topic, and "food" on texts that say "cake"
        return [
            tuple(n for n in names if n == t or (n == "food" and "cake" in text))
            for text, t in zip(texts, topics, strict=True)
        ]
    keep = np.isin(topics, names)
    return np.where(keep, topics, names[0])


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen", "fitted"])
@pytest.mark.parametrize("head", list(HEADS))
def test_transformers_head_decoded_with_model_names(tokenizer, head, frozen):
    """Check that predictions are the hand decode of the logits, named by id2label."""
    names, problem_type, problem = HEADS[head]
    model = make_model(names, problem_type)
    texts, topics = make_texts(40, seed=1)
    y = targets(texts, topics, problem, names)
    adapter = TransformersClassifier(model, tokenizer, epochs=1, batch_size=16)
    estimator = FrozenEstimator(adapter) if frozen else adapter
    clf = ProbabilisticLabelClassifier(estimator)  # no classes=, no problem=
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clf.fit(texts, y)
    assert clf.problem_ == problem
    assert_array_equal(clf.classes_, names)
    fitted = model if frozen else clf.estimator_.model_
    logits = logits_by_hand(fitted, tokenizer, texts)
    expected = decode_by_hand(logits, names, problem)
    predicted = clf.predict(texts)
    if problem == "multilabel":
        assert predicted == expected
    else:
        assert_array_equal(predicted, expected)


def test_transformers_frozen_tuned_thresholds_and_report(tokenizer):
    """Check the frozen flow: tuned thresholds, a report named by id2label."""
    model = make_model(TOPICS, "single_label_classification")
    texts, topics = make_texts(60, seed=2)
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(TransformersClassifier(model, tokenizer)), threshold="auto"
    ).fit(texts, topics)
    assert clf.thresholds_.shape == (3,)
    # A random tiny model may never predict a topic: precision 0 there, no warning.
    report = clf.classification_report(texts, topics, zero_division=0)
    assert all(name in report for name in TOPICS)


def test_transformers_classes_in_another_order_refused(tokenizer):
    """Check that classes= naming the model's labels in another order is an error."""
    model = make_model(TOPICS, "single_label_classification")
    texts, topics = make_texts(20)
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(TransformersClassifier(model, tokenizer)),
        classes=sorted(TOPICS),
    )
    with pytest.raises(ValueError, match=r"another order than its outputs"):
        clf.fit(texts, topics)
    clf.set_params(classes=TOPICS)
    assert_array_equal(clf.fit(texts, topics).classes_, TOPICS)


def test_transformers_batches_inputs_and_untouched_model(tokenizer):
    """Check that batch size and container change nothing, and the model is kept."""
    pd = pytest.importorskip("pandas")
    model = make_model(TOPICS, "single_label_classification").train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    texts, _ = make_texts(23)
    whole = TransformersClassifier(model, tokenizer, batch_size=64)
    reference = logits_by_hand(
        make_model(TOPICS, "single_label_classification"), tokenizer, texts
    )
    for X in (texts, np.array(texts, dtype=object), pd.Series(texts)):
        for batch_size in (1, 7, 64):
            adapter = clone(whole).set_params(batch_size=batch_size)
            assert_allclose(adapter.decision_function(X), reference, atol=1e-5)
    assert model.training  # predicting never switched the caller's module to eval
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    proba = whole.predict_proba(texts)
    assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)
    assert_array_equal(whole.label_names_, TOPICS)
    assert whole.problem_ == "multiclass"


def test_transformers_fit_trains_a_copy(tokenizer):
    """Check that fit fine-tunes a copy (loss falls) and leaves the model as it was."""
    model = make_model(TOPICS, "single_label_classification")
    before = {k: v.clone() for k, v in model.state_dict().items()}
    texts, topics = make_texts(48, seed=3)
    codes = np.array([TOPICS.index(topic) for topic in topics])
    adapter = TransformersClassifier(
        model, tokenizer, epochs=4, lr=3e-3, batch_size=16, random_state=0
    ).fit(texts, codes)
    assert adapter.history_[-1] < adapter.history_[0]
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())
    assert adapter.model_ is not model
    again = pickle.loads(pickle.dumps(adapter))
    assert_allclose(again.decision_function(texts), adapter.decision_function(texts))


@pytest.mark.parametrize(
    ("weight", "message"),
    [
        ([1.0, 2.0], r"has shape \(2,\), expected \(8,\)"),
        ([1.0] * 7 + [np.nan], "finite and non-negative"),
        ([1.0] * 7 + [-1.0], "finite and non-negative"),
        (0.0, "sums to zero"),
    ],
)
def test_transformers_fit_refuses_bad_sample_weight(tokenizer, weight, message):
    """Check that fit refuses sample weights of the wrong length, NaN, negative or
    all zero, naming the adapter, as the other trainable adapters do."""
    texts, topics = make_texts(8, seed=5)
    codes = np.array([TOPICS.index(topic) for topic in topics])
    adapter = TransformersClassifier(make_model(TOPICS, None), tokenizer, epochs=1)
    with pytest.raises(ValueError, match="TransformersClassifier: sample_weight"):
        adapter.fit(texts, codes, sample_weight=weight)
    with pytest.raises(ValueError, match=message):
        adapter.fit(texts, codes, sample_weight=weight)


@pytest.mark.parametrize(
    ("X", "error", "message"),
    [
        ("one text", TypeError, "one string; pass a list"),
        ([1.0, 2.0], TypeError, "must hold texts"),
        ([], ValueError, "holds no texts"),
    ],
)
def test_transformers_bad_inputs(tokenizer, X, error, message):
    """Check that inputs that are not texts are refused with the fix."""
    adapter = TransformersClassifier(make_model(TOPICS, None), tokenizer)
    with pytest.raises(error, match=message):
        adapter.decision_function(X)


def test_transformers_missing_library_names_the_extra(tokenizer, monkeypatch):
    """Check that without transformers the error names the extra to install."""
    adapter = TransformersClassifier(make_model(TOPICS, None), tokenizer)
    monkeypatch.setitem(sys.modules, "transformers", None)
    with pytest.raises(ImportError, match=r'pip install "sklabels\[transformers\]"'):
        adapter.decision_function(["ball goal"])


def _multilabel_y(texts, topics):
    return targets(texts, topics, "multilabel", TOPICS)


@pytest.mark.parametrize("frozen", [True, False], ids=["frozen", "fitted"])
@pytest.mark.parametrize(
    ("problem_type", "adapter_problem", "multilabel_y", "source"),
    [
        ("single_label_classification", "auto", True, "config.problem_type"),
        ("multi_label_classification", "auto", False, "config.problem_type"),
        (None, "multiclass", True, "problem='multiclass'"),
        ("single_label_classification", "multilabel", False, "problem='multilabel'"),
    ],
    ids=[
        "softmax-head-multilabel-y",
        "sigmoid-head-1d-y",
        "explicit-mc",
        "explicit-ml",
    ],
)
def test_transformers_declared_head_disagreeing_with_y_is_refused(
    tokenizer, frozen, problem_type, adapter_problem, multilabel_y, source
):
    """Check that a head declared by config.problem_type or problem= that y
    contradicts is an error naming its source, never another activation."""
    texts, topics = make_texts(20, seed=1)
    y = _multilabel_y(texts, topics) if multilabel_y else topics
    model = make_model(TOPICS, problem_type)
    adapter = TransformersClassifier(
        model, tokenizer, problem=adapter_problem, epochs=1
    )
    clf = ProbabilisticLabelClassifier(FrozenEstimator(adapter) if frozen else adapter)
    with pytest.raises(ValueError, match=rf"{re.escape(source)}.*but y is"):
        clf.fit(texts, y)


def test_transformers_explicit_problem_wins_over_config(tokenizer):
    """Check that the adapter's problem= chooses the head over config.problem_type."""
    texts, topics = make_texts(20, seed=1)
    model = make_model(TOPICS, "single_label_classification")
    adapter = TransformersClassifier(model, tokenizer, problem="multilabel")
    assert adapter.problem_ == "multilabel"
    logits = logits_by_hand(model, tokenizer, texts)
    assert_allclose(adapter.predict_proba(texts), 1 / (1 + np.exp(-logits)), atol=1e-6)
    clf = ProbabilisticLabelClassifier(FrozenEstimator(adapter))
    clf.fit(texts, _multilabel_y(texts, topics))
    assert clf.problem_ == "multilabel"
    assert clf.predict(texts) == decode_by_hand(logits, TOPICS, "multilabel")
