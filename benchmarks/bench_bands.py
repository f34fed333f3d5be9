"""Certified bands against exactly tuned bands, on a population with known truth.

The population: ``s ~ U(0, 1)`` and ``P(event | s) = s**2``, so the event rate of
the top set ``{s >= t}`` is ``(1 + t + t**2) / 3`` and that of the bottom set
``{s < t}`` is ``t**2 / 3``. The bands are ``routine`` (``max_event_rate`` 0.05),
``urgent`` and ``emergency`` (``min_event_rate`` 0.6). The oracle bands are the
largest sets meeting the targets on the population: ``emergency = {s >= 0.5247}``
(share 0.475) and ``routine = {s < 0.3873}`` (share 0.387).

For each number of tuning rows, many tuning sets are drawn and the bands tuned
twice: exactly (``Bands(...)``: the largest sets meeting the targets on the draw)
and certified (``Bands(..., confidence=0.9)``). Printed per setting and band: the
violation rate (the share of draws whose band misses its target on the
population; a certificate keeps it at most 1 - confidence), the mean population
share of the band (0 where nothing is certified) against the oracle's and their
ratio, and how often the band was left empty. PASS where every certified
violation rate is at most 1 - confidence plus the binomial allowance of the draws
(99.9% quantile).

Run: ``python benchmarks/bench_bands.py [--draws 300]``.
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
from scipy.stats import binom

from sklabels import Bands, BandWarning, tune_bands

NAMES = ["routine", "urgent", "emergency"]
FLOOR, CEILING = 0.6, 0.05
TOP_ORACLE = (-1 + np.sqrt(1 + 4 * (3 * FLOOR - 1))) / 2  # (1 + t + t^2) / 3 = floor
BOTTOM_ORACLE = np.sqrt(3 * CEILING)  # t^2 / 3 = ceiling


def run(bands: Bands, n: int, draws: int, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    out = {"top": [], "bottom": [], "top_share": [], "bottom_share": []}
    out.update(top_empty=[], bottom_empty=[])
    for _ in range(draws):
        s = rng.uniform(size=n)
        y = (rng.uniform(size=n) < s**2).astype(float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", BandWarning)
            tuned = tune_bands(bands, s, y)
        low, high = tuned.cuts[0], min(tuned.cuts[-1], 1.0)
        out["top"].append(high < 1 and (1 + high + high**2) / 3 < FLOOR)
        out["bottom"].append(low > 0 and low**2 / 3 > CEILING)
        out["top_share"].append(1 - high)
        out["bottom_share"].append(low)
        out["top_empty"].append(high >= 1)
        out["bottom_empty"].append(low <= 0)
    return {key: float(np.mean(values)) for key, values in out.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--confidence", type=float, default=0.9)
    args = parser.parse_args()
    targets = {
        "min_event_rate": {"emergency": FLOOR},
        "max_event_rate": {"routine": CEILING},
    }
    alpha = 1 - args.confidence
    allowance = binom.ppf(0.999, args.draws, alpha) / args.draws
    print(
        f"population s ~ U(0,1), P(event|s) = s^2; emergency min_event_rate "
        f"{FLOOR}, routine max_event_rate {CEILING}; {args.draws} draws; "
        f"confidence {args.confidence}"
    )
    print(f"oracle shares: emergency {1 - TOP_ORACLE:.3f}, routine {BOTTOM_ORACLE:.3f}")
    header = (
        "| rows | bands | band | violation rate | mean share (oracle) | share ratio "
        "| empty |\n|---:|---|---|---:|---:|---:|---:|"
    )
    print(header)
    verdicts = []
    for n in (200, 500, 2000, 10000):
        for label, bands in (
            ("exact", Bands(NAMES, **targets)),
            (
                f"certified {args.confidence:g}",
                Bands(NAMES, **targets, confidence=args.confidence),
            ),
        ):
            r = run(bands, n, args.draws, seed=n)
            for band, key, oracle in (
                ("emergency", "top", 1 - TOP_ORACLE),
                ("routine", "bottom", BOTTOM_ORACLE),
            ):
                share, empty = r[key + "_share"], r[key + "_empty"]
                print(
                    f"| {n} | {label} | {band} | {r[key]:.3f} | "
                    f"{share:.3f} ({oracle:.3f}) | {share / oracle:.2f} | {empty:.2f} |"
                )
                if label != "exact":
                    verdicts.append(r[key] <= allowance)
    verdict = "PASS" if all(verdicts) else "FAIL"
    print(
        f"{verdict}: certified violation rates <= {allowance:.3f} (1 - confidence "
        f"= {alpha:.2f} plus the binomial allowance of {args.draws} draws)"
    )


if __name__ == "__main__":
    main()
