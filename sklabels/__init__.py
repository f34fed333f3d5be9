"""sklabels: from classifier outputs to the labels you asked for."""

from ._classifier import ProbabilisticLabelClassifier
from ._decode import decode
from ._display import (
    CoverageAccuracyDisplay,
    MultilabelConfusionDisplay,
    ThresholdCurveDisplay,
)
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
    "CoverageAccuracyDisplay",
    "FBeta",
    "FewPositivesWarning",
    "LabelledMatrix",
    "MultilabelConfusionDisplay",
    "PrecisionAtRecall",
    "ProbabilisticLabelClassifier",
    "RecallAtPrecision",
    "ThresholdCurve",
    "ThresholdCurveDisplay",
    "TuningResult",
    "UnreachableConstraintWarning",
    "__version__",
    "classification_report",
    "confusion_matrix",
    "decode",
    "tune_thresholds",
]
