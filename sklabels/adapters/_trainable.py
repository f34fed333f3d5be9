"""Adapters that train their network in ``fit`` (Torch, Keras).

:class:`TrainableAdapter` owns the order of ``fit`` -- check ``X``, ``y`` and
``sample_weight``, seed, copy the handed-in network or build one from its factory,
read the head from the first outputs, train -- and the ``<name>__*`` parameters of
a factory. A framework says how to do each step.
"""

from __future__ import annotations

from abc import abstractmethod
from contextlib import AbstractContextManager
from dataclasses import dataclass
from numbers import Integral, Real
from types import ModuleType
from typing import Any

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_consistent_length

from ._base import ADAPTER_CONSTRAINTS, BaseAdapter, InputSpec
from ._heads import EncodedTarget, check_encoded_target


def seed_from(random_state: Any) -> int | None:
    """An integer seed from ``random_state`` (None stays None)."""
    if random_state is None:
        return None
    if isinstance(random_state, Integral):
        return int(random_state)
    return int(random_state.randint(np.iinfo(np.int32).max))


@dataclass(frozen=True)
class TrainingData:
    """What ``fit`` hands to a framework's ``_train``, checked.

    Attributes
    ----------
    X : ndarray of shape (n_samples, ...)
    target : EncodedTarget
    weights : ndarray of shape (n_samples,) or None
    head : str
        The head read from the network's first outputs (see ``_heads.py``).
    width : int
        The network's output width.
    output : str
        ``"logits"`` or ``"probabilities"``: what the network returns (the
        ``output`` parameter, or read from the network with ``output="auto"``).
    seed : int or None
        The seed of ``random_state`` (the framework is seeded with it already).
    """

    X: np.ndarray
    target: EncodedTarget
    weights: np.ndarray | None
    head: str
    width: int
    seed: int | None
    output: str = "logits"


def check_sample_weight(sample_weight: Any, n: int, owner: str) -> np.ndarray | None:
    """Non-negative, finite per-sample weights of length ``n`` (or None); a scalar
    weighs every sample the same."""
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


# The parameters every trainable adapter takes (scikit-learn's constraints).
TRAINABLE_CONSTRAINTS: dict = {
    **ADAPTER_CONSTRAINTS,
    "epochs": [Interval(Integral, 0, None, closed="left")],
    "batch_size": [Interval(Integral, 1, None, closed="left")],
    "predict_batch_size": [Interval(Integral, 1, None, closed="left"), None],
    "lr": [Interval(Real, 0, None, closed="neither")],
    "random_state": ["random_state"],
    "verbose": ["verbose"],
}


class TrainableAdapter(BaseAdapter):
    """An adapter that trains (a copy of) its network in ``fit`` (private).

    The parameter named by ``_NETWORK`` holds a network, used as is before
    ``fit`` and trained as a copy, or a factory called with the
    ``<_NETWORK>__*`` parameters in ``fit``; the trained network is stored as
    ``<_NETWORK>_``. Subclasses say how their framework does each step:
    ``_library``, ``_is_network``, ``_copy_network``, ``_has_weights``,
    ``_seeded``, ``_probe``, ``_train``, ``_spec_of`` and ``raw_output``.
    """

    _parameter_constraints: dict = TRAINABLE_CONSTRAINTS
    _NETWORK = "network"  # the parameter that holds the network or its factory
    _NETWORK_TYPE = "network"  # its class, for messages ("torch.nn.Module")
    _FACTORY = "a factory"  # what else that parameter may be, for messages
    _ROUTED: tuple[str, ...] = ()  # prefixes of free keyword parameters
    _NO_WEIGHTS = "the network passed in has no weights yet."  # NotFittedError

    # ------------------------------------------------------- framework hooks
    @abstractmethod
    def _library(self) -> ModuleType:
        """The framework (imported here, with an error naming the extra)."""

    @abstractmethod
    def _is_network(self, value: Any) -> bool:
        """Whether ``value`` is a network of the framework (not a factory)."""

    @abstractmethod
    def _copy_network(self, network: Any) -> Any:
        """An independent copy of a handed-in network, for ``fit`` to train."""

    @abstractmethod
    def _has_weights(self, network: Any) -> bool:
        """Whether a handed-in network has its weights (no lazy, unbuilt parts)."""

    @abstractmethod
    def _seeded(self, lib: ModuleType) -> AbstractContextManager[Any]:
        """A scope seeded from ``random_state``, yielding the seed (or None)."""

    @abstractmethod
    def _probe(self, lib: ModuleType, network: Any, X: np.ndarray) -> np.ndarray:
        """The network's outputs on the first rows of ``X``, ``(rows, width)``."""

    @abstractmethod
    def _train(self, lib: ModuleType, network: Any, data: TrainingData) -> Any:
        """Train ``network`` in place; return the training history."""

    @abstractmethod
    def _spec_of(self, network: Any) -> InputSpec | None:
        """The input shape ``network`` shows before running, if it shows one."""

    def _hint_of(self, network: Any) -> str | None:
        """``"logits"`` / ``"probabilities"`` where ``network``'s final layer
        shows what it returns, else None."""
        return None

    def _output_hint(self) -> str | None:
        network = self._network_in_use(reset=False)
        return None if network is None else self._hint_of(network)

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

    def set_params(self, **params: Any) -> TrainableAdapter:
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

    # ------------------------------------------------------------- the network
    def _handed_in(self) -> bool:
        return self._is_network(getattr(self, self._NETWORK))

    def _network_in_use(self, reset: bool) -> Any:
        """The trained network (unless ``fit`` is about to replace it), else the
        handed-in one, else None."""
        if not reset and hasattr(self, f"{self._NETWORK}_"):
            return getattr(self, f"{self._NETWORK}_")
        return getattr(self, self._NETWORK) if self._handed_in() else None

    def _predicting_network(self) -> Any:
        self._check_ready()
        return self._network_in_use(reset=False)

    def _input_spec(self, reset: bool) -> InputSpec | None:
        network = self._network_in_use(reset)
        return None if network is None else self._spec_of(network)

    def __sklearn_is_fitted__(self) -> bool:
        # A handed-in network without weights (lazy layers, an unbuilt model)
        # cannot predict: running it would create them, in the caller's network.
        if hasattr(self, "_head"):
            return True
        return self._handed_in() and self._has_weights(getattr(self, self._NETWORK))

    def _check_ready(self) -> None:
        if self._handed_in() and not self.__sklearn_is_fitted__():
            raise NotFittedError(f"{type(self).__name__}: {self._NO_WEIGHTS}")
        super()._check_ready()

    def _new_network(self) -> Any:
        """The network ``fit`` trains: a copy of the one passed in, or a new one."""
        owner, name = type(self).__name__, self._NETWORK
        given = getattr(self, name)
        kwargs = self._routed(name)
        if self._handed_in():
            if kwargs:
                raise ValueError(
                    f"{owner}: {name}__* parameters {sorted(kwargs)} apply only when "
                    f"{name} is {self._FACTORY}; {name} is an instance of "
                    f"{type(given).__name__}. Pass {self._FACTORY} instead, or drop "
                    f"them."
                )
            return self._copy_network(given)
        network = given(**kwargs)
        if not self._is_network(network):
            raise TypeError(
                f"{owner}: {name} must be a {self._NETWORK_TYPE} or {self._FACTORY} "
                f"returning one; {given!r} returned a {type(network).__name__}."
            )
        return network

    # ---------------------------------------------------------------- training
    def _check_sample_weight(self, sample_weight: Any, n: int) -> np.ndarray | None:
        """Non-negative, finite per-sample weights of length ``n`` (or None)."""
        return check_sample_weight(sample_weight, n, type(self).__name__)

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> TrainableAdapter:
        """Train (a copy of) the network on encoded targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Inputs of the network (2-D features, or n-D arrays such as images).
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Integer codes ``0..k-1``, or a 0/1 indicator matrix (multilabel).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the training loss.

        Returns
        -------
        self : object
            The fitted adapter.
        """
        lib = self._library()
        X = self._check_X(X, reset=True)
        target = check_encoded_target(y, type(self).__name__)
        check_consistent_length(X, target.values)
        weights = self._check_sample_weight(sample_weight, len(X))
        with self._seeded(lib) as seed:
            network = self._new_network()
            probe = self._probe(lib, network, X)
            head, problem, output = self._head_for(
                probe, target, self._hint_of(network)
            )
            width = probe.shape[1]
            data = TrainingData(X, target, weights, head, width, seed, output)
            history = self._train(lib, network, data)
        setattr(self, f"{self._NETWORK}_", network)
        self.history_ = history
        self._set_fitted(width, head, problem, output)
        return self
