"""Dask inputs: lazy ``decode`` and ``predict``, exact tuning from merged counts.

Dask is imported only when a Dask collection is passed in (``is_dask``), so the
package imports without it.

- ``decode`` and the classifier's predict methods run the in-memory code on each
  block (``map_blocks``) or partition (``map_partitions``): nothing is computed
  until the user asks, and each block's labels are those of the in-memory call.
  The only decision that needs every row, the problem kind of a multi-column score
  array under ``problem="auto"``, is taken from a reduction over all rows that
  reproduces the in-memory rule exactly (``_infer_problem``).
- ``tune_thresholds`` on Dask inputs reduces every block to a table of its distinct
  scores with the (weighted) positive and negative counts at each, merges the tables
  in a tree, and runs the in-memory sweep on the merged table: the same cuts, the
  same confusion counts, the same thresholds and objective values. Multiclass ratio
  tuning needs every row jointly; its scores and codes are gathered in memory.
"""

from __future__ import annotations

import copy
import itertools
import operator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ._backend import any_dask, is_dask  # noqa: F401 (the layer's own test)
from ._scores import (
    MARGIN,
    PROBA,
    ROUNDING_DECIMALS,
    ROUNDING_LIMIT,
    Scores,
    _column_error,
    _float_tolerance,
    align_named_columns,
    as_float_array,
    check_finite,
    infer_problem,
    scores_from_array,
)
from ._targets import (
    PROBLEMS,
    _split_form,
    as_class_array,
    check_sequence_label_types,
    check_uniform_label_types,
    fit_target,
    truth_positive_index,
    with_extra_label,
)
from ._text import natural_order

# Tables merged per task in the tree reduction.
FAN_IN = 8


def _is_frame(obj: Any) -> bool:
    """A Dask DataFrame or Series (partitions are pandas objects)."""
    import dask.dataframe as dd

    return isinstance(obj, dd.DataFrame | dd.Series)


def _is_bag(obj: Any) -> bool:
    import dask.bag as db

    return isinstance(obj, db.Bag)


def _refuse_bag(obj: Any, name: str) -> None:
    if is_dask(obj) and _is_bag(obj):
        raise TypeError(
            f"{name} is a dask Bag; pass a dask Array or DataFrame (one row per "
            f"sample). For label sets, pass a 0/1 indicator (dask Array or "
            f"DataFrame with one column per label)."
        )


# ----------------------------------------------------------------------------------
# Row blocks: several inputs cut into the same row blocks
# ----------------------------------------------------------------------------------


def _known_chunks(obj: Any) -> Any:
    """A Dask Array with row chunks of unknown size (``to_dask_array()``) measured."""
    if is_dask(obj) and not _is_frame(obj) and any(np.isnan(obj.chunks[0])):
        return obj.compute_chunk_sizes()
    return obj


def _row_lengths(obj: Any) -> tuple[int, ...]:
    """Rows per block of a Dask collection (a pass over a DataFrame's partitions)."""
    if not _is_frame(obj):
        return tuple(int(c) for c in obj.chunks[0])
    return tuple(int(n) for n in obj.map_partitions(len).compute())


def _blocks_of(obj: Any, lengths: tuple[int, ...], own: tuple | None) -> list:
    """``obj`` as a list of delayed row blocks of ``lengths`` rows each (``own``:
    its own block lengths when it is a Dask collection)."""
    import dask

    if obj is None:
        return [None] * len(lengths)
    if is_dask(obj) and _is_frame(obj):
        if own != lengths:
            raise ValueError(
                "the Dask DataFrames passed are partitioned differently; take them "
                "from the same DataFrame (e.g. df[score_columns] and df['label']) "
                "or repartition them alike."
            )
        return list(obj.to_delayed())
    if is_dask(obj):
        chunks = {0: lengths} if obj.ndim == 1 else {0: lengths, 1: -1}
        blocks = obj.rechunk(chunks).to_delayed()
        return list(blocks.ravel())
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    slices = [slice(int(a), int(b)) for a, b in itertools.pairwise(bounds)]
    if hasattr(obj, "iloc"):
        return [dask.delayed(obj.iloc[s]) for s in slices]
    if isinstance(obj, list | tuple):
        return [dask.delayed(list(obj[s])) for s in slices]
    values = np.asarray(obj)
    return [dask.delayed(values[s]) for s in slices]


def aligned_blocks(*objs: Any) -> list[tuple]:
    """The inputs (Dask collections, arrays, frames, lists or None) cut alike.

    The row blocks follow the first Dask DataFrame among ``objs``, else the first
    Dask Array; Dask frames must all be partitioned alike (same DataFrame), arrays
    are rechunked, in-memory inputs sliced. Unequal lengths raise scikit-learn's
    consistent-length error.
    """
    from sklearn.utils.validation import check_consistent_length

    objs = tuple(_known_chunks(o) for o in objs)
    present = [o for o in objs if o is not None]
    frames = [o for o in present if is_dask(o) and _is_frame(o)]
    lead = frames[0] if frames else next(o for o in present if is_dask(o))
    if frames and all(is_dask(o) and _is_frame(o) for o in present):
        counts = {o.npartitions for o in frames}
        if len(counts) == 1:  # partitions zipped; their lengths checked per block
            n = counts.pop()
            return list(zip(*(_blocks_of_frame(o, n) for o in objs), strict=True))
    # Each collection's block lengths once: for frames, a pass over the data.
    own = [_row_lengths(o) if is_dask(o) else None for o in objs]
    lengths = own[next(i for i, o in enumerate(objs) if o is lead)]
    totals = [
        np.empty(sum(n) if n is not None else _length(o), dtype=bool)
        for o, n in zip(objs, own, strict=True)
        if o is not None
    ]
    check_consistent_length(*totals)
    return list(
        zip(
            *(_blocks_of(o, lengths, n) for o, n in zip(objs, own, strict=True)),
            strict=True,
        )
    )


def _blocks_of_frame(obj: Any, n: int) -> list:
    return [None] * n if obj is None else list(obj.to_delayed())


def _length(obj: Any) -> int:
    return len(obj) if hasattr(obj, "__len__") else int(np.shape(obj)[0])


def _check_block_rows(*blocks: Any) -> None:
    """Blocks taken from different frames must hold the same rows."""
    sizes = {_length(b) for b in blocks if b is not None}
    if len(sizes) > 1:
        raise ValueError(
            f"a partition of the inputs holds {sorted(sizes)} rows: the Dask "
            f"DataFrames passed are partitioned differently. Take them from the "
            f"same DataFrame (e.g. df[score_columns] and df['label']), or "
            f"repartition them alike."
        )


def _tree(parts: list, combine) -> Any:
    """Reduce delayed ``parts`` with ``combine`` in a tree of fan-in ``FAN_IN``."""
    import dask

    merge = dask.delayed(combine, pure=True)
    while len(parts) > 1:
        parts = [merge(*parts[i : i + FAN_IN]) for i in range(0, len(parts), FAN_IN)]
    return parts[0]


# ----------------------------------------------------------------------------------
# The target: classes and problem from a reduction, codes per block
# ----------------------------------------------------------------------------------


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
    form, values = _split_form(block, "y")
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


def dask_target(y_blocks: list, *, problem: str, classes: Any):
    """Encoding of a ``y`` cut in row blocks, from one reduction over the blocks.

    Classes and problem kind depend on the distinct labels (1-D labels, label
    sets) or on whether every row of a 0/1 matrix has exactly one 1: both are
    reduced over all blocks, and ``fit_target`` is run on a small ``y`` with the
    same labels (or rows), so the encoding is the one of the whole ``y``.
    """
    import dask

    summarise = dask.delayed(_summarise_target, pure=True)
    summary = _tree([summarise(b, problem) for b in y_blocks], _merge_summaries)
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


# ----------------------------------------------------------------------------------
# decode
# ----------------------------------------------------------------------------------


def _width(scores: Any) -> int:
    if _is_frame(scores):
        return len(scores.columns) if hasattr(scores, "columns") else 1
    return 1 if scores.ndim == 1 else int(scores.shape[1])


def _dummy(scores: Any, width: int, value: float) -> Any:
    """One row of valid scores, shaped and named like ``scores``: it runs the
    in-memory checks of every option before any block is computed."""
    dtype = scores.dtype if hasattr(scores, "dtype") else np.float64
    if not _is_frame(scores):
        shape = (1,) if scores.ndim == 1 else (1, width)
        return np.full(shape, value, dtype=dtype)
    meta = scores._meta
    if hasattr(meta, "columns"):
        return meta.iloc[:0].reindex(range(1)).fillna(value).astype(float)
    return meta.iloc[:0].reindex(range(1)).fillna(value).astype(float)


def decode(scores: Any, classes: Any, **options: Any) -> Any:
    """``decode`` on a Dask Array, DataFrame or Series, lazily, block by block.

    Returns a Dask Array of labels (Array input) or a Dask Series with the input's
    index (DataFrame input); multilabel: a Dask Bag of tuples (one partition per
    row block) or a Dask Series of tuples.
    """
    from ._decode import decode

    _refuse_bag(scores, "scores")
    classes = as_class_array(classes)
    problem = options.pop("problem")
    if problem not in ("auto", *PROBLEMS) or not isinstance(
        options["from_logits"], bool | np.bool_
    ):
        decode(np.zeros((1, 1)), classes, problem=problem, **options)  # its error
    width = _width(scores)
    if _is_frame(scores):  # names that are no classes: raise before any pass
        align_named_columns(scores._meta, classes)
    if problem == "auto":
        problem = _infer_problem(scores, classes, width, options["from_logits"])
    value = 0.0 if options["from_logits"] else 1.0 / max(width, 1)
    sample = decode(_dummy(scores, width, value), classes, problem=problem, **options)
    run = partial(_decode_block, classes=classes, problem=problem, options=options)
    if problem == "multilabel":
        return _lazy_sets(scores, run)
    return _lazy_labels(scores, run, sample.dtype)


def _decode_block(block: Any, *, classes, problem, options) -> Any:
    from ._decode import decode

    return decode(block, classes, problem=problem, **options)


def _or_empty(block: Any, *, run, empty: Any) -> Any:
    """``run(block)``, or ``empty`` for a block of no rows (an empty partition or
    chunk), which the in-memory functions refuse as no input at all."""
    return copy.copy(empty) if _length(block) == 0 else run(block)


def _lazy_labels(data: Any, run, dtype: np.dtype, columns: Any = None) -> Any:
    """``run`` on each block: a Dask Array of 1-D (or 2-D) results, or a Series."""
    empty = np.empty((0,) if columns is None else (0, len(columns)), dtype=dtype)
    run = partial(_or_empty, run=run, empty=empty)
    if _is_frame(data):
        import pandas as pd

        dtype = _pandas_dtype(dtype)
        if columns is not None:
            meta = pd.DataFrame(
                np.empty((0, len(columns)), dtype=dtype), columns=list(columns)
            )
        else:
            meta = pd.Series(np.empty(0, dtype=dtype), dtype=dtype)
        wrap = partial(_as_pandas, run=run, dtype=dtype, columns=columns)
        return data.map_partitions(wrap, meta=meta)
    data = _single_column_chunk(data)
    meta = np.empty((0,) if columns is None else (0, len(columns)), dtype=dtype)
    if columns is None and data.ndim == 2:
        return data.map_blocks(run, drop_axis=1, dtype=dtype, meta=meta)
    if columns is not None and data.ndim == 2:
        return data.map_blocks(
            run, chunks=(data.chunks[0], (len(columns),)), dtype=dtype, meta=meta
        )
    return data.map_blocks(run, dtype=dtype, meta=meta)


def _pandas_dtype(dtype: np.dtype) -> np.dtype:
    # Text labels stay Python objects: pandas would turn numpy str into its own
    # string dtype.
    return np.dtype(object) if dtype.kind in "US" else dtype


def _as_pandas(block: Any, *, run, dtype, columns) -> Any:
    import pandas as pd

    out = np.asarray(run(block))
    if columns is not None:
        return pd.DataFrame(out.astype(dtype), index=block.index, columns=list(columns))
    return pd.Series(out.astype(dtype), index=block.index, dtype=dtype)


def _single_column_chunk(data: Any) -> Any:
    return data.rechunk({1: -1}) if data.ndim == 2 and data.numblocks[1] > 1 else data


def _lazy_sets(data: Any, run) -> Any:
    """Label sets: a Dask Series of tuples (frame input) or a Bag of tuples."""
    import dask
    import dask.bag as db

    run = partial(_or_empty, run=run, empty=[])
    if _is_frame(data):
        import pandas as pd

        wrap = partial(_sets_series, run=run)
        return data.map_partitions(wrap, meta=pd.Series([], dtype=object))
    data = _single_column_chunk(data)
    blocks = data.to_delayed().ravel()
    return db.from_delayed([dask.delayed(run)(b) for b in blocks])


def _sets_series(block: Any, *, run) -> Any:
    import pandas as pd

    out = np.empty(len(block), dtype=object)
    out[:] = run(block)
    return pd.Series(out, index=block.index, dtype=object)


# ----------------------------------------------------------------------------------
# problem="auto" for a multi-column score array: the in-memory rule, reduced
# ----------------------------------------------------------------------------------


@dataclass
class _RowSums:
    """Row-sum statistics of some rows, in row order (``row_sum_kind``, reduced)."""

    n: int
    exact: int  # rows within float rounding of 1
    worst: float  # the largest |row sum - 1|
    worst_row: int
    worst_sum: float


def _row_sums(block: Any) -> _RowSums:
    if _length(block) == 0:  # an empty partition: no row, no deviation
        return _RowSums(0, 0, -1.0, 0, 1.0)
    values = as_float_array(block.to_numpy() if hasattr(block, "to_numpy") else block)
    check_finite(values)
    sums = values.sum(axis=1, dtype=np.float64)
    deviation = np.abs(sums - 1.0)
    row = int(np.argmax(deviation))
    exact = int(np.count_nonzero(deviation <= _float_tolerance(values)))
    return _RowSums(len(values), exact, float(deviation[row]), row, float(sums[row]))


def _merge_row_sums(*parts: _RowSums) -> _RowSums:
    out = parts[0]
    for part in parts[1:]:
        worst, row, total = out.worst, out.worst_row, out.worst_sum
        if part.worst > out.worst:  # the first row of largest deviation, as argmax
            worst, row, total = part.worst, out.n + part.worst_row, part.worst_sum
        out = _RowSums(out.n + part.n, out.exact + part.exact, worst, row, total)
    return out


def _decimals_passed(block: Any, most: int = 6) -> np.ndarray:
    """For d = 1..most, whether every value is a multiple of 10**-d (the test of
    ``rounding_decimals``, which takes the fewest d passed by all rows)."""
    passed = np.zeros(most, dtype=bool)
    if _length(block) == 0:  # an empty partition: every test passes
        return ~passed
    values = as_float_array(block.to_numpy() if hasattr(block, "to_numpy") else block)
    eps = float(np.finfo(values.dtype).eps) if values.dtype.kind == "f" else 0.0
    for d in range(1, most + 1):
        if eps and 10.0**-d < 64 * eps:
            break
        scaled = values.astype(np.float64) * 10.0**d
        slack = 4 * eps * np.maximum(np.abs(scaled), 1.0) + 1e-9
        passed[d - 1] = bool(np.all(np.abs(scaled - np.rint(scaled)) <= slack))
    return passed


def _all_passed(*parts: np.ndarray) -> np.ndarray:
    return np.logical_and.reduce(parts)


def _infer_problem(scores: Any, classes: np.ndarray, width: int, logits: bool) -> str:
    """``problem="auto"`` for Dask scores: the in-memory ``infer_problem`` on
    reductions over all rows (one pass; a second only for rows that sum to 1
    within a rounding bound). Pass ``problem=`` to skip it."""
    import dask

    if width == 1:
        return "binary"
    if width != len(classes):
        raise _column_error(width, len(classes), classes, "scores")
    if logits:
        infer_problem(np.zeros((1, width)), from_logits=True)  # raises: say which
    blocks = _score_blocks(scores)
    stats = _tree([dask.delayed(_row_sums)(b) for b in blocks], _merge_row_sums)
    stats = stats.compute()
    kind = "sigmoid"
    tolerance = _float_tolerance(np.empty((0, width), dtype=_score_dtype(scores)))
    if stats.exact == stats.n:
        kind = "softmax"
    elif stats.worst <= width * 0.5 * 10.0**-1:
        passes = [dask.delayed(_decimals_passed)(b) for b in blocks]
        passed = _tree(passes, _all_passed).compute()
        d = _fewest_decimals(passed, _score_dtype(scores))
        if d is not None and stats.worst <= width * 0.5 * 10.0**-d + tolerance:
            bound = width * 0.5 * 10.0**-d
            ok = d in ROUNDING_DECIMALS and bound <= ROUNDING_LIMIT
            kind = "rounded" if ok else "ambiguous"
    if kind == "sigmoid" and stats.n >= 10 and stats.exact / stats.n >= 0.5:
        kind = "ambiguous"
    if kind == "ambiguous":
        raise ValueError(
            f"cannot tell whether scores are softmax rows (one class per sample) or "
            f"independent sigmoid columns (several labels per sample): most rows "
            f"sum to 1 but row {stats.worst_row} sums to {stats.worst_sum:.6g}. Say "
            f"which with problem='multiclass' (or 'binary') or "
            f"problem='multilabel'."
        )
    if kind in ("softmax", "rounded"):
        return "binary" if width == 2 else "multiclass"
    return "multilabel"


def _fewest_decimals(passed: np.ndarray, dtype: np.dtype) -> int | None:
    eps = float(np.finfo(dtype).eps) if dtype.kind == "f" else 0.0
    for d in range(1, len(passed) + 1):
        if eps and 10.0**-d < 64 * eps:
            return None
        if passed[d - 1]:
            return d
    return None


def _score_dtype(scores: Any) -> np.dtype:
    if _is_frame(scores):
        dtypes = scores._meta.dtypes if hasattr(scores, "columns") else None
        if dtypes is None:
            return np.dtype(scores.dtype)
        return np.result_type(*[np.dtype(t) for t in dtypes])
    dtype = np.dtype(scores.dtype)
    return dtype if dtype.kind == "f" else np.dtype(np.float64)


def _score_blocks(scores: Any) -> list:
    if _is_frame(scores):
        return list(scores.to_delayed())
    return list(_single_column_chunk(scores).to_delayed().ravel())


# ----------------------------------------------------------------------------------
# ProbabilisticLabelClassifier on Dask X
# ----------------------------------------------------------------------------------


def predict(fitted: Any, decision: Any, X: Any, method: str) -> Any:
    """The estimator's ``<method>(X)`` block by block (``map_blocks`` /
    ``map_partitions``): the fitted result under ``decision``, resolved when the
    graph is built.

    Dask Array ``X``: a Dask Array (multilabel label sets: a Dask Bag of tuples).
    Dask DataFrame ``X``: a Dask Series (1-D results) or DataFrame (columns named
    by ``classes_``) with ``X``'s index (label sets: a Series of tuples).
    """
    _refuse_bag(X, "X")
    run = partial(_predict_block, fitted=fitted, decision=decision, method=method)
    encoding = fitted.encoding
    k = len(fitted.classes)
    sets = encoding.problem == "multilabel" and (
        method == "predict_labels" or (method == "predict" and encoding.form == "sets")
    )
    if sets:
        return _lazy_sets(X, run)
    if method in ("predict_proba", "decision_function"):
        columns = fitted.classes
        if method == "decision_function" and fitted.problem == "binary":
            columns = None
        return _lazy_labels(X, run, np.dtype(np.float64), columns)
    if encoding.problem == "multilabel" or encoding.form == "onehot":
        dtype = np.dtype(encoding.dtype or np.int64)
        if encoding.form == "sparse":
            return _lazy_sparse(X, run, k, dtype)
        return _lazy_labels(X, run, dtype, fitted.classes)
    labels = fitted.classes
    if decision.reject_threshold is not None:
        labels = with_extra_label(labels, decision.reject_label)
    if encoding.form == "column" and method == "predict":
        return _lazy_labels(X, run, labels.dtype, [0] if _is_frame(X) else [None])
    return _lazy_labels(X, run, labels.dtype)


def _predict_block(block: Any, *, fitted, decision, method) -> Any:
    if method == "predict":
        return fitted.labels(block, decision)
    if method == "predict_labels":
        return fitted.names(block, decision)
    if method == "predict_proba":
        return fitted.proba(block, decision)
    return fitted.margins(block)


def _lazy_sparse(X: Any, run, k: int, dtype: np.dtype) -> Any:
    """A sparse indicator ``y``: blocks of CSR matrices (a Dask Array of them)."""
    import scipy.sparse as sp

    if _is_frame(X):
        X = X.to_dask_array(lengths=True)
    X = _single_column_chunk(X)
    meta = sp.csr_matrix((0, k), dtype=dtype)
    run = partial(_or_empty, run=run, empty=meta)
    return X.map_blocks(run, chunks=(X.chunks[0], (k,)), dtype=dtype, meta=meta)


def fit(params: dict, X: Any, y: Any, fit_params: dict) -> Any:
    """``fit`` with Dask ``X`` and ``y``: a frozen (pre-trained) model, its
    thresholds tuned exactly on the scores of every partition; the same
    ``FitOutcome`` as an in-memory fit."""
    from dataclasses import replace

    from sklearn.frozen import FrozenEstimator

    from ._decision import Tuned, pos_index_of
    from ._fit import (
        FitOutcome,
        check_frozen_is_fitted,
        fit_clone,
        fit_priors,
        frozen_classes,
        plan_fit,
    )
    from ._fitted import FittedLabels
    from ._frozen import outside_single_column, pin_network_output
    from ._objectives import CostMatrix

    estimator = params["estimator"]
    if not isinstance(estimator, FrozenEstimator):
        raise TypeError(
            f"fit on Dask inputs tunes the thresholds of a pre-trained model; "
            f"{type(estimator).__name__} would have to be fitted on X here, "
            f"which sklabels does not do out of memory. Train it (on a sample, or "
            f"with dask-ml), then pass FrozenEstimator(model)."
        )
    check_frozen_is_fitted(estimator)
    weight = fit_params.get("sample_weight")
    blocks = aligned_blocks(X, y, weight)
    encoding = dask_target(
        [b[1] for b in blocks],
        problem=params["problem"],
        classes=frozen_classes(estimator, params["classes"]),
    )
    priors = None
    if params["train_priors"] is not None:
        priors = fit_priors(params["train_priors"], encoding, None, None)
    plan = plan_fit(params, encoding, priors)
    if plan.objective is not None and isinstance(params["scoring"], CostMatrix):
        raise ValueError(
            "scoring=CostMatrix(...) tunes per-action offsets on the scores in "
            "memory, which Dask inputs do not give; fit on NumPy or pandas inputs "
            "(e.g. a computed sample), or pick a threshold objective such as "
            "scoring='f1' with Dask inputs."
        )
    if plan.objective is not None and params["tuning"] != "exact":
        raise ValueError(
            f"threshold='auto' on Dask inputs tunes the thresholds exactly from "
            f"merged counts (tuning='exact' with a threshold objective); "
            f"tuning={params['tuning']!r} with scoring={params['scoring']!r} needs "
            f"the scores in memory. Set tuning='exact', or fit on NumPy or pandas "
            f"inputs."
        )
    if plan.reject_auto:
        raise ValueError(
            "reject_threshold='auto' is tuned in memory: fit on NumPy or pandas "
            "inputs, or set a fixed reject_threshold with Dask inputs."
        )
    model = fit_clone(estimator, None, None, {}, encoding.problem)  # frozen
    fitted = FittedLabels(model, encoding, plan.response_method, priors)
    first = _first_rows(blocks)
    fitted = replace(fitted, network_output=pin_network_output(fitted, first))
    fitted = replace(fitted, single_column=outside_single_column(fitted, first))
    tuned = Tuned(plan.pos_index, params["pos_label"])
    pos_index_of(params, fitted, tuned)  # refuses before tuning
    outcome = FitOutcome(fitted, tuned)
    sample = fitted.scores(first)  # the kind every block's scores have
    if plan.objective is not None:
        result = tune_blocks(
            blocks,
            partial(_estimator_scores, fitted=fitted),
            encoding,
            pos_index=plan.pos_index,
            kind=sample.kind,
            logits=sample.logits,
            scoring=params["scoring"],
            average=params["average"],
            keep_curves=params["store_cv_results"],
        )
        outcome.best_score = result.best_score
        # The pooled exact optimum; per-fold evidence needs the rows in memory.
        outcome.cv_results = {
            "classes": np.asarray(list(result.class_scores), dtype=object),
            "tuning": "exact",
            "thresholds": np.atleast_1d(result.thresholds).astype(float),
            "pooled_thresholds": np.atleast_1d(result.thresholds).astype(float),
        }
        if params["store_cv_results"]:
            outcome.cv_results["curves"] = result.curves
        outcome.tuned = replace(tuned, thresholds=result.thresholds)
    return outcome


def _first_rows(blocks: list[tuple]) -> Any:
    """The first non-empty block of X, computed (a network's output kind)."""
    import dask

    for block in blocks:
        rows = dask.compute(block[0])[0]
        if len(rows):
            return rows
    return rows


def _estimator_scores(block: Any, *, fitted) -> Scores:
    return fitted.scores(block)


# ----------------------------------------------------------------------------------
# Exact tuning: tables of distinct scores, merged
# ----------------------------------------------------------------------------------


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
            from ._sorted_counts import distinct_counts

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
    from ._tune import _cutoff_columns

    if _empty_block(blocks):
        k = 1 if encoding.problem == "binary" else len(encoding.classes)
        return [Table.empty() for _ in range(k)]
    scores, truth, weight = _block_inputs(blocks, score, encoding)
    columns, hits, _ = _cutoff_columns(
        scores.values, truth, encoding.problem, encoding.classes, pos_index
    )
    return [Table.of(columns[:, j], hits[:, j], weight) for j in range(hits.shape[1])]


def _empty_block(blocks: tuple) -> bool:
    """A row block of no rows (an empty partition or chunk): it adds nothing."""
    _check_block_rows(*blocks)
    return _length(blocks[0]) == 0


def _block_inputs(blocks: tuple, score, encoding) -> tuple[Scores, np.ndarray, Any]:
    from sklearn.utils.validation import _check_sample_weight

    data, y, weight = blocks
    _check_block_rows(data, y, weight)
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

    from ._tune import check_tuning_options, tune_scores

    problem, classes = encoding.problem, encoding.classes
    objective, name = check_tuning_options(scoring, average, problem)
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
        return tune_scores(
            Scores(values, kind, logits),
            truth,
            problem=problem,
            classes=classes,
            pos_index=pos_index,
            scoring=objective,
            average=average,
            sample_weight=weight,
            keep_curves=keep_curves,
        )
    micro = problem == "multilabel" and average == "micro"
    tables_of = dask.delayed(_block_tables, pure=True)
    parts = [tables_of(b, score, encoding, pos_index) for b in blocks]
    owners = classes[[pos_index]] if problem == "binary" else classes
    return _tune_tables(
        parts,
        owners=owners,
        problem=problem,
        classes=classes,
        pos_index=pos_index,
        objective=objective,
        name=name,
        average=average,
        kind=kind,
        logits=logits,
        keep_curves=keep_curves,
        micro=micro,
    )


def _tune_tables(
    parts: list,
    *,
    owners,
    problem,
    classes,
    pos_index,
    objective,
    name,
    average,
    kind,
    logits,
    keep_curves,
    micro,
) -> Any:
    """``_tune_cutoffs`` of ``_tune.py``, reading merged tables instead of rows.

    Each column's tree of merges ends on a worker with the sweep of that column
    (and its logit conversion, or its value at the shared micro threshold): the
    columns are tuned in parallel, and only their results come back.
    """
    import dask

    from ._rules import default_threshold
    from ._sweep import warn_about
    from ._tune import TuningResult, _label, _labelled_curves

    default = default_threshold(kind)
    kwargs = dict(
        objective=objective,
        name=name,
        proba=kind == PROBA,
        keep_curves=keep_curves,
        start_at=default,
    )
    column = dask.delayed(operator.getitem, pure=True)
    trees = [
        _tree([column(p, j) for p in parts], _merge_tables) for j in range(len(owners))
    ]
    tune = dask.delayed(_tune_table, pure=True)
    if micro:
        pooled = tune(_tree(trees, _merge_tables), default, kwargs)
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
    if not logits:
        del graph["probabilities"]
    (out,) = dask.compute(graph)
    if any(part is None for part in out["tunings"]):
        _check_some_weight()  # every weight is 0: scikit-learn's error
    if micro:
        tuning = _repeated(out["tunings"][0], len(owners))
        warn_about(
            tuning, np.array(["the pooled labels"], dtype=object), objective, str
        )
        per_class = out["values"]
    else:
        tuning = _stacked(out["tunings"])
        warn_about(tuning, owners, objective, _label)
        per_class = [float(b) for b in tuning.best]
    thresholds = np.array(out["probabilities"]) if logits else tuning.thresholds
    return TuningResult(
        thresholds=float(thresholds[0]) if problem == "binary" else thresholds,
        best_score=float(tuning.best[0] if micro else np.mean(tuning.best)),
        class_scores=dict(zip(owners, per_class, strict=True)),
        curves=_labelled_curves(tuning.curves, owners, thresholds, logits),
        classes=classes,
        problem=problem,
        scoring=name,
        average=average,
        pos_label=classes[pos_index] if problem == "binary" else None,
        start_score=float(tuning.start[0] if micro else np.mean(tuning.start)),
    )


def _probability(table: Table, part: Any) -> float | None:
    """A logit cut-off as the probability the rule reproduces it with, checked on
    the column's distinct scores (the in-memory ``_logits_to_probabilities``)."""
    from ._tune import _logits_to_probabilities

    if part is None:
        return None
    cut = part.thresholds[:1]
    return float(_logits_to_probabilities(cut, table.values[:, None])[0])


def _micro_value(table: Table, pooled: Any, kwargs: dict) -> float | None:
    """One label's own objective at the shared (micro) threshold."""
    from ._sweep import value_at

    if pooled is None:
        return None
    threshold = pooled.thresholds[0]
    return value_at(*table.rows(), threshold, kwargs["objective"], kwargs["name"])


def _tune_table(table: Table, default: float, kwargs: dict) -> Any:
    """``tune_columns`` on one table's weighted rows; the few-positives count is
    that of the rows the table stands for. None when every weight is 0."""
    from ._sweep import tune_columns
    from ._warnings import FEW_POSITIVES

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
    from ._sweep import ColumnTuning

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


def _repeated(pooled: Any, k: int) -> Any:
    """The pooled tuning shared by ``k`` labels (as ``tune_micro`` returns it)."""
    from ._sweep import ColumnTuning

    curves = None if pooled.curves is None else pooled.curves * k
    return ColumnTuning(
        np.full(k, pooled.thresholds[0]),
        np.full(k, pooled.best[0]),
        curves,
        start=np.full(k, pooled.start[0]),
        untuned=pooled.untuned,
        constant=pooled.constant,
        few=pooled.few,
        unreachable=pooled.unreachable,
    )


def tune_dask(
    y_true: Any,
    scores: Any,
    *,
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
    for obj, name in ((y_true, "y_true"), (scores, "scores"), (sample_weight, "w")):
        _refuse_bag(obj, name)
    blocks = aligned_blocks(scores, y_true, sample_weight)
    encoding = dask_target([b[1] for b in blocks], problem=problem, classes=classes)
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
