"""Multiclass ratio tuning follows the classes, whatever order they are given in."""

import warnings

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sklabels import tune_thresholds


@st.composite
def _problems(draw):
    seed = draw(st.integers(0, 2**32 - 1))
    k = draw(st.integers(3, 6))
    rng = np.random.default_rng(seed)
    n = draw(st.integers(40, 300))
    z = rng.normal(size=(n, k)) * draw(st.floats(0.5, 3.0))
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    truth = np.array([rng.choice(k, p=row) for row in p])
    # Miscalibrate, so that there is something to tune.
    p = np.clip(p + rng.normal(0, 0.1, p.shape), 1e-3, None)
    p /= p.sum(axis=1, keepdims=True)
    weight = rng.integers(1, 4, n).astype(float) if draw(st.booleans()) else None
    scoring = draw(st.sampled_from(["f1", "balanced_accuracy", "accuracy"]))
    return p, truth, rng.permutation(k), weight, scoring


@settings(max_examples=40, deadline=None, derandomize=True)
@given(_problems())
def test_permuted_classes_give_the_same_ratios(problem):
    """Check that tuned ratios and the tuned value follow a reordering of classes."""
    p, truth, perm, weight, scoring = problem
    classes = np.array([f"c{i}" for i in range(p.shape[1])])
    y = classes[truth]
    options = dict(problem="multiclass", scoring=scoring, sample_weight=weight)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few positives in a class, on small draws
        plain = tune_thresholds(y, p, classes=classes, **options)
        moved = tune_thresholds(y, p[:, perm], classes=classes[perm], **options)
    back = np.asarray(moved.thresholds)[np.argsort(perm)]
    np.testing.assert_allclose(back, plain.thresholds, rtol=1e-9, atol=1e-12)
    assert moved.best_score == np.float64(plain.best_score) or np.isclose(
        moved.best_score, plain.best_score, rtol=1e-12, atol=1e-12
    )


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.integers(3, 6))
def test_cost_offsets_follow_permuted_actions(seed, k):
    """Check that the CostMatrix offsets' ascent does not depend on action order."""
    from sklabels._multiclass import tune_cost_offsets

    rng = np.random.default_rng(seed)
    n = 200
    p = rng.dirichlet(np.ones(k), size=n)
    truth = np.array([rng.choice(k, p=row) for row in p])
    p = np.clip(p + rng.normal(0, 0.15, p.shape), 1e-3, None)  # miscalibrated
    p /= p.sum(axis=1, keepdims=True)
    costs = rng.uniform(0.5, 5.0, (k, k)) * (1 - np.eye(k))
    gain, loss = -(p @ costs), costs[truth]
    perm = rng.permutation(k)
    plain = tune_cost_offsets(gain, loss)
    moved = tune_cost_offsets(gain[:, perm], loss[:, perm])
    np.testing.assert_allclose(
        moved.offsets[np.argsort(perm)], plain.offsets, rtol=1e-9, atol=1e-12
    )
    assert np.isclose(moved.cost, plain.cost, rtol=1e-12, atol=1e-12)
