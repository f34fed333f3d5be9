"""The fitted result: one value that produces scores and codes.

Like scikit-learn's ``_CalibratedClassifier`` inside ``CalibratedClassifierCV``,
:class:`FittedLabels` holds what a ``fit`` learned -- the fitted inner model, the
target encoding, what a frozen network returns, the training priors and the
held-out evidence -- and turns samples into scores, codes and labels under a
:class:`~sklabels._decision.Decision`. The estimator stores one; the block-wise
layer maps its methods over blocks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np

from ._decision import Decision
from ._frozen import network_scores
from ._scores import (
    MARGIN,
    PROBA,
    Scores,
    scores_from_estimator,
    warn_unless_rows_sum_to_one,
)
from ._targets import TargetEncoding


class EvaluationView(NamedTuple):
    """A fitted classifier's scores and truth on some data, with its decision now.

    What ``ProbabilisticLabelClassifier.evaluation_view`` returns to the displays.
    """

    problem: str
    classes: np.ndarray
    kind: str
    decision: Decision
    scores: Scores | None
    truth: np.ndarray | None


def check_row_sums(scores: Scores, problem: str, model: Any, method: str) -> None:
    """Warn when a multiclass model's probability rows do not sum to one."""
    if problem == "multiclass" and scores.kind == PROBA:
        warn_unless_rows_sum_to_one(
            scores.values,
            f"{type(model).__name__}.{method} outputs",
            "Normalise the model's rows, e.g. wrap it in CalibratedClassifierCV.",
        )


@dataclass(eq=False)
class FittedLabels:
    """What one ``fit`` learned, able to score and decide on its own.

    Attributes
    ----------
    estimator : object
        The fitted (or frozen) inner model.
    encoding : TargetEncoding
        The problem, the classes and the form of ``y``.
    response_method : {"predict_proba", "decision_function"}
        The model method whose output the decision reads.
    priors : ndarray or None
        The training priors (None: a block-wise fit without ``train_priors``).
    network_output : {"logits", "proba"} or None
        What a frozen network was found to return at fit (None: ask its adapter).
    single_column : bool
        The binary model's output is one column it was not trained here to give.
    never_on : ndarray of bool or None
        Multilabel labels with no positive in ``y``: kept off.
    held_out : tuple or None
        Default predictions of held-out samples, their truth and weights (BBSE).
    """

    estimator: Any
    encoding: TargetEncoding
    response_method: str
    priors: np.ndarray | None = None
    network_output: str | None = None
    single_column: bool = False
    never_on: np.ndarray | None = None
    held_out: tuple | None = None

    @property
    def classes(self) -> np.ndarray:
        return self.encoding.classes

    @property
    def problem(self) -> str:
        return self.encoding.problem

    @property
    def kind(self) -> str:
        """``"proba"`` or ``"margin"``: what the decision's thresholds are on."""
        return PROBA if self.response_method == "predict_proba" else MARGIN

    def scores(self, X: Any, method: str | None = None) -> Scores:
        """Validated scores of ``X``, columns in the order of ``classes``.

        ``method`` None: what the decision reads; else that model method's output.
        """
        network = network_scores(self, X, method)  # a network adapter's outputs
        if network is not None:
            return network
        method = method or self.response_method
        raw = getattr(self.estimator, method)(X)
        scores = scores_from_estimator(
            raw,
            method=method,
            problem=self.problem,
            n_classes=len(self.classes),
            estimator_classes=getattr(self.estimator, "classes_", None),
        )
        check_row_sums(scores, self.problem, self.estimator, method)
        return scores

    def codes(self, X: Any, decision: Decision) -> tuple[np.ndarray, np.ndarray | None]:
        """Codes (or the multilabel indicator) of ``X`` and its rejected rows."""
        codes, rejected = decision.apply(self.scores(X), X)
        if self.never_on is not None and decision.bands is None:
            codes[:, self.never_on] = False
        return codes, rejected

    def labels(self, X: Any, decision: Decision) -> Any:
        """Predictions of ``X`` in the form of the ``y`` seen in ``fit``
        (band names under a band rule)."""
        codes, rejected = self.codes(X, decision)
        if decision.bands is not None:
            return decision.bands.labels(codes)
        return self.encoding.decode(codes, rejected, decision.reject_label)

    def names(self, X: Any, decision: Decision) -> np.ndarray | list[tuple]:
        """Label names of ``X`` (multilabel: one tuple per sample; band names
        under a band rule)."""
        codes, rejected = self.codes(X, decision)
        if decision.bands is not None:
            return decision.bands.labels(codes)
        return self.encoding.names(codes, rejected, decision.reject_label)

    def proba(self, X: Any, decision: Decision) -> np.ndarray:
        """Probabilities of ``X``, re-weighted for the decision's priors."""
        return decision.reweight(self.scores(X, "predict_proba")).values

    def margins(self, X: Any) -> np.ndarray:
        """The model's decision scores (binary: the margin of ``classes[1]``)."""
        values = self.scores(X, "decision_function").values
        return values[:, 1] if self.problem == "binary" else values

    def view(self, decision: Decision, X: Any = None, y: Any = None) -> EvaluationView:
        """Scores and truth of ``(X, y)`` under ``decision`` (None without them)."""
        scores = truth = None
        if X is not None or y is not None:
            truth = self.encoding.encode(y)
            scores = decision.reweight(self.scores(X))
        return EvaluationView(
            self.problem, self.classes, self.kind, decision, scores, truth
        )
