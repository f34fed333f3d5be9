"""Certified floors against plain tuning and MAPIE, on populations with known truth.

For each setting, many calibration sets are drawn from a population whose precision
(or accuracy among accepted rows) and recall (or coverage) at every cut are known
exactly. On each draw three rules are chosen:

- ours: ``sklabels._certify`` (exact conditional binomial p-values, fixed-sequence
  walks from the conservative end);
- plain: the highest-recall cut whose precision on the draw meets the floor
  (``tune_thresholds(scoring=RecallAtPrecision(floor))``), no confidence;
- MAPIE 1.6: ``BinaryClassificationController(risk="precision")`` (Learn then Test
  on a 0.01 grid with Bonferroni-Holm), where installed. It takes no row weights,
  so the weighted setting has no MAPIE column.

The weighted setting: rows weigh 1 or 4 (a negative weighs 4 with probability 0.3,
a positive with 0.1), the floor is on the weighted precision, and ours is the
Hoeffding--Bentkus certificate (no exact tail exists for a weighted rate).

Printed per setting: the share of draws whose chosen rule misses the floor on the
population (the violation rate, which a certificate keeps at most 1 - confidence),
the mean population recall (coverage for the reject option) of the chosen rule (0
where nothing is certified), the oracle's, and the time per draw. Verdicts are
computed, not asserted.

Run: ``python benchmarks/bench_guarantees.py [--draws 300]``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from sklabels import RecallAtPrecision, tune_thresholds
from sklabels._certify import NotCertifiedWarning, certify_cut


class Population:
    """Scores and truth with the exact precision and recall of every cut.

    ``sample(rng, n)`` returns ``(scores, truth)``, or ``(scores, truth, weights)``
    for a weighted population (its precision and recall are then weighted).
    """

    def __init__(self, name, sample, precision, recall, oracle):
        self.name, self.sample = name, sample
        self.precision, self.recall, self.oracle = precision, recall, oracle


def _uniform_squared(rng, n):
    s = rng.uniform(size=n)
    return s, (rng.uniform(size=n) < s**2).astype(int)


def _beta_calibrated(rng, n):
    s = rng.beta(1, 3, size=n)  # calibrated scores, prevalence 0.25
    return s, (rng.uniform(size=n) < s).astype(int)


# Weighted rows: weight 4 with probability 0.3 for a negative, 0.1 for a positive,
# else 1; so E[w | y=1] = 1.3 and E[w | y=0] = 1.9, independent of the score.
_HEAVY, _HEAVY_NEG, _HEAVY_POS = 4.0, 0.3, 0.1
_W_POS, _W_NEG = 1 + (_HEAVY - 1) * _HEAVY_POS, 1 + (_HEAVY - 1) * _HEAVY_NEG


def _uniform_squared_weighted(rng, n):
    s, y = _uniform_squared(rng, n)
    heavy = rng.uniform(size=n) < np.where(y == 1, _HEAVY_POS, _HEAVY_NEG)
    return s, y, np.where(heavy, _HEAVY, 1.0)


def _precision_w(t):
    """Weighted precision at ``t``: the weighted share of positives above ``t``."""
    t = np.minimum(t, 1 - 1e-9)  # the limit at t = 1 is 1
    positives = (1 - t**3) / 3  # P(y=1, s >= t)
    negatives = (1 - t) - positives
    return _W_POS * positives / (_W_POS * positives + _W_NEG * negatives)


def _root(f, floor):
    """The lowest cut in [0, 1] whose precision ``f`` reaches ``floor``."""
    grid = np.linspace(0, 1, 100_001)
    return grid[np.argmax(f(grid) >= floor)]


def _precision_a(t):
    return (1 + t + t * t) / 3


def _recall_a(t):
    return 1 - t**3


def _precision_b(t):
    return t + (1 - t) / 4


def _recall_b(t):
    return (1 - t) ** 3 * (1 + 3 * t)


def _reject_population(rng, classes=3, concentration=0.6, size=400_000):
    """Calibrated Dirichlet scores: accuracy among accepted and coverage at tau."""
    top = np.sort(rng.dirichlet([concentration] * classes, size=size).max(axis=1))
    accuracy = np.cumsum(top[::-1])[::-1] / np.arange(top.size, 0, -1)

    def at(values, tau):
        index = np.minimum(np.searchsorted(top, tau), top.size - 1)
        return np.where(tau > top[-1], 1.0, values[index])

    def coverage(tau):
        return 1 - np.searchsorted(top, tau) / top.size

    def sample(rng, n):
        proba = rng.dirichlet([concentration] * classes, size=n)
        y = (rng.uniform(size=(n, 1)) > proba.cumsum(axis=1)).sum(axis=1)
        correct = (proba.argmax(axis=1) == np.minimum(y, classes - 1)).astype(int)
        return proba.max(axis=1), correct

    return sample, (lambda t: at(accuracy, t)), coverage


def _mapie_cut(scores, truth, floor, confidence):
    from mapie.risk_control import BinaryClassificationController

    controller = BinaryClassificationController(
        predict_function=lambda x: np.column_stack([1 - x[:, 0], x[:, 0]]),
        risk="precision",
        target_level=floor,
        confidence_level=confidence,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        controller.calibrate(scores[:, None], truth)
    return controller.best_predict_param


def _plain_cut(scores, truth, floor, weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = tune_thresholds(
            truth,
            scores,
            classes=[0, 1],
            scoring=RecallAtPrecision(floor),
            return_curves=False,
            sample_weight=weight,
        )
    return float(result.thresholds)


def _our_cut(scores, truth, floor, confidence, metric, weight=None):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotCertifiedWarning)
        cert = certify_cut(
            scores,
            truth,
            metric=metric,
            floor=floor,
            confidence=confidence,
            sample_weight=weight,
        )
    return cert.cut


def run_setting(pop, n, floor, confidence, draws, labels, seed, use_mapie):
    """Violation rates and mean recall of the three rules over ``draws`` draws.

    ``labels`` > 1: that many independent labels, certified jointly (each at
    level (1 - confidence) / labels); a draw violates if any label does.
    """
    rng = np.random.default_rng(seed)
    level = 1 - (1 - confidence) / labels
    metric = "accuracy" if pop.name.startswith("reject") else "precision"
    weighted = pop.name.startswith("weighted")
    rows = {"ours": [], "plain": [], "mapie": []}
    times = {"ours": 0.0, "plain": 0.0, "mapie": 0.0}
    for _ in range(draws):
        data = [pop.sample(rng, n) for _ in range(labels)]
        if not weighted:
            data = [(s, y, None) for s, y in data]
        rules = {
            "ours": lambda s, y, w: _our_cut(s, y, floor, level, metric, w),
            "plain": lambda s, y, w: _plain_cut(s, y, floor, w),
        }
        if use_mapie and not weighted:
            rules["mapie"] = lambda s, y, w: _mapie_cut(s, y, floor, level)
        for name, rule in rules.items():
            start = time.perf_counter()
            cuts = [rule(s, y, w) for s, y, w in data]
            times[name] += time.perf_counter() - start
            violated = any(c is not None and pop.precision(c) < floor for c in cuts)
            power = np.mean([0.0 if c is None else pop.recall(c) for c in cuts])
            rows[name].append((violated, power, any(c is None for c in cuts)))
    summary = {}
    for name, values in rows.items():
        if values:
            v = np.array(values, dtype=float)
            summary[name] = (*v.mean(axis=0), times[name] / draws * 1e3)
    return summary


SETTINGS = [
    # population, rows, floor, confidence, labels
    ("U(0,1), P(y=1)=s^2", 1000, 0.8, 0.9, 1),
    ("U(0,1), P(y=1)=s^2", 5000, 0.9, 0.95, 1),
    ("Beta(1,3) calibrated, prevalence 0.25", 2000, 0.6, 0.9, 1),
    ("multilabel: 3 x U(0,1), s^2, joint", 1000, 0.8, 0.9, 3),
    ("reject: 3 classes Dirichlet(0.6), accuracy", 1000, 0.85, 0.9, 1),
    ("weighted: U(0,1), s^2, weights 1 or 4", 10000, 0.7, 0.9, 1),
]


def _population(name, floor):
    if name.startswith("reject"):
        sample, accuracy, coverage = _reject_population(np.random.default_rng(99))
        return Population(
            "reject", sample, accuracy, coverage, coverage(_root(accuracy, floor))
        )
    if name.startswith("weighted"):
        return Population(
            "weighted",
            _uniform_squared_weighted,
            _precision_w,
            _recall_a,  # the weight depends on the class only: recall unchanged
            _recall_a(_root(_precision_w, floor)),
        )
    if name.startswith("Beta"):
        return Population(
            name,
            _beta_calibrated,
            _precision_b,
            _recall_b,
            _recall_b(_root(_precision_b, floor)),
        )
    return Population(
        name,
        _uniform_squared,
        _precision_a,
        _recall_a,
        _recall_a(_root(_precision_a, floor)),
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=300)
    args = parser.parse_args(argv)
    try:
        import mapie

        use_mapie = True
        print(f"MAPIE {mapie.__version__}")
    except ImportError:
        use_mapie = False
        print("MAPIE is not installed: its columns are skipped (pip install mapie)")

    header = (
        f"{'setting':<44} {'n':>5} {'floor':>5} {'conf':>5} | "
        f"{'violation ours/plain/MAPIE':>27} | {'none ours/MAPIE':>15} | "
        f"{'recall ours/MAPIE/oracle':>24} | {'ms/draw ours/plain/MAPIE':>24}"
    )
    print(f"{args.draws} draws per setting; recall is coverage for the reject option")
    print(header)
    print("-" * len(header))
    verdicts = []
    for seed, (name, n, floor, confidence, labels) in enumerate(SETTINGS):
        pop = _population(name, floor)
        out = run_setting(
            pop, n, floor, confidence, args.draws, labels, seed, use_mapie
        )
        missing = (np.nan,) * 4
        ours, plain, theirs = out["ours"], out["plain"], out.get("mapie", missing)
        print(
            f"{name:<44} {n:>5} {floor:>5} {confidence:>5} | "
            f"{ours[0]:>9.3f}{plain[0]:>9.3f}{theirs[0]:>9.3f} | "
            f"{ours[2]:>7.2f}{theirs[2]:>8.2f} | "
            f"{ours[1]:>8.3f}{theirs[1]:>8.3f}{pop.oracle:>8.3f} | "
            f"{ours[3]:>8.2f}{plain[3]:>8.2f}{theirs[3]:>8.2f}"
        )
        alpha = 1 - confidence
        allowed = alpha + 3 * np.sqrt(alpha * (1 - alpha) / args.draws)
        verdicts.append((name, n, "violation <= 1 - confidence", ours[0] <= allowed))
        verdicts.append((name, n, "plain tuning violates more", plain[0] > ours[0]))
        ratios = f"time ratio ours/plain: {ours[3] / plain[3]:.2f}"
        if "mapie" in out:
            verdicts.append((name, n, "recall >= MAPIE's", ours[1] >= theirs[1]))
            ratios += f", ours/MAPIE: {ours[3] / theirs[3]:.2f}"
        print(f"{'':<44} {ratios}")
    print()
    for name, n, check, ok in verdicts:
        print(f"{'PASS' if ok else 'FAIL'}  {name} (n={n}): {check}")
    print(f"all checks pass: {'yes' if all(v[-1] for v in verdicts) else 'no'}")


if __name__ == "__main__":
    main()
