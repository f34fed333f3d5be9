"""Scores: turn any model output into a validated ``(n, k)`` float matrix.

A :class:`Scores` says what its numbers are: ``"proba"`` (probabilities) or
``"margin"`` (decision scores or logits). Every shape a model can return is handled
here -- ``(n,)``, ``(n, 1)``, ``(n, 2)``, ``(n, k)``, the list of ``(n, 2)`` arrays of
scikit-learn's multi-output classifiers -- and so are non-finite values, wrong column
counts and logits passed as probabilities. Nothing downstream re-checks shapes.

Canonical layout: column ``j`` scores ``classes[j]``. A binary problem has two columns
(``[1 - p, p]`` for probabilities, ``[-m, m]`` for a margin ``m``), so that "the score
of the positive class" is always one column, whichever class is positive.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np

from ._targets import is_unnamed, name_codes
from ._text import preview, to_python
from ._warnings import RowSumWarning, user_stacklevel

PROBA, MARGIN = "proba", "margin"

# Probabilities may exceed [0, 1] by rounding only.
PROBA_SLACK = 1e-6


@dataclass(frozen=True)
class Scores:
    """A validated score matrix.

    Attributes
    ----------
    values : ndarray of shape (n_samples, n_classes)
        Column ``j`` scores ``classes[j]``. Not copied from the caller's array where
        no conversion was needed; never written to.
    kind : {"proba", "margin"}
        Whether ``values`` are probabilities or margins (logits, decision scores).
    logits : bool
        Margins that are true logits: ``expit`` (binary, multilabel) or ``softmax``
        (multiclass) of them are probabilities. Rules read logits directly, which is
        exact where probabilities would round to 0 or 1.
    """

    values: np.ndarray
    kind: str
    logits: bool = False


def is_tensor(obj: Any) -> bool:
    """Whether ``obj`` is a Torch tensor, read with ``obj.detach().cpu().numpy()``.

    Tested by its methods, so that Torch need not be imported.
    """
    return hasattr(obj, "detach") and hasattr(obj, "cpu")


def as_float_array(raw: Any, name: str = "scores") -> np.ndarray:
    """``np.asarray`` for score outputs, with clear errors for non-numeric input."""
    if is_tensor(raw):
        raw = raw.detach().cpu().numpy()
    try:
        values = np.asarray(raw)
    except (ValueError, TypeError) as exc:
        raise TypeError(
            f"{name} must be a numeric array of shape (n,) or (n, k), got a "
            f"{type(raw).__name__} that numpy cannot read as one ({exc})."
        ) from None
    if values.dtype.kind == "b":
        values = values.astype(np.float64)
    if values.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold numbers (probabilities, logits or decision scores), "
            f"got dtype {values.dtype}. Pass the model's raw output array."
        )
    if values.dtype.kind in "iu":
        values = values.astype(np.float64)
    if values.ndim not in (1, 2):
        raise ValueError(
            f"{name} must have shape (n,) or (n, k), got shape {values.shape}. "
            f"For a list of per-label (n, 2) arrays (scikit-learn multi-output "
            f"predict_proba) pass np.stack([p[:, 1] for p in {name}], axis=1); for "
            f"an (n, 2, k) array of [p(0), p(1)] pairs pass {name}[:, 1, :]."
        )
    if values.shape[0] == 0:
        raise ValueError(f"{name} is empty (shape {values.shape}); nothing to decode.")
    if values.ndim == 2 and values.shape[1] == 0:
        raise ValueError(f"{name} has no columns (shape {values.shape}).")
    return values


def check_finite(values: np.ndarray, name: str = "scores") -> tuple[float, float]:
    """Raise on NaN or infinity; return (min, max). Two reductions, no temporary."""
    lo, hi = float(values.min()), float(values.max())
    if math.isfinite(lo) and math.isfinite(hi):
        return lo, hi
    if math.isnan(lo) or math.isnan(hi):
        bad = np.flatnonzero(np.isnan(values.reshape(values.shape[0], -1)).any(axis=1))
        raise ValueError(
            f"{name} contain NaN in {bad.size} row(s) (first: row {bad[0]}). A model "
            f"that outputs NaN has diverged or received NaN features; fix the model "
            f"or drop those rows."
        )
    if np.isinf(lo) or np.isinf(hi):
        raise ValueError(
            f"{name} contain infinite values (min {lo}, max {hi}). Pass finite "
            f"probabilities or logits."
        )
    return lo, hi


def check_proba_range(
    lo: float, hi: float, name: str = "scores", *, fix: str | None = None
) -> None:
    """Refuse probabilities from ``lo`` to ``hi`` outside [0, 1] beyond rounding.

    ``fix`` replaces the advice that ends the message (an adapter names its own).
    """
    if lo < -PROBA_SLACK or hi > 1 + PROBA_SLACK:
        fix = fix or (
            "they look like logits or decision scores. Pass from_logits=True "
            "(decode), response_method='decision_function' "
            "(ProbabilisticLabelClassifier) or output='logits' (adapters)."
        )
        raise ValueError(
            f"{name} range from {lo:.4g} to {hi:.4g}, outside [0, 1], so they are not "
            f"probabilities: {fix}"
        )


# Rounded softmax rows: values rounded to d decimals are off by at most 0.5 * 10**-d
# each, so a row of k of them sums to 1 within k * 0.5 * 10**-d. Roundings to 2 or
# more decimals are recognised (CSV exports commonly keep 2 to 4); a bound looser than
# ROUNDING_LIMIT is too loose to tell softmax rows from sigmoid columns, and asks.
ROUNDING_DECIMALS = range(2, 7)
ROUNDING_LIMIT = 0.05


# Row sums that float rounding explains: 16 k units of the values' precision, at
# most FLOAT_TOLERANCE_LIMIT (float16 rows sum to 1 within about 1e-3; a looser
# bound would take sigmoid columns for softmax rows).
FLOAT_TOLERANCE_LIMIT = 0.01


def _precision(values: np.ndarray) -> float:
    """The ``eps`` of the values' precision: their dtype's, or float16's (float32's)
    where every value is a float16 (float32) number -- a half-precision network's
    outputs widened to float32 keep their float16 rounding."""
    if values.dtype.kind != "f":
        return 0.0
    for narrow in (np.float16, np.float32):
        if values.dtype.itemsize > np.dtype(narrow).itemsize and values.size:
            with np.errstate(over="ignore"):
                if np.array_equal(values.astype(narrow), values):
                    return float(np.finfo(narrow).eps)
    return float(np.finfo(values.dtype).eps)


def float_tolerance(values: np.ndarray) -> float:
    """How far from 1 a row of ``values`` may sum by float rounding alone."""
    k = values.shape[1]
    return max(1e-6, min(16 * k * _precision(values), FLOAT_TOLERANCE_LIMIT))


def decimal_steps(dtype: np.dtype, most: int = 6) -> Iterator[int]:
    """The decimals ``d <= most`` whose step ``10**-d`` is at least 64 units of the
    dtype's precision (float32: up to 5 decimals), fewest first."""
    eps = float(np.finfo(dtype).eps) if dtype.kind == "f" else 0.0
    for d in range(1, most + 1):
        if eps and 10.0**-d < 64 * eps:
            return
        yield d


def on_decimals(values: np.ndarray, d: int) -> bool:
    """Whether every value is a multiple of ``10**-d``, within a few units in its
    last place (a value rounded to ``d`` decimals and stored in float32 or float64)."""
    eps = float(np.finfo(values.dtype).eps) if values.dtype.kind == "f" else 0.0
    scaled = values.astype(np.float64) * 10.0**d
    slack = 4 * eps * np.maximum(np.abs(scaled), 1.0) + 1e-9
    return bool(np.all(np.abs(scaled - np.rint(scaled)) <= slack))


def rounding_decimals(values: np.ndarray, most: int = 6) -> int | None:
    """The fewest decimals ``d <= most`` of which every value is a multiple, or None.

    Only ``d`` of ``decimal_steps`` are tried, so that the test separates rounded
    values from others.
    """
    return next(
        (d for d in decimal_steps(values.dtype, most) if on_decimals(values, d)), None
    )


@dataclass(frozen=True)
class RowSums:
    """Row-sum statistics of some rows, in row order: all that the row-sum rule
    (``kind_of``) reads, and mergeable, so that rows in blocks give the statistics
    of all rows.
    """

    n: int
    exact: int  # rows within float rounding of 1
    worst: float  # the largest |row sum - 1|
    worst_row: int  # the first row that deviates most
    worst_sum: float

    @classmethod
    def merge(cls, *parts: RowSums) -> RowSums:
        """The statistics of the rows of ``parts``, in order."""
        out = parts[0]
        for part in parts[1:]:
            worst, row, total = out.worst, out.worst_row, out.worst_sum
            if part.worst > out.worst:  # the first row of largest deviation
                worst, row, total = part.worst, out.n + part.worst_row, part.worst_sum
            out = cls(out.n + part.n, out.exact + part.exact, worst, row, total)
        return out


def row_sum_stats(values: np.ndarray, tolerance: float | None = None) -> RowSums:
    """The ``RowSums`` of ``values``, rows within ``tolerance`` (by default
    ``float_tolerance(values)``) of 1 counted as exact."""
    if not len(values):  # no row, no deviation
        return RowSums(0, 0, -1.0, 0, 1.0)
    if tolerance is None:
        tolerance = float_tolerance(values)
    sums = values.sum(axis=1, dtype=np.float64)
    deviation = np.abs(sums - 1.0)
    row = int(np.argmax(deviation))
    exact = int(np.count_nonzero(deviation <= tolerance))
    return RowSums(len(values), exact, float(deviation[row]), row, float(sums[row]))


def kind_of(
    stats: RowSums, k: int, tolerance: float, decimals: Callable[[], int | None]
) -> str:
    """The row-sum rule: ``"softmax"``, ``"rounded"`` (softmax rows rounded to a few
    decimals), ``"sigmoid"`` (rows that do not sum to 1), or ``"ambiguous"``.

    Exact (within float rounding: ``max(1e-6, 16 k eps)``, at most 0.01, ``eps`` of
    the values' precision, see ``_precision``), then rounded (every value a multiple
    of ``10**-d`` with ``d >= 2``, ``d`` as ``decimals()`` finds it, and every row
    within ``k * 0.5 * 10**-d`` of 1, when that bound is at most 0.05). Ambiguous:
    rows that sum to 1 only within a looser bound, or at least half of the rows
    summing to 1 exactly but not all.
    """
    if stats.exact == stats.n:
        return "softmax"
    if stats.worst <= k * 0.5 * 10.0**-1:  # possibly rounded: find to how many decimals
        d = decimals()
        if d is not None and stats.worst <= k * 0.5 * 10.0**-d + tolerance:
            bound = k * 0.5 * 10.0**-d
            if d in ROUNDING_DECIMALS and bound <= ROUNDING_LIMIT:
                return "rounded"
            return "ambiguous"
    if stats.n >= 10 and stats.exact / stats.n >= 0.5:
        return "ambiguous"
    return "sigmoid"


def row_sum_kind(values: np.ndarray) -> str:
    """``kind_of`` the rows of ``values``."""
    tolerance = float_tolerance(values)
    stats = row_sum_stats(values, tolerance)
    return kind_of(
        stats, values.shape[1], tolerance, partial(rounding_decimals, values)
    )


def rows_sum_to_one(values: np.ndarray) -> bool:
    """True when every row sums to 1, exactly or as rounded softmax rows."""
    return row_sum_kind(values) in ("softmax", "rounded")


def warn_unless_rows_sum_to_one(values: np.ndarray, name: str, fix: str) -> None:
    """One ``RowSumWarning`` where multiclass probabilities are not softmax rows.

    Rows that ``problem="auto"`` would read as softmax rows (exactly, rounded, or
    most of them) pass; others -- logits, sigmoid columns -- warn: the threshold
    ratios and the reject level assume one distribution per row.
    """
    if values.ndim != 2 or not len(values) or row_sum_kind(values) != "sigmoid":
        return
    sums = values.sum(axis=1, dtype=np.float64)
    row = int(np.argmax(np.abs(sums - 1.0)))
    warnings.warn(
        f"{name} are multiclass probabilities, but their rows do not sum to 1 "
        f"(row {row} sums to {sums[row]:.4g}): the threshold ratios and "
        f"reject_threshold assume one distribution per row. {fix}",
        RowSumWarning,
        stacklevel=user_stacklevel(),
    )


def check_inferable(width: int, *, from_logits: bool, name: str = "scores") -> None:
    """Refuse ``problem="auto"`` for logits of several columns: say which."""
    if from_logits:
        raise ValueError(
            f"{name} are logits with {width} columns: softmax logits "
            f"(one class per sample) and sigmoid logits (several labels per sample) "
            f"look alike. Say which with problem='multiclass' or problem='multilabel'."
        )


def problem_of(kind: str, stats: RowSums, width: int, name: str = "scores") -> str:
    """The problem kind of several score columns whose rows are of ``kind``."""
    if kind == "ambiguous":
        raise ValueError(
            f"cannot tell whether {name} are softmax rows (one class per sample) or "
            f"independent sigmoid columns (several labels per sample): most rows "
            f"sum to 1 but row {stats.worst_row} sums to {stats.worst_sum:.6g}. Say "
            f"which with problem='multiclass' (or 'binary') or problem='multilabel'."
        )
    if kind in ("softmax", "rounded"):
        return "binary" if width == 2 else "multiclass"
    return "multilabel"


def infer_problem(
    values: np.ndarray, *, from_logits: bool, name: str = "scores"
) -> str:
    """``problem="auto"`` for a bare score array (``decode``)."""
    if values.ndim == 1 or values.shape[1] == 1:
        return "binary"
    check_inferable(values.shape[1], from_logits=from_logits, name=name)
    tolerance = float_tolerance(values)
    stats = row_sum_stats(values, tolerance)
    decimals = partial(rounding_decimals, values)
    kind = kind_of(stats, values.shape[1], tolerance, decimals)
    return problem_of(kind, stats, values.shape[1], name)


def column_error(width: int, n_classes: int, classes: Any, name: str) -> ValueError:
    names = "" if classes is None else f" {preview(classes)}"
    return ValueError(
        f"{name} have {width} column(s) but {n_classes} classes were given{names}. "
        f"A model with {width} output column(s) needs {width} class names in column "
        f"order (or 2 names for a single sigmoid column)."
    )


def _binary_matrix(column: np.ndarray, kind: str, owner: int = 1) -> np.ndarray:
    """Two columns from the score of ``classes[owner]``: ``[1 - p, p]`` or
    ``[-m, m]`` when it scores ``classes[1]``, the mirror when ``classes[0]``."""
    column = column.astype(np.float64, copy=False)
    other = 1.0 - column if kind == PROBA else -column
    return np.column_stack([other, column] if owner == 1 else [column, other])


def align_named_columns(
    raw: Any, classes: np.ndarray | None, name: str = "scores"
) -> tuple[Any, int | None]:
    """Named score columns (a pandas DataFrame or Series) matched to ``classes``.

    Returns the scores in the column order of ``classes`` and, for a single named
    column, the position of the class it names (None when it names none). Unnamed
    input (arrays, tensors, a DataFrame with pandas' default ``0..k-1`` columns) is
    returned as it is: its columns keep their positional meaning.
    """
    if classes is None:
        return raw, None
    if hasattr(raw, "columns") and hasattr(raw, "to_numpy"):
        columns = raw.columns
        if is_unnamed(columns):
            return raw.to_numpy(), None
        names = list(columns)
    elif hasattr(raw, "to_numpy") and hasattr(raw, "name") and np.ndim(raw) == 1:
        names = [raw.name] if raw.name is not None else []
        raw = raw.to_numpy()
        if not names:
            return raw, None
    else:
        return raw, None
    values = raw.to_numpy() if hasattr(raw, "to_numpy") else raw
    codes = name_codes(names, classes)
    if len(names) == 1:
        # One column: it scores the class it names; a name that is no class is a
        # caption ("score", "p"), and the column keeps its positional meaning.
        return np.asarray(values).reshape(-1), None if codes is None else int(codes[0])
    if (
        codes is None
        or len(set(codes.tolist())) != len(codes)
        or len(codes) != len(classes)
    ):
        given = {str(to_python(n)) for n in names}
        wanted = {str(to_python(c)) for c in classes}
        raise ValueError(
            f"the columns of {name} {preview(names)} do not match the classes "
            f"{preview(classes)}: named columns are matched to classes by name, "
            f"never by position. Missing: {sorted(wanted - given)}; not classes: "
            f"{sorted(given - wanted)}. Rename the columns, pass classes= listing the "
            f"column names, or pass the values (df.to_numpy()) in the order of classes."
        )
    order = np.argsort(codes)  # column j of the result scores classes[j]
    return np.asarray(values)[:, order], None


def scores_from_array(
    raw: Any,
    *,
    classes: np.ndarray,
    problem: str,
    from_logits: bool = False,
    owner: int = 1,
    name: str = "scores",
) -> tuple[Scores, str]:
    """Validate a bare output array (``decode``). Returns the scores and the problem.

    ``owner`` is the position in ``classes`` of the class that a single score column
    scores (the positive class); a single column named by a class scores that class.
    Named columns (a DataFrame) are matched to ``classes`` by name.

    With ``from_logits=True`` the scores stay logits (``kind="margin"``,
    ``logits=True``): the rules compare them with the logit of each threshold, which
    is exact where ``expit``/``softmax`` would round to 0 or 1.
    """
    raw, named = align_named_columns(raw, classes, name)
    if named is not None:
        owner = named
    values = as_float_array(raw, name)
    lo, hi = check_finite(values, name)
    n_classes = len(classes)
    width = 1 if values.ndim == 1 else values.shape[1]
    if problem == "auto":
        if width > 1 and width != n_classes:
            raise column_error(width, n_classes, classes, name)
        problem = infer_problem(values, from_logits=from_logits, name=name)

    if problem == "binary":
        if n_classes != 2:
            raise ValueError(
                f"a binary problem needs exactly 2 classes, got {n_classes}: "
                f"{preview(classes)}. For one sigmoid output name both outcomes, e.g. "
                f"classes=['negative', 'positive'] (the output is p(classes[1]))."
            )
        if width not in (1, 2):
            raise column_error(width, n_classes, classes, name)
        if from_logits:
            if width == 2:  # softmax logits: only their difference matters
                values, owner = values[:, 1].astype(np.float64) - values[:, 0], 1
            return Scores(
                _binary_matrix(values.reshape(-1), MARGIN, owner), MARGIN, True
            ), problem
        check_proba_range(lo, hi, name)
        if width == 1:
            values = _binary_matrix(values.reshape(-1), PROBA, owner)
        return Scores(values, PROBA), problem

    if values.ndim == 1:
        raise ValueError(
            f"{name} have one column but problem={problem!r} needs one column per "
            f"class ({n_classes}); for a single sigmoid output use problem='binary'."
        )
    if width != n_classes:
        raise column_error(width, n_classes, classes, name)
    if from_logits:
        return Scores(values, MARGIN, True), problem
    check_proba_range(lo, hi, name)
    if problem == "multiclass":
        warn_unless_rows_sum_to_one(
            values, name, "Pass from_logits=True if they are logits."
        )
    return Scores(values, PROBA), problem


def scores_from_estimator(
    raw: Any,
    *,
    method: str,
    problem: str,
    n_classes: int,
    estimator_classes: Any = None,
    classes: Any = None,
    name: str = "the estimator's output",
) -> Scores:
    """Validate what an estimator's ``predict_proba``/``decision_function`` returned.

    Parameters
    ----------
    raw : ndarray or list of ndarray
        The response. Multilabel ``predict_proba`` may be a list of ``(n, 2)`` arrays
        (``RandomForestClassifier``, ``KNeighborsClassifier``,
        ``MultiOutputClassifier``).
    method : {"predict_proba", "decision_function"}
    problem : {"binary", "multiclass", "multilabel"}
    n_classes : int
    estimator_classes : array-like, list of array-like or None
        The inner estimator's ``classes_``: the codes it saw in fit, when fewer than
        ``n_classes`` (``classes=`` named classes absent from the training ``y``).
    """
    kind = PROBA if method == "predict_proba" else MARGIN
    if hasattr(raw, "columns") and hasattr(raw, "to_numpy"):
        raw = _estimator_frame(raw, estimator_classes, classes, name)
    if problem == "multilabel" and n_classes == 1 and not isinstance(raw, list | tuple):
        # One label, fitted as a 0/1 vector: a single-output binary response.
        raw = [raw if np.ndim(raw) == 2 else _binary_matrix(np.asarray(raw), kind)]
        estimator_classes = [estimator_classes]
    if problem == "multilabel" and isinstance(raw, list | tuple):
        values = _stack_multioutput(raw, n_classes, estimator_classes, name, kind)
    else:
        values = as_float_array(raw, name)
    lo, hi = check_finite(values, name)
    if kind == PROBA:
        check_proba_range(lo, hi, name)

    columns = _seen_codes(estimator_classes, n_classes, problem)
    width = 1 if values.ndim == 1 else values.shape[1]
    expected = n_classes if columns is None else len(columns)
    if width == 1 and (
        problem == "binary" or (problem != "multilabel" and expected == 2)
    ):
        # A single binary margin (or probability) column scores classes[1].
        column = values.reshape(-1)
        if problem == "multiclass" and kind == MARGIN:
            # The ratio rule reads margins through softmax: [0, m] keeps p = expit(m).
            values = np.column_stack([np.zeros_like(column, dtype=np.float64), column])
        else:
            values = _binary_matrix(column, kind)
        width = 2
    if width != expected:
        raise ValueError(
            f"{name} ({method}) has {width} column(s) but the model should score "
            f"{expected} classes. Check that classes= matches the model's outputs."
        )
    if columns is not None and len(columns) < n_classes:
        full = np.full((values.shape[0], n_classes), 0.0 if kind == PROBA else -np.inf)
        full[:, columns] = values
        values = full
    return Scores(values, kind)


def _estimator_frame(
    frame: Any, estimator_classes: Any, classes: Any, name: str
) -> np.ndarray:
    """A DataFrame response, its columns matched by name: to the inner model's
    ``classes_`` (what it was fitted on), else to the labels (a frozen model)."""
    if is_unnamed(frame.columns):
        return frame.to_numpy()
    candidates = [
        np.asarray(c)
        for c in (estimator_classes, classes)
        if c is not None and np.ndim(c) == 1 and len(c) == frame.shape[1]
    ]
    for candidate in candidates:
        if name_codes(list(frame.columns), candidate) is not None:
            values, _ = align_named_columns(frame, candidate, name)
            return values
    raise ValueError(
        f"{name} is a DataFrame with columns {preview(list(frame.columns))}, which "
        f"do not name the classes "
        f"{preview(candidates[-1]) if candidates else '(unknown)'}; named columns "
        f"are matched by name, never by position. Rename them, or return an array "
        f"whose columns follow the model's classes_."
    )


def _seen_codes(
    estimator_classes: Any, n_classes: int, problem: str
) -> np.ndarray | None:
    """Codes the inner estimator was fitted on, when they are a subset of all codes."""
    if problem == "multilabel" or estimator_classes is None:
        return None
    seen = np.asarray(estimator_classes)
    if seen.ndim != 1 or seen.dtype.kind not in "iu" or len(seen) >= n_classes:
        return None
    return seen.astype(np.intp)


def _stack_multioutput(
    raw: list, n_classes: int, estimator_classes: Any, name: str, kind: str = PROBA
) -> np.ndarray:
    """A list of per-label ``(n, 2)`` probability arrays as one ``(n, k)`` matrix."""
    if len(raw) != n_classes:
        raise ValueError(
            f"{name} is a list of {len(raw)} per-label arrays but there are "
            f"{n_classes} labels. Check that classes= matches the model's outputs."
        )
    per_label = (
        list(estimator_classes)
        if isinstance(estimator_classes, list | tuple)
        else [None] * n_classes
    )
    columns = []
    for j, (proba, seen) in enumerate(zip(raw, per_label, strict=True)):
        proba = as_float_array(proba, f"{name}[{j}]")
        proba = proba.reshape(proba.shape[0], -1)
        seen = np.asarray([0, 1] if seen is None else seen).tolist()
        if proba.shape[1] != len(seen):
            raise ValueError(
                f"{name}[{j}] has {proba.shape[1]} columns but label {j} was fitted "
                f"on values {seen}."
            )
        if 1 in seen:
            columns.append(proba[:, seen.index(1)])
        else:  # the label never occurred in training: it is never on
            never = 0.0 if kind == PROBA else -np.finfo(np.float64).max
            columns.append(np.full(proba.shape[0], never))
    return np.column_stack(columns)
