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
attributes and its ``evaluation_view(X, y)`` (validated scores, encoded truth and
the decision in use), never through its private state.
"""

from __future__ import annotations

import warnings
from numbers import Real
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import (
    check_consistent_length,
)

from ._decode import decode_codes
from ._display_base import Display, checked_weight, grid
from ._generalize import TUNINGS, tune_with_evidence
from ._objectives import Constrained, resolve_objective
from ._reject import reject_curve, winning_probability
from ._reports import confusion_matrix
from ._rules import apply_rule, default_threshold
from ._targets import PROBLEMS, contains_label, fit_target, truth_positive_index
from ._text import preview, to_python


def _select(labels: list, classes: Any) -> list:
    if classes is None:
        return labels
    chosen = []
    for label in np.atleast_1d(np.asarray(classes, dtype=object)):
        match = [known for known in labels if contains_label(np.array([known]), label)]
        if not match:
            raise ValueError(
                f"classes contains {to_python(label)!r}, which is not one of "
                f"{preview(labels)}."
            )
        chosen.append(match[0])
    return chosen


class ThresholdCurveDisplay(Display):
    """Objective, precision and recall against the threshold, one panel per class.

    The curves are exact: every distinct score is a point, as the tuner saw them. The
    threshold in use (tuned, or the one the estimator holds) and the default
    threshold are marked with vertical lines. Where folds are known, the objective's
    spread over them is a shaded band (mean +- 1 SD of the folds' own curves) and
    each fold's own optimum a tick at the bottom. A constraint objective
    (``RecallAtPrecision``, ``PrecisionAtRecall``) is drawn where its floor is met,
    with the floor as a horizontal line.

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
    fold_curves : dict, default=None
        ``{label: [ThresholdCurve, ...]}``, one curve per fold (as
        ``cv_results_["fold_curves"]``), drawn as a band.
    fold_thresholds : dict, default=None
        ``{label: array}``, each fold's own optimum, drawn as ticks.
    floor : tuple, default=None
        ``(name, value)`` of a constraint's floor, e.g. ``("precision", 0.9)``.

    Attributes
    ----------
    figure_ : matplotlib Figure
    ax_ : ndarray of matplotlib Axes
        One per drawn class.
    lines_ : dict
        ``{label: {"objective", "precision", "recall", "threshold", "default"}}``
        matplotlib artists, with ``"band"``, ``"folds"`` and ``"floor"`` where
        drawn.
    legend_ : matplotlib Legend
        One legend for the figure, below the panels when the display made the
        figure (so that it covers no curve), else in the first panel.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklabels import ThresholdCurveDisplay
    >>> display = ThresholdCurveDisplay.from_predictions(
    ...     ["no", "yes", "yes", "no", "yes", "no"], [0.1, 0.35, 0.8, 0.3, 0.6, 0.2],
    ...     pos_label="yes")
    >>> sorted(display.lines_["yes"])
    ['band', 'default', 'folds', 'objective', 'precision', 'recall', 'threshold']
    """

    def __init__(
        self,
        *,
        curves: dict,
        thresholds: dict | None = None,
        default_threshold: float | None = None,
        scoring: str = "objective",
        problem: str | None = None,
        fold_curves: dict | None = None,
        fold_thresholds: dict | None = None,
        floor: tuple | None = None,
    ) -> None:
        self.curves = curves
        self.thresholds = thresholds
        self.default_threshold = default_threshold
        self.scoring = scoring
        self.problem = problem
        self.fold_curves = fold_curves
        self.fold_thresholds = fold_thresholds
        self.floor = floor

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
        own_figure = ax is None
        size = (6.5, 3.2) if len(labels) == 1 else (4.0, 3.0)  # room for the legend
        fig, axes = grid(
            ax, len(labels), n_cols, size, "constrained" if own_figure else None
        )
        self.lines_ = {
            label: self._plot_class(label, axis, precision_recall)
            for label, axis in zip(labels, axes, strict=True)
        }
        self.figure_, self.ax_ = fig, axes
        self.legend_ = self._legend(fig, axes, own_figure)
        return self

    def _legend(self, fig: Any, axes: Any, own_figure: bool) -> Any:
        """One legend (the first panel's artists): below the panels in own figures."""
        handles, names = axes[0].get_legend_handles_labels()
        for axis in axes[1:]:  # marks whose values differ per panel
            for handle, name in zip(*axis.get_legend_handles_labels(), strict=True):
                if name.split(" ")[0] not in {n.split(" ")[0] for n in names}:
                    handles.append(handle)
                    names.append(name)
        names = [_generic(name) if len(axes) > 1 else name for name in names]
        if own_figure:
            one = len(axes) == 1
            return fig.legend(
                handles,
                names,
                loc="outside right upper" if one else "outside lower center",
                ncols=1 if one else min(len(names), 2 * len(axes), 4),
                fontsize="small",
                frameon=False,
            )
        return axes[0].legend(handles, names, loc="best", fontsize="x-small")

    def _plot_class(self, label: Any, axis: Any, precision_recall: bool) -> dict:
        """One class's panel; its artists by name."""
        curve = self.curves[label]
        x = np.asarray(curve.thresholds, dtype=np.float64)[::-1]
        keep = np.isfinite(x)
        lines = {}
        if self.fold_curves is not None and label in self.fold_curves:
            lines["band"] = _band(axis, x, keep, self.fold_curves[label])
        if precision_recall:
            for name, style, color in (
                ("precision", "-", "C2"),
                ("recall", "--", "C1"),
            ):
                values = getattr(curve, name)
                lines[name] = _step(
                    axis,
                    x,
                    keep,
                    values,
                    name,
                    alpha=0.8,
                    linewidth=1,
                    linestyle=style,
                    color=color,
                )
        # Drawn last and thickest: a constraint objective equals its target rate
        # where the floor is met and would hide under that curve.
        lines["objective"] = _step(
            axis,
            x,
            keep,
            curve.scores,
            self.scoring,
            linewidth=2.5,
            color="C0",
            zorder=3,
        )
        if self.floor is not None:
            name, value = self.floor
            lines["floor"] = axis.axhline(
                value,
                color="C3",
                linestyle="-.",
                linewidth=1,
                label=f"{name} floor {value:g}",
            )
        if self.fold_thresholds is not None and label in self.fold_thresholds:
            ticks = np.asarray(self.fold_thresholds[label], dtype=np.float64)
            lines["folds"] = axis.plot(
                ticks,
                np.full(len(ticks), 0.03),
                "|",
                color="C0",
                markersize=12,
                markeredgewidth=2,
                transform=axis.get_xaxis_transform(),
                label="fold optima",
            )[0]
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
        axis.set_title(str(to_python(label)))
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
        view = estimator.evaluation_view(X, y)
        problem, decision = view.problem, view.decision
        default = 0.5 if problem == "multiclass" else default_threshold(view.kind)
        pos_label = view.classes[decision.pos_index] if problem == "binary" else None
        marks = _marks(problem, view.classes, decision.thresholds, pos_label)
        objective = scoring or estimator.scoring
        if view.scores is None:
            evidence = getattr(estimator, "cv_results_", None) or {}
            if "curves" not in evidence:
                raise ValueError(
                    "this estimator stored no threshold curves; fit it with "
                    "threshold='auto', store_cv_results=True, or pass X and y to draw "
                    "the curves on that data."
                )
            curves, name = evidence["curves"], _scoring_name(objective)
        else:
            result = tune_with_evidence(
                view.scores,
                view.truth,
                problem=problem,
                classes=view.classes,
                pos_index=decision.pos_index,
                scoring=objective,
                average=estimator.average,
                tuning=estimator.tuning,
                random_state=estimator.random_state,
            )
            curves, name, evidence = result.curves, result.scoring, result.cv_results
        return cls(
            curves=curves,
            thresholds=marks,
            default_threshold=default,
            scoring=name,
            problem=problem,
            **_fold_marks(evidence),
            floor=_floor(objective),
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
        tuning: str = "exact",
        random_state: Any = None,
        **kwargs: Any,
    ) -> ThresholdCurveDisplay:
        """Curves of scores you hold, tuned with :func:`sklabels.tune_thresholds`.

        The band and the fold ticks come from 5 seeded folds of the rows.

        Parameters
        ----------
        y_true : array-like, sparse matrix or sequence of label collections
        y_score : array-like of shape (n_samples,) or (n_samples, n_columns)
        classes, problem, pos_label, scoring, average, from_logits, sample_weight
            As :func:`sklabels.tune_thresholds`.
        tuning, random_state
            As :func:`sklabels.tune_thresholds`: the rule that picks the marked
            threshold, and the seed of the folds.
        ax : matplotlib Axes or array of Axes, default=None
        plot_classes : array-like, default=None
            The classes to draw (default: all).
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : ThresholdCurveDisplay
        """
        encoding, truth, pos_index, values, problem, weight = cls._checked_predictions(
            y_true, y_score, problem, classes, pos_label, sample_weight, from_logits
        )
        if tuning not in TUNINGS:
            raise ValueError(f"tuning must be one of {TUNINGS}, got {tuning!r}.")
        result = tune_with_evidence(
            values,
            truth,
            problem=problem,
            classes=encoding.classes,
            pos_index=pos_index,
            scoring=scoring,
            average=average,
            sample_weight=weight,
            tuning=tuning,
            random_state=random_state,
        )
        return cls(
            curves=result.curves,
            thresholds=_marks(
                result.problem, result.classes, result.thresholds, result.pos_label
            ),
            default_threshold=0.5,
            scoring=result.scoring,
            problem=result.problem,
            **_fold_marks(result.cv_results),
            floor=_floor(scoring),
        ).plot(ax, classes=plot_classes, **kwargs)


def _fold_marks(evidence: dict) -> dict:
    """The band's curves and the folds' optima, by label, from fold evidence."""
    if "fold_thresholds" not in evidence:
        return {}
    optima = np.asarray(evidence["fold_thresholds"], dtype=np.float64).T
    return {
        "fold_curves": evidence.get("fold_curves"),
        "fold_thresholds": dict(zip(evidence["classes"], optima, strict=True)),
    }


def _floor(scoring: Any) -> tuple | None:
    """``(rate, minimum)`` of a constraint objective, else ``None``."""
    objective, _ = resolve_objective(scoring)
    if isinstance(objective, Constrained):
        return objective.constraint_name, float(objective.minimum)
    return None


def _marks(problem: str, classes: Any, thresholds: Any, pos_label: Any) -> dict:
    """``{label: threshold in use}``: the positive class's alone when binary."""
    if problem == "binary":
        return {pos_label: float(thresholds)}
    return dict(zip(classes, np.asarray(thresholds, dtype=float), strict=True))


def _step(axis, x, keep, values, name, **style):
    """A curve that is constant between cuts (values given in decreasing cut order).

    Values of ``-inf`` (a constraint not met) are left out, not drawn at the bottom.
    """
    y = np.asarray(values, dtype=np.float64)[::-1][keep]
    y = np.where(np.isfinite(y), y, np.nan)
    return axis.plot(x[keep], y, drawstyle="steps-pre", label=name, **style)[0]


def _values_at(curve: Any, x: np.ndarray) -> np.ndarray:
    """A curve's objective at thresholds ``x``: predict iff score >= x."""
    cuts = np.asarray(curve.thresholds, dtype=np.float64)
    at = np.searchsorted(-cuts, -x, side="right") - 1
    values = np.asarray(curve.scores, dtype=np.float64)[np.maximum(at, 0)]
    return np.where(np.isfinite(values), values, np.nan)


def _band(axis, x, keep, curves):
    """Mean +- 1 SD of the folds' objective curves, shaded."""
    grid = x[keep]
    values = np.array([_values_at(curve, grid) for curve in curves])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        mean = np.nanmean(values, axis=0)
        sd = np.nanstd(values, axis=0)
    return axis.fill_between(
        grid,
        mean - sd,
        mean + sd,
        step="pre",
        color="C0",
        alpha=0.3,
        linewidth=0,
        label=f"over {len(curves)} folds (mean +- 1 SD)",
    )


def _generic(name: str) -> str:
    """A legend entry for every panel: ``threshold 0.42`` becomes ``threshold``."""
    head = name.split(" ")[0]
    return {"threshold": "threshold in use", "default": name}.get(head, name)


def _scoring_name(scoring: Any) -> str:
    if isinstance(scoring, str):
        return scoring
    return getattr(scoring, "__name__", None) or repr(scoring)


class MultilabelConfusionDisplay(Display):
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
        fig, axes = grid(ax, len(labels), n_cols, (3.0, 3.0))
        self.displays_ = {}
        for label, axis in zip(labels, axes, strict=True):
            display = ConfusionMatrixDisplay(
                np.asarray(self.tables[label]), display_labels=["no", "yes"]
            )
            display.plot(
                ax=axis, colorbar=False, cmap=cmap, values_format=values_format
            )
            axis.set_title(str(to_python(label)))
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

        Parameters
        ----------
        estimator : ProbabilisticLabelClassifier
            Fitted on a multilabel problem.
        X, y : array-like
            Data to predict and its truth, ``y`` in any form ``fit`` accepts.
        normalize : {None, "true", "pred", "all"}, default=None
            As :func:`sklabels.confusion_matrix`.
        sample_weight : array-like of shape (n_samples,), default=None
        ax : matplotlib Axes or array of Axes, default=None
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : MultilabelConfusionDisplay
        """
        cls._check_estimator(
            estimator,
            ("multilabel",),
            "MultilabelConfusionDisplay draws multilabel problems; this one is "
            "{problem}. Use sklearn.metrics.ConfusionMatrixDisplay.from_estimator("
            "clf, X, y, labels=clf.classes_).",
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

        Parameters
        ----------
        y_true, y_pred : array-like, sparse matrix or sequence of label collections
            True and predicted labels, each in any multilabel form.
        classes, normalize, sample_weight
            As :func:`sklabels.confusion_matrix`.
        ax : matplotlib Axes or array of Axes, default=None
        **kwargs : dict
            Passed to :meth:`plot`.

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


class CoverageAccuracyDisplay(Display):
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
        fig, ax = self._axes(ax)
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
        return self._drawn(
            fig,
            ax,
            "coverage (share of samples answered)",
            "accuracy of the answered samples",
        )

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

        The point of the estimator's ``reject_threshold`` is marked.

        Parameters
        ----------
        estimator : ProbabilisticLabelClassifier
            Fitted on a binary or multiclass problem.
        X, y : array-like
            Data to predict and its truth, ``y`` in any form ``fit`` accepts.
        sample_weight : array-like of shape (n_samples,), default=None
        ax : matplotlib Axes, default=None

        Returns
        -------
        display : CoverageAccuracyDisplay
        """
        cls._check_estimator(
            estimator,
            ("binary", "multiclass"),
            "the reject option applies to single-label problems; this estimator "
            "is {problem}.",
        )
        view = estimator.evaluation_view(X, y)
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

        Parameters
        ----------
        y_true : array-like of shape (n_samples,) or one-hot matrix
        y_score : array-like of shape (n_samples,) or (n_samples, n_classes)
        classes, problem, threshold, pos_label, from_logits
            As :func:`sklabels.decode`.
        reject_threshold : float in [0, 1], default=None
            The reject threshold to mark.
        sample_weight : array-like of shape (n_samples,), default=None
        ax : matplotlib Axes, default=None

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
    sample_weight = checked_weight(sample_weight, confidence)
    thresholds, coverage, accuracy = reject_curve(confidence, correct, sample_weight)
    return {
        "thresholds": thresholds,
        "coverage": coverage,
        "accuracy": accuracy,
        "levels": np.unique(np.asarray(confidence, dtype=np.float64))[::-1],
    }
