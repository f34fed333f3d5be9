"""Export a fitted ``ProbabilisticLabelClassifier`` to ONNX: labels out.

``to_onnx(clf, X_sample)`` returns one ``onnx.ModelProto`` whose outputs are
``label`` (the class names, or a 0/1 indicator matrix for an indicator ``y``)
and ``probabilities`` (``(n, k)``, columns named in the metadata). Importing
this module also registers the classifier with sklearn-onnx, so that
``skl2onnx.to_onnx(clf, X_sample)`` gives the same model.

``export_thresholds_file(thresholds, network, out)`` does the same for a
thresholds file written by ``sklabels tune`` and an ONNX network.
"""

from __future__ import annotations

import copy
import os
from typing import Any

import numpy as np
from sklearn.base import is_classifier
from sklearn.frozen import FrozenEstimator

from ._onnx_export import (
    LOGIT,
    PROBA,
    ExportError,
    Plan,
    decision_of,
    with_decision,
)

__all__ = ["ExportError", "export_thresholds_file", "to_onnx"]


def _import(name: str) -> Any:
    try:
        return __import__(name, fromlist=["_"])
    except ImportError as exc:
        raise ImportError(
            f'sklabels.onnx needs {name}: pip install "sklabels[onnx]" '
            f"(onnx, onnxruntime and skl2onnx)."
        ) from exc


def to_onnx(estimator: Any, X_sample: Any, *, target_opset: int | None = None) -> Any:
    """The fitted classifier as one ONNX model: features in, labels out.

    Parameters
    ----------
    estimator : ProbabilisticLabelClassifier
        Fitted. Its inner model is a scikit-learn model or pipeline (converted
        by sklearn-onnx), an ``OnnxClassifier`` (its graph, as it is) or a
        ``TorchClassifier`` (exported by ``torch.onnx.export``).
    X_sample : array-like of shape (n_samples, n_features)
        A few rows of features. Their dtype sets the precision of a converted
        scikit-learn model: float64 rows give a double-precision graph.
    target_opset : int, default=None
        The default-domain opset for sklearn-onnx (None: 17).

    Returns
    -------
    model : onnx.ModelProto
        Outputs ``label`` and ``probabilities``; ``metadata_props`` hold the
        classes (``sklabels.classes``), the problem and the label form.

    Raises
    ------
    ExportError
        Naming the part of the classifier that has no ONNX form: a callable
        cost, a ``FunctionClassifier``, a label form other than 1-D labels or an
        indicator matrix, labels that are neither strings nor integers.

    Examples
    --------
    >>> import onnxruntime as ort
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklabels import ProbabilisticLabelClassifier
    >>> from sklabels.onnx import to_onnx
    >>> X, y = load_iris(return_X_y=True)
    >>> names = load_iris().target_names[y]
    >>> clf = ProbabilisticLabelClassifier(
    ...     LogisticRegression(max_iter=1000), threshold=[0.3, 0.5, 0.2]
    ... ).fit(X, names)
    >>> model = to_onnx(clf, X[:1].astype("float32"))
    >>> session = ort.InferenceSession(model.SerializeToString())
    >>> session.run(["label"], {"X": X[:2].astype("float32")})[0].tolist()
    ['setosa', 'setosa']
    """
    _import("onnx")
    plan = decision_of(estimator)
    inner, output, width, kind = inner_scores(
        estimator, np.asarray(X_sample), plan, target_opset
    )
    return with_decision(inner, output, width, kind, plan)


# ------------------------------------------------------------ inner models
def inner_scores(
    estimator: Any, X_sample: np.ndarray, plan: Plan, target_opset: int | None
) -> tuple[Any, str, int, str]:
    """The inner model as ONNX: (model, score output, its width, proba|logit)."""
    from .adapters import FunctionClassifier, OnnxClassifier, TorchClassifier

    model = estimator.estimator_
    if isinstance(model, FrozenEstimator):
        model = model.estimator
    kind = _network_kind(estimator, X_sample)
    if isinstance(model, OnnxClassifier):
        return _from_onnx_adapter(model, kind)
    if isinstance(model, TorchClassifier):
        return _from_torch(model, X_sample, kind)
    if isinstance(model, FunctionClassifier):
        raise ExportError(
            "inner model: a FunctionClassifier runs arbitrary Python, which has no "
            "ONNX form; export the model behind the function to ONNX and wrap it "
            "in OnnxClassifier."
        )
    if _is_adapter(model):
        raise ExportError(
            f"inner model: a {type(model).__name__} is not exported here; export its "
            f"network to ONNX (tf2onnx for Keras, optimum/torch.onnx for "
            f"transformers), wrap it in OnnxClassifier, and export that."
        )
    if getattr(estimator, "response_method_", "predict_proba") != "predict_proba":
        raise ExportError(
            f"inner model: response_method={estimator.response_method_!r} is not "
            f"exported (sklearn-onnx converts predict_proba); use "
            f"response_method='predict_proba' or calibrate the model "
            f"(CalibratedClassifierCV)."
        )
    return _from_sklearn(model, X_sample, plan, target_opset)


def _is_adapter(model: Any) -> bool:
    from .adapters._base import BaseAdapter

    return isinstance(model, BaseAdapter)


def _network_kind(estimator: Any, X_sample: np.ndarray) -> str:
    """Whether the decision reads a network's logits (else probabilities)."""
    from ._frozen import network_scores

    scores = network_scores(estimator.fitted_, X_sample[:1], None)
    return LOGIT if scores is not None and scores.logits else PROBA


def _from_sklearn(
    model: Any, X_sample: np.ndarray, plan: Plan, target_opset: int | None
) -> tuple[Any, str, int, str]:
    skl2onnx = _import("skl2onnx")
    dtype = np.float64 if X_sample.dtype == np.float64 else np.float32
    options = {
        id(part): {"zipmap": False}
        for part in _classifiers(model)
        if is_classifier(part) and not hasattr(part, "steps")
    }
    try:
        onx = skl2onnx.to_onnx(
            model,
            X_sample[:1].astype(dtype),
            options=options,
            target_opset=target_opset or 17,
        )
    except Exception as exc:  # sklearn-onnx raises many types
        raise ExportError(
            f"inner model: sklearn-onnx cannot convert {type(model).__name__} "
            f"({type(exc).__name__}: {exc}). Register a converter for it "
            f"(skl2onnx.update_registered_converter, or install onnxmltools for "
            f"LightGBM/XGBoost) or export it yourself and wrap it in OnnxClassifier."
        ) from exc
    output = _probability_output(onx)
    codes = getattr(model, "classes_", None)
    k = len(plan.classes)
    wrong = codes is not None and not np.array_equal(np.asarray(codes), np.arange(k))
    if wrong and plan.problem != "multilabel":
        raise ExportError(
            f"inner model: its classes_ {codes!r} are not the codes 0..{k - 1} "
            f"of the classifier's classes; refit the classifier."
        )
    width = _static_width(onx, output) or k
    return onx, output, width, PROBA


def _classifiers(model: Any) -> list:
    """``model`` and every step or sub-estimator that may carry a ZipMap."""
    found = [model]
    for step in getattr(model, "steps", []):
        found.extend(_classifiers(step[1]))
    return found


def _probability_output(onx: Any) -> str:
    names = [o.name for o in onx.graph.output]
    for name in names:
        if "prob" in name.lower():
            return name
    raise ExportError(f"inner model: no probability output among {names}.")


def _static_width(onx: Any, output: str) -> int | None:
    for out in onx.graph.output:
        if out.name == output:
            dims = out.type.tensor_type.shape.dim
            if len(dims) == 2 and dims[1].HasField("dim_value"):
                return int(dims[1].dim_value)
    return None


def _from_onnx_adapter(adapter: Any, kind: str) -> tuple[Any, str, int, str]:
    import onnx

    source = adapter.model
    if isinstance(source, bytes | bytearray):
        model = onnx.load_from_string(bytes(source))
    elif isinstance(source, str | os.PathLike):
        model = onnx.load(os.fspath(source))
    elif isinstance(source, onnx.ModelProto):
        model = copy.deepcopy(source)
    else:
        raise ExportError(
            "inner model: an OnnxClassifier built on an InferenceSession does not "
            "show its graph; build it from the model's path, bytes or ModelProto."
        )
    inputs = [i.name for i in model.graph.input]
    initializers = {i.name for i in model.graph.initializer}
    inputs = [name for name in inputs if name not in initializers]
    if len(inputs) != 1 and adapter.input_name is None:
        raise ExportError(f"inner model: several inputs {inputs}; pass input_name=.")
    output = adapter.output_node(adapter.session()).name
    width = _static_width(model, output) or adapter.n_outputs_
    return model, output, width, kind


def _from_torch(
    adapter: Any, X_sample: np.ndarray, kind: str
) -> tuple[Any, str, int, str]:
    torch = _import("torch")
    import io

    import onnx

    network = adapter.__dict__.get("module_", adapter.module)
    if isinstance(network, type) or not isinstance(network, torch.nn.Module):
        raise ExportError("inner model: the TorchClassifier holds no trained module.")
    network = copy.deepcopy(network).eval()
    dtype = next(network.parameters()).dtype
    sample = torch.as_tensor(np.asarray(X_sample[:2]), dtype=dtype)
    buffer = io.BytesIO()
    try:
        torch.onnx.export(
            network,
            (sample,),
            buffer,
            input_names=["X"],
            output_names=["scores"],
            dynamic_axes={"X": {0: "n"}, "scores": {0: "n"}},
            opset_version=17,
            dynamo=False,
        )
    except Exception as exc:
        raise ExportError(
            f"inner model: torch.onnx.export failed on the TorchClassifier's network "
            f"({type(exc).__name__}: {exc})."
        ) from exc
    model = onnx.load_from_string(buffer.getvalue())
    return model, "scores", adapter.n_outputs_, kind


# -------------------------------------------------------- thresholds file
def export_thresholds_file(
    thresholds_path: str | os.PathLike,
    onnx_path: str | os.PathLike,
    out_path: str | os.PathLike,
    *,
    output_name: str | None = None,
) -> Any:
    """One ONNX model from a ``sklabels tune`` thresholds file and a network.

    The network takes features and returns one score column per class (or
    one for a binary problem) in the file's class order: probabilities, or
    logits where the file says ``from_logits``. The model written to
    ``out_path`` outputs ``label`` (names; an indicator matrix for multilabel)
    and ``probabilities``.

    Returns
    -------
    model : onnx.ModelProto
        The model written.
    """
    import onnx

    from ._cli_thresholds import read_thresholds, thresholds_for
    from ._rules import resolve_thresholds
    from ._targets import positive_index

    saved = read_thresholds(os.fspath(thresholds_path))
    if saved.classes is None or saved.problem is None:
        raise ExportError(
            f"thresholds file {os.fspath(thresholds_path)!r} names no classes or "
            f"problem; pass the JSON file `sklabels tune` wrote."
        )
    classes = np.asarray(saved.classes)
    problem = saved.problem
    kind = LOGIT if saved.from_logits else PROBA
    pos_index = (
        positive_index(saved.pos_label, classes, problem) if problem == "binary" else 1
    )
    thresholds = resolve_thresholds(
        thresholds_for(saved, list(saved.classes)),
        problem=problem,
        classes=classes,
        kind="proba",
        pos_index=pos_index,
    )
    plan = Plan(
        problem=problem,
        classes=classes,
        form="indicator" if problem == "multilabel" else "labels",
        thresholds=thresholds,
        pos_index=pos_index,
    )
    _check_not_an_input(out_path, thresholds_path, onnx_path)
    network = onnx.load(os.fspath(onnx_path))
    output = output_name or _score_output(network)
    width = _static_width(network, output) or len(classes)
    model = with_decision(network, output, width, kind, plan)
    _write_atomically(os.fspath(out_path), model.SerializeToString())
    return model


def _check_not_an_input(out_path: Any, *inputs: Any) -> None:
    """The output never replaces an input (also through a link)."""
    for given in inputs:
        try:
            same = os.path.samefile(out_path, given)
        except OSError:  # the output does not exist yet
            same = False
        if same:
            raise ExportError(
                f"output {os.fspath(out_path)!r} is the input {os.fspath(given)!r}; "
                f"write the exported model to another file."
            )


def _write_atomically(path: str, data: bytes) -> None:
    """A temporary file beside ``path``, renamed over it: all or nothing."""
    import tempfile

    folder = os.path.dirname(os.path.abspath(path))
    fd, temp = tempfile.mkstemp(dir=folder, prefix=".sklabels-export.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(data)
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def _score_output(network: Any) -> str:
    outputs = [o.name for o in network.graph.output]
    if len(outputs) != 1:
        raise ExportError(
            f"network: several outputs {outputs}; pass output_name= for the scores."
        )
    return outputs[0]


# ---------------------------------------------------------- sklearn-onnx
def _register() -> None:
    """Make ``skl2onnx.to_onnx`` convert a ``ProbabilisticLabelClassifier``."""
    try:
        from skl2onnx import update_registered_converter
    except ImportError:
        return
    from ._classifier import ProbabilisticLabelClassifier

    update_registered_converter(
        ProbabilisticLabelClassifier,
        "SklabelsProbabilisticLabelClassifier",
        _shape_calculator,
        _converter,
        parser=_parser,
    )


def _parser(scope: Any, model: Any, inputs: list, custom_parsers: Any = None) -> list:
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
    )

    alias = "SklabelsProbabilisticLabelClassifier"
    operator = scope.declare_local_operator(alias, model)
    operator.inputs = inputs
    plan = decision_of(model)
    if plan.problem == "multilabel":
        label_type = Int64TensorType([None, len(plan.classes)])
    elif np.asarray(plan.classes).dtype.kind in "iu":
        label_type = Int64TensorType([None])
    else:
        label_type = StringTensorType([None])
    label = scope.declare_local_variable("label", label_type)
    floats = (
        DoubleTensorType
        if isinstance(inputs[0].type, DoubleTensorType)
        else FloatTensorType
    )
    proba = scope.declare_local_variable(
        "probabilities", floats([None, len(plan.classes)])
    )
    operator.outputs.append(label)
    operator.outputs.append(proba)
    return operator.outputs


def _shape_calculator(operator: Any) -> None:
    """The outputs are declared by the parser."""


def _converter(scope: Any, operator: Any, container: Any) -> None:
    """Splice the exported model's nodes into sklearn-onnx's container."""
    from onnx import numpy_helper
    from skl2onnx.common.data_types import DoubleTensorType

    estimator = operator.raw_operator
    n_features = operator.inputs[0].type.shape[1]
    dtype = (
        np.float64
        if isinstance(operator.inputs[0].type, DoubleTensorType)
        else np.float32
    )
    sample = np.zeros((1, n_features), dtype=dtype)
    model = to_onnx(estimator, sample)
    graph = model.graph
    prefix = scope.get_unique_variable_name("sklabels") + "_"
    rename = {graph.input[0].name: operator.inputs[0].full_name}
    rename["label"] = operator.outputs[0].full_name
    rename["probabilities"] = operator.outputs[1].full_name

    def name(old: str) -> str:
        return rename.get(old, prefix + old) if old else old

    for init in graph.initializer:
        array = numpy_helper.to_array(init)
        container.add_initializer(
            name(init.name),
            init.data_type,
            list(init.dims),
            array.ravel().tolist()
            if init.data_type != 8
            else [v for v in array.ravel()],
        )
    versions = {entry.domain: entry.version for entry in model.opset_import}
    for node in graph.node:
        attrs = {a.name: _attribute_value(a) for a in node.attribute}
        container.add_node(
            node.op_type,
            [name(i) for i in node.input],
            [name(o) for o in node.output],
            name=prefix + (node.name or node.op_type),
            op_domain=node.domain or "",
            op_version=versions.get(node.domain or ""),
            **attrs,
        )


def _attribute_value(attribute: Any) -> Any:
    from onnx import helper

    return helper.get_attribute_value(attribute)


_register()
