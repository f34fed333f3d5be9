"""Triage levels from one network score: named bands with tuned event rates.

A screening network returns one probability per patient. Triage needs three named
levels, not a yes/no: "routine" where malignant cases are rare, "emergency" where most
cases are malignant, "urgent" in between. ``Bands`` names ordered ranges of one score;
its cuts are tuned on a validation set so that each level meets an event-rate target:

- ``min_event_rate={"emergency": 0.99}``: the largest set of top scores whose share of
  malignant cases is at least 99%;
- ``max_event_rate={"routine": 0.01}``: the largest set of bottom scores with at most
  1% malignant cases.

Those targets hold on the validation rows. With ``confidence=0.9`` the edge bands are
certified instead: their event rates hold on new patients with probability 0.9 (the
certificate of each is printed; a band no set can be certified for stays empty, with
a warning).

The band report shows each level's count, share and event rate with its
Clopper-Pearson interval on the test set; ``decode`` applies the same bands to the
raw scores (a score equal to a cut goes to the higher band, ``>=`` as everywhere).
The "network" is scikit-learn's small ``MLPClassifier`` on the bundled breast cancer
data, trained once and frozen; the bands are tuned on a validation set.
"""

import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.frozen import FrozenEstimator
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklabels import Bands, ProbabilisticLabelClassifier, decode

CLASSES = np.array(["benign", "malignant"])

data = load_breast_cancer()
y = CLASSES[(data.target_names[data.target] == "malignant").astype(int)]
X_train, X_rest, y_train, y_rest = train_test_split(
    data.data, y, test_size=0.6, stratify=y, random_state=0
)
X_val, X_test, y_val, y_test = train_test_split(
    X_rest, y_rest, test_size=0.5, stratify=y_rest, random_state=0
)
network = make_pipeline(
    StandardScaler(),
    MLPClassifier(hidden_layer_sizes=(16,), alpha=1.0, max_iter=2000, random_state=0),
)
network.fit(X_train, y_train)

triage = Bands(
    ["routine", "urgent", "emergency"],
    min_event_rate={"emergency": 0.99},
    max_event_rate={"routine": 0.01},
)
clf = ProbabilisticLabelClassifier(
    FrozenEstimator(network), threshold=triage, pos_label="malignant"
)
clf.fit(X_val, y_val)  # the network is not refit: the cuts are tuned on these rows
print(f"tuned bands: {clf.bands_}")
print(f"classes_ stay the model's classes: {clf.classes_.tolist()}")

print("\nband report on the test set (event: malignant)")
print(f"{'band':>10} {'count':>6} {'share':>6} {'rate':>6}  95% interval")
for row in clf.band_report(X_test, y_test):
    print(
        f"{row.name:>10} {row.count:>6} {row.share:>6.2f} {row.event_rate:>6.2f}  "
        f"[{row.low:.2f}, {row.high:.2f}]"
    )

# The same bands on the raw scores, as a deployed service would hold them.
scores = network.predict_proba(X_test)[:, 1]
levels = decode(scores, CLASSES, threshold=clf.bands_)
assert levels.tolist() == clf.predict(X_test).tolist()
counts = {str(name): int((levels == name).sum()) for name in clf.bands_.names}
print(f"\ndecode gives the same levels: {counts}")

# Certified levels: the targets hold on new patients with probability 0.9.
certified = Bands(
    ["routine", "urgent", "emergency"],
    min_event_rate={"emergency": 0.9},
    max_event_rate={"routine": 0.1},
    confidence=0.9,
)
clf.set_params(threshold=certified).fit(X_val, y_val)
print(f"\ncertified bands: {clf.bands_}")
for name, cert in clf.bands_.certificates.items():
    print(
        f"{name:>10}: {cert.target} {cert.rate:g} certified={cert.certified} "
        f"(p-value {cert.p_value:.3g}, {cert.n_certified} of {cert.n_candidates} "
        f"cuts certified)"
    )
