"""sklabels: from classifier outputs to the labels you asked for."""

from ._classifier import ProbabilisticLabelClassifier
from ._decode import decode
from ._tuner import TuningResult, tune_thresholds
from ._tuning import (
    Cost,
    FBeta,
    FewPositivesWarning,
    PrecisionAtRecall,
    RecallAtPrecision,
    ThresholdCurve,
    UnreachableConstraintWarning,
)
from ._version import __version__

__all__ = [
    "Cost",
    "FBeta",
    "FewPositivesWarning",
    "PrecisionAtRecall",
    "ProbabilisticLabelClassifier",
    "RecallAtPrecision",
    "ThresholdCurve",
    "TuningResult",
    "UnreachableConstraintWarning",
    "__version__",
    "decode",
    "tune_thresholds",
]
