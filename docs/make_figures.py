"""Draw the pictures of docs/problem-kinds.md and docs/tuning.md into docs/img/.

Deterministic (seeded data, splits and folds).

python docs/make_figures.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

OUT = Path(__file__).resolve().parent / "img"


def binary(path):
    rng = np.random.default_rng(0)
    neg = rng.beta(2, 5, 400)
    pos = rng.beta(5, 2, 60)
    fig, ax = plt.subplots(figsize=(6, 3))
    bins = np.linspace(0, 1, 41)
    ax.hist(neg, bins, alpha=0.6, label="true 'ham'")
    ax.hist(pos, bins, alpha=0.6, label="true 'spam'")
    ax.axvline(0.5, color="grey", linestyle=":", label="default 0.5")
    ax.axvline(0.38, color="black", linestyle="--", label="tuned 0.38")
    ax.set_xlabel("p('spam') -- one sigmoid column")
    ax.set_ylabel("samples")
    ax.set_title("binary: 'spam' iff p >= threshold")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def bars(ax, values, names, thresholds, title, on):
    colors = ["tab:green" if flag else "tab:gray" for flag in on]
    ax.bar(names, values, color=colors)
    for i, t in enumerate(thresholds):
        ax.plot([i - 0.4, i + 0.4], [t, t], color="black", linestyle="--")
    ax.set_ylim(0, 1)
    ax.set_title(title, fontsize="medium")


def multiclass(path):
    names = ["cat", "dog", "bird"]
    p = np.array([0.45, 0.40, 0.15])
    plain = p.argmax()
    t = np.array([0.5, 0.35, 0.5])
    ratio = (p / t).argmax()
    fig, axes = plt.subplots(1, 2, figsize=(6, 3))
    bars(
        axes[0],
        p,
        names,
        [0.5] * 3,
        f"equal ratios\nargmax -> {names[plain]!r}",
        [i == plain for i in range(3)],
    )
    bars(
        axes[1],
        p,
        names,
        t,
        "t = (" + ", ".join(f"{v:g}" for v in t) + f")\nargmax p/t -> {names[ratio]!r}",
        [i == ratio for i in range(3)],
    )
    axes[0].set_ylabel("softmax row: p sums to 1")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def multilabel(path):
    names = ["sky", "sea", "sand", "boat"]
    p = np.array([0.92, 0.61, 0.35, 0.18])
    t = np.array([0.5, 0.5, 0.3, 0.25])
    fig, ax = plt.subplots(figsize=(6, 3))
    bars(
        ax,
        p,
        names,
        t,
        "label j on iff p_j >= t_j (dashed) -> "
        + ", ".join(n for n, v, c in zip(names, p, t, strict=True) if v >= c),
        p >= t,
    )
    ax.set_ylabel("independent sigmoid columns")
    fig.tight_layout()
    fig.savefig(path, dpi=90)


def fold_band(path):
    """Out-of-fold F1 of three digit properties, with the spread over the folds."""
    from sklearn.datasets import load_digits
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from sklabels import ProbabilisticLabelClassifier, ThresholdCurveDisplay

    digits = load_digits()
    properties = {"even": {0, 2, 4, 6, 8}, "square": {0, 1, 4, 9}, "seven": {7}}
    Y = np.array([[d in s for s in properties.values()] for d in digits.target])
    # A small training set: 400 rows, about 40 sevens.
    X, Y = digits.data[:400], Y[:400].astype(int)
    model = OneVsRestClassifier(
        make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))
    )
    clf = ProbabilisticLabelClassifier(
        model,
        classes=list(properties),
        threshold="auto",
        store_cv_results=True,
        random_state=0,
    ).fit(X, Y)
    display = ThresholdCurveDisplay.from_estimator(clf, n_cols=3)
    display.figure_.suptitle(
        "Out-of-fold F1 (band: mean +- 1 SD over 5 folds; ticks: each fold's optimum)"
    )
    display.figure_.savefig(path, dpi=90)
    plt.close(display.figure_)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    binary(OUT / "binary.png")
    multiclass(OUT / "multiclass.png")
    multilabel(OUT / "multilabel.png")
    fold_band(OUT / "fold_band.png")
    print(f"wrote 4 figures to {OUT}")
