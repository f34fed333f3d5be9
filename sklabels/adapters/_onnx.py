"""``OnnxClassifier``: an ONNX model, run by ONNX Runtime, as a classifier."""

from __future__ import annotations

import os
import re
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import check_consistent_length

from ._base import (
    ADAPTER_CONSTRAINTS,
    InputSpec,
    feature_count_error,
    import_optional,
    instance_of,
    width_error,
)
from ._heads import (
    LOGITS,
    PROBABILITIES,
    EncodedTarget,
    as_2d_output,
    check_encoded_target,
)
from ._pretrained import PretrainedAdapter

# ONNX element types of inputs, as NumPy dtypes.
_INPUT_TYPES = {
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
    "tensor(float16)": np.float16,
    "tensor(int64)": np.int64,
    "tensor(int32)": np.int32,
}
_SCORE_TYPES = ("tensor(float)", "tensor(double)", "tensor(float16)")
# ONNX Runtime's report of an input of the wrong size.
_BAD_DIMENSIONS = re.compile(r"index: (\d+) Got: (\d+) Expected: (\d+)")


def _ort():
    return import_optional("onnxruntime", "onnx", "OnnxClassifier")


def _is_session(value: Any) -> bool:
    return instance_of(value, "onnxruntime", "InferenceSession")


def _shape_error(exc: Exception, X: np.ndarray) -> ValueError | None:
    """ONNX Runtime's error for an input of the wrong shape, said in X's terms."""
    if not type(exc).__module__.startswith("onnxruntime"):
        return None
    message = " ".join(str(exc).split())
    if not re.search(r"dimension|shape|rank", message, re.I):
        return None
    found = _BAD_DIMENSIONS.search(message)
    if found and found.group(1) == "0":
        return ValueError(
            f"OnnxClassifier: the model's input takes batches of exactly "
            f"{found.group(3)} row(s), got {found.group(2)}; pass "
            f"batch_size={found.group(3)} (ONNX Runtime: {message})"
        )
    if found and found.group(1) == "1" and X.ndim == 2:
        return width_error(
            "OnnxClassifier", found.group(2), found.group(3), f"ONNX Runtime: {message}"
        )
    return feature_count_error("OnnxClassifier", X, f"ONNX Runtime says {message!r}")


def _node_named(nodes: list, name: str, what: str) -> Any:
    """The input or output node called ``name`` (from ``input_name=``...)."""
    for node in nodes:
        if node.name == name:
            return node
    raise ValueError(
        f"OnnxClassifier: {what}_name={name!r} is not an {what} of the model; its "
        f"{what}s are {[node.name for node in nodes]}."
    )


_LOGIT_NODES = {"Gemm", "MatMul", "Add", "LogSoftmax"}
_PROBABILITY_NODES = {"Softmax", "Sigmoid"}
_PASS_THROUGH = {"Identity", "Reshape", "Flatten", "Squeeze", "Cast"}


def _graph_activation(model: Any, output: str) -> str | None:
    """What the node computing ``output`` makes, read with the ``onnx`` package.

    None where ``onnx`` is not installed or the node says nothing.
    """
    try:
        import onnx
    except ImportError:
        return None
    try:
        if isinstance(model, bytes | bytearray):
            proto = onnx.load_from_string(bytes(model))
        elif isinstance(model, str | os.PathLike):
            proto = onnx.load(os.fspath(model), load_external_data=False)
        else:
            proto = model
        makers = {name: node for node in proto.graph.node for name in node.output}
    except Exception:  # an unreadable graph says nothing; the session decides
        return None
    node = makers.get(output)
    while node is not None and node.op_type in _PASS_THROUGH and node.input:
        node = makers.get(node.input[0])
    if node is None:
        return None
    if node.op_type in _PROBABILITY_NODES:
        return PROBABILITIES
    if node.op_type in _LOGIT_NODES:
        return LOGITS
    return None


def _zipmap_to_array(maps: list) -> np.ndarray:
    """skl2onnx's ZipMap output (one ``{class: p}`` dict per row) as ``(n, k)``."""
    keys = list(maps[0]) if maps else []
    return np.array([[row[key] for key in keys] for row in maps], dtype=np.float32)


class OnnxClassifier(PretrainedAdapter):
    """An ONNX model, run with ONNX Runtime, as a scikit-learn classifier.

    The model is already trained (exported from scikit-learn with ``skl2onnx``,
    from Torch with ``torch.onnx.export``, from Keras with ``tf2onnx``...): the
    adapter is ready from the start (so it can be used with
    ``sklearn.frozen.FrozenEstimator``), and ``fit`` only checks, on the first
    rows, that the output width fits the encoded target.

    Parameters
    ----------
    model : str, path-like, bytes, onnx.ModelProto or onnxruntime.InferenceSession
        The model: a file path, the serialised model, a loaded ``ModelProto``, or
        a session (used as is; it cannot be pickled -- pass a path or bytes to
        pickle the adapter).
    output_name : str, default=None
        The output holding the scores. ``None``: the only score output (float
        tensors or ZipMap dictionaries); among several, one whose name contains
        ``"prob"`` (skl2onnx's ``output_probability``, next to ``output_label``).
    input_name : str, default=None
        The input fed with ``X``; ``None`` for a model with one input.
    output : {"auto", "probabilities", "logits"}, default="auto"
        What the chosen output holds; with ``"logits"`` the adapter applies
        sigmoid or softmax and ``decision_function`` returns the logits.
        ``"auto"`` reads the graph: a ZipMap output, or one made by a
        ``Softmax``/``Sigmoid`` node holds probabilities; one made by ``Gemm``,
        ``MatMul``, ``Add`` or ``LogSoftmax`` holds logits. Where the graph does
        not tell (or is not readable, from a session), the output's name does
        (``*prob*``: probabilities, ``*logit*``: logits), then the values (any
        outside [0, 1]: logits; rows summing to 1: probabilities), and otherwise
        the adapter asks.
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
        ``"auto"`` reads it from ``y`` in ``fit``. Before ``fit``, needed only for
        several logit columns (softmax and per-label sigmoid look alike).
    batch_size : int, default=None
        Rows per ``session.run``; ``None`` runs all rows at once.
    providers : list of str, default=None
        ONNX Runtime execution providers; ``None`` uses all available ones.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The encoded classes ``arange(k)``: after ``fit``, or from the output's
        static shape.
    n_outputs_ : int
        The width of the score output.
    problem_ : str
        ``"binary"``, ``"multiclass"`` or ``"multilabel"``.
    n_features_in_ : int
        Number of features seen in ``fit``.

    Notes
    -----
    skl2onnx exports classifiers with a ZipMap on the probabilities (a list of
    dictionaries); the adapter reads it, but exporting with
    ``options={"zipmap": False}`` gives a plain tensor and is much faster.

    One session serves every call, from any number of threads
    (``InferenceSession.run`` is thread-safe; the session is created once, under
    a lock, at the first call). A wrong input width is a ``ValueError`` naming
    both sizes before the session runs, read from ``n_features_in_`` after
    ``fit`` or from the model's input shape; with a symbolic width, ONNX
    Runtime's shape error is re-raised as a ``ValueError`` that says what ``X``
    has.

    See Also
    --------
    FunctionClassifier : Any callable returning scores.

    Examples
    --------
    >>> from skl2onnx import to_onnx
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.frozen import FrozenEstimator
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklabels import ProbabilisticLabelClassifier
    >>> from sklabels.adapters import OnnxClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X = X.astype("float32")
    >>> onx = to_onnx(LogisticRegression(max_iter=1000).fit(X, y), X[:1],
    ...               options={"zipmap": False})
    >>> names = load_iris().target_names
    >>> clf = ProbabilisticLabelClassifier(
    ...     FrozenEstimator(OnnxClassifier(onx.SerializeToString())), classes=names
    ... )
    >>> clf.fit(X, names[y]).predict(X[:2]).tolist()
    ['setosa', 'setosa']
    """

    _parameter_constraints: dict = {
        **ADAPTER_CONSTRAINTS,
        "model": "no_validation",  # path, bytes, ModelProto or session; checked below
        "output_name": [str, None],
        "input_name": [str, None],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "providers": [list, tuple, None],
    }
    # The InferenceSession, made at the first call; what the graph shows.
    _CACHES = ("_session_cache", "_hint_cache")

    def __init__(
        self,
        model: Any,
        *,
        output_name: str | None = None,
        input_name: str | None = None,
        output: str = "auto",
        problem: str = "auto",
        batch_size: int | None = None,
        providers: Any = None,
    ) -> None:
        self.model = model
        self.output_name = output_name
        self.input_name = input_name
        self.output = output
        self.problem = problem
        self.batch_size = batch_size
        self.providers = providers

    # ---------------------------------------------------------------- session
    def session(self) -> Any:
        """The ``onnxruntime.InferenceSession`` that runs ``model`` (created once)."""
        if _is_session(self.model):
            return self.model
        # One session, also when the first predictions run concurrently; a new
        # one when model or providers change.
        return self._cached(
            "_session_cache", (self.model, self.providers), self._new_session
        )

    def _new_session(self) -> Any:
        ort = _ort()
        model = self.model
        if hasattr(model, "SerializeToString"):  # an onnx.ModelProto
            model = model.SerializeToString()
        elif isinstance(model, str | os.PathLike):
            model = os.fspath(model)
        elif not isinstance(model, bytes | bytearray):
            raise TypeError(
                f"OnnxClassifier: model must be a path, bytes, an onnx.ModelProto or "
                f"an onnxruntime.InferenceSession, got a {type(model).__name__}."
            )
        providers = list(self.providers or ort.get_available_providers())
        try:
            session = ort.InferenceSession(
                bytes(model) if isinstance(model, bytearray) else model,
                providers=providers,
            )
        except Exception as exc:  # onnxruntime raises its own exception types
            shown = model if isinstance(model, str) else f"<{len(model)} bytes>"
            raise ValueError(
                f"OnnxClassifier: ONNX Runtime could not load the model {shown} "
                f"({type(exc).__name__}: {exc})."
            ) from exc
        return session

    def _input(self, session: Any) -> Any:
        inputs = session.get_inputs()
        if self.input_name is not None:
            return _node_named(inputs, self.input_name, "input")
        if len(inputs) != 1:
            raise ValueError(
                f"OnnxClassifier: the model has {len(inputs)} inputs "
                f"{[node.name for node in inputs]}; say which one receives X with "
                f"input_name=."
            )
        return inputs[0]

    def output_node(self, session: Any) -> Any:
        """The output of ``session`` that holds the scores: ``output_name``, else
        the one score-typed output (preferring a name with "prob" in it)."""
        outputs = session.get_outputs()
        names = [node.name for node in outputs]
        if self.output_name is not None:
            return _node_named(outputs, self.output_name, "output")
        scores = [
            node
            for node in outputs
            if node.type in _SCORE_TYPES or node.type.startswith("seq(map(")
        ]
        if len(scores) > 1:
            scores = [node for node in scores if "prob" in node.name.lower()] or scores
        if len(scores) != 1:
            raise ValueError(
                f"OnnxClassifier: cannot tell which output holds the scores among "
                f"{names} (types {[node.type for node in outputs]}); pass "
                f"output_name=."
            )
        return scores[0]

    def _input_spec(self, reset: bool) -> InputSpec | None:
        node = self._input(self.session())
        shape = node.shape
        if not isinstance(shape, list) or len(shape) < 2:
            return None
        sample = tuple(size if isinstance(size, int) else None for size in shape[1:])
        if all(size is None for size in sample):
            return None
        shown = ", ".join(str(size) for size in shape)
        return InputSpec(sample, f"the shape [{shown}] of its input {node.name!r}")

    def _static_width(self) -> int | None:
        try:
            shape = self.output_node(self.session()).shape
        except (ValueError, TypeError, ImportError):
            return None
        if not isinstance(shape, list) or len(shape) not in (1, 2):
            return None
        width = 1 if len(shape) == 1 else shape[1]
        return width if isinstance(width, int) else None

    def _output_hint(self) -> str | None:
        session = self.session()
        node = self.output_node(session)
        if node.type.startswith("seq(map("):
            return PROBABILITIES  # skl2onnx's ZipMap of probabilities
        # The graph before the name: an output named "logits" after a Softmax node
        # holds probabilities. The name decides only where the graph says nothing
        # (or is not readable, from a session).
        if not _is_session(self.model):
            made = self._cached(
                "_hint_cache",
                (self.model, node.name),
                lambda: _graph_activation(self.model, node.name),
            )
            if made is not None:
                return made
        name = node.name.lower()
        if "prob" in name:
            return PROBABILITIES
        if "logit" in name:
            return LOGITS
        return None

    # ---------------------------------------------------------------- fitting
    def _check_fit_data(self, X: Any, y: Any) -> tuple[Any, EncodedTarget]:
        X = self._check_X(X, reset=True, dtype=None)
        target = check_encoded_target(y, type(self).__name__)
        check_consistent_length(X, target.values)
        return X, target

    def _probe(self, X: Any) -> np.ndarray:
        return self._run(X[: self._PROBE_ROWS])

    # -------------------------------------------------------------- prediction
    def _run(self, X: np.ndarray) -> np.ndarray:
        session = self.session()
        node = self._input(session)
        out_name = self.output_node(session).name
        dtype = _INPUT_TYPES.get(node.type)
        if dtype is None:
            raise ValueError(
                f"OnnxClassifier: the model's input {node.name!r} has type "
                f"{node.type}; supported: {sorted(_INPUT_TYPES)}."
            )
        X = np.ascontiguousarray(X, dtype=dtype)
        step = self.batch_size or max(len(X), 1)
        parts = []
        for start in range(0, len(X), step):
            try:
                result = session.run([out_name], {node.name: X[start : start + step]})[
                    0
                ]
            except Exception as exc:  # onnxruntime raises its own exception types
                error = _shape_error(exc, X)
                if error is None:
                    raise
                raise error from exc
            if isinstance(result, list):
                result = _zipmap_to_array(result)
            parts.append(as_2d_output(result, type(self).__name__))
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)

    def raw_output(self, X: Any) -> np.ndarray:
        return self._run(self._check_X(X, reset=False, dtype=None))

    # ---------------------------------------------------------------- pickling
    def __getstate__(self) -> dict:
        if _is_session(self.model):
            raise TypeError(
                "OnnxClassifier built on an onnxruntime.InferenceSession cannot be "
                "pickled (sessions cannot). Pass the model's path or bytes "
                "(onnx_model.SerializeToString()) as model= instead."
            )
        return super().__getstate__()
