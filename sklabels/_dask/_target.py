"""The target of a Dask fit or tuning: classes and problem from one reduction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .._targets import (
    check_sequence_label_types,
    check_uniform_label_types,
    fit_target,
    split_form,
)
from .._text import natural_order
from ._blocks import tree


@dataclass
class _TargetSummary:
    """What one block of ``y`` says about the whole: its form and its labels."""

    form: str
    labels: Any = None  # distinct labels (labels, column, sets)
    one_per_row: bool = True  # every row has exactly one 1 (matrix forms)
    dtype: Any = None
    columns: Any = None
    width: int = 0


def _summarise_target(block: Any, problem: str) -> _TargetSummary:
    check_sequence_label_types(block, "y")
    form, values = split_form(block, "y")
    if form == "sets":
        flat = np.empty(sum(len(r) for r in values), dtype=object)
        flat[:] = [label for r in values for label in r]
        check_uniform_label_types(flat)
        return _TargetSummary("sets", _unique(flat))
    if form == "column" and problem == "multilabel":
        form = "indicator"
    if form in ("labels", "column"):
        labels = values.ravel()
        check_uniform_label_types(labels)
        if labels.dtype.kind == "f" and not np.isfinite(labels).all():
            fit_target(labels, problem=problem)  # the in-memory error
        return _TargetSummary(form, _unique(labels), dtype=labels.dtype)
    # Values other than 0 and 1 raise when the blocks are encoded (the in-memory
    # error); here only the row sums matter.
    columns = list(block.columns) if hasattr(block, "columns") else None
    one = bool((values.sum(axis=1) == 1).all())
    return _TargetSummary(form, None, one, values.dtype, columns, values.shape[1])


def _unique(labels: np.ndarray) -> np.ndarray:
    if labels.dtype.kind == "O":
        labels = natural_order(labels)
    return np.unique(labels)


def _merge_summaries(*parts: _TargetSummary) -> _TargetSummary:
    first = parts[0]
    if first.labels is None:
        one = all(p.one_per_row for p in parts)
        return _TargetSummary(
            first.form, None, one, first.dtype, first.columns, first.width
        )
    labels = np.empty(sum(len(p.labels) for p in parts), dtype=object)
    labels[:] = [x for p in parts for x in p.labels.tolist()]
    check_uniform_label_types(labels)
    merged = np.concatenate([p.labels for p in parts])
    return _TargetSummary(first.form, _unique(merged), dtype=first.dtype)


def _representative(summary: _TargetSummary) -> Any:
    """A small ``y`` that ``fit_target`` encodes as it would the whole ``y``."""
    if summary.form == "sets":
        return [tuple(summary.labels.tolist())]
    if summary.labels is not None:
        labels = summary.labels.astype(summary.dtype, copy=False)
        return labels.reshape(-1, 1) if summary.form == "column" else labels
    return _matrix_representative(summary)


def reduce_target(y_blocks: list, *, problem: str, classes: Any):
    """Encoding of a ``y`` cut in row blocks, from one reduction over the blocks.

    Classes and problem kind depend on the distinct labels (1-D labels, label
    sets) or on whether every row of a 0/1 matrix has exactly one 1: both are
    reduced over all blocks, and ``fit_target`` is run on a small ``y`` with the
    same labels (or rows), so the encoding is the one of the whole ``y``.
    """
    import dask

    summarise = dask.delayed(_summarise_target, pure=True)
    summary = tree([summarise(b, problem) for b in y_blocks], _merge_summaries)
    summary = summary.compute()
    encoding, _ = fit_target(_representative(summary), problem=problem, classes=classes)
    return encoding


def _matrix_representative(summary: _TargetSummary) -> Any:
    """One-hot rows (``np.eye``) when every row has one 1, else one row of zeros."""
    k = summary.width
    rows = np.eye(k) if summary.one_per_row else np.zeros((1, k))
    rows = rows.astype(summary.dtype)
    if summary.columns is not None:
        import pandas as pd

        return pd.DataFrame(rows, columns=summary.columns)
    return rows
