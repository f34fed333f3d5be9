"""After-fit analyses of costs and priors, on the fitted result.

The cost of a fitted classifier's predictions on labelled samples
(:class:`CostSummary`), the default predictions of held-out samples that BBSE
reads, and the estimate of the class priors of unlabelled samples (EM, BBSE): each
takes the fitted result (``FittedLabels``) and the decision, never the estimator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.utils.validation import _check_sample_weight

from ._costs import probabilities, resolve_cost_rule, total_costs
from ._priors import PriorEstimate, bbse_priors, em_priors, keep_certain
from ._scores import PROBA, Scores


@dataclass(frozen=True)
class CostSummary:
    """The cost of a classifier's predictions on labelled samples.

    Attributes
    ----------
    total : float
        The summed cost (weighted by ``sample_weight`` where given).
    mean : float
        The (weighted) mean cost per sample.
    per_sample : ndarray of shape (n_samples,)
        Each prediction's cost given its truth (multilabel: summed over labels).
    n_rejected : int
        How many predictions abstained.
    """

    total: float
    mean: float
    per_sample: np.ndarray = field(repr=False)
    n_rejected: int = 0


def _default_predictions(scores: Scores, problem: str) -> np.ndarray:
    """Argmax codes (single-label) or the 0.5 / 0 indicator (multilabel)."""
    if problem == "multilabel":
        return scores.values >= (0.5 if scores.kind == PROBA else 0.0)
    return np.argmax(scores.values, axis=1)


def held_out_predictions(held_out: Any, problem: str) -> Any:
    """Default predictions of held-out samples with their truth, for BBSE."""
    if held_out is None:
        return None
    return (
        _default_predictions(held_out.scores, problem),
        held_out.truth,
        held_out.sample_weight,
    )


def summarise_costs(
    fitted: Any,
    decision: Any,
    X: Any,
    y: Any,
    *,
    costs: Any,
    reject_cost: Any,
    sample_weight: Any,
) -> CostSummary:
    """The cost of ``fitted``'s predictions under ``decision`` on ``(X, y)``."""
    check_same_rows(X, y, "X", "y")
    classes, problem = fitted.classes, fitted.problem
    truth = fitted.encoding.encode(y)
    codes, rejected = fitted.codes(X, decision)
    rule = decision.cost_rule
    if costs is not None:
        rule = resolve_cost_rule(
            costs, reject_cost, classes, problem, n_samples=len(truth)
        )
    elif rule is None:
        raise ValueError(
            "this classifier decides without costs; pass costs=C (C[true, "
            "predicted]) to count the cost of its predictions."
        )
    reject = rule.reject_cost if reject_cost is None else float(reject_cost)
    matrix = rule.matrix_for(X, len(truth), classes, problem)
    each = total_costs(truth, codes, rejected, matrix, reject, problem)
    weight = None
    if sample_weight is not None:
        weight = _check_sample_weight(sample_weight, each, ensure_non_negative=True)
    total = float(each.sum() if weight is None else weight @ each)
    denominator = len(each) if weight is None else float(weight.sum())
    return CostSummary(
        total=total,
        mean=total / denominator if denominator else 0.0,
        per_sample=each,
        n_rejected=0 if rejected is None else int(rejected.sum()),
    )


def n_rows(data: Any) -> int:
    """The number of samples of ``X`` or ``y`` (arrays, frames, sparse, lists)."""
    shape = getattr(data, "shape", None)
    if shape is not None and len(shape):
        return int(shape[0])
    return len(data)


def check_same_rows(X: Any, y: Any, x_name: str, y_name: str) -> None:
    """``X`` and ``y`` describe the same samples: as many rows each."""
    n_x, n_y = n_rows(X), n_rows(y)
    if n_x != n_y:
        raise ValueError(
            f"{x_name} has {n_x} rows but {y_name} has {n_y}; pass the labels of "
            f"exactly the samples in {x_name}, in the same order."
        )


def _bbse(
    fitted: Any, target_scores: Scores, X_val: Any, y_val: Any
) -> tuple[np.ndarray, bool, str]:
    classes, problem, train = fitted.classes, fitted.problem, fitted.priors
    if X_val is not None or y_val is not None:
        if X_val is None or y_val is None:
            raise ValueError("method='bbse' needs both X_val and y_val.")
        check_same_rows(X_val, y_val, "X_val", "y_val")
        source = _default_predictions(fitted.scores(X_val), problem)
        truth, weight = fitted.encoding.encode(y_val, "y_val"), None
    elif fitted.held_out is not None:
        source, truth, weight = fitted.held_out
    else:
        raise ValueError(
            "method='bbse' needs labelled samples the model was not fitted on, to "
            "estimate its confusion matrix: pass X_val=..., y_val=... (or fit with "
            "threshold='auto', whose out-of-fold scores are used)."
        )
    target = _default_predictions(target_scores, problem)
    if problem != "multilabel":
        return bbse_priors(
            target, source, truth, len(classes), train, sample_weight=weight
        )
    out, ok, notes = np.empty(len(classes)), True, []
    for j, label in enumerate(classes):
        pair = np.array([1 - train[j], train[j]])
        pri, good, note = bbse_priors(
            target[:, j].astype(np.intp),
            source[:, j].astype(np.intp),
            np.asarray(truth)[:, j],
            2,
            pair,
            sample_weight=weight,
        )
        out[j], ok = pri[1], ok and good
        if note:
            notes.append(f"{label!r}: {note}")
    return out, ok, "; ".join(notes)


def estimate_priors(
    fitted: Any,
    X: Any,
    *,
    method: str,
    X_val: Any,
    y_val: Any,
    tol: float,
    max_iter: int,
) -> PriorEstimate:
    """The class priors of the unlabelled samples ``X``, by EM or BBSE, from the
    training priors of ``fitted`` (in-memory samples only)."""
    if method not in ("em", "bbse"):
        raise ValueError(
            f"method must be 'em' (Saerens et al., 2002) or 'bbse' (black-box shift "
            f"estimation, Lipton et al., 2018), got {method!r}."
        )
    problem, train = fitted.problem, fitted.priors
    scores = fitted.scores(X)
    if method == "em":
        proba = probabilities(scores, problem, "priors")
        priors, n_iter, converged, history = em_priors(
            proba, train, problem, tol=tol, max_iter=max_iter
        )
        detail = "" if converged else f"no convergence to tol={tol:g} in {n_iter}"
    else:
        priors, converged, detail = _bbse(fitted, scores, X_val, y_val)
        n_iter, history = 1, []
    priors = keep_certain(priors, train, problem)
    return PriorEstimate(
        priors=priors,
        classes=fitted.classes,
        method=method,
        n_iter=n_iter,
        converged=converged,
        train_priors=train.copy(),
        history=history,
        detail=detail,
    )
