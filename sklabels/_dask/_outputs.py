"""Lazy outputs: ``decode`` and the estimator's predict methods mapped over the
blocks (``map_blocks``) or partitions (``map_partitions``) of a Dask input, as
dask-ml's ``ParallelPostFit`` maps a fitted estimator's ``predict``: nothing is
computed until the user asks, and each block's result is that of the in-memory
call on its rows."""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

import numpy as np

from .._decode import decode as decode_rows
from .._scores import align_named_columns
from .._targets import PROBLEMS, as_class_array, with_extra_label
from ._blocks import is_frame, length, refuse_bag, single_column_chunk
from ._infer import infer_problem


def decode(scores: Any, classes: Any, **options: Any) -> Any:
    """``decode`` on a Dask Array, DataFrame or Series, lazily, block by block.

    Returns a Dask Array of labels (Array input) or a Dask Series with the input's
    index (DataFrame input). Multilabel: the 0/1 indicator (int8), a Dask Array
    of columns in the order of ``classes`` or a Dask DataFrame of columns named by
    them; with ``output="tuples"``, a Dask Bag of tuples (one partition per row
    block) or a Dask Series of tuples.
    """
    output = options.pop("output")
    options["costs"] = _costs_for_blocks(options["costs"], classes)
    refuse_bag(scores, "scores")
    classes = as_class_array(classes)
    problem = options.pop("problem")
    if problem not in ("auto", *PROBLEMS) or not isinstance(
        options["from_logits"], bool | np.bool_
    ):
        decode_rows(np.zeros((1, 1)), classes, problem=problem, **options)  # its error
    width = _width(scores)
    if is_frame(scores):  # names that are no classes: raise before any pass
        align_named_columns(_meta(scores), classes)
    if problem == "auto":
        problem = infer_problem(scores, classes, width, options["from_logits"])
    value = 0.0 if options["from_logits"] else 1.0 / max(width, 1)
    dummy = _dummy(scores, width, value)
    sample = decode_rows(dummy, classes, problem=problem, **options)
    run = partial(_decode_block, classes=classes, problem=problem, options=options)
    if problem == "multilabel" and output == "tuples":
        return _lazy_sets(scores, run)
    if problem == "multilabel":
        options = {**options, "output": "indicator"}
        run = partial(_decode_block, classes=classes, problem=problem, options=options)
        return _lazy_labels(scores, run, np.dtype(np.int8), classes)
    return _lazy_labels(scores, run, sample.dtype)


def _costs_for_blocks(costs: Any, classes: Any) -> Any:
    """``costs`` for block-by-block decoding: one matrix (or per-label 2x2) only.

    Per-sample costs ``(n, k, k)`` or ``(n, k, 2, 2)`` cannot follow the blocks of
    a Dask input.
    """
    if costs is None or isinstance(costs, dict) or hasattr(costs, "columns"):
        return costs
    shape = np.shape(costs)
    per_label = len(shape) == 3 and shape[0] == len(classes) and shape[1:] == (2, 2)
    if len(shape) == 4 or (len(shape) == 3 and not per_label):
        raise ValueError(
            f"costs of shape {shape} are per-sample costs, which cannot follow "
            "the blocks of Dask scores. Decode in memory, or use "
            "ProbabilisticLabelClassifier(costs=callable) whose costs(X) is "
            "called on each block of X."
        )
    return costs


def _width(scores: Any) -> int:
    if is_frame(scores):
        return len(scores.columns) if hasattr(scores, "columns") else 1
    return 1 if scores.ndim == 1 else int(scores.shape[1])


def _meta(frame: Any) -> Any:
    """The empty pandas object that stands for a Dask DataFrame or Series."""
    from dask.dataframe.utils import make_meta

    return make_meta(frame)


def _dummy(scores: Any, width: int, value: float) -> Any:
    """One row of valid scores, shaped and named like ``scores``: it runs the
    in-memory checks of every option before any block is computed."""
    dtype = scores.dtype if hasattr(scores, "dtype") else np.float64
    if not is_frame(scores):
        shape = (1,) if scores.ndim == 1 else (1, width)
        return np.full(shape, value, dtype=dtype)
    return _meta(scores).iloc[:0].reindex(range(1)).fillna(value).astype(float)


def _decode_block(block: Any, *, classes, problem, options) -> Any:
    return decode_rows(block, classes, problem=problem, **options)


def _or_empty(block: Any, *, run, empty: Any) -> Any:
    """``run(block)``, or ``empty`` for a block of no rows (an empty partition or
    chunk), which the in-memory functions refuse as no input at all."""
    return copy.copy(empty) if length(block) == 0 else run(block)


def _lazy_labels(data: Any, run, dtype: np.dtype, columns: Any = None) -> Any:
    """``run`` on each block: a Dask Array of 1-D (or 2-D) results, or a Series."""
    empty = np.empty((0,) if columns is None else (0, len(columns)), dtype=dtype)
    run = partial(_or_empty, run=run, empty=empty)
    if is_frame(data):
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
    data = single_column_chunk(data)
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


def _lazy_sets(data: Any, run) -> Any:
    """Label sets: a Dask Series of tuples (frame input) or a Bag of tuples."""
    import dask
    import dask.bag as db

    run = partial(_or_empty, run=run, empty=[])
    if is_frame(data):
        import pandas as pd

        wrap = partial(_sets_series, run=run)
        return data.map_partitions(wrap, meta=pd.Series([], dtype=object))
    data = single_column_chunk(data)
    blocks = data.to_delayed().ravel()
    return db.from_delayed([dask.delayed(run)(b) for b in blocks])


def _sets_series(block: Any, *, run) -> Any:
    import pandas as pd

    out = np.empty(len(block), dtype=object)
    out[:] = run(block)
    return pd.Series(out, index=block.index, dtype=object)


def predict(fitted: Any, decision: Any, X: Any, method: str) -> Any:
    """The estimator's ``<method>(X)`` block by block (``map_blocks`` /
    ``map_partitions``): the fitted result under ``decision``, resolved when the
    graph is built (a later ``set_params`` does not change it).

    Dask Array ``X``: a Dask Array. Dask DataFrame ``X``: a Dask Series (1-D
    results) or DataFrame (columns named by ``classes_``) with ``X``'s index.
    Label sets: ``predict`` gives the 0/1 indicator (int8, columns in the order of
    ``classes_``), which computes at array speed; ``predict_labels`` the tuples
    (a Dask Bag, or a Series of tuples for a DataFrame ``X``).
    """
    refuse_bag(X, "X")
    run = partial(_predict_block, fitted=fitted, decision=decision, method=method)
    encoding = fitted.encoding
    classes = fitted.classes
    if encoding.problem == "multilabel" and method == "predict_labels":
        return _lazy_sets(X, run)
    if method == "predict" and encoding.form == "sets":
        run = partial(_indicator_block, fitted=fitted, decision=decision)
        return _lazy_labels(X, run, np.dtype(np.int8), classes)
    if method in ("predict_proba", "decision_function"):
        columns = classes
        if method == "decision_function" and fitted.problem == "binary":
            columns = None
        return _lazy_labels(X, run, np.dtype(np.float64), columns)
    if encoding.problem == "multilabel" or encoding.form == "onehot":
        dtype = np.dtype(encoding.dtype or np.int64)
        if encoding.form == "sparse":
            return _lazy_sparse(X, run, len(classes), dtype)
        return _lazy_labels(X, run, dtype, classes)
    labels = classes
    if decision.reject_threshold is not None:
        labels = with_extra_label(labels, decision.reject_label)
    if encoding.form == "column" and method == "predict":
        return _lazy_labels(X, run, labels.dtype, [0] if is_frame(X) else [None])
    return _lazy_labels(X, run, labels.dtype)


def _predict_block(block: Any, *, fitted, decision, method) -> Any:
    if method == "predict":
        return fitted.labels(block, decision)
    if method == "predict_labels":
        return fitted.names(block, decision)
    if method == "predict_proba":
        return fitted.proba(block, decision)
    return fitted.margins(block)


def _indicator_block(block: Any, *, fitted, decision) -> np.ndarray:
    return np.asarray(fitted.codes(block, decision)[0]).astype(np.int8)


def _lazy_sparse(X: Any, run, k: int, dtype: np.dtype) -> Any:
    """A sparse indicator ``y``: blocks of CSR matrices (a Dask Array of them)."""
    import scipy.sparse as sp

    if is_frame(X):
        X = X.to_dask_array(lengths=True)
    X = single_column_chunk(X)
    meta = sp.csr_matrix((0, k), dtype=dtype)
    run = partial(_or_empty, run=run, empty=meta)
    return X.map_blocks(run, chunks=(X.chunks[0], (k,)), dtype=dtype, meta=meta)
