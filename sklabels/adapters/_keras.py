"""``KerasClassifier``: a Keras 3 model as a scikit-learn classifier."""

from __future__ import annotations

import os
import random
import re
import tempfile
import warnings
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, nullcontext
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import clone

from .._scores import is_tensor
from ._base import (
    InputSpec,
    feature_count_error,
    import_optional,
    instance_of,
    loaded,
    width_error,
)
from ._heads import LOGITS, PROBABILITIES, SOFTMAX, as_2d_output
from ._trainable import (
    TRAINABLE_CONSTRAINTS,
    TrainableAdapter,
    TrainingData,
    seed_from,
)

# Keras' words when an input does not fit a layer's input spec, and Torch's.
_INCOMPATIBLE = "is incompatible with the layer"
_LAST_AXIS = re.compile(
    r"expected axis -1 of input shape to have value (\d+), but received input "
    r"with shape \(([^)]*)\)"
)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_TORCH_SHAPE = re.compile(r"mat1 and mat2 shapes cannot be multiplied|size mismatch")


def _keras():
    return import_optional("keras", "keras", "KerasClassifier")


def _is_model(value: Any) -> bool:
    return instance_of(value, "keras", "Model")


@contextmanager
def _torch_array_warning_silenced() -> Iterator[None]:
    """Silence one third-party DeprecationWarning inside Keras' own code.

    On the Torch backend Keras reads variables with ``np.array(tensor)``; NumPy 2
    warns that ``torch.Tensor.__array__`` takes no ``copy`` argument. Neither the
    adapter nor its user can act on it, and test suites that turn
    DeprecationWarnings into errors would fail on ``model.save``.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore",
            message="__array__ implementation doesn't accept a copy keyword",
            category=DeprecationWarning,
        )
        yield


def _model_to_bytes(model: Any) -> bytes:
    """Keras' own serialisation: the ``.keras`` archive of ``model.save``."""
    with tempfile.TemporaryDirectory() as folder, _torch_array_warning_silenced():
        path = os.path.join(folder, "model.keras")
        model.save(path)
        with open(path, "rb") as file:
            return file.read()


def _model_from_bytes(data: bytes) -> Any:
    keras = _keras()
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.keras")
        with open(path, "wb") as file:
            file.write(data)
        with warnings.catch_warnings(), _torch_array_warning_silenced():
            # A compiled model whose optimizer never stepped has no optimizer
            # variables to restore; Keras says so in a UserWarning.
            warnings.filterwarnings(
                "ignore", message="Skipping variable loading for optimizer"
            )
            return keras.saving.load_model(path)


def _copy_model(model: Any) -> Any:
    """An independent copy: architecture, weights, compile state and optimizer."""
    return _model_from_bytes(_model_to_bytes(model))


def _to_numpy(keras: Any, out: Any) -> np.ndarray:
    if is_tensor(out):  # its .numpy(), not np.array(tensor)
        return out.detach().cpu().numpy()
    return np.asarray(keras.ops.convert_to_numpy(out))


def _predict(keras: Any, model: Any, X: np.ndarray, step: int) -> Any:
    """``model(batch, training=False)`` over batches, as one NumPy array.

    The same computation as ``model.predict``, without its callbacks and progress
    machinery; on the Torch backend under ``torch.no_grad()``, with tensors read
    through ``Tensor.numpy()`` (``model.predict`` goes through ``np.array(tensor)``,
    which NumPy 2 flags with a DeprecationWarning on current Torch). Unlike
    ``model.predict``, which switches a Torch-backend model to ``eval()`` and
    leaves it there, a call with ``training=False`` changes no state of the model
    (Keras keeps the call's training flag per thread), so concurrent calls are
    safe. A shape error of the first layer is said in terms of ``X``.
    """
    torch = loaded("torch")
    on_torch = torch is not None and keras.backend.backend() == "torch"
    parts = []
    with torch.no_grad() if on_torch else nullcontext():
        for start in range(0, len(X), step):
            try:
                out = model(X[start : start + step], training=False)
            except (ValueError, RuntimeError) as exc:
                error = _shape_error(exc, X)
                if error is None:
                    raise
                raise error from exc
            if isinstance(out, list | tuple | dict):
                raise ValueError(
                    "KerasClassifier: the model has several outputs; wrap a model "
                    "with one (n, k) output."
                )
            parts.append(_to_numpy(keras, out))
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)


def _shape_error(exc: Exception, X: np.ndarray) -> ValueError | None:
    """A clear ValueError for an input that does not fit the model, else None."""
    text = _ANSI.sub("", str(exc))
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    found = [line for line in lines if _INCOMPATIBLE in line]
    if found:
        last_axis = _LAST_AXIS.search(found[0])
        if last_axis and X.ndim == 2:
            got = last_axis.group(2).replace(" ", "").split(",")[-1]
            if got == str(X.shape[1]):
                return width_error(
                    "KerasClassifier", got, last_axis.group(1), f"Keras: {found[0]}"
                )
        return feature_count_error("KerasClassifier", X, f"Keras says {found[0]!r}")
    torch_lines = [line for line in lines if _TORCH_SHAPE.search(line)]
    if torch_lines:
        return feature_count_error(
            "KerasClassifier", X, f"Torch says {torch_lines[0]!r}"
        )
    return None


def _final_activation(model: Any) -> str | None:
    """What a ``Sequential`` or functional model returns, from its last layer.

    ``softmax``/``sigmoid`` activations (or a ``Softmax`` layer) give
    probabilities; ``linear`` and ``log_softmax`` give logits. A subclassed
    model's ``layers`` are not in the order of computation: None.
    """
    if type(model).__name__ not in ("Sequential", "Functional"):
        return None
    layers = [
        layer
        for layer in model.layers
        if type(layer).__name__ not in ("Dropout", "InputLayer", "Flatten")
    ]
    if not layers:
        return None
    last = layers[-1]
    if type(last).__name__ == "Softmax":
        return PROBABILITIES
    name = getattr(getattr(last, "activation", None), "__name__", None)
    if name in ("softmax", "sigmoid"):
        return PROBABILITIES
    if name in ("linear", "log_softmax"):
        return LOGITS
    return None


def _loss_name(loss: Any) -> str:
    if isinstance(loss, str):
        return loss
    return str(getattr(loss, "name", getattr(loss, "__name__", "")))


def _target_for(model: Any, data: TrainingData) -> np.ndarray:
    """``y`` as ``model.fit`` takes it for the head (and the loss, if compiled)."""
    if data.head != SOFTMAX:
        values = data.target.values.astype(np.float32)
        return values.reshape(len(values), -1)
    name = _loss_name(getattr(model, "loss", None))
    if "categorical_crossentropy" in name and "sparse" not in name:
        return np.eye(data.width, dtype=np.float32)[data.target.values]  # one-hot
    return data.target.values


class KerasClassifier(TrainableAdapter):
    """A Keras 3 model as a scikit-learn classifier on encoded targets.

    ``fit(X, y)`` trains the model on integer codes ``0..k-1`` (binary,
    multiclass) or on a 0/1 indicator matrix (multilabel), compiling it first
    when it is not compiled, with the loss that fits the problem, the output width
    and ``output``; ``predict_proba`` runs the model in batches (what
    ``model.predict`` computes). Works on any Keras
    backend. Wrap it in :class:`sklabels.ProbabilisticLabelClassifier` to train on
    and predict label names, with thresholds.

    ===================================  =========================================
    output head, target                  loss when the adapter compiles
    ===================================  =========================================
    ``(n, 1)`` sigmoid, codes 0/1        ``BinaryCrossentropy(from_logits=...)``
    ``(n, 2)`` softmax, codes 0/1        ``SparseCategoricalCrossentropy(...)``
    ``(n, k)`` softmax, codes            ``SparseCategoricalCrossentropy(...)``
    ``(n, k)`` sigmoid, 0/1 indicator    ``BinaryCrossentropy(from_logits=...)``
    ===================================  =========================================

    ``from_logits`` is true when the model returns logits (``output``, or with
    ``output="auto"`` its final layer's activation).

    Parameters
    ----------
    model : keras.Model, or a callable returning one
        A model is used as is: a trained model is wrapped without training (the
        adapter reports itself fitted and predicts at once), and ``fit`` trains a
        copy of it (made with Keras' own serialisation), never the model itself.
        A callable (a builder function) is called with the ``model__*``
        parameters in ``fit``, after seeding with ``random_state``.
    output : {"auto", "probabilities", "logits"}, default="auto"
        What the model returns: probabilities (a final sigmoid/softmax, checked to
        lie in [0, 1]) or logits (the adapter applies the activation in
        ``predict_proba``; ``decision_function`` returns the logits). ``"auto"``
        reads the activation of the final layer of a ``Sequential`` or functional
        model (``softmax``/``sigmoid``: probabilities; ``linear``,
        ``log_softmax``: logits), else the values (any outside [0, 1]: logits;
        rows summing to 1: probabilities), and otherwise asks.
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
        ``"auto"`` reads it from ``y`` in ``fit``. Needed only for a handed-in,
        unfitted model with several logit outputs.
    epochs : int, default=10
        Passed to ``model.fit``.
    batch_size : int, default=32
        Passed to ``model.fit``.
    predict_batch_size : int, default=None
        Rows per forward pass in ``predict_proba``; ``None`` uses ``batch_size``.
    optimizer : str or callable, default="adam"
        Used when the adapter compiles: a Keras optimizer name (``"adam"``,
        ``"sgd"``, ``"rmsprop"``, ``"adamw"``, ...) or a callable called as
        ``optimizer(learning_rate=lr)``.
    lr : float, default=1e-3
        Learning rate of that optimizer.
    compile_kwargs : dict, default=None
        Extra arguments of ``model.compile`` (e.g. ``metrics``), or overrides of
        ``optimizer`` and ``loss``; used when the adapter compiles.
    fit_kwargs : dict, default=None
        Extra arguments of ``model.fit`` (``callbacks``, ``validation_split``,
        ...); they override the adapter's own.
    random_state : int, RandomState instance or None, default=None
        Seeds Keras (``keras.utils.set_random_seed``) for building and training.
        Python's and NumPy's global generators (and Torch's, on the Torch
        backend) are restored afterwards; other backends keep the seed.
    verbose : int, default=0
        Passed to ``model.fit`` (1: progress bar, 2: one line per epoch).
    **kwargs : dict
        ``model__<name>`` arguments of a builder function.

    Attributes
    ----------
    model_ : keras.Model
        The trained model (after ``fit``).
    classes_ : ndarray of shape (n_classes,)
        The encoded classes ``arange(k)`` (``[0, 1]`` for one output). Known after
        ``fit``, or for a handed-in built model (from its output shape).
    n_outputs_ : int
        The model's output width.
    problem_ : str
        ``"binary"``, ``"multiclass"`` or ``"multilabel"``.
    history_ : dict
        ``model.fit(...).history``: the loss (and metrics) of each epoch.
    n_features_in_ : int
        Number of features seen in ``fit`` (2-D ``X``).

    Notes
    -----
    A model compiled by you keeps its loss; the adapter then passes ``y`` as codes
    for softmax outputs (one-hot if the loss is ``categorical_crossentropy``), as
    an ``(n, 1)`` column for a single sigmoid, and as the indicator for
    multilabel models. Pickling and cloning use ``model.save`` /
    ``keras.saving.load_model``, so custom layers must be registered with
    ``keras.saving.register_keras_serializable``.

    Predictions call ``model(batch, training=False)``: dropout is off and
    batch normalisation uses its moving statistics, and no state of the model
    changes (``model.predict`` would switch a Torch-backend model to ``eval()``
    and leave it there), so one adapter can serve several threads. (Keras' own
    ``TorchModuleWrapper`` layers are the exception: Keras switches the Torch
    module inside to ``eval()`` on every call with ``training=False``.) A model
    passed in that is not built has no weights yet: the adapter is not fitted
    until ``fit`` (predicting would build it with random weights). A wrong
    input width is a ``ValueError`` naming both sizes, read from
    ``n_features_in_`` after ``fit`` or from the model's input shape; for a
    subclassed model without one, Keras' shape error is re-raised in the same
    terms.

    See Also
    --------
    TorchClassifier : The same for PyTorch modules.
    sklearn.frozen.FrozenEstimator : Use a trained model without refitting it.

    Examples
    --------
    >>> import keras
    >>> from sklearn.datasets import load_iris
    >>> from sklabels import ProbabilisticLabelClassifier
    >>> from sklabels.adapters import KerasClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> names = load_iris().target_names[y]
    >>> def build():
    ...     return keras.Sequential([
    ...         keras.Input((4,)),
    ...         keras.layers.Dense(16, activation="relu"),
    ...         keras.layers.Dense(3, activation="softmax"),
    ...     ])
    >>> clf = ProbabilisticLabelClassifier(
    ...     KerasClassifier(build, epochs=100, lr=1e-2, random_state=0)
    ... )
    >>> clf.fit(X, names).predict(X[:2]).tolist()
    ['setosa', 'setosa']
    """

    _NETWORK, _NETWORK_TYPE, _FACTORY = "model", "keras.Model", "a builder function"
    _ROUTED = ("model",)
    _ARCHIVED = ("model", "model_")  # pickled as .keras archives
    _NO_WEIGHTS = (
        "the model passed in is not built, so it has no weights yet. Call fit, or "
        "build it (start it with keras.Input, or call model.build(input_shape)) "
        "before using it without training."
    )

    _parameter_constraints: dict = {
        **TRAINABLE_CONSTRAINTS,
        "model": [callable],
        "optimizer": [str, callable],
        "compile_kwargs": [dict, None],
        "fit_kwargs": [dict, None],
    }

    def __init__(
        self,
        model: Any,
        *,
        output: str = "auto",
        problem: str = "auto",
        epochs: int = 10,
        batch_size: int = 32,
        predict_batch_size: int | None = None,
        optimizer: Any = "adam",
        lr: float = 1e-3,
        compile_kwargs: dict | None = None,
        fit_kwargs: dict | None = None,
        random_state: Any = None,
        verbose: int = 0,
        **kwargs: Any,
    ) -> None:
        self.model = model
        self.output = output
        self.problem = problem
        self.epochs = epochs
        self.batch_size = batch_size
        self.predict_batch_size = predict_batch_size
        self.optimizer = optimizer
        self.lr = lr
        self.compile_kwargs = compile_kwargs
        self.fit_kwargs = fit_kwargs
        self.random_state = random_state
        self.verbose = verbose
        self._take_routed(kwargs)

    # --------------------------------------------------------------- framework
    def _library(self) -> Any:
        return _keras()

    def _is_network(self, value: Any) -> bool:
        return _is_model(value)

    def _copy_network(self, network: Any) -> Any:
        return _copy_model(network)

    def _has_weights(self, network: Any) -> bool:
        return bool(getattr(network, "built", True))

    def _static_width(self) -> int | None:
        try:
            shape = self.model.output_shape
        except (AttributeError, ValueError, RuntimeError):
            return None  # not built yet
        if not isinstance(shape, tuple) or not shape:
            return None  # several outputs
        width = 1 if len(shape) == 1 else shape[-1]
        return int(width) if isinstance(width, Integral) and len(shape) <= 2 else None

    def _hint_of(self, network: Any) -> str | None:
        return _final_activation(network)

    def _spec_of(self, network: Any) -> InputSpec | None:
        try:
            shape = network.input_shape
        except (AttributeError, ValueError, RuntimeError):
            return None  # not built, subclassed, or several inputs
        if not isinstance(shape, tuple) or len(shape) < 2:
            return None
        sample = shape[1:]  # the batch axis may be fixed by a first call: ignore it
        if not all(size is None or isinstance(size, Integral) for size in sample):
            return None
        sample = tuple(None if size is None else int(size) for size in sample)
        return InputSpec(sample, f"its input shape {(None, *sample)}")

    # ---------------------------------------------------------------- training
    @contextmanager
    def _seeded(self, keras: Any) -> Iterator[int | None]:
        """Seed Keras, restoring Python's, NumPy's (and Torch's) global generators."""
        seed = seed_from(self.random_state)
        if seed is None:
            yield None
            return
        with ExitStack() as stack:
            torch = loaded("torch")
            if torch is not None and keras.backend.backend() == "torch":
                stack.enter_context(torch.random.fork_rng(devices=[]))
            # keras.utils.set_random_seed seeds NumPy's legacy global generator:
            # save and restore that very state.
            py_state = random.getstate()
            np_state = np.random.get_state()  # noqa: NPY002
            try:
                keras.utils.set_random_seed(seed)
                yield seed
            finally:
                random.setstate(py_state)
                np.random.set_state(np_state)  # noqa: NPY002

    def _probe(self, keras: Any, network: Any, X: np.ndarray) -> np.ndarray:
        probe = _predict(keras, network, X[: self.batch_size], self.batch_size)
        return as_2d_output(probe, type(self).__name__)

    def _train(self, keras: Any, network: Any, data: TrainingData) -> dict:
        if not network.compiled:
            compile_kwargs = {
                "optimizer": self._new_optimizer(keras),
                "loss": self._loss(keras, data.head, data.output == LOGITS),
                **(self.compile_kwargs or {}),
            }
            network.compile(**compile_kwargs)
        fit_kwargs = {
            "epochs": self.epochs,
            "batch_size": self.batch_size,
            "verbose": self.verbose,
            "shuffle": True,
            "sample_weight": data.weights,
            **(self.fit_kwargs or {}),
        }
        history = network.fit(data.X, _target_for(network, data), **fit_kwargs)
        return {  # Keras on Torch logs 0-d tensors
            key: [float(value) for value in values]
            for key, values in history.history.items()
        }

    def _new_optimizer(self, keras: Any) -> Any:
        if isinstance(self.optimizer, str):
            try:
                return keras.optimizers.get(
                    {"class_name": self.optimizer, "config": {"learning_rate": self.lr}}
                )
            except (ValueError, TypeError) as exc:
                raise ValueError(
                    f"KerasClassifier: optimizer={self.optimizer!r} is not a Keras "
                    f"optimizer ({exc}). Use e.g. 'adam', 'sgd', 'rmsprop', 'adamw'."
                ) from None
        return self.optimizer(learning_rate=self.lr)

    def _loss(self, keras: Any, head: str, logits: bool) -> Any:
        if head == SOFTMAX:
            return keras.losses.SparseCategoricalCrossentropy(from_logits=logits)
        return keras.losses.BinaryCrossentropy(from_logits=logits)

    # -------------------------------------------------------------- prediction
    def raw_output(self, X: Any) -> np.ndarray:
        keras = _keras()
        model = self._predicting_network()
        X = self._check_X(X, reset=False)
        step = self.predict_batch_size or self.batch_size
        return as_2d_output(_predict(keras, model, X, step), type(self).__name__)

    # ------------------------------------------------------- cloning, pickling
    def __sklearn_clone__(self) -> KerasClassifier:
        # A handed-in model is copied with Keras' own serialisation (weights and
        # compile state included); other parameters as scikit-learn's clone does.
        params = {
            key: _copy_model(value) if _is_model(value) else clone(value, safe=False)
            for key, value in self.get_params(deep=False).items()
        }
        return type(self)(**params)

    def _archive(self, network: Any) -> bytes | None:
        return _model_to_bytes(network) if _is_model(network) else None

    def _unarchive(self, data: bytes) -> Any:
        return _model_from_bytes(data)
