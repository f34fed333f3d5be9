"""Draw the pictures of docs/costs.md into docs/img/ (deterministic).

python docs/make_cost_figures.py
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from sklabels import CostCurveDisplay, CostMatrix, ProbabilisticLabelClassifier

OUT = Path(__file__).resolve().parent / "img"


def bayes_rule(ax):
    """Expected cost of each action against p(positive): the rule is the lowest."""
    p = np.linspace(0, 1, 201)
    c_fp, c_fn, refer = 1.0, 4.0, 0.6
    lines = {
        "predict negative: p * c_fn": p * c_fn,
        "predict positive: (1 - p) * c_fp": (1 - p) * c_fp,
        f"abstain: reject_cost = {refer}": np.full_like(p, refer),
    }
    for name, cost in lines.items():
        ax.plot(p, cost, label=name)
    lowest = np.min(np.vstack(list(lines.values())), axis=0)
    ax.fill_between(p, 0, lowest, color="grey", alpha=0.2, label="Bayes rule: least")
    for t in (refer / c_fn, 1 - refer / c_fp):
        ax.axvline(t, color="black", linestyle=":", linewidth=1)
    ax.set_xlabel("p(positive)")
    ax.set_ylabel("expected cost")
    ax.set_ylim(0, 1.6)
    ax.set_title("C = [[0, 1], [4, 0]], reject_cost = 0.6", fontsize="medium")
    ax.legend(fontsize="x-small", loc="upper right")


def cost_curve(ax):
    """Empirical cost against the threshold for a miscalibrated model."""
    X, y = make_classification(4000, n_features=10, n_informative=3, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    costs = [[0, 1], [4, 0]]
    tuned = ProbabilisticLabelClassifier(
        GaussianNB(), threshold="auto", scoring=CostMatrix(costs)
    ).fit(X_train, y_train)
    display = CostCurveDisplay.from_predictions(
        y_test, tuned.predict_proba(X_test)[:, 1], costs=costs, ax=ax
    )
    ax.set_title("naive Bayes (overconfident), held out", fontsize="medium")
    return display


def main():
    OUT.mkdir(exist_ok=True)
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.8))
    bayes_rule(left)
    cost_curve(right)
    fig.tight_layout()
    fig.savefig(OUT / "costs.png", dpi=90)


if __name__ == "__main__":
    main()
