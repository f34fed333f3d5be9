"""The sweep engine is exact: it matches brute force over every distinct cut."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sklabels._tuning import OBJECTIVES, best_cut, sweep


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
