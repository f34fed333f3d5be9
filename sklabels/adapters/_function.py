"""``FunctionClassifier``: any callable ``X -> scores`` as a scikit-learn classifier."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval

from ._base import ADAPTER_CONSTRAINTS
from ._heads import (
    EncodedTarget,
    as_2d_output,
    check_encoded_target,
)
from ._pretrained import PretrainedAdapter


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


class FunctionClassifier(PretrainedAdapter):
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
        A tuple (several outputs, or scores with extras) is refused with a
        ``TypeError``: wrap ``func`` to return the one array of scores.
    output : {"auto", "probabilities", "logits"}, default="auto"
        What ``func`` returns; with ``"logits"`` the adapter applies sigmoid or
        softmax in ``predict_proba`` and ``decision_function`` returns the logits.
        A function shows no final layer, so ``"auto"`` reads the values: any
        outside [0, 1] are logits, rows of two or more columns summing to 1 are
        softmax probabilities; anything else (one sigmoid column, per-label
        sigmoids) is ambiguous and asks for ``output=``.
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
    ...     FrozenEstimator(FunctionClassifier(network, output="probabilities")),
    ...     classes=["ok", "spam"],
    ... )
    >>> clf.fit(X, ["ok", "spam", "spam"]).predict(X).tolist()
    ['ok', 'spam', 'spam']
    """

    _parameter_constraints: dict = {
        **ADAPTER_CONSTRAINTS,
        "func": [callable],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
    }

    def __init__(
        self,
        func: Any,
        *,
        output: str = "auto",
        problem: str = "auto",
        batch_size: int | None = None,
    ) -> None:
        self.func = func
        self.output = output
        self.problem = problem
        self.batch_size = batch_size

    def _check_fit_data(self, X: Any, y: Any) -> tuple[Any, EncodedTarget]:
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
        return X, target

    def _probe(self, X: Any) -> np.ndarray:
        return self._call(_rows(X, 0, self._PROBE_ROWS))

    def _call(self, X: Any) -> np.ndarray:
        raw = self.func(X)
        if isinstance(raw, tuple):
            # (scores, extras) or per-output arrays: which one holds the scores,
            # and whether the parts are columns or rows, is not ours to guess.
            raise TypeError(
                f"{type(self).__name__}: func returned a tuple of {len(raw)} items; "
                f"it must return one array of scores, (n,) or (n, k). Pass a func "
                f"that picks it, e.g. lambda X: model(X)[0], or that stacks "
                f"per-class columns with np.column_stack."
            )
        out = as_2d_output(raw, type(self).__name__)
        if out.shape[0] != _n_rows(X):
            raise ValueError(
                f"{type(self).__name__}: func returned {out.shape[0]} rows for "
                f"{_n_rows(X)} inputs; it must return one row of scores per input."
            )
        return out

    def raw_output(self, X: Any) -> np.ndarray:
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
