"""sklabels: from classifier outputs to the labels you asked for."""

from ._classifier import ProbabilisticLabelClassifier
from ._decode import decode
from ._reports import LabelledMatrix, classification_report, confusion_matrix
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
    "LabelledMatrix",
    "PrecisionAtRecall",
    "ProbabilisticLabelClassifier",
    "RecallAtPrecision",
    "ThresholdCurve",
    "TuningResult",
    "UnreachableConstraintWarning",
    "__version__",
    "classification_report",
    "confusion_matrix",
    "decode",
    "tune_thresholds",
]
