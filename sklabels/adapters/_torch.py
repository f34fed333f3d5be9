"""``TorchClassifier``: a PyTorch ``nn.Module`` as a scikit-learn classifier."""

from __future__ import annotations

import copy
import io
import re
import threading
import time
from contextlib import nullcontext
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import _fit_context
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_consistent_length

from .._scores import check_finite
from ._base import (
    MULTILABEL,
    OUTPUTS,
    PROBLEMS,
    SIGMOID,
    SOFTMAX,
    UNKNOWN,
    BaseAdapter,
    InputSpec,
    ambiguous_error,
    check_encoded_target,
    check_probabilities,
    check_sample_weight_for,
    feature_count_error,
    head_for_target,
    import_optional,
    loaded,
    seed_from,
)

_OPTIMIZERS = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop"}
# Layers that keep the last dimension: skipped when reading a Sequential's width.
_SHAPE_KEEPING = (
    *("Identity", "Dropout", "AlphaDropout", "ReLU", "ReLU6", "LeakyReLU", "PReLU"),
    *("ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Hardsigmoid"),
    *("Tanh", "Hardtanh", "Softplus", "Softsign", "Softmax", "LogSoftmax"),
    *("LayerNorm", "BatchNorm1d"),
)
# Guards the one-time eval copy of a TorchScript module (see _eval_network).
_COPY_LOCK = threading.Lock()
# Torch's words for a tensor of the wrong shape reaching a layer.
_SHAPE_WORDS = re.compile(
    r"shapes? cannot|size mismatch|must match the size|channels|expected input|"
    r"is invalid for input of size|\bExpected \d+D|dimension",
    re.I,
)
_MATMUL = re.compile(
    r"mat1 and mat2 shapes cannot be multiplied \((\d+)x(\d+) and (\d+)x"
)


def _torch():
    return import_optional("torch", "torch", "TorchClassifier")


def _is_logits(self: TorchClassifier) -> bool:
    return self.output == "logits"


class TorchClassifier(BaseAdapter):
    """A PyTorch network as a scikit-learn classifier on encoded targets.

    ``fit(X, y)`` trains the network on integer codes ``0..k-1`` (binary,
    multiclass) or on a 0/1 indicator matrix (multilabel) with the loss that fits
    the problem and the output width; ``predict_proba`` runs it in batches in
    eval mode under ``torch.no_grad()``, without changing the module (see Notes).
    Wrap it in
    :class:`sklabels.ProbabilisticLabelClassifier` to train on and predict label
    names, with thresholds.

    ===================================  ======================  ====================
    output width, target                 ``output="logits"``     ``"probabilities"``
    ===================================  ======================  ====================
    1 column, codes 0/1 (binary)         ``BCEWithLogitsLoss``   ``BCELoss``
    k >= 2 columns, codes (softmax)      ``CrossEntropyLoss``    ``NLLLoss`` of log p
    k columns, 0/1 indicator (labels)    ``BCEWithLogitsLoss``   ``BCELoss``
    ===================================  ======================  ====================

    Parameters
    ----------
    module : torch.nn.Module, or a class / callable returning one
        An instance is used as is: a trained network is wrapped without training
        (the adapter reports itself fitted and predicts at once), and ``fit``
        trains a deep copy of it (starting from its current weights), never the
        instance itself. A class (or factory) is called with the ``module__*``
        parameters in ``fit``, after seeding with ``random_state``.
    output : {"logits", "probabilities"}, default="logits"
        What the network returns. ``"logits"``: raw scores; the adapter applies
        sigmoid/softmax in ``predict_proba``, and ``decision_function`` returns
        the logits. ``"probabilities"``: the network ends in a sigmoid or softmax;
        its outputs must lie in [0, 1].
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
        ``"auto"`` reads it from ``y`` in ``fit``. Needed only for a handed-in,
        unfitted network with several logit outputs, where softmax and per-label
        sigmoid outputs look alike.
    epochs : int, default=10
        Passes over the training data (0 keeps the initial weights).
    batch_size : int, default=256
        Training mini-batch size.
    predict_batch_size : int, default=None
        Rows per forward pass in ``predict_proba``; ``None`` uses ``batch_size``.
    optimizer : {"adam", "adamw", "sgd", "rmsprop"} or callable, default="adam"
        A ``torch.optim`` optimizer by name, or a class/callable called as
        ``optimizer(params, lr=lr, **optimizer__kwargs)``.
    lr : float, default=1e-3
        Learning rate.
    loss : callable, default=None
        ``loss(outputs, targets) -> scalar tensor`` replacing the loss of the table
        above. ``targets`` are int64 codes for softmax networks, float 0/1 of shape
        ``(n, width)`` otherwise.
    device : str or torch.device, default="cpu"
        Where the network runs (``"cuda"``, ``"cuda:1"``, ``"mps"``).
    shuffle : bool, default=True
        Reshuffle the training rows at every epoch.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation (for a class ``module``), dropout and
        shuffling, inside ``torch.random.fork_rng`` so that the global generator
        is left as it was. Reproducible on CPU.
    verbose : int, default=0
        Print the mean training loss after every epoch when positive.
    **kwargs : dict
        ``module__<name>`` arguments of a class ``module`` and
        ``optimizer__<name>`` arguments of the optimizer (e.g.
        ``optimizer__weight_decay=1e-4``).

    Attributes
    ----------
    module_ : torch.nn.Module
        The trained network (after ``fit``).
    classes_ : ndarray of shape (n_classes,)
        The encoded classes ``arange(k)`` (``[0, 1]`` for a single output). Known
        after ``fit``, or for a handed-in ``nn.Sequential`` ending in a
        ``Linear`` layer.
    n_outputs_ : int
        The network's output width.
    problem_ : str
        ``"binary"``, ``"multiclass"`` or ``"multilabel"``.
    history_ : list of float
        Mean training loss of each epoch.
    n_features_in_ : int
        Number of features seen in ``fit`` (2-D ``X``).

    Notes
    -----
    **Predicting never changes the module, and is thread-safe.** The network is
    always evaluated in eval mode (dropout off, batch-norm running statistics),
    whatever its ``training`` flag, but no flag is ever set on the module you
    passed in (or on ``module_``): each call runs an *eval-mode view*, new Module
    objects, one per submodule, that share the module's parameters, buffers and
    hooks (no tensor is copied) and carry their own ``training = False``. So a
    module handed in in train mode stays in train mode, calls from several
    threads cannot switch each other's dropout on, and in-place updates of the
    weights (further training, ``load_state_dict``) are seen at the next call.
    Two cases differ: a TorchScript module shares its flags between copies, so
    it is evaluated as a private eval-mode deep copy, made once and kept while
    ``module`` is the same object (later in-place weight changes are not seen);
    a ``torch.compile`` wrapper is evaluated through the module it wraps
    (uncompiled), since its compiled forward is bound to the original objects.
    A module whose lazy layers (``nn.LazyLinear``...) have not seen an input has
    no weights yet: the adapter is not fitted until ``fit`` (predicting would
    create them in your module).

    **Inputs.** ``X`` is never written into: a batch that shares memory with it
    is copied before a layer could change it in place. A wrong input width is a
    ``ValueError`` naming both sizes before the network runs: after ``fit``
    against ``n_features_in_``; for a handed-in ``nn.Sequential`` against its
    first ``Linear`` (``in_features``; after a ``Flatten``, of the flattened
    sample) or ``Conv1d/2d/3d`` (``in_channels``). Other networks show no input
    width; Torch's shape error is then re-raised as a ``ValueError`` that says
    what ``X`` has.

    See Also
    --------
    KerasClassifier : The same for Keras 3 models.
    sklearn.frozen.FrozenEstimator : Use a trained network without refitting it.

    Examples
    --------
    >>> import torch
    >>> from sklearn.datasets import load_iris
    >>> from sklabels import ProbabilisticLabelClassifier
    >>> from sklabels.adapters import TorchClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> names = load_iris().target_names[y]
    >>> net = torch.nn.Sequential(
    ...     torch.nn.Linear(4, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3)
    ... )
    >>> clf = ProbabilisticLabelClassifier(
    ...     TorchClassifier(net, epochs=200, batch_size=32, lr=1e-2, random_state=0)
    ... )
    >>> clf.fit(X, names).predict(X[:2]).tolist()
    ['setosa', 'setosa']
    """

    _ROUTED = ("module", "optimizer")

    _parameter_constraints: dict = {
        "module": [callable],
        "output": [StrOptions(OUTPUTS)],
        "problem": [StrOptions(PROBLEMS)],
        "epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "predict_batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), callable],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "loss": [callable, None],
        "device": "no_validation",  # a str or torch.device; checked by torch
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        module: Any,
        *,
        output: str = "logits",
        problem: str = "auto",
        epochs: int = 10,
        batch_size: int = 256,
        predict_batch_size: int | None = None,
        optimizer: Any = "adam",
        lr: float = 1e-3,
        loss: Any = None,
        device: Any = "cpu",
        shuffle: bool = True,
        random_state: Any = None,
        verbose: int = 0,
        **kwargs: Any,
    ) -> None:
        self.module = module
        self.output = output
        self.problem = problem
        self.epochs = epochs
        self.batch_size = batch_size
        self.predict_batch_size = predict_batch_size
        self.optimizer = optimizer
        self.lr = lr
        self.loss = loss
        self.device = device
        self.shuffle = shuffle
        self.random_state = random_state
        self.verbose = verbose
        self._take_routed(kwargs)

    # ---------------------------------------------------------------- helpers
    def _handed_in(self) -> bool:
        torch = loaded("torch")
        return torch is not None and isinstance(self.module, torch.nn.Module)

    def _device(self, torch):
        try:
            return torch.device(self.device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(
                f"TorchClassifier: device={self.device!r} is not a torch device "
                f"({exc}). Use 'cpu', 'cuda', 'cuda:0', 'mps' or a torch.device."
            ) from None

    def _new_module(self, torch):
        kwargs = self._routed("module")
        if self._handed_in():
            if kwargs:
                raise ValueError(
                    f"TorchClassifier: module__* parameters {sorted(kwargs)} apply "
                    f"only when module is a class; module is an instance of "
                    f"{type(self.module).__name__}. Pass the class instead, or drop "
                    f"them."
                )
            return copy.deepcopy(self.module)
        module = self.module(**kwargs)
        if not isinstance(module, torch.nn.Module):
            raise TypeError(
                f"TorchClassifier: module must be a torch.nn.Module or a class / "
                f"callable returning one; {self.module!r} returned a "
                f"{type(module).__name__}."
            )
        return module

    def __sklearn_is_fitted__(self) -> bool:
        # A handed-in module whose lazy layers have not seen an input has no
        # weights yet: predicting would create them, in the module passed in.
        if hasattr(self, "_head"):
            return True
        return self._handed_in() and not _has_uninitialized(self.module)

    def _check_ready(self) -> None:
        if self._handed_in() and not self.__sklearn_is_fitted__():
            raise NotFittedError(
                "TorchClassifier: the module passed in has uninitialized (lazy) "
                "parameters, so it has no weights yet. Call fit, or run it once on "
                "an input before using it without training."
            )
        super()._check_ready()

    def _module_for_predict(self):
        if hasattr(self, "module_"):
            return self.module_
        if self._handed_in():
            return self.module
        self._check_ready()  # raises NotFittedError
        raise AssertionError("unreachable")  # pragma: no cover

    def _static_width(self) -> int | None:
        torch = loaded("torch")
        return None if torch is None else _sequential_width(torch, self.module)

    @staticmethod
    def _input_dtype(torch, module):
        for param in module.parameters():
            if param.is_floating_point():
                return param.dtype
        return torch.float32

    @staticmethod
    def _as_output(torch, out, n: int):
        if not isinstance(out, torch.Tensor):
            raise TypeError(
                f"TorchClassifier: the module's forward returned a "
                f"{type(out).__name__}; it must return one tensor of shape (n,) or "
                f"(n, k). Wrap the module so that forward returns the scores."
            )
        if out.ndim == 1:
            out = out[:, None]
        if out.ndim != 2 or out.shape[0] != n:
            raise ValueError(
                f"TorchClassifier: the module returned a tensor of shape "
                f"{tuple(out.shape)} for {n} rows; it must be (n,) or (n, k)."
            )
        return out

    def _to_tensor(self, torch, X: np.ndarray, dtype):
        if X.dtype.kind == "f":
            X = X.astype(torch.empty(0, dtype=dtype).numpy().dtype, copy=False)
        if not X.flags.writeable:
            X = X.copy()  # torch.from_numpy needs a writeable array
        return torch.from_numpy(X)

    # ---------------------------------------------------------------- training
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> TorchClassifier:
        """Train (a copy of) the network on encoded targets.

        Parameters
        ----------
        X : array-like of shape (n_samples, ...)
            Inputs of the network (2-D features, or n-D arrays such as images).
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Integer codes ``0..k-1``, or a 0/1 indicator matrix (multilabel).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights of the loss (weighted mean per mini-batch).

        Returns
        -------
        self : object
            The fitted adapter.
        """
        torch = _torch()
        name = type(self).__name__
        X = self._check_X(X, reset=True)
        target = check_encoded_target(y, name)
        check_consistent_length(X, target.values)
        weights = check_sample_weight_for(sample_weight, len(X), name)
        if weights is not None and self.loss is not None:
            raise ValueError(
                "TorchClassifier: sample_weight cannot be applied to a custom loss; "
                "weight the samples inside loss, or use loss=None."
            )
        device = self._device(torch)
        seed = seed_from(self.random_state)
        if seed is None:
            rng_scope = nullcontext()
        else:
            rng_scope = torch.random.fork_rng(
                devices=[] if device.type == "cpu" else None
            )
        with rng_scope:
            if seed is not None:
                torch.manual_seed(seed)
            module = self._new_module(torch).to(device)
            X_t = self._to_tensor(torch, X, self._input_dtype(torch, module))
            probe = self._forward_eval(torch, module, X, X_t, device)
            width = probe.shape[1]
            head, problem = head_for_target(
                width, target, self.problem, self.output, name
            )
            if self.output == "probabilities":
                check_probabilities(probe.float().cpu().numpy(), name)
            y_t = self._target_tensor(torch, target, head)
            w_t = None if weights is None else torch.from_numpy(weights).float()
            history = self._train(torch, module, X_t, y_t, w_t, head, device, seed)
        module.eval()
        self.module_ = module
        self.history_ = history
        self._set_fitted(width, head, problem)
        return self

    def _forward_eval(self, torch, module, X, X_t, device):
        """The outputs of the first batch, in eval mode (``module`` is fit's copy)."""
        xb = X_t[: self.batch_size].clone()  # never a view of the caller's X
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                out = _forward(module, xb.to(device), X)
                return self._as_output(torch, out, len(xb))
        finally:
            module.train(was_training)

    @staticmethod
    def _target_tensor(torch, target, head: str):
        if head == SOFTMAX:
            return torch.from_numpy(target.values)
        values = target.values.astype(np.float32)
        return torch.from_numpy(values.reshape(len(values), -1))

    def _loss_fn(self, torch, head: str):
        if self.loss is not None:
            user_loss = self.loss
            return lambda out, yb, wb: user_loss(out, yb)
        F = torch.nn.functional
        logits = self.output == "logits"
        if head == SOFTMAX:
            if logits:

                def per_sample(out, yb):
                    return F.cross_entropy(out, yb, reduction="none")
            else:
                tiny = torch.finfo(torch.float32).tiny

                def per_sample(out, yb):
                    log_p = torch.log(out.clamp_min(tiny))
                    return F.nll_loss(log_p, yb, reduction="none")
        elif logits:

            def per_sample(out, yb):
                bce = F.binary_cross_entropy_with_logits(out, yb, reduction="none")
                return bce.mean(dim=1)
        else:

            def per_sample(out, yb):
                bce = F.binary_cross_entropy(out, yb, reduction="none")
                return bce.mean(dim=1)

        def loss(out, yb, wb):
            values = per_sample(out, yb)
            if wb is None:
                return values.mean()
            return (values * wb).sum() / wb.sum().clamp_min(1e-12)

        return loss

    def _new_optimizer(self, torch, module):
        factory = (
            getattr(torch.optim, _OPTIMIZERS[self.optimizer])
            if isinstance(self.optimizer, str)
            else self.optimizer
        )
        return factory(module.parameters(), lr=self.lr, **self._routed("optimizer"))

    def _train(self, torch, module, X_t, y_t, w_t, head, device, seed) -> list:
        n = len(X_t)
        loss_fn = self._loss_fn(torch, head)
        optimizer = self._new_optimizer(torch, module)
        generator = None if seed is None else torch.Generator().manual_seed(seed)
        history: list[float] = []
        module.train()
        for epoch in range(self.epochs):
            start_time = time.perf_counter()
            order = (
                torch.randperm(n, generator=generator)
                if self.shuffle
                else torch.arange(n)
            )
            total = 0.0
            for start in range(0, n, self.batch_size):
                idx = order[start : start + self.batch_size]
                xb, yb = X_t[idx].to(device), y_t[idx].to(device)
                wb = None if w_t is None else w_t[idx].to(device)
                optimizer.zero_grad()
                out = self._as_output(torch, module(xb), len(idx))
                loss = loss_fn(out, yb, wb)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(idx)
            history.append(total / n)
            if self.verbose:
                seconds = time.perf_counter() - start_time
                print(
                    f"[TorchClassifier] epoch {epoch + 1}/{self.epochs}  "
                    f"loss {history[-1]:.4f}  ({seconds:.2f} s)",
                    flush=True,
                )
        return history

    # -------------------------------------------------------------- prediction
    def _input_spec(self, reset: bool) -> InputSpec | None:
        if not reset and hasattr(self, "module_"):
            module = self.module_
        elif self._handed_in():
            module = self.module
        else:
            return None
        return _first_layer_spec(_torch(), module)

    def _eval_network(self, torch, module):
        """A network that computes ``module`` in eval mode, leaving ``module`` alone.

        Usually a *view*: new Module objects, one per submodule, that share the
        parameters and buffers (no tensor is copied) but carry their own
        ``training = False``. The caller's flags are never read or written, so
        concurrent calls cannot see each other's mode, and a module handed in in
        train mode is still evaluated with dropout off and batch-norm running
        statistics. TorchScript modules share their flags between Python copies:
        they get a private deep copy in eval mode instead, made once (under a
        lock) and kept while ``module`` is the same object.
        """
        try:
            return _eval_view(torch, module)
        except _NeedsCopy:
            pass
        with _COPY_LOCK:
            cached = getattr(self, "_eval_copy", None)
            if cached is None or cached[0] is not module:
                cached = (module, copy.deepcopy(module).eval())
                self._eval_copy = cached  # a cache, dropped by pickling
        return cached[1]

    def _run(self, X: Any, activate: bool) -> np.ndarray:
        """Batched forward pass in eval mode under no_grad, optionally activated.

        The caller's module and arrays are left exactly as they were: the network
        runs as an eval-mode view (see ``_eval_network``), and a batch that shares
        memory with the caller's ``X`` is copied first, so that a layer working in
        place (``ReLU(inplace=True)`` first) cannot write into it.
        """
        torch = _torch()
        self._check_ready()
        module = self._module_for_predict()
        X_in = X
        X = self._check_X(X, reset=False)
        shared = _may_share_memory(X, X_in)
        device = self._device(torch)
        X_t = self._to_tensor(torch, X, self._input_dtype(torch, module))
        network = self._eval_network(torch, module)
        n = len(X_t)
        step = self.predict_batch_size or self.batch_size
        out = None
        head = None
        with torch.no_grad():
            for start in range(0, n, step):
                xb = X_t[start : start + step]
                xb = xb.clone() if shared and device.type == "cpu" else xb.to(device)
                ob = self._as_output(torch, _forward(network, xb, X), len(xb))
                if out is None:
                    width = ob.shape[1]
                    if activate:
                        head = self._current_head(width)
                        if head == UNKNOWN:
                            raise ambiguous_error(
                                "TorchClassifier",
                                width,
                                "turning logits into probabilities",
                            )
                    kind = np.float64 if ob.dtype == torch.float64 else np.float32
                    out = np.empty((n, width), dtype=kind)
                if head == SOFTMAX:
                    ob = torch.softmax(ob, dim=1)
                elif head in (SIGMOID, MULTILABEL):
                    ob = torch.sigmoid(ob)
                if ob.dtype not in (torch.float32, torch.float64):
                    ob = ob.float()
                out[start : start + len(xb)] = ob.cpu().numpy()
        return out

    def _raw(self, X: Any) -> np.ndarray:
        return self._run(X, activate=False)

    def _proba(self, X: Any) -> np.ndarray:
        if self.output == "logits":
            proba = self._run(X, activate=True)
            check_finite(proba, "TorchClassifier outputs")
            return proba
        raw = self._run(X, activate=False)
        self._current_head(raw.shape[1])  # the width must match the fitted one
        check_probabilities(raw, "TorchClassifier")
        return raw

    @available_if(_is_logits)
    def decision_function(self, X: Any) -> np.ndarray:
        """The network's logits (only with ``output="logits"``).

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
        return self._decision(X)

    # ---------------------------------------------------------------- pickling
    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # a copy: never edit self.__dict__
        state.pop("_eval_copy", None)
        if "module_" in state:
            torch = _torch()
            buffer = io.BytesIO()
            torch.save(self.module_.state_dict(), buffer)
            state["module_"] = _StateDict(buffer.getvalue())
        return state

    def __setstate__(self, state: dict) -> None:
        weights = state.get("module_")
        super().__setstate__(state)
        if isinstance(weights, _StateDict):
            torch = _torch()
            module = self._new_module(torch)
            loaded_state = torch.load(
                io.BytesIO(weights.data), map_location="cpu", weights_only=True
            )
            module.load_state_dict(loaded_state)
            module.to(self._device(torch)).eval()
            self.module_ = module


class _StateDict:
    """Pickled form of a trained module: the bytes of ``torch.save(state_dict)``."""

    __slots__ = ("data",)

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __getstate__(self) -> bytes:
        return self.data

    def __setstate__(self, data: bytes) -> None:
        self.data = data


def _sequential_width(torch, module: Any) -> int | None:
    """Output width of an ``nn.Sequential`` ending in ``Linear`` (+ activations)."""
    nn = torch.nn
    keep = tuple(getattr(nn, name) for name in _SHAPE_KEEPING if hasattr(nn, name))
    module = _uncompiled(module)
    if isinstance(module, nn.Linear):
        return int(module.out_features)
    if not isinstance(module, nn.Sequential):
        return None
    for child in reversed(list(module.children())):
        if isinstance(child, keep):
            continue
        return _sequential_width(torch, child)
    return None


class _NeedsCopy(Exception):
    """A module that cannot be viewed (TorchScript): evaluate a private copy."""


def _eval_view(torch, module):
    """``module`` as new Module objects in eval mode sharing its tensors.

    Each submodule is re-created with ``object.__new__`` and a shallow copy of its
    ``__dict__``: parameters, buffers and hooks are the very same objects, only the
    ``training`` flag and the containers are the view's own. Nothing is written to
    ``module`` or its submodules. A ``torch.compile`` wrapper is replaced by the
    module it compiles (its compiled forward is bound to the original objects).
    """
    script = torch.jit.ScriptModule
    memo: dict[int, Any] = {}

    def view(mod):
        mod = _uncompiled(mod)
        if isinstance(mod, script):
            raise _NeedsCopy
        key = id(mod)
        if key in memo:  # a submodule used twice stays one object
            return memo[key]
        twin = object.__new__(type(mod))
        state = twin.__dict__
        state.update(mod.__dict__)
        memo[key] = twin
        state["_parameters"] = dict(mod._parameters)
        state["_buffers"] = dict(mod._buffers)
        state["_modules"] = {
            name: None if child is None else view(child)
            for name, child in mod._modules.items()
        }
        state["training"] = False
        return twin

    return view(module)


def _forward(network, xb, X: np.ndarray):
    """``network(xb)``, with Torch's shape errors said in terms of ``X``."""
    try:
        return network(xb)
    except RuntimeError as exc:
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        if not _SHAPE_WORDS.search(message) or "out of memory" in message.lower():
            raise
        matmul = _MATMUL.search(message)
        if matmul and X.ndim == 2 and int(matmul.group(2)) == X.shape[1]:
            raise ValueError(
                f"TorchClassifier: X has {X.shape[1]} features, but the network "
                f"expects {matmul.group(3)} (Torch: {message})."
            ) from exc
        raise feature_count_error(
            "TorchClassifier", X, f"Torch says {message!r}"
        ) from exc


def _may_share_memory(X: np.ndarray, X_in: Any) -> bool:
    """Whether the validated ``X`` may be (a view of) the caller's ``X_in``."""
    if X is X_in:
        return True
    if isinstance(X_in, list | tuple):
        return False  # converted: a new array
    try:
        return bool(np.may_share_memory(X, np.asarray(X_in)))
    except (TypeError, ValueError):
        return True


def _first_layer_spec(torch, module: Any) -> InputSpec | None:
    """The input shape a network shows in its first layer, if it shows one.

    Read only from ``nn.Sequential`` containers (their order is the order of
    computation), skipping layers that keep the shape: a first ``Linear`` fixes
    the last axis (after a ``Flatten``, the flattened size); a first ``ConvNd``
    fixes the channel axis. Anything else (a custom ``forward``, lazy layers,
    embeddings) shows nothing and is checked when it runs.
    """
    nn = torch.nn
    keep = tuple(getattr(nn, name) for name in _SHAPE_KEEPING if hasattr(nn, name))
    flattened = False
    layer = module
    while True:
        layer = _uncompiled(layer)
        if not isinstance(layer, nn.Sequential):
            break
        for child in layer.children():
            if isinstance(child, keep):
                continue
            if isinstance(child, nn.Flatten) and not flattened:
                if (child.start_dim, child.end_dim) != (1, -1):
                    return None
                flattened = True
                continue
            layer = child
            break
        else:
            return None
    uninitialized = getattr(layer, "has_uninitialized_params", None)
    if callable(uninitialized) and uninitialized():
        return None  # a lazy layer takes the width of its first input
    # (``layer.weight`` is never read: with a parametrization such as
    # spectral_norm, reading it in train mode would update the module.)
    name = type(layer).__name__
    if isinstance(layer, nn.Linear):
        return InputSpec(
            (int(layer.in_features),),
            f"the in_features of its first {name} layer",
            trailing=not flattened,
            flattened=flattened,
        )
    convs = {nn.Conv1d: 1, nn.Conv2d: 2, nn.Conv3d: 3}
    for kind, dims in convs.items():
        if isinstance(layer, kind) and not flattened:
            return InputSpec(
                (int(layer.in_channels), *([None] * dims)),
                f"the in_channels of its first {name} layer: (channels, "
                f"{dims} spatial axes) per sample",
            )
    return None


def _uncompiled(module: Any) -> Any:
    """The module inside a ``torch.compile`` wrapper (the module itself otherwise)."""
    while type(module).__name__ == "OptimizedModule" and hasattr(module, "_orig_mod"):
        module = module._orig_mod
    return module


def _has_uninitialized(module: Any) -> bool:
    """Whether a module still has lazy parameters (no weights yet)."""
    torch = loaded("torch")
    is_lazy = torch.nn.parameter.is_lazy
    return any(is_lazy(param) for param in module.parameters())
