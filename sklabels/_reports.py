"""Reports with the label names in the right rows, for every problem kind and form.

scikit-learn's report utilities take ``target_names`` in the order of the *sorted*
labels, refuse label sets, and ``confusion_matrix`` refuses multilabel targets. These
functions encode ``y_true`` and ``y_pred`` through the same ``TargetEncoding`` as the
classifier, so the names come from ``classes`` in column order and any target form
works; abstentions (``reject_label``) get their own row or column.
"""

from __future__ import annotations

from collections import namedtuple
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np
from sklearn.metrics import classification_report as _sk_report
from sklearn.metrics import multilabel_confusion_matrix
from sklearn.utils._param_validation import (
    Interval,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import _check_sample_weight

from ._targets import PROBLEMS, TargetEncoding, fit_target
from ._text import preview, to_python

LabelledMatrix = namedtuple("LabelledMatrix", ["values", "index", "columns"])
LabelledMatrix.__doc__ = """A matrix with its row and column labels (without pandas).

Attributes
----------
values : ndarray of shape (n_rows, n_columns)
index : list
    Row labels (the true classes).
columns : list
    Column labels (the predicted classes, then the abstention label if any).
"""

# The parameters both reports share; classes keep the message of as_class_array,
# which shows the form expected.
_REPORT_PARAMETERS = {
    "y_true": ["array-like", "sparse matrix"],
    "y_pred": ["array-like", "sparse matrix"],
    "classes": "no_validation",
    "problem": [StrOptions({"auto", *PROBLEMS})],
    "reject_label": "no_validation",  # any label that no class uses
    "sample_weight": ["array-like", None],
}


class _Encoded(NamedTuple):
    """Truth and predictions encoded alike, with the checked sample weights."""

    encoding: TargetEncoding
    truth: np.ndarray
    pred: np.ndarray  # codes (-1 where the model abstained) or an indicator matrix
    rejected: np.ndarray | None  # the rows where the model abstained; None: none
    sample_weight: np.ndarray | None


def _encode(
    y_true: Any,
    y_pred: Any,
    classes: Any,
    problem: str,
    reject_label: Any,
    sample_weight: Any,
) -> _Encoded:
    """Truth and predictions as codes/indicators; the rows where the model abstained."""
    encoding, truth = fit_target(y_true, problem=problem, classes=classes)
    rejected = None
    if encoding.problem != "multilabel":
        y_pred, rejected = _split_rejected(y_pred, reject_label, encoding)
    try:
        pred = encoding.encode(y_pred, "y_pred")
    except ValueError as exc:
        if classes is not None:
            raise
        raise ValueError(
            f"{exc} The classes were taken from y_true "
            f"{preview(encoding.classes)}; pass classes=[...] listing every label "
            f"that y_pred may hold."
        ) from None
    if len(pred) != len(truth):
        raise ValueError(
            f"y_true has {len(truth)} samples but y_pred has {len(pred)}; pass the "
            f"predictions for the same samples."
        )
    if sample_weight is not None:
        sample_weight = _check_sample_weight(
            sample_weight, truth, ensure_non_negative=True
        )
    if rejected is not None:
        pred = np.where(rejected, -1, pred)
        if not rejected.any():
            rejected = None
    return _Encoded(encoding, truth, pred, rejected, sample_weight)


def _split_rejected(y_pred: Any, reject_label: Any, encoding: TargetEncoding):
    """Replace abstentions by a placeholder class so that the rest encodes."""
    if reject_label is None:
        return y_pred, None
    array = y_pred if isinstance(y_pred, np.ndarray) else np.asarray(y_pred, object)
    if array.ndim == 2 and array.shape[1] == encoding.n_classes > 1:
        return y_pred, ~array.astype(bool).any(axis=1)  # one-hot: all-zero rows
    flat = array.reshape(-1)
    rejected = np.array([_same(v, reject_label) for v in flat], dtype=bool)
    if not rejected.any():
        return y_pred, rejected
    cleaned = flat.astype(object, copy=True)
    cleaned[rejected] = encoding.classes[0]
    return cleaned, rejected


def _same(value: Any, label: Any) -> bool:
    try:
        return bool(value == label)
    except (TypeError, ValueError):
        return False


def _names(classes: np.ndarray) -> list[str]:
    return [str(to_python(c)) for c in classes]


@validate_params(
    {
        **_REPORT_PARAMETERS,
        # as scikit-learn's classification_report, whose checks this one replaces
        "output_dict": ["boolean"],
        "digits": [Interval(Integral, 0, None, closed="left")],
        "zero_division": [Options(Real, {0.0, 1.0}), "nan", StrOptions({"warn"})],
    },
    prefer_skip_nested_validation=True,
)
def classification_report(
    y_true: Any,
    y_pred: Any,
    *,
    classes: Any = None,
    problem: str = "auto",
    reject_label: Any = None,
    output_dict: bool = False,
    sample_weight: Any = None,
    digits: int = 2,
    zero_division: Any = 0.0,
) -> str | dict:
    """scikit-learn's classification report, with every name in its own row.

    Parameters
    ----------
    y_true, y_pred : array-like, sparse matrix or sequence of label collections
        Labels in any form the classifier accepts (1-D labels, one-hot or
        indicator matrix, list of label sets); ``y_pred`` may use another form than
        ``y_true``.
    classes : array-like, default=None
        The labels in row order. Default: the labels of ``y_true`` (sorted).
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
    reject_label : label, default=None
        The label a model predicts when it abstains: such predictions count as
        misses for recall and get their own line (``"abstained"`` in the dict).
    output_dict : bool, default=False
        Return a dict (as scikit-learn's) instead of text.
    sample_weight : array-like of shape (n_samples,), default=None
    digits : int, default=2
    zero_division : {0.0, 1.0, np.nan, "warn"}, default=0.0
        The precision of a class never predicted, the recall of a class never
        true (multilabel: of a sample without labels), and their F-score. ``0.0``
        reports 0 without scikit-learn's ``UndefinedMetricWarning`` (a tuned
        threshold or an abstention often leaves a class unpredicted); ``"warn"``
        reports 0 with the warning, as scikit-learn's default.

    Returns
    -------
    report : str or dict
        One row per class named by its label, in the order of ``classes``.

    Examples
    --------
    >>> from sklabels import classification_report
    >>> y_true = ["cat", "dog", "bird", "cat"]
    >>> y_pred = ["cat", "bird", "bird", "unsure"]
    >>> report = classification_report(
    ...     y_true, y_pred, classes=["cat", "dog", "bird"], reject_label="unsure",
    ...     output_dict=True)
    >>> report["cat"]["recall"], report["abstained"]["count"]
    (0.5, 1)
    """
    data = _encode(y_true, y_pred, classes, problem, reject_label, sample_weight)
    report = _sk_report(
        data.truth,
        data.pred,
        labels=(
            None
            if data.encoding.problem == "multilabel"
            else np.arange(data.encoding.n_classes)
        ),
        target_names=_names(data.encoding.classes),
        sample_weight=data.sample_weight,
        digits=digits,
        output_dict=output_dict,
        zero_division=zero_division,
    )
    if data.rejected is None:
        return report
    return _with_abstentions(report, data, reject_label, digits)


def _with_abstentions(
    report: str | dict, data: _Encoded, reject_label: Any, digits: int
) -> str | dict:
    """The report with the abstentions counted: a last line, or ``"abstained"``."""
    weight = data.sample_weight
    if weight is None:
        count: int | float = int(data.rejected.sum())
        total: int | float = len(data.rejected)
    else:
        count, total = float(weight[data.rejected].sum()), float(weight.sum())
    fraction = count / total
    if isinstance(report, dict):
        report["abstained"] = {
            "label": to_python(reject_label),
            "count": count,
            "fraction": fraction,
        }
        return report
    return (
        report.rstrip("\n")
        + f"\n\n   abstained ({reject_label!r}): {count} of {total}"
        + f" ({fraction:.{digits}%})\n"
    )


@validate_params(
    {**_REPORT_PARAMETERS, "normalize": [StrOptions({"true", "pred", "all"}), None]},
    prefer_skip_nested_validation=True,
)
def confusion_matrix(
    y_true: Any,
    y_pred: Any,
    *,
    classes: Any = None,
    problem: str = "auto",
    reject_label: Any = None,
    normalize: str | None = None,
    sample_weight: Any = None,
) -> Any:
    """Confusion matrix with label names: rows are true classes, columns predicted.

    Parameters
    ----------
    y_true, y_pred : array-like, sparse matrix or sequence of label collections
        Labels in any form the classifier accepts.
    classes : array-like, default=None
        Row and column order. Default: the labels of ``y_true`` (sorted).
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
    reject_label : label, default=None
        The abstention label: counted in a last column of its own.
    normalize : {None, "true", "pred", "all"}, default=None
        As scikit-learn's: divide by the row sums, the column sums or the total.
    sample_weight : array-like of shape (n_samples,), default=None

    Returns
    -------
    matrix : pandas.DataFrame, LabelledMatrix, or dict of them
        Single-label problems: a DataFrame indexed by the true labels with the
        predicted labels as columns (a :class:`LabelledMatrix` without pandas).
        Multilabel problems: ``{label: 2x2 table}`` with rows and columns
        ``["no", "yes"]`` (true, predicted).

    Examples
    --------
    >>> from sklabels import confusion_matrix
    >>> cm = confusion_matrix(["b", "a", "b"], ["b", "b", "b"], classes=["b", "a"])
    >>> cm.loc["a", "b"]  # one true 'a' predicted as 'b'
    np.int64(1)
    """
    data = _encode(y_true, y_pred, classes, problem, reject_label, sample_weight)
    names = [to_python(c) for c in data.encoding.classes]
    if data.encoding.problem == "multilabel":
        tables = multilabel_confusion_matrix(
            data.truth, data.pred, sample_weight=data.sample_weight
        )
        return {
            name: _table(_normalize(t, normalize), ["no", "yes"], ["no", "yes"], name)
            for name, t in zip(names, tables, strict=True)
        }
    k = data.encoding.n_classes
    width = k + (data.rejected is not None)
    pred_index = np.where(data.pred < 0, k, data.pred)
    matrix = np.bincount(
        data.truth * width + pred_index,
        weights=data.sample_weight,
        minlength=k * width,
    ).reshape(k, width)
    if data.sample_weight is None:
        matrix = matrix.astype(np.int64)
    columns = names
    if data.rejected is not None:
        columns = [*names, to_python(reject_label)]
    return _table(_normalize(matrix, normalize), names, columns, None)


def _normalize(matrix: np.ndarray, normalize: str | None) -> np.ndarray:
    if normalize is None:
        return matrix
    matrix = matrix.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        if normalize == "true":
            out = matrix / matrix.sum(axis=1, keepdims=True)
        elif normalize == "pred":
            out = matrix / matrix.sum(axis=0, keepdims=True)
        else:
            out = matrix / matrix.sum()
    return np.nan_to_num(out)


def _table(values: np.ndarray, index: list, columns: list, label: Any) -> Any:
    try:
        import pandas as pd
    except ImportError:
        return LabelledMatrix(values, list(index), list(columns))
    true_name = "true" if label is None else f"true {label}"
    return pd.DataFrame(
        values,
        index=pd.Index(index, name=true_name),
        columns=pd.Index(columns, name="predicted"),
    )
