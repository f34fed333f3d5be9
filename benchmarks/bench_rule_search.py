"""The search behind the default ``tuning="robust"``: many cut-off rules, cheaply.

``bench_generalization.py`` refits every model on every split. Here each split's
out-of-fold scores, folds, test probabilities and the peer's test score are cached
once, and each candidate rule re-tunes the cached scores in a fraction of a second,
so about 40 rules can be compared over 60 splits per problem:

    python benchmarks/bench_rule_search.py cache --first-seed 0 --seeds 60
    python benchmarks/bench_rule_search.py eval --first-seed 0 --seeds 60 [--rules a,b]

The cache goes to ``--cache`` (default ``.rule_search_cache``); ``cache`` runs the
binary and multilabel problems of ``bench_generalization.py`` (about 22 s per seed on
one core). ``eval`` prints per problem the test F1 (binary) or macro-F1 (multilabel)
of each rule, and its paired difference (± SE) against scikit-learn's
``TunedThresholdClassifierCV`` and against the untuned 0.5. The rules here are
written for F1 on probabilities, one column at a time; ``lib:<strategy>`` runs the
library's own ``tuning=<strategy>`` on the same cached scores. The sets used in
``docs/tuning.md``: seeds 0-59, 100-159 and 200-259 (selection), 300-359
(confirmation, with ``bench_generalization.py``).
"""

from __future__ import annotations

import argparse
import os
import pickle
import sys
import time
import warnings
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
sys.path.insert(0, str(Path(__file__).parent))

import numpy as np
from scipy.ndimage import gaussian_filter1d

PEER_PROBLEMS = (
    "cancer-logistic",
    "cancer-boosting",
    "imbalanced-boosting",
    "rare-labels-logistic",
    "skewed-labels-logistic",
)


# ---------------------------------------------------------------- caching
def cache_split(problem, seed):
    """The out-of-fold scores of one seeded split, and the peer's test score."""
    from bench_generalization import metric, peer_tuner, seeded_split, tuned_classifier

    X_train, X_test, y_train, y_test, cv = seeded_split(problem, seed, 1.0)
    clf = tuned_classifier(problem, seed, cv, X_train, y_train)
    held_out, pos_index, _, _ = clf._tuning_record  # the out-of-fold scores
    peer = peer_tuner(problem, seed, cv).fit(X_train, y_train)
    return {
        "scores": held_out.scores,
        "truth": held_out.truth,
        "folds": held_out.folds,
        "pos_index": pos_index,
        "problem": clf.problem_,
        "classes": clf.classes_,
        "test_proba": clf.predict_proba(X_test),
        "y_test": y_test,
        "sklearn": metric(problem.kind, y_test, peer.predict(X_test)),
    }


# ---------------------------------------------------------------- F1 helpers
def f1_at(s, y, cuts):
    """F1 of ``score >= cut`` for each cut."""
    order = np.argsort(-s, kind="stable")
    hits = np.concatenate([[0.0], np.cumsum(y[order].astype(np.float64))])
    predicted = np.searchsorted(-s[order], -np.asarray(cuts), side="right")
    denominator = predicted + y.sum()
    return np.where(
        denominator > 0, 2 * hits[predicted] / np.maximum(denominator, 1), 0
    )


def exact_cut(s, y):
    """The first best cut, midway to the next lower distinct score."""
    distinct = np.unique(s)
    values = f1_at(s, y, np.append(distinct, distinct[-1] + 1))
    i = int(np.argmax(values))
    return distinct[0] if i == 0 else (distinct[i - 1] + distinct[i]) / 2


def test_f1(p, y, cut):
    predicted = p >= cut
    denominator = predicted.sum() + y.sum()
    return 2 * (predicted & y).sum() / denominator if denominator else 0.0


# ---------------------------------------------------------------- the rules
def sklearn_rule(s, y, folds, grid=100):
    """TunedThresholdClassifierCV's: fold curves on 100 points, interpolated, mean."""
    cuts = [np.linspace(s[f].min(), s[f].max(), grid) for f in folds]
    curves = [f1_at(s[f], y[f], c) for f, c in zip(folds, cuts, strict=True)]
    common = np.linspace(min(c[0] for c in cuts), max(c[-1] for c in cuts), grid)
    mean = np.mean(
        [np.interp(common, c, v) for c, v in zip(cuts, curves, strict=True)], axis=0
    )
    return common[int(np.argmax(mean))]


def fold_average(s, y, folds, width=0.0, points=2000):
    """The mean of the folds' curves on a fine grid, optionally smoothed."""
    grid = np.linspace(s.min(), s.max(), points)
    mean = np.mean([f1_at(s[f], y[f], grid) for f in folds], axis=0)
    if width:
        mean = gaussian_filter1d(mean, width * points, mode="nearest")
    return grid[int(np.argmax(mean))]


def fold_optima(s, y, folds):
    return np.array([exact_cut(s[f], y[f]) for f in folds])


def trimmed(optima):
    ordered = np.sort(optima)
    return ordered[1:-1].mean() if len(ordered) >= 3 else ordered.mean()


def shrunk(centre, spread_var, default=0.5):
    """Positive-part James-Stein: keep ``1 - v / g`` of the move from the default."""
    gap = (centre - default) ** 2
    keep = max(0.0, 1 - spread_var / gap) if gap > 0 else 0.0
    return default + keep * (centre - default)


def resample_optima(s, y, bags=50, seed=0, size=1.0):
    """Exact optima of bootstrap resamples (``size`` < 1: subsamples)."""
    rng = np.random.default_rng(seed)
    n, out = len(s), []
    for _ in range(bags):
        rows = (
            rng.integers(0, n, n)
            if size == 1.0
            else rng.choice(n, int(size * n), replace=False)
        )
        if y[rows].any():
            out.append(exact_cut(s[rows], y[rows]))
    return np.array(out)


def bag_curve(s, y, bags=50, seed=0, points=1000):
    rng = np.random.default_rng(seed)
    grid = np.linspace(s.min(), s.max(), points)
    total = np.zeros(points)
    for _ in range(bags):
        rows = rng.integers(0, len(s), len(s))
        total += f1_at(s[rows], y[rows], grid)
    return grid[int(np.argmax(total))]


def out_of_bag_guard(s, y, bags=50, seed=0, z=0.0, default=0.5):
    """The bagged mean, or the default where its out-of-bag gain is not clear."""
    rng = np.random.default_rng(seed)
    n, optima, gains = len(s), [], []
    for _ in range(bags):
        rows = rng.integers(0, n, n)
        if not y[rows].any():
            continue
        cut = exact_cut(s[rows], y[rows])
        optima.append(cut)
        out = np.ones(n, dtype=bool)
        out[rows] = False
        if y[out].any():
            gains.append(
                test_f1(s[out], y[out], cut) - test_f1(s[out], y[out], default)
            )
    gains = np.array(gains)
    mean = float(np.mean(optima))
    if len(gains) < 2:
        return mean
    clear = gains.mean() > z * gains.std(ddof=1) / np.sqrt(len(gains))
    return mean if clear else default


def central_guard(s, y, lo, hi, default=0.5):
    """The bagged mean, or the default where it lies in the resamples' middle."""
    optima = resample_optima(s, y)
    low, high = np.percentile(optima, [lo, hi])
    return default if low <= default <= high else optima.mean()


def calibrated_cut(s, y, link="platt"):
    """The best F1 cut at expected counts: each row a positive with its probability
    under a logistic calibration of the score's log-odds (``"platt"``) or of
    ``log s`` and ``log(1 - s)`` (``"beta"``)."""
    from sklearn.linear_model import LogisticRegression

    clipped = np.clip(s, 1e-6, 1 - 1e-6)
    if link == "platt":
        features = np.log(clipped / (1 - clipped))[:, None]
    else:
        features = np.column_stack([np.log(clipped), np.log1p(-clipped)])
    model = LogisticRegression(C=1e6, max_iter=1000).fit(features, y)
    q = model.predict_proba(features)[:, 1]
    distinct = np.unique(s)[::-1]
    order = np.argsort(-s, kind="stable")
    predicted = np.searchsorted(-s[order], -distinct, side="right")
    f1 = 2 * np.cumsum(q[order])[predicted - 1] / (predicted + q.sum())
    best = int(np.argmax(f1))
    return (
        distinct[-1] if best == len(distinct) - 1 else distinct[best : best + 2].mean()
    )


RULES = {
    "sklearn-rule": sklearn_rule,
    "exact": lambda s, y, f: exact_cut(s, y),
    "fold-average": fold_average,
    "fold-average-smoothed": lambda s, y, f: fold_average(s, y, f, width=0.02),
    "median-of-folds": lambda s, y, f: float(np.median(fold_optima(s, y, f))),
    "mean-of-folds": lambda s, y, f: float(np.mean(fold_optima(s, y, f))),
    "trimmed-of-folds": lambda s, y, f: trimmed(fold_optima(s, y, f)),
    "trimmed-of-folds-shrunk": lambda s, y, f: shrunk(
        trimmed(fold_optima(s, y, f)), fold_optima(s, y, f).var(ddof=1) / len(f)
    ),
    "bootstrap-mean": lambda s, y, f: float(resample_optima(s, y).mean()),
    "bootstrap-median": lambda s, y, f: float(np.median(resample_optima(s, y))),
    "bootstrap-mean-shrunk": lambda s, y, f: shrunk(
        resample_optima(s, y).mean(), resample_optima(s, y).var(ddof=1)
    ),
    "subsample-median": lambda s, y, f: float(
        np.median(resample_optima(s, y, size=0.5))
    ),
    "bootstrap-curve": lambda s, y, f: bag_curve(s, y),
    "central-80-guard": lambda s, y, f: central_guard(s, y, 10, 90),
    "out-of-bag-guard": lambda s, y, f: out_of_bag_guard(s, y),
    "calibrated-platt": lambda s, y, f: calibrated_cut(s, y),
    "calibrated-beta": lambda s, y, f: calibrated_cut(s, y, "beta"),
    "bootstrap-mean+platt": lambda s, y, f: (
        0.5 * (resample_optima(s, y).mean() + calibrated_cut(s, y))
    ),
    "bootstrap-mean+beta": lambda s, y, f: (
        0.5 * (resample_optima(s, y).mean() + calibrated_cut(s, y, "beta"))
    ),
}


# ---------------------------------------------------------------- evaluation
def columns(d):
    """(out-of-fold scores, truth, test probabilities, test truth) per tuned column."""
    scores = np.asarray(d["scores"].values)
    truth, proba, y_test = (np.asarray(d[k]) for k in ("truth", "test_proba", "y_test"))
    if d["problem"] == "binary":
        own = truth == 1 if truth.ndim == 1 else truth[:, 1] == 1
        return [(scores[:, 1], own, proba[:, 1], y_test == 1)]
    return [
        (scores[:, j], truth[:, j] == 1, proba[:, j], y_test[:, j] == 1)
        for j in range(scores.shape[1])
    ]


def score_rule(name, d, seed):
    cols = columns(d)
    if name.startswith("lib:"):
        from sklabels._generalize import tune_with_evidence

        result = tune_with_evidence(
            d["scores"],
            d["truth"],
            problem=d["problem"],
            classes=d["classes"],
            pos_index=d["pos_index"],
            scoring="f1",
            average="macro",
            keep_curves=False,
            tuning=name[4:],
            folds=d["folds"],
            random_state=seed,
        )
        cuts = np.atleast_1d(result.thresholds)[-len(cols) :]
    elif name == "default":
        cuts = [0.5] * len(cols)
    else:
        rule = RULES[name]
        cuts = [rule(s, y, d["folds"]) for s, y, _, _ in cols]
    return float(
        np.mean([test_f1(p, t, c) for (_, _, p, t), c in zip(cols, cuts, strict=True)])
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["cache", "eval"])
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--seeds", type=int, default=60)
    parser.add_argument("--problems", default=",".join(PEER_PROBLEMS))
    parser.add_argument("--rules", default=",".join(["lib:robust", *RULES]))
    parser.add_argument("--cache", default=".rule_search_cache")
    args = parser.parse_args(argv)
    cache = Path(args.cache)
    cache.mkdir(exist_ok=True)
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    names = args.problems.split(",")
    warnings.simplefilter("ignore")
    if args.step == "cache":
        from bench_generalization import PROBLEMS

        for problem in (p for p in PROBLEMS if p.name in names):
            for seed in seeds:
                path = cache / f"{problem.name}_{seed}.pkl"
                if not path.exists():
                    start = time.perf_counter()
                    path.write_bytes(pickle.dumps(cache_split(problem, seed)))
                    took = time.perf_counter() - start
                    print(f"{problem.name} seed {seed}: {took:.1f} s", flush=True)
        return
    for name in names:
        splits = [
            (seed, pickle.loads((cache / f"{name}_{seed}.pkl").read_bytes()))
            for seed in seeds
            if (cache / f"{name}_{seed}.pkl").exists()
        ]
        peer = np.array([d["sklearn"] for _, d in splits])
        default = np.array([score_rule("default", d, s) for s, d in splits])
        print(
            f"\n{name}: {len(splits)} splits; sklearn {peer.mean():.4f}, "
            f"default rule {default.mean():.4f}"
        )
        for rule in args.rules.split(","):
            values = np.array([score_rule(rule, d, s) for s, d in splits])
            line = f"  {rule:>24}: {values.mean():.4f}"
            for label, other in (("- sklearn", peer), ("- default", default)):
                diff = values - other
                se = diff.std(ddof=1) / np.sqrt(len(diff))
                line += f"   {label} {diff.mean():+.4f} +- {se:.4f}"
            print(line, flush=True)


if __name__ == "__main__":
    main()
