"""Decision rules: pure functions from a score matrix to codes. No estimator state.

* binary:     positive iff ``s[:, pos] >= t`` (as ``FixedThresholdClassifier``)
* multilabel: label ``j`` on iff ``s[:, j] >= t_j``
* multiclass: ``argmax_k s_k / t_k`` for probabilities; ``argmax_k m_k - log t_k`` for
  margins (the same rule applied to ``softmax(m)``). Equal thresholds give plain argmax.
* reject:     a single-label prediction whose probability is below ``tau`` is rejected
  (Chow's rule).
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.special import logit

from ._reject import winning_probability
from ._scores import MARGIN, PROBA, Scores
from ._targets import label_codes
from ._text import preview, to_python


def default_threshold(kind: str) -> float:
    """0.5 for probabilities, 0.0 for margins (the sign of a decision function)."""
    return 0.5 if kind == PROBA else 0.0


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def resolve_thresholds(
    threshold: Any,
    *,
    problem: str,
    classes: np.ndarray,
    kind: str,
    pos_index: int = 1,
) -> float | np.ndarray:
    """Validate ``threshold=`` against the problem and the classes.

    Returns a float (binary: the threshold on the positive class's score) or an array
    with one threshold per class (multiclass ratios, multilabel cut-offs).

    Accepted forms: ``None`` (the defaults), a float, an array with one value per
    class (not for binary), a dict ``{label: value}`` (the others keep the default).
    """
    # Multiclass thresholds are ratios applied to probabilities (or to the softmax of
    # margins), so their neutral default is 0.5 whatever the kind: t = (1 - tau, tau)
    # is then exactly the binary rule at tau.
    default = 0.5 if problem == "multiclass" else default_threshold(kind)
    threshold = _check_threshold_form(threshold)
    if problem == "binary":
        value = _binary_threshold(threshold, classes, pos_index, default)
        _check_range(np.asarray([value]), kind, problem)
        return value
    values = _per_class_thresholds(threshold, classes, problem, default)
    _check_range(values, kind, problem)
    return values


def _check_threshold_form(threshold: Any) -> Any:
    """A number, numbers, a mapping or None; a pandas Series as a mapping."""
    if hasattr(threshold, "index") and hasattr(threshold, "to_dict"):
        threshold = threshold.to_dict()  # a pandas Series: keyed by label, not position
    if isinstance(threshold, str):
        raise ValueError(
            f"threshold={threshold!r} is not supported; pass a number, one number per "
            f"class, or a dict {{label: number}}."
        )
    if not isinstance(threshold, Mapping | None):
        try:
            np.asarray(threshold, dtype=np.float64)
        except OverflowError:
            raise _too_large(threshold) from None
        except (ValueError, TypeError):
            raise TypeError(
                f"threshold must be a number, a flat list of numbers (one per class) "
                f"or a dict {{label: number}}, got {threshold!r}."
            ) from None
    return threshold


def _binary_threshold(
    threshold: Any, classes: np.ndarray, pos_index: int, default: float
) -> float:
    """The one threshold of a binary problem, on the positive class's score."""
    if threshold is None:
        return default
    if isinstance(threshold, Mapping):
        return _binary_from_dict(threshold, classes, pos_index, default)
    if _is_number(threshold) or np.ndim(threshold) == 0:
        return _as_float(threshold)
    if np.ndim(threshold) == 1 and len(threshold) == 1:
        return _as_float(np.asarray(threshold)[0])
    raise ValueError(
        f"a binary problem takes one threshold on "
        f"p({to_python(classes[pos_index])!r}), got {preview(np.ravel(threshold))}. "
        f"Pass a single number, e.g. threshold=0.3."
    )


def _per_class_thresholds(
    threshold: Any, classes: np.ndarray, problem: str, default: float
) -> np.ndarray:
    """One threshold per class (multilabel cut-offs, multiclass ratios)."""
    k = len(classes)
    if threshold is None:
        return np.full(k, default)
    if isinstance(threshold, Mapping):
        values = np.full(k, default)
        keys = np.empty(len(threshold), dtype=object)
        keys[:] = list(threshold.keys())
        codes = label_codes(keys, classes, "threshold")
        for code, value in zip(codes, threshold.values(), strict=True):
            values[code] = _as_float(value)
        return values
    if _is_number(threshold) or np.ndim(threshold) == 0:
        if problem == "multiclass":
            raise ValueError(
                f"threshold={threshold!r}: one threshold for all classes of a "
                f"multiclass problem leaves argmax unchanged. Pass one threshold per "
                f"class (a list of {k} ratios, or a dict {{label: value}}), or use "
                f"reject_threshold={threshold!r} to abstain when the winning "
                f"probability is below it."
            )
        return np.full(k, _as_float(threshold))
    if isinstance(threshold, list | tuple) and any(
        isinstance(v, bool | np.bool_) for v in threshold
    ):
        raise TypeError(
            f"threshold must hold numbers, got {list(threshold)!r}: True and "
            f"False are not thresholds."
        )
    values = np.asarray(threshold)
    if values.ndim != 1 or len(values) != k:
        raise ValueError(
            f"threshold has shape {values.shape} but there are {k} classes "
            f"{preview(classes)}; pass one threshold per class in that order, "
            f"or a dict {{label: value}}."
        )
    if values.dtype.kind not in "iuf":
        raise TypeError(f"threshold must hold numbers, got {preview(values)}.")
    return values.astype(np.float64)


def _as_float(value: Any) -> float:
    if isinstance(value, np.ndarray) and value.size == 1 and value.ndim <= 1:
        value = value.reshape(())
    if not _is_number(value) and not (
        isinstance(value, np.ndarray | np.generic)
        and np.asarray(value).dtype.kind in "iuf"
    ):
        raise TypeError(f"a threshold must be a number, got {value!r}.")
    try:
        return float(value)
    except OverflowError:
        raise _too_large(value) from None


def _too_large(threshold: Any) -> ValueError:
    """A Python int beyond float range: name the parameter, not a bare OverflowError."""
    shown = repr(threshold)
    shown = shown if len(shown) <= 40 else f"{shown[:20]}...{shown[-10:]}"
    return ValueError(
        f"threshold={shown} is too large to be a float; pass a finite number "
        f"(in [0, 1] for probabilities)."
    )


def _binary_from_dict(
    threshold: Mapping, classes: np.ndarray, pos_index: int, default: float
) -> float:
    keys = np.empty(len(threshold), dtype=object)
    keys[:] = list(threshold.keys())
    codes = label_codes(keys, classes, "threshold")
    if len(codes) == 0:
        return default
    if len(codes) > 1 or codes[0] != pos_index:
        positive = to_python(classes[pos_index])
        raise ValueError(
            f"a binary problem takes one threshold, on the positive class "
            f"{positive!r}; got keys {preview(keys)}. Pass {{{positive!r}: value}}, "
            f"or set pos_label to the class you key."
        )
    return _as_float(next(iter(threshold.values())))


def _check_range(values: np.ndarray, kind: str, problem: str) -> None:
    # +inf ("never positive") and -inf ("always positive") are the safe cuts of a
    # floor no cut could certify: every finite score, 1.0 included, is below +inf.
    if np.isnan(values).any() or (problem == "multiclass" and np.isinf(values).any()):
        raise ValueError(
            f"threshold must be finite (or inf / -inf: never / always positive, "
            f"binary and multilabel only), got {preview(values)}; pass numbers."
        )
    values = values[np.isfinite(values)]
    if (
        problem == "multiclass"
        and kind == PROBA
        and ((values <= 0) | (values > 1)).any()
    ):
        raise ValueError(
            f"multiclass thresholds are per-class ratios in (0, 1] (predict "
            f"argmax p_k / t_k), got {preview(values)}."
        )
    if problem == "multiclass" and kind == MARGIN and (values <= 0).any():
        raise ValueError(
            f"multiclass thresholds are per-class ratios > 0 (applied to the softmax "
            f"of the margins), got {preview(values)}."
        )
    if (
        problem != "multiclass"
        and kind == PROBA
        and ((values < 0) | (values > 1)).any()
    ):
        raise ValueError(
            f"thresholds on probabilities must lie in [0, 1], got {preview(values)}. "
            f"For thresholds on logits or decision scores, predict from "
            f"response_method='decision_function'."
        )


def binary_codes(values: np.ndarray, threshold: float, pos_index: int) -> np.ndarray:
    """``pos_index`` where its score is ``>= threshold``, else the other code."""
    # A float64 threshold: comparing float32 scores with a Python float would round
    # the threshold to float32 and move the cut.
    positive = values[:, pos_index] >= np.float64(threshold)
    return np.where(positive, pos_index, 1 - pos_index).astype(np.intp)


def multiclass_codes(
    values: np.ndarray, thresholds: np.ndarray, kind: str
) -> np.ndarray:
    """``argmax_k values_k / t_k`` (probabilities) or ``argmax_k values_k - log t_k``.

    Ties go to the first class, as ``np.argmax`` -- except with two classes, where the
    rule is evaluated as the binary rule on ``classes[1]`` at ``t_1 / (t_0 + t_1)``
    (ties to ``classes[1]``), so that ``t = (1 - tau, tau)`` is exactly the binary
    rule at ``tau``.
    """
    if values.shape[1] == 2:
        if kind == PROBA:
            return binary_codes(
                values, thresholds[1] / (thresholds[0] + thresholds[1]), 1
            )
        difference = (values[:, 1] - values[:, 0])[:, None]
        cut = np.log(thresholds[1]) - np.log(thresholds[0])
        return binary_codes(np.hstack([-difference, difference]), cut, 1)
    if np.all(thresholds == thresholds[0]):
        return np.argmax(values, axis=1).astype(np.intp)
    if kind == PROBA:
        return np.argmax(values / thresholds, axis=1).astype(np.intp)
    return np.argmax(values - np.log(thresholds), axis=1).astype(np.intp)


def multilabel_indicator(values: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Boolean matrix: label ``j`` on iff ``values[:, j] >= thresholds[j]``."""
    thresholds = np.asarray(thresholds, dtype=np.float64)
    return values >= _cut_in_dtype(thresholds, values.dtype)


def _cut_in_dtype(thresholds: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """The smallest ``dtype`` values ``>= thresholds``.

    For scores stored in ``dtype``, ``s >= t`` holds exactly when ``s >= t'`` with
    ``t'`` this rounded-up threshold, so the comparison runs in the scores' own dtype
    (no float64 cast of a large float32 matrix) and stays exact.
    """
    if dtype == np.float64 or dtype.kind != "f":
        return thresholds
    with np.errstate(over="ignore"):
        cut = thresholds.astype(dtype)
    low = cut.astype(np.float64) < thresholds
    cut[low] = np.nextafter(cut[low], np.inf)
    return cut


def apply_rule(
    scores: Scores,
    *,
    problem: str,
    thresholds: float | np.ndarray,
    pos_index: int = 1,
    reject_threshold: float | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Codes (single-label) or a boolean indicator (multilabel), and rejected rows."""
    values = scores.values
    if scores.logits and problem != "multiclass":
        # Thresholds are probabilities; compare logits with their logits instead
        # (inf and -inf, never and always positive, stay what they are).
        thresholds = np.asarray(thresholds, dtype=np.float64)
        thresholds = np.where(np.isinf(thresholds), thresholds, logit(thresholds))
    if problem == "multilabel":
        return multilabel_indicator(values, thresholds), None
    if problem == "binary":
        codes = binary_codes(values, float(thresholds), pos_index)
    else:
        codes = multiclass_codes(values, np.asarray(thresholds), scores.kind)
    rejected = None
    if reject_threshold is not None:
        rejected = winning_probability(scores, codes, problem) < reject_threshold
    return codes, rejected
