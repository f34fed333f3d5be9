"""Adapters of a model that is trained already (a callable, an ONNX model)."""

from __future__ import annotations

from abc import abstractmethod
from typing import Any

import numpy as np
from sklearn.base import _fit_context

from ._base import BaseAdapter
from ._heads import EncodedTarget


class PretrainedAdapter(BaseAdapter):
    """An adapter of a model that is trained already (private).

    Ready from the start (so it can be used with
    ``sklearn.frozen.FrozenEstimator``); ``fit`` trains nothing: it runs the
    model on the first rows to check the output width against the target and
    records the head. Subclasses say how to check ``fit``'s data
    (``_check_fit_data``) and how to run the model (``_probe``, ``raw_output``).
    """

    _PROBE_ROWS = 32  # rows the model runs on in fit

    @abstractmethod
    def _check_fit_data(self, X: Any, y: Any) -> tuple[Any, EncodedTarget]:
        """``X`` as the model takes it and the validated target."""

    @abstractmethod
    def _probe(self, X: Any) -> np.ndarray:
        """The model's outputs on the first ``_PROBE_ROWS`` rows of ``X``."""

    def _handed_in(self) -> bool:
        return True  # trained already

    def __sklearn_clone__(self) -> PretrainedAdapter:
        # Nothing to train and nothing mutable: the model (a callable, a path,
        # bytes, a session) is shared, not copied; a session or a client object
        # cannot be deep-copied.
        return type(self)(**self.get_params(deep=False))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, **fit_params: Any) -> PretrainedAdapter:
        """Check the model's output width against the target; nothing is trained.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Inputs of the model; it is run on the first rows only.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Integer codes ``0..k-1``, or a 0/1 indicator matrix (multilabel).
        **fit_params : dict
            Accepted and ignored (e.g. ``sample_weight``): nothing is trained.

        Returns
        -------
        self : object
            The adapter.
        """
        X, target = self._check_fit_data(X, y)
        probe = self._probe(X)
        self._set_fitted(probe.shape[1], *self._head_for(probe, target, None))
        return self
