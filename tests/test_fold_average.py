"""The fold-averaged curve: brute force, the single-curve engine, scikit-learn."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.datasets import load_breast_cancer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, TunedThresholdClassifierCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels._fold_average import tune_fold_average
from sklabels._objectives import (
    TOL,
    RecallAtPrecision,
    accuracy,
    balanced_accuracy,
    evaluate,
    f1,
    mcc,
)
from sklabels._sweep import tune_columns

OBJECTIVES = {
    "f1": f1,
    "balanced_accuracy": balanced_accuracy,
    "mcc": mcc,
    "accuracy": accuracy,
}


def _counts(column, hits, weight, threshold):
    pred = column >= threshold
    w = np.ones(len(column)) if weight is None else weight
    return [
        np.array([w[m].sum()])
        for m in (pred & hits, pred & ~hits, ~pred & hits, ~pred & ~hits)
    ]


def brute_mean(folds, objective, name, threshold, weights=None):
    """Mean over folds of the objective at one threshold, by direct counting."""
    weights = weights or [None] * len(folds)
    values = [
        evaluate(objective, name, *_counts(s, y, w, threshold))[0]
        for (s, y), w in zip(folds, weights, strict=True)
    ]
    return float(np.mean(values))


def brute_best(folds, objective, name, weights=None, proba=False):
    """Best mean over every candidate: each union score and "predict nothing"
    (no probability threshold predicts nothing where a score reaches 1)."""
    union = np.unique(
        np.concatenate(
            [
                s[w != 0] if w is not None else s
                for (s, _), w in zip(folds, weights or [None] * len(folds), strict=True)
            ]
        )
    )
    candidates = [*union] if proba and union[-1] >= 1.0 else [*union, np.inf]
    return max(brute_mean(folds, objective, name, t, weights) for t in candidates)


@st.composite
def folds_strategy(draw, weighted=False):
    """2-4 folds of tied scores (a few levels) with both classes in each fold."""
    n_folds = draw(st.integers(1, 4))
    levels = draw(st.integers(2, 6))
    folds, weights = [], []
    for _ in range(n_folds):
        n = draw(st.integers(2, 12))
        s = np.array(draw(st.lists(st.integers(0, levels), min_size=n, max_size=n)))
        y = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        y[0], y[1] = True, False
        folds.append((s / levels, y))
        if weighted:
            w = draw(
                st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=n, max_size=n)
            )
            w = np.array(w)
            w[0] = w[1] = 1.0  # both classes keep weight
            weights.append(w)
    return folds, (weights or None)


def _run(folds, objective, name, weights=None, **kwargs):
    return tune_fold_average(
        [s[:, None] for s, _ in folds],
        [y[:, None] for _, y in folds],
        objective=objective,
        name=name,
        sample_weight=weights,
        keep_curves=True,
        **kwargs,
    )


@settings(max_examples=150, deadline=None, derandomize=True)
@given(
    data=folds_strategy(weighted=True),
    name=st.sampled_from(sorted(OBJECTIVES)),
    proba=st.booleans(),
)
def test_equals_brute_force(data, name, proba):
    folds, weights = data
    objective = OBJECTIVES[name]
    result = _run(folds, objective, name, weights, proba=proba)
    threshold, best = result.thresholds[0], result.best[0]
    # The curve is the brute-force mean at every one of its cuts ...
    curve = result.curves[0]
    for cut, value in zip(curve.thresholds[1:], curve.scores[1:], strict=True):
        assert value == pytest.approx(brute_mean(folds, objective, name, cut, weights))
    # ... the chosen threshold reaches the brute-force optimum, and reports it.
    expected = brute_best(folds, objective, name, weights, proba)
    assert best == pytest.approx(expected, abs=1e-12)
    got = brute_mean(folds, objective, name, threshold, weights)
    if not (proba and threshold >= 1.0 and curve.thresholds[0] > 1.0):
        assert got == pytest.approx(expected, abs=1e-12)


@settings(max_examples=120, deadline=None, derandomize=True)
@given(
    data=folds_strategy(weighted=True),
    name=st.sampled_from(sorted(OBJECTIVES)),
    proba=st.booleans(),
)
def test_one_fold_equals_engine(data, name, proba):
    folds, weights = data
    s, y = folds[0]
    w = None if weights is None else weights[0]
    objective = OBJECTIVES[name]
    ours = _run(folds[:1], objective, name, None if w is None else [w], proba=proba)
    engine = tune_columns(
        s[:, None],
        y[:, None],
        objective=objective,
        name=name,
        sample_weight=w,
        proba=proba,
        keep_curves=True,
    )
    np.testing.assert_array_equal(ours.thresholds, engine.thresholds)
    np.testing.assert_allclose(ours.best, engine.best, atol=1e-12)
    np.testing.assert_allclose(ours.start, engine.start, atol=1e-12)
    assert ours.untuned == engine.untuned and ours.constant == engine.constant
    np.testing.assert_array_equal(
        ours.curves[0].thresholds, engine.curves[0].thresholds
    )


def test_midpoint_to_the_next_union_breakpoint():
    # Fold 1 is perfect for 0.4 < t <= 0.7, fold 2 for 0.5 < t <= 0.6: only the
    # union cut 0.6 makes both perfect; the threshold is midway to the next lower
    # union breakpoint, 0.5 (a breakpoint of the other fold).
    folds = [
        (np.array([0.1, 0.4, 0.7, 0.9]), np.array([0, 0, 1, 1], bool)),
        (np.array([0.2, 0.5, 0.6, 0.8]), np.array([0, 0, 1, 1], bool)),
    ]
    result = _run(folds, f1, "f1")
    assert result.best[0] == 1.0
    assert result.thresholds[0] == pytest.approx((0.6 + 0.5) / 2)


def test_sklearn_same_folds_same_value():
    """scikit-learn with every union breakpoint as its thresholds averages the same
    per-fold step curves: its best value is ours, and ours is reached at our cut."""
    X, y = load_breast_cancer(return_X_y=True)
    X, y = X[::2], 1 - y[::2]
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    splits = list(StratifiedKFold(4, shuffle=True, random_state=0).split(X, y))
    folds = []
    for train, test in splits:
        fitted = clone(model).fit(X[train], y[train])
        folds.append((fitted.predict_proba(X[test])[:, 1], y[test].astype(bool)))
    result = _run(folds, f1, "f1", proba=True)
    union = np.unique(np.concatenate([s for s, _ in folds]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        peer = TunedThresholdClassifierCV(
            model, scoring="f1", cv=splits, thresholds=union
        ).fit(X, y)
    assert result.best[0] == pytest.approx(peer.best_score_, abs=1e-12)
    assert brute_mean(folds, f1, "f1", result.thresholds[0]) == pytest.approx(
        peer.best_score_, abs=1e-12
    )
    assert brute_mean(folds, f1, "f1", peer.best_threshold_) == pytest.approx(
        result.best[0], abs=1e-12
    )


def test_single_class_folds():
    good = [
        (np.array([0.1, 0.3, 0.6, 0.8]), np.array([0, 0, 1, 1], bool)),
        (np.array([0.2, 0.45, 0.5, 0.9]), np.array([0, 1, 0, 1], bool)),
    ]
    empty = (np.array([0.05, 0.7, 0.35]), np.zeros(3, bool))
    alone = _run(good, accuracy, "accuracy")
    skipped = _run([*good, empty], accuracy, "accuracy")
    assert skipped.thresholds[0] == alone.thresholds[0]
    assert skipped.best[0] == alone.best[0]
    # F1: an all-negative fold adds a 0 curve: same cut, the mean scaled by 2/3.
    f_alone = _run(good, f1, "f1")
    f_incl = _run([*good, empty], f1, "f1", single_class_folds="include")
    assert f_incl.best[0] == pytest.approx(f_alone.best[0] * 2 / 3)
    incl = _run([*good, empty], accuracy, "accuracy", single_class_folds="include")
    assert incl.best[0] == pytest.approx(brute_best([*good, empty], accuracy, "acc"))
    # No fold with both classes: untuned, the default kept.
    split = [
        (np.array([0.2, 0.7]), np.array([1, 1], bool)),
        (np.array([0.3, 0.6]), np.array([0, 0], bool)),
    ]
    result = _run(split, f1, "f1", defaults=np.array([0.4]))
    assert result.untuned == [0] and result.thresholds[0] == 0.4


def test_constant_within_every_fold():
    folds = [
        (np.full(4, 0.3), np.array([0, 1, 0, 1], bool)),
        (np.full(4, 0.6), np.array([1, 1, 0, 0], bool)),
    ]
    result = _run(folds, f1, "f1")
    assert result.constant == [0] and result.thresholds[0] == 0.5


def test_constrained_objective():
    rng = np.random.default_rng(0)
    folds = []
    for _ in range(3):
        y = rng.random(40) < 0.4
        folds.append((np.round(0.3 * y + 0.7 * rng.random(40), 2), y))
    objective = RecallAtPrecision(0.8)
    result = _run(folds, objective, "rap")
    prec = lambda t: np.mean(  # noqa: E731
        [(y[s >= t].sum() / max((s >= t).sum(), 1)) for s, y in folds]
    )
    assert prec(result.thresholds[0]) >= 0.8 - TOL
    union = np.unique(np.concatenate([s for s, _ in folds]))
    feasible = [t for t in union if prec(t) >= 0.8 - TOL]
    recall_at = lambda t: np.mean([y[s >= t].sum() / y.sum() for s, y in folds])  # noqa: E731
    assert result.best[0] == pytest.approx(max(recall_at(t) for t in feasible))
    # An unreachable floor: the closest cut, reported.
    topped = [(np.append(s, 0.99), np.append(y, False)) for s, y in folds]
    result = _run(topped, RecallAtPrecision(1.0), "rap")
    assert result.unreachable and np.isfinite(result.best[0])


def test_multilabel_columns_and_multiclass_refused():
    rng = np.random.default_rng(1)
    scores = [rng.random((30, 3)) for _ in range(3)]
    truth = [(rng.random((30, 3)) < 0.3).astype(int) for _ in range(3)]
    together = tune_fold_average(scores, truth, objective=f1, name="f1", n_jobs=2)
    for j in range(3):
        alone = tune_fold_average(
            [s[:, j] for s in scores],
            [t[:, j] for t in truth],
            objective=f1,
            name="f1",
        )
        assert together.thresholds[j] == alone.thresholds[0]
    with pytest.raises(ValueError, match="multiclass"):
        tune_fold_average(scores, truth, objective=f1, name="f1", problem="multiclass")
    with pytest.raises(ValueError, match="same length"):
        tune_fold_average(scores, truth[:2], objective=f1, name="f1")


def test_plateau_middle():
    """A plateau of the mean across breakpoints of both folds: its middle cut."""

    def any_hit(tp, fp, fn, tn):
        return (tp > 0).astype(float)

    folds = [
        (np.array([0.2, 0.8]), np.array([0, 1], bool)),
        (np.array([0.1, 0.6, 0.4]), np.array([0, 1, 0], bool)),
    ]
    result = _run(folds, any_hit, "any_hit")
    curve = result.curves[0]
    np.testing.assert_allclose(curve.thresholds[1:], [0.8, 0.6, 0.4, 0.2, 0.1])
    np.testing.assert_allclose(curve.scores, [0, 0.5, 1, 1, 1, 1])
    # The plateau is cuts .6 .4 .2 .1; its middle (lower of two) is .4, and the
    # threshold lies midway to the next lower union breakpoint, .2.
    assert result.best[0] == 1.0
    assert result.thresholds[0] == pytest.approx((0.4 + 0.2) / 2)
