"""Networks and frozen models inside ``ProbabilisticLabelClassifier``.

Two things the classifier does for models it did not train, or whose outputs are a
network's:

- **It decides the activation.** An adapter (``sklabels.adapters``) says what its
  network returns, probabilities or logits; the classifier, which knows the problem
  from ``y`` (or ``problem=``), reads logits through the exact logit path of
  :class:`~sklabels._scores.Scores` -- softmax logits for one class per sample,
  sigmoid logits per label -- so no adapter needs ``problem=``.
- **It catches the mistakes of a frozen model at fit**: a network whose width is
  not the number of classes, a network without label names and no ``classes=``,
  and ``classes=`` listed in another order than the model's outputs (its scores
  rank the classes of ``y`` significantly the wrong way round:
  :class:`ClassOrderWarning`, naming the likely order).
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment
from scipy.special import expit, softmax
from scipy.stats import mannwhitneyu, rankdata
from sklearn.frozen import FrozenEstimator
from sklearn.pipeline import Pipeline

from ._scores import PROBA, Scores, scores_from_array
from ._targets import as_class_array, fit_target
from ._text import preview, to_python
from ._warnings import user_stacklevel
from .adapters._base import BaseAdapter
from .adapters._pretrained import PretrainedAdapter

# Names that say nothing: transformers' defaults ("LABEL_0", "LABEL_1", ...).
_PLACEHOLDER = re.compile(r"LABEL_\d+")
# The class-order check: needs this many rows, skips problems with more classes.
_ORDER_MIN_ROWS, _ORDER_MAX_CLASSES = 20, 1000


class ClassOrderWarning(UserWarning):
    """A frozen model's outputs seem to be named in the wrong order.

    Raised by ``ProbabilisticLabelClassifier.fit`` with a ``FrozenEstimator`` when
    the model's scores on the fit data rank the samples of a class significantly
    below those of the class its output column is said not to score (binary: an
    AUC below 0.5; multiclass: a pair of classes the other way round, where
    reading the columns in another order agrees better with ``y``; multilabel: a
    label's positives below its negatives): the usual sign of ``classes=`` listed
    sorted instead of in the model's output order. The message names the likely
    order, or the labels, and the evidence.
    """


def network_adapter(estimator: Any) -> Any:
    """The sklabels adapter inside ``estimator`` (a ``FrozenEstimator``), or None."""
    if isinstance(estimator, FrozenEstimator):
        estimator = estimator.estimator
    return estimator if isinstance(estimator, BaseAdapter) else None


def _owner(estimator: Any) -> str:
    if isinstance(estimator, FrozenEstimator):
        return f"{type(estimator.estimator).__name__} (frozen)"
    return type(estimator).__name__


def label_names(adapter: Any) -> np.ndarray | None:
    """The label names a network carries in output order, or None (placeholders
    such as transformers' ``LABEL_0`` name nothing)."""
    names = adapter.network_label_names()
    if names is None:
        return None
    names = as_class_array(names)
    if all(_PLACEHOLDER.fullmatch(str(name)) for name in names):
        return None
    return names


def network_classes(
    estimator: Any, classes: Any, y: Any, problem: str, frozen: bool
) -> np.ndarray | None:
    """The label order of a network's outputs, where the network decides it.

    ``classes=`` when given (checked against the names the network carries);
    else the network's own names (``config.id2label``); else, for a frozen
    network and labels that are not its output indices, a ValueError that says
    so and shows the fix. None: the classifier's usual rules apply.
    """
    adapter = network_adapter(estimator)
    if adapter is None:
        return None
    names = label_names(adapter)
    owner = _owner(estimator)
    if classes is not None:
        given = as_class_array(classes)
        if names is not None:
            _check_against_names(given, names, owner)
        return given
    if names is not None:
        if frozen:
            return names
        # Fine-tuning: keep the head's order when y uses the model's names.
        labels = fit_target(y, problem=problem)[0].classes
        known = {to_python(name) for name in names}
        return names if all(to_python(v) in known for v in labels) else None
    if not frozen:
        return None
    labels = fit_target(y, problem=problem)[0].classes
    if labels.dtype.kind in "iu" and labels.min() >= 0:
        return None  # output indices: the usual rules (its classes_) apply
    width = _width_or_none(adapter)
    outputs = f"{width} outputs" if width is not None else "outputs"
    example = [f"'{to_python(v)}'" for v in labels[:3]]
    raise ValueError(
        f"{owner}: the network's {outputs} carry no label names, and no classes= "
        f"was given, so which output is which of the labels in y "
        f"{preview(labels)} is unknown (sorting them would be a guess). Pass the "
        f"names in the order of the network's outputs: "
        f"ProbabilisticLabelClassifier(FrozenEstimator({type(adapter).__name__}"
        f"(...)), classes=[{', '.join(example)}, ...])."
    )


def _width_or_none(adapter: Any) -> int | None:
    try:
        return int(adapter.n_outputs_)
    except (AttributeError, ValueError, TypeError, ImportError):
        return None


def _check_against_names(given: np.ndarray, names: np.ndarray, owner: str) -> None:
    same = len(given) == len(names) and {to_python(v) for v in given} == {
        to_python(v) for v in names
    }
    if same and not all(
        to_python(a) == to_python(b) for a, b in zip(given, names, strict=True)
    ):
        raise ValueError(
            f"classes={preview(given)} lists the labels of {owner} in another order "
            f"than its outputs, which are {preview(names)} (the model's own names, "
            f"in output order). Omit classes= or pass them in that order."
        )


# --------------------------------------------------------------- scores
def _width_error(width: int, classes: np.ndarray, owner: str) -> ValueError:
    k = len(classes)
    return ValueError(
        f"{owner}: the network has {width} output(s) but there are {k} classes "
        f"{preview(classes)}. A network needs one output per class (or one sigmoid "
        f"output for 2 classes), in classes= order; outputs are never filled in or "
        f"dropped. Pass classes= naming exactly its {width} output(s) in order, or "
        f"use a network with {k} outputs."
    )


def _check_width(width: int, classes: np.ndarray, problem: str, owner: str) -> None:
    if width == len(classes) or (width == 1 and problem == "binary"):
        return
    raise _width_error(width, classes, owner)


def _check_declared_problem(fitted: Any, adapter: Any) -> None:
    """A frozen network whose head is declared (the adapter's ``problem=``, or
    what the network says, e.g. ``config.problem_type``) must fit ``y``'s problem:
    softmax logits read as per-label sigmoids, or the reverse, give wrong labels."""
    declared = adapter.given_problem()
    if declared == "auto" or (declared == "multilabel") == (
        fitted.problem == "multilabel"
    ):
        return
    head = (
        "per-label sigmoid scores (multilabel)"
        if declared == "multilabel"
        else "softmax scores (one class per sample)"
    )
    fix = "multilabel" if fitted.problem == "multilabel" else "multiclass"
    raise ValueError(
        f"{_owner(fitted.estimator)}: {adapter.problem_source()} makes the network's "
        f"outputs {head}, but y is {fitted.problem}. Pass "
        f"{type(adapter).__name__}(..., problem={fix!r}) if that is the network's "
        f"head, or y of the {declared} form."
    )


def _network_scores(
    fitted: Any, adapter: Any, X: Any, output: str | None
) -> tuple[Scores, str]:
    raw, output = adapter.network_response(X, output)
    _check_width(raw.shape[1], fitted.classes, fitted.problem, _owner(fitted.estimator))
    scores, _ = scores_from_array(
        raw,
        classes=fitted.classes,
        problem=fitted.problem,
        from_logits=output == "logits",
        name=f"{type(adapter).__name__} outputs",
    )
    return scores, output


def probabilities(scores: Scores, problem: str) -> Scores:
    """Logit scores as probabilities: sigmoid for binary and multilabel problems,
    softmax for multiclass ones."""
    if not scores.logits:
        return scores
    values = scores.values
    if problem == "binary":  # values are [-m, m]
        return Scores(
            np.column_stack([expit(values[:, 0]), expit(values[:, 1])]), PROBA
        )
    if problem == "multiclass":
        return Scores(softmax(values, axis=1), PROBA)
    return Scores(expit(values), PROBA)


def network_scores(fitted: Any, X: Any, method: str | None) -> Scores | None:
    """The fitted result's scores of ``X`` when a network adapter produces them.

    ``fitted`` (a ``FittedLabels``) gives ``estimator``, ``response_method``,
    ``classes``, ``problem`` and the pinned ``network_output``.

    ``method`` None: what the decision rule reads (logits stay logits);
    ``"predict_proba"``: probabilities; ``"decision_function"``: logits. None:
    not a network adapter, a response method other than ``predict_proba``, or
    a network that returns probabilities asked for its decision function.
    """
    adapter = network_adapter(fitted.estimator)
    if adapter is None or fitted.response_method != "predict_proba":
        return None
    scores, output = _network_scores(fitted, adapter, X, fitted.network_output)
    if method == "predict_proba":
        return probabilities(scores, fitted.problem)
    if method == "decision_function" and output != "logits":
        return None
    return scores


def pin_network_output(fitted: Any, first_block: Any) -> str | None:
    """For a fit that never holds all of ``X`` (block-wise): what the frozen network
    returns, read from its structure or else from the values of a first block, to
    pin for every later call (None: not a network's output)."""
    adapter = network_adapter(fitted.estimator)
    if adapter is None or fitted.response_method != "predict_proba":
        return None
    _check_declared_problem(fitted, adapter)
    return _network_scores(fitted, adapter, first_block, None)[1]


def check_fitted_model(
    fitted: Any, X: Any, truth: np.ndarray, frozen: bool
) -> tuple[Scores | None, str | None]:
    """Checks of the model just fitted (or frozen): its scores of ``X`` if computed,
    and what a frozen network returns (None: not pinned).

    A network's width must be the number of classes. For a frozen model, what its
    network returns is read once here, to be kept for every later call, and its
    decisions on ``X`` are compared with ``truth`` (:class:`ClassOrderWarning`).
    """
    adapter = network_adapter(fitted.estimator)
    uses_network = adapter is not None and fitted.response_method == "predict_proba"
    owner = _owner(fitted.estimator)
    if not frozen:
        if uses_network:
            _check_width(adapter.n_outputs_, fitted.classes, fitted.problem, owner)
        return None, None
    output = None
    if uses_network:
        _check_declared_problem(fitted, adapter)
        scores, output = _network_scores(fitted, adapter, X, None)
    else:
        scores = fitted.scores(X)
    warn_class_order(scores, truth, fitted.classes, fitted.problem, owner)
    return scores, output


def outside_single_column(fitted: Any, X: Any) -> bool:
    """Whether the binary model's output is one column that it was not trained here
    to give: a frozen or pre-trained network with one output, or a frozen model's
    one-column ``predict_proba``.

    That column scores ``classes_[1]`` (scikit-learn's reading of one output), but
    whoever hands over such a model may read it as the score of ``pos_label``.
    Models trained here score code 1, and a 1-D ``decision_function`` is the margin
    of ``classes_[1]`` by scikit-learn's contract: neither is ambiguous.
    """
    if fitted.problem != "binary":
        return False
    frozen = isinstance(fitted.estimator, FrozenEstimator)
    adapter = network_adapter(fitted.estimator)
    steps = None  # the steps before a network that ends a pipeline
    inner = fitted.estimator.estimator if frozen else fitted.estimator
    if adapter is None and isinstance(inner, Pipeline) and len(inner.steps) > 1:
        adapter = network_adapter(inner.steps[-1][1])
        steps = inner[:-1]
    if adapter is not None:
        if not (frozen or isinstance(adapter, PretrainedAdapter)):
            return False
        width = _width_or_none(adapter)
        if width is None:
            first = _first_row(X)
            if steps is not None:
                first = steps.transform(first)
            width = adapter.raw_output(first).shape[1]
        return width == 1
    if not frozen or fitted.response_method != "predict_proba":
        return False
    shape = np.shape(fitted.estimator.predict_proba(_first_row(X)))
    return len(shape) == 1 or shape[1] == 1


def _first_row(X: Any) -> Any:
    try:
        return X.iloc[:1] if hasattr(X, "iloc") else X[:1]
    except TypeError:  # not sliceable (a DIA matrix, a bare sequence type): all rows
        return X


# --------------------------------------------------------------- class order
# The class-order check is a one-sided test at this level (after its multiple-testing
# correction): a model that ranks no better than chance raises a false alarm at most
# this often; a model better than chance in the given order, never.
_ORDER_LEVEL = "1e-4"
_ORDER_ALPHA = float(_ORDER_LEVEL)


def _pair_auc(diff: np.ndarray, above: np.ndarray) -> tuple[float, float]:
    """AUC of ``diff`` ranking the ``above`` rows over the others, and the one-sided
    p-value of "AUC below 0.5" (Mann-Whitney U, tie-corrected; exact when small)."""
    first, second = diff[above], diff[~above]
    if len(first) == 0 or len(second) == 0 or np.ptp(diff) == 0:
        return 0.5, 1.0
    result = mannwhitneyu(first, second, alternative="less")
    return float(result.statistic) / (len(first) * len(second)), float(result.pvalue)


def _log_scores(scores: Scores) -> np.ndarray:
    """Scores whose column differences are log-odds: the same for probabilities and
    for the logits they come from (margins are used as they are)."""
    values = np.asarray(scores.values, dtype=np.float64)
    if scores.kind != PROBA:
        return values
    return np.log(np.clip(values, np.finfo(np.float64).tiny, None))


def class_order_agreement(
    scores: Scores, truth: np.ndarray, n_classes: int
) -> tuple[float, float, np.ndarray]:
    """How well argmax decisions agree with ``truth`` as they are and reordered.

    Returns the agreement, the best agreement over all reorderings of the columns
    (``scipy.optimize.linear_sum_assignment`` on the confusion matrix; among equally
    good ones, the one that moves fewest columns), and for each column the class it
    best matches.
    """
    predicted = np.asarray(scores.values).argmax(axis=1)
    confusion = np.zeros((n_classes, n_classes))
    np.add.at(confusion, (truth, predicted), 1)
    n = confusion.sum()
    bonus = np.eye(n_classes) * 0.5 / n_classes  # sums to < 1: only breaks ties
    rows, columns = linear_sum_assignment(confusion + bonus, maximize=True)
    match = np.empty(n_classes, dtype=np.intp)
    match[columns] = rows
    best = confusion[match, np.arange(n_classes)].sum() / n
    return float(np.trace(confusion) / n), float(best), match


def _order_evidence(
    scores: Scores, truth: np.ndarray, match: np.ndarray
) -> tuple[int, int, float, float]:
    """The strongest pairwise evidence against the given order.

    For each column ``j`` that the likely order gives to another class ``c``, the
    log-odds of column ``j`` against column ``c`` should rank the samples of class
    ``j`` above those of class ``c``. Returns the pair whose AUC is most
    significantly below 0.5, its AUC and its p-value, Bonferroni-corrected over all
    ``k (k - 1) / 2`` pairs of classes (the pairs tested are chosen from the data).
    """
    values = _log_scores(scores)
    k = values.shape[1]
    n_pairs = k * (k - 1) // 2
    found = (0, 0, 0.5, 1.0)
    for j in np.flatnonzero(match != np.arange(k)):
        c = int(match[j])
        rows = (truth == j) | (truth == c)
        auc, p = _pair_auc(values[rows, j] - values[rows, c], truth[rows] == j)
        p = min(1.0, p * n_pairs)
        if p < found[3]:
            found = (int(j), c, auc, p)
    return found


def warn_class_order(
    scores: Scores, truth: np.ndarray, classes: np.ndarray, problem: str, owner: str
) -> None:
    """Warn when ``classes`` are likely in another order than the model's outputs.

    One-sided tests at level ``_ORDER_ALPHA`` of rank statistics, which do not
    depend on the model being good or calibrated, nor on probabilities vs logits:

    - binary: the AUC of the positive class's log-odds against ``y`` is below 0.5;
    - multiclass: a reordering of the columns agrees with ``y`` more often than the
      given order, and for a pair of classes it swaps, the log-odds between their
      columns rank the two classes the wrong way round (pairwise AUC, Bonferroni
      over the pairs of classes);
    - multilabel: a label's scores rank its positives below its negatives (AUC per
      label, Holm over the labels).
    """
    n, k = len(truth), len(classes)
    if n < _ORDER_MIN_ROWS or k > _ORDER_MAX_CLASSES:
        return
    if problem == "multilabel":
        _warn_label_order(scores, truth, classes, owner)
    elif problem == "binary":
        _warn_binary_order(scores, truth, classes, owner)
    else:
        _warn_multiclass_order(scores, truth, classes, owner)


def _level() -> str:
    return f"warned below {_ORDER_LEVEL}"


def _warn_binary_order(
    scores: Scores, truth: np.ndarray, classes: np.ndarray, owner: str
) -> None:
    values = _log_scores(scores)
    auc, p = _pair_auc(values[:, 1] - values[:, 0], truth == 1)
    if p >= _ORDER_ALPHA:
        return
    likely = [to_python(v) for v in classes[::-1]]
    positive = to_python(classes[1])
    _warn(
        f"{owner}: on the data passed to fit, its scores for {positive!r} (the "
        f"second name in classes=) rank the samples labelled {positive!r} below the "
        f"others: AUC {auc:.3f}, where 0.5 is chance (one-sided Mann-Whitney test, "
        f"p = {p:.1e}, {_level()}).",
        likely,
    )


def _warn_multiclass_order(
    scores: Scores, truth: np.ndarray, classes: np.ndarray, owner: str
) -> None:
    k = len(classes)
    agreement, best, match = class_order_agreement(scores, truth, k)
    if best <= agreement:
        return  # the given order is the best one
    j, c, auc, p = _order_evidence(scores, truth, match)
    if p >= _ORDER_ALPHA:
        return
    likely = [to_python(classes[m]) for m in match]
    a, b = to_python(classes[j]), to_python(classes[c])
    _warn(
        f"{owner}: its decisions on the data passed to fit agree with y on "
        f"{agreement:.1%} of the samples, and would agree on {best:.1%} with its "
        f"outputs read in another order. Between {a!r} and {b!r}, its scores for "
        f"{a!r} are higher on the samples labelled {b!r} (pairwise AUC {auc:.3f}, "
        f"where 0.5 is chance; one-sided Mann-Whitney test, p = {p:.1e} after "
        f"Bonferroni over the {k * (k - 1) // 2} pairs of classes, {_level()}).",
        likely,
    )


def _warn_label_order(
    scores: Scores, truth: np.ndarray, classes: np.ndarray, owner: str
) -> None:
    values = np.asarray(scores.values, dtype=np.float64)
    k = len(classes)
    tests = [_pair_auc(values[:, j], truth[:, j] == 1) for j in range(k)]
    order = np.argsort([p for _, p in tests], kind="stable")
    flagged = []
    for rank, j in enumerate(order):  # Holm's step-down procedure
        if tests[j][1] * (k - rank) >= _ORDER_ALPHA:
            break
        flagged.append(int(j))
    if not flagged:
        _warn_label_swap(scores, truth, classes, owner)
        return
    evidence = ", ".join(
        f"{to_python(classes[j])!r} (AUC {tests[j][0]:.3f}, "
        f"p = {min(1.0, tests[j][1] * k):.1e})"
        for j in sorted(flagged)
    )
    warnings.warn(
        f"{owner}: on the data passed to fit, its scores for label(s) {evidence} "
        f"rank the samples that have the label below those that do not, where an "
        f"AUC of 0.5 is chance (one-sided Mann-Whitney test per label, Holm-corrected "
        f"over the {k} labels, {_level()}). Those columns probably score other labels "
        f"(classes= not in the order of the model's outputs) or the label's "
        f"absence. Pass classes= in the order of the model's output columns, and "
        f"scores that are higher when the label is present.",
        ClassOrderWarning,
        stacklevel=user_stacklevel(),
    )


def _label_auc_matrix(values: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """``(k, k)``: the AUC of score column ``c`` for label ``j`` at ``[j, c]`` (0.5
    for a label with no positive or no negative)."""
    n = len(values)
    hits = (np.asarray(truth) == 1).astype(np.float64)
    positives = hits.sum(axis=0)
    negatives = n - positives
    rank_sums = hits.T @ rankdata(values, axis=0)
    pairs = positives * negatives
    auc = (rank_sums - (positives * (positives + 1) / 2)[:, None]) / np.where(
        pairs > 0, pairs, 1.0
    )[:, None]
    auc[pairs == 0] = 0.5
    return auc


def _warn_label_swap(
    scores: Scores, truth: np.ndarray, classes: np.ndarray, owner: str
) -> None:
    """Warn when the model's label columns score other labels than their names.

    A label scored by another label's column has an AUC near 0.5 in its own
    column, which the per-label test does not flag. The assignment of columns to
    labels with the largest total AUC (``linear_sum_assignment``; the given order
    among equally good ones) is compared with the given order; for each label it
    moves, the log-odds of the column it gets against those of its own column must
    rank the label's positives above its negatives (one-sided Mann-Whitney,
    Bonferroni over the ``k (k - 1)`` ordered pairs). A correct model of correlated
    labels keeps the given order: its own columns win the assignment.
    """
    values = np.asarray(scores.values, dtype=np.float64)
    k = len(classes)
    if scores.kind == PROBA:
        clipped = np.clip(values, 1e-12, 1 - 1e-12)
        values = np.log(clipped) - np.log1p(-clipped)
    auc = _label_auc_matrix(values, truth)
    bonus = np.eye(k) * 0.5 / k / len(values)  # breaks ties toward the given order
    labels, columns = linear_sum_assignment(auc + bonus, maximize=True)
    moved = np.flatnonzero(columns != labels)
    if not len(moved):
        return
    n_pairs = k * (k - 1)
    worst = (0, 0, 0.5, 0.0)
    for j in moved:
        c = int(columns[j])
        diff = values[:, c] - values[:, j]
        above = np.asarray(truth)[:, j] == 1
        flipped, p = _pair_auc(-diff, above)  # "below" for -diff: "above" for diff
        p = min(1.0, p * n_pairs)
        if p >= _ORDER_ALPHA:
            return  # one move without clear evidence: no warning
        if p >= worst[3]:
            worst = (int(j), c, 1 - flipped, p)
    likely = np.empty(k, dtype=object)
    likely[columns] = [to_python(v) for v in classes[labels]]
    j, c, pair_auc, p = worst
    _warn(
        f"{owner}: on the data passed to fit, the scores it gives the name "
        f"{to_python(classes[c])!r} rank the samples that have label "
        f"{to_python(classes[j])!r} better than the scores named "
        f"{to_python(classes[j])!r} do (AUC {auc[j, c]:.3f} against "
        f"{auc[j, j]:.3f}; their log-odds difference has AUC {pair_auc:.3f}, where "
        f"0.5 is chance; one-sided Mann-Whitney test, p = {p:.1e} after Bonferroni "
        f"over the {n_pairs} ordered pairs of labels, {_level()}; the weakest of the "
        f"{len(moved)} labels moved).",
        likely.tolist(),
    )


def _warn(evidence: str, likely: list) -> None:
    warnings.warn(
        f"{evidence} classes= is probably not in the order of the model's outputs "
        f"(sorted names, or another model's order). Likely order: "
        f"classes={likely!r}. Pass the names in the order of the model's output "
        f"columns.",
        ClassOrderWarning,
        stacklevel=user_stacklevel(),
    )
