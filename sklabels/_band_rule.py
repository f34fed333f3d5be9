"""Bands as a decision rule: which score column they cut, and the codes they give.

A :class:`BandRule` is the bands part of a :class:`~sklabels._decision.Decision`:
fixed :class:`~sklabels._bands.Bands` and the column of the scores they cut. Its
codes are band indices (0 for the lowest band), named by the bands themselves,
never by the class encoding.

Which score is cut: binary, the positive class's (a single column is always that
score); ``score_of=`` names another class. Multilabel and multiclass problems have
no single score: ``score_of`` is required there (a multiclass rule cuts that class's
softmax probability).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import softmax

from ._bands import Bands, tune_bands
from ._scores import PROBA, Scores
from ._text import preview, to_python


@dataclass(frozen=True, eq=False)
class BandRule:
    """Fixed bands and the score column they cut.

    Attributes
    ----------
    bands : Bands
        With cuts (probabilities).
    column : int
        The column of the scores that the bands cut.
    """

    bands: Bands
    column: int

    @property
    def names(self) -> np.ndarray:
        """The band names, lowest first, as a 1-D array of their natural dtype."""
        return np.asarray(self.bands.names)

    def score(self, scores: Scores, problem: str) -> tuple[np.ndarray, bool]:
        """The cut score of each row, and whether it is a logit."""
        values = scores.values
        if scores.logits and problem == "multiclass":
            return softmax(values, axis=1)[:, self.column], False
        return values[:, self.column], bool(scores.logits)

    def codes(self, scores: Scores, problem: str) -> np.ndarray:
        """The band index of each row (``>=`` a cut: the higher band)."""
        score, logits = self.score(scores, problem)
        return self.bands.assign(score, logits=logits).astype(np.intp)

    def labels(self, codes: np.ndarray) -> np.ndarray:
        """The band names of ``codes``."""
        return self.names[np.asarray(codes, dtype=np.intp)]

    def to_dict(self) -> dict:
        return {**self.bands.to_dict(), "column": int(self.column)}

    @classmethod
    def from_dict(cls, data: dict) -> BandRule:
        data = dict(data)
        column = data.pop("column", None)
        if not isinstance(column, int) or isinstance(column, bool):
            raise ValueError(
                f"bands in a thresholds file need the integer column they cut, got "
                f"column={column!r}; write the file again with this sklabels."
            )
        bands = Bands.from_dict(data)
        if not bands.fixed:
            raise ValueError(
                f"bands in a thresholds file need their cuts, got {bands!r}; tune "
                f"them first (fit, or tune_bands) and write the tuned bands."
            )
        return cls(bands, column)


def band_column(bands: Bands, classes: np.ndarray, problem: str, pos_index: int) -> int:
    """The column of the scores that ``bands`` cut (checked: one class's score)."""
    if bands.score_of is None:
        if problem == "binary":
            return pos_index
        raise ValueError(
            f"Bands on a {problem} problem need the class whose score they cut: pass "
            f"Bands(..., score_of=label) with one of {preview(classes)}."
        )
    matches = [j for j, c in enumerate(classes) if to_python(c) == bands.score_of]
    if not matches:
        raise ValueError(
            f"Bands(score_of={bands.score_of!r}) names no class; the classes are "
            f"{preview(classes)}."
        )
    return matches[0]


def check_band_options(
    bands: Bands, *, kind: str, logits: bool, options: dict[str, Any]
) -> None:
    """Bands cut probabilities (or logits) and decide alone: no reject, no costs."""
    if kind != PROBA and not logits:
        raise ValueError(
            f"{bands!r} cuts probabilities, but the scores are decision scores "
            f"(margins that are not logits). Use response_method='predict_proba', "
            f"or pass probabilities (or logits with from_logits=True)."
        )
    for name, value in options.items():
        if value is not None:
            raise ValueError(
                f"{name}={value!r} cannot be combined with threshold=Bands(...): "
                f"every row gets a band. Remove {name}, or use a threshold rule."
            )


def band_rule(
    bands: Bands,
    classes: np.ndarray,
    problem: str,
    pos_index: int,
) -> BandRule:
    """The rule of fixed ``bands`` on scores of ``classes``."""
    if not bands.fixed:
        raise ValueError(
            f"{bands!r} has no cuts: they are tuned on labelled rows. Fit the "
            f"estimator, or call tune_bands(bands, score, event) first; or pass "
            f"cuts=[...]."
        )
    return BandRule(bands, band_column(bands, classes, problem, pos_index))


def tune_band_rule(
    bands: Bands,
    scores: Scores,
    truth: np.ndarray,
    *,
    classes: np.ndarray,
    problem: str,
    pos_index: int,
) -> Bands:
    """``bands`` tuned on held-out ``scores`` and their encoded ``truth``.

    The event is the cut class being true: ``truth == column`` (single-label) or
    its indicator column (multilabel).
    """
    column = band_column(bands, classes, problem, pos_index)
    rule = BandRule(bands, column)
    score, logits = rule.score(scores, problem)
    event = band_event(column, truth, problem)
    return tune_bands(bands, score, event, logits=logits)


def band_event(column: int, truth: Any, problem: str) -> np.ndarray:
    """0/1 per row: the class of ``column`` is true, from the encoded ``truth``
    (class indices, or the indicator matrix of a multilabel problem)."""
    truth = np.asarray(truth)
    event = truth[:, column] if problem == "multilabel" else truth == column
    return event.astype(float)
