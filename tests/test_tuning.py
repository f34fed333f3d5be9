"""The sweep engine is exact: it matches brute force over every distinct cut."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from sklabels import (
    FewPositivesWarning,
    RecallAtPrecision,
    UnreachableConstraintWarning,
    tune_thresholds,
)
from sklabels._objectives import OBJECTIVES, f1
from sklabels._sweep import best_cut, sweep, tune_columns, warn_about


def brute_force(scores, truth, weight, objective):
    """Objective at every distinct cut (and 'predict nothing'), by direct counting."""
    values = []
    for cut in [np.inf, *np.unique(scores)]:
        pred = scores >= cut
        tp = np.sum(weight * (pred & truth))
        fp = np.sum(weight * (pred & ~truth))
        fn = np.sum(weight * (~pred & truth))
        tn = np.sum(weight * (~pred & ~truth))
        values.append(float(objective(*(np.array([c]) for c in (tp, fp, fn, tn)))[0]))
    return max(values)


@st.composite
def tied_problems(draw):
    n = draw(st.integers(2, 40))
    levels = draw(st.integers(1, 6))  # few distinct scores: heavy ties
    scores = np.array(draw(st.lists(st.integers(0, levels), min_size=n, max_size=n)))
    truth = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    weight = np.array(
        draw(st.lists(st.sampled_from([0.5, 1.0, 2.0, 3.0]), min_size=n, max_size=n))
    )
    return scores / levels, truth, weight


@pytest.mark.parametrize("name", sorted(OBJECTIVES))
@settings(max_examples=80, deadline=None)
@given(problem=tied_problems())
def test_sweep_matches_brute_force(name, problem):
    """Check that the best swept value equals brute force, and its threshold gets it."""
    scores, truth, weight = problem
    objective = OBJECTIVES[name]
    curve = sweep(scores, truth, weight)
    values = objective(curve.tp, curve.fp, curve.fn, curve.tn)
    threshold, best, _ = best_cut(curve, values)
    assert best == pytest.approx(
        brute_force(scores, truth, weight, objective), abs=1e-9
    )
    pred = scores >= threshold
    counts = [
        np.array([np.sum(weight * m)])
        for m in (pred & truth, pred & ~truth, ~pred & truth, ~pred & ~truth)
    ]
    assert float(objective(*counts)[0]) == pytest.approx(best, abs=1e-9)


def test_threshold_is_midpoint_and_ties_are_not_split():
    """Check the midpoint rule, and that equal scores fall on the same side."""
    scores = np.array([0.9, 0.7, 0.7, 0.2, 0.1])
    truth = np.array([True, True, False, False, False])
    curve = sweep(scores, truth)
    threshold, best, _ = best_cut(
        curve, OBJECTIVES["f1"](curve.tp, curve.fp, curve.fn, curve.tn)
    )
    assert threshold in (pytest.approx(0.8), pytest.approx(0.45))
    assert best == pytest.approx(max(2 / 3, 0.8))
    assert threshold == pytest.approx(0.45)  # cut below the tie at 0.7: F1 = 0.8


def test_plateau_takes_its_middle():
    """Check that a plateau of equal best values picks its middle cut."""
    scores = np.array([0.9, 0.8, 0.6, 0.4, 0.2])
    truth = np.array([True, False, False, False, False])
    curve = sweep(scores, truth)
    values = np.array([0.0, 1.0, 1.0, 1.0, 0.0, 0.0])  # plateau on cuts 1..3
    threshold, best, index = best_cut(curve, values)
    assert best == 1.0
    assert index == 2 and threshold == pytest.approx(0.7)


# ------------------------------------------------------- columns that cannot be tuned


def test_constant_column_keeps_the_default_and_is_named():
    """Check that a column with one score for every sample keeps the default."""
    rng = np.random.default_rng(0)
    truth = rng.random((50, 2)) < 0.5
    values = np.column_stack([np.full(50, 0.3), rng.random(50)])
    result = tune_columns(
        values, truth, objective=f1, name="f1", proba=True, defaults=np.array([0.5] * 2)
    )
    assert result.constant == [0] and result.untuned == []
    assert result.thresholds[0] == 0.5  # not 0.3, which would predict everything
    assert result.best[0] == 0.0  # F1 at the default: nothing predicted
    assert result.thresholds[1] != 0.5
    with pytest.warns(FewPositivesWarning, match="sky are the same for every sample"):
        warn_about(result, np.array(["sky", "sea"]), f1, str)


@pytest.mark.parametrize("value", [0.0, 0.3, 1.0])
def test_constant_scores_through_tune_thresholds(value):
    """Check binary, multilabel (macro and micro) and multiclass constant scores."""
    y = np.array([0, 1] * 20)
    with pytest.warns(FewPositivesWarning, match="same for every sample"):
        result = tune_thresholds(y, np.full(40, value), return_curves=True)
    assert result.thresholds == 0.5
    assert result.curves[1].best_threshold == 0.5
    assert result.best_score == result.class_scores[1] == result.start_score
    Y = np.column_stack([y, 1 - y, y])
    for average in ("macro", "micro"):
        with pytest.warns(FewPositivesWarning, match="same for every sample"):
            result = tune_thresholds(
                Y, np.full((40, 3), value), problem="multilabel", average=average
            )
        assert_array_equal(result.thresholds, 0.5)
    three = np.arange(40) % 3
    with pytest.warns(FewPositivesWarning, match="multiclass ratios keep the default"):
        result = tune_thresholds(three, np.tile([0.2, 0.3, 0.5], (40, 1)))
    assert_array_equal(result.thresholds, 0.5)  # plain argmax


def test_untuned_micro_threshold_keeps_the_default():
    """Check that one shared threshold with no positives at all keeps the default."""
    Y = np.zeros((30, 2), dtype=int)
    s = np.random.default_rng(1).random((30, 2))
    with pytest.warns(FewPositivesWarning, match="keep the default"):
        result = tune_thresholds(
            Y, s, problem="multilabel", average="micro", classes=["a", "b"]
        )
    assert_array_equal(result.thresholds, 0.5)


# ------------------------------------------------------------ unreachable constraints


def test_unreachable_constraint_reports_what_is_achieved():
    """Check best_score, class_scores and the curve: the rate reached, never -inf."""
    y = [1, 1, 0, 1, 1, 1, 0] * 2
    p = [0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.9] * 2  # the top score is a negative
    with pytest.warns(UnreachableConstraintWarning) as record:
        result = tune_thresholds(
            y, p, scoring=RecallAtPrecision(0.99), return_curves=True
        )
    message = str(record[0].message)
    assert result.thresholds == pytest.approx(0.4)  # precision 3/4, recall 3/5
    pred = np.asarray(p) >= result.thresholds
    truth = np.asarray(y) == 1
    precision = (pred & truth).sum() / pred.sum()
    recall = (pred & truth).sum() / truth.sum()
    assert f"best reachable is {precision:.4g}" in message
    assert f"recall there: {recall:.4g}" in message
    assert result.best_score == result.class_scores[1] == pytest.approx(recall)
    assert result.curves[1].best_score == pytest.approx(recall)
    assert np.isfinite(result.to_dict()["best_score"])


def test_unreachable_constraint_in_multilabel_macro_and_micro():
    """Check that per-label and pooled results are finite where the floor fails."""
    rng = np.random.default_rng(0)
    Y = (rng.random((200, 3)) < 0.4).astype(int)
    s = rng.random((200, 3))  # scores unrelated to the labels
    for average in ("macro", "micro"):
        with pytest.warns(UnreachableConstraintWarning):
            result = tune_thresholds(
                Y,
                s,
                problem="multilabel",
                scoring=RecallAtPrecision(0.99),
                average=average,
            )
        assert np.isfinite(result.best_score)
        assert all(np.isfinite(v) for v in result.class_scores.values())
        for j, t in enumerate(result.thresholds):
            pred, truth = s[:, j] >= t, Y[:, j] == 1
            recall = (pred & truth).sum() / truth.sum()
            assert result.class_scores[j] == pytest.approx(recall)


# ---------------------------------------------------------------- zero sample weights


@pytest.mark.parametrize("problem", ["binary", "multilabel", "multiclass"])
def test_zero_weight_is_removal(problem):
    """Check that samples of weight 0 change nothing: same thresholds as removed."""
    rng = np.random.default_rng(3)
    n = 120
    if problem == "multiclass":
        y = rng.integers(0, 3, n)
        s = rng.dirichlet(np.ones(3), n) + np.eye(3)[y] * 0.3
        s /= s.sum(axis=1, keepdims=True)
    elif problem == "multilabel":
        y = (rng.random((n, 3)) < 0.5).astype(int)
        s = np.clip(y * 0.3 + rng.random((n, 3)) * 0.7, 0, 1)
    else:
        y = (rng.random(n) < 0.5).astype(int)
        s = np.clip(y * 0.3 + rng.random(n) * 0.7, 0, 1)
    weight = np.where(np.arange(n) % 3 == 0, 0.0, rng.choice([1.0, 2.0], n))
    kept = weight > 0
    for average in ("macro", "micro") if problem == "multilabel" else ("macro",):
        full = tune_thresholds(
            y, s, sample_weight=weight, problem=problem, average=average
        )
        removed = tune_thresholds(
            y[kept],
            s[kept],
            sample_weight=weight[kept],
            problem=problem,
            average=average,
        )
        assert_array_equal(full.thresholds, removed.thresholds)
        assert full.best_score == removed.best_score
