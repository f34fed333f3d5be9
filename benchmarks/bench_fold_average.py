"""Fold-averaged against pooled exact tuning: held-out scores over repeated splits.

For each problem and seeded split (train/test 75/25; 5 shuffled folds of the
training part, stratified for binary problems): one model per fold, fitted here,
scores its own held-out rows; the model refitted on all the training rows scores
the test rows. The thresholds compared, all from those same fold scores:

* ``default``  -- 0.5 for every label;
* ``exact``    -- the pooled optimum: ``tune_thresholds(..., tuning="exact")`` on
  the out-of-fold scores of all folds stacked (one curve over several models);
* ``foldavg``  -- ``sklabels._fold_average.tune_fold_average``: the mean over folds
  of each fold's exact objective curve, maximised exactly on the union of the
  folds' breakpoints (what scikit-learn's tuner averages, without its grid);
* ``robust``, ``smooth-robust``, ``fold-robust``, ``fold-smooth`` -- strategies of
  ``sklabels._generalize`` on the same scores and folds: the default (the median of
  the per-fold optima), the previous default (the pooled curve smoothed, default
  kept where the cross-fitted gain is not positive), the fold average behind that
  guard, the fold average smoothed;
* ``sklearn``  -- ``TunedThresholdClassifierCV(scoring="f1")`` (binary: the same
  folds; multilabel: per label through ``MultiOutputClassifier``, ``cv=5``, as in
  ``bench_generalization.py``), fitted in the same process.

Test objective: F1 of the positive class (binary), macro-F1 (multilabel). Problems:
the binary and multilabel problems of ``bench_generalization.py`` (among them
``skewed-labels-logistic``: 12 labels, prevalences from 1% to 30%). Prints mean
+- SD per problem and method, a summary table, and PASS/FAIL checks (the fold
average is exact: its reported value is the brute-force mean over folds at its
threshold, on every split and label).

    python benchmarks/bench_fold_average.py [--splits 10] [--scale 1.0]
        [--problems cancer-logistic,...]
"""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.model_selection import (
    KFold,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    train_test_split,
)
from sklearn.multioutput import MultiOutputClassifier

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_generalization import PROBLEMS as GENERAL
from bench_generalization import metric

from sklabels import tune_thresholds
from sklabels._fold_average import tune_fold_average
from sklabels._objectives import evaluate, f1
from sklabels._scores import Scores

try:  # the current default strategy, for reference (its module is moving)
    from sklabels._generalize import tune_with_evidence
except ImportError:  # pragma: no cover
    tune_with_evidence = None


PROBLEMS = [p for p in GENERAL if p.kind in ("binary", "multilabel") and p.has_peer]


def _positive_scores(model, X, kind):
    p = model.predict_proba(X)
    return p[:, [1]] if kind == "binary" else p


def _brute_mean(fold_scores, fold_truth, j, threshold):
    """Mean F1 over the folds with both classes, by direct counting."""
    values = []
    for s, y in zip(fold_scores, fold_truth, strict=True):
        column, hits = s[:, j], y[:, j].astype(bool)
        if hits.all() or not hits.any():
            continue
        pred = column >= threshold
        counts = [
            np.array([float(np.sum(m))])
            for m in (pred & hits, pred & ~hits, ~pred & hits, ~pred & ~hits)
        ]
        values.append(evaluate(f1, "f1", *counts)[0])
    return float(np.mean(values))


def run_split(problem, seed, scale):
    """Test scores and tuning times of every method on one seeded split."""
    X, y = problem.data(scale)
    binary = problem.kind == "binary"
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=seed, stratify=y if binary else None
    )
    splitter = StratifiedKFold if binary else KFold
    splits = list(splitter(5, shuffle=True, random_state=seed).split(X_train, y_train))
    truth2d = y_train[:, None] if binary else y_train
    begin = time.perf_counter()
    fold_scores, fold_truth = [], []
    for train, test in splits:
        model = clone(problem.model(seed)).fit(X_train[train], y_train[train])
        fold_scores.append(_positive_scores(model, X_train[test], problem.kind))
        fold_truth.append(truth2d[test])
    final = clone(problem.model(seed)).fit(X_train, y_train)
    fit_time = time.perf_counter() - begin
    test_scores = _positive_scores(final, X_test, problem.kind)

    def score(thresholds):
        predicted = (test_scores >= np.asarray(thresholds)).astype(int)
        return metric(problem.kind, y_test, predicted[:, 0] if binary else predicted)

    k = test_scores.shape[1]
    pooled = np.concatenate(fold_scores)
    pooled_truth = np.concatenate(fold_truth)
    scores, times, exact_ok = {"default": score(np.full(k, 0.5))}, {}, True

    start = time.perf_counter()
    exact = tune_thresholds(
        pooled_truth[:, 0] if binary else pooled_truth,
        pooled[:, 0] if binary else pooled,
        problem=problem.kind,
        tuning="exact",
        return_curves=False,
    )
    times["exact"] = time.perf_counter() - start
    scores["exact"] = score(np.atleast_1d(exact.thresholds))

    start = time.perf_counter()
    averaged = tune_fold_average(
        fold_scores,
        fold_truth,
        objective=f1,
        name="f1",
        proba=True,
        defaults=np.full(k, 0.5),
        problem=problem.kind,
    )
    times["foldavg"] = time.perf_counter() - start
    scores["foldavg"] = score(averaged.thresholds)
    skipped = set(averaged.untuned) | set(averaged.constant)
    for j in range(k):
        if j in skipped:
            continue
        brute = _brute_mean(fold_scores, fold_truth, j, averaged.thresholds[j])
        exact_ok &= abs(brute - averaged.best[j]) <= 1e-12

    if tune_with_evidence is not None:
        ends = np.cumsum([len(t) for _, t in splits])
        positions = [
            np.arange(e - len(t), e) for e, (_, t) in zip(ends, splits, strict=True)
        ]
        for strategy in EVIDENCE:
            start = time.perf_counter()
            tuned = tune_with_evidence(
                Scores(np.column_stack([1 - pooled[:, 0], pooled[:, 0]]), "proba")
                if binary
                else Scores(pooled, "proba"),
                pooled_truth[:, 0] if binary else pooled_truth,
                problem=problem.kind,
                classes=np.arange(2 if binary else k),
                pos_index=1,
                scoring="f1",
                average="macro",
                keep_curves=False,
                tuning=strategy,
                folds=positions,
                random_state=seed,
            )
            times[strategy] = time.perf_counter() - start
            scores[strategy] = score(np.atleast_1d(tuned.thresholds))

    start = time.perf_counter()
    if binary:
        peer = TunedThresholdClassifierCV(problem.model(seed), scoring="f1", cv=splits)
    else:
        peer = MultiOutputClassifier(
            TunedThresholdClassifierCV(
                problem.model(seed).estimator, scoring="f1", cv=5
            )
        )
    peer.fit(X_train, y_train)
    times["sklearn"] = time.perf_counter() - start
    scores["sklearn"] = metric(problem.kind, y_test, peer.predict(X_test))
    times["folds"] = fit_time
    return scores, times, exact_ok


def _sd(values):
    return values.std(ddof=1) if len(values) > 1 else 0.0


EVIDENCE = ("robust", "smooth-robust", "fold-robust", "fold-smooth")
METHODS = ("default", "exact", "foldavg", *EVIDENCE, "sklearn")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--splits", type=int, default=10)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--problems", default=",".join(p.name for p in PROBLEMS))
    args = parser.parse_args()
    chosen = [p for p in PROBLEMS if p.name in args.problems.split(",")]
    table, exact_everywhere = {}, True
    wall = time.perf_counter()
    for problem in chosen:
        runs = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for seed in range(args.splits):
                runs.append(run_split(problem, seed, args.scale))
        exact_everywhere &= all(r[2] for r in runs)
        methods = [m for m in METHODS if m in runs[0][0]]
        table[problem.name] = {m: np.array([r[0][m] for r in runs]) for m in methods}
        print(f"\n{problem.name} ({args.splits} splits): test score mean +- SD")
        for m in methods:
            v = table[problem.name][m]
            took = np.mean([r[1].get(m, 0.0) for r in runs])
            print(f"  {m:>8}: {v.mean():.4f} +- {_sd(v):.4f}   tune {took:7.3f} s")
        for other in ("exact", "robust", "sklearn"):
            if other not in table[problem.name]:
                continue
            diff = table[problem.name]["foldavg"] - table[problem.name][other]
            se = _sd(diff) / np.sqrt(len(diff))
            print(
                f"  foldavg - {other:>7} per split: mean {diff.mean():+.4f} "
                f"(SE {se:.4f}), wins {int((diff > 0).sum())}, "
                f"ties {int((diff == 0).sum())}, losses {int((diff < 0).sum())}"
            )
    wall = time.perf_counter() - wall
    summarize(table, args.splits)
    print(f"\nwall time {wall:.0f} s")
    _check(
        "the fold average is exact (its value = brute-force mean over folds at "
        "its threshold, every split and label)",
        exact_everywhere,
    )


def summarize(table, splits):
    names = list(table)
    shown = [m for m in METHODS if all(m in table[n] for n in names)]
    print(f"\n| problem ({splits} splits) | " + " | ".join(shown) + " |")
    print("|---" * (len(shown) + 1) + "|")
    for n in names:
        cells = [f"{table[n][m].mean():.4f} +- {_sd(table[n][m]):.4f}" for m in shown]
        print(f"| {n} | " + " | ".join(cells) + " |")
    means = {m: np.mean([table[n][m].mean() for n in names]) for m in shown}
    print("| mean over problems | " + " | ".join(f"{means[m]:.4f}" for m in shown))
    print()
    for m in shown:
        print(f"  score ratio {m}/exact: {means[m] / means['exact']:.4f}")
    within = all(
        abs(table[n]["foldavg"].mean() - table[n]["sklearn"].mean())
        <= max(_sd(table[n]["sklearn"]), 1e-9)
        for n in names
    )
    _check("fold-averaged within 1 SD of scikit-learn's tuner on every problem", within)


def _check(what, ok):
    print(f"{'PASS' if ok else 'FAIL'}: {what}")


if __name__ == "__main__":
    main()
