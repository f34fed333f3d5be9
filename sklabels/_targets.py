"""Targets: infer the problem kind from ``y``, encode it for the model, decode back.

This is the only module that knows label names. Binary and multiclass targets follow
``LabelEncoder`` semantics (codes ``0..k-1`` in the order of ``classes``); multilabel
targets follow ``MultiLabelBinarizer`` semantics (an indicator matrix whose columns are
``classes``). Every form of ``y`` is remembered so that predictions come back in the
same form.
"""

from __future__ import annotations

import contextlib
import gc
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.utils.multiclass import type_of_target

from ._text import natural_order, preview, to_python

PROBLEMS = ("binary", "multiclass", "multilabel")


def contains_label(classes: np.ndarray, label: Any) -> bool:
    """True when ``label`` equals a class (1 and '1' differ; 1 and 1.0 do not)."""
    query = np.empty(1, dtype=object)
    query[0] = label
    try:
        label_codes(query, classes)
    except ValueError:
        return False
    return True


def _label_kind(value: Any) -> str:
    if isinstance(value, str | np.str_):
        return "str"
    if isinstance(value, bytes | np.bytes_):
        return "bytes"
    if isinstance(value, bool | np.bool_):
        return "bool"
    if isinstance(value, numbers.Number):
        return "number"
    return type(value).__name__


def _match_kind(value: Any) -> str:
    """The kind under which labels are looked up: True equals 1, as in Python."""
    kind = _label_kind(value)
    return "number" if kind == "bool" else kind


def _kind_name(kind: str) -> str:
    return {"str": "string", "bytes": "bytes", "bool": "bool"}.get(kind, kind)


def check_sequence_label_types(values: Any, name: str = "y") -> None:
    """Mixed label types in a Python sequence, before numpy merges them.

    ``np.asarray([True, 2, False])`` is ``[1, 2, 0]`` and ``np.asarray([b"a", "b"])``
    is ``['a', 'b']``: the types a user gave are lost before any later check can see
    them, so a list or tuple is scanned as it is.
    """
    if isinstance(values, np.ndarray) or not isinstance(values, list | tuple):
        return
    kinds: dict[str, Any] = {}
    for value in values:
        if isinstance(value, list | tuple | set | frozenset | np.ndarray):
            return  # rows of a matrix or label sets: checked where they are read
        kinds.setdefault(_label_kind(value), value)
        if len(kinds) > 1:
            break
    if len(kinds) > 1:
        _raise_mixed(kinds, name)


def _raise_mixed(kinds: dict[str, Any], name: str) -> None:
    examples = ", ".join(
        f"{to_python(v)!r} ({_kind_name(k)})" for k, v in sorted(kinds.items())
    )
    raise TypeError(
        f"{name} has mixed label types: {examples}. Labels must all be strings, all "
        f"numbers, all bools or all bytes; convert them first, e.g. y = "
        f"np.asarray(y, dtype=str)."
    )


def check_uniform_label_types(labels: np.ndarray, name: str = "y") -> None:
    """Raise TypeError when an object array mixes strings and numbers (or others)."""
    if labels.dtype.kind != "O" or labels.size == 0:
        return
    missing = np.flatnonzero([v is None for v in labels.ravel()])
    if missing.size:
        raise ValueError(
            f"{name} contains None (a missing label) at {missing.size} position(s), "
            f"first {int(missing[0])}. Drop those samples or give them a label."
        )
    kinds: dict[str, Any] = {}
    for v in labels.ravel():
        kinds.setdefault(_label_kind(v), v)
    if len(kinds) > 1:
        _raise_mixed(kinds, name)
    if set(kinds) <= {"number"}:
        floats = labels.astype(float)
        if np.isnan(floats).any():
            raise ValueError(f"Input {name} contains NaN.")


def as_class_array(classes: Any, name: str = "classes") -> np.ndarray:
    """Validate a user-given list of class names: 1-D, unique, uniform types."""
    if isinstance(classes, str) or np.ndim(classes) != 1:
        raise ValueError(
            f"{name} must be a 1-D list of labels, e.g. {name}=['cat', 'dog'], "
            f"got {classes!r}."
        )
    check_sequence_label_types(classes, name)
    arr = np.asarray(classes)
    if arr.dtype.kind == "O" or (
        arr.dtype.kind in "US" and any(not isinstance(c, str | bytes) for c in classes)
    ):
        arr = np.empty(len(classes), dtype=object)
        arr[:] = list(classes)
        check_uniform_label_types(arr, name)
    if arr.dtype.kind == "f" and np.isnan(arr).any():
        raise ValueError(f"{name} contains NaN: {preview(arr)}.")
    uniq, counts = np.unique(arr, return_counts=True)
    if (counts > 1).any():
        raise ValueError(
            f"{name} must not repeat labels; {preview(uniq[counts > 1])} appear more "
            f"than once in {preview(arr)}."
        )
    return arr


def label_codes(labels: np.ndarray, classes: np.ndarray, name: str = "y") -> np.ndarray:
    """Map labels to their positions in ``classes``; unknown labels raise ValueError."""
    labels = np.asarray(labels)
    if labels.size == 0:
        return np.zeros(labels.shape, dtype=np.intp)
    mixed_numbers = labels.dtype.kind != classes.dtype.kind and "f" in (
        labels.dtype.kind + classes.dtype.kind
    )
    if labels.dtype.kind == "O" or classes.dtype.kind == "O" or mixed_numbers:
        # Python-level lookup keyed by kind, so that 1 and '1' never match (and
        # integers meet floats exactly, not through a float64 that rounds 2**53 + 1).
        lookup = {(_match_kind(c), to_python(c)): i for i, c in enumerate(classes)}
        flat = [lookup.get((_match_kind(v), to_python(v)), -1) for v in labels.ravel()]
        codes = np.asarray(flat, dtype=np.intp).reshape(labels.shape)
        found = codes >= 0
    elif _comparable(labels.dtype, classes.dtype):
        order = np.argsort(classes, kind="stable")
        pos = np.clip(np.searchsorted(classes[order], labels), 0, len(classes) - 1)
        codes = order[pos]
        found = classes[codes] == labels
    else:
        codes = np.zeros(labels.shape, dtype=np.intp)
        found = np.zeros(labels.shape, dtype=bool)
    if not found.all():
        unknown = np.unique(labels[~found].astype(str))
        raise ValueError(
            f"{name} contains labels that are not in classes: {preview(unknown)}. "
            f"Valid labels are {preview(classes)}; add the missing ones to classes= "
            f"or drop those samples."
        )
    return codes.astype(np.intp, copy=False)


def is_unnamed(columns: Any) -> bool:
    """pandas' default column index ``0..k-1``: positions, not names."""
    return (
        type(columns).__name__ == "RangeIndex"
        and columns.start == 0
        and columns.step == 1
    )


def name_codes(names: list, classes: np.ndarray) -> np.ndarray | None:
    """Position of each name in ``classes``: exact labels first, else their text
    (a CSV header ``"1"`` names the class ``1``); None when they do not all match."""
    keys = np.empty(len(names), dtype=object)
    keys[:] = names
    try:
        return label_codes(keys, classes, "columns")
    except (ValueError, TypeError):
        pass
    text = [str(to_python(c)) for c in classes]
    if len(set(text)) != len(text):
        return None
    lookup = {t: i for i, t in enumerate(text)}
    codes = [lookup.get(str(to_python(n)), -1) for n in names]
    return None if -1 in codes else np.asarray(codes, dtype=np.intp)


def frame_in_class_order(
    frame: Any, values: np.ndarray, classes: np.ndarray, name: str = "y"
) -> np.ndarray:
    """The columns of a DataFrame (``values``) in the order of ``classes``, by name.

    pandas' default ``0..k-1`` columns are positions and are returned as they are.
    """
    if is_unnamed(frame.columns):
        return values
    names = list(frame.columns)
    codes = name_codes(names, classes)
    if codes is None or len(set(codes.tolist())) != len(classes):
        raise ValueError(
            f"the columns of the DataFrame {name} {preview(names)} do not name the "
            f"classes {preview(classes)}; columns are matched by name, never by "
            f"position. Rename them, or pass {name}.to_numpy() in the order of the "
            f"classes."
        )
    return values[:, np.argsort(codes)]


def _comparable(a: np.dtype, b: np.dtype) -> bool:
    textual = {"U", "S"}
    return (a.kind in textual) == (b.kind in textual)


@dataclass
class TargetEncoding:
    """What ``fit`` learned about ``y``: its problem kind, its form and its classes.

    Attributes
    ----------
    problem : {"binary", "multiclass", "multilabel"}
    form : str
        The form of ``y``, which ``predict`` returns: ``"labels"`` (1-D labels),
        ``"column"`` (an ``(n, 1)`` column of labels), ``"onehot"`` (one 1 per
        row), ``"indicator"`` (a 0/1 multilabel matrix), ``"sparse"`` (a scipy
        sparse indicator) or ``"sets"`` (label collections; a list of tuples).
    classes : ndarray of shape (n_classes,)
        Original labels, in the column order of the model outputs.
    dtype : numpy dtype or None
        dtype of the matrix forms of ``y`` (to return predictions of the same dtype).
    """

    problem: str
    form: str
    classes: np.ndarray
    dtype: np.dtype | None = None

    @property
    def n_classes(self) -> int:
        return len(self.classes)

    # -- encoding ------------------------------------------------------------------
    def encode(self, y: Any, name: str = "y") -> np.ndarray:
        """Encode ``y`` (in any supported form) to codes or an indicator matrix.

        Single-label problems give integer codes of shape (n,); multilabel problems
        give an int indicator matrix of shape (n, n_classes).
        """
        check_sequence_label_types(y, name)
        form, values = split_form(y, name)
        k = self.n_classes
        if hasattr(y, "columns") and values.ndim == 2 and values.shape[1] == k:
            values = frame_in_class_order(y, values, self.classes, name)
        if self.problem == "multilabel":
            if form == "sets":
                return _sets_to_indicator(values, self.classes, name)
            if (
                form in ("indicator", "onehot", "column", "sparse")
                and values.shape[1] == k
            ):
                return _check_binary_matrix(values, name).astype(np.int64)
            raise ValueError(
                f"{name} must be a multilabel target with {k} labels (an indicator "
                f"matrix with {k} columns or a list of label sets), got {_describe(y)}."
            )
        if form in ("labels", "column"):
            labels = values.ravel()
            check_uniform_label_types(labels.astype(object), name)
            return label_codes(labels, self.classes, name)
        if form in ("indicator", "onehot") and values.shape[1] == k:
            return _onehot_codes(_check_binary_matrix(values, name), name)
        raise ValueError(
            f"{name} must hold single labels for this {self.problem} problem (a 1-D "
            f"array of labels or a one-hot matrix with {k} columns), got "
            f"{_describe(y)}."
        )

    # -- decoding ------------------------------------------------------------------
    def decode(
        self,
        codes: np.ndarray,
        rejected: np.ndarray | None = None,
        reject_label: Any = None,
    ) -> Any:
        """Return predictions in the form of the ``y`` seen in ``fit``."""
        if self.problem == "multilabel" and self.form != "sets":
            out = codes.astype(self.dtype or np.int64, copy=False)
            return sp.csr_matrix(out) if self.form == "sparse" else out
        if self.form == "onehot":
            out = np.zeros((len(codes), self.n_classes), dtype=self.dtype or np.int64)
            rows = np.arange(len(codes))
            keep = slice(None) if rejected is None else ~rejected
            out[rows[keep], codes[keep]] = 1
            return out
        labels = self.names(codes, rejected, reject_label)
        return labels.reshape(-1, 1) if self.form == "column" else labels

    def names(
        self,
        codes: np.ndarray,
        rejected: np.ndarray | None = None,
        reject_label: Any = None,
    ) -> Any:
        """Labels by name: 1-D array (single-label) or list of tuples (multilabel)."""
        if self.problem == "multilabel":
            return indicator_to_tuples(codes, self.classes)
        return codes_to_labels(codes, self.classes, rejected, reject_label)


def positive_index(pos_label: Any, classes: np.ndarray, problem: str) -> int:
    """Index of the positive class of a binary problem: ``pos_label``, else 1."""
    if pos_label is None:
        return 1
    if problem != "binary":
        raise ValueError(
            f"pos_label={pos_label!r} only applies to binary problems; this one is "
            f"{problem}. Remove pos_label, or set problem='binary'."
        )
    label = np.empty(1, dtype=object)
    label[0] = pos_label
    try:
        return int(label_codes(label, classes, "pos_label")[0])
    except ValueError:
        raise ValueError(
            f"pos_label={pos_label!r} is not one of the classes {preview(classes)}."
        ) from None


def _ordered_pair(classes: np.ndarray) -> bool:
    """Two classes whose order says which is positive: 0/1, -1/1, False/True."""
    if len(classes) != 2 or classes.dtype.kind not in "biuf":
        if classes.dtype.kind != "O" or len(classes) != 2:
            return False
        if not all(_label_kind(c) in ("number", "bool") for c in classes):
            return False
    values = sorted(float(c) for c in classes)
    return values in ([0.0, 1.0], [-1.0, 1.0])


def binary_positive_index(
    pos_label: Any, classes: np.ndarray, *, classes_given: bool
) -> int:
    """The positive class of a binary problem, which a single score column scores.

    ``pos_label`` when given; else the last of ``classes`` when the user listed them
    (their order is the user's statement); else the larger of 0/1, -1/1 or
    False/True labels. For other labels read off ``y`` (strings such as
    ``"nothing-detected"``/``"detection"``), sorted order says nothing about what a
    model scored, so this raises and asks, as scikit-learn's metrics do.
    """
    if pos_label is not None:
        return positive_index(pos_label, classes, "binary")
    if classes_given or _ordered_pair(classes):
        return len(classes) - 1
    raise ValueError(
        f"which class is positive? The labels {preview(classes)} do not say (only "
        f"0/1, -1/1 and False/True do), and a single score column, or a binary "
        f"objective, needs to know. Pass pos_label= (one of {preview(classes)}: "
        f"the class a single score column is the probability of), or "
        f"classes=[negative, positive] in that order."
    )


def truth_positive_index(
    encoding: TargetEncoding, pos_label: Any, classes: Any = None
) -> int:
    """``binary_positive_index`` for labels read off ``y`` (``classes=`` given or
    not); ``positive_index`` for other problems (where ``pos_label`` raises)."""
    if encoding.problem != "binary":
        return positive_index(pos_label, encoding.classes, encoding.problem)
    given = classes is not None or encoding.form == "onehot"
    return binary_positive_index(pos_label, encoding.classes, classes_given=given)


def codes_to_labels(
    codes: np.ndarray,
    classes: np.ndarray,
    rejected: np.ndarray | None = None,
    reject_label: Any = None,
) -> np.ndarray:
    """``classes[codes]``, with ``reject_label`` where ``rejected`` is True."""
    if rejected is None:
        return classes[codes]
    table = with_extra_label(classes, reject_label)
    return table[np.where(rejected, len(classes), codes)]


def with_extra_label(classes: np.ndarray, label: Any) -> np.ndarray:
    """``classes`` plus one more label, in a dtype that holds both without casting."""
    extra = np.asarray([label])
    dtype = np.dtype(object)
    if (
        classes.dtype.kind in "iu"
        and extra.dtype.kind in "iu"
        and np.iinfo(classes.dtype).min <= int(label) <= np.iinfo(classes.dtype).max
    ):
        dtype = classes.dtype  # an int8 -1 stays int8
    elif classes.dtype.kind in "iuUS" and extra.dtype.kind == classes.dtype.kind:
        candidate = np.result_type(classes.dtype, extra.dtype)
        if np.can_cast(classes.dtype, candidate) and np.can_cast(
            extra.dtype, candidate
        ):
            dtype = candidate
    elif classes.dtype.kind in "iu" and extra.dtype.kind in "iu":
        candidate = np.result_type(classes.dtype, extra.dtype)
        if candidate.kind in "iu":  # never through float: that would lose digits
            dtype = candidate
    table = np.empty(len(classes) + 1, dtype=dtype)
    table[:-1] = classes
    table[-1] = label
    return table


def indicator_to_tuples(indicator: np.ndarray, classes: np.ndarray) -> list[tuple]:
    """Rows of a 0/1 matrix as tuples of label names (``MultiLabelBinarizer`` inverse).

    Vectorised: one ``flatnonzero`` over the matrix and one tuple slice per row, so the
    only per-row Python work is the slice that builds each row's tuple.
    """
    indicator = np.ascontiguousarray(indicator)
    n, k = indicator.shape
    if k == 0:
        return [()] * n
    rows, cols = np.divmod(np.flatnonzero(indicator), k)
    names = tuple(np.asarray(classes, dtype=object)[cols].tolist())
    bounds = np.zeros(n + 1, dtype=np.intp)
    np.cumsum(np.bincount(rows, minlength=n), out=bounds[1:])
    bounds = bounds.tolist()
    # A million small tuples would trigger the cyclic garbage collector hundreds of
    # times (tuples are tracked containers); none of them can form a cycle.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return [names[i:j] for i, j in pairwise(bounds)]
    finally:
        if collecting:
            gc.enable()


# ----------------------------------------------------------------------------------
# Inferring the problem and encoding y in fit
# ----------------------------------------------------------------------------------


def fit_target(
    y: Any, *, problem: str = "auto", classes: Any = None, indicator: Any = np.int64
) -> tuple[TargetEncoding, np.ndarray]:
    """Infer the problem kind and form of ``y``; return the encoding and encoded ``y``.

    Parameters
    ----------
    y : array-like, sparse matrix or sequence of label collections
    problem : {"auto", "binary", "multiclass", "multilabel"}
    classes : array-like or None
        Explicit label order (kept as is, may name labels absent from ``y``).
    indicator : integer dtype, default np.int64
        The dtype of a multilabel indicator returned: ``np.int8`` where the
        caller only reads it as 0/1 (an eighth of the memory).

    Returns
    -------
    encoding : TargetEncoding
    y_encoded : ndarray
        Integer codes (n,) for binary/multiclass, int indicator (n, k) for multilabel.
    """
    if y is None:
        raise ValueError(
            "ProbabilisticLabelClassifier requires y to be passed, but the target y "
            "is None."
        )
    check_sequence_label_types(y, "y")
    form, values = split_form(y, "y")
    explicit = None if classes is None else as_class_array(classes)

    if form == "sets":
        return _fit_sets(values, problem, explicit, indicator)
    if form == "column" and problem == "multilabel":  # an indicator with one label
        form = "indicator"
    if form in ("labels", "column"):
        return _fit_labels(values.ravel(), form, problem, explicit)
    return _fit_matrix(y, values, form, problem, explicit, indicator)


def split_form(y: Any, name: str) -> tuple[str, Any]:
    """Classify the container of ``y`` and return (form, values) without copying."""
    if sp.issparse(y):
        return "sparse", np.asarray(y.toarray())
    if _is_label_sets(y):
        return "sets", list(y.to_numpy() if hasattr(y, "to_numpy") else y)
    values = np.asarray(y)
    if hasattr(y, "columns") and values.dtype.kind == "O":
        # A DataFrame mixing bool, int and nullable columns: read it as numbers.
        with contextlib.suppress(ValueError, TypeError):
            values = y.to_numpy(dtype=np.float64, na_value=np.nan)
    if values.ndim == 0:
        raise ValueError(
            f"{name} must be array-like with one entry per sample, got {y!r}."
        )
    if values.ndim == 1:
        return "labels", values
    if values.ndim == 2 and values.shape[1] == 1:
        return "column", values
    if values.ndim == 2:
        return "indicator", values
    raise ValueError(
        f"{name} must be 1-D labels or a 2-D indicator/one-hot matrix, got an array "
        f"of shape {values.shape}."
    )


def _is_label_sets(y: Any) -> bool:
    """True for a sequence whose items are label collections (lists, tuples, sets).

    Tuples, sets and frozensets are label sets (``MultiLabelBinarizer`` returns
    tuples). Lists or arrays of equal length holding only 0/1 are rows of an indicator
    matrix, as in scikit-learn estimators; any other lists are label sets.
    """
    if hasattr(y, "to_numpy") and not hasattr(y, "columns"):  # a pandas Series
        y = y.to_numpy()
    if isinstance(y, np.ndarray):
        if y.dtype.kind != "O" or y.ndim != 1:
            return False
    elif not isinstance(y, Sequence) or isinstance(y, str | bytes):
        return False
    if len(y) == 0:
        return False
    items = list(y)
    collection = (list, tuple, set, frozenset, np.ndarray)
    if not all(isinstance(item, collection) for item in items):
        return False
    if any(isinstance(item, tuple | set | frozenset) for item in items):
        return True
    lengths = {len(item) for item in items}
    if len(lengths) != 1:
        return True
    try:
        matrix = np.asarray(items)
    except (ValueError, TypeError):
        return True
    if matrix.ndim != 2 or matrix.dtype.kind not in "biuf":
        return True
    return not np.isin(matrix, (0, 1)).all()


def _describe(y: Any) -> str:
    if sp.issparse(y):
        return f"a sparse matrix of shape {y.shape}"
    try:
        return f"an array of shape {np.shape(y)}"
    except ValueError:
        return f"a {type(y).__name__} of ragged rows"


def _resolve_classes(
    found: np.ndarray, explicit: np.ndarray | None, name: str = "y"
) -> np.ndarray:
    if explicit is None:
        return found
    label_codes(found, explicit, name)  # raises on labels missing from classes=
    return explicit


def _check_problem(problem: str, n_classes: int, classes: np.ndarray, form: str) -> str:
    if n_classes < 2:
        raise ValueError(
            f"y has only one class, {preview(classes)}; a classifier needs at least 2 "
            f"classes. If the model knows more classes than this y shows, name them "
            f"all with classes=[...]."
        )
    if problem == "auto":
        return "binary" if n_classes == 2 else "multiclass"
    if problem == "multilabel":
        raise ValueError(
            f"problem='multilabel' needs a multilabel y (an indicator matrix or a list "
            f"of label sets), got single labels ({form}). Use problem='auto', or pass "
            f"y as label sets, e.g. [('a', 'b'), ('c',)]."
        )
    if problem == "binary" and n_classes != 2:
        raise ValueError(
            f"Only binary classification is supported with problem='binary'. The "
            f"target has {n_classes} classes {preview(classes)}; use "
            f"problem='multiclass' or problem='auto'."
        )
    return problem


def _in_dtype_of(classes: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """``classes`` in ``y``'s dtype when no value changes, so predict mirrors y."""
    if classes.dtype == dtype or classes.dtype.kind == "O" or dtype.kind == "O":
        return classes
    try:
        cast = classes.astype(dtype)
    except (ValueError, TypeError, OverflowError):
        return classes
    same = cast.astype(classes.dtype) == classes
    return cast if bool(np.all(same)) else classes


def _fit_labels(
    labels: np.ndarray, form: str, problem: str, explicit: np.ndarray | None
) -> tuple[TargetEncoding, np.ndarray]:
    if labels.size == 0:
        raise ValueError("y is empty: fit needs at least one sample per class.")
    check_uniform_label_types(labels)
    if labels.dtype.kind == "f":
        if np.isnan(labels).any():
            raise ValueError("Input y contains NaN.")
        if np.isinf(labels).any():
            raise ValueError("Input y contains infinity.")
    textual = labels.dtype.kind in "US" or (
        labels.dtype.kind == "O" and isinstance(labels[0], str | bytes)
    )
    # scikit-learn's type_of_target refuses bytes; text labels are discrete anyway.
    kind = "multiclass" if textual else type_of_target(labels, input_name="y")
    if kind not in ("binary", "multiclass"):
        raise ValueError(
            f"Unknown label type: {kind!r}. sklabels classifies discrete labels; a "
            f"continuous y (e.g. {preview(labels[:3])}) is a regression target. "
            f"Bin it first, or use a regressor."
        )
    classes = _resolve_classes(np.unique(labels), explicit)
    if explicit is not None:
        classes = _in_dtype_of(classes, labels.dtype)
    problem = _check_problem(problem, len(classes), classes, form)
    codes = label_codes(labels, classes)
    return TargetEncoding(problem, form, classes, labels.dtype), codes


def _check_binary_matrix(values: np.ndarray, name: str) -> np.ndarray:
    if values.dtype.kind not in "biuf":
        raise ValueError(
            f"a 2-D {name} must be a 0/1 indicator or one-hot matrix, got dtype "
            f"{values.dtype}. For label names per sample, pass a list of label sets."
        )
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        raise ValueError(f"Input {name} contains NaN or infinity.")
    if values.dtype.kind != "b" and not _is_zero_one(values):
        kind = type_of_target(values, input_name=name)
        raise ValueError(
            f"Unknown label type: {kind!r}. A 2-D {name} must be a 0/1 matrix "
            f"(one-hot rows for multiclass, indicator rows for multilabel), but it "
            f"holds {preview(np.unique(values)[:6])}. sklabels does not handle "
            f"multiclass-multioutput or continuous targets; for label sets pass a "
            f"list of tuples."
        )
    return values


def _is_zero_one(values: np.ndarray) -> bool:
    """Whether every entry is 0 or 1 (``np.isin(values, (0, 1))``, without a sort)."""
    if values.size == 0:
        return True
    if values.dtype.kind in "iu":
        return bool(values.min() >= 0 and values.max() <= 1)
    return bool(((values == 0) | (values == 1)).all())


def _onehot_codes(values: np.ndarray, name: str) -> np.ndarray:
    ones = values.sum(axis=1)
    bad = np.flatnonzero(ones != 1)
    if bad.size:
        row = int(bad[0])
        raise ValueError(
            f"a one-hot {name} needs exactly one 1 per row, but row {row} has "
            f"{int(ones[row])} ({bad.size} such rows). For several labels per sample "
            f"use problem='multilabel'."
        )
    return np.argmax(values, axis=1).astype(np.intp)


def _fit_matrix(
    y: Any,
    values: np.ndarray,
    form: str,
    problem: str,
    explicit: np.ndarray | None,
    indicator: Any = np.int64,
) -> tuple[TargetEncoding, np.ndarray]:
    n, k = values.shape
    if n == 0:
        raise ValueError("y is empty: fit needs at least one sample per class.")
    values = _check_binary_matrix(values, "y")
    if explicit is not None:
        if len(explicit) != k:
            raise ValueError(
                f"y has {k} columns but classes= names {len(explicit)} labels "
                f"{preview(explicit)}; give one name per column."
            )
        classes = explicit
        if hasattr(y, "columns"):  # a DataFrame: match its columns by name
            columns = as_class_array(list(y.columns), "y.columns")
            try:
                order = label_codes(explicit, columns, "classes")
            except ValueError:
                raise ValueError(
                    f"classes={preview(explicit)} does not name the columns of the "
                    f"DataFrame y {preview(columns)}. Omit classes= to use the column "
                    f"names, or rename the columns."
                ) from None
            values = values[:, order]
    elif hasattr(y, "columns"):  # pandas DataFrame: its column names are the labels
        classes = as_class_array(list(y.columns), "y.columns")
    else:
        classes = np.arange(k)
    dtype = values.dtype
    if problem == "multilabel" or (form == "sparse" and problem == "auto"):
        return TargetEncoding("multilabel", form, classes, dtype), values.astype(
            indicator
        )
    one_per_row = (values.sum(axis=1) == 1).all()
    if problem == "auto" and not one_per_row:
        return TargetEncoding("multilabel", form, classes, dtype), values.astype(
            indicator
        )
    codes = _onehot_codes(values, "y")
    problem = _check_problem(problem, k, classes, "one-hot")
    return TargetEncoding(problem, "onehot", classes, dtype), codes


def _sets_to_indicator(
    rows: list, classes: np.ndarray, name: str, dtype: Any = np.int64
) -> np.ndarray:
    lengths = np.fromiter((len(r) for r in rows), dtype=np.intp, count=len(rows))
    flat = [label for r in rows for label in r]
    indicator = np.zeros((len(rows), len(classes)), dtype=dtype)
    if flat:
        labels = np.empty(len(flat), dtype=object)
        labels[:] = flat
        check_uniform_label_types(labels, name)
        labels = np.asarray(flat) if labels.dtype.kind != "O" else labels
        codes = label_codes(natural_order(labels), classes, name)
        indicator[np.repeat(np.arange(len(rows)), lengths), codes] = 1
    return indicator


def _fit_sets(
    rows: list, problem: str, explicit: np.ndarray | None, indicator: Any = np.int64
) -> tuple[TargetEncoding, np.ndarray]:
    if problem in ("binary", "multiclass"):
        raise ValueError(
            f"y is a list of label sets (multilabel) but problem={problem!r}; use "
            f"problem='multilabel' or 'auto', or pass one label per sample."
        )
    flat = [label for r in rows for label in r]
    labels = np.empty(len(flat), dtype=object)
    labels[:] = flat
    check_uniform_label_types(labels)
    found = np.unique(natural_order(labels)) if flat else np.asarray([])
    classes = _resolve_classes(found, explicit) if flat else explicit
    if classes is None or len(classes) == 0:
        raise ValueError(
            "y is a list of empty label sets: there are no labels to learn. Name them "
            "with classes=[...] if the model knows them."
        )
    matrix = _sets_to_indicator(rows, classes, "y", indicator)
    return TargetEncoding("multilabel", "sets", classes, None), matrix
