"""Seeded folds of the tuning rows, for tuning judged on held-out rows."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import KFold
from sklearn.utils import check_random_state

N_FOLDS = 5  # folds made from the tuning rows when none are given
MIN_FOLD_ROWS = 2  # smaller cv folds (leave-one-out) are replaced by N_FOLDS folds


def split_rows(
    truth: np.ndarray, problem: str, random_state: Any = None, n_folds: int = N_FOLDS
) -> list[np.ndarray]:
    """Seeded folds of the tuning rows (stratified for single-label truth).

    A row's fold depends on the seed, the number of rows and which rows share its
    class -- not on the class codes -- so that reordering the classes (columns
    with their names) gives the same folds.
    """
    n = len(truth)
    seed = seed_of(random_state)
    if problem != "multilabel" and n >= n_folds:
        order = check_random_state(seed).permutation(n)
        codes = np.asarray(truth, dtype=np.intp)[order]
        # Each class's rows, in the shuffled order, dealt to the folds in turn.
        by_class = np.argsort(codes, kind="stable")
        starts = np.r_[0, np.flatnonzero(np.diff(codes[by_class])) + 1]
        rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
        fold = np.empty(n, dtype=np.intp)
        fold[order[by_class]] = rank % n_folds
        return [np.flatnonzero(fold == f) for f in range(n_folds)]
    splits = min(n_folds, n)
    if splits < 2:
        return [np.arange(n)]
    splitter = KFold(splits, shuffle=True, random_state=seed)
    return [test for _, test in splitter.split(np.zeros(n))]


def seed_of(random_state: Any) -> Any:
    """An int seed for the folds and the bootstrap: ``None`` means 0 (reproducible)."""
    return 0 if random_state is None else random_state


def complement(folds: list[np.ndarray], f: int) -> np.ndarray:
    """The rows of every fold but fold ``f``: the rows that fold is held out of."""
    return np.concatenate([rows for g, rows in enumerate(folds) if g != f])


def clear_gain(gain: np.ndarray, n_se: float = 1.0) -> np.ndarray:
    """Columns whose mean held-out gain exceeds ``n_se`` standard errors (folds)."""
    n_folds = gain.shape[0]
    mean = gain.mean(axis=0)
    if n_folds < 2:
        return mean > 0
    se = gain.std(axis=0, ddof=1) / np.sqrt(n_folds)
    return (mean > 0) & (mean > n_se * se)
