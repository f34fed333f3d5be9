"""``TransformersClassifier``: a Hugging Face sequence classifier on texts."""

from __future__ import annotations

import copy
import time
from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import _fit_context
from sklearn.utils._param_validation import Interval

from ._base import ADAPTER_CONSTRAINTS, BaseAdapter, import_optional
from ._heads import LOGITS, check_encoded_target
from ._pretrained_archive import from_pretrained_bytes, pretrained_bytes
from ._torch_common import NeedsCopy, eval_view, per_sample_loss, target_tensor
from ._trainable import check_sample_weight, seed_from

# config.problem_type -> the adapter's problem (None: the config does not say).
_PROBLEM_TYPES = {
    "single_label_classification": "multiclass",
    "multi_label_classification": "multilabel",
}


def _torch():
    return import_optional("torch", "transformers", "TransformersClassifier")


def _check_transformers() -> None:
    import_optional("transformers", "transformers", "TransformersClassifier")


def _texts(X: Any) -> list[str]:
    """``X`` as a list of strings: a list, a 1-D array, a Series or a one-column
    DataFrame of texts."""
    if hasattr(X, "columns") and hasattr(X, "iloc"):
        if X.shape[1] != 1:
            raise ValueError(
                f"TransformersClassifier: X is a DataFrame with {X.shape[1]} columns; "
                f"pass the one column of texts (df['text'])."
            )
        X = X.iloc[:, 0]
    if isinstance(X, str):
        raise TypeError(
            "TransformersClassifier: X is one string; pass a list of texts "
            "(one per sample), e.g. [text]."
        )
    values = X.tolist() if hasattr(X, "tolist") else list(X)
    if values and isinstance(values[0], list) and all(len(v) == 1 for v in values):
        values = [v[0] for v in values]  # an (n, 1) column of texts
    bad = [v for v in values if not isinstance(v, str)]
    if bad:
        raise TypeError(
            f"TransformersClassifier: X must hold texts (str), one per sample; got "
            f"{type(bad[0]).__name__} {bad[0]!r}."
        )
    if not values:
        raise ValueError("TransformersClassifier: X holds no texts.")
    return values


class TransformersClassifier(BaseAdapter):
    """A Hugging Face ``transformers`` sequence classifier on texts.

    Wraps a model such as ``AutoModelForSequenceClassification.from_pretrained(...)``
    and its tokenizer: ``X`` is a list (array, Series) of texts, tokenized and run in
    batches under ``torch.no_grad()`` in eval mode. The model's output is always
    logits; its label names come from ``config.id2label`` in output order (so
    ``ProbabilisticLabelClassifier`` needs no ``classes=``), and its head kind from
    ``config.problem_type``. ``fit`` fine-tunes a copy of the model for a few
    epochs with the loss of its head; wrapped in ``sklearn.frozen.FrozenEstimator``
    the model is used as it is (thresholds tuned on validation texts).

    =================================  ==================  =====================
    ``config.problem_type``            problem             ``fit``'s loss
    =================================  ==================  =====================
    ``"single_label_classification"``  binary, multiclass  cross-entropy
    ``"multi_label_classification"``   multilabel          BCE with logits
    ``None``                           from ``y``          the one of ``y``
    =================================  ==================  =====================

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A sequence-classification model (its forward returns ``.logits`` of shape
        ``(n, config.num_labels)``). Never modified: ``fit`` trains a deep copy.
    tokenizer : transformers tokenizer
        Called as ``tokenizer(texts, padding=True, truncation=True,
        max_length=max_length, return_tensors="pt")``.
    output : {"auto", "logits"}, default="auto"
        What the model returns; transformers classifiers return logits.
    problem : {"auto", "binary", "multiclass", "multilabel"}, default="auto"
        ``"auto"``: from ``config.problem_type`` where it is set, else from ``y``
        in ``fit``.
    batch_size : int, default=32
        Texts per forward pass (predicting and fine-tuning).
    max_length : int, default=512
        Longer texts are truncated to this many tokens.
    epochs : int, default=3
        Fine-tuning passes over the data in ``fit`` (0 keeps the weights).
    lr : float, default=5e-5
        Learning rate of ``torch.optim.AdamW`` in ``fit`` (the usual fine-tuning
        rate of ``transformers.Trainer``).
    device : str or torch.device, default="cpu"
        Where the model runs.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffling and dropout of ``fit`` (inside
        ``torch.random.fork_rng``).
    verbose : int, default=0
        When positive, ``fit`` prints one line per epoch as Keras does.

    Attributes
    ----------
    model_ : transformers.PreTrainedModel
        The fine-tuned copy (after ``fit``).
    classes_ : ndarray of shape (n_classes,)
        The encoded classes ``arange(num_labels)``.
    label_names_ : ndarray of shape (n_classes,)
        ``config.id2label`` in output order.
    n_outputs_ : int
        ``config.num_labels``.
    problem_ : str
        ``"binary"``, ``"multiclass"`` or ``"multilabel"``.
    history_ : list of float
        Mean training loss of each fine-tuning epoch.

    See Also
    --------
    TorchClassifier : Any PyTorch module on numeric inputs.

    Examples
    --------
    >>> from sklearn.frozen import FrozenEstimator
    >>> from transformers import AutoModelForSequenceClassification, AutoTokenizer
    >>> from sklabels import ProbabilisticLabelClassifier
    >>> from sklabels.adapters import TransformersClassifier
    >>> name = "distilbert-base-uncased-finetuned-sst-2-english"
    >>> auto = AutoModelForSequenceClassification
    >>> model = auto.from_pretrained(name)  # doctest: +SKIP
    >>> tokenizer = AutoTokenizer.from_pretrained(name)  # doctest: +SKIP
    >>> clf = ProbabilisticLabelClassifier(
    ...     FrozenEstimator(TransformersClassifier(model, tokenizer)),
    ...     threshold="auto",
    ... ).fit(texts_val, labels_val)  # doctest: +SKIP
    >>> clf.predict(["a wonderful film"])  # doctest: +SKIP
    array(['POSITIVE'], dtype=object)
    """

    _parameter_constraints: dict = {
        **ADAPTER_CONSTRAINTS,
        "model": "no_validation",  # a transformers model; checked in _check_model
        "tokenizer": [callable],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_length": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 0, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "device": "no_validation",
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }
    _CACHES = ("_eval_copy",)
    # Pickled (and saved by skops.io) as the zipped files of save_pretrained.
    _ARCHIVED = ("model", "model_", "tokenizer")

    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        *,
        output: str = "auto",
        problem: str = "auto",
        batch_size: int = 32,
        max_length: int = 512,
        epochs: int = 3,
        lr: float = 5e-5,
        device: Any = "cpu",
        random_state: Any = None,
        verbose: int = 0,
    ) -> None:
        self.model = model
        self.tokenizer = tokenizer
        self.output = output
        self.problem = problem
        self.batch_size = batch_size
        self.max_length = max_length
        self.epochs = epochs
        self.lr = lr
        self.device = device
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ model
    def _network(self) -> Any:
        return self.model_ if hasattr(self, "model_") else self.model

    def _config(self) -> Any:
        config = getattr(self._network(), "config", None)
        if config is None or not hasattr(config, "num_labels"):
            raise TypeError(
                f"TransformersClassifier: model must be a transformers "
                f"sequence-classification model (with a config holding num_labels "
                f"and id2label), got a {type(self.model).__name__}. Load one with "
                f"AutoModelForSequenceClassification.from_pretrained(...)."
            )
        return config

    def _handed_in(self) -> bool:
        return True  # a trained model

    def _static_width(self) -> int | None:
        return int(self._config().num_labels)

    def _output_hint(self) -> str | None:
        return LOGITS

    def given_problem(self) -> str:
        if self.problem != "auto":
            return self.problem
        problem = _PROBLEM_TYPES.get(getattr(self._config(), "problem_type", None))
        if problem == "multiclass" and self._static_width() in (1, 2):
            return "binary"
        return problem or "auto"

    def problem_source(self) -> str:
        if self.problem != "auto":
            return f"problem={self.problem!r}"
        problem_type = getattr(self._config(), "problem_type", None)
        return f"the model's config.problem_type={problem_type!r}"

    def network_label_names(self) -> Any:
        config = self._config()
        id2label = getattr(config, "id2label", None) or {}
        names = [
            id2label.get(i, id2label.get(str(i))) for i in range(config.num_labels)
        ]
        return None if any(name is None for name in names) else names

    @property
    def label_names_(self) -> np.ndarray:
        """``config.id2label`` in output order."""
        names = self.network_label_names()
        if names is None:
            raise AttributeError(
                "TransformersClassifier: the model's config.id2label does not name "
                "every output."
            )
        return np.asarray(names, dtype=object)

    def _device(self, torch) -> Any:
        try:
            return torch.device(self.device)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(
                f"TransformersClassifier: device={self.device!r} is not a torch "
                f"device ({exc}). Use 'cpu', 'cuda', 'cuda:0' or a torch.device."
            ) from None

    def _eval_network(self, torch, model) -> Any:
        """The model in eval mode without touching the caller's module (a view
        sharing its weights; see ``TorchClassifier``)."""
        try:
            return eval_view(torch, model)
        except NeedsCopy:
            return self._cached(
                "_eval_copy", (model,), lambda: copy.deepcopy(model).eval()
            )

    def _encode(self, texts: list[str], device) -> dict:
        batch = self.tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_length,
            return_tensors="pt",
        )
        return {key: value.to(device) for key, value in batch.items()}

    # ------------------------------------------------------------- prediction
    def raw_output(self, X: Any) -> np.ndarray:
        torch = _torch()
        _check_transformers()
        texts = _texts(X)
        device = self._device(torch)
        network = self._eval_network(torch, self._network())
        parts = []
        with torch.no_grad():
            for start in range(0, len(texts), self.batch_size):
                batch = self._encode(texts[start : start + self.batch_size], device)
                logits = network(**batch).logits
                parts.append(logits.float().cpu().numpy())
        return np.concatenate(parts, axis=0)

    def _archive(self, network: Any) -> bytes | None:
        return pretrained_bytes(network)

    def _unarchive(self, data: bytes) -> Any:
        return from_pretrained_bytes(data)

    # ----------------------------------------------------------------- fitting
    def __sklearn_clone__(self) -> TransformersClassifier:
        # The model and tokenizer are shared, not copied: fit trains a copy.
        return type(self)(**self.get_params(deep=False))

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> TransformersClassifier:
        """Fine-tune a copy of the model on texts and encoded targets.

        Parameters
        ----------
        X : list, ndarray or Series of str, of length n_samples
            The texts.
        y, sample_weight
            As in :meth:`TorchClassifier.fit`: integer codes ``0..k-1`` or a 0/1
            indicator matrix, and per-sample weights of the training loss.

        Returns
        -------
        self : TransformersClassifier
        """
        torch = _torch()
        _check_transformers()
        texts = _texts(X)
        target = check_encoded_target(y, type(self).__name__)
        if len(texts) != len(target.values):
            raise ValueError(
                f"TransformersClassifier: X has {len(texts)} texts but y has "
                f"{len(target.values)} rows."
            )
        self._check_target_form(target)
        weights = check_sample_weight(sample_weight, len(texts), type(self).__name__)
        if weights is not None:
            weights = weights.astype(np.float32)
        for name in ("model_", "_head"):
            if hasattr(self, name):
                delattr(self, name)
        model = copy.deepcopy(self.model).to(self._device(torch))
        probe = self._probe(torch, model, texts)
        head, problem, output = self._head_for(probe, target, LOGITS)
        with torch.random.fork_rng(devices=[]):
            seed = seed_from(self.random_state)
            if seed is not None:
                torch.manual_seed(seed)
            self.history_ = self._train(torch, model, texts, target, weights, head)
        model.eval()
        self.model_ = model
        self._set_fitted(probe.shape[1], head, problem, output)
        return self

    def _check_target_form(self, target: Any) -> None:
        """``y`` must have the form of the declared head (``problem=``, else
        ``config.problem_type``): fine-tuning a softmax head on multilabel ``y``,
        or the reverse, trains the wrong loss."""
        declared = self.given_problem()
        if declared == "auto" or (declared == "multilabel") == target.multilabel:
            return
        form = "a 2-D indicator (multilabel)" if target.multilabel else "1-D codes"
        fix = "multilabel" if target.multilabel else "multiclass"
        raise ValueError(
            f"TransformersClassifier: {self.problem_source()} declares a "
            f"{declared} head, but y is {form}. Pass "
            f"TransformersClassifier(..., problem={fix!r}) to train that head "
            f"instead, or y of the {declared} form."
        )

    def _probe(self, torch, model, texts: list[str]) -> np.ndarray:
        network = eval_view(torch, model)
        with torch.no_grad():
            batch = self._encode(texts[: self.batch_size], self._device(torch))
            return network(**batch).logits.float().cpu().numpy()

    def _train(self, torch, model, texts, target, weights, head: str) -> list:
        device = self._device(torch)
        per_sample = per_sample_loss(torch, head, logits=True)
        y_t = target_tensor(torch, target.values, head)
        w_t = None if weights is None else torch.from_numpy(np.array(weights))
        optimizer = torch.optim.AdamW(model.parameters(), lr=self.lr)
        history: list[float] = []
        model.train()
        for epoch in range(self.epochs):
            start_time = time.perf_counter()
            order = torch.randperm(len(texts)).tolist()
            total = 0.0
            for start in range(0, len(texts), self.batch_size):
                idx = order[start : start + self.batch_size]
                batch = self._encode([texts[i] for i in idx], device)
                optimizer.zero_grad()
                logits = model(**batch).logits
                yb = y_t[idx].to(device)
                losses = per_sample(logits, yb)
                if w_t is None:
                    loss = losses.mean()
                else:
                    wb = w_t[idx].to(device)
                    loss = (losses * wb).sum() / wb.sum().clamp_min(1e-12)
                loss.backward()
                optimizer.step()
                total += float(loss.detach()) * len(idx)
            history.append(total / len(texts))
            if self.verbose:
                seconds = time.perf_counter() - start_time
                print(
                    f"Epoch {epoch + 1}/{self.epochs} - {seconds:.2f}s - "
                    f"loss: {history[-1]:.4f}",
                    flush=True,
                )
        return history

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        return tags
