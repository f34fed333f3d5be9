"""Tuned thresholds on new data: held-out scores of every tuning strategy and peer.

For each problem and seed: a train/test split (train/validation/test for the frozen
network), ``ProbabilisticLabelClassifier(model, threshold="auto")`` fitted on the
training part with 5 shuffled folds (the frozen network: tuned on the validation
part), then the test score (F1 of the positive class, or macro-F1) of:

* ``default``  -- the untuned rule (0.5, or plain argmax), same refit model;
* every strategy of ``sklabels._generalize``, all from the same out-of-fold scores
  and folds: ``exact`` (the pooled optimum, ``tuning="exact"``), ``median`` /
  ``mean`` of the per-fold optima, ``smooth`` (top of the smoothed curve),
  ``shrink`` (toward the shared threshold / the F1 plug-in, by positives), ``guard``
  (exact, default kept unless the cross-fitted gain exceeds 1 SE), ``smooth-guard``
  (smoothed, the same guard), ``smooth-robust`` (the previous default: smoothed,
  default kept where the cross-fitted gain is not positive), ``fold_average`` (the
  mean of the folds' exact curves, as scikit-learn's tuner, exactly),
  ``fold-robust`` / ``fold-smooth-robust`` (the fold average, plain or smoothed,
  behind the zero guard), ``fold-smooth`` (the fold average smoothed),
  ``median-robust`` (a previous default: the median of the per-fold optima),
  ``bagged-robust`` (the previous default: the mean of the exact optima of 50
  bootstrap resamples), ``calibrated`` (the best cut at expected counts under a
  logistic calibration of the out-of-fold scores) and ``robust`` (the default:
  the midpoint of ``bagged-robust`` and ``calibrated``); multiclass
  ``bound`` (ratios within
  a factor 2), ``shrink`` (half the offsets), ``cv-shrink`` (the shrinkage that
  scores best on the folds, 1-SE guard), ``guard-1se`` (exact ratios, 1-SE guard)
  and ``robust`` (exact ratios, 2-SE guard);
* ``sklearn`` -- ``TunedThresholdClassifierCV`` (binary) or
  ``MultiOutputClassifier(TunedThresholdClassifierCV)`` (multilabel), same folds'
  count, fitted in the same process.

Problems: binary (breast cancer, an imbalanced generated set), multiclass,
multilabel (``rare-labels``: 10 labels; ``skewed-labels``: 12 labels with
positives from 1% to 30%) and a frozen network. Prints mean +- SD per problem and
method, fit times, a table with the paired differences robust - sklearn and
robust - default per split (mean +- SE) and whether robust meets scikit-learn's
mean ("yes"; "within noise": within 2 paired SEs; "no"), and the checks: the
default never below the untuned rule beyond noise, at least scikit-learn's mean
on every problem it handles.

    python benchmarks/bench_generalization.py [--seeds 10] [--first-seed 0]
        [--scale 1.0] [--problems cancer-logistic,...] [--strategies exact,...]
"""

import os

# One thread per model fit for every method alike (ours, the peer): OpenMP threads
# of the boosting models oversubscribe a busy machine and blur the fit times.
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.datasets import (
    load_breast_cancer,
    load_digits,
    load_wine,
    make_classification,
    make_multilabel_classification,
)
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    train_test_split,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import ProbabilisticLabelClassifier
from sklabels._generalize import (
    MULTICLASS_STRATEGIES,
    STRATEGIES,
    tune_with_evidence,
)
from sklabels._rules import apply_rule
from sklabels._scores import Scores


def logistic():
    return make_pipeline(StandardScaler(), LogisticRegression(max_iter=3000))


def boosting():
    return HistGradientBoostingClassifier(
        max_iter=60, early_stopping=False, random_state=0
    )


def torch_mlp(seed):
    import torch

    from sklabels.adapters import TorchClassifier

    class Net(torch.nn.Module):
        def __init__(self, hidden=64):
            super().__init__()
            self.layers = torch.nn.Sequential(
                torch.nn.Linear(64, hidden),
                torch.nn.ReLU(),
                torch.nn.Linear(hidden, hidden),
                torch.nn.ReLU(),
                torch.nn.Linear(hidden, 10),
            )

        def forward(self, x):
            return self.layers(x)

    torch.set_num_threads(1)
    return TorchClassifier(
        Net, epochs=25, batch_size=64, lr=3e-3, random_state=seed, verbose=0
    )


@dataclass
class Problem:
    name: str
    kind: str  # binary, multiclass, multilabel
    data: Callable[[float], tuple]
    model: Callable[[int], Any]
    frozen: bool = False

    @property
    def has_peer(self):
        return self.kind in ("binary", "multilabel") and not self.frozen


def _cancer(scale):
    X, y = load_breast_cancer(return_X_y=True)
    return X, (y == 0).astype(int)  # malignant, the rarer class, is positive


def _imbalanced(scale):
    return make_classification(
        n_samples=int(3000 * scale),
        n_features=20,
        n_informative=5,
        weights=[0.95],
        flip_y=0.02,
        random_state=1,
    )


def _digits(scale):
    X, y = load_digits(return_X_y=True)
    return (X / 16.0).astype(np.float32), y


def _wine(scale):
    return load_wine(return_X_y=True)


def _five_classes(scale):
    return make_classification(
        n_samples=int(3000 * scale),
        n_features=20,
        n_informative=6,
        n_classes=5,
        weights=[0.5, 0.2, 0.15, 0.1, 0.05],
        random_state=2,
    )


def _rare_labels(scale):
    X, Y = make_multilabel_classification(
        n_samples=int(2000 * scale),
        n_features=20,
        n_classes=10,
        n_labels=2,
        random_state=3,
    )
    return X, Y


def _skewed_labels(scale):
    """12 labels from one latent linear model each, prevalences 1% .. 30%."""
    rng = np.random.default_rng(4)
    n, d, k = int(3000 * scale), 20, 12
    X = rng.normal(size=(n, d))
    prevalence = np.geomspace(0.01, 0.30, k)
    Y = np.zeros((n, k), dtype=int)
    for j in range(k):
        beta = np.zeros(d)
        beta[rng.choice(d, 5, replace=False)] = rng.normal(0, 0.8, 5)
        margin = X @ beta + rng.logistic(size=n)  # noise: labels not separable
        Y[:, j] = margin >= np.quantile(margin, 1 - prevalence[j])
        Y[rng.choice(n, 2, replace=False), j] = 1  # never empty at small scales
    return X, Y


PROBLEMS = [
    Problem("cancer-logistic", "binary", _cancer, lambda s: logistic()),
    Problem("cancer-boosting", "binary", _cancer, lambda s: boosting()),
    Problem("imbalanced-boosting", "binary", _imbalanced, lambda s: boosting()),
    Problem("digits-logistic", "multiclass", _digits, lambda s: logistic()),
    Problem("wine-boosting", "multiclass", _wine, lambda s: boosting()),
    Problem("5-classes-logistic", "multiclass", _five_classes, lambda s: logistic()),
    Problem(
        "rare-labels-logistic",
        "multilabel",
        _rare_labels,
        lambda s: OneVsRestClassifier(logistic()),
    ),
    Problem(
        "skewed-labels-logistic",
        "multilabel",
        _skewed_labels,
        lambda s: OneVsRestClassifier(logistic()),
    ),
    Problem("digits-frozen-mlp", "multiclass", _digits, torch_mlp, frozen=True),
]


def metric(kind, truth, predicted):
    if kind == "binary":
        return f1_score(truth, predicted)
    return f1_score(truth, predicted, average="macro", zero_division=0)


def seeded_split(problem, seed, scale):
    """The seeded 75/25 split (stratified unless multilabel) and the 5 shuffled
    folds of its training part: ``(X_train, X_test, y_train, y_test, cv)``."""
    X, y = problem.data(scale)
    single = problem.kind != "multilabel"
    stratify = y if single else None
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=stratify
    )
    splitter = StratifiedKFold if single else KFold
    return (
        X_train,
        X_test,
        y_train,
        y_test,
        splitter(5, shuffle=True, random_state=seed),
    )


def tuned_classifier(problem, seed, cv, X_train, y_train):
    """``threshold="auto"`` around the problem's model, fitted with ``cv``."""
    return ProbabilisticLabelClassifier(
        problem.model(seed),
        problem=problem.kind,
        threshold="auto",
        cv=cv,
        random_state=seed,
    ).fit(X_train, y_train)


def peer_tuner(problem, seed, cv):
    """scikit-learn's tuner: binary with ``cv``; per label (its default folds)."""
    if problem.kind == "binary":
        return TunedThresholdClassifierCV(problem.model(seed), scoring="f1", cv=cv)
    return MultiOutputClassifier(
        TunedThresholdClassifierCV(problem.model(seed).estimator, scoring="f1", cv=5)
    )


def run_split(problem, seed, scale, only=None):
    """Test scores and fit times of every method on one seeded split (of the
    strategies in ``only`` where given)."""
    X_train, X_test, y_train, y_test, cv = seeded_split(problem, seed, scale)
    start = time.perf_counter()
    if problem.frozen:
        X_fit, X_val, y_fit, y_val = train_test_split(
            X_train, y_train, test_size=1 / 3, random_state=seed, stratify=y_train
        )
        net = problem.model(seed).fit(X_fit, y_fit)
        start = time.perf_counter()
        clf = ProbabilisticLabelClassifier(
            FrozenEstimator(net),
            classes=np.arange(10),
            threshold="auto",
            random_state=seed,
        ).fit(X_val, y_val)
    else:
        clf = tuned_classifier(problem, seed, cv, X_train, y_train)
    fit_time = time.perf_counter() - start
    held_out, pos_index, robust, _ = clf._tuning_record  # the out-of-fold scores
    test_scores = Scores(clf.predict_proba(X_test), "proba")
    truth = y_test

    def score(thresholds):
        codes, _ = apply_rule(
            test_scores, problem=clf.problem_, thresholds=thresholds, pos_index=1
        )
        return metric(problem.kind, truth, codes)

    scores = {
        "default": score(
            0.5 if problem.kind == "binary" else np.full(len(clf.classes_), 0.5)
        )
    }
    times = {"default": fit_time}  # the same model fits, not tuned
    strategies = MULTICLASS_STRATEGIES if problem.kind == "multiclass" else STRATEGIES
    for strategy in strategies:
        if only is not None and strategy not in only and strategy != "robust":
            continue
        begin = time.perf_counter()
        result = tune_with_evidence(
            held_out.scores,
            held_out.truth,
            problem=clf.problem_,
            classes=clf.classes_,
            pos_index=pos_index,
            scoring="f1",
            average="macro",
            keep_curves=False,
            tuning=strategy,
            folds=held_out.folds,
            random_state=seed,
        )
        took = time.perf_counter() - begin
        scores[strategy] = score(result.thresholds)
        times[strategy] = fit_time - 0 + took
    # The public path: the classifier's own thresholds are the robust ones.
    if not np.allclose(clf.thresholds_, robust.thresholds):  # survives python -O
        raise SystemExit(f"FAIL: {problem.name}: thresholds_ != the robust tuning's")
    times["robust"] = fit_time
    if problem.has_peer:
        begin = time.perf_counter()
        peer = peer_tuner(problem, seed, cv)
        peer.fit(X_train, y_train)
        times["sklearn"] = time.perf_counter() - begin
        scores["sklearn"] = metric(problem.kind, truth, peer.predict(X_test))
    return scores, times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument(
        "--first-seed",
        type=int,
        default=0,
        help="seeds FIRST_SEED .. FIRST_SEED + SEEDS - 1 (fresh splits)",
    )
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--problems", default=",".join(p.name for p in PROBLEMS))
    parser.add_argument(
        "--strategies",
        default=None,
        help="comma-separated strategies to run (default: all; robust always)",
    )
    args = parser.parse_args()
    only = None if args.strategies is None else set(args.strategies.split(","))
    chosen = [p for p in PROBLEMS if p.name in args.problems.split(",")]
    table = {}
    for problem in chosen:
        runs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                runs.append(run_split(problem, seed, args.scale, only))
        methods = list(runs[0][0])
        table[problem.name] = {
            m: (
                np.array([r[0][m] for r in runs]),
                np.array([r[1][m] for r in runs]),
            )
            for m in methods
        }
        report_problem(problem.name, table[problem.name], args.seeds)
    summarize(table)


def report_problem(name, results, seeds):
    print(f"\n{name} ({seeds} seeded splits): held-out score mean +- SD, fit s")
    for method, (values, times) in results.items():
        print(
            f"  {method:>12}: {values.mean():.4f} +- {_sd(values):.4f}"
            f"   fit {times.mean():6.2f} s"
        )


def _sd(values):
    return values.std(ddof=1) if len(values) > 1 else 0.0


def _cell(row, method):
    if method not in row:
        return "--"
    values = row[method][0]
    return f"{values.mean():.4f} +- {_sd(values):.4f}"


def _paired(row, method, other):
    """Mean and standard error over splits of ``method - other`` on each split."""
    diff = row[method][0] - row[other][0]
    return diff.mean(), _sd(diff) / np.sqrt(len(diff))


def _verdict(mean, se):
    """At least the peer; else within noise (2 paired SEs); else below."""
    if mean >= 0:
        return "yes"
    return "within noise" if mean >= -2 * se else "no"


SHOWN = (
    "default",
    "exact",
    "fold_average",
    "bagged-robust",
    "calibrated",
    "robust",
    "sklearn",
)


def summarize(table):
    names = list(table)
    print(
        "\n| problem | "
        + " | ".join(SHOWN)
        + " | robust - sklearn | meets it | robust - default |"
    )
    print("|---" * (len(SHOWN) + 4) + "|")
    for name in names:
        row = table[name]
        peer = "--", "--"
        if "sklearn" in row:
            mean, se = _paired(row, "robust", "sklearn")
            peer = f"{mean:+.4f} +- {se:.4f}", _verdict(mean, se)
        cells = " | ".join(_cell(row, m) for m in SHOWN)
        mean, se = _paired(row, "robust", "default")
        print(f"| {name} | {cells} | {peer[0]} | {peer[1]} | {mean:+.4f} +- {se:.4f} |")
    every = sorted({m for row in table.values() for m in row})
    print("\nmean over problems of each method's mean held-out score:")
    for method in every:
        having = [table[n][method][0].mean() for n in names if method in table[n]]
        print(f"  {method:>12}: {np.mean(having):.4f} over {len(having)} problems")

    def mean_over(method, among):
        return np.mean([table[n][method][0].mean() for n in among])

    never_below = all(
        _verdict(*_paired(table[n], "robust", "default")) != "no" for n in names
    )
    print(
        f"\nrobust never below the default rule beyond noise (2 paired SEs): "
        f"{'yes' if never_below else 'no'}"
    )
    peers = [n for n in names if "sklearn" in table[n]]
    meets = all(
        _verdict(*_paired(table[n], "robust", "sklearn")) == "yes" for n in peers
    )
    print(f"robust at least sklearn's mean everywhere: {'yes' if meets else 'no'}")
    above_exact = mean_over("robust", names) - mean_over("exact", names)
    print(f"robust - exact, mean over all problems: {above_exact:+.4f}")
    if peers:
        gap = mean_over("robust", peers) - mean_over("sklearn", peers)
        ratio = mean_over("robust", peers) / mean_over("sklearn", peers)
        fit = np.mean(
            [
                table[n]["robust"][1].mean() / table[n]["sklearn"][1].mean()
                for n in peers
            ]
        )
        print(
            f"robust - sklearn, mean over the {len(peers)} problems it handles: "
            f"{gap:+.4f} (score ratio {ratio:.4f}, fit time ratio {fit:.2f}x)"
        )


if __name__ == "__main__":
    main()
