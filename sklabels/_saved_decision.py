"""A saved decision as an estimator's rule: ``threshold=Decision.from_file(...)``.

The decision fixes the whole rule (thresholds or ratios, cost matrix and
abstention, reject level and label, priors, positive class). It is checked against
the fitted model: the same problem, the same class names (in any order: its
columns are mapped to the model's by name, never by position) and scores that are
probabilities or logits, the units its thresholds are written in.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from ._band_rule import BandRule
from ._costs import CostRule, check_costs, check_reject_cost
from ._decision import ALIGNED_ONLY, DECISION_PARAMS, Decision
from ._priors import check_priors, check_shift
from ._reject import check_reject
from ._rules import resolve_thresholds
from ._scores import PROBA
from ._text import preview, to_python

# The decision parameters a saved decision replaces: all of them but threshold.
REPLACED = tuple(name for name in DECISION_PARAMS if name != "threshold")


def check_alone(params: dict) -> None:
    """A saved decision is the whole rule: no other decision parameter is set."""
    given = {name: params[name] for name in REPLACED if params[name] is not None}
    if given:
        raise ValueError(
            f"threshold=Decision(...) fixes the whole decision, but "
            f"{', '.join(f'{k}={v!r}' for k, v in given.items())} also "
            f"set{'s' if len(given) == 1 else ''} part of it; remove "
            f"{'it' if len(given) == 1 else 'them'}, or pass a decision that holds "
            f"{'it' if len(given) == 1 else 'them'} (Decision.to_dict())."
        )


def class_order(saved: np.ndarray, fitted: np.ndarray, problem: str) -> np.ndarray:
    """``order[j]``: the saved decision's column of the model's class ``j``.

    Matched by name; a different set of names is a ValueError naming both.
    """
    names = [to_python(c) for c in saved]
    keys = [(type(c).__name__, c) for c in names]
    wanted = [(type(c).__name__, c) for c in (to_python(c) for c in fitted)]
    if sorted(keys, key=repr) != sorted(wanted, key=repr):
        raise ValueError(
            f"the decision decides the classes {preview(saved)}, but the model's "
            f"classes_ are {preview(fitted)}; pass a decision tuned for this "
            f"model's {problem} classes, or fit with classes= naming the decision's."
        )
    return np.array([keys.index(key) for key in wanted], dtype=np.intp)


def _cost_rule(rule: CostRule | None, order: np.ndarray, d: Decision) -> Any:
    if rule is None:
        return None
    matrix = rule.matrix[order] if d.problem == "multilabel" else None
    if matrix is None:
        matrix = rule.matrix[np.ix_(order, order)]
    offsets = rule.offsets
    if offsets is not None:  # a last offset past the classes is abstention's
        offsets = np.concatenate([offsets[order], offsets[len(order) :]])
    return CostRule(matrix, rule.reject_cost, None, offsets)


def _reordered(d: Decision, order: np.ndarray, classes: np.ndarray) -> Decision:
    """``d`` with its columns in the model's class order."""
    where = np.argsort(order)  # where[i]: the model's column of saved class i

    def take(values: Any) -> Any:
        return None if values is None else np.asarray(values)[order]

    thresholds = d.thresholds
    if np.ndim(thresholds) == 1:
        thresholds = take(thresholds)
    bands = d.bands
    if bands is not None:
        bands = BandRule(bands.bands, int(where[bands.column]))
    return replace(
        d,
        classes=classes,
        thresholds=thresholds,
        pos_index=int(where[d.pos_index]),
        cost_rule=_cost_rule(d.cost_rule, order, d),
        priors=take(d.priors),
        train_priors=take(d.train_priors),
        bands=bands,
    )


def _check_values(d: Decision) -> None:
    """The saved values, checked as the estimator's own parameters are."""
    kw = {"problem": d.problem, "classes": d.classes, "kind": PROBA}
    resolve_thresholds(d.thresholds, pos_index=d.pos_index, **kw)
    check_reject(d.reject_threshold, d.reject_label, d.problem, True, d.classes)
    if d.cost_rule is not None:
        check_reject_cost(d.cost_rule.reject_cost, d.problem)
        check_costs(d.cost_rule.matrix, d.classes, d.problem, n_samples=ALIGNED_ONLY)
    if d.priors is not None:
        if d.train_priors is None:
            raise ValueError(
                "the decision re-weights for priors but holds no train_priors; "
                "write it again with Decision.to_dict() of a fitted estimator."
            )
        train = check_priors(d.train_priors, d.classes, d.problem, name="train_priors")
        check_shift(train, check_priors(d.priors, d.classes, d.problem), d.classes)


def on_model(decision: Any, fitted: Any, owner: str) -> Decision:
    """``decision`` (a :class:`Decision`) as the rule of the fitted result ``fitted``
    (``classes``, ``problem``, ``kind``), its columns in the model's class order."""
    if decision.problem != fitted.problem:
        raise ValueError(
            f"the decision decides a {decision.problem!r} problem, but this {owner} "
            f"was fitted on a {fitted.problem!r} one; pass a decision tuned for "
            f"this problem, or fit with problem={decision.problem!r}."
        )
    if fitted.kind != PROBA:
        raise ValueError(
            f"threshold=Decision(...) holds thresholds on probabilities (or the "
            f"logits of a network), but this {owner} decides on the model's "
            f"decision_function margins; use response_method='predict_proba', or "
            f"pass the margin thresholds as threshold=[...]."
        )
    if decision.cost_rule is not None and decision.cost_rule.source is not None:
        raise ValueError(
            "threshold=Decision(...) with costs that are a function of X: their "
            "columns cannot be matched to the model's classes by name; pass "
            "costs=... to the estimator instead."
        )
    order = class_order(decision.classes, fitted.classes, fitted.problem)
    aligned = _reordered(decision, order, fitted.classes)
    _check_values(aligned)
    return aligned
