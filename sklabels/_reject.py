"""The reject option: its checks, its rule's input and its tuning, in one place.

Chow's rule: a single-label prediction whose winning probability is below
``reject_threshold`` becomes ``reject_label``. ``reject_threshold="auto"`` picks the
threshold on held-out scores for a coverage or an accuracy target, from one sort of
the winning probabilities.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np
from scipy.special import expit, softmax

from ._objectives import TOL
from ._scores import PROBA, Scores
from ._targets import contains_label
from ._text import preview
from ._warnings import UnreachableConstraintWarning, user_stacklevel


def check_reject(
    reject_threshold: Any,
    reject_label: Any,
    problem: str,
    has_probabilities: bool,
    classes: np.ndarray,
    *,
    allow_auto: bool = False,
) -> None:
    """Validate the reject option: a probability (or ``"auto"`` where it is tuned,
    ``allow_auto``), a label that is no class."""
    if reject_threshold is None:
        return
    auto = isinstance(reject_threshold, str) and reject_threshold == "auto"
    if not (allow_auto and auto) and (
        not isinstance(reject_threshold, numbers.Real)
        or isinstance(reject_threshold, bool | np.bool_)
        or not 0 <= reject_threshold <= 1
    ):
        raise ValueError(
            f"reject_threshold must be a probability in [0, 1], got "
            f"{reject_threshold!r}."
        )
    if problem == "multilabel":
        raise ValueError(
            "reject_threshold applies to single-label problems (binary, multiclass); "
            "in a multilabel problem a label below its threshold is already off."
        )
    if not has_probabilities:
        raise ValueError(
            "reject_threshold needs probabilities, but the model only gives decision "
            "scores. Use response_method='predict_proba', or calibrate the model "
            "first: CalibratedClassifierCV(model)."
        )
    if reject_label is None:
        raise ValueError(
            f"reject_threshold={reject_threshold!r} needs reject_label, the label to "
            f"predict when the model abstains, e.g. reject_label='unknown' or -1."
        )
    if contains_label(classes, reject_label):
        raise ValueError(
            f"reject_label={reject_label!r} is one of the classes {preview(classes)}; "
            f"choose a label that no class uses."
        )


def winning_probability(scores: Scores, codes: np.ndarray, problem: str) -> np.ndarray:
    """Probability of the class in ``codes``, row by row (single-label problems)."""
    rows = np.arange(len(codes))
    if scores.kind == PROBA:
        return scores.values[rows, codes]
    if not scores.logits:
        raise ValueError("decision scores are not probabilities")
    if problem == "binary":  # canonical [-m, m]: expit per column
        return expit(scores.values[rows, codes])
    return softmax(scores.values, axis=1)[rows, codes]


def reject_curve(
    confidence: np.ndarray, correct: np.ndarray, sample_weight: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Coverage and accuracy of every reject threshold, from one sort.

    A sample is answered iff its winning probability is ``>= threshold``. Returns
    the candidate thresholds (decreasing; each halfway to the next lower distinct
    confidence, the last 0 = answer everything), the coverage (fraction answered)
    and the accuracy among the answered samples at each.
    """
    confidence = np.asarray(confidence, dtype=np.float64)
    weight = (
        np.ones(len(confidence))
        if sample_weight is None
        else np.asarray(sample_weight, dtype=np.float64)
    )
    order = np.argsort(-confidence, kind="stable")
    s = confidence[order]
    w = weight[order]
    answered = np.cumsum(w)
    right = np.cumsum(np.where(np.asarray(correct)[order], w, 0.0))
    ends = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    lower = np.r_[s[ends[:-1] + 1], 0.0]
    thresholds = np.where(lower > 0, (s[ends] + lower) / 2, 0.0)
    thresholds[:-1] = np.maximum(thresholds[:-1], np.nextafter(lower[:-1], 1.0))
    coverage = answered[ends] / answered[-1]
    with np.errstate(invalid="ignore", divide="ignore"):
        accuracy = np.where(answered[ends] > 0, right[ends] / answered[ends], 0.0)
    return thresholds, coverage, accuracy


def tune_reject(
    confidence: np.ndarray,
    correct: np.ndarray,
    *,
    coverage: float | None = None,
    accuracy: float | None = None,
    sample_weight: np.ndarray | None = None,
) -> tuple[float, float, float]:
    """The reject threshold for a coverage or an accuracy target.

    ``coverage``: answer at least that fraction, with the highest accuracy among such
    thresholds. ``accuracy``: the highest coverage whose accuracy reaches it; where
    none does, an ``UnreachableConstraintWarning`` names the best accuracy reachable,
    whose threshold is used. Returns the threshold, its coverage and its accuracy.
    """
    thresholds, covered, right = reject_curve(confidence, correct, sample_weight)
    if coverage is not None:
        feasible = covered >= coverage - TOL
        candidates = np.flatnonzero(feasible)
        best = candidates[np.flatnonzero(right[candidates] == right[candidates].max())]
        pick = int(best[-1])
    else:
        feasible = right >= accuracy - TOL
        if feasible.any():
            pick = int(np.flatnonzero(feasible)[-1])
        else:
            pick = int(np.flatnonzero(right == right.max())[-1])
            warnings.warn(
                f"no reject threshold reaches accuracy >= {accuracy:g} on the "
                f"held-out scores; the best reachable is {right[pick]:.4g} (answering "
                f"{covered[pick]:.1%} of samples), which is used.",
                UnreachableConstraintWarning,
                stacklevel=user_stacklevel(),
            )
    return float(thresholds[pick]), float(covered[pick]), float(right[pick])
