"""Exact tuning on Dask inputs: tables of distinct scores, merged in a tree.

Each block becomes one table per tuned column: its distinct scores with the
(weighted) positive and negative counts at each. The tables are merged in a tree
and the in-memory sweep runs on the merged table: the same cuts, the same
confusion counts, the same thresholds and objective values. Multiclass ratio
tuning needs every row jointly; its scores and codes are gathered in memory.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from .._bounded import BoundExceeded, bound_of
from .._rules import default_threshold
from .._scores import MARGIN, PROBA, Scores, scores_from_array
from .._sorted_counts import distinct_counts
from .._sweep import ColumnTuning, tune_columns, value_at
from .._targets import truth_positive_index
from .._tuning import (
    check_tuning_options,
    cutoff_columns,
    logits_to_probabilities,
    tune_scores,
)
from .._warnings import FEW_POSITIVES
from ._blocks import aligned_blocks, check_block_rows, length, refuse_bag, tree
from ._passes import Job, repeated_tuning, tune_in_passes
from ._target import reduce_target


@dataclass
class Table:
    """One score column's distinct values (ascending) and the counts at each.

    ``pos``/``neg``: (weighted) positives and negatives scoring exactly ``values``;
    ``hits``: positive rows, whatever their weight (for the few-positives warning).
    """

    values: np.ndarray
    pos: np.ndarray
    neg: np.ndarray
    hits: int

    @classmethod
    def of(cls, column: np.ndarray, truth: np.ndarray, weight: Any) -> Table:
        truth = truth.astype(bool, copy=False)
        hits = int(np.count_nonzero(truth))
        if weight is None and column.dtype == np.float32 and len(column):
            # The engine's integer-key sort (no argsort); unweighted counts are
            # integers, so the differences of its counts below are exact.
            distinct, pos_below, all_below, positives, total = distinct_counts(
                column, truth
            )
            pos = np.diff(pos_below, append=positives)
            size = np.diff(all_below, append=total)
            return cls(distinct, pos * 1.0, (size - pos) * 1.0, hits)
        column = column + column.dtype.type(0)  # -0.0 is 0.0
        order = np.argsort(column, kind="stable")
        w = np.ones(len(column)) if weight is None else np.asarray(weight, float)
        return cls._runs(column[order], truth[order], w[order], hits)

    @classmethod
    def empty(cls) -> Table:
        """The table of no rows (an empty block)."""
        return cls(np.zeros(0), np.zeros(0), np.zeros(0), 0)

    @classmethod
    def merge(cls, tables: list[Table]) -> Table:
        # Empty blocks' tables add nothing (and their float64 would upcast).
        tables = [t for t in tables if len(t.values)] or tables[:1]
        if len(tables) == 1:
            return tables[0]
        values = np.concatenate([t.values for t in tables])
        # Stable sort (timsort) of sorted runs: it merges them.
        order = np.argsort(values, kind="stable")
        ordered = values[order]
        starts = _run_starts(ordered)
        pos = np.add.reduceat(np.concatenate([t.pos for t in tables])[order], starts)
        neg = np.add.reduceat(np.concatenate([t.neg for t in tables])[order], starts)
        return cls(ordered[starts], pos, neg, sum(t.hits for t in tables))

    @classmethod
    def _runs(cls, ordered, truth, weight, hits) -> Table:
        if not len(ordered):
            empty = np.zeros(0)
            return cls(ordered, empty, empty, hits)
        starts = _run_starts(ordered)
        pos = np.add.reduceat(np.where(truth, weight, 0.0), starts)
        neg = np.add.reduceat(np.where(truth, 0.0, weight), starts)
        return cls(ordered[starts], pos, neg, hits)

    def rows(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Two weighted rows per distinct score, one positive and one negative:
        the sweep over them gives the counts of the sweep over all rows."""
        # Interleaved, so that the rows are already in order for the sweep's sort.
        m = len(self.values)
        values = np.repeat(self.values, 2)
        truth = np.tile(np.array([True, False]), m)
        weight = np.empty(2 * m)
        weight[0::2], weight[1::2] = self.pos, self.neg
        keep = weight != 0  # the sweep leaves out weight-0 rows anyway
        return values[keep], truth[keep], weight[keep]


def _run_starts(ordered: np.ndarray) -> np.ndarray:
    """Where each run of equal values of a sorted array starts."""
    change = np.empty(len(ordered), dtype=bool)
    change[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=change[1:])
    return np.flatnonzero(change)


def _merge_tables(*tables: Table) -> Table:
    return Table.merge(list(tables))


def _block_tables(blocks: tuple, score, encoding, pos_index: int) -> list[Table]:
    """The tables of one row block: its scores validated and its truth encoded as
    in memory, then one table per tuned column."""
    if _empty_block(blocks):
        k = 1 if encoding.problem == "binary" else len(encoding.classes)
        return [Table.empty() for _ in range(k)]
    scores, truth, weight = _block_inputs(blocks, score, encoding)
    columns, hits, _ = cutoff_columns(
        scores.values, truth, encoding.problem, encoding.classes, pos_index
    )
    return [Table.of(columns[:, j], hits[:, j], weight) for j in range(hits.shape[1])]


def _block_columns(blocks: tuple, *, score, encoding, pos: int) -> tuple | None:
    """One row block's tuned columns, their 0/1 truth and weights (None: no rows)."""
    if _empty_block(blocks):
        return None
    scores, truth, weight = _block_inputs(blocks, score, encoding)
    columns, hits, _ = cutoff_columns(
        scores.values, truth, encoding.problem, encoding.classes, pos
    )
    return columns, hits, weight


def _empty_block(blocks: tuple) -> bool:
    """A row block of no rows (an empty partition or chunk): it adds nothing."""
    check_block_rows(*blocks)
    return length(blocks[0]) == 0


def _block_inputs(blocks: tuple, score, encoding) -> tuple[Scores, np.ndarray, Any]:
    from sklearn.utils.validation import _check_sample_weight

    data, y, weight = blocks
    check_block_rows(data, y, weight)
    scores = score(data)
    truth = encoding.encode(y)
    if weight is not None:
        # All-zero weights are refused for the whole input (tune_blocks), not
        # for one block.
        weight = _check_sample_weight(
            np.asarray(weight),
            scores.values,
            ensure_non_negative=True,
            allow_all_zero_weights=True,
        )
    return scores, truth, weight


def _check_some_weight() -> None:
    """Raise scikit-learn's error for weights that are all zero."""
    from sklearn.utils.validation import _check_sample_weight

    _check_sample_weight(np.zeros(1), np.zeros((1, 1)), ensure_non_negative=True)


def _block_arrays(blocks: tuple, score, encoding) -> tuple | None:
    if _empty_block(blocks):
        return None
    scores, truth, weight = _block_inputs(blocks, score, encoding)
    return scores.values, truth, weight


def tune_blocks(
    blocks: list[tuple],
    score,
    encoding,
    *,
    pos_index: int,
    kind: str,
    logits: bool,
    scoring: Any,
    average: str,
    keep_curves: bool,
) -> Any:
    """Tune on row blocks of (scores input, y, weight): exact, as in memory.

    ``score`` turns a block of the scores input into validated ``Scores``.
    Binary and multilabel problems: one table per column and block, merged in a
    tree, then the in-memory sweep on the merged tables. Multiclass problems: the
    scores and codes of every block gathered, then the in-memory ascent.
    """
    import dask

    problem, classes = encoding.problem, encoding.classes
    objective, name = check_tuning_options(scoring, average, problem)
    job = Job(problem, classes, pos_index, objective, name, average, kind, logits)
    if problem == "multiclass":
        parts = dask.compute(
            *[dask.delayed(_block_arrays)(b, score, encoding) for b in blocks]
        )
        parts = [p for p in parts if p is not None]
        if not parts:  # no rows at all: the in-memory error
            score(dask.compute(blocks[0][0])[0])
        values = np.concatenate([p[0] for p in parts])
        truth = np.concatenate([p[1] for p in parts])
        weight = None
        if parts[0][2] is not None:
            weight = np.concatenate([p[2] for p in parts])
            if not weight.any():
                _check_some_weight()
        options = {"scoring": objective, "sample_weight": weight}
        for key in ("problem", "classes", "pos_index", "average"):
            options[key] = getattr(job, key)
        return tune_scores(
            Scores(values, kind, logits), truth, keep_curves=keep_curves, **options
        )
    if not keep_curves and bound_of(objective, name) is not None:
        columns_of = partial(
            _block_columns, score=score, encoding=encoding, pos=pos_index
        )
        try:
            return tune_in_passes(blocks, columns_of, job, _check_some_weight)
        except BoundExceeded:
            pass  # a plateau too wide for the bound: the tables hold it
    tables_of = dask.delayed(_block_tables, pure=True)
    parts = [tables_of(b, score, encoding, pos_index) for b in blocks]
    return _tune_tables(parts, job, keep_curves=keep_curves)


def _tune_tables(parts: list, job: Job, *, keep_curves: bool) -> Any:
    """``_tune_cutoffs`` of ``_tune.py``, reading merged tables instead of rows.

    Each column's tree of merges ends on a worker with the sweep of that column
    (and its logit conversion, or its value at the shared micro threshold): the
    columns are tuned in parallel, and only their results come back.
    """
    import dask

    objective, owners, micro = job.objective, job.owners, job.micro
    default = default_threshold(job.kind)
    kwargs = dict(
        objective=objective,
        name=job.name,
        proba=job.kind == PROBA,
        keep_curves=keep_curves,
        start_at=default,
    )
    column = dask.delayed(operator.getitem, pure=True)
    trees = [
        tree([column(p, j) for p in parts], _merge_tables) for j in range(len(owners))
    ]
    tune = dask.delayed(_tune_table, pure=True)
    if micro:
        pooled = tune(tree(trees, _merge_tables), default, kwargs)
        graph = {
            "tunings": [pooled],
            "values": [dask.delayed(_micro_value)(t, pooled, kwargs) for t in trees],
            "probabilities": [dask.delayed(_probability)(t, pooled) for t in trees],
        }
    else:
        tunings = [tune(t, default, kwargs) for t in trees]
        graph = {
            "tunings": tunings,
            "probabilities": [
                dask.delayed(_probability)(t, u)
                for t, u in zip(trees, tunings, strict=True)
            ],
        }
    if not job.logits:
        del graph["probabilities"]
    (out,) = dask.compute(graph)
    if any(part is None for part in out["tunings"]):
        _check_some_weight()  # every weight is 0: scikit-learn's error
    if micro:
        tuning = repeated_tuning(out["tunings"][0], len(owners))
        per_class = out["values"]
    else:
        tuning = _stacked(out["tunings"])
        per_class = [float(b) for b in tuning.best]
    job.warn(tuning)
    thresholds = np.array(out["probabilities"]) if job.logits else tuning.thresholds
    return job.result(tuning, thresholds, per_class)


def _probability(table: Table, part: Any) -> float | None:
    """A logit cut-off as the probability the rule reproduces it with, checked on
    the column's distinct scores (the in-memory ``_logits_to_probabilities``)."""
    if part is None:
        return None
    cut = part.thresholds[:1]
    return float(logits_to_probabilities(cut, table.values[:, None])[0])


def _micro_value(table: Table, pooled: Any, kwargs: dict) -> float | None:
    """One label's own objective at the shared (micro) threshold."""
    if pooled is None:
        return None
    threshold = pooled.thresholds[0]
    return value_at(*table.rows(), threshold, kwargs["objective"], kwargs["name"])


def _tune_table(table: Table, default: float, kwargs: dict) -> Any:
    """``tune_columns`` on one table's weighted rows; the few-positives count is
    that of the rows the table stands for. None when every weight is 0."""
    if not len(table.values):
        raise ValueError("scores hold no rows; there is nothing to tune on.")
    if not (table.pos.any() or table.neg.any()):
        return None
    values, truth, weight = table.rows()
    part = tune_columns(
        values[:, None],
        truth[:, None],
        sample_weight=weight,
        defaults=np.array([default]),
        **kwargs,
    )
    few = 0 < table.hits < FEW_POSITIVES and not part.constant
    part.few = [(0, table.hits)] if few else []
    return part


def _stacked(parts: list) -> Any:
    """One ``ColumnTuning`` from the one-column tunings of each column."""
    curves = None
    if parts[0].curves is not None:
        curves = [c for p in parts for c in p.curves]
    return ColumnTuning(
        np.concatenate([p.thresholds for p in parts]),
        np.concatenate([p.best for p in parts]),
        curves,
        start=np.concatenate([p.start for p in parts]),
        untuned=[j for j, p in enumerate(parts) if p.untuned],
        constant=[j for j, p in enumerate(parts) if p.constant],
        few=[(j, m) for j, p in enumerate(parts) for _, m in p.few],
        unreachable=[(j, *u[1:]) for j, p in enumerate(parts) for u in p.unreachable],
    )


def tune(
    y_true: Any,
    scores: Any,
    *,
    tuning: str,
    n_bootstraps: int,
    verbose: int,
    problem: str,
    classes: Any,
    pos_label: Any,
    scoring: Any,
    average: str,
    sample_weight: Any,
    from_logits: bool,
    return_curves: bool,
) -> Any:
    """``tune_thresholds`` with a Dask ``y_true``, ``scores`` or ``sample_weight``."""
    if tuning != "exact" or n_bootstraps or verbose:
        raise ValueError(
            f"tune_thresholds on Dask inputs tunes exactly from merged counts; "
            f"tuning={tuning!r}, n_bootstraps={n_bootstraps!r} and "
            f"verbose={verbose!r} need every row in memory. Use tuning='exact', "
            f"n_bootstraps=0 and verbose=0, or compute() the inputs first."
        )
    for obj, name in ((y_true, "y_true"), (scores, "scores"), (sample_weight, "w")):
        refuse_bag(obj, name)
    blocks = aligned_blocks(scores, y_true, sample_weight)
    encoding = reduce_target([b[1] for b in blocks], problem=problem, classes=classes)
    pos_index = truth_positive_index(encoding, pos_label, classes)
    score = partial(
        _array_scores,
        classes=encoding.classes,
        problem=encoding.problem,
        from_logits=from_logits,
        owner=pos_index,
    )
    return tune_blocks(
        blocks,
        score,
        encoding,
        pos_index=pos_index,
        kind=MARGIN if from_logits else PROBA,
        logits=bool(from_logits),
        scoring=scoring,
        average=average,
        keep_curves=return_curves,
    )


def _array_scores(block: Any, **options: Any) -> Scores:
    return scores_from_array(block, **options)[0]
