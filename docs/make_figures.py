"""Draw the pictures of docs/problem-kinds.md into docs/img/ (deterministic).

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


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    binary(OUT / "binary.png")
    multiclass(OUT / "multiclass.png")
    multilabel(OUT / "multilabel.png")
    print(f"wrote 3 figures to {OUT}")
