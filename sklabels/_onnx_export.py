"""The decision as ONNX nodes, after the scores of an inner ONNX model.

scores (n, w) -> (priors) -> rule -> codes / indicator -> label and probabilities

The inner model (skl2onnx's conversion of a scikit-learn model, an
``OnnxClassifier``'s graph, a ``TorchClassifier`` exported by Torch) gives one
score tensor; everything after it follows ``docs/semantics.md`` node by node.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._costs import binary_cut
from ._text import to_python

PROBA, LOGIT = "proba", "logit"
# The default-domain opset the decision nodes use (ArgMax's select_last_index,
# GreaterOrEqual, Softmax on one axis).
OPSET = 17
_LABEL_FORMS = ("labels",)  # 1-D labels: names out
_INDICATOR_FORMS = ("indicator",)  # a 0/1 matrix: the same matrix out


class ExportError(ValueError):
    """A part of the fitted classifier that has no ONNX form."""


@dataclass(frozen=True)
class Plan:
    """What the exported decision applies, in class order."""

    problem: str
    classes: np.ndarray
    form: str
    thresholds: Any
    pos_index: int = 1
    reject_threshold: float | None = None
    reject_label: Any = None
    cost_rule: Any = None
    priors: np.ndarray | None = None
    train_priors: np.ndarray | None = None
    never_on: np.ndarray | None = None
    bands: Any = None  # a band rule: band names instead of labels


# ---------------------------------------------------------------- the seam
def decision_of(estimator: Any) -> Plan:
    """The decision a fitted ``ProbabilisticLabelClassifier`` applies now, with the
    form of its ``y`` and the multilabel labels never seen on: its ``decision_``
    and ``fitted_`` values."""
    decision, fitted = estimator.decision_, estimator.fitted_
    return Plan(
        problem=fitted.problem,
        classes=np.asarray(fitted.classes),
        form=fitted.encoding.form,
        thresholds=decision.thresholds,
        pos_index=decision.pos_index,
        reject_threshold=decision.reject_threshold,
        reject_label=decision.reject_label,
        cost_rule=decision.cost_rule,
        priors=decision.priors,
        train_priors=decision.train_priors,
        never_on=fitted.never_on,
        bands=decision.bands,
    )


# ---------------------------------------------------------------- nodes
class Builder:
    """Nodes and constants of the decision graph, with fresh names."""

    def __init__(self, dtype: np.dtype, prefix: str = "sklabels_") -> None:
        self.dtype = np.dtype(dtype)
        self.prefix = prefix
        self.nodes: list = []
        self.initializers: list = []
        self._count = 0

    def name(self, hint: str) -> str:
        self._count += 1
        return f"{self.prefix}{hint}_{self._count}"

    def const(self, value: Any, dtype: Any = None, hint: str = "c") -> str:
        from onnx import numpy_helper

        array = np.asarray(value, dtype=dtype or self.dtype)
        name = self.name(hint)
        if array.dtype.kind in "OUS":
            from onnx import TensorProto, helper

            tensor = helper.make_tensor(
                name,
                TensorProto.STRING,
                array.shape,
                [str(v).encode() for v in array.ravel()],
            )
        else:
            tensor = numpy_helper.from_array(array, name)
        self.initializers.append(tensor)
        return name

    def op(self, op_type: str, *inputs: str, out: str | None = None, **attrs) -> str:
        from onnx import helper

        out = out or self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], **attrs))
        return out

    def column(self, matrix: str, j: int) -> str:
        """``matrix[:, j:j+1]``."""
        index = self.const([j], np.int64)
        return self.op("Gather", matrix, index, axis=1)

    def cut(self, values: Any) -> str:
        """Thresholds rounded up into the scores' dtype: ``s >= t`` stays exact."""
        values = np.asarray(values, dtype=np.float64)
        if self.dtype == np.float64:
            return self.const(values)
        cut = values.astype(self.dtype)
        low = cut.astype(np.float64) < values
        cut[low] = np.nextafter(cut[low], np.inf)
        return self.const(cut)


def _logit(t: Any) -> np.ndarray:
    t = np.asarray(t, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.log(t) - np.log1p(-t)


# ------------------------------------------------------- canonical scores
def canonical(
    b: Builder, scores: str, width: int, kind: str, problem: str, pos_index: int = 1
) -> str:
    """Binary probabilities: ``(n, 2)``; binary logits: one column, the log odds of
    ``classes[1]``; otherwise the ``(n, k)`` scores as they are. A single column
    scores the positive class ``classes[pos_index]``."""
    if problem != "binary":
        return scores
    if kind == PROBA:
        if width == 2:
            return scores
        other = b.op("Sub", b.const([[1.0]]), scores)
        pair = (other, scores) if pos_index == 1 else (scores, other)
        return b.op("Concat", *pair, axis=1)
    if width == 1:
        return scores if pos_index == 1 else b.op("Neg", scores)
    return b.op("Sub", b.column(scores, 1), b.column(scores, 0))


def reweight(b: Builder, s: str, plan: Plan, kind: str) -> str:
    """Scores for the deployment priors, ``p_k pi'_k / pi_k`` renormalised."""
    train, target = plan.train_priors, plan.priors
    if target is None or np.array_equal(train, target):
        return s
    train = np.asarray(train, dtype=np.float64)
    target = np.asarray(target, dtype=np.float64)
    same = train == target
    with np.errstate(divide="ignore", invalid="ignore"):
        if plan.problem == "multilabel":
            shift = np.log(target) - np.log(train)
            shift -= np.log1p(-target) - np.log1p(-train)
            shift = np.where(same, 0.0, shift)
        else:
            shift = np.log(target) - np.log(np.where(train > 0, train, 1.0))
        ratio = target / np.where(train > 0, train, 1.0)
    if kind == LOGIT:
        if plan.problem == "binary":
            return b.op("Add", s, b.const(shift[1] - shift[0]))
        return b.op("Add", s, b.const(shift))
    if plan.problem == "multilabel":
        if np.any(same & ((train == 0) | (train == 1))):
            raise ExportError(
                "priors: a label whose training prior is 0 or 1 has no ONNX form of "
                "its re-weighting; drop that label from priors."
            )
        up = np.where(same, 1.0, target / np.where(train > 0, train, 1.0))
        down = np.where(same, 1.0, (1 - target) / np.where(train < 1, 1 - train, 1.0))
        on = b.op("Mul", s, b.const(up))
        off = b.op("Mul", b.op("Sub", b.const(1.0), s), b.const(down))
        return b.op("Div", on, b.op("Add", on, off))
    weighted = b.op("Mul", s, b.const(ratio))
    return b.op("Div", weighted, b.op("ReduceSum", weighted, b.const([1], np.int64)))


def probabilities(b: Builder, s: str, kind: str, problem: str) -> str:
    """``(n, k)`` probabilities of canonical scores (binary logits ``m``:
    ``[expit(-m), expit(m)]``)."""
    if kind == PROBA:
        return s
    if problem == "multiclass":
        return b.op("Softmax", s, axis=1)
    if problem == "multilabel":
        return b.op("Sigmoid", s)
    return b.op("Concat", b.op("Sigmoid", b.op("Neg", s)), b.op("Sigmoid", s), axis=1)


# -------------------------------------------------------------- the rules
def _as_codes(b: Builder, positive: str, pos_index: int) -> str:
    """``pos_index`` where ``positive`` (n, 1) holds, else the other code; (n,)."""
    flat = b.op("Reshape", positive, b.const([-1], np.int64))
    return b.op(
        "Where",
        flat,
        b.const(pos_index, np.int64),
        b.const(1 - pos_index, np.int64),
    )


def binary_rule(b: Builder, s: str, cut: float, pos_index: int, kind: str) -> str:
    """Positive iff the positive class's score ``>= cut`` (logits: ``logit(cut)``)."""
    if kind == PROBA:  # s is (n, 2)
        pos = b.column(s, pos_index)
        return _as_codes(b, b.op("GreaterOrEqual", pos, b.cut(cut)), pos_index)
    pos = s if pos_index == 1 else b.op("Neg", s)
    return _as_codes(b, b.op("GreaterOrEqual", pos, b.cut(_logit(cut))), pos_index)


def _argmax(b: Builder, gain: str, order: np.ndarray | None = None) -> str:
    """Column of the largest value per row, ties to the first (in ``order``)."""
    if order is None:
        return b.op("ArgMax", gain, axis=1, keepdims=0, select_last_index=0)
    order_name = b.const(order, np.int64)
    picked = b.op("Gather", gain, order_name, axis=1)
    best = b.op("ArgMax", picked, axis=1, keepdims=0, select_last_index=0)
    return b.op("Gather", order_name, best)


def multiclass_rule(b: Builder, s: str, thresholds: Any, kind: str) -> str:
    """``argmax_k p_k / t_k`` (logits: ``m_k - log t_k``); two classes as binary."""
    t = np.asarray(thresholds, dtype=np.float64)
    if len(t) == 2:
        if kind == PROBA:
            return binary_rule(b, s, t[1] / (t[0] + t[1]), 1, PROBA)
        diff = b.op("Sub", b.column(s, 1), b.column(s, 0))
        cut = np.log(t[1]) - np.log(t[0])
        return _as_codes(b, b.op("GreaterOrEqual", diff, b.cut(cut)), 1)
    if np.all(t == t[0]):
        return _argmax(b, s)
    if kind == PROBA:
        return _argmax(b, b.op("Div", s, b.const(t)))
    return _argmax(b, b.op("Sub", s, b.const(np.log(t))))


def multilabel_rule(b: Builder, s: str, thresholds: Any, kind: str) -> str:
    """Label ``j`` on iff ``p_j >= t_j`` (logits: ``m_j >= logit(t_j)``)."""
    k = int(np.prod(np.shape(thresholds))) or 1
    t = np.broadcast_to(np.asarray(thresholds, dtype=np.float64), (k,))
    return b.op("GreaterOrEqual", s, b.cut(_logit(t) if kind == LOGIT else t))


def winning_rejected(
    b: Builder, proba: str, codes: str, reject_threshold: float
) -> str:
    """Rows whose winning probability is below the reject level."""
    index = b.op("Unsqueeze", codes, b.const([1], np.int64))
    win = b.op("GatherElements", proba, index, axis=1)
    below = b.op("Less", win, b.const(reject_threshold))
    return b.op("Reshape", below, b.const([-1], np.int64))


def cost_rule(b: Builder, s: str, plan: Plan, kind: str) -> tuple[str, str | None]:
    """Codes (or indicator) of the least expected cost, and rejected rows."""
    rule = plan.cost_rule
    if rule.source is not None:
        source = getattr(rule.source, "__name__", rule.source)
        raise ExportError(
            f"costs: a callable of X ({source!r}) "
            f"has no ONNX form; pass a fixed (k, k) cost matrix to export."
        )
    matrix = np.asarray(rule.matrix, dtype=np.float64)
    if matrix.ndim != 2 and plan.problem != "multilabel":
        raise ExportError("costs: per-sample cost arrays have no ONNX form.")
    problem, k = plan.problem, len(plan.classes)
    if problem == "multilabel":
        proba = probabilities(b, s, kind, problem)
        m = np.broadcast_to(matrix, (k, 2, 2))
        off = b.op("Sub", b.const(1.0), proba)
        risk_off = b.op(
            "Add",
            b.op("Mul", off, b.const(m[:, 0, 0])),
            b.op("Mul", proba, b.const(m[:, 1, 0])),
        )
        risk_on = b.op(
            "Add",
            b.op("Mul", off, b.const(m[:, 0, 1])),
            b.op("Mul", proba, b.const(m[:, 1, 1])),
        )
        margin = b.op("Sub", risk_off, risk_on)
        if rule.offsets is not None:
            margin = b.op("Add", margin, b.const(rule.offsets))
        return b.op("GreaterOrEqual", margin, b.const(0.0)), None
    plain = rule.reject_cost is None and rule.offsets is None
    if problem == "binary" and plain:
        cut = binary_cut(matrix, plan.pos_index)
        if cut is not None:
            return binary_rule(b, s, cut, plan.pos_index, kind), None
    proba = probabilities(b, s, kind, problem)
    expected = b.op("MatMul", proba, b.const(matrix))
    if rule.reject_cost is not None:
        ones = b.op("ReduceSum", proba, b.const([1], np.int64), keepdims=1)
        ones = b.op("Div", ones, ones)  # (n, 1) of ones, of the scores' dtype
        abstain = b.op("Mul", ones, b.const(rule.reject_cost))
        expected = b.op("Concat", expected, abstain, axis=1)
    gain = b.op("Neg", expected)
    if rule.offsets is not None:
        gain = b.op("Add", gain, b.const(rule.offsets))
    order = None
    if problem == "binary" and rule.offsets is None:
        order = np.array([plan.pos_index, 1 - plan.pos_index, *range(2, k + 1)])
    full_order = None if order is None else order[: k + (rule.reject_cost is not None)]
    action = _argmax(b, gain, full_order)
    if rule.reject_cost is None:
        return action, None
    rejected = b.op("Equal", action, b.const(k, np.int64))
    first_k = b.op(
        "Slice",
        gain,
        b.const([0], np.int64),
        b.const([k], np.int64),
        b.const([1], np.int64),
    )
    codes = _argmax(b, first_k, None if order is None else order[:k])
    return codes, rejected


def threshold_rule(b: Builder, s: str, plan: Plan, kind: str) -> tuple[str, str | None]:
    """Codes (or indicator) of the threshold rules, and the reject option."""
    if plan.problem == "multilabel":
        return multilabel_rule(b, s, plan.thresholds, kind), None
    if plan.problem == "binary":
        codes = binary_rule(b, s, float(plan.thresholds), plan.pos_index, kind)
    else:
        codes = multiclass_rule(b, s, plan.thresholds, kind)
    if plan.reject_threshold is None:
        return codes, None
    proba = probabilities(b, s, kind, plan.problem)
    return codes, winning_rejected(b, proba, codes, plan.reject_threshold)


def band_rule(b: Builder, s: str, plan: Plan, kind: str) -> str:
    """Band indices (n,): the number of cuts the cut score is ``>=`` to."""
    rule = plan.bands
    cuts = np.asarray(rule.bands.cuts, dtype=np.float64)
    if kind == LOGIT and plan.problem == "binary":  # s: the log odds of classes[1]
        score = s if rule.column == 1 else b.op("Neg", s)
        cuts = _logit(cuts)
    elif kind == LOGIT and plan.problem == "multilabel":
        score, cuts = b.column(s, rule.column), _logit(cuts)
    elif kind == LOGIT:  # multiclass: the class's softmax probability
        score = b.column(b.op("Softmax", s, axis=1), rule.column)
    else:
        score = b.column(s, rule.column)
    above = b.op("GreaterOrEqual", score, b.cut(cuts.reshape(1, -1)))
    count = b.op("Cast", above, to=7)  # int64
    return b.op("ReduceSum", count, b.const([1], np.int64), keepdims=0)


# ----------------------------------------------------------------- labels
def _label_values(plan: Plan) -> tuple[np.ndarray, Any]:
    """The class names (and reject label) as an ONNX-typed array; the band names
    under a band rule."""
    if plan.bands is not None:
        names = [to_python(n) for n in plan.bands.bands.names]
        return _typed(names, f"band names {names!r}", "band names")
    names = [to_python(c) for c in plan.classes]
    extra = [] if plan.reject_label is None else [to_python(plan.reject_label)]
    given = f"classes {names!r}" + (f" and reject_label {extra[0]!r}" if extra else "")
    return _typed(names + extra, given, "classes (and a reject_label of the same type)")


def _typed(values: list, given: str, fix: str) -> tuple[np.ndarray, Any]:
    """``values`` as one ONNX tensor type: strings or int64."""
    if all(isinstance(v, str) for v in values):
        return np.array(values, dtype=object), str
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return np.array(values, dtype=np.int64), np.int64
    raise ExportError(
        f"labels: {given} are not all strings or all integers; ONNX outputs one "
        f"tensor type. Use string or integer {fix}."
    )


def label_output(b: Builder, codes: str, rejected: str | None, plan: Plan) -> str:
    """The ``label`` output: names (1-D) or a 0/1 int64 indicator matrix."""
    if plan.problem == "multilabel" and plan.bands is None:
        if plan.never_on is not None:
            keep = b.const(~np.asarray(plan.never_on))
            codes = b.op("And", codes, keep)
        return b.op("Cast", codes, to=7, out="label")  # int64
    names, _ = _label_values(plan)
    if rejected is not None:
        codes = b.op("Where", rejected, b.const(len(plan.classes), np.int64), codes)
    return b.op("Gather", b.const(names, names.dtype), codes, axis=0, out="label")


def check_form(plan: Plan) -> None:
    """Refuse a form of ``y`` whose ``predict`` output has no ONNX form here."""
    allowed = _INDICATOR_FORMS if plan.problem == "multilabel" else _LABEL_FORMS
    if plan.form not in allowed:
        raise ExportError(
            f"label output: y of the form {plan.form!r} ({plan.problem}) is not "
            f"exported; fit with "
            + (
                "a 0/1 indicator matrix (classes= names its columns)"
                if plan.problem == "multilabel"
                else "1-D labels"
            )
            + " to export, the ONNX model then outputs that form."
        )


def decision_nodes(b: Builder, scores: str, width: int, kind: str, plan: Plan) -> None:
    """Every node from the inner scores to the ``label`` and ``probabilities``."""
    if plan.bands is None:
        check_form(plan)  # band names are 1-D whatever the form of y
    if plan.problem != "multilabel" or plan.bands is not None:
        _label_values(plan)  # refuse untyped labels before building anything
    s = canonical(b, scores, width, kind, plan.problem, plan.pos_index)
    s = reweight(b, s, plan, kind)
    if plan.bands is not None:
        codes, rejected = band_rule(b, s, plan, kind), None
    elif plan.cost_rule is not None:
        codes, rejected = cost_rule(b, s, plan, kind)
    else:
        codes, rejected = threshold_rule(b, s, plan, kind)
    label_output(b, codes, rejected, plan)
    proba = probabilities(b, s, kind, plan.problem)
    b.op("Identity", proba, out="probabilities")


def metadata(plan: Plan, kind: str) -> dict:
    """What a reader of the exported model needs to know, as metadata_props."""
    classes = [to_python(c) for c in plan.classes]
    return {
        "sklabels.problem": plan.problem,
        "sklabels.classes": json.dumps(classes),
        "sklabels.probability_columns": json.dumps(classes),
        "sklabels.label_output": (
            "indicator"
            if plan.problem == "multilabel" and plan.bands is None
            else "labels"
        ),
        "sklabels.bands": json.dumps(
            None if plan.bands is None else plan.bands.to_dict()
        ),
        "sklabels.inner_scores": kind,
        "sklabels.reject_label": json.dumps(
            None if plan.reject_label is None else to_python(plan.reject_label)
        ),
    }


# -------------------------------------------------------------- assembling
def with_decision(
    inner: Any, score_output: str, width: int, kind: str, plan: Plan
) -> Any:
    """One model: ``inner``'s input, ``label`` and ``probabilities`` out."""
    import onnx
    from onnx import TensorProto, helper

    inner, prefix = _at_least_opset(inner)
    score_output = prefix + score_output
    graph = inner.graph
    elem = _output_type(graph, score_output)
    dtype = np.float64 if elem == TensorProto.DOUBLE else np.float32
    b = Builder(dtype)
    scores = b.op(
        "Reshape", score_output, b.const([-1, width], np.int64), out="sklabels_scores"
    )
    if elem not in (TensorProto.FLOAT, TensorProto.DOUBLE):
        raise ExportError(
            f"scores: the inner output {score_output!r} has ONNX type {elem}; a float "
            f"or double tensor is needed (skl2onnx: options={{'zipmap': False}})."
        )
    decision_nodes(b, scores, width, kind, plan)
    k = len(plan.classes)
    if plan.problem == "multilabel" and plan.bands is None:
        label = helper.make_tensor_value_info("label", TensorProto.INT64, [None, k])
    else:
        names, _ = _label_values(plan)
        label_type = (
            TensorProto.INT64 if names.dtype == np.int64 else TensorProto.STRING
        )
        label = helper.make_tensor_value_info("label", label_type, [None])
    proba = helper.make_tensor_value_info("probabilities", elem, [None, k])
    new_graph = helper.make_graph(
        list(graph.node) + b.nodes,
        "sklabels",
        list(graph.input),
        [label, proba],
        initializer=list(graph.initializer) + b.initializers,
    )
    model = helper.make_model(new_graph, opset_imports=list(inner.opset_import))
    model.ir_version = inner.ir_version
    for domain in inner.functions:
        model.functions.append(domain)
    for key, value in metadata(plan, kind).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    return model


def _output_type(graph: Any, name: str) -> int:
    for output in graph.output:
        if output.name == name:
            return output.type.tensor_type.elem_type
    raise ExportError(f"scores: the inner model has no output {name!r}.")


def _at_least_opset(model: Any) -> tuple[Any, str]:
    """``model`` with a default-domain opset the decision nodes can use, and the
    prefix its names got."""
    from onnx import version_converter

    model = copy.deepcopy(model)
    for entry in model.opset_import:
        if entry.domain in ("", "ai.onnx"):
            if entry.version < 13:
                model = version_converter.convert_version(model, 13)
            break
    else:
        entry = model.opset_import.add()
        entry.domain, entry.version = "", OPSET
    return _prefixed(model)


def _prefixed(model: Any) -> tuple[Any, str]:
    """Keep the inner names clear of the decision's (``label``, ``probabilities``)."""
    names = {o for node in model.graph.node for o in node.output}
    names |= {i.name for i in model.graph.initializer}
    if not any(
        n in ("label", "probabilities") or n.startswith("sklabels_") for n in names
    ):
        return model, ""
    from onnx import compose

    return compose.add_prefix(model, "inner_", rename_inputs=False), "inner_"
