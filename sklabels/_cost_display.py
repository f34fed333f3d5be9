"""The binary cost curve: mean cost of the predictions against the threshold.

:class:`CostCurveDisplay` follows scikit-learn's ``Display`` pattern (numbers held,
``from_estimator`` / ``from_predictions``, ``plot(ax=...)`` returning the display,
artists in attributes ending in ``_``). The curve is exact: every distinct score is
a cut, the cost at each comes from cumulative sums over the sorted scores.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._cost_summary import check_same_rows
from ._costs import binary_cut, check_costs, probabilities, realized_costs
from ._display_base import Display, checked_weight
from ._text import to_python


def cost_curve(
    p_pos: np.ndarray,
    loss: np.ndarray,
    pos_index: int,
    sample_weight: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean cost of "positive iff ``p_pos >= t``" at every distinct ``t``, decreasing.

    ``loss[i, c]``: what predicting class ``c`` costs on sample ``i``. The last point
    (``t = inf``) predicts nothing positive.
    """
    n = len(p_pos)
    weight = np.ones(n) if sample_weight is None else sample_weight
    neg = 1 - pos_index
    order = np.argsort(-p_pos, kind="stable")
    sorted_p = p_pos[order]
    delta = (weight * (loss[:, pos_index] - loss[:, neg]))[order]
    last = np.r_[sorted_p[1:] != sorted_p[:-1], True]  # last of each distinct score
    base = float(weight @ loss[:, neg])
    totals = base + np.cumsum(delta)[last]
    thresholds = np.r_[sorted_p[last], np.inf]
    means = np.r_[totals, base] / weight.sum()
    return thresholds, means


class CostCurveDisplay(Display):
    """Mean cost of binary predictions against the threshold on ``p(pos_label)``.

    The plug-in Bayes threshold ``a / (a + b)`` of a shared 2x2 cost matrix (``a``,
    ``b``: the extra costs of a false positive and of a false negative) and the
    threshold of least cost on these samples are marked; where they differ much,
    the probabilities are miscalibrated and tuning (``threshold="auto",
    scoring=CostMatrix(C)``) pays.

    Parameters
    ----------
    thresholds : ndarray of shape (n_points,)
        Distinct scores, decreasing (then ``inf``: nothing positive).
    mean_costs : ndarray of shape (n_points,)
        The mean cost of predicting ``pos_label`` iff ``p >= thresholds[i]``.
    pos_label : label
        The positive class.
    plug_in_threshold : float, default=None
        The Bayes threshold of the cost matrix (None for per-sample costs).
    threshold : float, default=None
        A threshold in use to mark (a classifier's).

    Attributes
    ----------
    best_threshold : float
        The threshold of least mean cost here (middle of the best run of cuts).
    best_cost : float
        That mean cost.
    figure_ : matplotlib Figure
    ax_ : matplotlib Axes
    line_ : matplotlib Line2D
    markers_ : dict
        ``{"best": Line2D, "plug-in": Line2D, "in use": Line2D}``, those drawn.
    """

    def __init__(
        self,
        *,
        thresholds: np.ndarray,
        mean_costs: np.ndarray,
        pos_label: Any,
        plug_in_threshold: float | None = None,
        threshold: float | None = None,
    ) -> None:
        self.thresholds = thresholds
        self.mean_costs = mean_costs
        self.pos_label = pos_label
        self.plug_in_threshold = plug_in_threshold
        self.threshold = threshold
        best = np.flatnonzero(mean_costs <= mean_costs.min() + 1e-12)
        i = int(best[len(best) // 2])
        self.best_cost = float(mean_costs[i])
        self.best_threshold = float(thresholds[i])

    def cost_at(self, threshold: float) -> float:
        """The mean cost of predicting ``pos_label`` iff ``p >= threshold``.

        Returns
        -------
        cost : float
        """
        i = int(np.searchsorted(-self.thresholds, -threshold, side="right")) - 1
        return float(self.mean_costs[i]) if i >= 0 else float(self.mean_costs[-1])

    def plot(self, ax: Any = None) -> CostCurveDisplay:
        """Draw the curve and its marks.

        Returns
        -------
        display : CostCurveDisplay
        """
        fig, ax = self._axes(ax)
        # Increasing thresholds: the cost of t in (s_j, s_j+1] is that at s_j+1;
        # above the largest score nothing is positive (the last point, t = inf).
        cuts, means = self.thresholds[:-1][::-1], self.mean_costs[:-1][::-1]
        x = np.r_[min(0.0, cuts[0]), cuts, max(1.0, cuts[-1])]
        y = np.r_[means[0], means, self.mean_costs[-1]]
        (self.line_,) = ax.step(x, y, where="pre", label="mean cost")
        self.markers_ = {}
        marks = [("best", self.best_threshold, "o", "black")]
        if self.plug_in_threshold is not None:
            marks.append(("plug-in", self.plug_in_threshold, "s", "tab:red"))
        if self.threshold is not None:
            marks.append(("in use", self.threshold, "^", "tab:green"))
        for name, t, style, color in marks:
            cost = self.cost_at(t)
            (self.markers_[name],) = ax.plot(
                min(max(t, 0.0), 1.0),
                cost,
                style,
                color=color,
                label=f"{name}: t={t:.3g}, mean cost {cost:.4g}",
            )
        ax.legend(fontsize="small")
        return self._drawn(
            fig,
            ax,
            f"threshold on p({to_python(self.pos_label)!r})",
            "mean cost per sample",
        )

    @classmethod
    def from_predictions(
        cls,
        y_true: Any,
        y_score: Any,
        *,
        costs: Any,
        classes: Any = None,
        pos_label: Any = None,
        sample_weight: Any = None,
        threshold: float | None = None,
        ax: Any = None,
    ) -> CostCurveDisplay:
        """The cost curve of binary probabilities you hold.

        Parameters
        ----------
        y_true : array-like of shape (n_samples,)
            Binary labels.
        y_score : array-like of shape (n_samples,) or (n_samples, 2)
            Probabilities: of ``pos_label`` (one column) or of both classes.
        costs : array-like, DataFrame or dict
            ``C[true, predicted]`` in class order (any form ``costs=`` accepts), or
            ``(n, 2, 2)`` per sample.
        classes : array-like of shape (2,), default=None
            The labels in the column order of ``y_score``.
        pos_label : label, default=None
            The class whose probability is thresholded.
        sample_weight : array-like of shape (n_samples,), default=None
        threshold : float, default=None
            A threshold to mark.
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : CostCurveDisplay
        """
        if costs is None:
            raise ValueError(
                "from_predictions needs costs=C, the cost matrix C[true, predicted] "
                "whose mean cost the curve draws."
            )
        _check_binary_probabilities(y_true, y_score)
        encoding, truth, pos_index, scores, _, _ = cls._checked_predictions(
            y_true, y_score, "binary", classes, pos_label, None, False
        )
        matrix = check_costs(costs, encoding.classes, "binary", n_samples=len(truth))
        return cls._build(
            probabilities(scores, "binary")[:, pos_index],
            truth,
            matrix,
            encoding.classes,
            pos_index,
            sample_weight,
            threshold,
        ).plot(ax)

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        X: Any,
        y: Any,
        *,
        costs: Any = None,
        sample_weight: Any = None,
        ax: Any = None,
    ) -> CostCurveDisplay:
        """The cost curve of a fitted binary ``ProbabilisticLabelClassifier``.

        Parameters
        ----------
        estimator : ProbabilisticLabelClassifier
            Fitted on a binary problem.
        X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
        costs : array-like, DataFrame, dict or callable, default=None
            Default: the classifier's ``costs`` (or its ``CostMatrix``).
        sample_weight : array-like of shape (n_samples,), default=None
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : CostCurveDisplay
        """
        cls._check_estimator(
            estimator,
            ("binary",),
            "the cost curve is drawn for binary problems; this estimator is "
            "{problem}. Use estimator.cost(X, y) for its total cost.",
        )
        check_same_rows(X, y, "X", "y")
        view = estimator.evaluation_view(X, y)
        rule = view.decision.cost_rule
        if costs is not None:
            matrix = check_costs(
                costs(X) if callable(costs) else costs,
                view.classes,
                "binary",
                n_samples=len(view.truth),
            )
        elif rule is not None:
            matrix = rule.matrix_for(X, len(view.truth), view.classes, "binary")
        else:
            raise ValueError(
                "this classifier decides without costs; pass costs=C (C[true, "
                "predicted]) to draw its cost curve."
            )
        threshold = None
        if rule is None:
            threshold = float(view.decision.thresholds)
        pos_index = view.decision.pos_index
        return cls._build(
            probabilities(view.scores, "binary")[:, pos_index],
            view.truth,
            matrix,
            view.classes,
            pos_index,
            sample_weight,
            threshold,
        ).plot(ax)

    @classmethod
    def _build(
        cls, p_pos, truth, matrix, classes, pos_index, sample_weight, threshold
    ) -> CostCurveDisplay:
        sample_weight = checked_weight(sample_weight, p_pos)
        thresholds, means = cost_curve(
            p_pos, realized_costs(truth, matrix), pos_index, sample_weight
        )
        plug_in = binary_cut(matrix, pos_index) if matrix.ndim == 2 else None
        return cls(
            thresholds=thresholds,
            mean_costs=means,
            pos_label=classes[pos_index],
            plug_in_threshold=plug_in,
            threshold=threshold,
        )


def _check_binary_probabilities(y_true: Any, y_score: Any) -> None:
    """``from_predictions`` draws binary probabilities: say so in its own terms."""
    n_labels = 0
    if np.ndim(y_true) == 1:
        n_labels = len(np.unique(np.asarray(y_true, dtype=object).astype(str)))
    if n_labels > 2:
        raise ValueError(
            f"the cost curve is drawn for binary problems, but y_true has {n_labels} "
            f"classes; pass the labels and probabilities of two classes."
        )
    values = np.asarray(y_score)
    if values.dtype.kind in "iuf" and values.size:
        low, high = float(np.nanmin(values)), float(np.nanmax(values))
        if low < 0 or high > 1:
            raise ValueError(
                f"y_score ranges from {low:g} to {high:g}, outside [0, 1]: the cost "
                f"curve needs probabilities. Turn logits into probabilities first "
                f"(scipy.special.expit(y_score)), or use CostCurveDisplay."
                f"from_estimator with a calibrated classifier."
            )
