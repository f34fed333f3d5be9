"""What ``ProbabilisticLabelClassifier`` does with costs and priors, in one place.

The classifier only calls these: its fitted training priors, the checks of the cost
options, the cost rule that ``predict`` applies now, the tuning for a
:class:`~sklabels.CostMatrix`, the re-weighting of scores for deployment priors, the
cost of predictions, and prior adaptation (EM, BBSE).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.base import clone
from sklearn.utils import _safe_indexing
from sklearn.utils.validation import _check_sample_weight

from ._backend import any_dask
from ._costs import (
    CostRule,
    check_cost_options,
    probabilities,
    resolve_cost_rule,
    total_costs,
    tune_cost_rule,
)
from ._priors import (
    PriorEstimate,
    bbse_priors,
    check_priors,
    em_priors,
    keep_certain,
    reweight,
    training_priors,
)
from ._scores import PROBA, Scores

if TYPE_CHECKING:
    from ._classifier import ProbabilisticLabelClassifier


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


# The estimator applies costs to any X: per-sample costs must be a callable of X.
_ALIGNED_ONLY = -1


def _is_auto(value: Any) -> bool:
    return isinstance(value, str) and value == "auto"


def fit_priors(
    clf: ProbabilisticLabelClassifier, truth: np.ndarray, sample_weight: Any
) -> np.ndarray:
    """``priors_``: ``train_priors`` when given, else the class frequencies of ``y``."""
    if clf.train_priors is not None:
        return check_priors(
            clf.train_priors, clf.classes_, clf.problem_, name="train_priors"
        )
    if sample_weight is not None:
        sample_weight = _check_sample_weight(sample_weight, truth)
    return training_priors(truth, clf.problem_, len(clf.classes_), sample_weight)


def check_fit_cost_options(clf: ProbabilisticLabelClassifier, params: dict) -> None:
    """Check costs, reject_cost and priors before anything is fitted."""
    from ._objectives import CostMatrix

    if _is_auto(params["threshold"]) and isinstance(clf.scoring, CostMatrix):
        for name in ("costs", "reject_cost", "reject_threshold"):
            if params[name] is not None:
                raise ValueError(
                    f"threshold='auto' with scoring=CostMatrix(...) tunes the cost "
                    f"rule of that matrix; {name}={params[name]!r} would be a second "
                    f"one. Pass the costs (and reject_cost) to CostMatrix only."
                )
        check_cost_options(
            costs=clf.scoring.costs,
            reject_cost=clf.scoring.reject_cost,
            reject_label=params["reject_label"],
            threshold=None,
            reject_threshold=None,
            classes=clf.classes_,
        )
        resolve_cost_rule(
            clf.scoring.costs,
            clf.scoring.reject_cost,
            clf.classes_,
            clf.problem_,
            n_samples=_ALIGNED_ONLY,
            name="CostMatrix costs",
        )
    else:
        current_cost_rule(clf, params, tuned=None)
    clf._current_priors(params)


def current_cost_rule(
    clf: ProbabilisticLabelClassifier, params: dict, tuned: Any = "fitted"
) -> CostRule | None:
    """The cost rule ``predict`` applies now: tuned, from ``costs``, or none."""
    if tuned == "fitted":
        tuned = getattr(clf, "_tuned_cost", None)
    if _is_auto(params["threshold"]) and tuned is not None:
        for name in ("costs", "reject_cost"):
            if params[name] is not None:
                raise ValueError(
                    f"{name}={params[name]!r} was set after a fit tuned for "
                    f"scoring=CostMatrix(...) (threshold='auto'). Set threshold=None "
                    f"to decide by the plug-in rule of the new costs, or fit again "
                    f"with a new CostMatrix."
                )
        return tuned
    if params["costs"] is None and params["reject_cost"] is None:
        return None
    check_cost_options(
        costs=params["costs"],
        reject_cost=params["reject_cost"],
        reject_label=params["reject_label"],
        threshold=params["threshold"],
        reject_threshold=params["reject_threshold"],
        classes=clf.classes_,
    )
    return resolve_cost_rule(
        params["costs"],
        params["reject_cost"],
        clf.classes_,
        clf.problem_,
        n_samples=_ALIGNED_ONLY,
    )


def reweighted_scores(
    clf: ProbabilisticLabelClassifier, scores: Scores, decision: Any
) -> Scores:
    """The scores re-weighted for the deployment priors (as they are without)."""
    if decision.priors is None:
        return scores
    return reweight(scores, clf.problem_, clf.priors_, decision.priors)


def _default_predictions(scores: Scores, problem: str) -> np.ndarray:
    """Argmax codes (single-label) or the 0.5 / 0 indicator (multilabel)."""
    if problem == "multilabel":
        return scores.values >= (0.5 if scores.kind == PROBA else 0.0)
    return np.argmax(scores.values, axis=1)


def held_out_predictions(clf: ProbabilisticLabelClassifier, held_out: Any) -> Any:
    """Default predictions of held-out samples with their truth, for BBSE."""
    if held_out is None:
        return None
    return (
        _default_predictions(held_out.scores, clf.problem_),
        held_out.truth,
        held_out.sample_weight,
    )


def tune_costs(
    clf: ProbabilisticLabelClassifier, objective: Any, pos_index: int, held_out: Any
) -> CostRule:
    """Tune a :class:`CostMatrix`'s offsets on the held-out scores."""
    X = held_out.X
    if held_out.rows is not None and callable(objective.costs):
        X = _safe_indexing(X, held_out.rows)
    rule, cost, _ = tune_cost_rule(
        held_out.scores,
        held_out.truth,
        problem=clf.problem_,
        classes=clf.classes_,
        pos_index=pos_index,
        costs=objective.costs,
        reject_cost=objective.reject_cost,
        X=X,
        sample_weight=held_out.sample_weight,
    )
    clf.best_score_ = -cost
    width = len(clf.classes_) + (rule.reject_cost is not None)
    if clf.problem_ == "multilabel":
        width = len(clf.classes_)
    clf.cost_offsets_ = np.zeros(width) if rule.offsets is None else rule.offsets.copy()
    return rule


def summarise_costs(
    clf: ProbabilisticLabelClassifier,
    X: Any,
    y: Any,
    *,
    costs: Any,
    reject_cost: Any,
    sample_weight: Any,
) -> CostSummary:
    """:meth:`ProbabilisticLabelClassifier.cost`."""
    clf._check_fitted()
    _refuse_dask("cost", X, y, sample_weight)
    check_same_rows(X, y, "X", "y")
    truth = clf._encoding.encode(y)
    codes, rejected, decision = clf._codes(X)
    rule = decision.cost_rule
    if costs is not None:
        rule = resolve_cost_rule(
            costs, reject_cost, clf.classes_, clf.problem_, n_samples=len(truth)
        )
    elif rule is None:
        raise ValueError(
            "this classifier decides without costs; pass costs=C (C[true, "
            "predicted]) to count the cost of its predictions."
        )
    reject = rule.reject_cost if reject_cost is None else float(reject_cost)
    matrix = rule.matrix_for(X, len(truth), clf.classes_, clf.problem_)
    each = total_costs(truth, codes, rejected, matrix, reject, clf.problem_)
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


def _refuse_dask(method: str, *arrays: Any) -> None:
    if any_dask(*arrays):
        raise TypeError(
            f"{method}() takes in-memory samples, not Dask collections; compute "
            f"them first (X.compute(), y.compute()), or count the cost block by "
            f"block with predict(X) on the Dask inputs."
        )


def _bbse(
    clf: ProbabilisticLabelClassifier,
    target_scores: Scores,
    X_val: Any,
    y_val: Any,
) -> tuple[np.ndarray, bool, str]:
    if X_val is not None or y_val is not None:
        if X_val is None or y_val is None:
            raise ValueError("method='bbse' needs both X_val and y_val.")
        check_same_rows(X_val, y_val, "X_val", "y_val")
        source = _default_predictions(clf._scores(X_val), clf.problem_)
        truth, weight = clf._encoding.encode(y_val, "y_val"), None
    elif clf._held_out_predictions is not None:
        source, truth, weight = clf._held_out_predictions
    else:
        raise ValueError(
            "method='bbse' needs labelled samples the model was not fitted on, to "
            "estimate its confusion matrix: pass X_val=..., y_val=... (or fit with "
            "threshold='auto', whose out-of-fold scores are used)."
        )
    target = _default_predictions(target_scores, clf.problem_)
    if clf.problem_ != "multilabel":
        return bbse_priors(
            target, source, truth, len(clf.classes_), clf.priors_, sample_weight=weight
        )
    out, ok, notes = np.empty(len(clf.classes_)), True, []
    for j, label in enumerate(clf.classes_):
        train = np.array([1 - clf.priors_[j], clf.priors_[j]])
        pri, good, note = bbse_priors(
            target[:, j].astype(np.intp),
            source[:, j].astype(np.intp),
            np.asarray(truth)[:, j],
            2,
            train,
            sample_weight=weight,
        )
        out[j], ok = pri[1], ok and good
        if note:
            notes.append(f"{label!r}: {note}")
    return out, ok, "; ".join(notes)


def _own_copy(value: Any) -> Any:
    """A parameter value that shares nothing mutable with ``value``."""
    if callable(value) and not hasattr(value, "get_params"):
        return value  # a function: nothing to copy
    try:
        return clone(value, safe=False)
    except Exception:  # an object neither clone nor deepcopy can copy: shared
        return value


def adapt_priors(
    clf: ProbabilisticLabelClassifier,
    X: Any,
    *,
    method: str,
    X_val: Any,
    y_val: Any,
    tol: float,
    max_iter: int,
) -> ProbabilisticLabelClassifier:
    """:meth:`ProbabilisticLabelClassifier.adapt_priors`."""
    clf._check_fitted()
    if clf.priors_ is None:
        raise ValueError(
            "adapt_priors re-weights from the training priors, which a fit on Dask "
            "inputs does not count; pass train_priors=... (the class frequencies of "
            "the training data) and fit again."
        )
    if method not in ("em", "bbse"):
        raise ValueError(
            f"method must be 'em' (Saerens et al., 2002) or 'bbse' (black-box shift "
            f"estimation, Lipton et al., 2018), got {method!r}."
        )
    _refuse_dask("adapt_priors", X, X_val, y_val)
    scores = clf._scores(X)
    if method == "em":
        proba = probabilities(scores, clf.problem_, "priors")
        priors, n_iter, converged, history = em_priors(
            proba, clf.priors_, clf.problem_, tol=tol, max_iter=max_iter
        )
        detail = "" if converged else f"no convergence to tol={tol:g} in {n_iter}"
    else:
        priors, converged, detail = _bbse(clf, scores, X_val, y_val)
        n_iter, history = 1, []
    priors = keep_certain(priors, clf.priors_, clf.problem_)
    estimate = PriorEstimate(
        priors=priors,
        classes=clf.classes_,
        method=method,
        n_iter=n_iter,
        converged=converged,
        train_priors=clf.priors_.copy(),
        history=history,
        detail=detail,
    )
    adapted = copy.copy(clf)
    # Its own parameters: set_params on the copy (estimator__C=...) must not reach
    # this classifier, nor its next fit. The fitted state stays shared.
    for name, value in clf.get_params(deep=False).items():
        setattr(adapted, name, _own_copy(value))
    adapted._decision_cache = [None]  # its own: the priors differ
    adapted.priors = priors.copy()
    adapted.prior_estimate_ = estimate
    return adapted
