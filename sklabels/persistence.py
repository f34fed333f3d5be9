"""Saving a fitted estimator with ``skops.io`` (see docs/deploy.md).

``skops.io.load`` rebuilds only the types its user trusts. :func:`trusted_types`
names sklabels' own: the estimator, the values of its fitted state and the adapters::

    import skops.io as sio
    from sklabels.persistence import trusted_types

    data = sio.dumps(clf)
    clf = sio.loads(data, trusted=trusted_types())

Types from elsewhere in the file (your model's classes, a function wrapped by
``FunctionClassifier``, Torch layer classes) are yours to review and add: see
``skops.io.get_untrusted_types(data=data)``. A ``TransformersClassifier`` needs none:
its model and tokenizer are saved as their ``save_pretrained`` files.
"""

from __future__ import annotations

# Every type that sklabels itself puts in a fitted estimator's saved state. Trusting
# a type that a given file does not hold changes nothing.
_TRUSTED = (
    "numpy.dtype",  # the dtype of the training labels (TargetEncoding)
    "sklabels._certify.AtLeast",  # a reject target with its confidence
    "sklabels._certify.Certificate",  # certificates_, reject_certificate_
    "sklabels._bands.Bands",  # threshold=Bands(...) and its tuned cuts
    "sklabels._band_certify.BandCertificate",  # certified bands' certificates
    "sklabels._band_rule.BandRule",  # the bands of threshold=Decision(...)
    "sklabels._classifier.ProbabilisticLabelClassifier",
    "sklabels._costs.CostRule",
    "sklabels._decision.Decision",  # threshold=Decision(...): a saved decision
    "sklabels._decision.Tuned",  # what fit tuned: thresholds, reject level, costs
    "sklabels._fit.HeldOut",  # threshold="auto": the tuning's held-out scores
    "sklabels._fitted.FittedLabels",  # the fitted result
    "sklabels._objectives.Cost",
    "sklabels._objectives.CostMatrix",
    "sklabels._objectives.FBeta",
    "sklabels._objectives.PrecisionAtRecall",
    "sklabels._objectives.RecallAtPrecision",
    "sklabels._scores.Scores",
    "sklabels._targets.TargetEncoding",
    "sklabels._tuning.TuningResult",
    "sklabels.adapters._base.Archive",  # a network as its framework's own bytes
    "sklabels.adapters._function.FunctionClassifier",
    "sklabels.adapters._keras.KerasClassifier",
    "sklabels.adapters._onnx.OnnxClassifier",
    "sklabels.adapters._torch.TorchClassifier",
    # model and tokenizer saved as their save_pretrained files (safetensors, JSON)
    "sklabels.adapters._transformers.TransformersClassifier",
)


def trusted_types() -> list[str]:
    """The names of sklabels' types, for ``skops.io.load(..., trusted=...)``.

    Enough on their own for every estimator on a scikit-learn model and for the
    ONNX, Keras and transformers adapters (networks saved in their own formats); a
    Torch network's module classes and a wrapped function are yours to add.

    Returns
    -------
    list of str
        Fully qualified type names, a new list on each call.
    """
    return list(_TRUSTED)
