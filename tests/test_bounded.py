"""Bounded-memory tuning: the in-memory engine's results, bit for bit, from fixed-size
summaries of blocks."""

import doctest
import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sklabels._bounded as bounded
from sklabels._bounded import (
    BoundExceeded,
    ColumnTuner,
    Frontier,
    Summary,
    bound_of,
    merge,
    plan_refinement,
    root,
    summarise,
)
from sklabels._bounded_blocks import counts_at, neighbours, tune_bounded
from sklabels._objectives import (
    Cost,
    FBeta,
    PrecisionAtRecall,
    RecallAtPrecision,
    accuracy,
    balanced_accuracy,
    f1,
    jaccard,
    mcc,
    precision,
    recall,
    youden,
)
from sklabels._sweep import tune_columns

COVERED = [
    (f1, "f1"),
    (jaccard, "jaccard"),
    (accuracy, "accuracy"),
    (balanced_accuracy, "balanced_accuracy"),
    (youden, "youden"),
    (mcc, "mcc"),
    (precision, "precision"),
    (recall, "recall"),
    (FBeta(2), "FBeta(2)"),
    (FBeta(0.5), "FBeta(0.5)"),
    (Cost(fp=1, fn=5), "Cost(fp=1, fn=5)"),
    (Cost(fp=-1, fn=2, tp=3, tn=-2), "Cost(mixed signs)"),
    (RecallAtPrecision(0.7), "RecallAtPrecision(0.7)"),
    (RecallAtPrecision(0.999), "RecallAtPrecision(0.999)"),  # often unreachable
    (PrecisionAtRecall(0.6), "PrecisionAtRecall(0.6)"),
]


def _source(scores, truth, weight, cuts):
    """A callable returning a fresh iterator over the row blocks at ``cuts``."""
    pieces = np.split(np.arange(len(scores)), cuts)

    def blocks():
        for rows in pieces:
            yield scores[rows], truth[rows], None if weight is None else weight[rows]

    return blocks


def _assert_same(reference, got):
    # Thresholds and values: the same floats (== also equates 0.0 and -0.0, which
    # the engine's own sort paths do not tell apart either).
    assert reference.thresholds.tolist() == got.thresholds.tolist()
    assert reference.best.tolist() == got.best.tolist()
    assert reference.start.tolist() == got.start.tolist()
    assert reference.untuned == got.untuned
    assert reference.constant == got.constant
    assert reference.few == got.few
    assert reference.unreachable == got.unreachable


@st.composite
def problems(draw):
    n = draw(st.integers(0, 300))
    k = draw(st.integers(1, 3))
    dtype = draw(st.sampled_from([np.float32, np.float64]))
    kind = draw(st.sampled_from(["ties", "continuous", "margins", "edges"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    if kind == "ties":  # heavy ties, exactly 0 and 1 among them
        scores = rng.integers(0, draw(st.integers(1, 6)), (n, k)) / 5
    elif kind == "continuous":
        scores = rng.random((n, k))
    elif kind == "margins":  # negative and positive, far apart
        scores = rng.normal(size=(n, k)) * 10.0 ** rng.integers(-3, 4, (n, k))
    else:  # 0, 1, the floats next to them, and a constant column
        edges = np.array([0.0, 1.0, np.nextafter(1.0, 0), 5e-324, 0.5, 1e-30])
        scores = rng.choice(edges, (n, k))
        if k > 1:
            scores[:, 0] = 0.25
    scores = scores.astype(dtype)
    rate = draw(st.sampled_from([0.0, 0.05, 0.5, 1.0]))
    truth = rng.random((n, k)) < rate
    if draw(st.booleans()):
        truth[rng.random((n, k)) < 0.3] ^= True  # no column all one way, mostly
    weighting = draw(st.sampled_from(["none", "integers", "quarters"]))
    weight = None
    if weighting == "integers":  # zeros included: those rows count for nothing
        weight = rng.integers(0, 4, n).astype(np.float64)
    elif weighting == "quarters":  # dyadic: their sums are exact in any order
        weight = rng.integers(0, 9, n) / 4
    cuts = sorted(draw(st.lists(st.integers(0, n), max_size=5)))  # empty blocks too
    objective, name = draw(st.sampled_from(COVERED))
    # Few cells: passes that refine by bits, collapse and prune again, many times.
    geometry = draw(st.sampled_from([(16, 2**17), (4, 512), (3, 24), (1, 6)]))
    return scores, truth, weight, cuts, objective, name, geometry


@settings(max_examples=300, deadline=None, derandomize=True)
@given(problems())
def test_same_thresholds_and_values_as_the_in_memory_engine(problem):
    scores, truth, weight, cuts, objective, name, (bits, cells) = problem
    proba = bool(scores.size == 0 or (scores.min() >= 0 and scores.max() <= 1))
    reference = tune_columns(
        scores, truth, objective=objective, name=name, sample_weight=weight, proba=proba
    )
    try:
        got = tune_bounded(
            _source(scores, truth, weight, cuts),
            objective=objective,
            name=name,
            proba=proba,
            bits=bits,
            cells=cells,
        )
    except BoundExceeded:
        # More distinct scores on the plateau of best values than cells=: refused.
        assert cells < 512
        return
    _assert_same(reference, got)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("objective,name", COVERED)
def test_large_continuous_columns_prune_and_stay_exact(dtype, objective, name):
    rng = np.random.default_rng(7)
    n = 60_000
    truth = rng.random((n, 2)) < [0.1, 0.4]
    scores = 1 / (1 + np.exp(-(rng.normal(size=(n, 2)) + 2 * truth)))
    scores = scores.astype(dtype)
    weight = rng.integers(0, 3, n).astype(float)
    reference = tune_columns(
        scores, truth, objective=objective, name=name, sample_weight=weight, proba=True
    )
    cuts = list(range(7_000, n, 7_000))
    got = tune_bounded(
        _source(scores, truth, weight, cuts), objective=objective, name=name, proba=True
    )
    _assert_same(reference, got)


def _scores_and_truth(n, seed=0, low=0.0):
    rng = np.random.default_rng(seed)
    scores = rng.uniform(low, 1.0, n).astype(np.float32)
    return scores, rng.random(n) < scores


def _pass_one(n, seed=0, low=0.0):
    return summarise(*_scores_and_truth(n, seed, low), None, root(np.float32))


def test_the_summary_does_not_grow_with_the_rows():
    # Scores in [0.5, 1): 128 bins of the top 16 bits, all filled from 10**4 rows.
    small, large = _pass_one(10**4, low=0.5), _pass_one(10**6, low=0.5)
    assert small.nbytes == large.nbytes == 48 * 128
    assert large.rows.sum() == 10**6
    # Whatever the scores: at most one entry per bin.
    assert _pass_one(10**6).nbytes <= Summary.max_nbytes(root(np.float32)) < 2**22


def test_merging_is_associative_and_commutative():
    a, b, c = (_pass_one(1000, seed) for seed in range(3))
    left, right = merge(merge(a, b), c), merge(c, merge(b, a))
    for name in ("cell", "pos", "neg", "rows", "kmin", "kmax"):
        np.testing.assert_array_equal(getattr(left, name), getattr(right, name))
    assert (left.hits, left.start_pos, left.n) == (right.hits, right.start_pos, 3000)
    blocks = [_scores_and_truth(1000, seed) for seed in range(3)]
    scores = np.concatenate([b[0] for b in blocks])
    truth = np.concatenate([b[1] for b in blocks])
    whole = summarise(scores, truth, None, root(np.float32))
    for name in ("cell", "pos", "neg", "rows", "kmin", "kmax"):
        np.testing.assert_array_equal(getattr(left, name), getattr(whole, name))


ROWS, BLOCK = 2_000_000, 100_000
BUDGET = 48 * 2**20  # bytes: a fixed budget (set by cells=), whatever the rows


def _lazy_blocks():
    """Blocks made on demand (as read from disk): the rows are never all held."""
    for start in range(0, ROWS, BLOCK):
        rng = np.random.default_rng(start)
        truth = rng.random(BLOCK) < 0.2
        scores = 1 / (1 + np.exp(-(rng.normal(size=BLOCK) + 1.5 * truth)))
        yield scores.astype(np.float32), truth, None


def _distinct_table_peak() -> tuple[int, int]:
    """Peak memory of the table of distinct scores merged across blocks."""
    tracemalloc.start()
    values = pos = neg = np.zeros(0)
    for scores, truth, _ in _lazy_blocks():
        block, index = np.unique(scores.astype(np.float64), return_inverse=True)
        p = np.bincount(index, weights=truth, minlength=len(block))
        q = np.bincount(index, minlength=len(block)) - p
        values, inverse = np.unique(
            np.concatenate([values, block]), return_inverse=True
        )
        pos = np.bincount(inverse, np.concatenate([pos, p]), minlength=len(values))
        neg = np.bincount(inverse, np.concatenate([neg, q]), minlength=len(values))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, len(values)


def test_peak_memory_of_two_million_rows_stays_under_a_fixed_budget():
    tracemalloc.start()
    got = tune_bounded(_lazy_blocks, objective=f1, name="f1", proba=True)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < BUDGET, peak / 2**20
    table_peak, distinct = _distinct_table_peak()
    assert distinct > ROWS // 2  # continuous scores: a table grows with the rows
    assert table_peak > BUDGET, table_peak / 2**20
    # And it is the engine's answer.
    blocks = list(_lazy_blocks())
    scores = np.concatenate([b[0] for b in blocks])
    truth = np.concatenate([b[1] for b in blocks])
    reference = tune_columns(scores[:, None], truth[:, None], objective=f1, name="f1")
    assert reference.thresholds.tolist() == got.thresholds.tolist()
    assert reference.best.tolist() == got.best.tolist()


def test_a_long_plateau_of_best_values_is_refused_not_held():
    # Recall 1 at precision >= 0.5 from the lowest positive down through 100 more
    # negatives of distinct scores: a plateau of 101 cuts.
    scores = np.concatenate([np.linspace(0.9, 1.0, 100), np.linspace(0.1, 0.5, 300)])
    truth = np.arange(400) < 100
    blocks = _source(scores, truth, None, [150])
    objective = RecallAtPrecision(0.5)
    with pytest.raises(BoundExceeded, match="plateau"):
        tune_bounded(blocks, objective=objective, name="r", proba=True, cells=64)
    reference = tune_columns(
        scores[:, None], truth[:, None], objective=objective, name="r", proba=True
    )
    got = tune_bounded(blocks, objective=objective, name="r", proba=True)
    _assert_same(reference, got)


def test_objectives_without_a_bound_are_refused():
    def custom(tp, fp, fn, tn):
        return np.sin(tp)

    assert bound_of(custom) is None
    with pytest.raises(ValueError, match="not covered"):
        ColumnTuner(custom, "custom", True, np.dtype(np.float32))


@pytest.mark.parametrize("objective", [f1, mcc, youden, FBeta(3), Cost(fp=2, fn=1)])
def test_bounds_hold_over_every_cut_inside_a_box(objective):
    rng = np.random.default_rng(3)
    bound = bound_of(objective)
    for _ in range(200):
        positives, negatives = rng.integers(1, 50, 2).astype(float)
        tp = np.sort(rng.integers(0, positives + 1, 2)).astype(float)
        fp = np.sort(rng.integers(0, negatives + 1, 2)).astype(float)
        high = bound(tp[:1], tp[1:], fp[:1], fp[1:], positives, negatives)[0]
        a, b = np.meshgrid(np.arange(tp[0], tp[1] + 1), np.arange(fp[0], fp[1] + 1))
        inside = objective(a, b, positives - a, negatives - b)
        assert inside.max() <= high + 1e-12


def test_blocks_of_mixed_dtypes_or_nan_are_refused():
    refinement = root(np.float32)
    with pytest.raises(ValueError, match="same dtype"):
        summarise(np.zeros(3), np.zeros(3), None, refinement)
    with pytest.raises(ValueError, match="NaN"):
        summarise(np.array([np.nan], np.float32), np.zeros(1), None, refinement)
    with pytest.raises(ValueError, match="different passes"):
        other = root(np.float64)
        merge(
            summarise(np.zeros(1, np.float32), [1], None, refinement),
            summarise(np.zeros(1), [1], None, other),
        )


def test_plan_refinement_keeps_only_cells_that_can_hold_the_best_cut():
    rng = np.random.default_rng(0)
    scores = rng.random(50_000).astype(np.float32)
    truth = rng.random(50_000) < scores**3
    summary = summarise(scores, truth, None, root(np.float32))
    frontier = Frontier.advanced(None, summary)
    frontier, refinement = plan_refinement(frontier, f1, "f1", proba=True)
    assert 0 < len(refinement.lo) < 100  # of ~16k non-empty bins
    assert frontier.nbytes < summary.nbytes / 10  # pruned runs collapsed


def test_micro_and_logit_helpers_are_mergeable_reductions():
    rng = np.random.default_rng(1)
    scores, truth = rng.normal(size=100), rng.random(100) < 0.5
    whole = counts_at(scores, truth, None, 0.1)
    parts = counts_at(scores[:40], truth[:40], None, 0.1) + counts_at(
        scores[40:], truth[40:], None, 0.1
    )
    np.testing.assert_array_equal(whole, parts)
    below, above = neighbours(scores, 0.1)
    (b1, a1), (b2, a2) = neighbours(scores[:40], 0.1), neighbours(scores[40:], 0.1)
    assert (below, above) == (max(b1, b2), min(a1, a2))
    assert below < 0.1 <= above


def test_docstring_examples():
    """Check that the examples of the bounded tuner's modules run as written."""
    import sklabels._bounded
    import sklabels._bounded_blocks

    results = [
        doctest.testmod(module, optionflags=doctest.ELLIPSIS)
        for module in (sklabels._bounded, sklabels._bounded_blocks)
    ]
    assert sum(r.attempted for r in results) and not sum(r.failed for r in results)


@settings(derandomize=True, deadline=None, max_examples=40)
@given(
    n=st.integers(1, 400),
    dtype=st.sampled_from([np.float32, np.float64]),
    decimals=st.sampled_from([None, 1, 3]),
)
def test_binned_pass_one_equals_the_sorted_runs(n, dtype, decimals):
    """Check that pass 1 counted in bins gives the arrays the sorted runs give."""
    rng = np.random.default_rng(n)
    scores = rng.random(n)
    if decimals is not None:  # ties
        scores = np.round(scores, decimals)
    scores = scores.astype(dtype)
    truth = rng.random(n) < 0.3
    refinement = bounded.root(np.dtype(dtype))
    binned = bounded.summarise(scores, truth, None, refinement)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bounded, "MAX_BINNED_CHILDREN", 0)  # the sorting path
        sorted_runs = bounded.summarise(scores, truth, None, refinement)
    for field in ("cell", "pos", "neg", "rows", "kmin", "kmax"):
        expected = getattr(sorted_runs, field)
        np.testing.assert_array_equal(getattr(binned, field), expected)
        assert getattr(binned, field).dtype == expected.dtype
    assert (binned.hits, binned.start_pos, binned.start_neg, binned.n) == (
        sorted_runs.hits,
        sorted_runs.start_pos,
        sorted_runs.start_neg,
        sorted_runs.n,
    )
