"""Decisions by cost: cost matrices, the Bayes rule, and an abstain action.

``C[t, a]`` is the cost of predicting ``a`` when the truth is ``t``. The Bayes rule
predicts the action of least expected cost, ``argmin_a sum_t p_t C[t, a]``; with
``reject_cost=c`` abstaining is one more action, costing ``c`` whatever the truth.
Multilabel problems take one 2x2 matrix per label (rows and columns: off, on).

Forms of ``costs``: a ``(k, k)`` array in class order, a DataFrame indexed and
labelled by class names (any order), a dict of dicts ``{true: {predicted: cost}}``;
per sample, an ``(n, k, k)`` array or a callable ``costs(X) -> (n, k, k)``.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import expit, softmax

from ._rules import apply_rule
from ._scores import PROBA, Scores
from ._targets import contains_label, is_unnamed, label_codes, name_codes
from ._text import preview, to_python


def _is_frame(value: Any) -> bool:
    return hasattr(value, "columns") and hasattr(value, "index")


def _label_keys(keys: list, classes: np.ndarray, name: str) -> np.ndarray:
    array = np.empty(len(keys), dtype=object)
    array[:] = keys
    return label_codes(array, classes, name)


def _from_frame(frame: Any, classes: np.ndarray, name: str) -> np.ndarray:
    """A cost DataFrame: rows are the true classes, columns the predicted ones."""
    values = np.asarray(frame.to_numpy())
    if is_unnamed(frame.columns) and is_unnamed(frame.index):
        return values  # pandas' default 0..k-1 labels: positions, as an array
    k = len(classes)
    rows = name_codes(list(frame.index), classes)
    cols = name_codes(list(frame.columns), classes)
    for codes, axis, names in (
        (rows, "index (true classes)", frame.index),
        (cols, "columns (predicted classes)", frame.columns),
    ):
        if codes is None or len(codes) != k or len(set(codes.tolist())) != k:
            raise ValueError(
                f"the {axis} of the {name} DataFrame {preview(list(names))} must name "
                f"each class {preview(classes)} once; rows are matched to classes by "
                f"name, never by position. Rename them, or pass a ({k}, {k}) array "
                f"in class order."
            )
    out = np.empty((k, k), dtype=object)
    out[np.ix_(rows, cols)] = values
    return out


def _from_dict(costs: Mapping, classes: np.ndarray, name: str) -> np.ndarray:
    """``{true: {predicted: cost}}``: every off-diagonal pair; the diagonal defaults
    to 0 (a right answer costs nothing unless said)."""
    k = len(classes)
    out = np.zeros((k, k), dtype=object)
    given = np.eye(k, dtype=bool)
    rows = _label_keys(list(costs), classes, f"the keys of {name}")
    for row, inner in zip(rows, costs.values(), strict=True):
        if not isinstance(inner, Mapping):
            raise TypeError(
                f"{name} as a dict maps each true class to a dict {{predicted: cost}}; "
                f"got {inner!r} for {to_python(classes[row])!r}."
            )
        cols = _label_keys(list(inner), classes, f"the keys of {name}")
        for col, value in zip(cols, inner.values(), strict=True):
            out[row, col] = value
            given[row, col] = True
    missing = [
        f"{to_python(classes[t])!r} -> {to_python(classes[a])!r}"
        for t, a in zip(*np.nonzero(~given), strict=True)
    ]
    if missing:
        raise ValueError(
            f"{name} does not give the cost of {', '.join(missing[:6])} (true -> "
            f"predicted). Give every pair of different classes; a right answer "
            f"costs 0 unless given."
        )
    return out


def _numbers(values: Any, name: str) -> np.ndarray:
    """A float array of finite, non-negative costs, or a clear error."""
    if isinstance(values, list | tuple) and any(
        isinstance(v, bool | np.bool_) for v in np.ravel(np.asarray(values, object))
    ):
        raise TypeError(f"{name} must hold numbers, not True/False.")
    try:
        dtype = np.asarray(values).dtype
    except (TypeError, ValueError):  # ragged: the float conversion says so below
        dtype = np.dtype(object)
    if dtype.kind == "c":
        raise TypeError(
            f"{name} has complex dtype {dtype}; costs must be real numbers. Pass "
            f"their real part (np.real(...)) if the imaginary parts are 0."
        )
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"{name} must hold numbers (costs), got {preview(np.ravel(values))}."
        ) from None
    if not np.isfinite(array).all():
        raise ValueError(
            f"{name} contains NaN or infinite values; every cost must be a finite "
            f"number (0 for a right answer)."
        )
    if (array < 0).any():
        raise ValueError(
            f"{name} contains negative costs (smallest {array.min():g}); costs must "
            f"be >= 0. To state a gain, subtract it from every cost of its true class "
            f"instead (the decisions stay the same)."
        )
    return array


def check_costs(
    costs: Any,
    classes: np.ndarray,
    problem: str,
    *,
    n_samples: int | None = None,
    name: str = "costs",
) -> np.ndarray:
    """Validate ``costs`` against the classes; the matrix in class order.

    Single-label: ``(k, k)``, or ``(n, k, k)`` per sample. Multilabel: ``(k, 2, 2)``,
    or ``(n, k, 2, 2)`` per sample. ``n_samples``: the rows a per-sample matrix must
    have (None: any).
    """
    k = len(classes)
    if callable(costs) and not _is_frame(costs):
        raise TypeError(
            f"{name} is a function of X, which needs the samples: use it with "
            f"ProbabilisticLabelClassifier(costs=...), or pass its (n, {k}, {k}) "
            f"result here."
        )
    if problem == "multilabel":
        return _multilabel_costs(costs, classes, n_samples, name)
    if _is_frame(costs):
        costs = _from_frame(costs, classes, name)
    elif isinstance(costs, Mapping):
        costs = _from_dict(costs, classes, name)
    array = _numbers(costs, name)
    if array.shape == (k, k):
        return array
    if array.ndim == 3 and array.shape[1:] == (k, k):
        _check_rows(array, n_samples, name)
        return array
    rows = n_samples if n_samples is not None and n_samples > 0 else "n"
    raise ValueError(
        f"{name} has shape {array.shape}, but there are {k} classes "
        f"{preview(classes)}: pass a ({k}, {k}) matrix C[true, predicted] in that "
        f"order (or a DataFrame / dict of dicts keyed by class), or ({rows}"
        f", {k}, {k}) costs per sample."
    )


def _check_rows(array: np.ndarray, n_samples: int | None, name: str) -> None:
    if n_samples is not None and n_samples < 0:
        raise ValueError(
            f"{name} of shape {array.shape} are costs per sample, but the "
            f"classifier applies its costs to any X, whose rows they cannot follow "
            f"(a permuted X would get another row's costs). Pass a function of X "
            f"instead: costs=lambda X: ..., returning one matrix per row of X."
        )
    if n_samples is not None and len(array) != n_samples:
        raise ValueError(
            f"{name} gives costs for {len(array)} samples, but there are {n_samples}: "
            f"per-sample costs need one matrix per row of the scores (or of X)."
        )


def _multilabel_costs(
    costs: Any, classes: np.ndarray, n_samples: int | None, name: str
) -> np.ndarray:
    """Per-label 2x2 matrices ``C[truth, predicted]`` (index 0: off, 1: on)."""
    k = len(classes)
    if isinstance(costs, Mapping):
        out = np.tile(np.array([[0.0, 1.0], [1.0, 0.0]]), (k, 1, 1))
        codes = _label_keys(list(costs), classes, f"the keys of {name}")
        for code, value in zip(codes, costs.values(), strict=True):
            matrix = _numbers(value, f"{name}[{to_python(classes[code])!r}]")
            if matrix.shape != (2, 2):
                raise ValueError(
                    f"{name}[{to_python(classes[code])!r}] must be a 2x2 matrix "
                    f"[[true negative, false positive], [false negative, true "
                    f"positive]] costs, got shape {matrix.shape}."
                )
            out[code] = matrix
        return out
    array = _numbers(costs, name)
    if array.shape == (2, 2):
        return np.tile(array, (k, 1, 1))
    if array.shape == (k, 2, 2):
        return array
    if array.ndim == 4 and array.shape[1:] == (k, 2, 2):
        _check_rows(array, n_samples, name)
        return array
    raise ValueError(
        f"{name} has shape {array.shape}, but a multilabel problem with {k} labels "
        f"takes 2x2 costs per label: one (2, 2) matrix for all, ({k}, 2, 2), a dict "
        f"{{label: 2x2}}, or (n, {k}, 2, 2) per sample. Rows are the truth (off, on), "
        f"columns the prediction."
    )


def check_reject_cost(reject_cost: Any, problem: str) -> float | None:
    """A finite cost >= 0 of abstaining; single-label problems only."""
    if reject_cost is None:
        return None
    if (
        not isinstance(reject_cost, numbers.Real)
        or isinstance(reject_cost, bool | np.bool_)
        or not np.isfinite(reject_cost)
        or reject_cost < 0
    ):
        raise ValueError(
            f"reject_cost must be a finite number >= 0 (the cost of abstaining, "
            f"whatever the truth), got {reject_cost!r}."
        )
    if problem == "multilabel":
        raise ValueError(
            "reject_cost applies to single-label problems (binary, multiclass); in a "
            "multilabel problem each label is on or off, with its own 2x2 costs."
        )
    return float(reject_cost)


@dataclass(frozen=True)
class CostRule:
    """A resolved cost decision: the matrix (or how to get it), abstention, offsets.

    ``matrix`` is the validated shared matrix, or None when ``source`` is a callable
    of ``X`` (per-sample costs, validated at each call). ``offsets`` are tuned
    per-action offsets on the negated expected cost (None: the plug-in Bayes rule).
    """

    matrix: np.ndarray | None
    reject_cost: float | None = None
    source: Callable | None = None
    offsets: np.ndarray | None = None

    def matrix_for(
        self, X: Any, n_samples: int, classes: np.ndarray, problem: str
    ) -> np.ndarray:
        """The cost matrix for these samples (shared, or one per sample)."""
        if self.source is None:
            return self.matrix
        if X is None:
            raise ValueError(
                "these costs are a function of X, but no samples were given."
            )
        return check_costs(
            self.source(X),
            classes,
            problem,
            n_samples=n_samples,
            name=f"costs(X) (from {getattr(self.source, '__name__', 'the function')})",
        )


def resolve_cost_rule(
    costs: Any,
    reject_cost: Any,
    classes: np.ndarray,
    problem: str,
    *,
    n_samples: int | None = None,
    name: str = "costs",
) -> CostRule:
    """Validate ``costs`` and ``reject_cost`` (no costs: 0/1 loss, Chow's rule).

    ``n_samples``: the rows a per-sample cost array must have (None: any; -1: none
    allowed, for an estimator whose costs apply to any ``X``).
    """
    reject = check_reject_cost(reject_cost, problem)
    if callable(costs) and not _is_frame(costs):
        return CostRule(None, reject, source=costs)
    if costs is None:
        costs = 1.0 - np.eye(len(classes))
    matrix = check_costs(costs, classes, problem, n_samples=n_samples, name=name)
    return CostRule(matrix, reject)


def probabilities(scores: Scores, problem: str, what: str = "costs") -> np.ndarray:
    """The probabilities behind validated scores (from logits if need be)."""
    if scores.kind == PROBA:
        return scores.values.astype(np.float64, copy=False)
    if not scores.logits:
        raise ValueError(
            f"{what} need probabilities, but the model only gives decision scores. "
            f"Use response_method='predict_proba', or calibrate the model first: "
            f"CalibratedClassifierCV(model)."
        )
    if problem == "multiclass":
        return softmax(scores.values.astype(np.float64), axis=1)
    return expit(scores.values.astype(np.float64))


def expected_costs(
    proba: np.ndarray, matrix: np.ndarray, reject_cost: float | None = None
) -> np.ndarray:
    """``R[i, a] = sum_t p_it C[t, a]`` (single-label), abstention as a last column.

    Each row of ``C`` is first lowered by its largest entry (the same amount for
    every action of a true class, so the decisions do not change): 0/1 costs then
    give ``-p`` exactly, and their rule is exactly argmax.
    """
    shift = matrix.max(axis=-1)
    relative = matrix - shift[..., None]
    if matrix.ndim == 2:
        risk = proba @ relative
        base = proba @ shift
    else:
        risk = np.einsum("nt,nta->na", proba, relative)
        base = np.einsum("nt,nt->n", proba, shift)
    if reject_cost is None:
        return risk
    return np.column_stack([risk, reject_cost - base])


def realized_costs(
    truth: np.ndarray, matrix: np.ndarray, reject_cost: float | None = None
) -> np.ndarray:
    """``L[i, a] = C[y_i, a]``: what each action would have cost on sample ``i``."""
    truth = np.asarray(truth, dtype=np.intp)
    rows = truth if matrix.ndim == 2 else (np.arange(len(truth)), truth)
    loss = matrix[rows]
    if reject_cost is None:
        return loss
    return np.column_stack([loss, np.full(len(truth), reject_cost)])


def binary_cut(matrix: np.ndarray, pos_index: int) -> float | None:
    """The threshold on ``p = p(pos)`` that is the Bayes rule of a 2x2 matrix, if any.

    Positive is not dearer iff ``(1 - p) a <= p b``, i.e. ``p >= a / (a + b)``, with
    ``a`` the extra cost of a false positive over a true negative and ``b`` that of a
    false negative over a true positive. None where that is no threshold rule.
    """
    neg = 1 - pos_index
    a = matrix[neg, pos_index] - matrix[neg, neg]
    b = matrix[pos_index, neg] - matrix[pos_index, pos_index]
    if a < 0 or b < 0 or a + b <= 0:
        return None
    return float(a / (a + b))


def _argbest(gain: np.ndarray, order: np.ndarray | None) -> np.ndarray:
    """Column of the largest gain per row, ties to the first in ``order``."""
    if order is None:
        return np.argmax(gain, axis=1)
    return order[np.argmax(gain[:, order], axis=1)]


def cost_codes(
    scores: Scores,
    *,
    problem: str,
    rule: CostRule,
    classes: np.ndarray,
    pos_index: int = 1,
    X: Any = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Codes (or the multilabel indicator) of the least expected cost, rejected rows.

    Ties: to the positive class (binary, as the threshold rule ``>=``), else to the
    first class in order; abstention only when strictly cheaper than every class.
    """
    n = len(scores.values)
    matrix = rule.matrix_for(X, n, classes, problem)
    if problem == "multilabel":
        return _multilabel_codes(scores, matrix, rule.offsets), None
    plain = rule.reject_cost is None and rule.offsets is None and matrix.ndim == 2
    if problem == "binary" and plain:
        cut = binary_cut(matrix, pos_index)
        if cut is not None:  # exactly the threshold rule, also on logits
            return apply_rule(
                scores, problem="binary", thresholds=cut, pos_index=pos_index
            )
    proba = probabilities(scores, problem)
    gain = -expected_costs(proba, matrix, rule.reject_cost)
    if rule.offsets is not None:
        gain = gain + rule.offsets
    k = len(classes)
    order = None
    if problem == "binary" and rule.offsets is None:
        order = np.array([pos_index, 1 - pos_index, *range(2, gain.shape[1])])
    action = _argbest(gain, order)
    if rule.reject_cost is None:
        return action.astype(np.intp), None
    rejected = action == k
    codes = _argbest(gain[:, :k], None if order is None else order[:k])
    return codes.astype(np.intp), rejected


def multilabel_expected(proba: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Per label, expected cost of off and of on: shape ``(n, k, 2)``."""
    off = 1.0 - proba
    # matrix[..., t, a]: broadcast (k, 2, 2) or (n, k, 2, 2) against (n, k).
    cost_off = off * matrix[..., 0, 0] + proba * matrix[..., 1, 0]
    cost_on = off * matrix[..., 0, 1] + proba * matrix[..., 1, 1]
    return np.stack([cost_off, cost_on], axis=-1)


def _multilabel_codes(
    scores: Scores, matrix: np.ndarray, offsets: np.ndarray | None
) -> np.ndarray:
    """Label ``j`` on iff it is not dearer than off (``+ offsets[j]`` when tuned)."""
    if matrix.ndim == 3 and offsets is None:
        cuts = []
        for m in matrix:
            a, b = m[0, 1] - m[0, 0], m[1, 0] - m[1, 1]
            if a <= 0 and b >= 0:
                cuts.append(0.0)  # on is never dearer
            elif a + b > 0 and a >= 0 and b >= 0:
                cuts.append(a / (a + b))
            else:
                cuts.append(np.nan)
        cuts = np.asarray(cuts)
        if not np.isnan(cuts).any():
            return apply_rule(scores, problem="multilabel", thresholds=cuts)[0]
    risk = multilabel_expected(probabilities(scores, "multilabel"), matrix)
    margin = risk[..., 0] - risk[..., 1]
    if offsets is not None:
        margin = margin + offsets
    return margin >= 0


def total_costs(
    truth: np.ndarray,
    codes: np.ndarray,
    rejected: np.ndarray | None,
    matrix: np.ndarray,
    reject_cost: float | None,
    problem: str,
) -> np.ndarray:
    """The cost of each sample's prediction given its truth."""
    if problem == "multilabel":
        truth = np.asarray(truth, dtype=np.intp)
        codes = np.asarray(codes, dtype=np.intp)
        if matrix.ndim == 3:
            per_label = matrix[np.arange(matrix.shape[0]), truth, codes]
        else:
            n, k = truth.shape
            rows = np.arange(n)[:, None]
            per_label = matrix[rows, np.arange(k), truth, codes]
        return per_label.sum(axis=1)
    loss = realized_costs(truth, matrix, reject_cost)
    out = loss[np.arange(len(codes)), codes]
    if rejected is not None:
        if reject_cost is None:
            raise ValueError(
                "some predictions abstain (reject_label), but no reject_cost says "
                "what abstaining costs; pass reject_cost=..."
            )
        out = np.where(rejected, reject_cost, out)
    return out


def check_cost_options(
    *,
    costs: Any,
    reject_cost: Any,
    reject_label: Any,
    threshold: Any,
    reject_threshold: Any,
    classes: np.ndarray,
) -> None:
    """Costs replace thresholds and the reject threshold; abstaining needs a label."""
    if costs is None and threshold is not None:
        raise ValueError(
            f"reject_cost={reject_cost!r} decides by expected cost (every error "
            f"costing 1), so threshold={threshold!r} would be a second rule; pass one "
            f"of them, or reject_threshold=... to abstain under the threshold rule."
        )
    if costs is None and reject_threshold is not None:
        raise ValueError(
            f"reject_cost={reject_cost!r} and reject_threshold={reject_threshold!r} "
            f"are two ways to abstain; pass one: reject_threshold abstains below a "
            f"winning probability, reject_cost where abstaining is cheapest."
        )
    if threshold is not None:
        raise ValueError(
            f"costs and threshold={threshold!r} are two decision rules; pass one. "
            f"(The Bayes rule of a 2x2 cost matrix is the threshold "
            f"c_fp / (c_fp + c_fn); to tune the decisions for costs, use "
            f"threshold='auto' with scoring=CostMatrix(costs).)"
        )
    if reject_threshold is not None:
        raise ValueError(
            f"reject_threshold={reject_threshold!r} abstains on the winning "
            f"probability, but here costs decide; pass reject_cost=... (the cost of "
            f"abstaining) instead, and abstention is taken where it is cheapest."
        )
    if reject_cost is not None:
        if reject_label is None:
            raise ValueError(
                f"reject_cost={reject_cost!r} needs reject_label, the label to "
                f"predict when abstaining is cheapest, e.g. reject_label='refer' or -1."
            )
        if contains_label(classes, reject_label):
            raise ValueError(
                f"reject_label={reject_label!r} is one of the classes "
                f"{preview(classes)}; choose a label that no class uses."
            )


def _weighted_mean(values: np.ndarray, weight: np.ndarray | None) -> float:
    if weight is None:
        return float(np.mean(values)) if len(values) else 0.0
    return float(np.average(values, weights=weight))


def tune_cost_rule(
    scores: Scores,
    truth: np.ndarray,
    *,
    problem: str,
    classes: np.ndarray,
    pos_index: int,
    costs: Any,
    reject_cost: Any,
    X: Any = None,
    sample_weight: np.ndarray | None = None,
) -> tuple[CostRule, float, float]:
    """Offsets on the expected costs that minimise the empirical cost of ``scores``.

    Returns the rule (with ``offsets``, or the plug-in Bayes rule where tuning does
    not lower the cost), its mean cost and the plug-in rule's mean cost on these
    samples: the first is never above the second.
    """
    from ._multiclass import tune_cost_offsets

    rule = resolve_cost_rule(
        costs, reject_cost, classes, problem, n_samples=len(scores.values)
    )
    matrix = rule.matrix_for(X, len(scores.values), classes, problem)
    plain = CostRule(matrix, rule.reject_cost)

    def mean_cost(candidate: CostRule) -> float:
        codes, rejected = cost_codes(
            scores,
            problem=problem,
            rule=candidate,
            classes=classes,
            pos_index=pos_index,
        )
        each = total_costs(truth, codes, rejected, matrix, rule.reject_cost, problem)
        return _weighted_mean(each, sample_weight)

    plug_in = mean_cost(plain)
    proba = probabilities(scores, problem)
    if problem == "multilabel":
        risk = multilabel_expected(proba, matrix)
        truth = np.asarray(truth, dtype=np.intp)
        offsets = np.zeros(len(classes))
        for j in range(len(classes)):
            per_label = matrix[..., j, :, :]
            loss = (
                per_label[truth[:, j]]
                if per_label.ndim == 2
                else per_label[np.arange(len(truth)), truth[:, j]]
            )
            result = tune_cost_offsets(-risk[:, j, :], loss, sample_weight)
            offsets[j] = result.offsets[1] - result.offsets[0]
    else:
        gain = -expected_costs(proba, matrix, rule.reject_cost)
        loss = realized_costs(truth, matrix, rule.reject_cost)
        offsets = tune_cost_offsets(gain, loss, sample_weight).offsets
    tuned = CostRule(rule.matrix, rule.reject_cost, rule.source, offsets)
    tuned_cost = mean_cost(CostRule(matrix, rule.reject_cost, None, offsets))
    if tuned_cost < plug_in - 1e-12 * max(1.0, abs(plug_in)):
        return tuned, tuned_cost, plug_in
    return CostRule(rule.matrix, rule.reject_cost, rule.source), plug_in, plug_in
