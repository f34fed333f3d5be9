"""Draw the reliability diagrams of docs/evaluation.md into docs/img/calibration.png.

A scikit-learn model (Gaussian naive Bayes, overconfident) and a frozen Torch network
with an overconfident logit head, each before and after CalibratedClassifierCV,
composed with ProbabilisticLabelClassifier. Deterministic (seeded data and network).

python docs/make_calibration_figures.py
"""

import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.calibration import CalibratedClassifierCV, CalibrationDisplay
from sklearn.datasets import load_digits, make_classification
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB

from sklabels import ProbabilisticLabelClassifier, calibration_error
from sklabels.adapters import TorchClassifier

OUT = Path(__file__).resolve().parent / "img"


def naive_bayes(ax):
    X, y = make_classification(
        n_samples=3000, n_features=20, n_informative=4, n_redundant=10, random_state=0
    )
    X_fit, X_test, y_fit, y_test = train_test_split(X, y, random_state=0)
    models = {
        "GaussianNB": GaussianNB(),
        "+ sigmoid": CalibratedClassifierCV(GaussianNB(), method="sigmoid"),
        "+ isotonic": CalibratedClassifierCV(GaussianNB(), method="isotonic"),
    }
    for name, model in models.items():
        clf = ProbabilisticLabelClassifier(model).fit(X_fit, y_fit)
        p = clf.predict_proba(X_test)
        ece = calibration_error(y_test, p, clf.classes_).ece
        CalibrationDisplay.from_predictions(
            y_test, p[:, 1], n_bins=10, name=f"{name} (ECE {ece:.3f})", ax=ax
        )
    ax.set_title("scikit-learn model, binary: p(class 1)")


def network(ax):
    X, y = load_digits(return_X_y=True)
    X = (X / 16).astype(np.float32)
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, random_state=0)
    X_cal, X_test, y_cal, y_test = train_test_split(X_rest, y_rest, random_state=0)
    torch.manual_seed(0)
    net = torch.nn.Sequential(
        torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10)
    )
    optimizer = torch.optim.Adam(net.parameters(), lr=1e-2)
    inputs, targets = torch.tensor(X_train), torch.tensor(y_train)
    for _ in range(25):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(net(inputs), targets).backward()
        optimizer.step()
    with torch.no_grad():  # an overconfident head, as trained networks often are
        net[2].weight.mul_(5.0)
        net[2].bias.mul_(5.0)
    adapter = TorchClassifier(net)
    classes = list(range(10))
    calibrator = CalibratedClassifierCV(FrozenEstimator(adapter), method="temperature")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        calibrator.fit(X_cal, y_cal)
        for name, model in {"network": adapter, "+ temperature": calibrator}.items():
            clf = ProbabilisticLabelClassifier(FrozenEstimator(model), classes=classes)
            p = clf.fit(X_cal, y_cal).predict_proba(X_test)
            ece = calibration_error(y_test, p, classes).ece
            top = p.argmax(axis=1)
            CalibrationDisplay.from_predictions(
                top == y_test,
                p.max(axis=1),
                n_bins=10,
                strategy="quantile",
                name=f"{name} (ECE {ece:.3f})",
                ax=ax,
            )
    ax.set_title("frozen Torch network, multiclass: top label")


def main():
    OUT.mkdir(exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    naive_bayes(axes[0])
    network(axes[1])
    for ax in axes:
        ax.legend(fontsize="small", loc="upper left")
    fig.tight_layout()
    fig.savefig(OUT / "calibration.png", dpi=80)


if __name__ == "__main__":
    main()
