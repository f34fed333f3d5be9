"""``fit`` on Dask inputs: a frozen (pre-trained) model, its thresholds tuned
exactly on the scores of every partition.

The same steps as the in-memory fit (``sklabels._fit``), on values: the classes
from one reduction over ``y``, the fit plan, the network output pinned on a first
block, then the exact tuning over blocks; the result is the same ``FitOutcome``,
which the estimator stores itself.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Any

import numpy as np
from sklearn.frozen import FrozenEstimator

from .._decision import Tuned, pos_index_of
from .._fit import (
    FitOutcome,
    check_frozen_is_fitted,
    fit_clone,
    fit_priors,
    frozen_classes,
    plan_fit,
)
from .._fitted import FittedLabels
from .._frozen import outside_single_column, pin_network_output
from .._objectives import CostMatrix
from .._scores import Scores
from ._bands import fit_bands
from ._blocks import aligned_blocks
from ._target import reduce_target
from ._tune import tune_blocks


def fit(params: dict, X: Any, y: Any, fit_params: dict) -> FitOutcome:
    """``fit`` with Dask ``X`` and ``y`` (``params``: the estimator's parameters):
    a frozen (pre-trained) model, its thresholds tuned exactly on the scores of
    every partition; the same ``FitOutcome`` as an in-memory fit."""
    estimator = params["estimator"]
    if not isinstance(estimator, FrozenEstimator):
        raise TypeError(
            f"fit on Dask inputs tunes the thresholds of a pre-trained model; "
            f"{type(estimator).__name__} would have to be fitted on X here, "
            f"which sklabels does not do out of memory. Train it (on a sample, or "
            f"with dask-ml), then pass FrozenEstimator(model)."
        )
    check_frozen_is_fitted(estimator)
    weight = fit_params.get("sample_weight")
    blocks = aligned_blocks(X, y, weight)
    encoding = reduce_target(
        [b[1] for b in blocks],
        problem=params["problem"],
        classes=frozen_classes(estimator, params["classes"]),
    )
    priors = None
    if params["train_priors"] is not None:
        priors = fit_priors(params["train_priors"], encoding, None, None)
    plan = plan_fit(params, encoding, priors)
    _check_plan(plan, params["scoring"], params["tuning"])
    model = fit_clone(estimator, None, None, {}, encoding.problem)  # frozen
    fitted = FittedLabels(model, encoding, plan.response_method, priors)
    first = _first_rows(blocks)
    fitted = replace(fitted, network_output=pin_network_output(fitted, first))
    fitted = replace(fitted, single_column=outside_single_column(fitted, first))
    tuned = Tuned(plan.pos_index, params["pos_label"])
    pos_index_of(params, fitted, tuned)  # refuses before tuning
    outcome = FitOutcome(fitted, tuned)
    if plan.bands is not None:  # exact, from mergeable summaries (_bands)
        bands = fit_bands(
            plan.bands,
            blocks,
            fitted=fitted,
            encoding=encoding,
            pos_index=plan.pos_index,
            first=first,
        )
        outcome.tuned = replace(tuned, bands=bands, bands_for=plan.bands)
    if plan.objective is None:
        return outcome
    sample = fitted.scores(first)  # the kind every block's scores have
    result = tune_blocks(
        blocks,
        partial(_estimator_scores, fitted=fitted),
        encoding,
        pos_index=plan.pos_index,
        kind=sample.kind,
        logits=sample.logits,
        scoring=params["scoring"],
        average=params["average"],
        keep_curves=params["store_cv_results"],
    )
    outcome.best_score = result.best_score
    # The pooled exact optimum; per-fold evidence needs the rows in memory.
    outcome.cv_results = {
        "classes": np.asarray(list(result.class_scores), dtype=object),
        "tuning": "exact",
        "thresholds": np.atleast_1d(result.thresholds).astype(float),
        "pooled_thresholds": np.atleast_1d(result.thresholds).astype(float),
    }
    if params["store_cv_results"]:
        outcome.cv_results["curves"] = result.curves
    outcome.tuned = replace(tuned, thresholds=result.thresholds)
    return outcome


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


def _first_rows(blocks: list[tuple]) -> Any:
    """The first non-empty block of X, computed (a network's output kind)."""
    import dask

    for block in blocks:
        rows = dask.compute(block[0])[0]
        if len(rows):
            return rows
    return rows


def _estimator_scores(block: Any, *, fitted) -> Scores:
    return fitted.scores(block)
