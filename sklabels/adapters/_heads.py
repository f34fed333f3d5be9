"""Encoded targets and output heads: what a network's output columns mean.

An adapter is a scikit-learn classifier on *encoded* targets: 1-D integer codes
``0..k-1`` (binary, multiclass) or an ``(n, k)`` 0/1 indicator (multilabel). It
never sees label names; :class:`sklabels.ProbabilisticLabelClassifier` maps codes
to names. What differs between adapters is how a network is built, trained and
run; what its outputs *mean* is decided here, once, from the output width, the
target and the ``output`` / ``problem`` parameters.

Heads
-----
``"sigmoid"``
    One output column: ``p(code 1)`` (binary).
``"softmax"``
    ``k >= 2`` columns, one class per sample (binary with two outputs, multiclass).
``"multilabel"``
    ``k`` columns, one independent sigmoid per label.
``"unknown"``
    ``k >= 2`` columns of a handed-in network before ``fit`` with ``problem="auto"``:
    softmax and per-label sigmoid outputs look alike. Probabilities can still be
    passed on as they are; logits and ``predict`` need ``problem=``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax

from .._scores import PROBA_SLACK, check_finite, is_tensor, row_sum_kind
from .._targets import PROBLEMS

SIGMOID, SOFTMAX, MULTILABEL, UNKNOWN = "sigmoid", "softmax", "multilabel", "unknown"
# The values of the adapters' ``problem=`` and ``output=`` parameters.
PROBLEM_OPTIONS = {"auto", *PROBLEMS}
OUTPUTS = {"auto", "logits", "probabilities"}
LOGITS, PROBABILITIES = "logits", "probabilities"
# What an unknown head prevents, in the error that asks for problem=.
ACTIVATING = "turning logits into probabilities"


@dataclass(frozen=True)
class EncodedTarget:
    """A validated encoded target.

    Attributes
    ----------
    values : ndarray
        1-D int64 codes (single-label) or a 2-D float32 0/1 indicator (multilabel).
    multilabel : bool
    n_codes : int
        Single-label: ``max(code) + 1``, at least 2. Multilabel: the column count.
    """

    values: np.ndarray
    multilabel: bool
    n_codes: int


def check_encoded_target(y: Any, owner: str) -> EncodedTarget:
    """Validate ``y`` as integer codes or a 0/1 indicator matrix."""
    if sp.issparse(y):
        y = y.toarray()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]  # a column of codes (Keras-style targets)
    if y.dtype.kind not in "biuf":
        raise TypeError(
            f"{owner} fits encoded targets: integer codes 0..k-1 or a 0/1 indicator "
            f"matrix, got dtype {y.dtype} (e.g. {_first(y)!r}). To train on label "
            f"names, wrap it: ProbabilisticLabelClassifier({owner}(...)).fit(X, y)."
        )
    if y.ndim not in (1, 2) or y.shape[0] == 0 or (y.ndim == 2 and y.shape[1] == 0):
        raise ValueError(
            f"{owner}: y must be 1-D codes of shape (n,) or an indicator of shape "
            f"(n, k) with n, k >= 1, got shape {y.shape}."
        )
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"{owner}: y contains NaN or infinite values.")
    if y.ndim == 2:
        if not np.isin(y, (0, 1)).all():
            raise ValueError(
                f"{owner}: a 2-D y must be a 0/1 indicator matrix (multilabel), got "
                f"values {_preview_values(y)}."
            )
        return EncodedTarget(y.astype(np.float32), True, y.shape[1])
    if (y < 0).any() or (y != np.round(y)).any():
        raise ValueError(
            f"{owner}: 1-D y must hold integer codes 0..k-1, got values "
            f"{_preview_values(y)}. Encode labels first, or wrap the adapter in "
            f"ProbabilisticLabelClassifier, which does."
        )
    codes = y.astype(np.int64)
    return EncodedTarget(codes, False, max(2, int(codes.max()) + 1))


def _first(y: np.ndarray) -> Any:
    return y.reshape(-1)[0] if y.size else None


def _preview_values(y: np.ndarray) -> str:
    values = np.unique(y)
    shown = ", ".join(repr(v.item()) for v in values[:6])
    return f"[{shown}{', ...' if len(values) > 6 else ''}]"


def head_for_target(
    width: int, target: EncodedTarget, problem: str, owner: str
) -> tuple[str, str]:
    """The head of a network of output ``width`` trained on ``target``.

    Returns ``(head, problem_)``; raises ValueError when they do not fit together.
    """
    if target.multilabel:
        return _multilabel_head(width, target, problem, owner)
    if width == 1:
        if target.n_codes > 2 or problem == "multiclass":
            raise ValueError(
                f"{owner}: the network has 1 output (a single sigmoid), which can "
                f"only score a binary problem, but y has codes up to "
                f"{target.n_codes - 1}. Give it one output per class "
                f"({target.n_codes})."
            )
        return SIGMOID, "binary"
    if width < target.n_codes:
        raise ValueError(
            f"{owner}: the network has {width} outputs but y has codes up to "
            f"{target.n_codes - 1}, so it needs at least {target.n_codes} outputs "
            f"(one per class)."
        )
    if problem == "multilabel":
        raise ValueError(
            f"{owner}(problem='multilabel') got 1-D codes; a multilabel target is a "
            f"2-D 0/1 indicator of shape (n, {width})."
        )
    if problem == "binary" and width != 2:
        raise ValueError(
            f"{owner}(problem='binary') needs 1 or 2 outputs, the network has {width}."
        )
    return SOFTMAX, "binary" if width == 2 else "multiclass"


def _multilabel_head(
    width: int, target: EncodedTarget, problem: str, owner: str
) -> tuple[str, str]:
    if problem in ("binary", "multiclass"):
        raise ValueError(
            f"{owner}(problem={problem!r}) got a 2-D indicator y, which is a "
            f"multilabel target. Use problem='multilabel' or 'auto', or pass 1-D "
            f"codes."
        )
    if width != target.n_codes:
        raise ValueError(
            f"{owner}: the network has {width} output(s) but y has "
            f"{target.n_codes} label columns; a multilabel network needs one "
            f"output per label ({target.n_codes})."
        )
    return MULTILABEL, "multilabel"


def head_for_width(width: int, problem: str, owner: str) -> tuple[str, str | None]:
    """Head of a handed-in network before ``fit``, from its width and ``problem``."""
    if width == 1:
        if problem == "multiclass":
            raise ValueError(
                f"{owner}(problem='multiclass'): the network has 1 output, which "
                f"scores a binary problem (a single sigmoid)."
            )
        return SIGMOID, "binary"
    if problem == "multilabel":
        return MULTILABEL, "multilabel"
    if problem == "binary" and width != 2:
        raise ValueError(
            f"{owner}(problem='binary') needs 1 or 2 outputs, the network has {width}."
        )
    if problem in ("binary", "multiclass"):
        return SOFTMAX, "binary" if width == 2 else "multiclass"
    return UNKNOWN, None


def ambiguous_error(owner: str, width: int, what: str) -> ValueError:
    return ValueError(
        f"{owner}: {what} of a network with {width} outputs depends on whether they "
        f"are softmax outputs (one class per sample) or per-label sigmoid outputs "
        f"(multilabel), which look alike and which this handed-in network has not "
        f"been fitted to tell. Say which: {owner}(..., problem='multiclass') (or "
        f"'binary' for two softmax outputs) or problem='multilabel'."
    )


def activate(raw: np.ndarray, head: str, owner: str) -> np.ndarray:
    """Logits to probabilities: sigmoid per column, or softmax per row."""
    check_finite(raw, f"{owner} outputs")
    if head == UNKNOWN:
        raise ambiguous_error(owner, raw.shape[1], ACTIVATING)
    if head == SOFTMAX:
        return softmax(raw, axis=1)
    return expit(raw)


def two_columns(proba: np.ndarray) -> np.ndarray:
    """``(n, 1)`` sigmoid probabilities as scikit-learn's ``(n, 2)`` ``[1 - p, p]``."""
    p = proba[:, 0]
    return np.column_stack([1 - p, p])


def as_2d_output(raw: Any, owner: str) -> np.ndarray:
    """A network output as a 2-D float array ``(n, width)``."""
    if is_tensor(raw):
        raw = raw.detach().cpu().numpy()
    values = np.asarray(raw)
    if values.dtype.kind not in "fiub":
        raise TypeError(
            f"{owner}: the network returned dtype {values.dtype}; it must return "
            f"numbers (logits or probabilities)."
        )
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(
            f"{owner}: the network returned an output of shape {values.shape}; it "
            f"must be (n,) or (n, k): one row per sample, one column per class or "
            f"label."
        )
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    return values


def output_from_values(values: np.ndarray) -> str | None:
    """What network outputs are, read from their values, or None when they do not say.

    Any value outside [0, 1] means logits; rows of two or more columns that each
    sum to 1 mean softmax probabilities. Values inside [0, 1] that do not sum to 1
    per row (one sigmoid column, per-label sigmoids, or small logits) say nothing.
    """
    lo, hi = float(values.min()), float(values.max())
    if lo < -PROBA_SLACK or hi > 1 + PROBA_SLACK:
        return LOGITS
    if values.shape[1] >= 2 and row_sum_kind(values) == "softmax":
        return PROBABILITIES
    return None


def unknown_output_error(owner: str, values: np.ndarray) -> ValueError:
    """The network shows no final activation and its values do not tell."""
    lo, hi = float(values.min()), float(values.max())
    return ValueError(
        f"{owner}(output='auto') cannot tell whether the network returns logits or "
        f"probabilities: it shows no final activation, and its outputs (from {lo:.4g} "
        f"to {hi:.4g}, {values.shape[1]} column(s)) lie in [0, 1] without summing to "
        f"1 per row, which both can do. Say which: {owner}(..., "
        f"output='probabilities') if it ends in a sigmoid or softmax, or "
        f"output='logits' if it does not."
    )
