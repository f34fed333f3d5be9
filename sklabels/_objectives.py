"""Objectives: functions of the confusion counts ``(tp, fp, fn, tn)``.

Each objective takes four count arrays (one entry per candidate threshold) and
returns the value at each, greater is better: the named ones (F1, balanced accuracy,
Youden's J, accuracy, Jaccard, MCC), :class:`FBeta`, :class:`Cost`, and the
constrained forms :class:`RecallAtPrecision` and :class:`PrecisionAtRecall`. Any
callable of the same shape can be passed.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from ._certify import AtLeast

Objective = Callable[[np.ndarray, np.ndarray, np.ndarray, np.ndarray], np.ndarray]


# Improvements smaller than this (relative) do not count: they are rounding.
TOL = 1e-12


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0 (scikit-learn's zero_division=0)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.zeros(np.broadcast_shapes(num.shape, den.shape))
    np.divide(num, den, out=out, where=den > 0)
    return out


def f1(tp, fp, fn, tn):
    """F1 = 2 tp / (2 tp + fp + fn)."""
    return _ratio(2 * tp, 2 * tp + fp + fn)


def balanced_accuracy(tp, fp, fn, tn):
    """Mean of recall and specificity."""
    return (_ratio(tp, tp + fn) + _ratio(tn, tn + fp)) / 2


def youden(tp, fp, fn, tn):
    """Youden's J = recall + specificity - 1."""
    return _ratio(tp, tp + fn) + _ratio(tn, tn + fp) - 1


def accuracy(tp, fp, fn, tn):
    """(tp + tn) / total."""
    return _ratio(tp + tn, tp + fp + fn + tn)


def jaccard(tp, fp, fn, tn):
    """tp / (tp + fp + fn)."""
    return _ratio(tp, tp + fp + fn)


def mcc(tp, fp, fn, tn):
    """Matthews correlation coefficient (0 where undefined)."""
    tp, fp, fn, tn = (np.asarray(a, dtype=np.float64) for a in (tp, fp, fn, tn))
    num = tp * tn - fp * fn
    den = np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return _ratio(num, den)


def precision(tp, fp, fn, tn):
    """tp / (tp + fp), 0 when nothing is predicted."""
    return _ratio(tp, tp + fp)


def recall(tp, fp, fn, tn):
    """tp / (tp + fn), 0 when there are no positives."""
    return _ratio(tp, tp + fn)


OBJECTIVES: dict[str, Objective] = {
    "f1": f1,
    "balanced_accuracy": balanced_accuracy,
    "youden": youden,
    "accuracy": accuracy,
    "jaccard": jaccard,
    "mcc": mcc,
}


def _check_positive(value: Any, name: str, *, upper: float | None = None) -> float:
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value <= 0
        or (upper is not None and value > upper)
    ):
        bound = f"in (0, {upper:g}]" if upper is not None else "> 0"
        raise ValueError(f"{name} must be a number {bound}, got {value!r}.")
    return float(value)


class FBeta:
    """F-beta: ``(1 + b^2) tp / ((1 + b^2) tp + b^2 fn + fp)``.

    ``beta > 1`` weighs recall more (``FBeta(2)``: missing a positive costs as much as
    four false alarms' worth of precision), ``beta < 1`` weighs precision more.

    Parameters
    ----------
    beta : float > 0
        ``FBeta(1)`` is F1.

    Examples
    --------
    >>> from sklabels import FBeta, tune_thresholds
    >>> result = tune_thresholds([0, 1, 1, 0], [0.1, 0.4, 0.8, 0.6], scoring=FBeta(2))
    >>> float(result.thresholds)  # recall counts more: every positive is caught
    0.25
    """

    def __init__(self, beta: float) -> None:
        self.beta = _check_positive(beta, "beta")

    def __call__(self, tp, fp, fn, tn):
        b2 = self.beta**2
        return _ratio((1 + b2) * tp, (1 + b2) * tp + b2 * fn + fp)

    def __repr__(self) -> str:
        return f"FBeta(beta={self.beta:g})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, FBeta) and other.beta == self.beta

    def __hash__(self) -> int:
        return hash((FBeta, self.beta))


class Cost:
    """Expected cost per sample, negated so that greater is better.

    The value is ``-(fp * FP + fn * FN + tp * TP + tn * TN) / n`` (as scikit-learn's
    ``neg_*`` scorers); tuning it finds the cost-minimising threshold. Gains can be
    given as negative costs.

    Parameters
    ----------
    fp, fn : float, default=1.0
        Cost of a false positive and of a false negative.
    tp, tn : float, default=0.0
        Cost of a true positive and of a true negative.

    Examples
    --------
    >>> from sklabels import Cost
    >>> Cost(fp=1, fn=10)  # a missed positive costs ten false alarms
    Cost(fp=1, fn=10, tp=0, tn=0)
    """

    def __init__(
        self, *, fp: float = 1.0, fn: float = 1.0, tp: float = 0.0, tn: float = 0.0
    ) -> None:
        for name, value in (("fp", fp), ("fn", fn), ("tp", tp), ("tn", tn)):
            if (
                not isinstance(value, numbers.Real)
                or isinstance(value, bool)
                or not math.isfinite(value)
            ):
                raise ValueError(
                    f"Cost({name}=...) must be a finite number, got {value!r}."
                )
        self.fp, self.fn, self.tp, self.tn = float(fp), float(fn), float(tp), float(tn)

    def __call__(self, tp, fp, fn, tn):
        total = self.fp * fp + self.fn * fn + self.tp * tp + self.tn * tn
        return -_ratio(total, np.asarray(tp) + fp + fn + tn)

    def __repr__(self) -> str:
        return f"Cost(fp={self.fp:g}, fn={self.fn:g}, tp={self.tp:g}, tn={self.tn:g})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Cost) and (self.fp, self.fn, self.tp, self.tn) == (
            other.fp,
            other.fn,
            other.tp,
            other.tn,
        )

    def __hash__(self) -> int:
        return hash((Cost, self.fp, self.fn, self.tp, self.tn))


class CostMatrix:
    """Decisions tuned for a cost matrix: ``threshold="auto", scoring=CostMatrix(C)``.

    The plug-in Bayes rule (``costs=C``) is optimal only for calibrated
    probabilities. ``CostMatrix`` tunes one offset per action on the expected costs
    (predict ``argmin_a sum_t p_t C[t, a] - w_a``) to minimise the empirical cost on
    the out-of-fold scores, by coordinate ascent with an exact line search per
    action, starting from the plug-in rule: on the tuning data its cost is never
    above the plug-in rule's. Multilabel problems tune one offset per label.

    Parameters
    ----------
    costs : array-like, DataFrame, dict or callable
        ``C[true, predicted]`` in any form ``costs=`` accepts: a ``(k, k)`` array in
        class order, a DataFrame indexed and labelled by class names, a dict of
        dicts ``{true: {predicted: cost}}``, per-label 2x2 costs for multilabel, or
        a callable ``costs(X) -> (n, k, k)`` for costs that depend on the sample.
    reject_cost : float >= 0, default=None
        The cost of abstaining (``reject_label``), whatever the truth; its offset is
        tuned too.

    Examples
    --------
    >>> from sklabels import CostMatrix
    >>> CostMatrix([[0, 1], [10, 0]])
    CostMatrix([[0, 1], [10, 0]])
    """

    def __init__(self, costs: Any, *, reject_cost: float | None = None) -> None:
        if costs is None:
            raise ValueError(
                "CostMatrix needs the costs C[true, predicted], e.g. "
                "CostMatrix([[0, 1], [10, 0]])."
            )
        self.costs = costs
        self.reject_cost = reject_cost

    def __repr__(self) -> str:
        shown = self.costs
        if hasattr(shown, "tolist"):
            shown = shown.tolist()
        elif callable(shown):
            shown = getattr(shown, "__name__", repr(shown))
        extra = ""
        if self.reject_cost is not None:
            extra = f", reject_cost={self.reject_cost!r}"
        return f"CostMatrix({shown!r}{extra})"


class Constrained:
    """Maximise one rate subject to a floor on another; ``-inf`` where it fails.

    Where no cut meets the floor, tuning falls back to the cut that comes closest
    to it, and reports the rate it maximises at that cut (:meth:`achieved`): the
    value actually reached, never ``-inf``.
    """

    _target: Objective
    _constraint: Objective
    constraint_name: str  # the rate the floor applies to, as messages name it
    _parameter: str

    def __init__(
        self, minimum: Any, *, confidence: float | None = None, joint: bool = False
    ) -> None:
        if isinstance(minimum, AtLeast):
            if confidence is not None and minimum.confidence is not None:
                raise ValueError(
                    f"{type(self).__name__}({minimum!r}, confidence={confidence!r}) "
                    f"gives the confidence twice; keep one of them."
                )
            confidence = minimum.confidence if confidence is None else confidence
            minimum = minimum.value
        self.minimum = _check_positive(minimum, self._parameter, upper=1.0)
        self.confidence = (
            None if confidence is None else AtLeast(1, confidence).confidence
        )
        if not isinstance(joint, bool | np.bool_):
            raise ValueError(f"joint must be True or False, got {joint!r}.")
        if joint and confidence is None:
            raise ValueError(
                f"joint=True needs a confidence: {type(self).__name__}"
                f"({self.minimum:g}, confidence=0.95, joint=True)."
            )
        self.joint = bool(joint)

    @property
    def certified(self) -> bool:
        """Whether the floor is to hold on new data with ``confidence``."""
        return self.confidence is not None

    @property
    def metric(self) -> str:
        """The rate with the floor, as :func:`certify_cut` names it."""
        return self.constraint_name

    @property
    def target_name(self) -> str:
        """The name of the rate maximised (``"recall"``, ``"precision"``)."""
        return type(self)._target.__name__

    def __call__(self, tp, fp, fn, tn):
        met = self.reachable(tp, fp, fn, tn) >= self.minimum - TOL
        return np.where(met, self._target(tp, fp, fn, tn), -np.inf)

    def reachable(self, tp, fp, fn, tn):
        """The constrained rate at each cut (what the floor applies to)."""
        return type(self)._constraint(tp, fp, fn, tn)

    def achieved(self, tp, fp, fn, tn):
        """The rate maximised at each cut, whether or not the floor is met."""
        return type(self)._target(tp, fp, fn, tn)

    def __repr__(self) -> str:
        extra = ""
        if self.confidence is not None:
            extra = f", confidence={self.confidence:g}"
        if self.joint:
            extra += ", joint=True"
        return f"{type(self).__name__}({self._parameter}={self.minimum:g}{extra})"

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and (
            other.minimum,
            other.confidence,
            other.joint,
        ) == (self.minimum, self.confidence, self.joint)

    def __hash__(self) -> int:
        return hash((type(self), self.minimum, self.confidence, self.joint))


class RecallAtPrecision(Constrained):
    """The highest recall whose precision is at least ``min_precision``.

    When no threshold reaches the precision floor on the tuning data, an
    :class:`UnreachableConstraintWarning` names the best precision reachable, and the
    threshold that reaches it is used. The score reported for that class
    (``best_score``, ``class_scores``, the curve's ``best_score``) is then the recall
    at that threshold -- what is achieved there, with the floor not met -- and the
    warning states both numbers.

    Parameters
    ----------
    min_precision : float in (0, 1] or AtLeast
    confidence : float in (0, 1), default=None
        ``None``: the floor is met on the tuning rows (the exact sweep). A number:
        the floor is certified -- it holds on new exchangeable data with at least
        this probability (see :func:`certify_cut`); no sweep is run, and where no
        cut is certified the safe rule is used (no positive, threshold
        ``inf``) with a :class:`NotCertifiedWarning`. The floor
        ``AtLeast(value, confidence=...)`` says the same.
    joint : bool, default=False
        Multilabel, with ``confidence``: ``False``, each label meets its floor with
        probability ``confidence``; ``True``, all labels together (each label
        tested at ``(1 - confidence) / n_labels``).

    Examples
    --------
    >>> import warnings
    >>> from sklabels import RecallAtPrecision, tune_thresholds
    >>> y = [1, 1, 0, 1, 1, 1, 0]
    >>> p = [0.1, 0.2, 0.3, 0.5, 0.6, 0.7, 0.9]
    >>> with warnings.catch_warnings(record=True):  # the top score is a negative
    ...     result = tune_thresholds(y, p, scoring=RecallAtPrecision(0.99))
    >>> float(result.thresholds)  # the best precision reachable: 3 of 4 above it
    0.4
    >>> result.best_score  # reported: the recall there, 3 of 5
    0.6
    """

    _target = staticmethod(recall)
    _constraint = staticmethod(precision)
    constraint_name = "precision"
    _parameter = "min_precision"

    def __init__(
        self,
        min_precision: Any,
        *,
        confidence: float | None = None,
        joint: bool = False,
    ) -> None:
        super().__init__(min_precision, confidence=confidence, joint=joint)

    @property
    def min_precision(self) -> float:
        return self.minimum


class PrecisionAtRecall(Constrained):
    """The highest precision whose recall is at least ``min_recall``.

    The floor is always reachable where the class has positives: predicting every
    sample positive gives recall 1.

    Parameters
    ----------
    min_recall : float in (0, 1] or AtLeast
    confidence : float in (0, 1), default=None
        As in :class:`RecallAtPrecision`, for the recall floor; where no cut is
        certified the safe rule is every row positive (threshold ``-inf``).
    joint : bool, default=False
        As in :class:`RecallAtPrecision`.
    """

    _target = staticmethod(precision)
    _constraint = staticmethod(recall)
    constraint_name = "recall"
    _parameter = "min_recall"

    def __init__(
        self, min_recall: Any, *, confidence: float | None = None, joint: bool = False
    ) -> None:
        super().__init__(min_recall, confidence=confidence, joint=joint)

    @property
    def min_recall(self) -> float:
        return self.minimum


def resolve_objective(scoring: Any) -> tuple[Objective, str]:
    """The objective callable and its display name."""
    if isinstance(scoring, CostMatrix):
        raise ValueError(
            f"scoring={scoring!r} tunes a cost rule, not thresholds on confusion "
            f"counts; use it in ProbabilisticLabelClassifier(threshold='auto', "
            f"scoring=CostMatrix(...)). For a 2x2 matrix, Cost(fp=..., fn=...) tunes "
            f"a threshold here."
        )
    if isinstance(scoring, str):
        if scoring not in OBJECTIVES:
            raise ValueError(
                f"scoring={scoring!r} is not a known objective; choose one of "
                f"{sorted(OBJECTIVES)}, or pass FBeta(beta), Cost(fp=..., fn=...), "
                f"RecallAtPrecision(p), PrecisionAtRecall(r), or a callable "
                f"f(tp, fp, fn, tn) -> array."
            )
        return OBJECTIVES[scoring], scoring
    if callable(scoring):
        name = getattr(scoring, "__name__", None) or repr(scoring)
        return scoring, name
    raise TypeError(
        f"scoring must be an objective name such as 'f1', or a callable "
        f"f(tp, fp, fn, tn) -> array, got {scoring!r}."
    )


def evaluate(objective: Objective, name: str, tp, fp, fn, tn) -> np.ndarray:
    """Call an objective on count arrays and check what it returned."""
    values = np.asarray(objective(tp, fp, fn, tn), dtype=np.float64)
    if values.shape != np.shape(tp):
        try:
            values = np.broadcast_to(values, np.shape(tp))
        except ValueError:
            raise ValueError(
                f"the objective {name} returned shape {values.shape} for count arrays "
                f"of shape {np.shape(tp)}; it must work elementwise on numpy arrays."
            ) from None
    if np.isnan(values).any():
        raise ValueError(
            f"the objective {name} returned NaN for some counts; return a number for "
            f"every (tp, fp, fn, tn), e.g. 0 where a ratio is undefined."
        )
    return values
