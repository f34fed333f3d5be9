"""``FunctionClassifier``: any callable ``X -> scores`` as a scikit-learn classifier."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if

from ._base import (
    OUTPUTS,
    PROBLEMS,
    BaseAdapter,
    as_2d_output,
    check_encoded_target,
    check_probabilities,
    head_for_target,
)

# Rows the callable is run on in fit, to learn its output width.
_PROBE_ROWS = 32


def _is_logits(self: FunctionClassifier) -> bool:
    return self.output == "logits"


def _n_rows(X: Any) -> int:
    shape = getattr(X, "shape", None)
    return int(shape[0]) if shape is not None and len(shape) else len(X)


def _n_columns(X: Any) -> int | None:
    """The column count of a 2-D input with a ``shape``, else None."""
    shape = getattr(X, "shape", None)
    if shape is None or len(shape) != 2:
        return None
    return int(shape[1])


def _rows(X: Any, start: int, stop: int) -> Any:
    return X.iloc[start:stop] if hasattr(X, "iloc") else X[start:stop]


class FunctionClassifier(BaseAdapter):
    """Any callable that scores inputs, as a scikit-learn classifier.

    ``func(X)`` returns one row of scores per sample: a JAX or NumPy function, a
    remote model client, a compiled network. There is nothing to train: the
    adapter is ready from the start (so it can be used with
    ``sklearn.frozen.FrozenEstimator``), and ``fit`` only checks, on the first
    rows, that the output width fits the encoded target and records the problem.

    Parameters
    ----------
    func : callable
        ``func(X) -> array`` of shape ``(n,)`` or ``(n, k)`` (NumPy array, list,
        tensor of any library NumPy can read). Shared, not copied, by ``clone``.
    output : {"probabilities", "logits"}, default="probabilities"
        What ``func`` returns; with ``"logits"`` the adapter applies sigmoid or
        softmax in ``predict_proba`` and ``decision_function`` returns the logits.
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
        ``"auto"`` reads it from ``y`` in ``fit``. Before ``fit``, needed only for
        several logit columns (softmax and per-label sigmoid look alike).
    batch_size : int, default=None
        Call ``func`` on slices of this many rows (for clients with request size
        limits); ``None`` calls it once on all of ``X``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The encoded classes ``arange(k)`` (``[0, 1]`` for one column), after
        ``fit``.
    n_outputs_ : int
        The width of ``func``'s output, after ``fit``.
    n_features_in_ : int
        The number of columns of ``X`` in ``fit``, when ``X`` was a 2-D array
        or DataFrame. Later inputs with another number of columns are refused
        with a ``ValueError`` before ``func`` runs. Before ``fit`` (or after a
        ``fit`` on inputs without columns) ``func`` receives any input.
    problem_ : str
        ``"binary"``, ``"multiclass"`` or ``"multilabel"``.

    Notes
    -----
    Predicting keeps no state between calls: the adapter is as thread-safe as
    ``func`` is.

    See Also
    --------
    OnnxClassifier : An ONNX model run by ONNX Runtime.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklabels import ProbabilisticLabelClassifier
    >>> from sklabels.adapters import FunctionClassifier
    >>> def network(X):
    ...     return 1 / (1 + np.exp(-X[:, :1]))  # one sigmoid output
    >>> X = np.array([[-2.0], [0.5], [3.0]])
    >>> clf = ProbabilisticLabelClassifier(
    ...     FrozenEstimator(FunctionClassifier(network)), classes=["ok", "spam"]
    ... )
    >>> clf.fit(X, ["ok", "spam", "spam"]).predict(X).tolist()
    ['ok', 'spam', 'spam']
    """

    _parameter_constraints: dict = {
        "func": [callable],
        "output": [StrOptions(OUTPUTS)],
        "problem": [StrOptions(PROBLEMS)],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        func: Any,
        *,
        output: str = "probabilities",
        problem: str = "auto",
        batch_size: int | None = None,
    ) -> None:
        self.func = func
        self.output = output
        self.problem = problem
        self.batch_size = batch_size

    def _handed_in(self) -> bool:
        return True  # nothing to train: ready from the start

    def __sklearn_clone__(self) -> FunctionClassifier:
        # The callable has no trainable state; a deep copy of a client object (a
        # session, a socket) would fail or duplicate it.
        return type(self)(**self.get_params(deep=False))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, **fit_params: Any) -> FunctionClassifier:
        """Check the callable's output width against the target; nothing is trained.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Inputs of ``func``; it is run on the first rows only.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Integer codes ``0..k-1``, or a 0/1 indicator matrix (multilabel).
        **fit_params : dict
            Accepted and ignored (e.g. ``sample_weight``): nothing is trained.

        Returns
        -------
        self : object
            The adapter.
        """
        name = type(self).__name__
        target = check_encoded_target(y, name)
        n = _n_rows(X)
        if n != len(target.values):
            raise ValueError(f"{name}: X has {n} rows but y has {len(target.values)}.")
        width = _n_columns(X)
        if width is not None:
            self.n_features_in_ = width
        elif hasattr(self, "n_features_in_"):
            del self.n_features_in_  # refit on inputs without columns
        probe = self._call(_rows(X, 0, min(n, _PROBE_ROWS)))
        head, problem = head_for_target(
            probe.shape[1], target, self.problem, self.output, name
        )
        if self.output == "probabilities":
            check_probabilities(probe, name)
        self._set_fitted(probe.shape[1], head, problem)
        return self

    def _call(self, X: Any) -> np.ndarray:
        out = as_2d_output(self.func(X), type(self).__name__)
        if out.shape[0] != _n_rows(X):
            raise ValueError(
                f"{type(self).__name__}: func returned {out.shape[0]} rows for "
                f"{_n_rows(X)} inputs; it must return one row of scores per input."
            )
        return out

    def _raw(self, X: Any) -> np.ndarray:
        expected = getattr(self, "n_features_in_", None)
        width = _n_columns(X)
        if expected is not None and width is not None and width != expected:
            raise ValueError(
                f"X has {width} features, but FunctionClassifier is expecting "
                f"{expected} features as input (the number of columns seen in fit)."
            )
        n = _n_rows(X)
        if self.batch_size is None or n <= self.batch_size:
            return self._call(X)
        parts = [
            self._call(_rows(X, start, start + self.batch_size))
            for start in range(0, n, self.batch_size)
        ]
        return np.concatenate(parts, axis=0)

    @available_if(_is_logits)
    def decision_function(self, X: Any) -> np.ndarray:
        """The callable's logits (only with ``output="logits"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        logits : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Binary: the logit of class 1 (for two softmax columns, their
            difference). Otherwise one column per class or label.
        """
        return self._decision(X)
