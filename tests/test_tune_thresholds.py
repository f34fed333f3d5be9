"""``tune_thresholds``: exact against brute force, every objective and problem kind."""

import json
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    fbeta_score,
    jaccard_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
)

from sklabels import (
    Cost,
    FBeta,
    FewPositivesWarning,
    PrecisionAtRecall,
    RecallAtPrecision,
    UnreachableConstraintWarning,
    decode,
    tune_thresholds,
)
from sklabels._objectives import OBJECTIVES, precision, recall

OBJECTIVE_CASES = {
    **OBJECTIVES,
    "fbeta_half": FBeta(0.5),
    "fbeta_2": FBeta(2),
    "cost_fn5": Cost(fp=1, fn=5),
    "recall_at_precision": RecallAtPrecision(0.6),
    "precision_at_recall": PrecisionAtRecall(0.6),
    "callable": lambda tp, fp, fn, tn: tp - 0.5 * fp,  # net benefit
}


def counts_at(scores, truth, weight, cut):
    pred = scores >= cut
    return [
        np.array([np.sum(weight * mask)])
        for mask in (pred & truth, pred & ~truth, ~pred & truth, ~pred & ~truth)
    ]


def brute_force(scores, truth, weight, objective):
    """Best value over every distinct cut and 'predict nothing', by direct counting.

    With probabilities, 'predict nothing' needs a threshold above the top score, which
    exists in [0, 1] only when that score is below 1.
    """
    cuts = [*np.unique(scores)]
    if np.max(scores) < 1:
        cuts.append(np.inf)
    values = [
        float(objective(*counts_at(scores, truth, weight, cut))[0]) for cut in cuts
    ]
    return max(values)


@st.composite
def tied_binary(draw):
    n = draw(st.integers(4, 60))
    levels = draw(st.integers(1, 6))  # few distinct scores: heavy ties
    scores = np.array(draw(st.lists(st.integers(0, levels), min_size=n, max_size=n)))
    truth = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    truth[:2] = [True, False]  # both classes present
    weight = np.array(
        draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), min_size=n, max_size=n))
    )
    return scores / levels, truth, weight


# Independent oracles: scikit-learn's metrics at the tuned threshold.
SKLEARN_METRICS = {
    "f1": lambda y, p, w: f1_score(y, p, sample_weight=w, zero_division=0),
    "fbeta_half": lambda y, p, w: fbeta_score(
        y, p, beta=0.5, sample_weight=w, zero_division=0
    ),
    "fbeta_2": lambda y, p, w: fbeta_score(
        y, p, beta=2, sample_weight=w, zero_division=0
    ),
    "jaccard": lambda y, p, w: jaccard_score(y, p, sample_weight=w, zero_division=0),
    "mcc": lambda y, p, w: matthews_corrcoef(y, p, sample_weight=w),
    "accuracy": lambda y, p, w: accuracy_score(y, p, sample_weight=w),
    "balanced_accuracy": lambda y, p, w: balanced_accuracy_score(y, p, sample_weight=w),
    "recall_at_precision": lambda y, p, w: recall_score(
        y, p, sample_weight=w, zero_division=0
    ),
    "precision_at_recall": lambda y, p, w: precision_score(
        y, p, sample_weight=w, zero_division=0
    ),
}


def _constant(scores):
    return scores.min() == scores.max()


@pytest.mark.parametrize("name", sorted(OBJECTIVE_CASES))
@settings(max_examples=60, deadline=None)
@given(problem=tied_binary())
def test_binary_tuning_equals_brute_force(name, problem):
    """Check the tuned value is the brute-force maximum, agrees with scikit-learn's
    metric at the tuned threshold, and a constant column keeps the default."""
    scores, truth, weight = problem
    objective = OBJECTIVE_CASES[name]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = tune_thresholds(
            truth.astype(int), scores, scoring=objective, sample_weight=weight
        )
    pred = scores >= result.thresholds
    achieved = objective(*counts_at(scores, truth, weight, result.thresholds))[0]
    if name in SKLEARN_METRICS:
        reference = SKLEARN_METRICS[name](truth, pred, weight)
        assert result.best_score == pytest.approx(reference, abs=1e-9)
    labels = decode(scores, [0, 1], threshold=result.thresholds)
    assert np.array_equal(labels == 1, pred)
    if _constant(scores):  # nothing separates the samples: the default is kept
        assert result.thresholds == 0.5
        assert any(issubclass(w.category, FewPositivesWarning) for w in caught)
        return
    expected = brute_force(scores, truth, weight, objective)
    if expected == -np.inf:  # no cut meets the floor: the closest one, warned
        assert any(issubclass(w.category, UnreachableConstraintWarning) for w in caught)
        assert np.isfinite(result.best_score)
        return
    assert result.best_score == pytest.approx(expected, abs=1e-9)
    assert float(achieved) == pytest.approx(expected, abs=1e-9)


@settings(max_examples=40, deadline=None)
@given(
    problem=tied_binary(),
    name=st.sampled_from(["f1", "mcc", "jaccard", "youden"]),
)
def test_multilabel_macro_tunes_each_label_and_micro_pools(problem, name):
    """Check that macro tunes every column alone and micro pools all the cells."""
    scores, truth, weight = problem
    objective = OBJECTIVES[name]
    rng = np.random.default_rng(len(scores))
    perm = rng.permutation(len(scores))
    matrix = np.column_stack([scores, scores[perm], 1 - scores])
    hits = np.column_stack([truth, truth[perm], truth])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewPositivesWarning)
        macro = tune_thresholds(
            hits.astype(int),
            matrix,
            problem="multilabel",
            scoring=name,
            sample_weight=weight,
        )
        micro = tune_thresholds(
            hits.astype(int),
            matrix,
            problem="multilabel",
            scoring=name,
            average="micro",
            sample_weight=weight,
        )
    for j in range(3):
        if _constant(matrix[:, j]):  # not tuned: the default is kept
            assert macro.thresholds[j] == 0.5
            continue
        expected = brute_force(matrix[:, j], hits[:, j], weight, objective)
        assert macro.class_scores[j] == pytest.approx(expected, abs=1e-9)
    assert macro.best_score == pytest.approx(np.mean(list(macro.class_scores.values())))
    assert np.all(micro.thresholds == micro.thresholds[0])
    if _constant(matrix):
        assert micro.thresholds[0] == 0.5
        return
    pooled = brute_force(matrix.ravel(), hits.ravel(), np.repeat(weight, 3), objective)
    assert micro.best_score == pytest.approx(pooled, abs=1e-9)


MULTICLASS_METRICS = {
    "f1": lambda y, p, w, k: f1_score(
        y, p, average="macro", sample_weight=w, labels=np.arange(k), zero_division=0
    ),
    "accuracy": lambda y, p, w, k: accuracy_score(y, p, sample_weight=w),
    "balanced_accuracy": lambda y, p, w, k: balanced_accuracy_score(
        y, p, sample_weight=w
    ),
}


@pytest.mark.parametrize("scoring", sorted(MULTICLASS_METRICS))
@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    k=st.integers(2, 6),
    rounded=st.booleans(),
    weighted=st.booleans(),
    logits=st.booleans(),
)
def test_multiclass_ascent_matches_sklearn_and_never_ends_below_argmax(
    scoring, seed, k, rounded, weighted, logits
):
    """Check the reported value against scikit-learn's metric of decode's labels."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(3 * k, 300))
    y = np.r_[np.arange(k), rng.integers(0, k, n - k)]  # every class present
    proba = rng.dirichlet(np.ones(k), n)
    proba[np.arange(n), y] += rng.random()
    proba /= proba.sum(axis=1, keepdims=True)
    if rounded:  # heavy ties
        proba = np.round(proba, 1) + 1e-9
        proba /= proba.sum(axis=1, keepdims=True)
    weight = rng.choice([0.5, 1.0, 2.0], n) if weighted else None
    scores = np.log(proba) + rng.normal(size=(n, 1)) if logits else proba
    classes = np.arange(k)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewPositivesWarning)
        result = tune_thresholds(
            y,
            scores,
            problem="multiclass",
            classes=classes,
            scoring=scoring,
            sample_weight=weight,
            from_logits=logits,
        )
    metric = MULTICLASS_METRICS[scoring]
    tuned = decode(
        scores,
        classes,
        problem="multiclass",
        threshold=result.thresholds,
        from_logits=logits,
    )
    plain = decode(scores, classes, problem="multiclass", from_logits=logits)
    assert metric(y, tuned, weight, k) == pytest.approx(result.best_score, abs=1e-9)
    assert metric(y, plain, weight, k) == pytest.approx(result.start_score, abs=1e-9)
    assert result.best_score >= result.start_score - 1e-12
    assert np.all(result.thresholds > 0) and np.max(result.thresholds) == 0.5


def test_threshold_is_a_midpoint_and_the_docstring_example_holds():
    """Check the midpoint rule on a small case, and that decode agrees."""
    y_val = ["ham", "spam", "spam", "ham", "spam", "ham"]
    p_spam = [0.10, 0.35, 0.80, 0.30, 0.60, 0.20]
    with pytest.warns(FewPositivesWarning, match="fewer than 10 positives"):
        result = tune_thresholds(y_val, p_spam, pos_label="spam", return_curves=True)
    assert result.thresholds == pytest.approx(0.325)  # between 0.30 and 0.35
    assert result.best_score == 1.0 and result.start_score == pytest.approx(0.8)
    assert result.pos_label == "spam" and result.problem == "binary"
    labels = decode(p_spam, ["ham", "spam"], threshold=result.thresholds)
    assert labels.tolist() == y_val
    curve = result.curves["spam"]
    assert curve.best_threshold == result.thresholds
    assert np.all(np.diff(curve.thresholds) < 0)  # decreasing cuts
    assert curve.scores.max() == result.best_score
    assert curve.precision.shape == curve.recall.shape == curve.thresholds.shape


def test_from_logits_gives_probability_thresholds_with_the_same_labels():
    """Check that logits tune to probability thresholds that decode identically."""
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(500, 4)) * 3
    truth = (logits + rng.normal(size=logits.shape) * 2 > 1).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewPositivesWarning)
        from_logits = tune_thresholds(
            truth, logits, problem="multilabel", from_logits=True
        )
        from_proba = tune_thresholds(
            truth, 1 / (1 + np.exp(-logits)), problem="multilabel"
        )
    assert np.all((from_logits.thresholds > 0) & (from_logits.thresholds < 1))
    np.testing.assert_allclose(from_logits.best_score, from_proba.best_score)
    classes = ["a", "b", "c", "d"]
    a = decode(
        logits,
        classes,
        problem="multilabel",
        from_logits=True,
        threshold=from_logits.thresholds,
    )
    b = decode(1 / (1 + np.exp(-logits)), classes, threshold=from_proba.thresholds)
    assert a == b


def test_recall_at_precision_meets_the_floor_with_the_highest_recall():
    """Check the constrained objective against a direct search."""
    rng = np.random.default_rng(1)
    truth = rng.random(400) < 0.3
    scores = np.clip(truth * 0.3 + rng.random(400) * 0.7, 0, 1)
    result = tune_thresholds(truth.astype(int), scores, scoring=RecallAtPrecision(0.8))
    pred = scores >= result.thresholds
    counts = [np.sum(m) for m in (pred & truth, pred & ~truth, ~pred & truth)]
    assert precision(counts[0], counts[1], counts[2], 0) >= 0.8
    best = max(
        recall(*(np.sum(m) for m in (p & truth, p & ~truth, ~p & truth)), 0)
        for p in (scores >= c for c in np.unique(scores))
        if precision(np.sum(p & truth), np.sum(p & ~truth), 0, 0) >= 0.8
    )
    assert result.best_score == pytest.approx(best)


def test_unreachable_constraint_warns_with_the_best_reachable_value():
    """Check the warning names the best precision and that threshold is used."""
    truth = np.array([1, 0, 1, 0, 1, 0, 0, 1, 0, 0] * 3)
    scores = np.array([0.9, 0.9, 0.8, 0.8, 0.7, 0.7, 0.6, 0.5, 0.4, 0.3] * 3)
    with pytest.warns(UnreachableConstraintWarning, match=r"best reachable is 0\.5"):
        result = tune_thresholds(truth, scores, scoring=RecallAtPrecision(0.99))
    pred = scores >= result.thresholds
    assert np.sum(pred & (truth == 1)) / np.sum(pred) == pytest.approx(0.5)


def test_class_without_positives_keeps_the_default_and_warns():
    """Check that a label never on in the tuning data is not tuned."""
    truth = np.zeros((50, 2), dtype=int)
    truth[::3, 0] = 1
    scores = np.random.default_rng(2).random((50, 2))
    with pytest.warns(FewPositivesWarning, match="no positive"):
        result = tune_thresholds(
            truth, scores, problem="multilabel", classes=["x", "never"]
        )
    assert result.thresholds[1] == 0.5


def test_result_to_dict_is_json_ready():
    """Check that the summary serialises (the CLI writes it)."""
    rng = np.random.default_rng(3)
    y = rng.choice(["cat", "dog", "bird"], 300)
    proba = rng.dirichlet(np.ones(3), 300)
    summary = tune_thresholds(y, proba, classes=["cat", "dog", "bird"]).to_dict()
    text = json.dumps(summary)
    assert json.loads(text)["classes"] == ["cat", "dog", "bird"]
    assert len(summary["thresholds"]) == 3 and summary["problem"] == "multiclass"


def test_float32_scores_tune_exactly():
    """Check that float32 scores tune to thresholds the float32 rule reproduces."""
    rng = np.random.default_rng(4)
    scores = rng.random((1000, 3)).astype(np.float32)
    truth = (scores + rng.normal(scale=0.3, size=scores.shape) > 0.7).astype(int)
    result = tune_thresholds(truth, scores, problem="multilabel")
    labels = decode(scores, [0, 1, 2], threshold=result.thresholds)
    f1 = f1_score(truth, _indicator(labels, 3), average="macro")
    assert f1 == pytest.approx(result.best_score, abs=1e-12)


def _indicator(label_sets, k):
    out = np.zeros((len(label_sets), k), dtype=int)
    for i, labels in enumerate(label_sets):
        out[i, list(labels)] = 1
    return out


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"scoring": "f2"}, ValueError, "not a known objective"),
        ({"scoring": 3}, TypeError, "scoring must be"),
        ({"average": "weighted"}, ValueError, "'average' parameter .* among"),
        ({"problem": "ordinal"}, ValueError, "'problem' parameter .* among"),
        ({"from_logits": "yes"}, TypeError, "'from_logits' parameter .* 'bool'"),
        ({"scoring": lambda tp, fp, fn, tn: tp / (tp + fp)}, ValueError, "NaN"),
        ({"scoring": lambda tp, fp, fn, tn: np.ones(3)}, ValueError, "elementwise"),
        ({"sample_weight": [1.0, 2.0]}, ValueError, "sample_weight"),
    ],
)
def test_bad_options_raise_clear_errors(kwargs, error, match):
    """Check that each bad option names itself and the fix."""
    y = np.array([0, 1, 1, 0, 1, 0, 0, 1])
    scores = np.linspace(0.1, 0.9, 8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewPositivesWarning)
        with pytest.raises(error, match=match), np.errstate(invalid="ignore"):
            tune_thresholds(y, scores, **kwargs)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: FBeta(0), "beta must be a number > 0"),
        (lambda: FBeta(float("nan")), "beta must be"),
        (lambda: Cost(fp="high"), "finite number"),
        (lambda: RecallAtPrecision(1.5), r"min_precision must be a number in \(0, 1\]"),
        (lambda: PrecisionAtRecall(0), "min_recall"),
    ],
)
def test_bad_objective_parameters(make, match):
    """Check that objective constructors validate their parameters."""
    with pytest.raises(ValueError, match=match):
        make()


def test_constraint_in_multiclass_is_refused_with_the_alternative():
    """Check the multiclass refusal names the binary route."""
    y = np.array([0, 1, 2] * 10)
    proba = np.random.default_rng(5).dirichlet(np.ones(3), 30)
    with pytest.raises(ValueError, match="pos_label"):
        tune_thresholds(y, proba, scoring=RecallAtPrecision(0.9))


def test_scores_with_wrong_width_name_the_classes():
    """Check a scores/labels mismatch is reported, not mis-tuned."""
    y = ["a", "b", "c", "a", "b", "c"]
    with pytest.raises(ValueError, match="4 column"):
        tune_thresholds(y, np.full((6, 4), 0.25))


def test_inputs_are_not_modified():
    """Check that scores, labels and weights come back untouched."""
    rng = np.random.default_rng(6)
    y = rng.integers(0, 3, 100)
    proba = rng.dirichlet(np.ones(3), 100)
    weight = rng.random(100)
    copies = [a.copy() for a in (y, proba, weight)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FewPositivesWarning)
        tune_thresholds(y, proba, sample_weight=weight)
    for original, copy in zip((y, proba, weight), copies, strict=True):
        np.testing.assert_array_equal(original, copy)


def test_curves_kept_only_when_asked_and_the_thresholds_do_not_change():
    """Check that curves are left out by default, kept with return_curves=True, and
    that the thresholds and values are the same either way."""
    rng = np.random.default_rng(7)
    truth = (rng.random((300, 4)) < 0.3).astype(int)
    scores = rng.random((300, 4))
    full = tune_thresholds(truth, scores, problem="multilabel", return_curves=True)
    lean = tune_thresholds(truth, scores, problem="multilabel")
    assert lean.curves == {} and len(full.curves) == 4
    np.testing.assert_array_equal(lean.thresholds, full.thresholds)
    assert lean.best_score == full.best_score
    assert lean.class_scores == full.class_scores
    assert lean.start_score == full.start_score


def test_micro_class_scores_of_logits_are_read_at_the_logit_cut():
    """Check each label's score under a shared micro threshold on logits is its F1."""
    rng = np.random.default_rng(11)
    y = (rng.random((300, 3)) < 0.4).astype(int)
    logits = rng.normal(size=(300, 3)) + 2 * y - 1
    result = tune_thresholds(
        y, logits, problem="multilabel", from_logits=True, average="micro"
    )
    pred = decode(
        logits,
        [0, 1, 2],
        problem="multilabel",
        from_logits=True,
        threshold=result.thresholds,
    )
    for j in range(3):
        on = np.array([j in row for row in pred])
        assert result.class_scores[j] == pytest.approx(f1_score(y[:, j], on))
