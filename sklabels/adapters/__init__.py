"""Adapters: deep-learning and other models as scikit-learn classifiers.

Each adapter is a scikit-learn classifier on *encoded* targets (integer codes, or a
0/1 indicator for multilabel problems), so that
:class:`sklabels.ProbabilisticLabelClassifier` treats it like any estimator and keeps
label names in one place. Torch, Keras, ONNX Runtime and
transformers are imported only when an adapter uses them.
"""

from ._function import FunctionClassifier
from ._keras import KerasClassifier
from ._onnx import OnnxClassifier
from ._torch import TorchClassifier
from ._transformers import TransformersClassifier

__all__ = [
    "FunctionClassifier",
    "KerasClassifier",
    "OnnxClassifier",
    "TorchClassifier",
    "TransformersClassifier",
]
