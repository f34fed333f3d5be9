"""sklabels: from classifier outputs to the labels you asked for."""

from ._classifier import ProbabilisticLabelClassifier
from ._decode import decode
from ._version import __version__

__all__ = ["ProbabilisticLabelClassifier", "__version__", "decode"]
