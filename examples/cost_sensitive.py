"""Decisions by cost: fraud with amount-dependent costs, triage with a refer action.

Two problems, each scored on held-out data by its total cost:

1. Card fraud (binary, 3% fraud). Investigating a transaction costs a fixed fee;
   a missed fraud costs its amount. The costs depend on the row, so they are a
   function of X (``costs=fraud_costs``).
2. Lesion triage (3 classes). Calling a malignant lesion benign costs far more than
   an unneeded biopsy, and the model may refer a case to a specialist at a fixed
   price (``reject_cost``, ``reject_label="refer"``).

For each: the default rule (argmax / 0.5), the Bayes rule on the probabilities
(``costs=``), and the rule tuned on out-of-fold costs (``threshold="auto",
scoring=CostMatrix(...)``). Last, the triage model is deployed where malignant
lesions are three times as common, and adapts to the new priors from unlabelled
cases (``adapt_priors``).
"""

import numpy as np
import pandas as pd
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import GaussianNB
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import CostMatrix, ProbabilisticLabelClassifier

FEE = 15.0  # cost of investigating a transaction


def fraud_costs(X):
    """C[i, true, predicted] for each transaction: the amount is the last column."""
    amount = np.asarray(X)[:, -1]
    costs = np.zeros((len(amount), 2, 2))
    costs[:, 0, 1] = FEE  # investigate a legitimate transaction
    costs[:, 1, 1] = FEE  # investigate a fraud (and stop it)
    costs[:, 1, 0] = amount  # miss a fraud: lose its amount
    return costs


def fraud_data(seed=0):
    X, y = make_classification(
        6000,
        n_features=8,
        n_informative=4,
        weights=[0.97],
        class_sep=0.9,
        flip_y=0.01,
        random_state=seed,
    )
    rng = np.random.default_rng(seed)
    amount = rng.lognormal(np.where(y == 1, 5.0, 4.0), 0.8)  # frauds are larger
    labels = np.where(y == 1, "fraud", "legit")
    return np.column_stack([X, amount]), labels


def report(title, rows):
    print(f"\n{title}")
    width = max(len(name) for name in rows)
    base = rows["default rule"]
    for name, cost in rows.items():
        print(f"  {name:<{width}}  total cost {cost:>10,.0f}   ({cost / base:.2f}x)")


def fraud():
    X, y = fraud_data()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.5, stratify=y, random_state=0
    )
    model = make_pipeline(StandardScaler(), LogisticRegression())
    variants = {
        "default rule": ProbabilisticLabelClassifier(model),
        "Bayes rule (costs=fraud_costs)": ProbabilisticLabelClassifier(
            model, costs=fraud_costs
        ),
        "tuned (CostMatrix(fraud_costs))": ProbabilisticLabelClassifier(
            model, threshold="auto", scoring=CostMatrix(fraud_costs)
        ),
    }
    totals = {}
    for name, clf in variants.items():
        clf.fit(X_train, y_train)
        totals[name] = clf.cost(X_test, y_test, costs=fraud_costs).total
    report("Card fraud: held-out cost of 3,000 transactions", totals)
    assert totals["Bayes rule (costs=fraud_costs)"] < totals["default rule"]
    assert totals["tuned (CostMatrix(fraud_costs))"] < totals["default rule"]
    bayes = np.mean(
        variants["Bayes rule (costs=fraud_costs)"].predict(X_test) == "fraud"
    )
    default = np.mean(variants["default rule"].predict(X_test) == "fraud")
    print(
        f"  the Bayes rule investigates {bayes:.1%} of transactions, the default "
        f"rule {default:.1%}"
    )


CLASSES = ["benign", "suspicious", "malignant"]
# C[true, predicted]: rows are the truth. Missing a malignant lesion is the worst.
TRIAGE = pd.DataFrame(
    [[0, 1, 4], [6, 0, 1], [60, 8, 0]],
    index=CLASSES,
    columns=CLASSES,
)
REFER = 2.5  # a specialist's second opinion


def triage_data(n, priors, seed):
    X, y = make_classification(
        20000,
        n_features=10,
        n_informative=6,
        n_classes=3,
        n_clusters_per_class=1,
        class_sep=1.0,
        random_state=0,
    )
    rng = np.random.default_rng(seed)
    rows = np.concatenate(
        [
            rng.choice(np.flatnonzero(y == k), size=round(n * p))
            for k, p in enumerate(priors)
        ]
    )
    return X[rows], np.array(CLASSES)[y[rows]]


def triage():
    train_priors = [0.7, 0.2, 0.1]
    X_train, y_train = triage_data(3000, train_priors, seed=1)
    X_test, y_test = triage_data(3000, train_priors, seed=2)
    models = {
        "logistic regression": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000)
        ),
        "random forest (miscalibrated)": RandomForestClassifier(
            100, min_samples_leaf=3, random_state=0
        ),
        "naive Bayes (miscalibrated)": GaussianNB(),
    }
    deployed = None
    for model_name, model in models.items():
        variants = {
            "default rule": ProbabilisticLabelClassifier(model),
            "Bayes rule + refer": ProbabilisticLabelClassifier(
                model, costs=TRIAGE, reject_cost=REFER, reject_label="refer"
            ),
            "tuned + refer": ProbabilisticLabelClassifier(
                model,
                threshold="auto",
                scoring=CostMatrix(TRIAGE, reject_cost=REFER),
                reject_label="refer",
            ),
        }
        totals = {}
        for name, clf in variants.items():
            clf.fit(X_train, y_train)
            totals[name] = clf.cost(
                X_test, y_test, costs=TRIAGE, reject_cost=REFER
            ).total
        report(f"Triage, {model_name}: held-out cost of 3,000 cases", totals)
        referred = variants["Bayes rule + refer"].cost(X_test, y_test).n_rejected
        print(f"  the Bayes rule refers {referred} cases to a specialist")
        assert totals["Bayes rule + refer"] < totals["default rule"]
        assert totals["tuned + refer"] < totals["default rule"]
        deployed = deployed or variants["Bayes rule + refer"]
    return deployed


def deployment(clf):
    """The clinic sees three times as many malignant lesions as the training data."""
    deployed_priors = [0.5, 0.2, 0.3]
    X_new, y_new = triage_data(3000, deployed_priors, seed=3)
    adapted = clf.adapt_priors(X_new)  # unlabelled cases only
    estimate = adapted.prior_estimate_
    print("\nDeployed where malignant lesions are 3x as common (logistic regression)")
    print(f"  {'':<16}" + "".join(f"{c:>12}" for c in CLASSES))
    for name, priors in (
        ("training priors", dict(zip(clf.classes_, clf.priors_, strict=True))),
        ("EM estimate", estimate.as_dict()),
        ("true priors", dict(zip(CLASSES, deployed_priors, strict=True))),
    ):
        print(f"  {name:<16}" + "".join(f"{priors[c]:>12.3f}" for c in CLASSES))
    print(f"  EM: {estimate.n_iter} iterations, converged: {estimate.converged}")
    before = clf.cost(X_new, y_new).total
    after = adapted.cost(X_new, y_new).total
    print(f"  total cost: unadapted {before:,.0f}, adapted {after:,.0f}")


if __name__ == "__main__":
    fraud()
    deployment(triage())
