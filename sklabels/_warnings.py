"""Warnings of the tuning, and the stack level that points them at the user's call."""

from __future__ import annotations

import inspect
import os

import sklearn

# Per-class tuning on fewer positives than this is flagged as likely to overfit.
FEW_POSITIVES = 10


class UnreachableConstraintWarning(UserWarning):
    """No threshold meets a precision/recall constraint on the tuning data."""


class CertificateScopeWarning(UserWarning):
    """A certificate speaks for the cv models, not for the model refit on all rows.

    The floor is certified on scores of rows the scoring models never saw; the
    model refit on all the data saw them all, so the guarantee does not carry
    over to it.
    """


class FewPositivesWarning(UserWarning):
    """A class's threshold cannot be tuned reliably, or at all.

    Raised for too few positives (the threshold is likely to overfit), for no
    positives or no negatives, and for scores that are the same for every sample
    (a constant predictor): in the last two cases nothing can be tuned and the
    class keeps its default threshold.
    """


class RowSumWarning(UserWarning):
    """Multiclass probabilities whose rows do not sum to 1.

    The ratio thresholds and the reject level assume one distribution per row: on
    other values (logits, independent sigmoid outputs) they mean nothing.
    """


class CalibrationWarning(UserWarning):
    """A rule that reads probabilities as frequencies runs on miscalibrated scores.

    A reject level, a cost rule or priors re-weighting assumes that a score of 0.8
    is right 80% of the time. Warned where the expected calibration error on the
    evaluation rows is above 0.03 and above the 99th percentile of the ECE of
    labels drawn from the scores themselves (``calibration_error(...).miscalibrated``).
    """


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


_SKLEARN_DIR = os.path.dirname(os.path.abspath(sklearn.__file__))


def user_stacklevel() -> int:
    """``stacklevel`` for ``warnings.warn`` that points at the user's own call.

    Counts the frames inside sklabels and scikit-learn (``fit`` wrappers) between
    the function that warns (the caller of this one) and the user's code.
    """
    frame = inspect.currentframe().f_back
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(
        (_PACKAGE_DIR, _SKLEARN_DIR)
    ):
        frame = frame.f_back
        level += 1
    return level
