"""Metamorphic properties: what must never change the labels.

Permuting score columns together with their classes, passing the scores as a
DataFrame in any column order (or as a list, a float32 array, a Series), rounding
probabilities to 3 decimals: none of these may change a label or the problem kind.
Hypothesis draws the sizes, seeds and permutations; numpy draws the values, so that
every example is a realistic model output and the suite stays quick and seeded.
"""

import warnings

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_equal

from sklabels import decode, tune_thresholds
from sklabels._scores import infer_problem

settings.register_profile("fuzz", max_examples=60, deadline=None, derandomize=True)
FUZZ = settings.get_profile("fuzz")

NAME_POOLS = {
    "str": ["ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen"],
    "int": [3, 0, 7, 1, 12, 5, 9, 2],
    "numeric-str": ["1", "0", "10", "2", "3", "30", "4", "5"],
}


@st.composite
def problems(draw):
    """(kind, scores, classes, permutation) for a random single- or multilabel case."""
    kind = draw(st.sampled_from(["binary", "multiclass", "multilabel"]))
    k = 2 if kind == "binary" else draw(st.integers(3, 8))
    n = draw(st.integers(1, 60))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pool = draw(st.sampled_from(sorted(NAME_POOLS)))
    classes = np.asarray(NAME_POOLS[pool][:k])
    if kind == "multilabel":
        scores = rng.random((n, k))
        # far from a softmax row somewhere, so "auto" has something to go on
        scores[0] = np.clip(scores[0] + 0.5, 0.51, 1.0)
    else:
        scores = rng.dirichlet(np.ones(k) * draw(st.sampled_from([0.3, 1.0, 5.0])), n)
    perm = np.asarray(draw(st.permutations(range(k))))
    return kind, scores, classes, perm


@FUZZ
@given(problems())
def test_permuting_columns_with_their_classes_never_changes_labels(case):
    """Check decode(s[:, perm], classes[perm]) == decode(s, classes), thresholds too."""
    kind, scores, classes, perm = case
    threshold = None
    if kind != "binary":
        values = np.linspace(0.2, 0.8, len(classes))
        threshold = {c.item(): t for c, t in zip(classes, values, strict=True)}
    expected = decode(scores, classes, threshold=threshold)
    permuted = decode(scores[:, perm], classes[perm], threshold=threshold)
    if kind == "multilabel":  # tuples list labels in the order of classes
        assert [set(r) for r in permuted] == [set(r) for r in expected]
    else:
        assert_array_equal(permuted, expected)


@FUZZ
@given(problems(), st.sampled_from(["frame", "list", "float32", "torch-like"]))
def test_containers_and_column_order_never_change_labels(case, container):
    """Check a DataFrame in any column order, a list or float32 give the same labels."""
    kind, scores, classes, perm = case
    expected = decode(scores, classes, problem=kind)
    if container == "frame":
        given_scores = pd.DataFrame(scores, columns=classes)[classes[perm]]
    elif container == "list":
        given_scores = scores.tolist()
    elif container == "float32":
        given_scores = scores.astype(np.float32)
    else:
        given_scores = _TensorLike(scores)
    got = decode(given_scores, classes, problem=kind)
    if kind == "multilabel":
        assert got == expected
    elif container == "float32":  # float32 rounding may move rows at a tie only
        assert (np.asarray(got) != expected).mean() <= 0.05
    else:
        assert_array_equal(got, expected)


class _TensorLike:
    """What a CPU torch tensor offers: detach().cpu().numpy()."""

    def __init__(self, values):
        self.values = values

    def detach(self):
        return self

    def cpu(self):
        return self

    def numpy(self):
        return self.values


@FUZZ
@given(problems())
def test_rounding_to_three_decimals_never_changes_the_problem_kind(case):
    """Check softmax rows rounded to 3 decimals stay softmax; sigmoid stays sigmoid."""
    kind, scores, _, _ = case
    inferred = infer_problem(scores, from_logits=False)
    assert inferred == kind
    assert infer_problem(scores.round(3), from_logits=False) == inferred
    assert infer_problem(scores.astype(np.float32).round(3), from_logits=False) == (
        inferred
    )


@FUZZ
@given(problems())
def test_tuning_is_invariant_to_column_order_and_container(case):
    """Check tune_thresholds gives the same thresholds for permuted or named columns."""
    kind, scores, classes, perm = case
    n = len(scores)
    rng = np.random.default_rng(n)
    if kind == "multilabel":
        y = (rng.random(scores.shape) < scores).astype(int)
        y[0], y[-1] = 1, 0  # both values in every column
    else:
        codes = np.array([rng.choice(len(classes), p=p / p.sum()) for p in scores])
        codes[: len(classes)] = np.arange(len(classes))[: len(codes)]
        if len(set(codes.tolist())) < 2:
            return
        y = classes[codes]
    kwargs = dict(classes=classes, problem=kind, return_curves=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few positives: not what this test checks
        expected = tune_thresholds(y, scores, **kwargs)
        frame = pd.DataFrame(scores, columns=classes)[classes[perm]]
        named = tune_thresholds(y, frame, **kwargs)
    assert_array_equal(
        np.atleast_1d(named.thresholds), np.atleast_1d(expected.thresholds)
    )
    assert named.best_score == expected.best_score
