"""Class priors: re-weighting for a known shift, and estimating an unknown one.

Under label shift (``p(x | y)`` unchanged, ``p(y)`` changed from ``pi`` to ``pi'``)
calibrated probabilities become ``p_k pi'_k / pi_k``, renormalised (per label, as a
two-class problem, for multilabel). Unknown ``pi'`` is estimated from unlabelled
samples by the EM procedure of Saerens, Latinne & Decaestecker (2002), or by black-box
shift estimation (Lipton, Wang & Smola, 2018) from a confusion matrix on held-out
labelled data.
"""

from __future__ import annotations

import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._scores import PROBA, Scores
from ._targets import label_codes
from ._text import preview, to_python

# Sums of single-label priors may differ from 1 by this much (rounded figures).
_SUM_TOLERANCE = 1e-6


@dataclass(frozen=True)
class PriorEstimate:
    """Class priors estimated from unlabelled samples.

    Attributes
    ----------
    priors : ndarray of shape (n_classes,)
        The estimated deployment priors, in the order of ``classes`` (multilabel:
        each label's probability of being on).
    classes : ndarray of shape (n_classes,)
        The labels.
    method : {"em", "bbse"}
        Saerens et al.'s EM, or black-box shift estimation.
    n_iter : int
        EM iterations run (1 for BBSE, which solves one linear system).
    converged : bool
        EM: the largest change of a prior in the last iteration was below ``tol``.
        BBSE: the confusion matrix was well conditioned and no weight was clipped.
    train_priors : ndarray of shape (n_classes,)
        The priors the probabilities were calibrated for (``priors_``).
    history : list of ndarray
        EM: the priors after each iteration.
    detail : str
        What happened, in words (why it did not converge, which weights were clipped).
    """

    priors: np.ndarray
    classes: np.ndarray
    method: str
    n_iter: int
    converged: bool
    train_priors: np.ndarray
    history: list = field(default_factory=list, repr=False)
    detail: str = ""

    def as_dict(self) -> dict:
        """``{label: prior}``, ready for ``priors=``."""
        return {
            to_python(c): float(p)
            for c, p in zip(self.classes, self.priors, strict=True)
        }


def check_priors(
    priors: Any,
    classes: np.ndarray,
    problem: str,
    *,
    default: np.ndarray | None = None,
    name: str = "priors",
) -> np.ndarray:
    """Validate priors: one probability per class (single-label: summing to 1).

    Forms: an array in class order, a dict ``{label: prior}`` or a pandas Series
    (keyed by label). Single-label dicts name every class; multilabel dicts may name
    some labels, the others keep ``default``.
    """
    k = len(classes)
    if hasattr(priors, "index") and hasattr(priors, "to_dict"):
        priors = priors.to_dict()
    if isinstance(priors, Mapping):
        values = np.full(k, np.nan)
        if default is not None and problem == "multilabel":
            values = np.asarray(default, dtype=np.float64).copy()
        keys = np.empty(len(priors), dtype=object)
        keys[:] = list(priors)
        for code, value in zip(
            label_codes(keys, classes, f"the keys of {name}"),
            priors.values(),
            strict=True,
        ):
            values[code] = _number(value, name)
        if np.isnan(values).any():
            missing = preview(classes[np.isnan(values)])
            raise ValueError(
                f"{name} does not give the prior of {missing}; give one for every "
                f"class {preview(classes)} (they sum to 1)."
            )
    else:
        if isinstance(priors, str) or np.ndim(priors) != 1:
            raise ValueError(
                f"{name} must be one probability per class {preview(classes)} (a "
                f"list in that order, or a dict {{label: prior}}), got {priors!r}."
            )
        values = np.array([_number(v, name) for v in np.asarray(priors, object)])
        if len(values) != k:
            raise ValueError(
                f"{name} has {len(values)} values but there are {k} classes "
                f"{preview(classes)}; pass one prior per class in that order, or a "
                f"dict {{label: prior}}."
            )
    if not np.isfinite(values).all() or ((values < 0) | (values > 1)).any():
        raise ValueError(
            f"{name} must be probabilities in [0, 1], got {preview(values)}."
        )
    if problem != "multilabel" and abs(values.sum() - 1.0) > _SUM_TOLERANCE:
        raise ValueError(
            f"{name} of a {problem} problem must sum to 1 (one distribution over the "
            f"classes), got {preview(values)} summing to {values.sum():.6g}. For "
            f"multilabel targets each label has its own prior; pass problem="
            f"'multilabel' there."
        )
    return values


def _number(value: Any, name: str) -> float:
    if not isinstance(value, numbers.Real) or isinstance(value, bool | np.bool_):
        raise TypeError(f"{name} must hold numbers (probabilities), got {value!r}.")
    return float(value)


def training_priors(
    truth: np.ndarray, problem: str, n_classes: int, sample_weight: Any = None
) -> np.ndarray:
    """Class frequencies of the encoded truth (multilabel: each label's on-rate)."""
    weight = None if sample_weight is None else np.asarray(sample_weight, np.float64)
    if problem == "multilabel":
        on = np.asarray(truth, dtype=np.float64).reshape(len(truth), -1)
        return np.average(on, axis=0, weights=weight)
    counts = np.bincount(
        np.asarray(truth, dtype=np.intp), weights=weight, minlength=n_classes
    )
    return counts / counts.sum()


def check_shift(train: np.ndarray, target: np.ndarray, classes: np.ndarray) -> None:
    """A training prior of 0 or 1 is certain: only the same deployment prior keeps
    the re-weighting defined (``pi' / pi`` or ``(1 - pi') / (1 - pi)`` is ``x / 0``).
    """
    bad = (train <= 0) & (target > 0)
    if bad.any():
        raise ValueError(
            f"the training priors of {preview(classes[bad])} are 0, so their "
            f"probabilities cannot be re-weighted to a positive deployment prior. "
            f"Give train_priors=... the model was trained with, or set those "
            f"deployment priors to 0."
        )
    bad = (train >= 1) & (target < 1)
    if bad.any():
        raise ValueError(
            f"the training priors of {preview(classes[bad])} are 1 (on in every "
            f"training row), so their probabilities cannot be re-weighted to a "
            f"deployment prior below 1. Leave them out of priors (or give them 1), "
            f"or give train_priors=... the model was trained with."
        )


def keep_certain(estimate: np.ndarray, train: np.ndarray, problem: str) -> np.ndarray:
    """An estimate of deployment priors with the training priors of 0 and 1 kept.

    Re-weighting cannot move a certain prior (see :func:`check_shift`), so an
    estimate keeps them and, single-label, renormalises the others.
    """
    out = np.where((train <= 0) | (train >= 1), train, estimate)
    if problem != "multilabel" and out.sum() > 0:
        out = out / out.sum()
    return out


def reweight(
    scores: Scores, problem: str, train: np.ndarray, target: np.ndarray
) -> Scores:
    """Scores for the deployment priors: ``p_k pi'_k / pi_k``, renormalised.

    Logits are shifted by ``log(pi'_k / pi_k)`` (sigmoid logits by the log odds
    ratio): the same rule, exact where probabilities round to 0 or 1.
    """
    if np.array_equal(train, target):
        return scores  # equal priors change nothing, not even by rounding
    values = scores.values.astype(np.float64)
    # Multilabel: a label whose priors are equal keeps its scores as they are (also
    # where its prior is 0 or 1, for which the odds ratio is 0 / 0).
    same = train == target
    with np.errstate(divide="ignore", invalid="ignore"):
        if problem == "multilabel":
            up = np.log(target) - np.log(train)
            down = np.log1p(-target) - np.log1p(-train)
            shift = np.where(same, 0.0, up - down)
        else:
            shift = np.log(target) - np.log(np.where(train > 0, train, 1.0))
    if scores.kind != PROBA:
        if not scores.logits:
            raise ValueError(
                "priors need probabilities (or logits), but the model only gives "
                "decision scores. Use response_method='predict_proba', or calibrate "
                "the model first: CalibratedClassifierCV(model)."
            )
        if problem == "binary":  # canonical columns [-m, m], m the log odds
            odds = shift[1] - shift[0]
            return Scores(values + np.array([-odds, odds]), scores.kind, True)
        return Scores(values + shift, scores.kind, True)
    if problem == "multilabel":
        odds_on = values * target / np.where(train > 0, train, 1.0)
        odds_off = (1.0 - values) * (1.0 - target) / np.where(train < 1, 1 - train, 1.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = odds_on / (odds_on + odds_off)
        out = np.where(np.isfinite(out) & ~same, out, values)
        return Scores(out, PROBA)
    weighted = values * (target / np.where(train > 0, train, 1.0))
    total = weighted.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = weighted / total
    # A row whose every likely class has deployment prior 0: keep it as it was.
    out = np.where(total > 0, out, values)
    return Scores(out, PROBA)


def em_priors(
    proba: np.ndarray,
    train: np.ndarray,
    problem: str,
    *,
    tol: float = 1e-6,
    max_iter: int = 1000,
) -> tuple[np.ndarray, int, bool, list]:
    """Saerens et al. (2002): alternate re-weighting the posteriors and averaging them.

    Returns the priors, the iterations, whether the last change was below ``tol``,
    and the priors after each iteration.
    """
    if problem == "multilabel":
        # Each label is its own two-class problem.
        stacked = [
            em_priors(
                np.column_stack([1 - proba[:, j], proba[:, j]]),
                np.array([1 - train[j], train[j]]),
                "binary",
                tol=tol,
                max_iter=max_iter,
            )
            for j in range(proba.shape[1])
        ]
        priors = np.array([s[0][1] for s in stacked])
        n_iter = max(s[1] for s in stacked)
        converged = all(s[2] for s in stacked)
        return priors, n_iter, converged, []
    current = train.astype(np.float64).copy()
    safe = np.where(train > 0, train, 1.0)
    history = []
    for iteration in range(1, max_iter + 1):
        weighted = proba * (current / safe)
        total = weighted.sum(axis=1, keepdims=True)
        posterior = np.divide(
            weighted, total, out=np.zeros_like(weighted), where=total > 0
        )
        new = posterior.mean(axis=0)
        new = new / new.sum()
        change = float(np.max(np.abs(new - current)))
        current = new
        history.append(new)
        if change < tol:
            return current, iteration, True, history
    return current, max_iter, False, history


def bbse_priors(
    predicted_target: np.ndarray,
    predicted_source: np.ndarray,
    truth_source: np.ndarray,
    n_classes: int,
    train: np.ndarray,
    *,
    sample_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, bool, str]:
    """Lipton et al. (2018): solve ``C w = mu`` for the importance weights ``w``.

    ``C[i, j] = P_source(predicted i, true j)`` from held-out labelled samples and
    ``mu[i] = P_target(predicted i)``; the target priors are ``w_j pi_j`` with
    ``pi`` the held-out class frequencies. Weights are clipped at 0 and the result
    renormalised.
    """
    truth = np.asarray(truth_source, dtype=np.intp)
    weight = np.ones(len(truth)) if sample_weight is None else sample_weight
    joint = np.zeros((n_classes, n_classes))
    np.add.at(joint, (predicted_source, truth), weight)
    joint /= weight.sum()
    mu = np.bincount(predicted_target, minlength=n_classes) / len(predicted_target)
    source = joint.sum(axis=0)
    w, *_ = np.linalg.lstsq(joint, mu, rcond=None)
    notes = []
    condition = np.linalg.cond(joint) if joint.any() else np.inf
    ok = bool(np.isfinite(condition) and condition < 1e8)
    if not ok:
        notes.append(
            f"the held-out confusion matrix is singular or ill-conditioned "
            f"(condition number {condition:.3g}): some classes are never predicted "
            f"or never occur"
        )
    if (w < 0).any():
        notes.append(f"{int((w < 0).sum())} negative importance weights clipped to 0")
        ok = False
        w = np.maximum(w, 0)
    priors = w * source
    if priors.sum() <= 0:
        return train.copy(), False, "; ".join([*notes, "fell back to train priors"])
    return priors / priors.sum(), ok, "; ".join(notes)
