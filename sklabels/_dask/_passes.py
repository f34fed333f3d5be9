"""Exact tuning on Dask inputs in memory independent of the rows: the bounded
tuner's passes (``sklabels._bounded``) over the blocks.

Each pass summarises every block under the refinements the column tuners ask for
(fixed-size summaries), merges them in a tree, and feeds each column's tuner its
merged summary; passes repeat while a tuner asks for one (usually 2). The blocks
are read again on every pass, not persisted: holding the scores between passes
would take memory that grows with the rows, which is what this path avoids.

Micro average: the columns' summaries of a block are merged into one (the pooled
column) and one tuner takes them. Logit scores and the micro per-label values
need one more pass of mergeable reductions at the chosen thresholds: the nearest
scores on either side of a cut (its probability, as in memory) and the confusion
counts of each label.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from .._bounded import ColumnTuner, merge
from .._bounded_blocks import column_tuning, counts_at, neighbours, summarise_block
from .._objectives import Constrained, evaluate
from .._rules import default_threshold
from .._scores import PROBA
from .._sweep import ColumnTuning, warn_about
from .._tuning import TuningResult, cutoff_result, label_of, logits_to_probabilities
from ._blocks import tree


@dataclass(frozen=True)
class Job:
    """What one Dask tuning call tunes, whichever path (passes or merged tables)
    tunes it, and how its result is labelled."""

    problem: str
    classes: np.ndarray
    pos_index: int
    objective: Any
    name: str
    average: str
    kind: str
    logits: bool

    @property
    def micro(self) -> bool:
        return self.problem == "multilabel" and self.average == "micro"

    @property
    def owners(self) -> np.ndarray:
        """The labels of the tuned columns (binary: the positive class only)."""
        if self.problem == "binary":
            return self.classes[[self.pos_index]]
        return self.classes

    def result(
        self, tuning: ColumnTuning, thresholds: np.ndarray, per_class: list
    ) -> TuningResult:
        """The tuning result, labelled as the in-memory tuner labels it."""
        labelling = {
            key: getattr(self, key)
            for key in ("owners", "classes", "problem", "pos_index", "name")
            + ("average", "micro", "logits")
        }
        return cutoff_result(tuning, thresholds, per_class, **labelling)

    def warn(self, tuning: ColumnTuning) -> None:
        """The in-memory tuner's warnings about untuned or few-positive columns."""
        if self.micro:
            pooled = np.array(["the pooled labels"], dtype=object)
            warn_about(tuning, pooled, self.objective, str)
        else:
            warn_about(tuning, self.owners, self.objective, label_of)


def repeated_tuning(pooled: ColumnTuning, k: int) -> ColumnTuning:
    """The pooled tuning shared by ``k`` labels (as the in-memory micro tuning)."""
    curves = None if pooled.curves is None else pooled.curves * k
    return replace(
        pooled,
        thresholds=np.repeat(pooled.thresholds[:1], k),
        best=np.repeat(pooled.best[:1], k),
        curves=curves,
        start=np.repeat(pooled.start[:1], k),
    )


def tune_in_passes(blocks: list, columns_of, job: Job, on_no_weight) -> TuningResult:
    """The exact tuning of the columns ``columns_of(block)`` gives, pass by pass.

    ``columns_of`` returns a block's tuned columns, their 0/1 truth and the
    weights (None for a block of no rows). Raises ``BoundExceeded`` where a
    plateau of best values holds more candidates than the bound allows.
    """
    import dask

    micro, objective = job.micro, job.objective
    dtype = _dtype(blocks, columns_of)
    default = default_threshold(job.kind)
    tuners = [
        ColumnTuner(objective, job.name, job.kind == PROBA, dtype, start_at=default)
        for _ in range(1 if micro else len(job.owners))
    ]
    first = True
    while any(t.refinement is not None for t in tuners):
        # One key for the refinements, not a copy in every task.
        asked = dask.delayed([t.refinement for t in tuners], traverse=False)
        # A block is read and summarised in one task: its columns (tens of MB)
        # are never a result the scheduler holds, only its summaries (fixed size).
        summarise = dask.delayed(_summaries, pure=True)
        merged = in_waves(
            [summarise(b, columns_of, asked, micro) for b in blocks], _merged
        )
        if first:
            _check_rows(merged, on_no_weight)
            first = False
        for tuner, summary in zip(tuners, merged, strict=True):
            if tuner.refinement is not None:
                tuner.feed(summary)
    results = [t.result() for t in tuners]
    tuning = column_tuning(results)
    if micro:
        tuning = repeated_tuning(tuning, len(job.owners))
    job.warn(tuning)
    thresholds, per_class = tuning.thresholds, [float(b) for b in tuning.best]
    if job.logits or micro:
        at = dask.delayed(_at_thresholds, pure=True)
        parts = [at(b, columns_of, tuning.thresholds) for b in blocks]
        (counts, near) = in_waves(parts, _merged_at)
        if job.logits:
            thresholds = np.array(
                [_probability(t, *n) for t, n in zip(thresholds, near, strict=True)]
            )
        if micro:
            achieved = objective
            if isinstance(objective, Constrained):
                achieved = objective.achieved
            per_class = [
                float(evaluate(achieved, job.name, *(np.array([v]) for v in c))[0])
                for c in counts
            ]
    return job.result(tuning, thresholds, per_class)


def _client() -> Any:
    """The distributed client the computation runs on, or None (local scheduler)."""
    try:
        from distributed import get_client

        return get_client()
    except (ImportError, ValueError):  # no distributed client
        return None


def wave_size() -> int:
    """Blocks in flight at once: four per worker thread of the distributed client
    (the machine's cores without one), at least 8."""
    import os

    client = _client()
    threads = sum(client.nthreads().values()) if client else os.cpu_count() or 1
    return max(8, 4 * threads)


def in_waves(parts: list, combine) -> Any:
    """``combine`` of the delayed per-block ``parts``, in waves of ``wave_size()``
    blocks (each read from its source in its task; at most two waves in flight), so
    the blocks held stay bounded whatever their number and however the scheduler
    orders them. Waves are combined in block order: the result does not depend on
    which block finishes first."""
    import dask

    size = wave_size()
    client = _client()
    if client is not None:
        return _in_window(client, parts, combine, size)
    total = None
    for start in range(0, len(parts), size):  # the local scheduler: waves
        (part,) = dask.compute(tree(parts[start : start + size], combine))
        total = part if total is None else combine(total, part)
    return total


def _in_window(client: Any, parts: list, combine, size: int) -> Any:
    """``in_waves`` on a distributed client: each wave reduced on the workers, the
    next wave submitted before this one is gathered (two waves in flight at most),
    so the workers never wait on the client between waves."""
    waves = [tree(parts[i : i + size], combine) for i in range(0, len(parts), size)]
    futures = [client.compute(wave) for wave in waves[:2]]
    total = None
    for k in range(len(waves)):
        part = futures[k].result()
        futures[k].release()
        futures[k] = None
        if k + 2 < len(waves):
            futures.append(client.compute(waves[k + 2]))
        total = part if total is None else combine(total, part)
    return total


def _dtype(blocks: list, columns_of) -> np.dtype:
    """The dtype of the tuned columns (it sets the keys' width): that of the first
    block with rows."""
    import dask

    dtype_of = dask.delayed(_columns_dtype, pure=True)
    for block in blocks:
        (dtype,) = dask.compute(dtype_of(block, columns_of))
        if dtype is not None:
            return dtype
    raise ValueError("scores hold no rows; there is nothing to tune on.")


def _columns_dtype(block: tuple, columns_of) -> np.dtype | None:
    part = columns_of(block)
    return None if part is None else part[0].dtype


def _check_rows(merged: list | None, on_no_weight) -> None:
    if merged is None:
        raise ValueError("scores hold no rows; there is nothing to tune on.")
    if not any(s.pos.any() or s.neg.any() for s in merged):
        on_no_weight()  # every weight is 0: scikit-learn's error


def _summaries(block: tuple, columns_of, refinements: list, micro: bool) -> list | None:
    """One block's summaries, one per tuner (micro: the columns' merged)."""
    part = columns_of(block)
    if part is None:
        return None
    columns, truth, weight = part
    if not micro:
        return summarise_block(columns, truth, weight, refinements)
    (refinement,) = refinements
    if refinement is None:
        return [None]
    k = columns.shape[1]
    return [merge(*summarise_block(columns, truth, weight, [refinement] * k))]


def _merged(*parts: list | None) -> list | None:
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    return [
        None if column[0] is None else merge(*column)
        for column in zip(*parts, strict=True)
    ]


def _at_thresholds(block: tuple, columns_of, thresholds: np.ndarray) -> tuple | None:
    """Per column: the counts at its threshold and the nearest scores around it."""
    part = columns_of(block)
    if part is None:
        return None
    columns, truth, weight = part
    counts = np.array(
        [
            counts_at(columns[:, j], truth[:, j], weight, t)
            for j, t in enumerate(thresholds)
        ]
    )
    near = np.array([neighbours(columns[:, j], t) for j, t in enumerate(thresholds)])
    return counts, near


def _merged_at(*parts: tuple | None) -> tuple | None:
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    counts = np.sum([p[0] for p in parts], axis=0)
    below = np.max([p[1][:, 0] for p in parts], axis=0)
    above = np.min([p[1][:, 1] for p in parts], axis=0)
    return counts, np.column_stack([below, above])


def _probability(cut: float, below: float, above: float) -> float:
    """A logit cut-off as a probability, nudged as in memory: the rule compares
    every score with the cut the same way iff it does the two nearest ones."""
    near = np.array([v for v in (below, above) if np.isfinite(v)])
    return float(logits_to_probabilities(np.array([cut]), near[:, None])[0])
