"""sklabels: from classifier outputs to the labels you asked for.

The public names are imported on first use (PEP 562 ``__getattr__``), so that
``sklabels --help`` and ``sklabels --version`` start without importing scikit-learn.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ._version import __version__

if TYPE_CHECKING:  # the same names, for type checkers and documentation tools
    from ._band_certify import BandCertificate
    from ._bands import (
        BandRow,
        Bands,
        BandWarning,
        band_report,
        plot_bands,
    )
    from ._calibration import CalibrationError, calibration_error, plot_reliability
    from ._certify import (
        AtLeast,
        Certificate,
        NotCertifiedWarning,
        certify_cut,
        certify_cuts,
        certify_reject,
    )
    from ._classifier import ProbabilisticLabelClassifier
    from ._cost_display import CostCurveDisplay
    from ._cost_summary import CostSummary
    from ._decision import Decision
    from ._decode import decode
    from ._display import (
        CoverageAccuracyDisplay,
        MultilabelConfusionDisplay,
        ThresholdCurveDisplay,
    )
    from ._frozen import ClassOrderWarning
    from ._objectives import (
        Cost,
        CostMatrix,
        FBeta,
        PrecisionAtRecall,
        RecallAtPrecision,
    )
    from ._priors import PriorEstimate
    from ._reports import LabelledMatrix, classification_report, confusion_matrix
    from ._sweep import ThresholdCurve
    from ._tune import tune_bands, tune_thresholds
    from ._tuning import TuningResult
    from ._warnings import (
        CalibrationWarning,
        CertificateScopeWarning,
        FewPositivesWarning,
        RowSumWarning,
        UnreachableConstraintWarning,
    )

# public name -> the private module that defines it
_EXPORTS = {
    "AtLeast": "._certify",
    "BandCertificate": "._band_certify",
    "BandRow": "._bands",
    "Bands": "._bands",
    "BandWarning": "._bands",
    "band_report": "._bands",
    "plot_bands": "._bands",
    "tune_bands": "._tune",
    "CalibrationWarning": "._warnings",
    "NotCertifiedWarning": "._certify",
    "Certificate": "._certify",
    "certify_cut": "._certify",
    "certify_cuts": "._certify",
    "certify_reject": "._certify",
    "CertificateScopeWarning": "._warnings",
    "ProbabilisticLabelClassifier": "._classifier",
    "Decision": "._decision",
    "decode": "._decode",
    "ClassOrderWarning": "._frozen",
    "CalibrationError": "._calibration",
    "calibration_error": "._calibration",
    "plot_reliability": "._calibration",
    "CoverageAccuracyDisplay": "._display",
    "MultilabelConfusionDisplay": "._display",
    "ThresholdCurveDisplay": "._display",
    "LabelledMatrix": "._reports",
    "classification_report": "._reports",
    "confusion_matrix": "._reports",
    "TuningResult": "._tuning",
    "tune_thresholds": "._tune",
    "Cost": "._objectives",
    "CostCurveDisplay": "._cost_display",
    "CostMatrix": "._objectives",
    "CostSummary": "._cost_summary",
    "PriorEstimate": "._priors",
    "FBeta": "._objectives",
    "FewPositivesWarning": "._warnings",
    "PrecisionAtRecall": "._objectives",
    "RecallAtPrecision": "._objectives",
    "RowSumWarning": "._warnings",
    "ThresholdCurve": "._sweep",
    "UnreachableConstraintWarning": "._warnings",
}

__all__ = [
    "AtLeast",
    "BandCertificate",
    "BandRow",
    "BandWarning",
    "Bands",
    "CalibrationError",
    "CalibrationWarning",
    "Certificate",
    "CertificateScopeWarning",
    "ClassOrderWarning",
    "Cost",
    "CostCurveDisplay",
    "CostMatrix",
    "CostSummary",
    "CoverageAccuracyDisplay",
    "Decision",
    "FBeta",
    "FewPositivesWarning",
    "LabelledMatrix",
    "MultilabelConfusionDisplay",
    "NotCertifiedWarning",
    "PrecisionAtRecall",
    "PriorEstimate",
    "ProbabilisticLabelClassifier",
    "RecallAtPrecision",
    "RowSumWarning",
    "ThresholdCurve",
    "ThresholdCurveDisplay",
    "TuningResult",
    "UnreachableConstraintWarning",
    "__version__",
    "band_report",
    "calibration_error",
    "certify_cut",
    "certify_cuts",
    "certify_reject",
    "classification_report",
    "confusion_matrix",
    "decode",
    "plot_bands",
    "plot_reliability",
    "tune_bands",
    "tune_thresholds",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first access, then cache it."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sklabels' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
