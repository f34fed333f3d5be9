"""What every adapter shares: encoded targets, output heads, lazy imports.

An adapter is a scikit-learn classifier on *encoded* targets: 1-D integer codes
``0..k-1`` (binary, multiclass) or an ``(n, k)`` 0/1 indicator (multilabel). It
never sees label names; :class:`sklabels.ProbabilisticLabelClassifier` maps codes
to names. What differs between adapters is how a network is built, trained and
run; what its outputs *mean* is decided here, once, from the output width, the
target and the ``output`` / ``problem`` parameters.

Heads
-----
``"sigmoid"``
    One output column: ``p(code 1)`` (binary).
``"softmax"``
    ``k >= 2`` columns, one class per sample (binary with two outputs, multiclass).
``"multilabel"``
    ``k`` columns, one independent sigmoid per label.
``"unknown"``
    ``k >= 2`` columns of a handed-in network before ``fit`` with ``problem="auto"``:
    softmax and per-label sigmoid outputs look alike. Probabilities can still be
    passed on as they are; logits and ``predict`` need ``problem=``.
"""

from __future__ import annotations

import importlib
import sys
from abc import ABCMeta, abstractmethod
from dataclasses import dataclass
from numbers import Integral
from types import ModuleType
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import validate_data

from .._scores import check_finite, check_proba_range, is_tensor

SIGMOID, SOFTMAX, MULTILABEL, UNKNOWN = "sigmoid", "softmax", "multilabel", "unknown"
PROBLEMS = {"auto", "binary", "multiclass", "multilabel"}
OUTPUTS = {"logits", "probabilities"}


def import_optional(module: str, extra: str, owner: str) -> ModuleType:
    """Import an optional dependency, or raise an ImportError naming the extra.

    The lookup goes through ``importlib`` on every call (a dictionary look-up once
    imported), so a library removed from ``sys.modules`` is noticed.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ImportError(
            f"{owner} needs the optional dependency {module!r}, which could not be "
            f'imported ({exc}). Install it with: pip install "sklabels[{extra}]"'
        ) from exc


def loaded(module: str) -> ModuleType | None:
    """The module if it is already imported, else None (never imports it).

    An object can only be an instance of a library's class if that library is
    imported, so "is this a torch.nn.Module?" needs no import.
    """
    found = sys.modules.get(module)
    return found if isinstance(found, ModuleType) else None


@dataclass(frozen=True)
class EncodedTarget:
    """A validated encoded target.

    Attributes
    ----------
    values : ndarray
        1-D int64 codes (single-label) or a 2-D float32 0/1 indicator (multilabel).
    multilabel : bool
    n_codes : int
        Single-label: ``max(code) + 1``, at least 2. Multilabel: the column count.
    """

    values: np.ndarray
    multilabel: bool
    n_codes: int


@dataclass(frozen=True)
class InputSpec:
    """The per-sample input shape a network shows before it runs.

    Attributes
    ----------
    shape : tuple of (int or None)
        Sizes after the batch axis; ``None`` accepts any size.
    source : str
        Where the shape was read, for error messages ("the in_features of its
        first Linear layer").
    trailing : bool
        Only the last ``len(shape)`` axes are fixed (a Torch ``Linear`` accepts
        any leading axes).
    flattened : bool
        ``shape`` is ``(k,)`` and ``X`` is flattened first: the product of its
        per-sample sizes must be ``k``.
    """

    shape: tuple
    source: str
    trailing: bool = False
    flattened: bool = False


def check_input_spec(X: np.ndarray, spec: InputSpec | None, owner: str) -> None:
    """Refuse ``X`` whose per-sample shape the network cannot take, before it runs.

    The error names both sizes: ``"X has 7 features, but the network expects 5
    (the in_features of its first Linear layer)."``
    """
    if spec is None:
        return
    sample = tuple(int(size) for size in X.shape[1:])
    if spec.flattened:
        got = (int(np.prod(sample, dtype=np.int64)),)
    elif spec.trailing:
        got = sample[-len(spec.shape) :] if len(sample) >= len(spec.shape) else sample
    else:
        got = sample
    fits = len(got) == len(spec.shape) and all(
        want is None or want == size for want, size in zip(spec.shape, got, strict=True)
    )
    if fits:
        return
    if len(spec.shape) == 1 and spec.shape[0] is not None and len(sample) == 1:
        raise ValueError(
            f"{owner}: X has {sample[0]} features, but the network expects "
            f"{spec.shape[0]} ({spec.source})."
        )
    if spec.flattened:
        raise ValueError(
            f"{owner}: X has {got[0]} values per sample (shape {sample}), but the "
            f"network expects {spec.shape[0]} after flattening ({spec.source})."
        )
    wanted = tuple("any" if size is None else size for size in spec.shape)
    what = "ending in" if spec.trailing else "of"
    raise ValueError(
        f"{owner}: X has samples of shape {sample}, but the network expects "
        f"samples {what} shape ({', '.join(map(str, wanted))}) ({spec.source})."
    )


def feature_count_error(owner: str, X: np.ndarray, detail: str) -> ValueError:
    """A framework's shape error while running the network, said in X's terms."""
    sample = tuple(int(size) for size in X.shape[1:])
    has = f"{sample[0]} features" if len(sample) == 1 else f"samples of shape {sample}"
    return ValueError(
        f"{owner}: the network cannot take X, which has {has}: {detail}. Pass X "
        f"with the number of features (columns) the network was built for."
    )


def check_encoded_target(y: Any, owner: str) -> EncodedTarget:
    """Validate ``y`` as integer codes or a 0/1 indicator matrix."""
    if sp.issparse(y):
        y = y.toarray()
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]  # a column of codes (Keras-style targets)
    if y.dtype.kind not in "biuf":
        raise TypeError(
            f"{owner} fits encoded targets: integer codes 0..k-1 or a 0/1 indicator "
            f"matrix, got dtype {y.dtype} (e.g. {_first(y)!r}). To train on label "
            f"names, wrap it: ProbabilisticLabelClassifier({owner}(...)).fit(X, y)."
        )
    if y.ndim not in (1, 2) or y.shape[0] == 0 or (y.ndim == 2 and y.shape[1] == 0):
        raise ValueError(
            f"{owner}: y must be 1-D codes of shape (n,) or an indicator of shape "
            f"(n, k) with n, k >= 1, got shape {y.shape}."
        )
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"{owner}: y contains NaN or infinite values.")
    if y.ndim == 2:
        if not np.isin(y, (0, 1)).all():
            raise ValueError(
                f"{owner}: a 2-D y must be a 0/1 indicator matrix (multilabel), got "
                f"values {_preview_values(y)}."
            )
        return EncodedTarget(y.astype(np.float32), True, y.shape[1])
    if (y < 0).any() or (y != np.round(y)).any():
        raise ValueError(
            f"{owner}: 1-D y must hold integer codes 0..k-1, got values "
            f"{_preview_values(y)}. Encode labels first, or wrap the adapter in "
            f"ProbabilisticLabelClassifier, which does."
        )
    codes = y.astype(np.int64)
    return EncodedTarget(codes, False, max(2, int(codes.max()) + 1))


def _first(y: np.ndarray) -> Any:
    return y.reshape(-1)[0] if y.size else None


def _preview_values(y: np.ndarray) -> str:
    values = np.unique(y)
    shown = ", ".join(repr(v.item()) for v in values[:6])
    return f"[{shown}{', ...' if len(values) > 6 else ''}]"


def head_for_target(
    width: int, target: EncodedTarget, problem: str, output: str, owner: str
) -> tuple[str, str]:
    """The head of a network of output ``width`` trained on ``target``.

    Returns ``(head, problem_)``; raises ValueError when they do not fit together.
    """
    if target.multilabel:
        if problem in ("binary", "multiclass"):
            raise ValueError(
                f"{owner}(problem={problem!r}) got a 2-D indicator y, which is a "
                f"multilabel target. Use problem='multilabel' or 'auto', or pass 1-D "
                f"codes."
            )
        if width != target.n_codes:
            raise ValueError(
                f"{owner}: the network has {width} output(s) but y has "
                f"{target.n_codes} label columns; a multilabel network needs one "
                f"output per label ({target.n_codes})."
            )
        return MULTILABEL, "multilabel"
    if width == 1:
        if target.n_codes > 2 or problem == "multiclass":
            raise ValueError(
                f"{owner}: the network has 1 output (a single sigmoid), which can "
                f"only score a binary problem, but y has codes up to "
                f"{target.n_codes - 1}. Give it one output per class "
                f"({target.n_codes})."
            )
        return SIGMOID, "binary"
    if width < target.n_codes:
        raise ValueError(
            f"{owner}: the network has {width} outputs but y has codes up to "
            f"{target.n_codes - 1}, so it needs at least {target.n_codes} outputs "
            f"(one per class)."
        )
    if problem == "multilabel":
        raise ValueError(
            f"{owner}(problem='multilabel') got 1-D codes; a multilabel target is a "
            f"2-D 0/1 indicator of shape (n, {width})."
        )
    if problem == "binary" and width != 2:
        raise ValueError(
            f"{owner}(problem='binary') needs 1 or 2 outputs, the network has {width}."
        )
    return SOFTMAX, "binary" if width == 2 else "multiclass"


def head_for_width(width: int, problem: str, owner: str) -> tuple[str, str | None]:
    """Head of a handed-in network before ``fit``, from its width and ``problem``."""
    if width == 1:
        if problem == "multiclass":
            raise ValueError(
                f"{owner}(problem='multiclass'): the network has 1 output, which "
                f"scores a binary problem (a single sigmoid)."
            )
        return SIGMOID, "binary"
    if problem == "multilabel":
        return MULTILABEL, "multilabel"
    if problem == "binary" and width != 2:
        raise ValueError(
            f"{owner}(problem='binary') needs 1 or 2 outputs, the network has {width}."
        )
    if problem in ("binary", "multiclass"):
        return SOFTMAX, "binary" if width == 2 else "multiclass"
    return UNKNOWN, None


def ambiguous_error(owner: str, width: int, what: str) -> ValueError:
    return ValueError(
        f"{owner}: {what} of a network with {width} outputs depends on whether they "
        f"are softmax outputs (one class per sample) or per-label sigmoid outputs "
        f"(multilabel), which look alike and which this handed-in network has not "
        f"been fitted to tell. Say which: {owner}(..., problem='multiclass') (or "
        f"'binary' for two softmax outputs) or problem='multilabel'."
    )


def check_probabilities(values: np.ndarray, owner: str) -> None:
    """Network outputs read as probabilities must be finite and lie in [0, 1]."""
    lo, hi = check_finite(values, f"{owner} outputs")
    check_proba_range(
        lo,
        hi,
        f"{owner}(output='probabilities') network outputs",
        fix="the network returns logits (no final sigmoid/softmax). Pass "
        "output='logits' and the adapter applies the sigmoid or softmax itself.",
    )


def activate(raw: np.ndarray, head: str, owner: str) -> np.ndarray:
    """Logits to probabilities: sigmoid per column, or softmax per row."""
    check_finite(raw, f"{owner} outputs")
    if head == UNKNOWN:
        raise ambiguous_error(owner, raw.shape[1], "turning logits into probabilities")
    if head == SOFTMAX:
        return softmax(raw, axis=1)
    return expit(raw)


def two_columns(proba: np.ndarray) -> np.ndarray:
    """``(n, 1)`` sigmoid probabilities as scikit-learn's ``(n, 2)`` ``[1 - p, p]``."""
    p = proba[:, 0]
    return np.column_stack([1 - p, p])


def as_2d_output(raw: Any, owner: str) -> np.ndarray:
    """A network output as a 2-D float array ``(n, width)``."""
    if is_tensor(raw):
        raw = raw.detach().cpu().numpy()
    values = np.asarray(raw)
    if values.dtype.kind not in "fiub":
        raise TypeError(
            f"{owner}: the network returned dtype {values.dtype}; it must return "
            f"numbers (logits or probabilities)."
        )
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(
            f"{owner}: the network returned an output of shape {values.shape}; it "
            f"must be (n,) or (n, k): one row per sample, one column per class or "
            f"label."
        )
    if values.dtype.kind != "f":
        values = values.astype(np.float64)
    return values


class BaseAdapter(ClassifierMixin, BaseEstimator, metaclass=ABCMeta):
    """Common behaviour of the adapters (private base class).

    Subclasses implement ``_raw(X)`` (the network's output, ``(n, width)``),
    ``_handed_in()`` (whether a ready network was passed in) and ``fit``; they may
    override ``_proba(X)`` to apply the activation in their own library.
    """

    _ROUTED: tuple[str, ...] = ()  # prefixes of free keyword parameters

    # ----------------------------------------------------------- routed params
    def _take_routed(self, kwargs: dict) -> None:
        """Store ``prefix__name`` keyword arguments; reject anything else."""
        for key, value in kwargs.items():
            if not any(
                key.startswith(f"{p}__") and len(key) > len(p) + 2 for p in self._ROUTED
            ):
                expected = " or ".join(f"{p}__<name>" for p in self._ROUTED)
                raise TypeError(
                    f"{type(self).__name__}.__init__() got an unexpected keyword "
                    f"argument {key!r}; extra keyword arguments must look like "
                    f"{expected}."
                )
            setattr(self, key, value)

    def _routed(self, prefix: str) -> dict:
        start = f"{prefix}__"
        return {
            key[len(start) :]: value
            for key, value in vars(self).items()
            if key.startswith(start)
        }

    def get_params(self, deep: bool = True) -> dict:
        """Get the parameters of this adapter, ``prefix__name`` ones included.

        Parameters
        ----------
        deep : bool, default=True
            Ignored beyond scikit-learn's meaning: adapters hold no sub-estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        for prefix in self._ROUTED:
            params.update(
                {
                    f"{prefix}__{key}": value
                    for key, value in self._routed(prefix).items()
                }
            )
        return params

    def set_params(self, **params: Any) -> BaseAdapter:
        """Set parameters, ``prefix__name`` ones (e.g. ``module__hidden``) included.

        Parameters
        ----------
        **params : dict
            Parameter names and their new values.

        Returns
        -------
        self : object
            This adapter.
        """
        routed = {
            key: params.pop(key)
            for key in list(params)
            if any(key.startswith(f"{p}__") for p in self._ROUTED)
        }
        for key, value in routed.items():
            setattr(self, key, value)
        if params:
            super().set_params(**params)
        return self

    # ------------------------------------------------------------- fitted state
    @abstractmethod
    def _handed_in(self) -> bool:
        """Whether a ready network was passed in (usable before ``fit``)."""

    @abstractmethod
    def _raw(self, X: Any) -> np.ndarray:
        """The network's output on ``X``, shape ``(n, width)``."""

    def _static_width(self) -> int | None:
        """Output width of a handed-in network, when known without running it."""
        return None

    def _input_spec(self, reset: bool) -> InputSpec | None:
        """The input shape the network shows before running, if it shows one.

        ``reset``: for ``fit``, the network about to be fitted (the parameter),
        else the one that predicts.
        """
        return None

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "_head") or self._handed_in()

    def _check_ready(self) -> None:
        if not self.__sklearn_is_fitted__():
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet: call 'fit' "
                f"first, or pass an already built (trained) network to use it as is."
            )

    def _current_head(self, width: int) -> str:
        """The head for an output of ``width`` columns (fitted, else from params)."""
        if hasattr(self, "_head"):
            if width != self._width:
                raise ValueError(
                    f"{type(self).__name__}: the network now returns {width} "
                    f"column(s) but returned {self._width} in fit."
                )
            return self._head
        return head_for_width(width, self.problem, type(self).__name__)[0]

    def _set_fitted(self, width: int, head: str, problem: str) -> None:
        self._width = width
        self._problem = problem
        self._head = head  # last: its presence means "fitted"

    def _width_now(self) -> int:
        if hasattr(self, "_head"):
            return self._width
        width = self._static_width() if self._handed_in() else None
        if width is None:
            raise AttributeError(
                f"{type(self).__name__} knows its output width (and so classes_) "
                f"after fit; for a handed-in network it is read from the network "
                f"where its structure shows it. Call fit, or pass classes= to "
                f"ProbabilisticLabelClassifier."
            )
        return width

    @property
    def n_outputs_(self) -> int:
        """Number of output columns of the network."""
        return self._width_now()

    @property
    def classes_(self) -> np.ndarray:
        """The encoded classes: ``arange(k)``; ``[0, 1]`` for a single sigmoid."""
        return np.arange(max(self._width_now(), 2))

    @property
    def problem_(self) -> str:
        """``"binary"``, ``"multiclass"`` or ``"multilabel"``, as fitted or given."""
        if hasattr(self, "_head"):
            return self._problem
        problem = head_for_width(self._width_now(), self.problem, type(self).__name__)[
            1
        ]
        if problem is None:
            raise AttributeError(
                f"{type(self).__name__}: problem_ of a handed-in network with "
                f"several outputs is unknown before fit; pass problem=."
            )
        return problem

    # --------------------------------------------------------------- X handling
    def _check_X(self, X: Any, *, reset: bool, dtype: Any = "numeric") -> np.ndarray:
        """Validate ``X`` (n-D numeric arrays allowed, e.g. images)."""
        X = validate_data(
            self, X, reset=reset, dtype=dtype, allow_nd=True, ensure_min_features=1
        )
        check_input_spec(X, self._input_spec(reset), type(self).__name__)
        if X.dtype.kind == "f" and X.dtype != np.float32 and dtype == "numeric":
            X = X.astype(np.float32)
        return X

    # ----------------------------------------------------------------- outputs
    def _proba(self, X: Any) -> np.ndarray:
        raw = self._raw(X)
        head = self._current_head(raw.shape[1])
        if self.output == "logits":
            return activate(raw, head, type(self).__name__)
        check_probabilities(raw, type(self).__name__)
        return raw

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of the encoded classes (or labels).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Inputs of the network.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            ``(n, 2)`` ``[1 - p, p]`` for a single sigmoid output; the softmax rows
            for softmax outputs; one independent probability per label for a
            multilabel network. With ``output="logits"`` the adapter applies the
            sigmoid or softmax; with ``output="probabilities"`` the outputs are
            checked to lie in [0, 1].
        """
        self._check_ready()
        proba = self._proba(X)
        return two_columns(proba) if proba.shape[1] == 1 else proba

    def predict(self, X: Any) -> np.ndarray:
        """Predict encoded classes: codes, or a 0/1 indicator for multilabel.

        The plain rule (``p >= 0.5`` for sigmoid outputs, ``argmax`` for softmax
        outputs). Wrap the adapter in ``ProbabilisticLabelClassifier`` for label
        names and tuned thresholds.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Integer codes, or a 0/1 int64 indicator for multilabel networks.
        """
        self._check_ready()
        proba = self._proba(X)
        head = self._current_head(proba.shape[1])
        if head == UNKNOWN:
            raise ambiguous_error(type(self).__name__, proba.shape[1], "predict")
        if head == SOFTMAX:
            return proba.argmax(axis=1)
        on = (proba >= 0.5).astype(np.int64)
        return on[:, 0] if head == SIGMOID else on

    def _decision(self, X: Any) -> np.ndarray:
        self._check_ready()
        raw = self._raw(X)
        check_finite(raw, f"{type(self).__name__} outputs")
        head = self._current_head(raw.shape[1])
        if head == UNKNOWN:
            raise ambiguous_error(
                type(self).__name__, raw.shape[1], "decision_function"
            )
        if head == SIGMOID:
            return raw[:, 0]
        if head == SOFTMAX and raw.shape[1] == 2:  # only the logit difference matters
            return raw[:, 1] - raw[:, 0]
        return raw

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True  # multilabel: a 0/1 indicator y
        tags.target_tags.single_output = True
        tags.classifier_tags.multi_label = True
        tags.input_tags.allow_nan = False
        return tags


def check_sample_weight_for(
    sample_weight: Any, n: int, owner: str
) -> np.ndarray | None:
    """Non-negative, finite per-sample weights of length ``n`` (or None)."""
    if sample_weight is None:
        return None
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.ndim == 0:
        weights = np.full(n, float(weights))
    if weights.shape != (n,):
        raise ValueError(
            f"{owner}: sample_weight has shape {weights.shape}, expected ({n},)."
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError(f"{owner}: sample_weight must be finite and non-negative.")
    if weights.sum() <= 0:
        raise ValueError(f"{owner}: sample_weight sums to zero; nothing to train on.")
    return weights


def seed_from(random_state: Any) -> int | None:
    """An integer seed from ``random_state`` (None stays None)."""
    if random_state is None:
        return None
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(random_state.randint(np.iinfo(np.int32).max))
