"""Benchmark: accuracy of TorchClassifier's training defaults against Keras' defaults.

What is measured
----------------
scikit-learn's digits (8x8 images scaled to [0, 1]; 75% to train, 25% held out,
stratified), the same network in both frameworks -- 64 inputs, two hidden layers of
``--hidden`` ReLU units, 10 outputs -- trained for the same ``--epochs``:

* ours: ``TorchClassifier(net)`` with its defaults (mini-batches of 32, Adam at
  ``lr=1e-3``), and, for reference, the former default ``batch_size=256``;
* peer: ``KerasClassifier(model)`` with Keras' defaults (``model.fit`` batches of 32,
  Adam at ``1e-3``), the model ending in a softmax.

Each is trained with ``--seeds`` seeds; the held-out accuracy (mean over seeds) is
printed, and the ratio ours / Keras (1.0: as accurate). Target: >= 0.98.

Run ``python benchmarks/bench_adapters_defaults.py --help`` for the flags.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np
import sklearn
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

import sklabels
from sklabels.adapters import KerasClassifier, TorchClassifier

TARGET_RATIO = 0.98


def torch_net(hidden: int):
    import torch

    def build():
        return torch.nn.Sequential(
            torch.nn.Linear(64, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, hidden),
            torch.nn.ReLU(),
            torch.nn.Linear(hidden, 10),
        )

    return build


def keras_net(hidden: int):
    import keras

    def build():
        return keras.Sequential(
            [
                keras.Input((64,)),
                keras.layers.Dense(hidden, activation="relu"),
                keras.layers.Dense(hidden, activation="relu"),
                keras.layers.Dense(10, activation="softmax"),
            ]
        )

    return build


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument(
        "--rows", type=int, default=None, help="use only this many rows (tiny runs)"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    import keras
    import torch

    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scikit-learn "
        f"{sklearn.__version__}, sklabels {sklabels.__version__}, torch "
        f"{torch.__version__}, keras {keras.__version__} "
        f"({keras.backend.backend()}); {os.cpu_count()} CPU(s)"
    )
    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    if args.rows is not None:
        X, y = X[: args.rows], y[: args.rows]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    print(
        f"digits: {len(X_train)} train / {len(X_test)} held out; MLP 64-{args.hidden}-"
        f"{args.hidden}-10; {args.epochs} epochs; seeds 0..{args.seeds - 1}"
    )
    runs = {
        "TorchClassifier defaults (batch 32, Adam 1e-3)": lambda seed: TorchClassifier(
            torch_net(args.hidden), epochs=args.epochs, random_state=seed
        ),
        "TorchClassifier batch_size=256 (former default)": lambda seed: TorchClassifier(
            torch_net(args.hidden),
            epochs=args.epochs,
            batch_size=256,
            random_state=seed,
        ),
        "KerasClassifier defaults (batch 32, Adam 1e-3)": lambda seed: KerasClassifier(
            keras_net(args.hidden), epochs=args.epochs, random_state=seed
        ),
    }
    accuracy = {}
    for name, make in runs.items():
        scores, start = [], time.perf_counter()
        for seed in range(args.seeds):
            model = make(seed).fit(X_train, y_train)
            scores.append(float(np.mean(model.predict(X_test) == y_test)))
        accuracy[name] = float(np.mean(scores))
        shown = ", ".join(f"{s:.3f}" for s in scores)
        print(
            f"{name:<50} accuracy {accuracy[name]:.3f} (seeds: {shown}; "
            f"{time.perf_counter() - start:.1f} s)"
        )
    ours, former, keras_acc = accuracy.values()
    verdict = "PASS" if ours / keras_acc >= TARGET_RATIO else "FAIL"
    print(
        f"accuracy ratio ours/Keras (defaults)       : {ours / keras_acc:.3f}  "
        f"[target >= {TARGET_RATIO:g}: {verdict}]"
    )
    print(f"accuracy ratio former default (256)/Keras : {former / keras_acc:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
