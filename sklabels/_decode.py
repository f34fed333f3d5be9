"""``decode``: raw model outputs to label names, for users who hold the scores."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._backend import dask_layer, is_dask
from ._bands import Bands
from ._decision import for_scores
from ._scores import Scores, scores_from_array
from ._targets import (
    PROBLEMS,
    as_class_array,
    codes_to_labels,
    indicator_to_tuples,
    positive_index,
)

OUTPUTS = ("auto", "tuples", "indicator")


def decode(
    scores: Any,
    classes: Any,
    *,
    problem: str = "auto",
    threshold: Any = None,
    from_logits: bool = False,
    pos_label: Any = None,
    reject_threshold: float | None = None,
    reject_label: Any = None,
    costs: Any = None,
    reject_cost: float | None = None,
    priors: Any = None,
    train_priors: Any = None,
    output: str = "auto",
) -> np.ndarray | list[tuple]:
    """Turn a model's raw output array into label names.

    Parameters
    ----------
    scores : array-like of shape (n_samples,) or (n_samples, n_columns)
        What the model returned: ``(n,)`` or ``(n, 1)`` sigmoid outputs (the
        probability of ``pos_label``, else of ``classes[1]``), ``(n, 2)`` or
        ``(n, k)`` softmax rows (also rounded to 2 or more decimals), ``(n, k)``
        independent sigmoid columns -- or the logits of any of these with
        ``from_logits=True``. CPU torch tensors are accepted. A pandas DataFrame's
        columns are matched to ``classes`` by name (pandas' default ``0..k-1``
        columns count as unnamed); a Series or one-column frame named by a class
        scores that class.
    classes : array-like of shape (n_classes,)
        Label names in the column order of ``scores``. A single sigmoid column needs
        both names: ``["negative", "positive"]``.
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
        ``"auto"``: one column is binary; rows that sum to 1 are softmax rows
        (binary for two columns, multiclass for more); anything else is multilabel.
        With ``from_logits=True`` and several columns, say which.
    threshold : float, array-like, dict or Bands, default=None
        Binary: positive iff ``p(pos_label) >= threshold`` (default 0.5).
        Multilabel: label ``j`` on iff ``p_j >= t_j`` (a float for all, one per label,
        or ``{label: t}``). Multiclass: per-class ratios, predict ``argmax p_k / t_k``.
        ``Bands(names, cuts)``: band names instead of labels, cut from one score
        (binary: the positive class's; otherwise the class named by ``score_of``,
        required), ``>=`` at each cut; cuts are probabilities, also for logits.
    from_logits : bool, default=False
        Apply ``expit`` (sigmoid columns) or ``softmax`` (softmax rows) first;
        thresholds then apply to probabilities.
    pos_label : label, default=None
        Binary only: the positive class, whose score a single column is and which
        ``threshold`` applies to (default ``classes[1]``).
    reject_threshold : float in [0, 1], default=None
        Single-label only: predict ``reject_label`` where the winning probability is
        below it (Chow's rule).
    reject_label : label, default=None
        The label for rejected rows; required with ``reject_threshold`` and with
        ``reject_cost``.
    costs : array-like, DataFrame or dict, default=None
        Decide by cost instead of thresholds: ``C[true, predicted]``, the cost of
        predicting ``predicted`` when the truth is ``true``, as a ``(k, k)`` array in
        the order of ``classes``, a DataFrame indexed and labelled by class names
        (any order), a dict of dicts ``{true: {predicted: cost}}`` (the diagonal
        defaults to 0), or ``(n, k, k)`` costs per sample. Each sample gets the label
        of least expected cost ``sum_t p_t C[t, a]`` (the Bayes rule). Multilabel:
        2x2 costs ``[[tn, fp], [fn, tp]]`` for all labels, ``(k, 2, 2)``, a dict
        ``{label: 2x2}`` or ``(n, k, 2, 2)``. Costs are finite and ``>= 0``.
    reject_cost : float >= 0, default=None
        Single-label only: abstaining (``reject_label``) costs this whatever the
        truth, and is predicted where it is strictly cheaper than every class.
        Without ``costs``, every error costs 1 (Chow's rule at ``1 - reject_cost``).
    priors : array-like or dict, default=None
        Deployment class priors (multilabel: each label's on-rate): probabilities
        are re-weighted ``p_k priors_k / train_priors_k`` and renormalised (per
        label for multilabel) before any rule. Needs ``train_priors``.
    train_priors : array-like or dict, default=None
        The class priors the probabilities were calibrated for (the training class
        frequencies).
    output : {"auto", "tuples", "indicator"}, default="auto"
        Multilabel only: ``"tuples"``, one tuple of label names per sample;
        ``"indicator"``, an ``(n_samples, n_classes)`` int8 matrix of 0/1, its
        columns in the order of ``classes``. ``"auto"``: tuples for in-memory
        scores, the indicator for Dask scores (it computes at array speed).

    Returns
    -------
    labels : ndarray of shape (n_samples,) or list of tuples
        Binary and multiclass: a 1-D array of labels. Multilabel: one tuple per
        sample, its labels in the order of ``classes`` (or the 0/1 indicator,
        see ``output``). With ``threshold=Bands``: a 1-D array of band names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklabels import decode
    >>> decode(np.array([[0.1], [0.8]]), ["nothing-detected", "detection"]).tolist()
    ['nothing-detected', 'detection']
    >>> decode([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], ["cat", "dog", "bird"]).tolist()
    ['cat', 'bird']
    >>> decode([[0.9, 0.8, 0.1], [0.2, 0.1, 0.05]], ["sky", "sea", "sand"])
    [('sky', 'sea'), ()]
    >>> decode([2.0, -1.0], ["no", "yes"], from_logits=True).tolist()
    ['yes', 'no']
    >>> costs = {"benign": {"malignant": 1}, "malignant": {"benign": 20}}
    >>> p = [[0.9, 0.1], [0.97, 0.03]]
    >>> decode(p, ["benign", "malignant"], costs=costs).tolist()
    ['malignant', 'benign']
    """
    if output not in OUTPUTS:
        raise ValueError(
            f"output={output!r} is not one of {OUTPUTS}; pass output='tuples' for "
            f"tuples of label names or output='indicator' for a 0/1 matrix."
        )
    options = {
        "problem": problem,
        "threshold": threshold,
        "from_logits": from_logits,
        "pos_label": pos_label,
        "reject_threshold": reject_threshold,
        "reject_label": reject_label,
        "costs": costs,
        "reject_cost": reject_cost,
        "priors": priors,
        "train_priors": train_priors,
    }
    if is_dask(scores):  # lazy, block by block: see docs/scale.md
        return dask_layer().decode(scores, classes, output=output, **options)
    classes = as_class_array(classes)
    _, problem, codes, rejected = decode_codes(scores, classes, **options)
    if isinstance(threshold, Bands):  # band indices, named by the bands
        return np.asarray(threshold.names)[codes]
    if problem == "multilabel" and output == "indicator":
        return np.asarray(codes).astype(np.int8)
    if problem == "multilabel":
        return indicator_to_tuples(codes, classes)
    return codes_to_labels(codes, classes, rejected, reject_label)


# The options of decode's rule that a caller may leave out (None: not used).
_RULE_DEFAULTS = dict.fromkeys(
    (
        "reject_threshold",
        "reject_label",
        "costs",
        "reject_cost",
        "priors",
        "train_priors",
    )
)


def decode_codes(
    scores: Any,
    classes: np.ndarray,
    *,
    problem: str,
    threshold: Any,
    from_logits: bool,
    pos_label: Any,
    **rule: Any,
) -> tuple[Scores, str, np.ndarray, np.ndarray | None]:
    """``decode`` up to the codes: (validated scores, problem, codes, rejected rows).

    ``rule`` holds ``decode``'s other options of the same names (those left out
    are None). Also for the displays, which read the scores behind the codes;
    without ``reject_threshold`` nothing is rejected.
    """
    if problem not in ("auto", *PROBLEMS):
        raise ValueError(
            f"problem must be one of 'auto', 'binary', 'multiclass', 'multilabel'; "
            f"got {problem!r}."
        )
    if not isinstance(from_logits, bool | np.bool_):
        raise TypeError(f"from_logits must be True or False, got {from_logits!r}.")
    # A single score column is the score of pos_label, else of classes[-1].
    owner = len(classes) - 1
    if pos_label is not None and len(classes) == 2 and problem in ("auto", "binary"):
        owner = positive_index(pos_label, classes, "binary")
    values, problem = scores_from_array(
        scores, classes=classes, problem=problem, from_logits=from_logits, owner=owner
    )
    pos_index = positive_index(pos_label, classes, problem)
    decision = for_scores(
        values,
        classes,
        problem=problem,
        pos_index=pos_index,
        threshold=threshold,
        **{**_RULE_DEFAULTS, **rule},
    )
    values = decision.reweight(values)
    codes, rejected = decision.decide(values)
    return values, problem, codes, rejected
