"""Exact threshold tuning in bounded memory: binned summaries, refined where the
optimum can lie.

The exact sweep needs the confusion counts at every distinct score; a table of
them grows with the rows for continuous scores. Here a score column is read in
blocks, a few times over, and only fixed-size summaries are kept:

1. **Pass 1** counts, per bin of the top ``bits`` bits of the monotone integer key
   of the scores (float32 scores: 32-bit keys; float64: 64-bit keys), the
   (weighted) positives and negatives, the rows, and the lowest and highest key
   met. Summaries of blocks merge by adding and by min/max: any order, any tree.
2. **Planning.** The cut at a bin's lowest key predicts exactly the rows of the
   bins at or above it, so the objective there is a value some cut achieves; the
   best of them bounds the best value from below. Inside a bin, every cut has
   ``tp`` and ``fp`` between those of the cut above the bin and those of the bin's
   own lowest key; for an objective monotone in ``tp`` and in ``fp`` (F1, F-beta,
   Jaccard, precision, recall, their constrained forms, accuracy, balanced
   accuracy, Youden's J, costs) the largest of the four corners bounds the bin from
   above (MCC: interval arithmetic on its numerator and denominator). A bin whose
   bound lies below the line of the engine's plateau tolerance under that lower
   bound holds no cut on the plateau of best values: it is closed (and stays as
   one cell that breaks plateaus). The others are **refined**: the next pass
   counts, inside each, the bins of the next bits of ``key - lowest key``.
3. Passes repeat until every open cell holds one distinct key; once the open
   cells hold at most ``cells`` rows in all, the next pass takes their keys one
   by one and is the last. Then the candidates are "predict nothing", one per
   single-key cell, and one placeholder per closed cell, in decreasing order: the
   engine's plateau rule and midpoint rule on them give its threshold and value
   bit for bit (the next lower distinct score of a chosen cut is the highest key
   of the next non-empty cell).

Summaries hold only non-empty cells. Memory is that of the summaries and of the
cells kept between passes: at most ``2**bits`` entries in pass 1, at most
``cells`` in a later one (the bits per pass shrink when many cells stay open;
at least one bit per cell, so ``2 * open cells`` when more than ``cells/2`` stay
open), whatever the number of rows. Candidates kept on a plateau of best values
count too: past ``cells`` of them, :class:`BoundExceeded` is raised.

Counts are summed in another order than the in-memory sweep's: with integer
counts (no weights, or weights whose sums are exact, such as integers) the
results are the same bit for bit; with arbitrary float weights the sums may
differ in their last bits, as they would for any other order of the rows.

The API works block by block, for a layer (Dask) that reads the data:
:func:`root` gives pass 1's :class:`Refinement`; :func:`summarise` counts one
block under a refinement and :func:`merge` combines summaries; a
:class:`ColumnTuner` takes each pass's merged summary (:meth:`ColumnTuner.feed`)
and says what the next pass counts (:attr:`ColumnTuner.refinement`, ``None`` when
done); :meth:`ColumnTuner.result` returns what ``tune_columns`` returns for the
column. :func:`tune_bounded` runs the passes over an in-memory source of blocks.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from ._objectives import Constrained, Cost, Objective, evaluate, mcc
from ._positive_cuts import never_gains_from_false_positives, plateau_floor
from ._sorted_counts import floats_of, monotone_keys
from ._sweep import midpoint, plateau_middle

BITS = 16  # bits of the key per bin in pass 1 (2**16 bins)
CELLS = 2**17  # cells a later pass counts at most (it takes fewer bits if needed)
_SLACK = 1e-9  # bounds are compared with this (relative) margin: rounding
_PRUNED, _RESOLVED, _OPEN = 0, 1, 2

Bound = Callable[..., np.ndarray]


class BoundExceeded(RuntimeError):
    """More candidates on a plateau of best values than the memory bound allows."""


# ----------------------------------------------------------------------------------
# Objectives: an upper bound of the objective over a box of counts
# ----------------------------------------------------------------------------------


def bound_of(objective: Objective, name: str = "objective") -> Bound | None:
    """An upper bound of ``objective`` over boxes of counts, or None if not covered.

    The bound is called as ``bound(tp_lo, tp_hi, fp_lo, fp_hi, positives,
    negatives)``, with ``fn = positives - tp`` and ``tn = negatives - fp``.
    Covered: objectives monotone in ``tp`` and in ``fp`` (each either way), bounded
    by their largest corner -- F1, F-beta, Jaccard, precision, recall, accuracy,
    balanced accuracy, Youden's J, :class:`Cost` (linear), and the constrained
    :class:`RecallAtPrecision` and :class:`PrecisionAtRecall` (the floor is met
    on a monotone set) -- and MCC (interval arithmetic). Other callables are not:
    tune them on a table of distinct scores.
    """
    if objective is mcc:
        return _mcc_bound
    # Those that never gain from a false positive are monotone in tp and in fp.
    monotone = never_gains_from_false_positives(objective) or isinstance(
        objective, Cost
    )
    if not monotone:
        return None

    def corners(tp_lo, tp_hi, fp_lo, fp_hi, positives, negatives):
        values = [
            evaluate(objective, name, tp, fp, positives - tp, negatives - fp)
            for tp in (tp_lo, tp_hi)
            for fp in (fp_lo, fp_hi)
        ]
        return np.maximum.reduce(values)

    return corners


def _mcc_bound(tp_lo, tp_hi, fp_lo, fp_hi, positives, negatives):
    """MCC = (tp N - fp P) / sqrt(P N q (n - q)), q = tp + fp: the numerator is
    monotone, ``q (n - q)`` concave in ``q``; 0 where the denominator is 0."""
    n = positives + negatives
    top = tp_hi * negatives - fp_lo * positives  # the largest numerator
    q_lo, q_hi = tp_lo + fp_lo, tp_hi + fp_hi
    g_lo = np.minimum(q_lo * (n - q_lo), q_hi * (n - q_hi))
    middle = np.clip(n / 2, q_lo, q_hi)
    g_hi = middle * (n - middle)
    scale = positives * negatives
    d_lo = np.sqrt(scale * np.maximum(g_lo, 0.0))
    d_hi = np.sqrt(scale * np.maximum(g_hi, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        above = np.where(d_lo > 0, top / np.where(d_lo > 0, d_lo, 1.0), 1.0)
        below = np.where(d_hi > 0, top / np.where(d_hi > 0, d_hi, 1.0), 0.0)
    below = np.where(g_lo <= 0, np.maximum(below, 0.0), below)  # 0 is reachable
    return np.where(top > 0, np.minimum(above, 1.0), below)


def _fallback_of(objective: Objective) -> Objective:
    """The rate whose closest approach is taken where a floor is never met."""
    return type(objective)._constraint


# ----------------------------------------------------------------------------------
# Summaries: fixed-size, mergeable counts per cell
# ----------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Refinement:
    """What a pass counts: cells ``[lo[i], hi[i]]`` of the key, each cut into
    children by ``(key - lo[i]) >> shift[i]`` (shift 0: one child per key).

    ``size`` bounds the children met: ``2**bits`` per cell, or the rows the cells
    hold where the pass gathers their keys one by one (``bits`` 0). ``itemsize``
    is 4 for float32 keys, 8 for float64 keys; ``start_at`` the threshold whose
    counts are taken along (the default threshold).
    """

    lo: np.ndarray
    hi: np.ndarray
    shift: np.ndarray
    bits: int
    itemsize: int
    start_at: float
    size: int

    def same(self, other: Refinement) -> bool:
        return self is other or (
            (self.bits, self.itemsize, self.start_at, self.size)
            == (other.bits, other.itemsize, other.start_at, other.size)
            and np.array_equal(self.lo, other.lo)
            and np.array_equal(self.hi, other.hi)
            and np.array_equal(self.shift, other.shift)
        )


def key_size(dtype: np.dtype) -> int:
    """Bytes of the keys of scores of ``dtype``: the dtype the sweep sorts them in
    (float16 as float32, same values; integers as float64)."""
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        return 8
    if dtype.itemsize > 8:
        raise ValueError(
            f"scores of dtype {dtype} cannot be tuned in bounded memory; convert "
            f"them to float64."
        )
    return 4 if dtype.itemsize <= 4 else 8


def root(dtype: np.dtype, start_at: float = 0.5, bits: int = BITS) -> Refinement:
    """Pass 1's refinement: the whole key range, cut by its top ``bits`` bits."""
    itemsize = key_size(dtype)
    width = 8 * itemsize
    return Refinement(
        lo=np.zeros(1, np.uint64),
        hi=np.array([2**width - 1], np.uint64),
        shift=np.array([width - bits], np.uint64),
        bits=bits,
        itemsize=itemsize,
        start_at=float(start_at),
        size=2**bits,
    )


@dataclass(eq=False)
class Summary:
    """Counts of one score column under a refinement (one block, or merged).

    Only non-empty cells are held, in increasing order: ``cell``, their first
    possible key (``lo[i] + (child << shift[i])`` for child ``child`` of refined
    cell ``i``);
    ``pos``/``neg``, the (weighted) positives and negatives there; ``rows``, the
    rows of nonzero weight; ``kmin``/``kmax``, their lowest and highest key. At
    most ``refinement.size`` cells, whatever the rows. ``hits``: positive rows,
    whatever their weight; ``start_pos``/``start_neg``: weight of positives and
    negatives scoring ``>= start_at``; ``n``: rows, zero weights included.
    """

    refinement: Refinement
    cell: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    rows: np.ndarray
    kmin: np.ndarray
    kmax: np.ndarray
    hits: int = 0
    start_pos: float = 0.0
    start_neg: float = 0.0
    n: int = 0

    @property
    def nbytes(self) -> int:
        arrays = (self.cell, self.pos, self.neg, self.rows, self.kmin, self.kmax)
        return sum(a.nbytes for a in arrays)

    @staticmethod
    def max_nbytes(refinement: Refinement) -> int:
        """The most a summary under ``refinement`` holds: one entry per cell."""
        return 48 * refinement.size


def _values(scores, itemsize: int) -> np.ndarray:
    """A private copy of one block's scores in the keys' dtype, -0.0 as 0.0."""
    raw = np.asarray(scores)
    if raw.ndim != 1:
        raise ValueError(f"one score column at a time; got shape {raw.shape}.")
    if key_size(raw.dtype) != itemsize:
        raise ValueError(
            f"a block of scores of dtype {raw.dtype} among blocks of float"
            f"{8 * itemsize} scores; give every block the same dtype."
        )
    values = raw.astype(f"f{itemsize}", copy=True)
    values += values.dtype.type(0)
    if np.isnan(values).any():
        raise ValueError("scores hold NaN; they cannot be tuned on.")
    return values


MAX_BINNED_CHILDREN = 2**20  # one cell cut into at most this many children: binned


def _few_children(refinement: Refinement) -> bool:
    """Whether the one cell of ``refinement`` has few enough children to count
    them in bins (pass 1's whole key range by its top bits) instead of sorting."""
    span = int(refinement.hi[0] - refinement.lo[0]) >> int(refinement.shift[0])
    return span < MAX_BINNED_CHILDREN


def _counted_in_bins(keys: np.ndarray, truth: np.ndarray, refinement: Refinement):
    """The per-child cells, positives, negatives, rows, least and largest keys of
    the keys of one cell (all inside it, unweighted), counted in bins: the same
    arrays the sorted runs give, without sorting the keys."""
    lo, shift = refinement.lo[0], refinement.shift[0]
    child = ((keys - lo) >> shift).astype(np.intp)
    size = (int(refinement.hi[0] - lo) >> int(shift)) + 1
    rows = np.bincount(child, minlength=size)
    present = np.flatnonzero(rows)
    pos = np.bincount(child[truth], minlength=size)[present].astype(np.float64)
    kmin = np.full(size, np.iinfo(np.uint64).max, np.uint64)
    np.minimum.at(kmin, child, keys)
    kmax = np.zeros(size, np.uint64)
    np.maximum.at(kmax, child, keys)
    rows = rows[present].astype(np.int64)
    flat = lo + (present.astype(np.uint64) << shift)
    return flat, pos, rows - pos, rows, kmin[present], kmax[present]


def summarise(scores, truth, weight, refinement: Refinement) -> Summary:
    """Count one block of one score column under ``refinement``.

    ``scores``: 1-D floats; ``truth``: 0/1 of the same length; ``weight``:
    nonnegative, or None. Rows of weight 0 are left out of the cells (as the sweep
    leaves them out); positive rows are counted in ``hits`` whatever their weight.
    """
    values = _values(scores, refinement.itemsize)
    truth = np.asarray(truth, dtype=bool)
    n = len(values)
    ahead = values >= np.float64(refinement.start_at)
    hits = int(np.count_nonzero(truth))
    if weight is None:
        start_pos = float(np.count_nonzero(ahead & truth))
        start_neg = float(np.count_nonzero(ahead & ~truth))
    else:
        weight = np.asarray(weight, dtype=np.float64)
        start_pos = float(weight[ahead & truth].sum())
        start_neg = float(weight[ahead & ~truth].sum())
        keep = weight != 0
        if not keep.all():
            values, truth, weight = values[keep], truth[keep], weight[keep]
    keys = monotone_keys(values).astype(np.uint64)
    lo, hi, shift = refinement.lo, refinement.hi, refinement.shift
    if len(lo):  # only rows in the span of the cells are sorted (later passes: few)
        near = (keys >= lo[0]) & (keys <= hi.max())
        if not near.all():
            keys, truth = keys[near], truth[near]
            if weight is not None:
                weight = weight[near]
    if weight is None and len(lo) == 1 and len(keys) and _few_children(refinement):
        counted = _counted_in_bins(keys, truth, refinement)
        return Summary(refinement, *counted, hits, start_pos, start_neg, n)
    if weight is None and refinement.itemsize == 4:
        # Integer counts do not depend on the order of equal keys: one sort of
        # the keys with the truth in the low bit (32-bit keys), no argsort.
        packed = np.sort((keys << np.uint64(1)) | truth)
        keys, truth = packed >> np.uint64(1), (packed & np.uint64(1)).astype(bool)
    else:
        order = np.argsort(keys, kind="stable")
        keys, truth = keys[order], truth[order]
        if weight is not None:
            weight = weight[order]
    cell = np.searchsorted(lo, keys, side="right") - 1
    inside = cell >= 0
    inside[inside] = keys[inside] <= hi[cell[inside]]
    if not inside.all():
        keys, truth, cell = keys[inside], truth[inside], cell[inside]
        if weight is not None:
            weight = weight[inside]
    child = (keys - lo[cell]) >> shift[cell]
    flat = lo[cell] + (child << shift[cell])  # the child's first key: sorted
    if not len(flat):
        empty = np.zeros(0)
        rows = np.zeros(0, np.int64)
        scalars = (hits, start_pos, start_neg, n)
        return Summary(refinement, flat, empty, empty, rows, keys, keys, *scalars)
    # Keys are sorted, so cells come in runs, in increasing order.
    change = np.flatnonzero(flat[1:] != flat[:-1])
    starts = np.concatenate([[0], change + 1])
    ends = np.append(change, len(flat) - 1)
    rows = np.diff(np.append(starts, len(flat))).astype(np.int64)
    if weight is None:
        pos = np.add.reduceat(truth.astype(np.float64), starts)
        neg = rows - pos
    else:
        pos = np.add.reduceat(np.where(truth, weight, 0.0), starts)
        neg = np.add.reduceat(np.where(truth, 0.0, weight), starts)
    return Summary(
        refinement,
        flat[starts],
        pos,
        neg,
        rows,
        keys[starts],
        keys[ends],
        hits,
        start_pos,
        start_neg,
        n,
    )


def merge(*summaries: Summary) -> Summary:
    """The summary of the union of the blocks (associative and commutative)."""
    first = summaries[0]
    for other in summaries[1:]:
        if not first.refinement.same(other.refinement):
            raise ValueError("summaries of different passes cannot be merged.")
    if len(summaries) == 1:
        return first
    cell = np.concatenate([s.cell for s in summaries])
    order = np.argsort(cell, kind="stable")
    cell = cell[order]
    change = np.flatnonzero(cell[1:] != cell[:-1])
    starts = np.concatenate([[0], change + 1]) if len(cell) else np.zeros(0, int)

    def combined(name, reduce):
        values = np.concatenate([getattr(s, name) for s in summaries])[order]
        return reduce.reduceat(values, starts) if len(cell) else values

    return Summary(
        first.refinement,
        cell[starts],
        combined("pos", np.add),
        combined("neg", np.add),
        combined("rows", np.add),
        combined("kmin", np.minimum),
        combined("kmax", np.maximum),
        sum(s.hits for s in summaries),
        sum(s.start_pos for s in summaries),
        sum(s.start_neg for s in summaries),
        sum(s.n for s in summaries),
    )


# ----------------------------------------------------------------------------------
# The frontier: every non-empty cell so far, in increasing key order
# ----------------------------------------------------------------------------------


@dataclass
class Frontier:
    """Disjoint cells covering the keys of the rows of nonzero weight.

    ``state``: open (to refine), resolved (one distinct key: one candidate cut),
    or pruned (no cut inside can be on the plateau of best values).
    """

    lo: np.ndarray
    hi: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    rows: np.ndarray
    state: np.ndarray
    itemsize: int

    @classmethod
    def advanced(cls, frontier: Frontier | None, summary: Summary) -> Frontier:
        """The open cells of ``frontier`` replaced by their counted children."""
        lo, hi = summary.kmin, summary.kmax
        state = np.where(lo == hi, _RESOLVED, _OPEN).astype(np.int8)
        parts = [(lo, hi, summary.pos, summary.neg, summary.rows)]
        states = [state]
        if frontier is not None:
            kept = frontier.state != _OPEN
            parts.append(
                tuple(
                    a[kept]
                    for a in (
                        frontier.lo,
                        frontier.hi,
                        frontier.pos,
                        frontier.neg,
                        frontier.rows,
                    )
                )
            )
            states.append(frontier.state[kept])
        lo, hi, pos, neg, rows = (np.concatenate(c) for c in zip(*parts, strict=True))
        state = np.concatenate(states)
        order = np.argsort(lo, kind="stable")
        return cls(
            lo[order],
            hi[order],
            pos[order],
            neg[order],
            rows[order],
            state[order],
            summary.refinement.itemsize,
        )

    @property
    def nbytes(self) -> int:
        arrays = (self.lo, self.hi, self.pos, self.neg, self.rows, self.state)
        return sum(a.nbytes for a in arrays)

    def floats(self, keys: np.ndarray) -> np.ndarray:
        return floats_of(keys, np.dtype(f"f{self.itemsize}"))

    def top(self) -> float:
        """The highest score (of nonzero weight)."""
        return float(self.floats(self.hi[-1:])[0])


@dataclass
class _Counts:
    """The counts at each candidate cut, in decreasing order of the cells."""

    tp: np.ndarray  # at the cell's lowest key
    fp: np.ndarray
    tp_above: np.ndarray  # of the cells above
    fp_above: np.ndarray
    positives: float
    negatives: float


def _counts(frontier: Frontier) -> _Counts:
    pos, neg = frontier.pos[::-1], frontier.neg[::-1]
    tp, fp = np.cumsum(pos), np.cumsum(neg)
    tp_above = np.concatenate([[0.0], tp[:-1]])
    fp_above = np.concatenate([[0.0], fp[:-1]])
    positives = float(tp[-1]) if len(tp) else 0.0
    negatives = float(fp[-1]) if len(fp) else 0.0
    return _Counts(tp, fp, tp_above, fp_above, positives, negatives)


def _nothing(frontier: Frontier, objective, name, proba, counts) -> float:
    """The value of "predict nothing"; -inf where no threshold expresses it."""
    if proba and len(frontier.lo) and frontier.top() >= 1.0:
        return -np.inf
    zero = np.zeros(1)
    p, n = counts.positives, counts.negatives
    return float(evaluate(objective, name, zero, zero, zero + p, zero + n)[0])


def plan_refinement(
    frontier: Frontier,
    objective: Objective,
    name: str,
    *,
    proba: bool,
    bits: int = BITS,
    cells: int = CELLS,
    start_at: float = 0.5,
) -> tuple[Frontier, Refinement | None]:
    """Prune the cells that cannot hold a best cut; the next pass's refinement of
    the others (None when every cell left is resolved or pruned)."""
    bound = bound_of(objective, name)
    if bound is None:
        raise ValueError(
            f"the objective {name} is not covered by bounded-memory tuning; covered: "
            f"f1, jaccard, accuracy, balanced_accuracy, youden, mcc, FBeta, Cost, "
            f"RecallAtPrecision, PrecisionAtRecall."
        )
    c = _counts(frontier)
    p, n = c.positives, c.negatives
    values = evaluate(objective, name, c.tp, c.fp, p - c.tp, n - c.fp)
    lower = max(
        float(values.max()) if len(values) else -np.inf,
        _nothing(frontier, objective, name, proba, c),
    )
    line = plateau_floor(lower)
    slack = _SLACK * max(1.0, abs(lower)) if math.isfinite(lower) else 0.0
    state = frontier.state[::-1].copy()
    open_ = state == _OPEN
    upper = np.full(len(state), -np.inf)
    if open_.any():
        upper[open_] = bound(
            c.tp_above[open_], c.tp[open_], c.fp_above[open_], c.fp[open_], p, n
        )
    prune = open_ & ((upper == -np.inf) | (upper + slack < line))
    # Exact values below the line are below the plateau of the best value.
    prune |= (state == _RESOLVED) & ((values == -np.inf) | (values < line))
    state[prune] = _PRUNED
    frontier = _collapsed(frontier, state[::-1])
    if np.count_nonzero(frontier.state == _RESOLVED) > cells:
        raise BoundExceeded(
            f"more than {cells} distinct scores may lie on a plateau of best values of "
            f"{name}; tune on a table of distinct scores, or raise cells=."
        )
    refine = frontier.state == _OPEN
    count = int(np.count_nonzero(refine))
    if not count:
        return frontier, None
    lo, hi = frontier.lo[refine], frontier.hi[refine]
    rows = int(frontier.rows[refine].sum())
    if rows <= cells:  # few rows left: take their keys one by one, the last pass
        shift = np.zeros(count, dtype=np.uint64)
        return frontier, Refinement(lo, hi, shift, 0, frontier.itemsize, start_at, rows)
    b = bits
    while b > 1 and count << b > cells:
        b -= 1
    shift = np.array(
        [max(0, int(h - low).bit_length() - b) for low, h in zip(lo, hi, strict=True)],
        dtype=np.uint64,
    )
    size = count << b
    return frontier, Refinement(lo, hi, shift, b, frontier.itemsize, start_at, size)


def _collapsed(frontier: Frontier, state: np.ndarray) -> Frontier:
    """Adjacent pruned cells as one: only their sums are read."""
    pruned = state == _PRUNED
    new = np.ones(len(state), dtype=bool)
    new[1:] = ~(pruned[1:] & pruned[:-1])
    starts = np.flatnonzero(new)
    if len(starts) == len(state):
        return Frontier(
            frontier.lo,
            frontier.hi,
            frontier.pos,
            frontier.neg,
            frontier.rows,
            state,
            frontier.itemsize,
        )
    ends = np.concatenate([starts[1:] - 1, [len(state) - 1]])
    return Frontier(
        frontier.lo[starts],
        frontier.hi[ends],
        np.add.reduceat(frontier.pos, starts),
        np.add.reduceat(frontier.neg, starts),
        np.add.reduceat(frontier.rows, starts),
        state[starts],
        frontier.itemsize,
    )


@dataclass(frozen=True)
class Best:
    """The engine's choice: threshold, value, and the counts at the chosen cut."""

    threshold: float
    value: float
    tp: float
    fp: float
    fn: float
    tn: float


def finish(frontier: Frontier, objective: Objective, name: str, *, proba: bool) -> Best:
    """The engine's best cut (``sweep`` + ``best_cut``) on a frontier with no open
    cells: pruned cells are candidates below the plateau line."""
    if (frontier.state == _OPEN).any():
        raise ValueError("the frontier still has open cells: refine them first.")
    c = _counts(frontier)
    p, n = c.positives, c.negatives
    values = evaluate(objective, name, c.tp, c.fp, p - c.tp, n - c.fp)
    values = np.where(frontier.state[::-1] == _PRUNED, -np.inf, values)
    nothing = _nothing(frontier, objective, name, proba, c)
    index, best = plateau_middle(np.concatenate([[nothing], values]))
    top = frontier.top() if len(frontier.lo) else 0.0
    if proba:
        first = float(np.nextafter(1.0, np.inf)) if top >= 1.0 else 1.0
    else:
        first = float(np.nextafter(top, np.inf))
    if index == 0:
        return Best(first, best, 0.0, 0.0, p, n)
    at = index - 1  # the cell, in decreasing order
    hi = frontier.hi[::-1]
    upper = float(frontier.floats(hi[at : at + 1])[0])
    cuts = [first, upper]
    if at + 1 < len(hi):
        cuts.append(float(frontier.floats(hi[at + 1 : at + 2])[0]))
    tp, fp = float(c.tp[at]), float(c.fp[at])
    return Best(midpoint(np.array(cuts), 1), best, tp, fp, p - tp, n - fp)


# ----------------------------------------------------------------------------------
# One column, pass by pass
# ----------------------------------------------------------------------------------


@dataclass
class ColumnResult:
    """What ``tune_columns`` finds for one column."""

    threshold: float
    best: float
    start: float
    untuned: bool = False
    constant: bool = False
    hits: int = 0
    unreachable: tuple[float, float, float] | None = None
    passes: int = 0
    peak_cells: int = 0


@dataclass(frozen=True)
class _Scalars:
    hits: int
    start_pos: float
    start_neg: float


@dataclass
class ColumnTuner:
    """Exact tuning of one score column from the merged summary of each pass.

    Start with ``ColumnTuner(objective, name, proba=..., dtype=...)``; while
    :attr:`refinement` is not None, summarise every block under it, merge, and
    :meth:`feed` the merged summary; then :meth:`result`.
    """

    objective: Objective
    name: str
    proba: bool
    dtype: np.dtype
    start_at: float = 0.5
    default: float | None = None
    bits: int = BITS
    cells: int = CELLS
    refinement: Refinement | None = field(init=False)
    _frontier: Frontier | None = field(init=False, default=None)
    _first: Frontier | None = field(init=False, default=None)
    _phase: Objective | None = field(init=False, default=None)
    _result: ColumnResult | None = field(init=False, default=None)
    _passes: int = field(init=False, default=0)
    _peak: int = field(init=False, default=0)
    _pass1: _Scalars | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if bound_of(self.objective, self.name) is None:
            raise ValueError(
                f"the objective {self.name} is not covered by bounded-memory tuning; "
                f"covered: f1, jaccard, accuracy, balanced_accuracy, youden, mcc, "
                f"FBeta, Cost, RecallAtPrecision, PrecisionAtRecall."
            )
        self.refinement = root(self.dtype, self.start_at, self.bits)
        self._phase = self.objective

    def feed(self, summary: Summary) -> None:
        """Take the merged summary of the pass asked for by :attr:`refinement`."""
        if self.refinement is None or not summary.refinement.same(self.refinement):
            raise ValueError("this summary is not of the pass the tuner asked for.")
        self._passes += 1
        self._peak = max(self._peak, summary.refinement.size)
        if self._pass1 is None:
            self._pass1 = _Scalars(summary.hits, summary.start_pos, summary.start_neg)
            self._frontier = Frontier.advanced(None, summary)
            self._first = self._frontier
            if self._untuned_or_constant():
                return
        else:
            self._frontier = Frontier.advanced(self._frontier, summary)
        self._plan()

    def _untuned_or_constant(self) -> bool:
        s, frontier = self._pass1, self._frontier
        positives, negatives = float(frontier.pos.sum()), float(frontier.neg.sum())
        untuned = positives <= 0 or negatives <= 0
        constant = not untuned and frontier.lo[0] == frontier.hi[-1]
        if not (untuned or constant):
            return False
        t = self.start_at if self.default is None else float(self.default)
        if t != self.start_at:
            raise ValueError("the default threshold must be start_at.")
        achieved = self.objective
        if isinstance(achieved, Constrained):
            achieved = achieved.achieved
        counts = self._start_counts(positives, negatives)
        b = float(evaluate(achieved, self.name, *counts)[0])
        self._result = ColumnResult(
            t, b, self._start(), untuned, constant, s.hits, passes=self._passes
        )
        self.refinement = None
        return True

    def _start_counts(self, positives, negatives) -> list[np.ndarray]:
        s = self._pass1
        tp, fp = s.start_pos, s.start_neg
        return [np.array([v]) for v in (tp, fp, positives - tp, negatives - fp)]

    def _start(self) -> float:
        positives = float(self._first.pos.sum())
        negatives = float(self._first.neg.sum())
        counts = self._start_counts(positives, negatives)
        return float(evaluate(self.objective, self.name, *counts)[0])

    def _plan(self) -> None:
        settings = {k: getattr(self, k) for k in ("proba", "bits", "cells", "start_at")}
        self._frontier, self.refinement = plan_refinement(
            self._frontier, self._phase, self.name, **settings
        )
        self._peak = max(self._peak, len(self._frontier.lo))
        if self.refinement is not None:
            return
        best = finish(self._frontier, self._phase, self.name, proba=self.proba)
        hits = self._pass1.hits
        if self._phase is self.objective:
            if best.value == -np.inf and isinstance(self.objective, Constrained):
                # No cut meets the floor: the cut closest to it, from pass 1 on.
                self._phase = _fallback_of(self.objective)
                self._frontier = self._first
                self._plan()
                return
            self._result = ColumnResult(
                best.threshold, best.value, self._start(), hits=hits
            )
        else:
            counts = [np.array([v]) for v in (best.tp, best.fp, best.fn, best.tn)]
            achieved = float(evaluate(self.objective.achieved, self.name, *counts)[0])
            self._result = ColumnResult(
                best.threshold,
                achieved,
                self._start(),
                hits=hits,
                unreachable=(best.value, best.threshold, achieved),
            )
        self._result.passes = self._passes
        self._result.peak_cells = self._peak

    def result(self) -> ColumnResult:
        if self._result is None:
            raise ValueError("the tuner still needs passes: see .refinement.")
        return self._result
