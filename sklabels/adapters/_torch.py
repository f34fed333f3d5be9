"""``TorchClassifier``: a PyTorch ``nn.Module`` as a scikit-learn classifier."""

from __future__ import annotations

import copy
import io
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from sklearn.utils._param_validation import StrOptions

from .._scores import check_finite
from ._base import (
    Archive,
    InputSpec,
    feature_count_error,
    import_optional,
    instance_of,
    loaded,
    width_error,
)
from ._heads import (
    ACTIVATING,
    LOGITS,
    MULTILABEL,
    PROBABILITIES,
    SIGMOID,
    SOFTMAX,
)
from ._torch_common import (
    NeedsCopy,
    eval_view,
    per_sample_loss,
    target_tensor,
    uncompiled,
)
from ._trainable import (
    TRAINABLE_CONSTRAINTS,
    TrainableAdapter,
    TrainingData,
    seed_from,
)

# Rows per forward pass in predict_proba when predict_batch_size is None: training
# batches are small for the optimizer's sake; inference has no such reason.
_PREDICT_ROWS = 1024
_OPTIMIZERS = {"adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop"}
# Layers that keep the last dimension: skipped when reading a Sequential's width.
_SHAPE_KEEPING = (
    *("Identity", "Dropout", "AlphaDropout", "ReLU", "ReLU6", "LeakyReLU", "PReLU"),
    *("ELU", "SELU", "CELU", "GELU", "SiLU", "Mish", "Sigmoid", "Hardsigmoid"),
    *("Tanh", "Hardtanh", "Softplus", "Softsign", "Softmax", "LogSoftmax"),
    *("LayerNorm", "BatchNorm1d"),
)
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


class TorchClassifier(TrainableAdapter):
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
    output : {"auto", "logits", "probabilities"}, default="auto"
        What the network returns. ``"logits"``: raw scores; the adapter applies
        sigmoid/softmax in ``predict_proba``, and ``decision_function`` returns
        the logits. ``"probabilities"``: the network ends in a sigmoid or softmax;
        its outputs must lie in [0, 1]. ``"auto"`` reads it from an
        ``nn.Sequential``'s last layer (``Softmax``/``Sigmoid``: probabilities;
        ``LogSoftmax``/``Linear``: logits), else from the values (any outside
        [0, 1]: logits; rows summing to 1: probabilities), and otherwise asks.
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
        ``"auto"`` reads it from ``y`` in ``fit``. Needed only for a handed-in,
        unfitted network with several logit outputs, where softmax and per-label
        sigmoid outputs look alike.
    epochs : int, default=10
        Passes over the training data (0 keeps the initial weights).
    batch_size : int, default=32
        Training mini-batch size. 32, Keras' default: on small tabular data, with
        Adam at ``lr=1e-3``, it reaches in the same epochs the accuracy Keras does
        (larger batches take fewer optimizer steps per epoch).
    predict_batch_size : int, default=None
        Rows per forward pass in ``predict_proba``; ``None`` uses 1024 (or
        ``batch_size`` if larger): inference needs no small batches.
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
        When positive, print one line per epoch as Keras does:
        ``Epoch 3/10 - 0.05s - loss: 0.4123`` (mean training loss, seconds).
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

    **Training.** ``sample_weight`` in ``fit`` weights each sample's loss (a
    weighted mean per mini-batch); it cannot be combined with a custom ``loss``.

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

    _NETWORK, _NETWORK_TYPE, _FACTORY = (
        "module",
        "torch.nn.Module",
        "a class or callable",
    )
    _ROUTED = ("module", "optimizer")
    _CACHES = ("_eval_copy",)  # a TorchScript module's eval-mode copy
    _ARCHIVED = ("module_",)  # pickled as the bytes of torch.save(state_dict)
    _NO_WEIGHTS = (
        "the module passed in has uninitialized (lazy) parameters, so it has no "
        "weights yet. Call fit, or run it once on an input before using it without "
        "training."
    )

    _parameter_constraints: dict = {
        **TRAINABLE_CONSTRAINTS,
        "module": [callable],
        "optimizer": [StrOptions(set(_OPTIMIZERS)), callable],
        "loss": [callable, None],
        "device": "no_validation",  # a str or torch.device; checked by torch
        "shuffle": ["boolean"],
    }

    def __init__(
        self,
        module: Any,
        *,
        output: str = "auto",
        problem: str = "auto",
        epochs: int = 10,
        batch_size: int = 32,
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

    # --------------------------------------------------------------- framework
    def _library(self) -> Any:
        return _torch()

    def _is_network(self, value: Any) -> bool:
        return instance_of(value, "torch", "nn.Module")

    def _copy_network(self, network: Any) -> Any:
        return copy.deepcopy(network)

    def _has_weights(self, network: Any) -> bool:
        return not _has_uninitialized(network)

    def _new_network(self) -> Any:
        return super()._new_network().to(self._device(_torch()))

    def _device(self, torch):
        try:
            return torch.device(self.device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(
                f"TorchClassifier: device={self.device!r} is not a torch device "
                f"({exc}). Use 'cpu', 'cuda', 'cuda:0', 'mps' or a torch.device."
            ) from None

    def _static_width(self) -> int | None:
        torch = loaded("torch")
        return None if torch is None else _sequential_width(torch, self.module)

    def _spec_of(self, network: Any) -> InputSpec | None:
        return _first_layer_spec(_torch(), network)

    def _to_tensor(self, torch, X: np.ndarray, dtype):
        if X.dtype.kind == "f":
            X = X.astype(torch.empty(0, dtype=dtype).numpy().dtype, copy=False)
        if not X.flags.writeable:
            X = X.copy()  # torch.from_numpy needs a writeable array
        return torch.from_numpy(X)

    # ---------------------------------------------------------------- training
    def _check_sample_weight(self, sample_weight: Any, n: int) -> np.ndarray | None:
        weights = super()._check_sample_weight(sample_weight, n)
        if weights is not None and self.loss is not None:
            raise ValueError(
                "TorchClassifier: sample_weight cannot be applied to a custom loss; "
                "weight the samples inside loss, or use loss=None."
            )
        return weights

    @contextmanager
    def _seeded(self, torch) -> Iterator[int | None]:
        """Seed Torch inside ``fork_rng``: the global generator is left as it was."""
        device = self._device(torch)
        seed = seed_from(self.random_state)
        if seed is None:
            yield None
            return
        with torch.random.fork_rng(devices=[] if device.type == "cpu" else None):
            torch.manual_seed(seed)
            yield seed

    def _probe(self, torch, network: Any, X: np.ndarray) -> np.ndarray:
        """The outputs of the first batch, in eval mode (``network`` is fit's copy)."""
        X_t = self._to_tensor(torch, X[: self.batch_size], _input_dtype(torch, network))
        xb = X_t.clone()  # never a view of the caller's X
        was_training = network.training
        network.eval()
        try:
            with torch.no_grad():
                out = _forward(network, xb.to(self._device(torch)), X)
                return _as_output(torch, out, len(xb)).float().cpu().numpy()
        finally:
            network.train(was_training)

    def _train(self, torch, network: Any, data: TrainingData) -> list:
        device = self._device(torch)
        tensors = (
            self._to_tensor(torch, data.X, _input_dtype(torch, network)),
            target_tensor(torch, data.target.values, data.head),
            None if data.weights is None else torch.from_numpy(data.weights).float(),
        )
        loss_fn = self._loss_fn(torch, data.head, data.output == LOGITS)
        optimizer = self._new_optimizer(torch, network)
        seed = data.seed
        generator = None if seed is None else torch.Generator().manual_seed(seed)
        history: list[float] = []
        network.train()
        for epoch in range(self.epochs):
            start_time = time.perf_counter()
            batches = self._batches(torch, len(data.X), generator)
            loss = _epoch(torch, network, optimizer, loss_fn, tensors, batches, device)
            history.append(loss)
            self._report(epoch, loss, time.perf_counter() - start_time)
        network.eval()
        return history

    def _batches(self, torch, n: int, generator) -> list:
        """The row indices of each mini-batch of an epoch (reshuffled with shuffle)."""
        order = (
            torch.randperm(n, generator=generator) if self.shuffle else torch.arange(n)
        )
        return [order[i : i + self.batch_size] for i in range(0, n, self.batch_size)]

    def _report(self, epoch: int, loss: float, seconds: float) -> None:
        """One line per epoch, as Keras' ``fit`` prints them."""
        if self.verbose:
            print(
                f"Epoch {epoch + 1}/{self.epochs} - {seconds:.2f}s - loss: {loss:.4f}",
                flush=True,
            )

    def _loss_fn(self, torch, head: str, logits: bool):
        """``loss(out, yb, wb)``: the custom ``loss``, or the table's, weighted."""
        if self.loss is not None:
            user_loss = self.loss
            return lambda out, yb, _: user_loss(out, yb)
        per_sample = per_sample_loss(torch, head, logits)

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

    # -------------------------------------------------------------- prediction
    def _eval_network(self, torch, module):
        """A network that computes ``module`` in eval mode, leaving ``module`` alone.

        Usually a *view*: new Module objects, one per submodule, that share the
        parameters and buffers (no tensor is copied) but carry their own
        ``training = False``. The caller's flags are never read or written, so
        concurrent calls cannot see each other's mode, and a module handed in in
        train mode is still evaluated with dropout off and batch-norm running
        statistics. TorchScript modules share their flags between Python copies:
        they get a private deep copy in eval mode instead, made once and kept
        while ``module`` is the same object.
        """
        try:
            return eval_view(torch, module)
        except NeedsCopy:
            pass
        return self._cached(
            "_eval_copy", (module,), lambda: copy.deepcopy(module).eval()
        )

    def _run(self, X: Any, activate: bool) -> np.ndarray:
        """Batched forward pass in eval mode under no_grad, optionally activated.

        The caller's module and arrays are left exactly as they were: the network
        runs as an eval-mode view (see ``_eval_network``), and a batch that shares
        memory with the caller's ``X`` is copied first, so that a layer working in
        place (``ReLU(inplace=True)`` first) cannot write into it.
        """
        torch = _torch()
        module = self._predicting_network()
        X_in = X
        X = self._check_X(X, reset=False)
        shared = _may_share_memory(X, X_in)
        device = self._device(torch)
        copy_batches = shared and device.type == "cpu"  # .to("cpu") does not copy
        X_t = self._to_tensor(torch, X, _input_dtype(torch, module))
        network = self._eval_network(torch, module)
        step = self.predict_batch_size or max(self.batch_size, _PREDICT_ROWS)
        out, head = None, None
        with torch.no_grad():
            for start in range(0, len(X_t), step):
                xb = X_t[start : start + step]
                xb = xb.clone() if copy_batches else xb.to(device)
                ob = _as_output(torch, _forward(network, xb, X), len(xb))
                if out is None:
                    width = ob.shape[1]
                    head = self._known_head(width, ACTIVATING) if activate else None
                    kind = np.float64 if ob.dtype == torch.float64 else np.float32
                    out = np.empty((len(X_t), width), dtype=kind)
                out[start : start + len(xb)] = _activated(torch, ob, head).cpu().numpy()
        return out

    def raw_output(self, X: Any) -> np.ndarray:
        return self._run(X, activate=False)

    def _hint_of(self, network: Any) -> str | None:
        return _final_activation(_torch(), network)

    def _proba(self, X: Any) -> np.ndarray:
        if self._known_output() != LOGITS:
            return super()._proba(X)
        proba = self._run(X, activate=True)  # the activation runs in Torch
        check_finite(proba, "TorchClassifier outputs")
        return proba

    # ---------------------------------------------------------------- pickling
    def __getstate__(self) -> dict:
        state = super().__getstate__()
        archive = _archive_module(state.get("module"))
        if archive is not None:
            state["module"], state["_module_classes"] = archive
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        classes = state.pop("_module_classes", None)
        if classes is not None:
            state["module"] = _load_module(state["module"].data, classes)
        super().__setstate__(state)

    def _archive(self, network: Any) -> bytes:
        buffer = io.BytesIO()
        _torch().save(network.state_dict(), buffer)
        return buffer.getvalue()

    def _unarchive(self, data: bytes) -> Any:
        # Rebuilt from the module parameter (the class with its module__*
        # arguments, or a copy of the handed-in instance), then the weights.
        torch = _torch()
        module = self._new_network()
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
        module.load_state_dict(state)
        return module.eval()


def _load_module(data: bytes, classes: list) -> Any:
    torch = _torch()
    with torch.serialization.safe_globals(list(classes)):
        return torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)


def _archive_module(module: Any) -> tuple[Archive, list] | None:
    """A module instance (the ``module`` parameter) as ``torch.save`` bytes and the
    classes of its submodules, or None where it is not one or cannot be loaded back.

    Loading reads the bytes with ``torch.load(weights_only=True)``, allowing only
    those classes: a loader such as ``skops.io`` asks its user to trust them by name
    instead of unpickling torch internals. A module holding anything else (a plain
    Python object among its attributes) stays as it is, for pickle.
    """
    if not instance_of(module, "torch", "nn.Module"):
        return None
    buffer = io.BytesIO()
    _torch().save(module, buffer)
    classes = sorted({type(m) for m in module.modules()}, key=lambda c: c.__qualname__)
    try:
        _load_module(buffer.getvalue(), classes)
    except Exception:  # anything torch refuses: keep the instance, for pickle
        return None
    return Archive(buffer.getvalue()), classes


def _input_dtype(torch, module):
    """The dtype of the module's first floating parameter (float32 without one)."""
    for param in module.parameters():
        if param.is_floating_point():
            return param.dtype
    return torch.float32


def _as_output(torch, out, n: int):
    """The module's output as an ``(n, k)`` tensor, or a clear error."""
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


def _epoch(torch, module, optimizer, loss_fn, tensors, batches, device) -> float:
    """One pass of training over ``batches`` (row indices); the mean loss."""
    X_t, y_t, w_t = tensors
    total = 0.0
    for idx in batches:
        xb, yb = X_t[idx].to(device), y_t[idx].to(device)
        wb = None if w_t is None else w_t[idx].to(device)
        optimizer.zero_grad()
        out = _as_output(torch, module(xb), len(idx))
        loss = loss_fn(out, yb, wb)
        loss.backward()
        optimizer.step()
        total += float(loss.detach()) * len(idx)
    return total / len(X_t)


def _activated(torch, out, head: str | None):
    """Softmax or sigmoid of logits ``out`` for ``head`` (None: as they are)."""
    if head == SOFTMAX:
        out = torch.softmax(out, dim=1)
    elif head in (SIGMOID, MULTILABEL):
        out = torch.sigmoid(out)
    if out.dtype not in (torch.float32, torch.float64):
        out = out.float()
    return out


def _shape_keeping(nn) -> tuple:
    """The classes named in ``_SHAPE_KEEPING`` that this Torch version has."""
    return tuple(getattr(nn, name) for name in _SHAPE_KEEPING if hasattr(nn, name))


def _final_activation(torch, module: Any) -> str | None:
    """What a network returns, where its last layer shows it, else None.

    Read from ``nn.Sequential`` containers (their order is the order of
    computation): a last ``Softmax`` or ``Sigmoid`` gives probabilities; a last
    ``LogSoftmax`` gives log-probabilities, which are softmax logits (their
    softmax is the probabilities); a last ``Linear`` gives logits. ``Identity``,
    ``Dropout`` and ``Flatten`` at the end are skipped. Anything else (a custom
    ``forward``) shows nothing.
    """
    nn = torch.nn
    module = uncompiled(module)
    if isinstance(module, nn.Softmax | nn.Sigmoid):
        return PROBABILITIES
    if isinstance(module, nn.LogSoftmax | nn.Linear | nn.Bilinear):
        return LOGITS
    if not isinstance(module, nn.Sequential):
        return None
    skipped = (nn.Identity, nn.Dropout, nn.Flatten)
    for child in reversed(list(module.children())):
        if not isinstance(child, skipped):
            return _final_activation(torch, child)
    return None


def _sequential_width(torch, module: Any) -> int | None:
    """Output width of an ``nn.Sequential`` ending in ``Linear`` (+ activations)."""
    nn = torch.nn
    keep = _shape_keeping(nn)
    module = uncompiled(module)
    if isinstance(module, nn.Linear):
        return int(module.out_features)
    if not isinstance(module, nn.Sequential):
        return None
    for child in reversed(list(module.children())):
        if isinstance(child, keep):
            continue
        return _sequential_width(torch, child)
    return None


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
            raise width_error(
                "TorchClassifier", X.shape[1], matmul.group(3), f"Torch: {message}"
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


def _first_layer(nn, module: Any) -> tuple[Any, bool] | None:
    """The first layer that changes the input's shape, and whether a ``Flatten``
    comes before it; None where ``nn.Sequential`` containers do not show it."""
    keep = _shape_keeping(nn)
    flattened = False
    layer = module
    while True:
        layer = uncompiled(layer)
        if not isinstance(layer, nn.Sequential):
            return layer, flattened
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


def _first_layer_spec(torch, module: Any) -> InputSpec | None:
    """The input shape a network shows in its first layer, if it shows one.

    Read only from ``nn.Sequential`` containers (their order is the order of
    computation), skipping layers that keep the shape: a first ``Linear`` fixes
    the last axis (after a ``Flatten``, the flattened size); a first ``ConvNd``
    fixes the channel axis. Anything else (a custom ``forward``, lazy layers,
    embeddings) shows nothing and is checked when it runs.
    """
    nn = torch.nn
    found = _first_layer(nn, module)
    if found is None:
        return None
    layer, flattened = found
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


def _has_uninitialized(module: Any) -> bool:
    """Whether a module still has lazy parameters (no weights yet)."""
    torch = loaded("torch")
    is_lazy = torch.nn.parameter.is_lazy
    return any(is_lazy(param) for param in module.parameters())
