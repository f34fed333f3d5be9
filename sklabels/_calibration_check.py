"""The calibration check of reports: rules that read probabilities as frequencies.

A reject level (Chow's rule), a cost rule and priors re-weighting assume that a
score of 0.8 is right 80% of the time. A report of such a rule on rows where the
scores are miscalibrated -- expected calibration error above
:data:`~sklabels._calibration.CALIBRATION_LEVEL` (0.03) and above the 99th
percentile of the ECE of labels drawn from the scores themselves -- warns with a
:class:`~sklabels._warnings.CalibrationWarning`. Plain thresholds and ratios only
rank the scores, so they are not checked.
"""

from __future__ import annotations

import warnings
from typing import Any

from ._calibration import CALIBRATION_LEVEL, calibration_error
from ._costs import probabilities
from ._decision import Decision
from ._scores import PROBA, Scores
from ._warnings import CalibrationWarning, user_stacklevel


def reads_probabilities(decision: Decision) -> list[str]:
    """The parts of ``decision`` that read probabilities as frequencies."""
    parts = []
    if decision.reject_threshold is not None:
        parts.append(f"reject_threshold={decision.reject_threshold:g}")
    if decision.cost_rule is not None:
        parts.append("a cost rule")
    if decision.priors is not None:
        parts.append("priors re-weighting")
    return parts


def warn_if_miscalibrated(decision: Decision, scores: Scores, y: Any) -> None:
    """Warn when ``decision`` reads ``scores`` (not re-weighted) as frequencies
    and they are miscalibrated on these rows (labels ``y``)."""
    parts = reads_probabilities(decision)
    if not parts or (scores.kind != PROBA and not scores.logits):
        return
    proba = probabilities(scores, decision.problem, what="calibration errors")
    pos_label = None
    if decision.problem == "binary":
        pos_label = decision.classes[decision.pos_index]
    found = calibration_error(
        y,
        proba,
        decision.classes,
        problem=decision.problem,
        pos_label=pos_label,
    )
    if found.miscalibrated:
        warnings.warn(
            f"{' and '.join(parts)} read(s) the scores as probabilities, but they are "
            f"miscalibrated on these rows: expected calibration error "
            f"{found.ece:.4f}, above the level {CALIBRATION_LEVEL:g} and above "
            f"{found.noise:.4f}, what labels drawn from the scores themselves show. "
            f"Calibrate the model (CalibratedClassifierCV) or tune the rule on "
            f"held-out rows.",
            CalibrationWarning,
            stacklevel=user_stacklevel(),
        )
