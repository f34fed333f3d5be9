"""Certified cuts: a floor on a rate that holds on new data with a stated confidence.

"Precision at least 0.9 on new data, with 95% confidence" is a statement about the
population the rows come from, not about the rows at hand. It holds where the rows
used here and the rows met later are exchangeable (drawn from one distribution,
in any order), and the scores come from a model that never saw these rows.

How a cut is certified (Learn then Test):

1. The candidates are a family of cuts fixed before the data is seen: by default
   a grid of 1001 cuts on [0, 1] (probabilities), or the ``candidates=`` passed.
2. Each candidate gets an exact p-value for the null "the rate at this cut is
   below the floor", from a binomial tail conditional on the count of rows the rate
   is taken over: precision over the predicted positives, recall over the
   positives, accuracy over the accepted rows, coverage over all rows. Given that
   count, those rows are independent draws from the population restricted to them,
   so the count of successes is exactly binomial.
3. A fixed-sequence test walks the candidates from the conservative end (highest
   cut for precision and accuracy, lowest for recall and coverage) and stops at the
   first p-value above its level. Precision and accuracy need not be monotone in
   the cut, and the highest cuts hold too few rows to certify anything, so several
   walks start from fixed points and share the error budget equally (Bonferroni
   over the walks). Recall and coverage are monotone: one walk from the low end.
4. Every cut the walks certify meets the floor, all of them at once, with
   probability at least ``confidence``; so picking the best of them by any
   objective keeps the guarantee.

Where no cut is certified, the result is the safe rule (no positive for a
precision floor, abstain on every row for an accuracy floor, every row positive
or accepted for recall and coverage floors) with a :class:`NotCertifiedWarning`,
never an uncertified cut.

With sample weights (not all equal) the rate is weighted and no binomial tail is
exact (a weight is not a number of independent rows). Each candidate's p-value is
then the Hoeffding--Bentkus bound (Bates et al., 2021) on a loss bounded in [0, 1]:
over the rows the rate is taken over, ``z = (1 - floor) + w (floor - success) /
w_max`` has mean above ``1 - floor`` exactly where the weighted rate is below the
floor. It assumes no row of the population weighs more than the largest weight
passed (true of weights given by a fixed rule, such as class weights). With unit
weights the bound is ``e`` times the exact tail: the price of having no exact tail.
"""

from __future__ import annotations

import math
import numbers
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import rel_entr
from scipy.stats import binom

from ._warnings import user_stacklevel

# metric -> (rate's denominator, conservative end of the cut range)
_METRICS = {
    "precision": ("predicted positives", "high"),
    "accuracy": ("accepted rows", "high"),
    "recall": ("positives", "low"),
    "coverage": ("rows", "low"),
}

_DEFAULT_OBJECTIVE = {
    "precision": "recall",
    "accuracy": "coverage",
    "recall": "precision",
    "coverage": "accuracy",
}

# Where the walks of a non-monotone rate start, on the probability scale. Chosen on
# simulated populations (never on a user's data): a walk from near 1 holds too few
# rows to start, one from too low a point starts where the floor already fails.
DEFAULT_STARTS = (0.99, 0.95, 0.9, 0.8, 0.65, 0.5)

DEFAULT_CANDIDATES = np.linspace(0.0, 1.0, 1001)


class NotCertifiedWarning(UserWarning):
    """No cut meets the floor with the confidence asked for: the safe rule is used."""


@dataclass(frozen=True)
class AtLeast:
    """A floor on a rate, optionally certified with a confidence.

    ``AtLeast(0.9)`` asks for a rate of at least 0.9 on the tuning data;
    ``AtLeast(0.9, confidence=0.95)`` asks for at least 0.9 on new exchangeable
    data, with probability at least 0.95 over the draw of the tuning rows.

    Parameters
    ----------
    value : float
        The floor, in (0, 1].
    confidence : float or None, default=None
        In (0, 1): the probability that the floor holds on new data. ``None``: the
        floor is met on the tuning data only, with no statement about new data.

    Examples
    --------
    >>> from sklabels import AtLeast
    >>> AtLeast(0.9, confidence=0.95)
    AtLeast(value=0.9, confidence=0.95)
    """

    value: float
    confidence: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "value", _check_rate(self.value, "value"))
        if self.confidence is not None:
            object.__setattr__(self, "confidence", _check_confidence(self.confidence))


@dataclass(frozen=True)
class Certificate:
    """The outcome of certifying one cut.

    Attributes
    ----------
    threshold : float
        The cut to use (the rule is ``score >= threshold``): the chosen certified
        cut, else the safe rule's cut (``inf`` for precision and accuracy floors: no
        positive, abstain on every row; ``-inf`` for recall and coverage floors).
    cut : float or None
        The chosen certified cut; ``None`` where none was certified.
    certified : bool
        Whether any candidate was certified.
    p_value : float
        The p-value of the chosen cut (1.0 where none was certified).
    n_certified : int
        How many candidates were certified.
    n_candidates : int
        How many candidates were tested.
    metric : {"precision", "recall", "accuracy", "coverage"}
    floor : float
    confidence : float
        The confidence this cut was certified at (for ``joint=True``, the level of
        the whole family of labels).
    test : {"binomial", "hoeffding-bentkus"}
        The p-values: the exact binomial tail, or the Hoeffding--Bentkus bound
        (weighted rows, where no exact tail exists).
    """

    threshold: float
    cut: float | None
    certified: bool
    p_value: float
    n_certified: int
    n_candidates: int
    metric: str
    floor: float
    confidence: float
    test: str = "binomial"


def _check_rate(value: Any, name: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0 < value <= 1
    ):
        raise ValueError(f"{name} must be a number in (0, 1], got {value!r}.")
    return float(value)


def _check_confidence(value: Any) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not 0 < value < 1
    ):
        raise ValueError(
            f"confidence must be a number in (0, 1), got {value!r}; "
            "e.g. confidence=0.95 for a floor that holds with 95% probability."
        )
    return float(value)


def _check_metric(metric: Any) -> str:
    if metric not in _METRICS:
        raise ValueError(f"metric must be one of {sorted(_METRICS)}, got {metric!r}.")
    return metric


def binomial_pvalues(successes: Any, trials: Any, floor: float) -> np.ndarray:
    """Exact p-values for "rate < floor": ``P(Binomial(trials, floor) >= successes)``.

    1.0 where ``trials`` is 0 (nothing to test on).
    """
    successes = np.asarray(successes)
    trials = np.asarray(trials)
    p = binom.sf(successes - 1, trials, floor)
    return np.where(trials > 0, p, 1.0)


def hoeffding_bentkus_pvalues(risk: Any, n: Any, alpha: float) -> np.ndarray:
    """Hoeffding--Bentkus p-values for "mean loss > alpha", losses in [0, 1].

    ``risk`` is the mean loss of ``n`` independent rows. The p-value is
    ``min(exp(-n h(min(risk, alpha), alpha)), e P(Binomial(n, alpha) <= ceil(n
    risk)))`` with ``h(a, b) = a log(a / b) + (1 - a) log((1 - a) / (1 - b))``
    (Bates et al., 2021, "Distribution-free, risk-controlling prediction sets").
    1.0 where ``n`` is 0.
    """
    risk = np.asarray(risk, dtype=np.float64)
    n = np.asarray(n, dtype=np.float64)
    low = np.minimum(risk, alpha)
    divergence = rel_entr(low, alpha) + rel_entr(1 - low, 1 - alpha)
    hoeffding = np.exp(-n * divergence)
    # ceil(n risk), forgiving the rounding of a sum of floats just above an integer
    count = np.ceil(np.round(n * risk, 9))
    bentkus = np.e * binom.cdf(count, n, alpha)
    p = np.minimum(np.minimum(hoeffding, bentkus), 1.0)
    return np.where(n > 0, p, 1.0)


def candidate_pvalues(
    scores: Any,
    truth: Any,
    cuts: Any,
    *,
    metric: str,
    floor: float,
    sample_weight: Any = None,
) -> np.ndarray:
    """One p-value per cut for the null "the rate at this cut is below floor".

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        One score per row; a row is positive (accepted) iff ``score >= cut``.
    truth : array-like of shape (n_samples,)
        0/1: the row is positive (precision, recall), or its label is right
        (accuracy); ignored for coverage.
    cuts : array-like of shape (n_cuts,)
        Fixed before the data was seen.
    metric : {"precision", "recall", "accuracy", "coverage"}
    floor : float
    sample_weight : array-like of shape (n_samples,), default=None
        Non-negative row weights. Unequal weights make the rate a weighted one:
        Hoeffding--Bentkus p-values (:func:`hoeffding_bentkus_pvalues`) instead of
        the exact binomial tail; weight-0 rows are left out.
    """
    metric = _check_metric(metric)
    scores, truth = _check_arrays(scores, truth)
    weight = _check_weight(sample_weight, scores.size)
    cuts = np.asarray(cuts, dtype=np.float64)
    if weight is not None:
        kept = weight > 0
        scores, truth, weight = scores[kept], truth[kept], weight[kept]
    trials, successes = _tallies(scores, truth, cuts, metric, None)
    if weight is None or np.all(weight == weight[0]):
        return binomial_pvalues(successes, trials, floor)
    # The weighted rate is below the floor iff the mean of the [0, 1] loss
    # (1 - floor) + w (floor - success) / w_max over the trials exceeds 1 - floor.
    weighed, weighed_successes = _tallies(scores, truth, cuts, metric, weight)
    top = weight.max()
    loss = (1 - floor) * trials + (floor * weighed - weighed_successes) / top
    risk = np.divide(loss, trials, out=np.zeros(cuts.size), where=trials > 0)
    return hoeffding_bentkus_pvalues(risk, trials, 1 - floor)


def _tallies(scores, truth, cuts, metric, weight) -> tuple[np.ndarray, np.ndarray]:
    """Per cut: the (weighted) count of rows the rate is taken over, and of the
    successes among them."""
    w = np.ones(scores.size) if weight is None else weight
    order = np.argsort(scores, kind="stable")
    # rows with score >= cut, and the successes among them
    above = scores.size - np.searchsorted(scores[order], cuts, side="left")
    weight_above = np.concatenate([[0], np.cumsum(w[order][::-1])])[above]
    hits = np.concatenate([[0], np.cumsum((w * truth)[order][::-1])])[above]
    ones = np.ones(cuts.size)
    if metric in ("precision", "accuracy"):
        return weight_above, hits
    if metric == "recall":
        return ones * (w * truth).sum(), hits
    return ones * w.sum(), weight_above


def _check_weight(sample_weight: Any, n: int) -> np.ndarray | None:
    if sample_weight is None:
        return None
    weight = np.asarray(sample_weight, dtype=np.float64)
    if (
        weight.shape != (n,)
        or not np.isfinite(weight).all()
        or (weight < 0).any()
        or not (weight > 0).any()
    ):
        raise ValueError(
            f"sample_weight must hold {n} finite non-negative weights, not all 0, "
            f"got shape {weight.shape}; pass one weight per row, or None."
        )
    return weight


def fixed_sequence(pvalues: Any, alpha: float, starts: Any = (0,)) -> np.ndarray:
    """Which hypotheses the fixed-sequence walks reject (family-wise error <= alpha).

    Each walk begins at one index of ``starts`` and goes up the index order,
    rejecting while the p-value is at most ``alpha / len(starts)``; it stops at the
    first that is not. The union of the walks' rejections is returned.
    """
    pvalues = np.asarray(pvalues, dtype=np.float64)
    level = alpha / len(starts)
    passed = pvalues <= level
    rejected = np.zeros(pvalues.shape, dtype=bool)
    for start in starts:
        fails = np.flatnonzero(~passed[start:])
        stop = start + (fails[0] if fails.size else passed.size - start)
        rejected[start:stop] = True
    return rejected


def _check_shapes(scores: Any, truth: Any, ndim: int) -> tuple[np.ndarray, Any]:
    scores = np.asarray(scores, dtype=np.float64)
    truth = np.asarray(truth)
    if scores.ndim != ndim or truth.shape != scores.shape:
        shape, other = ("1-D of the same length", "several labels use certify_cuts")
        if ndim == 2:
            shape = "2-D of the same shape (n_samples, n_labels)"
            other = "one label use certify_cut"
        raise ValueError(
            f"scores and truth must be {shape}, got shapes "
            f"{scores.shape} and {truth.shape}; for {other}."
        )
    return scores, truth


def _check_arrays(scores: Any, truth: Any) -> tuple[np.ndarray, np.ndarray]:
    scores, truth = _check_shapes(scores, truth, 1)
    if not np.isfinite(scores).all():
        raise ValueError("scores must be finite; drop or fix the NaN/inf rows.")
    if not np.isin(truth, (0, 1)).all():
        raise ValueError("truth must hold only 0 and 1 (or False and True).")
    return scores, truth.astype(np.int64)


def _resolve_candidates(scores: np.ndarray, candidates: Any) -> np.ndarray:
    if candidates is None:
        if scores.size and (scores.min() < 0 or scores.max() > 1):
            raise ValueError(
                "scores outside [0, 1] need candidates=: a fixed array of cuts "
                "chosen before seeing these scores (or pass probabilities, e.g. "
                "scipy.special.expit of logits)."
            )
        return DEFAULT_CANDIDATES
    cuts = np.unique(np.asarray(candidates, dtype=np.float64))
    if cuts.ndim != 1 or cuts.size == 0 or not np.isfinite(cuts).all():
        raise ValueError("candidates must be a non-empty 1-D array of finite cuts.")
    return cuts


def _walk_order(cuts: np.ndarray, metric: str) -> np.ndarray:
    """Indices of ``cuts`` from the conservative end."""
    ascending = np.arange(cuts.size)
    return ascending[::-1] if _METRICS[metric][1] == "high" else ascending


def _walk_starts(
    ordered_cuts: np.ndarray, metric: str, starts: Any, default_grid: bool
) -> list[int]:
    if _METRICS[metric][1] == "low":
        return [0]  # a monotone rate: one walk loses nothing
    if starts is None and not default_grid:
        # the same places in the list of the user's candidates as the default
        # start points have in the default grid
        last = ordered_cuts.size - 1
        return sorted({round((1 - p) * last) for p in DEFAULT_STARTS})
    points = DEFAULT_STARTS if starts is None else np.atleast_1d(starts)
    # the first candidate at or below each start point (ordered_cuts descend)
    first = {
        int(np.searchsorted(-ordered_cuts, -float(p), side="left")) for p in points
    }
    return sorted(i for i in first if i < ordered_cuts.size) or [0]


def _objective_values(scores, truth, cuts, objective, weight) -> np.ndarray:
    trials, successes = _tallies(scores, truth, cuts, objective, weight)
    return np.divide(successes, trials, out=np.zeros(cuts.size), where=trials > 0)


def certify_cut(
    scores: Any,
    truth: Any,
    *,
    metric: str = "precision",
    floor: float,
    confidence: float,
    objective: str | None = None,
    candidates: Any = None,
    starts: Any = None,
    sample_weight: Any = None,
    warn: bool = True,
) -> Certificate:
    """Choose a cut whose rate meets ``floor`` on new data with ``confidence``.
    Each candidate gets a p-value (the exact binomial tail; Hoeffding--Bentkus
    for weighted rows), the fixed-sequence walks certify, the best certified wins.

    Parameters
    ----------
    scores : array-like of shape (n_samples,)
        Scores of rows the model was not trained on; a row is positive (accepted)
        iff ``score >= cut``.
    truth : array-like of shape (n_samples,)
        0/1: the row's true class is the positive one (precision, recall), or the
        row's predicted label is right (accuracy among accepted rows).
    metric : {"precision", "recall", "accuracy", "coverage"}, default="precision"
        The rate with a floor. "accuracy" is the accuracy among accepted rows
        (selective classification), "coverage" the fraction of rows accepted.
    floor : float
        In (0, 1].
    confidence : float
        In (0, 1): the probability, over the draw of these rows, that the chosen
        cut meets the floor on the population.
    objective : {"recall", "precision", "accuracy", "coverage"}, default=None
        What the chosen cut maximises among the certified ones on these rows.
        Default: recall for a precision floor, precision for a recall floor,
        coverage for an accuracy floor, accuracy for a coverage floor.
    candidates : array-like, default=None
        The cuts to test, fixed before seeing these rows. Default: 1001 cuts
        evenly spaced on [0, 1] (scores must then be probabilities).
    starts : array-like, default=None
        For precision and accuracy: the cuts where the fixed-sequence walks begin
        (each walk gets an equal share of ``1 - confidence``). Default: 0.99, 0.95,
        0.9, 0.8, 0.65, 0.5.
    sample_weight : array-like of shape (n_samples,), default=None
        Row weights: the floor is on the weighted rate, certified with
        Hoeffding--Bentkus p-values (no exact tail exists for a weighted rate;
        valid where no row of the population weighs more than the largest weight
        given). Equal weights keep the exact binomial tail.
    warn : bool, default=True
        Warn with :class:`NotCertifiedWarning` where no cut is certified.

    Returns
    -------
    Certificate

    Examples
    --------
    >>> import numpy as np
    >>> from sklabels import certify_cut
    >>> rng = np.random.default_rng(0)
    >>> s = rng.uniform(size=5000)
    >>> y = rng.uniform(size=5000) < s**2
    >>> cert = certify_cut(s, y, metric="precision", floor=0.8, confidence=0.9)
    >>> cert.certified, 0.78 < cert.threshold < 0.9
    (True, True)
    """
    metric = _check_metric(metric)
    floor = _check_rate(floor, "floor")
    confidence = _check_confidence(confidence)
    scores, truth = _check_arrays(scores, truth)
    weight = _check_weight(sample_weight, scores.size)
    cuts = _resolve_candidates(scores, candidates)
    objective = _DEFAULT_OBJECTIVE[metric] if objective is None else objective
    if objective not in _METRICS:
        raise ValueError(
            f"objective must be one of {sorted(_METRICS)}, got {objective!r}."
        )

    order = _walk_order(cuts, metric)
    ordered = cuts[order]
    pvalues = candidate_pvalues(
        scores, truth, ordered, metric=metric, floor=floor, sample_weight=weight
    )
    test = "binomial"
    if weight is not None and not np.all(weight[weight > 0] == weight.max()):
        test = "hoeffding-bentkus"
    walks = _walk_starts(ordered, metric, starts, candidates is None)
    certified = fixed_sequence(pvalues, 1 - confidence, walks)
    if not certified.any():
        return _safe(metric, floor, confidence, cuts.size, warn, test)
    index = _best(scores, truth, ordered, certified, objective, weight)
    return Certificate(
        threshold=float(ordered[index]),
        cut=float(ordered[index]),
        certified=True,
        p_value=float(pvalues[index]),
        n_certified=int(certified.sum()),
        n_candidates=int(cuts.size),
        metric=metric,
        floor=floor,
        confidence=confidence,
        test=test,
    )


def _best(scores, truth, ordered, certified, objective, weight) -> int:
    """The certified cut with the best objective; ties go to the lowest cut for
    recall and coverage (more rows in), to the highest for precision and accuracy."""
    indices = np.flatnonzero(certified)
    values = _objective_values(scores, truth, ordered[indices], objective, weight)
    tie = (
        ordered[indices]
        if objective in ("precision", "accuracy")
        else -ordered[indices]
    )
    return int(indices[np.lexsort((-tie, -values))[0]])


def _safe(metric, floor, confidence, n_candidates, warn, test) -> Certificate:
    high = _METRICS[metric][1] == "high"
    if warn:
        rule = "no positive" if metric == "precision" else "abstain on every row"
        if not high:
            rule = "every row positive" if metric == "recall" else "accept every row"
        warnings.warn(
            f"no cut has {metric} >= {floor} certified with confidence {confidence}: "
            f"using the safe rule ({rule}). Use more rows, a lower floor or a lower "
            "confidence.",
            NotCertifiedWarning,
            stacklevel=user_stacklevel(),
        )
    return Certificate(
        threshold=math.inf if high else -math.inf,
        cut=None,
        certified=False,
        p_value=1.0,
        n_certified=0,
        n_candidates=int(n_candidates),
        metric=metric,
        floor=floor,
        confidence=confidence,
        test=test,
    )


def certify_cuts(
    scores: Any,
    truth: Any,
    *,
    metric: str = "precision",
    floor: Any,
    confidence: Any,
    joint: bool = False,
    objective: str | None = None,
    candidates: Any = None,
    starts: Any = None,
    sample_weight: Any = None,
) -> tuple[Certificate, ...]:
    """One certified cut per column: multilabel labels, or one-versus-rest classes.

    Parameters
    ----------
    scores : array-like of shape (n_samples, n_labels)
        One score column per label (for a multiclass class decided one versus the
        rest: its probability column).
    truth : array-like of shape (n_samples, n_labels)
        0/1 indicator matrix (one-hot for multiclass).
    floor, confidence : float or array-like of shape (n_labels,)
        Each label's own floor and confidence.
    joint : bool, default=False
        ``False``: each label meets its floor with its own confidence. ``True``:
        all labels meet their floors together with probability at least
        ``confidence`` (a single value), each label tested at level
        ``(1 - confidence) / n_labels`` (Bonferroni across labels).
    metric, objective, candidates, starts, sample_weight
        As in :func:`certify_cut`, for every label.

    Returns
    -------
    tuple of Certificate, one per column

    Examples
    --------
    >>> import numpy as np
    >>> from sklabels import certify_cuts
    >>> rng = np.random.default_rng(0)
    >>> s = rng.uniform(size=(5000, 2))
    >>> y = rng.uniform(size=(5000, 2)) < s**2
    >>> certs = certify_cuts(s, y, floor=[0.8, 0.7], confidence=0.9, joint=True)
    >>> [c.certified for c in certs]
    [True, True]
    """
    scores, truth = _check_shapes(scores, truth, 2)
    n_labels = scores.shape[1]
    floors = np.broadcast_to(np.asarray(floor, dtype=object), (n_labels,))
    if joint:
        if np.ndim(confidence) != 0:
            raise ValueError(
                "joint=True takes one confidence for all labels together, got "
                f"{confidence!r}."
            )
        family = _check_confidence(confidence)
        levels = [1 - (1 - family) / n_labels] * n_labels
    else:
        levels = list(
            np.broadcast_to(np.asarray(confidence, dtype=object), (n_labels,))
        )
    certificates = []
    for j in range(n_labels):
        certificate = certify_cut(
            scores[:, j],
            truth[:, j],
            metric=metric,
            floor=floors[j],
            confidence=levels[j],
            objective=objective,
            candidates=candidates,
            starts=starts,
            sample_weight=sample_weight,
        )
        if joint:
            certificate = _replace_confidence(certificate, family)
        certificates.append(certificate)
    return tuple(certificates)


def _replace_confidence(certificate: Certificate, confidence: float) -> Certificate:
    fields = dict(certificate.__dict__, confidence=confidence)
    return Certificate(**fields)


def certify_reject(
    proba: Any,
    y: Any,
    *,
    floor: float,
    confidence: float,
    **options: Any,
) -> Certificate:
    """Certify a reject level: accuracy among accepted rows at least ``floor``.

    The rule predicts ``argmax`` of each row and abstains where the winning
    probability is below the level (Chow's rule); the level returned is the lowest
    certified one (most rows accepted). Where none is certified: abstain on every
    row (``threshold=inf``) with a :class:`NotCertifiedWarning`.

    Parameters
    ----------
    proba : array-like of shape (n_samples, n_classes)
        Probabilities of rows the model was not trained on.
    y : array-like of shape (n_samples,)
        Class indices (column positions in ``proba``).
    floor, confidence
        As in :func:`certify_cut` with ``metric="accuracy"``.
    **options
        ``candidates``, ``starts``, ``sample_weight``, ``warn``: as in
        :func:`certify_cut`.

    Returns
    -------
    Certificate
        ``threshold`` is the reject level: accept iff ``max(proba) >= threshold``.
    """
    proba = np.asarray(proba, dtype=np.float64)
    y = np.asarray(y)
    if proba.ndim != 2 or y.shape != (proba.shape[0],):
        raise ValueError(
            "proba must be (n_samples, n_classes) and y (n_samples,) class indices, "
            f"got shapes {proba.shape} and {y.shape}."
        )
    correct = (proba.argmax(axis=1) == y).astype(np.int64)
    return certify_cut(
        proba.max(axis=1),
        correct,
        metric="accuracy",
        floor=floor,
        confidence=confidence,
        **options,
    )
