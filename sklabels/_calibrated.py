"""Cut-offs read off a calibrated curve: the objective at expected counts.

The exact optimum follows each held-out label: move a few rows across the cut and
the cut moves. Replace each row's 0/1 truth by its probability under a
two-parameter logistic calibration of its score (Platt scaling: the truth
regressed on the score's log-odds, or on the score itself for margins and
logits), and the confusion counts at every cut become expected counts: a smooth
curve, whose top moves little with the rows drawn. That top is biased where the
calibration's shape is wrong (a boosted model's scores can bend away from a
logistic curve); the bagged exact optimum (:mod:`sklabels._bagging`) is not, but
moves more. ``tuning="robust"`` takes the midpoint of the two.

Expected counts are a weighted sweep: each row counts as a positive of weight
``w q`` and as a negative of weight ``w (1 - q)``, summed over the rows of each
distinct score, and the best cut is read off them as the exact tuner reads it
(:func:`~sklabels._sweep.grouped_best_cut`, also behind each bootstrap resample).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from scipy.linalg import LinAlgWarning
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from ._sweep import grouped_best_cut

# Nearly unpenalized: the two parameters are what the held-out rows say. On
# separable rows the fitted curve steepens toward the 0/1 truth itself.
_C = 1e6
_EDGE = 1e-6  # probabilities are clipped to [_EDGE, 1 - _EDGE] before the log-odds
# Two parameters need no more rows than this per class: above, the fit takes
# every k-th row of the class in score order (a systematic sample keeping the
# scores' spread), weighted up to the class's total weight, so its cost stays
# bounded and a rare class keeps every row.
FIT_ROWS = 20_000


def calibrated_truth(
    column: np.ndarray, hits: np.ndarray, weight: np.ndarray, proba: bool
) -> np.ndarray | None:
    """Each row's probability of being positive under a logistic calibration of
    ``column`` fitted to ``hits`` (weighted), or None where no calibration can be
    fitted (no positive or no negative of positive weight, or a single score).

    The rows come in an order set by their contents (:func:`calibrated_cuts`
    sorts them), so rows given in another order give the same curve, to the last
    bit. Only the weights' relative sizes matter.
    """
    kept = weight > 0
    if not (hits[kept].any() and (~hits[kept]).any()):
        return None
    if proba:
        clipped = np.clip(column, _EDGE, 1.0 - _EDGE)
        z = np.log(clipped) - np.log1p(-clipped)
    else:
        z = np.asarray(column, dtype=np.float64)
    largest = np.abs(z[kept]).max()  # scaled first: margins near 1e300 stay finite
    if not np.isfinite(largest) or largest == 0.0:
        return None
    z = z / largest
    spread = z[kept].std()
    if spread == 0.0:
        return None
    z = ((z - z[kept].mean()) / spread)[:, None]
    rows, fit_weight = [], []
    for members in (np.flatnonzero(kept & hits), np.flatnonzero(kept & ~hits)):
        taken = members[:: -(-len(members) // FIT_ROWS)]
        rows.append(taken)
        fit_weight.append(weight[taken] * (weight[members].sum() / weight[taken].sum()))
    rows, fit_weight = np.concatenate(rows), np.concatenate(fit_weight)
    # The penalty is relative to the summed weight: weights scaled to mean 1.
    fit_weight = fit_weight / fit_weight.mean()
    # Newton steps: two parameters, many rows, converged to the maximum likelihood
    model = LogisticRegression(C=_C, solver="newton-cholesky", tol=1e-8, max_iter=100)
    with warnings.catch_warnings():
        # separable rows: the curve steepens toward the 0/1 truth, as intended
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", LinAlgWarning)
        model.fit(z[rows], hits[rows], sample_weight=fit_weight)
    return model.predict_proba(z)[:, 1]


def calibrated_cuts(
    values: np.ndarray,
    truth: np.ndarray,
    weight: np.ndarray,
    *,
    objective: Any,
    name: str,
    proba: bool,
    micro: bool,
) -> np.ndarray:
    """Each column's best cut at expected counts under its own calibration.

    ``values`` (n, c) scores, ``truth`` (n, c) bool, ``weight`` (n,). ``micro``:
    one cut shared by the columns, tuned on their pooled cells (each column's
    cells with its own calibration; a column none fits with its 0/1 truth). NaN
    where a column cannot be calibrated (micro: where none can).
    """
    c = values.shape[1]
    columns, fitted = [], []
    for j in range(c):
        # The rows in an order set by their contents, not by their positions.
        order = np.lexsort((weight, truth[:, j], values[:, j]))
        column, hits, w = values[order, j], truth[order, j], weight[order]
        q = calibrated_truth(column, hits, w, proba)
        fitted.append(q is not None)
        columns.append((column, hits.astype(np.float64) if q is None else q, w))
    if micro:
        if not any(fitted):
            return np.full(c, np.nan)
        # A column no calibration fits (no positive, or one score) counts as it is.
        column, q, w = (np.concatenate(part) for part in zip(*columns, strict=True))
        cells = np.lexsort((w, q, column))  # the columns' order does not matter
        shared = _expected_cut(
            column[cells], q[cells], w[cells], objective, name, proba
        )
        return np.full(c, shared)
    cuts = np.full(c, np.nan)
    for j, (column, q, w) in enumerate(columns):
        if fitted[j]:
            cuts[j] = _expected_cut(column, q, w, objective, name, proba)
    return cuts


def _expected_cut(column, q, weight, objective, name, proba) -> float:
    """The exact best cut of ``column`` with each row a positive of weight
    ``weight * q`` and a negative of weight ``weight * (1 - q)``: the rows grouped
    by score once, the expected counts summed per group."""
    distinct, group = np.unique(column, return_inverse=True)
    return float(
        grouped_best_cut(
            distinct, group, q, weight, objective=objective, name=name, proba=proba
        )
    )
