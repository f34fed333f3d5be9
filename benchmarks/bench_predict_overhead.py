"""Benchmark: what ``ProbabilisticLabelClassifier.predict`` adds to the inner model.

What is measured
----------------
``ProbabilisticLabelClassifier(LogisticRegression(max_iter=1000)).fit(X, y_names)`` on
a ``make_classification`` problem (20 features, string labels ``"class_0"``, ...),
fitted and predicted on the same ``X``, then:

* ours:  ``clf.predict(X)`` -- the inner ``predict_proba``, the checks on its output
  (finite, in [0, 1], column count), the decision rule and the codes-to-labels lookup;
* peer:  ``clf.estimator_.predict_proba(X).argmax(1)`` -- the inner model alone,
  returning integer codes;
* peer + names: ``clf.classes_[clf.estimator_.predict_proba(X).argmax(1)]`` -- the
  same, returning label names like ours.

Batch: ``--rows`` rows (default 100,000), best of ``--repeats`` calls, the three
variants interleaved in each repeat, all in the same process; the overhead printed is
``ours / peer - 1`` in percent, against both peers. Target: under 10%.

Single row: ``clf.predict(X[:1])`` against ``inner.predict_proba(X[:1]).argmax(1)``,
``--calls`` calls per timing, best of 7 interleaved timings (``timeit``, so the garbage
collector is paused while timing), in microseconds per call, and their difference.

Both a 10-class (multiclass) and a 2-class (binary) problem are run. The predictions
of ours and the peers are checked to be equal (binary: except at an exact 0.5 tie,
where ``argmax`` picks the negative class and the 0.5 threshold the positive one).

Run ``python benchmarks/bench_predict_overhead.py --help`` for the flags.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import timeit

import numpy as np
import sklearn
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import sklabels
from sklabels import ProbabilisticLabelClassifier

TARGET_OVERHEAD_PCT = 10.0
N_FEATURES = 20
LATENCY_TIMINGS = 7


def make_problem(rows: int, n_classes: int, seed: int = 0):
    """``X`` (float64) and string labels for a ``make_classification`` problem."""
    X, y = make_classification(
        n_samples=rows,
        n_features=N_FEATURES,
        n_informative=10,
        n_redundant=4,
        n_classes=n_classes,
        n_clusters_per_class=1,
        random_state=seed,
    )
    names = np.array([f"class_{i}" for i in range(n_classes)])
    return X, names[y]


def interleaved_best(fns: dict, repeats: int) -> dict:
    """Best wall time of each function over ``repeats`` rounds, one call per round."""
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            start = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def per_call_us(fns: dict, calls: int) -> dict:
    """Microseconds per call of each function: best of ``LATENCY_TIMINGS`` timings of
    ``calls`` calls, the functions' timings interleaved so that drift hits them alike.
    """
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(LATENCY_TIMINGS):
        for name, fn in fns.items():
            best[name] = min(best[name], timeit.timeit(fn, number=calls))
    return {name: seconds / calls * 1e6 for name, seconds in best.items()}


def check_same(ours: np.ndarray, names: np.ndarray, proba: np.ndarray) -> None:
    """Ours must equal the peer's names, except at exact binary ties (p = 0.5)."""
    differ = ours != names
    if proba.shape[1] == 2:
        differ &= proba[:, 1] != 0.5
    if differ.any():  # not an assert: the check must survive python -O
        raise SystemExit(f"{int(differ.sum())} predictions differ from the peer")


def overhead(ours: float, peer: float) -> str:
    pct = (ours / peer - 1.0) * 100.0
    verdict = "PASS" if pct < TARGET_OVERHEAD_PCT else "FAIL"
    return f"{pct:+6.1f}%  [target < {TARGET_OVERHEAD_PCT:g}%: {verdict}]"


def run_problem(n_classes: int, rows: int, repeats: int, calls: int) -> None:
    kind = "binary" if n_classes == 2 else "multiclass"
    X, y_names = make_problem(rows, n_classes)
    start = time.perf_counter()
    clf = ProbabilisticLabelClassifier(LogisticRegression(max_iter=1000))
    clf.fit(X, y_names)
    fit_s = time.perf_counter() - start
    inner, classes = clf.estimator_, clf.classes_

    ours = clf.predict(X)
    proba = inner.predict_proba(X)
    check_same(ours, classes[proba.argmax(1)], proba)

    best = interleaved_best(
        {
            "ours": lambda: clf.predict(X),
            "peer": lambda: inner.predict_proba(X).argmax(1),
            "peer_names": lambda: classes[inner.predict_proba(X).argmax(1)],
        },
        repeats,
    )
    x1 = X[:1]
    latency = per_call_us(
        {
            "ours": lambda: clf.predict(x1),
            "peer": lambda: inner.predict_proba(x1).argmax(1),
        },
        calls,
    )
    us_ours, us_peer = latency["ours"], latency["peer"]

    print(f"\n== {kind}: {n_classes} classes, rows={rows:,}, {N_FEATURES} features ==")
    rows_out = [
        ("fit (not compared)", fit_s),
        ("peer  inner.predict_proba(X).argmax(1)", best["peer"]),
        ("peer  classes_[inner.predict_proba(X).argmax(1)]", best["peer_names"]),
        ("ours  clf.predict(X)", best["ours"]),
    ]
    for label, seconds in rows_out:
        print(f"{label:<51} : {seconds:8.4f} s")
    print(f"overhead vs peer (codes)         : {overhead(best['ours'], best['peer'])}")
    print(
        f"overhead vs peer + names lookup  : "
        f"{overhead(best['ours'], best['peer_names'])}"
    )
    print(f"ratio ours/peer (codes)          : {best['ours'] / best['peer']:.3f}")
    print(f"single row, {calls:,} calls per timing, best of {LATENCY_TIMINGS}:")
    print(f"  peer  inner.predict_proba(X[:1]).argmax(1) : {us_peer:8.1f} us/call")
    print(f"  ours  clf.predict(X[:1])                   : {us_ours:8.1f} us/call")
    print(
        f"  difference                                 : {us_ours - us_peer:+8.1f} "
        f"us/call ({(us_ours / us_peer - 1) * 100:+.0f}%)"
    )
    print("predictions identical: yes")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--calls",
        type=int,
        default=5_000,
        help="single-row predict calls per timing (best of 7 timings)",
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
        f"rows={args.rows:,} repeats={args.repeats} (best of repeats, interleaved, "
        f"time.perf_counter); target: overhead < {TARGET_OVERHEAD_PCT:g}% at the "
        f"default 100,000 rows"
    )
    run_problem(10, args.rows, args.repeats, args.calls)
    run_problem(2, args.rows, args.repeats, args.calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
