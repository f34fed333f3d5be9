"""How far probabilities are from the frequencies they claim: calibration error.

A reject level, a cost matrix and re-weighting for new priors all read the
probabilities as frequencies. Networks are often overconfident, so these rules can
be far off although the ranking (and accuracy) is good. Measured as the expected
calibration error (ECE): scores cut into equal-width bins; in each bin, the gap
between the mean score and the share of positives, weighted by the bin's share of
the rows.

- binary: the score of the positive class;
- multiclass: the top label (the winning probability against whether the argmax
  is right), the confidence a reject level reads;
- multilabel: each label's score, then the mean over labels.

A large ECE is only evidence of miscalibration when it exceeds what calibrated
scores would show on as many rows. :func:`miscalibration` compares the ECE with
labels drawn from the scores themselves (consistency resampling): the scores are
called miscalibrated when the ECE is above ``CALIBRATION_LEVEL`` and above the 99th
percentile of the resampled ECEs.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any, NamedTuple

import numpy as np

from ._costs import probabilities
from ._scores import scores_from_array
from ._targets import as_class_array, fit_target, positive_index

# The ECE a probability-based rule tolerates before the report warns.
CALIBRATION_LEVEL = 0.03
N_BINS = 15
_RESAMPLES = 200


class CalibrationError(NamedTuple):
    """The expected calibration error of some scores, and whether it is evidence.

    Attributes
    ----------
    ece : float
        The expected calibration error (top label for multiclass problems, the
        positive class for binary, the mean over labels for multilabel).
    per_class : dict
        The ECE of each class's own score against "the sample is of this class".
    noise : float
        The 99th percentile of the ECE of labels drawn from the scores themselves:
        what perfectly calibrated scores show on as many rows.
    miscalibrated : bool
        ``ece > max(CALIBRATION_LEVEL, noise)``.
    """

    ece: float
    per_class: dict
    noise: float
    miscalibrated: bool


def _ece(p: np.ndarray, hit: np.ndarray, n_bins: int) -> np.ndarray:
    """ECE of the last axis: ``p`` and ``hit`` of shape ``(..., n)``."""
    bins = np.minimum((p * n_bins).astype(np.intp), n_bins - 1)
    n = p.shape[-1]
    flat = bins + n_bins * np.arange(int(np.prod(p.shape[:-1]))).reshape(
        p.shape[:-1] + (1,)
    )
    size = int(np.prod(p.shape[:-1])) * n_bins
    count = np.bincount(flat.ravel(), minlength=size)
    gap = np.bincount(flat.ravel(), weights=(p - hit).ravel(), minlength=size)
    per_bin = np.abs(gap).reshape(p.shape[:-1] + (n_bins,))
    return per_bin.sum(axis=-1) / n if count.size else np.zeros(p.shape[:-1])


def _views(proba: np.ndarray, truth: np.ndarray, problem: str, pos_index: int):
    """(p, hit) of the calibration summary, and of each class one-versus-rest."""
    if problem == "multilabel":
        per_class = (proba.T, truth.T.astype(float))
        return per_class, per_class
    hits = np.zeros_like(proba)
    hits[np.arange(len(truth)), truth] = 1.0
    per_class = (proba.T, hits.T)
    if problem == "binary":
        return (proba[None, :, pos_index], hits[None, :, pos_index]), per_class
    top = proba.argmax(axis=1)
    confidence = proba[np.arange(len(truth)), top]
    return (confidence[None], (top == truth).astype(float)[None]), per_class


def calibration_error(
    y_true: Any,
    scores: Any,
    classes: Any,
    *,
    problem: str = "auto",
    from_logits: bool = False,
    pos_label: Any = None,
    n_bins: int = N_BINS,
    random_state: int = 0,
) -> CalibrationError:
    """Expected calibration error of probabilities (or logits) against the truth.

    Parameters
    ----------
    y_true : array-like, sparse matrix or sequence of label collections
        The true labels, in any form ``decode``'s classes describe.
    scores : array-like of shape (n_samples, n_classes) or (n_samples,)
        Probabilities, or logits with ``from_logits=True``, columns in the order of
        ``classes``; a single column is the score of ``pos_label`` (else the last
        class), as everywhere in sklabels.
    classes : array-like
        The class names in column order.
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
    from_logits : bool, default=False
    pos_label : label, default=None
        Binary problems: the class whose score is summarised.
    n_bins : int, default=15
        Equal-width bins of [0, 1].
    random_state : int, default=0
        Seed of the consistency resampling (``noise``).

    Returns
    -------
    result : CalibrationError

    Examples
    --------
    >>> import numpy as np
    >>> from sklabels import calibration_error
    >>> rng = np.random.default_rng(0)
    >>> p = rng.random(2000)
    >>> y = np.where(rng.random(2000) < p, "yes", "no")
    >>> calibration_error(y, p, ["no", "yes"]).miscalibrated
    False
    >>> calibration_error(y, p**4, ["no", "yes"]).miscalibrated
    True
    """
    n_bins = _check_bins(n_bins)
    classes = as_class_array(classes)
    owner = len(classes) - 1
    if pos_label is not None and len(classes) == 2 and problem in ("auto", "binary"):
        owner = positive_index(pos_label, classes, "binary")
    values, problem = scores_from_array(
        scores, classes=classes, problem=problem, from_logits=from_logits, owner=owner
    )
    _, truth = fit_target(y_true, problem=problem, classes=classes)
    if len(truth) != len(values.values):
        raise ValueError(
            f"y_true has {len(truth)} samples but scores has {len(values.values)} "
            f"rows; pass the labels of the same samples."
        )
    proba = _probabilities(values, problem)
    pos_index = owner if problem == "binary" else 0
    (p, hit), (pc, hc) = _views(proba, truth, problem, pos_index)
    ece = float(_ece(p, hit, n_bins).mean())
    per_class = dict(zip(classes.tolist(), _ece(pc, hc, n_bins).tolist(), strict=True))
    rng = np.random.default_rng(random_state)
    drawn = rng.random((_RESAMPLES, *p.shape)) < p
    noise_draws = _ece(np.broadcast_to(p, drawn.shape), drawn, n_bins).mean(axis=-1)
    noise = float(np.quantile(noise_draws, 0.99))
    return CalibrationError(ece, per_class, noise, ece > max(CALIBRATION_LEVEL, noise))


def _check_bins(n_bins: Any) -> int:
    if isinstance(n_bins, bool) or not isinstance(n_bins, Integral) or n_bins < 1:
        raise ValueError(
            f"n_bins must be a positive integer (the number of equal-width bins of "
            f"[0, 1]), got {n_bins!r}; e.g. n_bins=15."
        )
    return int(n_bins)


def _probabilities(values: Any, problem: str) -> np.ndarray:
    return probabilities(values, problem, what="calibration errors")


def plot_reliability(
    y_true: Any,
    scores: Any,
    classes: Any,
    *,
    problem: str = "auto",
    from_logits: bool = False,
    n_bins: int = 10,
    ax: Any = None,
) -> list:
    """Reliability diagrams: one line per class (one-versus-rest), and the top label.

    Draws scikit-learn's :class:`~sklearn.calibration.CalibrationDisplay` for each
    class's score against "the sample is of this class" (each label, for multilabel
    problems), and for multiclass problems the winning probability against "the
    argmax is right" -- what a reject level reads.

    Returns
    -------
    displays : list of CalibrationDisplay
    """
    from sklearn.calibration import CalibrationDisplay

    n_bins = _check_bins(n_bins)
    classes = as_class_array(classes)
    values, problem = scores_from_array(
        scores,
        classes=classes,
        problem=problem,
        from_logits=from_logits,
        owner=len(classes) - 1,
    )
    _, truth = fit_target(y_true, problem=problem, classes=classes)
    proba = _probabilities(values, problem)
    (p, hit), (pc, hc) = _views(proba, truth, problem, len(classes) - 1)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    displays = []
    for name, column, hits in zip(classes.tolist(), pc, hc, strict=True):
        displays.append(
            CalibrationDisplay.from_predictions(
                hits, column, n_bins=n_bins, name=str(name), ax=ax
            )
        )
    if problem == "multiclass":
        displays.append(
            CalibrationDisplay.from_predictions(
                hit[0], p[0], n_bins=n_bins, name="top label", ax=ax
            )
        )
    return displays
