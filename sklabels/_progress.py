"""Progress lines for long work: ``[owner] message (elapsed ...)`` when verbose."""

from __future__ import annotations

import sys
import time


class Progress:
    """Prints ``[owner] message (elapsed ...)`` lines when ``verbose > 0``."""

    def __init__(self, verbose: int, owner: str, start: float | None = None) -> None:
        self.verbose = int(verbose or 0)
        self.owner = owner
        self.start = time.perf_counter() if start is None else start

    def __call__(self, message: str, level: int = 1) -> None:
        if self.verbose >= level:
            elapsed = time.perf_counter() - self.start
            print(f"[{self.owner}] {message} (elapsed {elapsed:.1f}s)", file=sys.stdout)
            sys.stdout.flush()


def timed_fold(progress: Progress, index: int, n_folds: int, fit_fold, *args):
    """``fit_fold(*args)``, reporting the fold's number and time when verbose."""
    start = time.perf_counter()
    out = fit_fold(*args)
    took = time.perf_counter() - start
    progress(f"fold {index + 1}/{n_folds}: fitted and scored in {took:.2f}s")
    return out
