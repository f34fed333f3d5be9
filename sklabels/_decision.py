"""The decision: one immutable value that turns scores into codes.

A :class:`Decision` holds the rule (per-class thresholds, multiclass ratios or a
cost rule with its ``reject_cost``), the deployment priors to re-weight for, the
reject level and label, and the positive class. :meth:`Decision.apply` is the one
implementation of "scores to codes": the estimator, :func:`~sklabels.decode` and
the block-wise layer all call it.

Two ways to get one: :func:`resolve` reads an estimator's decision parameters
against what its ``fit`` learned and tuned; :func:`for_scores` reads ``decode``'s
options against the scores they apply to.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Number, Real
from typing import Any

import numpy as np
from sklearn.exceptions import NotFittedError

from ._band_rule import BandRule, band_rule, check_band_options
from ._bands import Bands
from ._costs import (
    CostRule,
    check_cost_options,
    check_costs,
    check_reject_cost,
    cost_codes,
    resolve_cost_rule,
)
from ._priors import check_priors, check_shift, reweight
from ._reject import check_reject
from ._rules import apply_rule, resolve_thresholds
from ._scores import PROBA, Scores
from ._targets import positive_index
from ._text import to_python

# The parameters that predict reads (fixed values) or checks (tuned values).
DECISION_PARAMS = (
    "threshold",
    "pos_label",
    "reject_threshold",
    "reject_label",
    "reject_coverage",
    "reject_accuracy",
    "costs",
    "reject_cost",
    "priors",
)

# The estimator applies costs to any X: per-sample costs must be a callable of X.
ALIGNED_ONLY = -1


def is_auto(value: Any) -> bool:
    return isinstance(value, str) and value == "auto"


def param_key(value: Any) -> Any:
    """A comparable snapshot of a parameter value, for the predict-time cache.

    Containers are copied element by element (arrays by their bytes), so a list or
    array changed in place after ``fit`` is seen as a new value, as it would be by
    an estimator that reads the parameter on every call.
    """
    if value is None or isinstance(value, str | bytes | Number | np.generic):
        return (type(value), value)
    if isinstance(value, Mapping):
        return (
            "mapping",
            type(value),
            tuple((param_key(k), param_key(v)) for k, v in value.items()),
        )
    if hasattr(value, "index") and hasattr(value, "to_dict"):  # a pandas Series
        return ("series", param_key(value.to_dict()))
    if isinstance(value, list | tuple):
        return (type(value), tuple(param_key(v) for v in value))
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "O":
            return ("objects", value.shape, param_key(value.ravel().tolist()))
        return ("array", value.dtype.str, value.shape, value.tobytes())
    # Anything else by identity; the object is kept, so its id is not reused.
    return ("object", id(value), value)


@dataclass(frozen=True, eq=False)
class Decision:
    """What turns validated scores into codes, resolved and validated.

    An estimator's ``decision_``, or a thresholds file read back with
    :meth:`from_file` (:meth:`from_dict` of :meth:`to_dict`). Pass one as
    ``ProbabilisticLabelClassifier(model, threshold=decision)`` to decide by it;
    its classes are matched to the model's by name (see docs/deploy.md).

    Attributes
    ----------
    problem : {"binary", "multiclass", "multilabel"}
    classes : ndarray of shape (n_classes,)
    thresholds : float or ndarray
        Binary: the cut on the positive class's score; otherwise one threshold
        (multilabel) or ratio (multiclass) per class.
    pos_index : int
        The column of the positive class (binary).
    reject_threshold : float or None
        Abstain below this winning probability (Chow's rule).
    reject_label : label
        What an abstention predicts.
    cost_rule : CostRule or None
        Decide by expected cost instead of thresholds.
    priors, train_priors : ndarray or None
        Re-weight the scores from the training priors to these deployment priors.
    bands : BandRule or None
        Decide named bands of one score instead: the codes are band indices,
        named by :meth:`BandRule.labels` (not by the classes).
    """

    problem: str
    classes: np.ndarray
    thresholds: float | np.ndarray
    pos_index: int
    reject_threshold: float | None = None
    reject_label: Any = None
    cost_rule: CostRule | None = None
    priors: np.ndarray | None = None
    train_priors: np.ndarray | None = None
    bands: BandRule | None = None

    @property
    def abstains(self) -> bool:
        """Whether this decision can predict ``reject_label``."""
        return self.reject_threshold is not None or (
            self.cost_rule is not None and self.cost_rule.reject_cost is not None
        )

    def reweight(self, scores: Scores) -> Scores:
        """The scores re-weighted for the deployment priors (as they are without)."""
        if self.priors is None:
            return scores
        return reweight(scores, self.problem, self.train_priors, self.priors)

    def apply(
        self, scores: Scores, X: Any = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Codes (or the multilabel indicator) of ``scores``, and the rejected rows.

        ``X``: the samples behind the scores, for costs that are a function of them.
        """
        return self.decide(self.reweight(scores), X)

    def decide(
        self, scores: Scores, X: Any = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """:meth:`apply` on scores already re-weighted (by :meth:`reweight`)."""
        if self.bands is not None:
            return self.bands.codes(scores, self.problem), None
        if self.cost_rule is not None:
            return cost_codes(
                scores,
                problem=self.problem,
                rule=self.cost_rule,
                classes=self.classes,
                pos_index=self.pos_index,
                X=X,
            )
        return apply_rule(
            scores,
            problem=self.problem,
            thresholds=self.thresholds,
            pos_index=self.pos_index,
            reject_threshold=self.reject_threshold,
        )

    def to_dict(self) -> dict:
        """This decision as plain JSON-able values (see :meth:`from_dict`).

        Costs that are a function of ``X`` cannot be written down: ValueError.
        """
        rule, costs = self.cost_rule, None
        if rule is not None and rule.source is not None:
            raise ValueError(
                "costs that are a function of X cannot be written down; save the "
                "estimator instead (sklabels.persistence)."
            )
        if rule is not None:
            costs = {
                "matrix": rule.matrix.tolist(),
                "reject_cost": rule.reject_cost,
                "offsets": None if rule.offsets is None else rule.offsets.tolist(),
            }
        written = {
            "version": _VERSION,
            "problem": self.problem,
            "classes": [to_python(c) for c in self.classes],
            "classes_dtype": self.classes.dtype.str,
            "pos_index": int(self.pos_index),
            "rule": "costs" if rule else _RULES[self.problem],
            "thresholds": _plain(self.thresholds),
            "costs": costs,
            "reject_threshold": _plain(self.reject_threshold),
            "reject_label": to_python(self.reject_label),
            "priors": _plain(self.priors),
            "train_priors": _plain(self.train_priors),
        }
        if self.bands is not None:  # only then: files without bands stay as they were
            written["rule"] = "bands"
            written["bands"] = self.bands.to_dict()
        return written

    def __deepcopy__(self, memo: dict) -> Decision:
        return self  # an immutable value: clone keeps it

    @classmethod
    def from_file(cls, path: Any) -> Decision:
        """The decision in a thresholds file: the JSON that ``sklabels tune``
        writes, or ``json.dump(decision.to_dict(), f)``.

        The command line's fields beside the decision (``pos_label``,
        ``from_logits``, the objective values) are checked and set aside. Pass the
        decision to ``ProbabilisticLabelClassifier(model, threshold=decision)``.
        """
        with open(path, encoding="utf-8") as f:
            try:
                data = json.load(f)
            except json.JSONDecodeError as exc:
                raise ValueError(
                    f"{str(path)!r} is not a thresholds file (not JSON: {exc}); "
                    f"pass the file `sklabels tune` wrote."
                ) from exc
        if not isinstance(data, Mapping) or "version" not in data:
            raise ValueError(
                f"{str(path)!r} holds no versioned decision; write it with "
                f"`sklabels tune` or json.dump(decision.to_dict(), f)."
            )
        decision = cls.from_dict({k: v for k, v in data.items() if k not in _BESIDE})
        pos_label = data.get("pos_label")
        named = to_python(decision.classes[decision.pos_index])
        if decision.problem == "binary" and pos_label not in (None, named):
            raise ValueError(
                f"{str(path)!r} has pos_label={pos_label!r} but pos_index "
                f"{decision.pos_index} ({named!r}); pass the file as it was written."
            )
        return decision

    @classmethod
    def from_dict(cls, data: Mapping) -> Decision:
        """The decision that :meth:`to_dict` wrote."""
        if not isinstance(data, Mapping) or data.get("version") != _VERSION:
            found = data.get("version") if isinstance(data, Mapping) else data
            raise ValueError(
                f"a decision must be a mapping with version {_VERSION}, got version "
                f"{found!r}; write it again with this version of sklabels."
            )
        unknown = set(data) - _FIELDS - {"bands"}
        missing = _FIELDS - set(data)
        if unknown or missing:
            raise ValueError(
                f"a decision of version {_VERSION} has the fields "
                f"{sorted(_FIELDS)}; unknown: {sorted(unknown)}, missing: "
                f"{sorted(missing)}."
            )
        if data["rule"] not in ("costs", "bands", _RULES.get(data["problem"])):
            raise ValueError(
                f"rule={data['rule']!r} does not decide a {data['problem']!r} problem."
            )
        classes = np.asarray(data["classes"], dtype=np.dtype(data["classes_dtype"]))
        rule, costs = None, data["costs"]
        if data["rule"] == "costs":
            offsets = costs["offsets"]
            rule = CostRule(
                np.asarray(costs["matrix"], dtype=np.float64),
                costs["reject_cost"],
                None,
                None if offsets is None else np.asarray(offsets, dtype=np.float64),
            )
        bands = None
        if data["rule"] == "bands" or data.get("bands") is not None:
            if data["rule"] != "bands" or not isinstance(data.get("bands"), Mapping):
                raise ValueError(
                    f"rule={data['rule']!r} with bands={data.get('bands')!r}: a band "
                    f"rule has rule='bands' and its bands as a mapping."
                )
            bands = BandRule.from_dict(data["bands"])
        thresholds = data["thresholds"]
        if isinstance(thresholds, list):
            thresholds = _array(thresholds)
        return cls(
            problem=data["problem"],
            classes=classes,
            thresholds=thresholds,
            pos_index=int(data["pos_index"]),
            reject_threshold=data["reject_threshold"],
            reject_label=data["reject_label"],
            cost_rule=rule,
            priors=_array(data["priors"]),
            train_priors=_array(data["train_priors"]),
            bands=bands,
        )


_VERSION = 1
# What `sklabels tune` writes beside the decision's fields (see from_file).
_BESIDE = {"pos_label", "from_logits", "scoring", "average", "best_score"}
_BESIDE |= {"class_scores"}
_RULES = {"binary": "thresholds", "multilabel": "thresholds", "multiclass": "ratios"}
_FIELDS = {
    "version",
    "problem",
    "classes",
    "classes_dtype",
    "pos_index",
    "rule",
    "thresholds",
    "costs",
    "reject_threshold",
    "reject_label",
    "priors",
    "train_priors",
}


def _plain(value: Any) -> Any:
    """Arrays as lists and numpy scalars as Python numbers (None stays None)."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    return to_python(value)


def _array(value: Any) -> np.ndarray | None:
    return None if value is None else np.asarray(value, dtype=np.float64)


@dataclass(frozen=True, eq=False)
class Tuned:
    """What ``fit`` fixed for the decision: the positive class it tuned for, and the
    tuned thresholds, reject level and cost rule (``None``: not tuned)."""

    pos_index: int
    pos_label: Any  # a label: a plain value
    thresholds: float | np.ndarray | None = None
    reject: float | None = None
    cost_rule: CostRule | None = None
    bands: Bands | None = None  # tuned cuts, for threshold=Bands(...) without cuts
    bands_for: Bands | None = None  # the Bands (without cuts) they were tuned for


# ----------------------------------------------------------- resolving parameters
def check_reject_target(params: dict) -> bool:
    """Whether the reject threshold is tuned; its target is set exactly once."""
    targets = {
        name: params[name]
        for name in ("reject_coverage", "reject_accuracy")
        if params[name] is not None
    }
    auto = is_auto(params["reject_threshold"])
    if auto and len(targets) != 1:
        raise ValueError(
            f"reject_threshold='auto' tunes the reject threshold for one target; "
            f"pass exactly one of reject_coverage=... (e.g. 0.9: answer at least "
            f"90% of samples) or reject_accuracy=... (e.g. 0.98), got "
            f"{targets or 'neither'}."
        )
    if not auto and targets:
        raise ValueError(
            f"{', '.join(targets)} only apply with reject_threshold='auto'; set "
            f"reject_threshold='auto' or remove them."
        )
    return auto


def check_reject_option(
    params: dict, problem: str, classes: np.ndarray, kind: str
) -> bool:
    """Check the reject parameters; whether the reject threshold is tuned."""
    auto = check_reject_target(params)
    check_reject(
        params["reject_threshold"],
        params["reject_label"],
        problem,
        kind == PROBA,
        classes,
        allow_auto=True,
    )
    return auto


def cost_rule_of(
    params: dict, classes: np.ndarray, problem: str, tuned: CostRule | None
) -> CostRule | None:
    """The cost rule that applies: tuned, from ``costs``, or none."""
    if is_auto(params["threshold"]) and tuned is not None:
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
        classes=classes,
    )
    return resolve_cost_rule(
        params["costs"],
        params["reject_cost"],
        classes,
        problem,
        n_samples=ALIGNED_ONLY,
    )


def deployment_priors(
    params: dict, classes: np.ndarray, problem: str, train: np.ndarray | None
) -> np.ndarray | None:
    """The deployment priors to re-weight for, validated (None: no shift)."""
    if params["priors"] is None:
        return None
    if train is None:  # a block-wise fit without train_priors
        raise ValueError(
            f"priors={params['priors']!r} re-weights by the training priors, "
            "which a fit on Dask inputs does not count: pass "
            "train_priors=..., the class frequencies the model was trained with."
        )
    target = check_priors(params["priors"], classes, problem, default=train)
    check_shift(train, target, classes)
    return target


def check_fit_cost_options(
    params: dict,
    scoring: Any,
    classes: np.ndarray,
    problem: str,
    train: np.ndarray | None,
) -> None:
    """Check costs, reject_cost and priors before anything is fitted."""
    from ._objectives import CostMatrix

    if is_auto(params["threshold"]) and isinstance(scoring, CostMatrix):
        for name in ("costs", "reject_cost", "reject_threshold"):
            if params[name] is not None:
                raise ValueError(
                    f"threshold='auto' with scoring=CostMatrix(...) tunes the cost "
                    f"rule of that matrix; {name}={params[name]!r} would be a second "
                    f"one. Pass the costs (and reject_cost) to CostMatrix only."
                )
        check_cost_options(
            costs=scoring.costs,
            reject_cost=scoring.reject_cost,
            reject_label=params["reject_label"],
            threshold=None,
            reject_threshold=None,
            classes=classes,
        )
        resolve_cost_rule(
            scoring.costs,
            scoring.reject_cost,
            classes,
            problem,
            n_samples=ALIGNED_ONLY,
            name="CostMatrix costs",
        )
    else:
        cost_rule_of(params, classes, problem, None)
    deployment_priors(params, classes, problem, train)


def single_column_error(
    pos_label: Any, classes: np.ndarray, threshold: Any, kind: str
) -> ValueError:
    """The refusal of ``pos_label=classes[0]`` on a model's single output column."""
    scored, other = to_python(classes[1]), to_python(classes[0])
    same = f"pos_label={scored!r}"
    if isinstance(threshold, Real) and not isinstance(threshold, bool):
        flipped = 1 - threshold if kind == PROBA else -threshold
        same += f" with threshold={round(float(flipped), 12)!r}"
    return ValueError(
        f"pos_label={pos_label!r} on a model whose output is a single column is "
        f"ambiguous: that column scores {scored!r} (the last class), not pos_label. "
        f"If it is the score of {scored!r}, pass {same} for the same cut; if it is "
        f"the score of {other!r}, pass classes=[{scored!r}, {other!r}] (the "
        f"column's class last)."
    )


def pos_index_of(params: dict, fitted: Any, tuned: Tuned) -> int:
    """The positive class's column for ``pos_label`` as it is now."""
    pos_label = params["pos_label"]
    if param_key(pos_label) == param_key(tuned.pos_label):
        index = tuned.pos_index
    else:
        index = positive_index(pos_label, fitted.classes, fitted.problem)
    if index == 0 and fitted.single_column:
        # Users read such a column as pos_label's; the model as classes_[1]'s.
        raise single_column_error(
            pos_label, fitted.classes, params["threshold"], fitted.kind
        )
    return index


def _thresholds_of(
    params: dict, fitted: Any, tuned: Tuned, pos_index: int, owner: str
) -> float | np.ndarray:
    """The fixed ``threshold`` as it is now, or the thresholds tuned in ``fit``."""
    threshold = params["threshold"]
    if isinstance(threshold, Bands):  # the rule is the bands; thresholds at default
        threshold = None
    if not is_auto(threshold):
        return resolve_thresholds(
            threshold,
            problem=fitted.problem,
            classes=fitted.classes,
            kind=fitted.kind,
            pos_index=pos_index,
        )
    if tuned.thresholds is None:
        raise NotFittedError(
            f"threshold='auto' was set after fit: thresholds are tuned in "
            f"fit, and this {owner} was fitted with fixed "
            f"thresholds. Call fit to tune them, or set a fixed threshold."
        )
    if pos_index != tuned.pos_index:
        raise ValueError(
            f"pos_label={params['pos_label']!r} was set after fit, but the "
            f"threshold was tuned on the score of "
            f"{to_python(fitted.classes[tuned.pos_index])!r}. Call fit "
            f"to tune it for the new positive class, or set a fixed threshold."
        )
    return tuned.thresholds


def _reject_of(params: dict, fitted: Any, tuned: Tuned, owner: str) -> float | None:
    """The fixed ``reject_threshold`` as it is now, or the one tuned in ``fit``."""
    if not check_reject_option(params, fitted.problem, fitted.classes, fitted.kind):
        reject = params["reject_threshold"]
        return None if reject is None else float(reject)
    if tuned.reject is None:
        raise NotFittedError(
            f"reject_threshold='auto' was set after fit: the reject threshold is "
            f"tuned in fit, and this {owner} was fitted with a "
            f"fixed one. Call fit to tune it, or set a fixed reject_threshold."
        )
    return tuned.reject


def _bands_of(
    params: dict, fitted: Any, tuned: Tuned, pos_index: int, owner: str
) -> BandRule | None:
    """The band rule of ``threshold=Bands(...)``: fixed cuts as they are now, or
    the ones tuned in ``fit``."""
    bands = params["threshold"]
    if not isinstance(bands, Bands):
        return None
    check_band_options(
        bands,
        kind=fitted.kind,
        logits=fitted.kind != PROBA and fitted.network_output == "logits",
        options={name: params[name] for name in ("reject_threshold", "costs")},
    )
    if not bands.fixed:
        if tuned.bands is None or tuned.bands_for != bands:
            raise NotFittedError(
                f"threshold={bands!r} has no cuts and this {owner} tuned none for "
                f"it: call fit to tune them, or pass cuts=[...]."
            )
        bands = tuned.bands
    return band_rule(bands, fitted.classes, fitted.problem, pos_index)


def resolve(params: dict, fitted: Any, tuned: Tuned, owner: str) -> Decision:
    """The decision of an estimator's parameters ``params`` (see
    :data:`DECISION_PARAMS`) as they are now, on its fitted result.

    Fixed values are the parameters; ``"auto"`` values are the ones in ``tuned``.
    ``fitted`` gives ``classes``, ``problem``, ``kind``, ``priors`` and
    ``single_column``; ``owner`` names the estimator in errors.
    """
    pos_index = pos_index_of(params, fitted, tuned)
    return Decision(
        problem=fitted.problem,
        classes=fitted.classes,
        thresholds=_thresholds_of(params, fitted, tuned, pos_index, owner),
        pos_index=pos_index,
        reject_threshold=_reject_of(params, fitted, tuned, owner),
        reject_label=params["reject_label"],
        cost_rule=cost_rule_of(params, fitted.classes, fitted.problem, tuned.cost_rule),
        priors=deployment_priors(params, fitted.classes, fitted.problem, fitted.priors),
        train_priors=fitted.priors,
        bands=_bands_of(params, fitted, tuned, pos_index, owner),
    )


# ----------------------------------------------------------- decode's options
def _decode_priors(
    problem: str, classes: np.ndarray, priors: Any, train_priors: Any
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """``decode``'s priors: both checked (None, None: no shift)."""
    if priors is None:
        if train_priors is not None:
            raise ValueError(
                "train_priors only apply with priors=..., the deployment priors to "
                "re-weight the probabilities for."
            )
        return None, None
    if train_priors is None:
        raise ValueError(
            "priors=... re-weights the probabilities by priors / train_priors; pass "
            "train_priors=..., the class frequencies the model was trained with."
        )
    train = check_priors(train_priors, classes, problem, name="train_priors")
    target = check_priors(priors, classes, problem, default=train)
    check_shift(train, target, classes)
    return train, target


def for_scores(
    scores: Scores,
    classes: np.ndarray,
    *,
    problem: str,
    pos_index: int,
    threshold: Any,
    reject_threshold: Any,
    reject_label: Any,
    costs: Any,
    reject_cost: Any,
    priors: Any,
    train_priors: Any,
) -> Decision:
    """``decode``'s decision for validated ``scores``: every option checked."""
    # Thresholds are given as probabilities, also for logits (the rule converts them).
    kind = PROBA if scores.logits else scores.kind
    bands = None
    if isinstance(threshold, Bands):
        check_band_options(
            threshold,
            kind=scores.kind,
            logits=scores.logits,
            options={
                "reject_threshold": reject_threshold,
                "costs": costs,
                "reject_cost": reject_cost,
            },
        )
        bands, threshold = band_rule(threshold, classes, problem, pos_index), None
    thresholds = resolve_thresholds(
        threshold, problem=problem, classes=classes, kind=kind, pos_index=pos_index
    )
    check_reject(reject_threshold, reject_label, problem, kind == PROBA, classes)
    train, target = _decode_priors(problem, classes, priors, train_priors)
    rule = None
    if costs is not None or reject_cost is not None:
        check_cost_options(
            costs=costs,
            reject_cost=reject_cost,
            reject_label=reject_label,
            threshold=threshold,
            reject_threshold=reject_threshold,
            classes=classes,
        )
        reject = check_reject_cost(reject_cost, problem)
        if costs is None:
            costs = 1.0 - np.eye(len(classes))
        matrix = check_costs(costs, classes, problem, n_samples=len(scores.values))
        rule = CostRule(matrix, reject)
    return Decision(
        problem=problem,
        classes=classes,
        thresholds=thresholds,
        pos_index=pos_index,
        reject_threshold=reject_threshold,
        reject_label=reject_label,
        cost_rule=rule,
        priors=target,
        train_priors=train,
        bands=bands,
    )
