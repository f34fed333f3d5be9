"""Certified thresholds: a floor with a confidence, on the tuning's shared values.

``RecallAtPrecision(0.9, confidence=0.95)`` (or ``PrecisionAtRecall``) asks for a
cut whose precision (recall) is at least the floor on new exchangeable data with
probability 0.95. No sweep is run: each label's cut is certified by
:func:`~sklabels.certify_cut` (multilabel: :func:`~sklabels.certify_cuts`), and the
result carries the certificates. Where no cut is certified, the safe cut (``inf``:
never positive; ``-inf``: always positive) with a ``NotCertifiedWarning``.

Logits and decision scores are certified on ``expit`` of the scores: a fixed grid of
probabilities is a fixed grid of margins, so the guarantee is unchanged; the cut is
returned in the units the rules read (probabilities for logits, margins for
decision scores).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.special import expit, logit

from ._certify import Certificate, certify_cut, certify_cuts
from ._objectives import Constrained
from ._rules import default_threshold
from ._scores import PROBA, Scores
from ._sweep import value_at
from ._tuning import TuningResult, cutoff_columns


def is_certified(objective: Any) -> bool:
    """Whether ``objective`` is a floor with a confidence."""
    return isinstance(objective, Constrained) and objective.certified


def check_certified_options(
    objective: Any, *, problem: str, average: str, sample_weight: Any = None
) -> None:
    """Refuse what a certificate cannot cover, before anything is fitted.

    ``sample_weight`` is accepted: weighted rates are certified with
    Hoeffding--Bentkus p-values (see :func:`~sklabels.certify_cut`).
    """
    if not is_certified(objective):
        return
    if problem == "multilabel" and average == "micro":
        raise ValueError(
            f"average='micro' shares one threshold over pooled labels, which "
            f"scoring={objective!r} cannot certify; use average='macro' (one "
            f"certified cut per label; joint=True for all labels together)."
        )
    if problem == "multiclass":
        raise ValueError(
            f"scoring={objective!r} certifies one cut-off, but multiclass thresholds "
            f"are ratios tuned together. Certify the class of interest one versus "
            f"the rest (a binary problem with pos_label=...), or certify the reject "
            f"option: reject_accuracy=AtLeast(0.99, confidence=0.95)."
        )


def _to_probability(columns: np.ndarray, scores: Scores) -> np.ndarray:
    return columns if scores.kind == PROBA and not scores.logits else expit(columns)


def _to_rule_units(cut: float, scores: Scores) -> float:
    """A cut on probabilities in the units the rules read for these scores."""
    if scores.kind == PROBA or scores.logits or np.isinf(cut):
        return cut
    return float(logit(cut))


def tune_certified(
    scores: Scores,
    truth: np.ndarray,
    *,
    problem: str,
    classes: np.ndarray,
    pos_index: int,
    objective: Constrained,
    name: str,
    average: str,
    sample_weight: np.ndarray | None = None,
) -> TuningResult:
    """Certified cut-offs for a floor with a confidence (binary, multilabel).

    ``result.certificates`` maps each label to its :class:`Certificate`; the
    thresholds are the certificates' cuts (``inf`` / ``-inf`` where none was
    certified).
    """
    check_certified_options(
        objective, problem=problem, average=average, sample_weight=sample_weight
    )
    columns, hits, owners = cutoff_columns(
        scores.values, truth, problem, classes, pos_index
    )
    proba = _to_probability(np.asarray(columns, dtype=np.float64), scores)
    target = "precision" if objective.metric == "recall" else "recall"
    kwargs = dict(
        metric=objective.metric,
        floor=objective.minimum,
        confidence=objective.confidence,
        objective=target,
        sample_weight=sample_weight,
    )
    if problem == "binary":
        certificates = (certify_cut(proba[:, 0], hits[:, 0], **kwargs),)
    else:
        certificates = certify_cuts(proba, hits, joint=objective.joint, **kwargs)
    thresholds = np.array([_to_rule_units(c.threshold, scores) for c in certificates])
    return _result(
        scores,
        columns,
        hits,
        owners,
        certificates,
        thresholds,
        objective,
        name,
        classes=classes,
        problem=problem,
        pos_index=pos_index,
        average=average,
        weight=sample_weight,
    )


def _result(
    scores, columns, hits, owners, certificates, thresholds, objective, name, **info
) -> TuningResult:
    # Values on the rows at hand, in the units the columns are in.
    in_columns = thresholds
    if scores.logits:
        with np.errstate(divide="ignore"):
            in_columns = np.where(np.isinf(thresholds), thresholds, logit(thresholds))
    default = default_threshold(scores.kind)
    best = [
        value_at(columns[:, j], hits[:, j], info["weight"], t, objective, name)
        for j, t in enumerate(in_columns)
    ]
    start = [
        value_at(columns[:, j], hits[:, j], info["weight"], default, objective, name)
        for j in range(columns.shape[1])
    ]
    binary = info["problem"] == "binary"
    return TuningResult(
        thresholds=float(thresholds[0]) if binary else thresholds,
        best_score=float(np.mean(best)),
        class_scores=dict(zip(owners, best, strict=True)),
        curves={},
        classes=info["classes"],
        problem=info["problem"],
        scoring=name,
        average=info["average"],
        pos_label=info["classes"][info["pos_index"]] if binary else None,
        start_score=float(np.mean(start)),
        certificates=dict(zip(owners, certificates, strict=True)),
    )


def certify_reject_level(
    winning: np.ndarray,
    correct: np.ndarray,
    *,
    coverage: Any = None,
    accuracy: Any = None,
    sample_weight: np.ndarray | None = None,
) -> Certificate:
    """The certified reject level: accept a row iff its winning probability is at
    least the certificate's threshold (``inf``: abstain on every row)."""
    floor = accuracy if accuracy is not None else coverage
    metric = "accuracy" if accuracy is not None else "coverage"
    return certify_cut(
        winning,
        np.asarray(correct, dtype=np.int64),
        metric=metric,
        floor=floor.value,
        confidence=floor.confidence,
        sample_weight=sample_weight,
    )


__all__ = [
    "certify_reject_level",
    "check_certified_options",
    "is_certified",
    "tune_certified",
]
