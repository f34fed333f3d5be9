"""``fit`` on Dask inputs: a frozen (pre-trained) model, its thresholds tuned
exactly on the scores of every partition.

The estimator's own steps run in ``_prepare`` (the frozen model, the classes from
one reduction over ``y``, the decision options, the network output pinned on a
first block) and the outcome is stored in ``_store``; between them,
``tune_frozen`` works on values only: the row blocks, the encoding and a scoring
function, as the in-memory fit's tuning step does.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

import numpy as np
from sklearn.frozen import FrozenEstimator

from .._cost_estimator import fit_priors
from .._frozen import outside_single_column, pin_network_output
from .._objectives import CostMatrix
from .._scores import Scores
from ._blocks import aligned_blocks
from ._target import reduce_target
from ._tune import tune_blocks


@dataclass(frozen=True)
class FitOutcome:
    """What a fit on Dask inputs tunes: no thresholds (and no evidence) when the
    decision is fixed."""

    thresholds: Any = None
    best_score: float | None = None
    cv_results: dict | None = None


def fit(clf: Any, X: Any, y: Any, fit_params: dict) -> Any:
    """``fit`` with Dask ``X`` and ``y``: a frozen (pre-trained) model, its
    thresholds tuned exactly on the scores of every partition."""
    blocks, encoding, plan, sample = _prepare(clf, X, y, fit_params)
    outcome = FitOutcome()
    if plan.objective is not None:
        outcome = tune_frozen(
            blocks,
            partial(_estimator_scores, model=clf),
            encoding,
            sample,
            pos_index=plan.pos_index,
            scoring=clf.scoring,
            average=clf.average,
            keep_curves=clf.store_cv_results,
        )
    return _store(clf, encoding, outcome)


def _prepare(clf: Any, X: Any, y: Any, fit_params: dict) -> tuple:
    """The estimator's steps before tuning, in the order of the in-memory fit:
    row blocks of ``(X, y, sample_weight)``, the target encoding, the fit plan, and
    the model's scores of a first block (the kind every block's scores have)."""
    clf._forget_last_fit()
    if not isinstance(clf.estimator, FrozenEstimator):
        raise TypeError(
            f"fit on Dask inputs tunes the thresholds of a pre-trained model; "
            f"{type(clf.estimator).__name__} would have to be fitted on X here, "
            f"which sklabels does not do out of memory. Train it (on a sample, or "
            f"with dask-ml), then pass FrozenEstimator(model)."
        )
    clf._check_frozen_is_fitted()
    weight = fit_params.get("sample_weight")
    blocks = aligned_blocks(X, y, weight)
    encoding = reduce_target(
        [b[1] for b in blocks], problem=clf.problem, classes=clf._frozen_classes()
    )
    clf.classes_, clf.problem_ = encoding.classes, encoding.problem
    clf.priors_ = None
    if clf.train_priors is not None:
        clf.priors_ = fit_priors(clf, None, None)
    plan = clf._check_decision_options()
    _check_plan(plan, clf.scoring, clf.tuning)
    clf.estimator_ = clf._fit_clone(None, None, {})  # frozen: nothing is fitted
    first = _first_rows(blocks)
    pin_network_output(clf, first)
    clf._outside_single_column = outside_single_column(clf, first)
    clf._current_pos_index(clf._decision_params())  # refuses before tuning
    sample = clf._scores(first)
    clf._tuned_thresholds = clf._tuned_reject = None
    return blocks, encoding, plan, sample


def _check_plan(plan: Any, scoring: Any, tuning: str) -> None:
    """What a fit on Dask inputs cannot tune: cost offsets, robust tuning and the
    reject level need the scores in memory."""
    if plan.objective is not None and isinstance(scoring, CostMatrix):
        raise ValueError(
            "scoring=CostMatrix(...) tunes per-action offsets on the scores in "
            "memory, which Dask inputs do not give; fit on NumPy or pandas inputs "
            "(e.g. a computed sample), or pick a threshold objective such as "
            "scoring='f1' with Dask inputs."
        )
    if plan.objective is not None and tuning != "exact":
        raise ValueError(
            f"threshold='auto' on Dask inputs tunes the thresholds exactly from "
            f"merged counts (tuning='exact' with a threshold objective); "
            f"tuning={tuning!r} with scoring={scoring!r} needs the scores "
            f"in memory. Set tuning='exact', or fit on NumPy or pandas inputs."
        )
    if plan.reject_auto:
        raise ValueError(
            "reject_threshold='auto' is tuned in memory: fit on NumPy or pandas "
            "inputs, or set a fixed reject_threshold with Dask inputs."
        )


def tune_frozen(
    blocks: list[tuple],
    score: Any,
    encoding: Any,
    sample: Scores,
    *,
    pos_index: int,
    scoring: Any,
    average: str,
    keep_curves: bool,
) -> FitOutcome:
    """The thresholds tuned exactly on ``score`` of every block of X (whose scores
    are of the kind of ``sample``): the pooled optimum (per-fold evidence needs the
    rows in memory)."""
    result = tune_blocks(
        blocks,
        score,
        encoding,
        pos_index=pos_index,
        kind=sample.kind,
        logits=sample.logits,
        scoring=scoring,
        average=average,
        keep_curves=keep_curves,
    )
    cv_results = {
        "classes": np.asarray(list(result.class_scores), dtype=object),
        "tuning": "exact",
        "thresholds": np.atleast_1d(result.thresholds).astype(float),
        "pooled_thresholds": np.atleast_1d(result.thresholds).astype(float),
    }
    if keep_curves:
        cv_results["curves"] = result.curves
    return FitOutcome(result.thresholds, result.best_score, cv_results)


def _store(clf: Any, encoding: Any, outcome: FitOutcome) -> Any:
    """The outcome as the estimator's fitted state (the encoding last)."""
    if outcome.cv_results is not None:
        clf.best_score_ = outcome.best_score
        clf.cv_results_ = outcome.cv_results
        clf._tuned_thresholds = outcome.thresholds
    clf._record_fit(encoding, None, True)
    return clf


def _first_rows(blocks: list[tuple]) -> Any:
    """The first non-empty block of X, computed (a network's output kind)."""
    import dask

    for block in blocks:
        rows = dask.compute(block[0])[0]
        if len(rows):
            return rows
    return rows


def _estimator_scores(block: Any, *, model) -> Scores:
    return model._scores(block)
