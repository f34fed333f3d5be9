"""What the displays share: matplotlib, the axes they draw on and label, the check
of a fitted estimator's problem, and the checks of the inputs their
``from_predictions`` constructors read."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._tuning import validated_scores


def pyplot():
    """``matplotlib.pyplot``, or an error that names the extra to install."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:  # pragma: no cover - matplotlib is a test dependency
        raise ImportError(
            'Displays need matplotlib: pip install "sklabels[plot]".'
        ) from None
    return plt


def grid(
    ax: Any,
    n: int,
    n_cols: int | None,
    size: tuple[float, float],
    layout: str | None = None,
):
    """``n`` axes: the given ones, or a new grid of subplots (with ``layout``)."""
    plt = pyplot()
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
    fig, panels = plt.subplots(
        rows,
        cols,
        squeeze=False,
        figsize=(size[0] * cols, size[1] * rows),
        layout=layout,
    )
    axes = panels.ravel()
    for extra in axes[n:]:
        extra.set_visible(False)
    return fig, axes[:n]


def checked_weight(sample_weight: Any, rows: Any) -> np.ndarray | None:
    """Non-negative weights, one per row of ``rows``; ``None`` stays ``None``."""
    if sample_weight is None:
        return None
    return _check_sample_weight(sample_weight, rows, ensure_non_negative=True)


class Display:
    """Base of the displays: one-panel axes set-up and the checked inputs."""

    @staticmethod
    def _axes(ax: Any) -> tuple[Any, Any]:
        """The figure and axes to draw one panel on: ``ax``'s, or a new 5x4 figure."""
        if ax is None:
            return pyplot().subplots(figsize=(5, 4))
        return ax.figure, ax

    def _drawn(self, fig: Any, ax: Any, xlabel: str, ylabel: str) -> Any:
        """Name the panel's axes and keep its figure and axes; returns ``self``."""
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        self.figure_, self.ax_ = fig, ax
        return self

    @staticmethod
    def _check_estimator(estimator: Any, problems: tuple[str, ...], error: str) -> None:
        """``estimator`` fitted on one of ``problems``; else a ValueError of
        ``error`` with ``{problem}`` filled in."""
        check_is_fitted(estimator)
        if estimator.problem_ not in problems:
            raise ValueError(error.format(problem=estimator.problem_))

    @staticmethod
    def _checked_predictions(
        y_true, y_score, problem, classes, pos_label, sample_weight, from_logits
    ):
        """The encoding, truth, positive index, Scores, problem and weights, checked
        as :func:`sklabels.tune_thresholds` checks them."""
        return validated_scores(
            y_true, y_score, problem, classes, pos_label, sample_weight, from_logits
        )
