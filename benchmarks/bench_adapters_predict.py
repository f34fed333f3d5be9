"""Benchmark: adapter ``predict_proba`` throughput against the hand-written peers.

What is measured
----------------
An MLP (``--features`` inputs, two hidden layers of ``--hidden`` units with ReLU,
``--classes`` outputs) with fixed random weights, on ``--rows`` float32 rows:

* Torch -- ours: ``TorchClassifier(module, problem="multiclass",
  predict_batch_size=B).predict_proba(X)``: input validation, batched forward passes
  in ``eval()`` mode under ``torch.no_grad()``, softmax, finite check.
  Peer: the loop people write by hand over the same module --
  ``torch.cat([softmax(module(from_numpy(X[i:i + B]))) ...]).numpy()`` under
  ``no_grad``.
* Keras (``KERAS_BACKEND``, Torch by default) -- ours:
  ``KerasClassifier(model, predict_batch_size=B).predict_proba(X)`` on a model ending
  in a softmax. Peer: ``model.predict(X, batch_size=B, verbose=0)``.
* transformers -- ours: ``TransformersClassifier(model, tokenizer,
  batch_size=B).predict_proba(texts)`` on a BERT sequence classifier built from a
  config (``--bert-layers`` layers of width ``--bert-hidden``, random weights, no
  download) with a word-level tokenizer trained locally, over ``--texts`` texts of
  ``--words`` words. Peer: the hand-written loop -- tokenize each batch
  (``padding=True, truncation=True, return_tensors="pt"``), ``model(**batch).logits``
  under ``no_grad`` in eval mode, softmax, ``torch.cat(...).numpy()``. Target >= 0.9.

Both sides of a pair run in the same process, interleaved in each of ``--repeats``
rounds (``time.perf_counter``); the best and the median round are reported, and the
outputs are checked to agree before any time is printed. The ratio printed is
throughput ours / peer (``peer time / our time``): 1.0 means as fast, above 1 faster.
Target for Torch and transformers: >= 0.9.

Run ``python benchmarks/bench_adapters_predict.py --help`` for the flags.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import sklearn

import sklabels
from sklabels.adapters import KerasClassifier, TorchClassifier, TransformersClassifier

TARGET_RATIO = 0.9


def interleaved(fns: dict, repeats: int) -> dict:
    """Wall times of each function over ``repeats`` rounds, one call per round."""
    times: dict = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    return times


def report(title: str, times: dict, rows: int, target: float | None) -> float:
    best = {name: min(values) for name, values in times.items()}
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"\n== {title} ==")
    for name in times:
        print(
            f"{name:<44} best {best[name]:8.4f} s  median {median[name]:8.4f} s  "
            f"({rows / best[name] / 1e3:9.1f} k rows/s)"
        )
    ratio = best["peer"] / best["ours"]
    ratio_median = median["peer"] / median["ours"]
    verdict = ""
    if target is not None:
        verdict = f"  [target >= {target:g}: {'PASS' if ratio >= target else 'FAIL'}]"
    print(f"throughput ratio ours/peer (best)   : {ratio:.3f}{verdict}")
    print(f"throughput ratio ours/peer (median) : {ratio_median:.3f}")
    return ratio


def bench_torch(X: np.ndarray, args: argparse.Namespace) -> None:
    import torch

    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(args.features, args.hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(args.hidden, args.hidden),
        torch.nn.ReLU(),
        torch.nn.Linear(args.hidden, args.classes),
    ).eval()
    step = args.batch_size
    adapter = TorchClassifier(module, problem="multiclass", predict_batch_size=step)

    def hand_written() -> np.ndarray:
        parts = []
        with torch.no_grad():
            for start in range(0, len(X), step):
                logits = module(torch.from_numpy(X[start : start + step]))
                parts.append(torch.softmax(logits, dim=1))
        return torch.cat(parts).numpy()

    ours, peer = adapter.predict_proba(X), hand_written()
    np.testing.assert_allclose(ours, peer, rtol=1e-6, atol=1e-7)
    print(f"\ntorch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    times = interleaved(
        {"peer": hand_written, "ours": lambda: adapter.predict_proba(X)}, args.repeats
    )
    print("outputs identical: yes (np.testing.assert_allclose)")
    report(
        f"Torch: TorchClassifier.predict_proba vs hand-written no_grad loop, "
        f"rows={len(X):,}, batch={step}",
        times,
        len(X),
        TARGET_RATIO,
    )


def bench_keras(X: np.ndarray, args: argparse.Namespace) -> None:
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential(
        [
            keras.Input((args.features,)),
            keras.layers.Dense(args.hidden, activation="relu"),
            keras.layers.Dense(args.hidden, activation="relu"),
            keras.layers.Dense(args.classes, activation="softmax"),
        ]
    )
    step = args.batch_size
    adapter = KerasClassifier(model, predict_batch_size=step)

    def peer() -> np.ndarray:
        return model.predict(X, batch_size=step, verbose=0)

    with warnings.catch_warnings():
        # model.predict on the Torch backend reads tensors with np.array(tensor),
        # which NumPy 2 flags with a DeprecationWarning (Keras' and Torch's matter).
        warnings.simplefilter("ignore", DeprecationWarning)
        np.testing.assert_allclose(
            adapter.predict_proba(X), peer(), rtol=1e-5, atol=1e-6
        )
        print(f"\nkeras {keras.__version__}, backend {keras.backend.backend()}")
        times = interleaved(
            {"peer": peer, "ours": lambda: adapter.predict_proba(X)}, args.repeats
        )
    print("outputs identical: yes (np.testing.assert_allclose)")
    report(
        f"Keras: KerasClassifier.predict_proba vs model.predict, rows={len(X):,}, "
        f"batch={step}",
        times,
        len(X),
        None,
    )


def tiny_bert(args: argparse.Namespace):
    """A BERT sequence classifier (random weights) and a word-level tokenizer."""
    import torch
    from tokenizers import Tokenizer, models, pre_tokenizers, processors, trainers
    from transformers import (
        BertConfig,
        BertForSequenceClassification,
        PreTrainedTokenizerFast,
    )

    rng = np.random.default_rng(0)
    vocabulary = [f"w{i}" for i in range(500)]
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]"]
    tok = Tokenizer(models.WordLevel(unk_token="[UNK]"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.train_from_iterator(
        [" ".join(vocabulary)], trainers.WordLevelTrainer(special_tokens=specials)
    )
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", 2), ("[SEP]", 3)]
    )
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=tok, unk_token="[UNK]", pad_token="[PAD]"
    )
    names = [f"topic{i}" for i in range(args.classes)]
    config = BertConfig(
        vocab_size=tok.get_vocab_size(),
        hidden_size=args.bert_hidden,
        num_hidden_layers=args.bert_layers,
        num_attention_heads=4,
        intermediate_size=2 * args.bert_hidden,
        max_position_embeddings=args.words + 8,
        num_labels=args.classes,
        id2label=dict(enumerate(names)),
        label2id={name: i for i, name in enumerate(names)},
        problem_type="single_label_classification",
    )
    torch.manual_seed(0)
    model = BertForSequenceClassification(config).eval()
    lengths = rng.integers(args.words // 2, args.words + 1, args.texts)
    texts = [" ".join(rng.choice(vocabulary, n).tolist()) for n in lengths]
    return model, tokenizer, texts


def bench_transformers(args: argparse.Namespace) -> None:
    import torch
    import transformers

    model, tokenizer, texts = tiny_bert(args)
    step = args.text_batch_size
    adapter = TransformersClassifier(model, tokenizer, batch_size=step)

    def hand_written() -> np.ndarray:
        parts = []
        with torch.no_grad():
            for start in range(0, len(texts), step):
                batch = tokenizer(
                    texts[start : start + step],
                    padding=True,
                    truncation=True,
                    max_length=512,
                    return_tensors="pt",
                )
                parts.append(torch.softmax(model(**batch).logits, dim=1))
        return torch.cat(parts).numpy()

    ours, peer = adapter.predict_proba(texts), hand_written()
    np.testing.assert_allclose(ours, peer, rtol=1e-5, atol=1e-6)
    print(
        f"\ntransformers {transformers.__version__}, BERT {args.bert_layers} layers x "
        f"{args.bert_hidden}, {len(texts):,} texts of up to {args.words} words"
    )
    times = interleaved(
        {"peer": hand_written, "ours": lambda: adapter.predict_proba(texts)},
        args.repeats,
    )
    print("outputs identical: yes (np.testing.assert_allclose)")
    report(
        f"transformers: TransformersClassifier.predict_proba vs hand-written "
        f"no_grad tokenize-and-forward loop, texts={len(texts):,}, batch={step}",
        times,
        len(texts),
        TARGET_RATIO,
    )


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=64)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument(
        "--batch-size", type=int, default=1024, help="rows per forward pass"
    )
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--texts", type=int, default=2000, help="transformers texts")
    parser.add_argument("--words", type=int, default=32, help="words per text (max)")
    parser.add_argument("--text-batch-size", type=int, default=64)
    parser.add_argument("--bert-hidden", type=int, default=128)
    parser.add_argument("--bert-layers", type=int, default=2)
    parser.add_argument(
        "--only",
        choices=["torch", "keras", "transformers"],
        default=None,
        help="run one backend",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, sklabels {sklabels.__version__}; "
        f"{os.cpu_count()} CPU(s)"
    )
    print(
        f"MLP {args.features}-{args.hidden}-{args.hidden}-{args.classes}, "
        f"rows={args.rows:,}, repeats={args.repeats} (interleaved; best and median)"
    )
    X = np.random.default_rng(0).normal(size=(args.rows, args.features))
    X = X.astype(np.float32)
    if args.only in (None, "torch"):
        bench_torch(X, args)
    if args.only in (None, "keras"):
        bench_keras(X, args)
    if args.only in (None, "transformers"):
        bench_transformers(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
