"""Displays (matplotlib), in scikit-learn's ``Display`` pattern.

Each display holds the numbers it draws, has ``from_estimator`` / ``from_predictions``
constructors and a ``plot(ax=...)`` method that returns the display, with the drawn
artists in attributes ending in ``_`` (``figure_``, ``ax_``, ``lines_``).

* :class:`ThresholdCurveDisplay` -- objective, precision and recall against each
  class's threshold, with the tuned and the default thresholds marked.
* :class:`MultilabelConfusionDisplay` -- one 2x2 confusion matrix per label.
* :class:`CoverageAccuracyDisplay` -- accuracy of the answered samples against the
  share answered, for the reject option.

The ``from_estimator`` constructors read a fitted classifier through its public
attributes and its ``_evaluation_view(X, y)`` (validated scores, encoded truth and
the decision in use), never through its private state.
"""

from __future__ import annotations

import math
from numbers import Real
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import (
    _check_sample_weight,
    check_consistent_length,
    check_is_fitted,
)

from ._decode import decode_codes
from ._reject import reject_curve, winning_probability
from ._reports import confusion_matrix
from ._rules import apply_rule, default_threshold
from ._targets import (
    PROBLEMS,
    _preview,
    _to_python,
    contains_label,
    fit_target,
    truth_positive_index,
)
from ._tune import tune_scores, tune_thresholds


def _pyplot():
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is a test dependency
        raise ImportError(
            'Displays need matplotlib: pip install "sklabels[plot]".'
        ) from None
    return plt


def _grid(ax: Any, n: int, n_cols: int | None, size: tuple[float, float]):
    """``n`` axes: the given ones, or a new grid of subplots."""
    plt = _pyplot()
    if ax is not None:
        axes = np.atleast_1d(np.asarray(ax, dtype=object)).ravel()
        if len(axes) < n:
            raise ValueError(
                f"ax holds {len(axes)} axes but {n} panels are drawn; pass at least "
                f"{n} axes (e.g. plt.subplots(1, {n})[1]) or ax=None."
            )
        return axes[0].figure, axes[:n]
    cols = n_cols or min(n, 4)
    rows = math.ceil(n / cols)
    fig, grid = plt.subplots(
        rows, cols, squeeze=False, figsize=(size[0] * cols, size[1] * rows)
    )
    axes = grid.ravel()
    for extra in axes[n:]:
        extra.set_visible(False)
    return fig, axes[:n]


def _select(labels: list, classes: Any) -> list:
    if classes is None:
        return labels
    chosen = []
    for label in np.atleast_1d(np.asarray(classes, dtype=object)):
        match = [known for known in labels if contains_label(np.array([known]), label)]
        if not match:
            raise ValueError(
                f"classes contains {_to_python(label)!r}, which is not one of "
                f"{_preview(labels)}."
            )
        chosen.append(match[0])
    return chosen


class ThresholdCurveDisplay:
    """Objective, precision and recall against the threshold, one panel per class.

    The curves are exact: every distinct score is a point, as the tuner saw them. The
    threshold in use (tuned, or the one the estimator holds) and the default
    threshold are marked with vertical lines.

    Parameters
    ----------
    curves : dict
        ``{label: ThresholdCurve}``, as ``TuningResult.curves`` or the ``cv_results_``
        of ``ProbabilisticLabelClassifier(threshold="auto", store_cv_results=True)``.
    thresholds : dict, default=None
        ``{label: threshold}`` to mark as the threshold in use.
    default_threshold : float, default=None
        The default threshold to mark (0.5 for probabilities and multiclass ratios,
        0 for decision scores).
    scoring : str, default="objective"
        The objective's name, for the legend.
    problem : str, default=None
        ``"multiclass"`` draws the ratio thresholds on a log scale.

    Attributes
    ----------
    figure_ : matplotlib Figure
    ax_ : ndarray of matplotlib Axes
        One per drawn class.
    lines_ : dict
        ``{label: {"objective", "precision", "recall", "threshold", "default"}}``
        matplotlib artists.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklabels import ThresholdCurveDisplay
    >>> display = ThresholdCurveDisplay.from_predictions(
    ...     ["no", "yes", "yes", "no", "yes", "no"], [0.1, 0.35, 0.8, 0.3, 0.6, 0.2],
    ...     pos_label="yes")
    >>> sorted(display.lines_["yes"])
    ['default', 'objective', 'precision', 'recall', 'threshold']
    """

    def __init__(
        self,
        *,
        curves: dict,
        thresholds: dict | None = None,
        default_threshold: float | None = None,
        scoring: str = "objective",
        problem: str | None = None,
    ) -> None:
        self.curves = curves
        self.thresholds = thresholds
        self.default_threshold = default_threshold
        self.scoring = scoring
        self.problem = problem

    def plot(
        self,
        ax: Any = None,
        *,
        classes: Any = None,
        n_cols: int | None = None,
        precision_recall: bool = True,
    ) -> ThresholdCurveDisplay:
        """Draw one panel per class (or per class in ``classes``).

        Parameters
        ----------
        ax : matplotlib Axes or array of Axes, default=None
            Where to draw (at least one per class); a new figure otherwise.
        classes : array-like, default=None
            The classes to draw, by label (default: all).
        n_cols : int, default=None
            Columns of the new grid (default: up to 4).
        precision_recall : bool, default=True
            Also draw precision and recall.

        Returns
        -------
        display : ThresholdCurveDisplay
        """
        labels = _select(list(self.curves), classes)
        fig, axes = _grid(ax, len(labels), n_cols, (4.0, 3.0))
        self.lines_ = {
            label: self._plot_class(label, axis, precision_recall)
            for label, axis in zip(labels, axes, strict=True)
        }
        self.figure_, self.ax_ = fig, axes
        return self

    def _plot_class(self, label: Any, axis: Any, precision_recall: bool) -> dict:
        """One class's panel; its artists by name."""
        curve = self.curves[label]
        x = np.asarray(curve.thresholds, dtype=np.float64)[::-1]
        keep = np.isfinite(x)
        lines = {}
        lines["objective"] = _step(
            axis, x, keep, curve.scores, self.scoring, linewidth=2
        )
        if precision_recall:
            for name in ("precision", "recall"):
                values = getattr(curve, name)
                lines[name] = _step(axis, x, keep, values, name, alpha=0.7)
        if self.thresholds is not None and label in self.thresholds:
            t = float(self.thresholds[label])
            lines["threshold"] = axis.axvline(
                t, color="black", linestyle="--", label=f"threshold {t:.3g}"
            )
        if self.default_threshold is not None:
            d = float(self.default_threshold)
            lines["default"] = axis.axvline(
                d, color="grey", linestyle=":", label=f"default {d:g}"
            )
        if self.problem == "multiclass":
            axis.set_xscale("log")
            axis.set_xlabel("ratio threshold (lower: predicted more often)")
        else:
            axis.set_xlabel("threshold")
        axis.set_title(str(_to_python(label)))
        axis.legend(fontsize="small", loc="best")
        return lines

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        X: Any = None,
        y: Any = None,
        *,
        classes: Any = None,
        scoring: Any = None,
        ax: Any = None,
        **kwargs: Any,
    ) -> ThresholdCurveDisplay:
        """Curves of a fitted ``ProbabilisticLabelClassifier``.

        Without ``X`` and ``y``, draws the curves stored by tuning
        (``threshold="auto", store_cv_results=True``: the out-of-fold curves).
        With them, computes the curves on ``(X, y)`` -- e.g. a test set -- and marks
        the thresholds the estimator uses.

        Parameters
        ----------
        estimator : ProbabilisticLabelClassifier
            Fitted.
        X, y : array-like, default=None
            Data to draw the curves on; ``y`` in any form ``fit`` accepts.
        classes : array-like, default=None
            The classes to draw (default: all).
        scoring : str or callable, default=None
            The objective (default: the estimator's ``scoring``).
        ax : matplotlib Axes or array of Axes, default=None
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : ThresholdCurveDisplay
        """
        view = estimator._evaluation_view(X, y)
        problem, decision = view.problem, view.decision
        default = 0.5 if problem == "multiclass" else default_threshold(view.kind)
        pos_label = view.classes[decision.pos_index] if problem == "binary" else None
        marks = _marks(problem, view.classes, decision.thresholds, pos_label)
        if view.scores is None:
            curves = getattr(estimator, "cv_results_", None)
            if curves is None:
                raise ValueError(
                    "this estimator stored no threshold curves; fit it with "
                    "threshold='auto', store_cv_results=True, or pass X and y to draw "
                    "the curves on that data."
                )
            name = _scoring_name(scoring or estimator.scoring)
        else:
            result = tune_scores(
                view.scores,
                view.truth,
                problem=problem,
                classes=view.classes,
                pos_index=decision.pos_index,
                scoring=scoring or estimator.scoring,
                average=estimator.average,
            )
            curves, name = result.curves, result.scoring
        return cls(
            curves=curves,
            thresholds=marks,
            default_threshold=default,
            scoring=name,
            problem=problem,
        ).plot(ax, classes=classes, **kwargs)

    @classmethod
    def from_predictions(
        cls,
        y_true: Any,
        y_score: Any,
        *,
        classes: Any = None,
        problem: str = "auto",
        pos_label: Any = None,
        scoring: Any = "f1",
        average: str = "macro",
        from_logits: bool = False,
        sample_weight: Any = None,
        ax: Any = None,
        plot_classes: Any = None,
        **kwargs: Any,
    ) -> ThresholdCurveDisplay:
        """Curves of scores you hold, tuned with :func:`sklabels.tune_thresholds`.

        Parameters
        ----------
        y_true : array-like, sparse matrix or sequence of label collections
        y_score : array-like of shape (n_samples,) or (n_samples, n_columns)
        classes, problem, pos_label, scoring, average, from_logits, sample_weight
            As :func:`sklabels.tune_thresholds`.
        ax : matplotlib Axes or array of Axes, default=None
        plot_classes : array-like, default=None
            The classes to draw (default: all).
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : ThresholdCurveDisplay
        """
        result = tune_thresholds(
            y_true,
            y_score,
            problem=problem,
            classes=classes,
            pos_label=pos_label,
            scoring=scoring,
            average=average,
            sample_weight=sample_weight,
            from_logits=from_logits,
        )
        return cls(
            curves=result.curves,
            thresholds=_marks(
                result.problem, result.classes, result.thresholds, result.pos_label
            ),
            default_threshold=0.5,
            scoring=result.scoring,
            problem=result.problem,
        ).plot(ax, classes=plot_classes, **kwargs)


def _marks(problem: str, classes: Any, thresholds: Any, pos_label: Any) -> dict:
    """``{label: threshold in use}``: the positive class's alone when binary."""
    if problem == "binary":
        return {pos_label: float(thresholds)}
    return dict(zip(classes, np.asarray(thresholds, dtype=float), strict=True))


def _step(axis, x, keep, values, name, **style):
    """A curve that is constant between cuts (values given in decreasing cut order)."""
    y = np.asarray(values, dtype=np.float64)[::-1][keep]
    return axis.plot(x[keep], y, drawstyle="steps-pre", label=name, **style)[0]


def _scoring_name(scoring: Any) -> str:
    if isinstance(scoring, str):
        return scoring
    return getattr(scoring, "__name__", None) or repr(scoring)


class MultilabelConfusionDisplay:
    """One 2x2 confusion matrix per label of a multilabel problem.

    Each panel is scikit-learn's ``ConfusionMatrixDisplay`` for one label (rows:
    true no/yes, columns: predicted no/yes), titled by the label's name. For
    single-label problems use ``sklearn.metrics.ConfusionMatrixDisplay`` with
    ``labels=clf.classes_``.

    Parameters
    ----------
    tables : dict
        ``{label: ndarray of shape (2, 2)}``.

    Attributes
    ----------
    figure_ : matplotlib Figure
    ax_ : ndarray of matplotlib Axes
    displays_ : dict
        ``{label: sklearn.metrics.ConfusionMatrixDisplay}``.
    """

    def __init__(self, *, tables: dict) -> None:
        self.tables = tables

    def plot(
        self,
        ax: Any = None,
        *,
        classes: Any = None,
        n_cols: int | None = None,
        cmap: str = "Blues",
        values_format: str | None = None,
    ) -> MultilabelConfusionDisplay:
        """Draw one panel per label (or per label in ``classes``).

        Returns
        -------
        display : MultilabelConfusionDisplay
        """
        from sklearn.metrics import ConfusionMatrixDisplay

        labels = _select(list(self.tables), classes)
        fig, axes = _grid(ax, len(labels), n_cols, (3.0, 3.0))
        self.displays_ = {}
        for label, axis in zip(labels, axes, strict=True):
            display = ConfusionMatrixDisplay(
                np.asarray(self.tables[label]), display_labels=["no", "yes"]
            )
            display.plot(
                ax=axis, colorbar=False, cmap=cmap, values_format=values_format
            )
            axis.set_title(str(_to_python(label)))
            self.displays_[label] = display
        fig.tight_layout()
        self.figure_, self.ax_ = fig, axes
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        X: Any,
        y: Any,
        *,
        normalize: str | None = None,
        sample_weight: Any = None,
        ax: Any = None,
        **kwargs: Any,
    ) -> MultilabelConfusionDisplay:
        """Per-label tables of a fitted multilabel ``ProbabilisticLabelClassifier``.

        Returns
        -------
        display : MultilabelConfusionDisplay
        """
        check_is_fitted(estimator)
        if estimator.problem_ != "multilabel":
            raise ValueError(
                f"MultilabelConfusionDisplay draws multilabel problems; this one is "
                f"{estimator.problem_}. Use sklearn.metrics.ConfusionMatrixDisplay."
                f"from_estimator(clf, X, y, labels=clf.classes_)."
            )
        tables = estimator.confusion_matrix(
            X, y, normalize=normalize, sample_weight=sample_weight
        )
        return cls(tables=_arrays(tables)).plot(ax, **kwargs)

    @classmethod
    def from_predictions(
        cls,
        y_true: Any,
        y_pred: Any,
        *,
        classes: Any = None,
        normalize: str | None = None,
        sample_weight: Any = None,
        ax: Any = None,
        **kwargs: Any,
    ) -> MultilabelConfusionDisplay:
        """Per-label tables of multilabel labels you hold (any target form).

        Returns
        -------
        display : MultilabelConfusionDisplay
        """
        tables = confusion_matrix(
            y_true,
            y_pred,
            classes=classes,
            problem="multilabel",
            normalize=normalize,
            sample_weight=sample_weight,
        )
        return cls(tables=_arrays(tables)).plot(ax, **kwargs)


def _arrays(tables: dict) -> dict:
    return {
        label: np.asarray(getattr(table, "values", table))
        for label, table in tables.items()
    }


class CoverageAccuracyDisplay:
    """Accuracy of the answered samples against the share answered (reject option).

    Every distinct winning probability is a point: answering the samples at or above
    it gives that coverage and accuracy. The reject threshold in use is marked.

    Parameters
    ----------
    thresholds, coverage, accuracy : ndarray of shape (n_points,)
        From the most confident cut (few answers) to answering everything.
    levels : ndarray of shape (n_points,), default=None
        The distinct winning probabilities, decreasing: point ``i`` answers the
        samples at or above ``levels[i]``. Needed to mark ``reject_threshold``.
    reject_threshold : float, default=None
        The reject threshold to mark.

    Attributes
    ----------
    figure_ : matplotlib Figure
    ax_ : matplotlib Axes
    line_ : matplotlib Line2D
    marker_ : matplotlib Line2D or None
    """

    def __init__(
        self,
        *,
        thresholds: np.ndarray,
        coverage: np.ndarray,
        accuracy: np.ndarray,
        levels: np.ndarray | None = None,
        reject_threshold: float | None = None,
    ) -> None:
        self.thresholds = thresholds
        self.coverage = coverage
        self.accuracy = accuracy
        self.levels = levels
        self.reject_threshold = reject_threshold

    def plot(self, ax: Any = None) -> CoverageAccuracyDisplay:
        """Draw the curve (and the point of ``reject_threshold``).

        Returns
        -------
        display : CoverageAccuracyDisplay
        """
        if ax is None:
            fig, ax = _pyplot().subplots(figsize=(5, 4))
        else:
            fig = ax.figure
        (self.line_,) = ax.plot(self.coverage, self.accuracy, marker=".", markersize=3)
        self.marker_ = None
        if self.reject_threshold is not None and self.levels is not None:
            # The last point whose level is still answered (>= the threshold).
            i = int(np.searchsorted(-self.levels, -self.reject_threshold, "right")) - 1
            coverage = self.coverage[i] if i >= 0 else 0.0
            accuracy = self.accuracy[i] if i >= 0 else float("nan")
            (self.marker_,) = ax.plot(
                coverage,
                accuracy,
                "o",
                color="black",
                label=(
                    f"reject below {self.reject_threshold:.3g}: "
                    f"{coverage:.1%} answered, {accuracy:.1%} right"
                ),
            )
            ax.legend(fontsize="small", loc="lower left")
        ax.set_xlabel("coverage (share of samples answered)")
        ax.set_ylabel("accuracy of the answered samples")
        self.figure_, self.ax_ = fig, ax
        return self

    @classmethod
    def from_estimator(
        cls,
        estimator: Any,
        X: Any,
        y: Any,
        *,
        sample_weight: Any = None,
        ax: Any = None,
    ) -> CoverageAccuracyDisplay:
        """The curve of a fitted single-label ``ProbabilisticLabelClassifier``.

        Returns
        -------
        display : CoverageAccuracyDisplay
        """
        check_is_fitted(estimator)
        if estimator.problem_ == "multilabel":
            raise ValueError(
                "the reject option applies to single-label problems; this estimator "
                "is multilabel."
            )
        view = estimator._evaluation_view(X, y)
        codes, _ = apply_rule(
            view.scores,
            problem=view.problem,
            thresholds=view.decision.thresholds,
            pos_index=view.decision.pos_index,
        )
        confidence = winning_probability(view.scores, codes, view.problem)
        return cls(
            **_curve(confidence, codes == view.truth, sample_weight),
            reject_threshold=view.decision.reject_threshold,
        ).plot(ax)

    @classmethod
    @validate_params(
        {
            # The others are checked where they are read, as decode checks them.
            "y_true": ["array-like", "sparse matrix"],
            "problem": [StrOptions({"auto", *PROBLEMS})],
            "reject_threshold": [Interval(Real, 0, 1, closed="both"), None],
            "sample_weight": ["array-like", None],
        },
        prefer_skip_nested_validation=True,
    )
    def from_predictions(
        cls,
        y_true: Any,
        y_score: Any,
        *,
        classes: Any = None,
        problem: str = "auto",
        threshold: Any = None,
        pos_label: Any = None,
        from_logits: bool = False,
        reject_threshold: float | None = None,
        sample_weight: Any = None,
        ax: Any = None,
    ) -> CoverageAccuracyDisplay:
        """The curve of scores you hold, decoded as :func:`sklabels.decode` would.

        Returns
        -------
        display : CoverageAccuracyDisplay
        """
        encoding, truth = fit_target(y_true, problem=problem, classes=classes)
        if encoding.problem == "multilabel":
            raise ValueError("the reject option applies to single-label problems.")
        if encoding.problem == "binary":  # the class a single score column scores
            pos_label = encoding.classes[
                truth_positive_index(encoding, pos_label, classes)
            ]
        scores, problem, codes, _ = decode_codes(
            y_score,
            encoding.classes,
            problem=encoding.problem,
            threshold=threshold,
            from_logits=from_logits,
            pos_label=pos_label,
        )
        check_consistent_length(codes, truth)
        confidence = winning_probability(scores, codes, problem)
        return cls(
            **_curve(confidence, codes == truth, sample_weight),
            reject_threshold=reject_threshold,
        ).plot(ax)


def _curve(confidence, correct, sample_weight) -> dict:
    if sample_weight is not None:
        sample_weight = _check_sample_weight(
            sample_weight, confidence, ensure_non_negative=True
        )
    thresholds, coverage, accuracy = reject_curve(confidence, correct, sample_weight)
    return {
        "thresholds": thresholds,
        "coverage": coverage,
        "accuracy": accuracy,
        "levels": np.unique(np.asarray(confidence, dtype=np.float64))[::-1],
    }
