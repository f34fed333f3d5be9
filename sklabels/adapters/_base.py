"""What every adapter shares: the scikit-learn classifier around a network.

:class:`BaseAdapter` owns what the four adapters do alike: the fitted head and the
encoded classes, ``predict_proba``, ``predict`` and ``decision_function`` (with the
logits flag), the probability checks, the input-shape check, caches built once
under a lock, and pickling (a network is pickled as the bytes of its framework's
own format). Two kinds of adapter build on it: :class:`TrainableAdapter`
(``_trainable.py``: Torch, Keras) trains a copy of its network in ``fit``;
:class:`PretrainedAdapter` (``_pretrained.py``: a callable, an ONNX model) is
ready from the start. What the output columns mean (heads) and what ``y`` may be
(encoded targets) is decided in ``_heads.py``.
"""

from __future__ import annotations

import importlib
import sys
import threading
from abc import ABCMeta, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import validate_data

from .._scores import check_finite, check_proba_range
from ._heads import (
    LOGITS,
    OUTPUTS,
    PROBABILITIES,
    PROBLEM_OPTIONS,
    SIGMOID,
    SOFTMAX,
    UNKNOWN,
    EncodedTarget,
    activate,
    ambiguous_error,
    head_for_target,
    head_for_width,
    output_from_values,
    two_columns,
    unknown_output_error,
)

# One lock for the caches of every adapter: taken only while a cache is built.
_CACHE_LOCK = threading.Lock()


# ------------------------------------------------------------ optional libraries
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
    """The module if it is already imported, else None (never imports it)."""
    found = sys.modules.get(module)
    return found if isinstance(found, ModuleType) else None


def instance_of(value: Any, module: str, name: str) -> bool:
    """Whether ``value`` is an instance of ``module.name`` (``name`` may be dotted).

    An object can only be an instance of a library's class if that library is
    imported, so "is this a torch.nn.Module?" needs no import.
    """
    cls: Any = loaded(module)
    if cls is None:
        return False
    for part in name.split("."):
        cls = getattr(cls, part)
    return isinstance(value, cls)


# ------------------------------------------------------------------ input shapes
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
        raise width_error(owner, sample[0], spec.shape[0], spec.source)
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


def width_error(owner: str, got: Any, expected: Any, source: str) -> ValueError:
    """``X`` has ``got`` features where the network takes ``expected``."""
    return ValueError(
        f"{owner}: X has {got} features, but the network expects {expected} ({source})."
    )


def feature_count_error(owner: str, X: np.ndarray, detail: str) -> ValueError:
    """A framework's shape error while running the network, said in X's terms."""
    sample = tuple(int(size) for size in X.shape[1:])
    has = f"{sample[0]} features" if len(sample) == 1 else f"samples of shape {sample}"
    return ValueError(
        f"{owner}: the network cannot take X, which has {has}: {detail}. Pass X "
        f"with the number of features (columns) the network was built for."
    )


# ---------------------------------------------------------------------- pickling
class Archive:
    """Pickled form of a network: the bytes of its framework's own format."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __getstate__(self) -> bytes:
        return self.data

    def __setstate__(self, data: bytes) -> None:
        self.data = data


# The parameters every adapter takes; subclasses extend it (``{**ADAPTER_CONSTRAINTS,
# ...}``) as scikit-learn's ``_parameter_constraints``.
ADAPTER_CONSTRAINTS: dict = {
    "output": [StrOptions(OUTPUTS)],
    "problem": [StrOptions(PROBLEM_OPTIONS)],
}


class BaseAdapter(ClassifierMixin, BaseEstimator, metaclass=ABCMeta):
    """Common behaviour of the adapters (private base class).

    Subclasses say how to run their network: ``raw_output(X)`` (its output, ``(n,
    width)``), ``_handed_in()`` (whether a ready network was passed in) and
    ``fit``; they may override ``_proba(X)`` to apply the activation in their own
    library, and ``_static_width`` / ``_input_spec`` where the network shows its
    output width or input shape before it runs. Every adapter has the parameters
    ``output`` and ``problem``.

    The public methods ``raw_output``, ``network_response``, ``given_problem``,
    ``problem_source`` and ``network_label_names`` are the adapter protocol that
    ``ProbabilisticLabelClassifier`` reads (for a ``FrozenEstimator`` around an
    adapter); they are methods, never parameters, so ``get_params`` and
    ``clone`` do not see them.
    """

    _parameter_constraints: dict = ADAPTER_CONSTRAINTS
    # Attributes that are caches (see ``_cached``): rebuilt on use, never pickled.
    _CACHES: tuple[str, ...] = ()
    # Attributes that may hold a network, pickled as ``Archive(self._archive(...))``.
    _ARCHIVED: tuple[str, ...] = ()

    # ------------------------------------------------------------- fitted state
    @abstractmethod
    def _handed_in(self) -> bool:
        """Whether a ready network was passed in (usable before ``fit``)."""

    @abstractmethod
    def raw_output(self, X: Any) -> np.ndarray:
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
        return head_for_width(width, self.given_problem(), type(self).__name__)[0]

    def _known_head(self, width: int, what: str) -> str:
        """The head for ``width`` columns; an error naming ``what`` if unknown."""
        head = self._current_head(width)
        if head == UNKNOWN:
            raise ambiguous_error(type(self).__name__, width, what)
        return head

    def _head_for(
        self, probe: np.ndarray, target: EncodedTarget, hint: str | None
    ) -> tuple[str, str, str]:
        """The head, problem and output kind of a network whose first outputs are
        ``probe``; ``hint`` is what the network's structure shows (or None)."""
        check_finite(probe, f"{type(self).__name__} outputs")
        head, problem = head_for_target(
            probe.shape[1], target, self.given_problem(), type(self).__name__
        )
        output = self._output_for(probe, hint)
        if output == PROBABILITIES:
            self._check_probabilities(probe)
        return head, problem, output

    def _set_fitted(self, width: int, head: str, problem: str, output: str) -> None:
        self._width = width
        self._problem = problem
        self._fit_output = output
        self._head = head  # last: its presence means "fitted"

    # ----------------------------------------------------------- output kind
    def given_problem(self) -> str:
        """The ``problem`` parameter (a network may declare its own for ``"auto"``)."""
        return self.problem

    def problem_source(self) -> str:
        """Where ``given_problem`` comes from, in words for messages."""
        return f"problem={self.problem!r}"

    def network_label_names(self) -> Any:
        """The label names the network carries, in output order (None: none)."""
        return None

    def _output_hint(self) -> str | None:
        """``"logits"`` or ``"probabilities"`` where the network in use shows it
        (its final layer), else None. Subclasses read their framework's layers."""
        return None

    def _known_output(self) -> str | None:
        """What the network returns, when known without running it: the
        ``output`` parameter, else what ``fit`` found, else the network's structure."""
        if self.output != "auto":
            return self.output
        if hasattr(self, "_head"):
            return self._fit_output
        return self._output_hint()

    def _output_for(self, values: np.ndarray, hint: str | None = None) -> str:
        """What the network returns: as known (or ``hint``), else read from
        ``values``; a ValueError that asks when nothing tells."""
        if self.output != "auto":
            return self.output
        known = hint if hint is not None else self._output_hint()
        if known is None:
            known = output_from_values(values)
        if known is None:
            raise unknown_output_error(type(self).__name__, values)
        return known

    def _output_now(self, values: np.ndarray) -> str:
        """What the network returns, for predictions (see ``_output_for``)."""
        if self.output == "auto" and hasattr(self, "_head"):
            return self._fit_output
        return self._output_for(values)

    def network_response(
        self, X: Any, output: str | None = None
    ) -> tuple[np.ndarray, str]:
        """The network's raw ``(n, width)`` outputs on ``X`` and what they are.

        What ``ProbabilisticLabelClassifier`` reads: it turns logits into
        decisions with its own problem. ``output`` pins the kind found earlier
        (in the classifier's ``fit``), so that every call reads it alike.
        """
        self._check_ready()
        raw = self.raw_output(X)
        check_finite(raw, f"{type(self).__name__} outputs")
        output = output or self._output_now(raw)
        if output == PROBABILITIES:
            self._check_probabilities(raw)
        return raw, output

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
        problem = head_for_width(
            self._width_now(), self.given_problem(), type(self).__name__
        )[1]
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
    def _check_probabilities(self, values: np.ndarray) -> None:
        """Network outputs read as probabilities must be finite and lie in [0, 1]."""
        owner = type(self).__name__
        lo, hi = check_finite(values, f"{owner} outputs")
        check_proba_range(
            lo,
            hi,
            f"{owner}(output='probabilities') network outputs",
            fix="the network returns logits (no final sigmoid/softmax). Pass "
            "output='logits' and the adapter applies the sigmoid or softmax itself.",
        )

    def _proba(self, X: Any) -> np.ndarray:
        raw = self.raw_output(X)
        head = self._current_head(raw.shape[1])
        check_finite(raw, f"{type(self).__name__} outputs")
        if self._output_now(raw) == LOGITS:
            return activate(raw, head, type(self).__name__)
        self._check_probabilities(raw)
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
        head = self._known_head(proba.shape[1], "predict")
        if head == SOFTMAX:
            return proba.argmax(axis=1)
        on = (proba >= 0.5).astype(np.int64)
        return on[:, 0] if head == SIGMOID else on

    def _may_be_logits(self) -> bool:
        """``decision_function`` exists unless the network is known to return
        probabilities."""
        try:
            return self._known_output() != PROBABILITIES
        except (ImportError, ValueError, TypeError):  # a model that cannot load yet
            return self.output != PROBABILITIES

    @available_if(_may_be_logits)
    def decision_function(self, X: Any) -> np.ndarray:
        """The network's logits (not with ``output="probabilities"``).

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)

        Returns
        -------
        logits : ndarray of shape (n_samples,) or (n_samples, n_classes)
            Binary: one logit of class 1 (for two softmax outputs, their
            difference, as in scikit-learn). Otherwise one column per class or
            label.
        """
        raw, output = self.network_response(X)
        if output != LOGITS:
            raise ValueError(
                f"{type(self).__name__}: the network returns probabilities (it ends "
                f"in a sigmoid or softmax), which are not logits; use predict_proba."
            )
        head = self._current_head(raw.shape[1])
        if head == UNKNOWN and raw.shape[1] == 2:
            # Two softmax logits give one margin (z1 - z0); two sigmoid logits, two.
            raise ambiguous_error(type(self).__name__, 2, "decision_function")
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

    # ---------------------------------------------------------- caches, pickling
    def _cached(self, name: str, key: tuple, build: Callable[[], Any]) -> Any:
        """``build()``, made once per ``key`` and kept in the attribute ``name``.

        For what predicting needs and must not make twice (an ONNX Runtime
        session, a private eval-mode copy of a network): concurrent first calls
        build it once, under a lock; later calls read it without locking. It is
        rebuilt when ``key`` changes: ``key[0]`` (the network) compared by
        identity, the rest (settings) by value. ``name`` belongs in ``_CACHES``.
        """

        def current(cached: Any) -> bool:
            return (
                cached is not None
                and cached[0][0] is key[0]
                and cached[0][1:] == key[1:]
            )

        cached = getattr(self, name, None)
        if not current(cached):
            with _CACHE_LOCK:
                cached = getattr(self, name, None)
                if not current(cached):
                    cached = (key, build())
                    setattr(self, name, cached)
        return cached[1]

    def _archive(self, network: Any) -> bytes | None:
        """A network as bytes of its framework's format (None: pickle it as is).

        The default pickles the network as it is; adapters with ``_ARCHIVED``
        attributes (Torch, Keras) write their framework's own format instead and
        read it back in ``_unarchive``.
        """
        return None

    def _unarchive(self, data: bytes) -> Any:
        """The network back from the bytes of ``_archive`` (only called for them)."""
        raise TypeError(
            f"{type(self).__name__} archives no network, but its pickle holds one; "
            f"it was written by another version of sklabels: refit the model."
        )

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # a copy: never edit self.__dict__
        for key in self._CACHES:
            state.pop(key, None)
        for key in self._ARCHIVED:
            data = self._archive(state[key]) if key in state else None
            if data is not None:
                state[key] = Archive(data)
        return state

    def __setstate__(self, state: dict) -> None:
        archived = {key: v for key, v in state.items() if isinstance(v, Archive)}
        super().__setstate__(
            {key: v for key, v in state.items() if key not in archived}
        )
        # Last: rebuilding a network may read the parameters restored above.
        for key, archive in archived.items():
            setattr(self, key, self._unarchive(archive.data))
