"""The command line, through real subprocess calls of ``python -m sklabels``."""

import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli_runner import sklabels
from sklearn.datasets import load_digits, load_iris
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier

from sklabels import ProbabilisticLabelClassifier

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning")


def read_labels(path):
    return pd.read_csv(path, keep_default_na=False).iloc[:, 0].astype(str).to_numpy()


def test_round_trip_sklearn_multiclass_matches_the_estimator(tmp_path):
    """Check saved scores -> tune -> decode gives the estimator's own labels."""
    data = load_iris()
    names = np.array(["virginica-z", "setosa-b", "versicolor-a"])  # unsorted order
    X, y = data.data, names[data.target]
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, random_state=0)
    X_val, X_test, y_val, _ = train_test_split(X_rest, y_rest, random_state=0)
    # the model's columns follow the sorted names, as a LabelEncoder would
    model = LogisticRegression(C=0.1, max_iter=1000).fit(
        X_train, np.searchsorted(np.sort(names), y_train)
    )
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(model),
        classes=np.sort(names),
        threshold="auto",
        tuning="exact",  # as `sklabels tune` and tune_thresholds
    ).fit(X_val, y_val)
    sorted_names = list(np.sort(names))
    np.save(tmp_path / "val.npy", model.predict_proba(X_val))
    np.save(tmp_path / "test.npy", model.predict_proba(X_test))
    pd.DataFrame({"label": y_val}).to_csv(tmp_path / "val_labels.csv", index=False)
    classes = ",".join(sorted_names)
    code, out, err = sklabels(
        "tune",
        "val.npy",
        "val_labels.csv",
        "--classes",
        classes,
        "-o",
        "t.json",
        cwd=tmp_path,
    )
    assert code == 0, err
    assert "precision" in out and "tuned multiclass thresholds" in out
    saved = json.loads((tmp_path / "t.json").read_text())
    np.testing.assert_allclose(saved["thresholds"], clf.thresholds_)
    assert saved["classes"] == sorted_names
    code, _, err = sklabels(
        "decode",
        "test.npy",
        "--thresholds",
        "t.json",
        "-o",
        "labels.csv",
        cwd=tmp_path,
    )
    assert code == 0, err
    np.testing.assert_array_equal(
        read_labels(tmp_path / "labels.csv"), clf.predict(X_test)
    )


def test_round_trip_torch_binary_logits_matches_the_estimator(tmp_path):
    """Check a Torch network's logits saved as CSV round-trip through the CLI."""
    torch = pytest.importorskip("torch")
    from sklabels.adapters import TorchClassifier

    torch.manual_seed(0)
    digits = load_digits()
    X = (digits.data / 16).astype(np.float32)
    y = np.where(digits.target == 3, "three", "other")
    net = torch.nn.Sequential(
        torch.nn.Linear(64, 16), torch.nn.ReLU(), torch.nn.Linear(16, 1)
    )
    trained = ProbabilisticLabelClassifier(
        TorchClassifier(net, epochs=5, random_state=0)
    ).fit(X[:1000], y[:1000])
    network = trained.estimator_
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(network),
        classes=["other", "three"],
        threshold="auto",
        tuning="exact",  # as the CLI's tune
    ).fit(X[1000:1400], y[1000:1400])
    logits = network.decision_function(X)
    pd.DataFrame({"logit": logits[1000:1400]}).to_csv(tmp_path / "val.csv", index=False)
    pd.DataFrame({"logit": logits[1400:]}).to_csv(tmp_path / "test.csv", index=False)
    pd.DataFrame({"y": y[1000:1400]}).to_csv(tmp_path / "y.csv", index=False)
    code, _, err = sklabels(
        "tune",
        "val.csv",
        "y.csv",
        "--classes",
        "other,three",
        "--from-logits",
        "-o",
        "t.json",
        cwd=tmp_path,
    )
    assert code == 0, err
    code, out, err = sklabels(
        "decode",
        "test.csv",
        "--classes",
        "other,three",
        "--from-logits",
        "--thresholds",
        "t.json",
        cwd=tmp_path,
    )
    assert code == 0, err
    labels = np.array(out.splitlines()[1:])
    np.testing.assert_array_equal(labels, clf.predict(X[1400:]))


def test_multilabel_parquet_round_trip(tmp_path):
    """Check parquet scores with named columns and label sets written as 'a|b'."""
    digits = load_digits()
    props = {"even": {0, 2, 4, 6, 8}, "big": {5, 6, 7, 8, 9}, "round": {0, 6, 8, 9}}
    names = list(props)
    Y = np.array([[d in props[n] for n in names] for d in digits.target], dtype=int)
    model = OneVsRestClassifier(LogisticRegression(C=0.05, max_iter=2000))
    model.fit(digits.data[:800], Y[:800])
    clf = ProbabilisticLabelClassifier(
        FrozenEstimator(model),
        classes=names,
        threshold="auto",
        tuning="exact",  # as `sklabels tune`
    ).fit(digits.data[800:1300], Y[800:1300])
    val = pd.DataFrame(model.predict_proba(digits.data[800:1300]), columns=names)
    val[["round", "even", "big"]].to_parquet(tmp_path / "val.parquet")  # reordered
    sets = ["|".join(n for n, on in zip(names, row, strict=True) if on) for row in Y]
    pd.DataFrame({"labels": sets[800:1300]}).to_csv(tmp_path / "y.csv", index=False)
    code, _, err = sklabels(
        "tune",
        "val.parquet",
        "y.csv",
        "--classes",
        ",".join(names),
        "-o",
        "t.json",
        cwd=tmp_path,
    )
    assert code == 0, err
    np.testing.assert_allclose(
        json.loads((tmp_path / "t.json").read_text())["thresholds"], clf.thresholds_
    )
    test = pd.DataFrame(model.predict_proba(digits.data[1300:]), columns=names)
    test.to_parquet(tmp_path / "test.parquet")
    code, out, err = sklabels(
        "decode", "test.parquet", "--thresholds", "t.json", cwd=tmp_path
    )
    assert code == 0, err
    rows = [row[0] for row in csv.reader(io.StringIO(out))]
    assert rows[0] == "labels"
    expected = ["|".join(labels) for labels in clf.predict_labels(digits.data[1300:])]
    assert rows[1:] == expected
    code, out, err = sklabels("report", "test.parquet", "y_test.csv", cwd=tmp_path)
    assert code == 1 and "does not exist" in err


def test_report_prints_report_and_matrix(tmp_path):
    """Check the report command on CSV scores with a header of class names."""
    rng = np.random.default_rng(0)
    y = rng.choice(["cat", "dog", "bird"], 60)
    scores = pd.DataFrame(rng.dirichlet(np.ones(3), 60), columns=["dog", "bird", "cat"])
    scores.to_csv(tmp_path / "s.csv", index=False)
    pd.DataFrame({"y": y}).to_csv(tmp_path / "y.csv", index=False)
    code, out, err = sklabels("report", "s.csv", "y.csv", cwd=tmp_path)
    assert code == 0, err
    assert "precision" in out and "predicted" in out
    assert out.index("dog") < out.index("bird") < out.index("cat")


@pytest.mark.parametrize(
    ("files", "args", "message"),
    [
        ({}, ["decode", "missing.npy", "--classes", "a,b"], "does not exist"),
        ({"s.txt": "0.1\n"}, ["decode", "s.txt", "--classes", "a,b"], "extension"),
        (
            {"s.csv": "0.1,x\n0.2,0.3\n"},
            ["decode", "s.csv", "--classes", "a,b"],
            "not a number",
        ),
        ({"s.csv": "a,b\n0.1,0.9\n0.2\n"}, ["decode", "s.csv"], "different lengths"),
        (
            {"s.csv": "a,b\n0.1,0.9\n"},
            ["decode", "s.csv", "--classes", "a,c"],
            "no column for ['c']",
        ),
        ({"s.csv": "0.1,0.9\n"}, ["decode", "s.csv"], "--classes is required"),
        (
            {"s.csv": "0.1,0.5,0.4\n"},
            ["decode", "s.csv", "--classes", "a,b"],
            "3 column(s) but 2 classes",
        ),
        (
            {"s.csv": "1.5\n0.2\n"},
            ["decode", "s.csv", "--classes", "a,b"],
            "--from-logits",
        ),
        (
            {"s.csv": "0.1\n", "t.json": "{oops"},
            ["decode", "s.csv", "--classes", "a,b", "--thresholds", "t.json"],
            "not valid JSON",
        ),
        (
            {"s.csv": "0.1\n0.7\n", "y.csv": "y\na\n"},
            ["tune", "s.csv", "y.csv", "--classes", "a,b"],
            "2 rows but",
        ),
        (
            {"s.csv": "0.1\n0.7\n", "y.csv": "y\na\nb\n"},
            ["tune", "s.csv", "y.csv", "--classes", "a,b", "--scoring", "f7"],
            "is not known",
        ),
        (
            {"s.npy": b"not numpy"},
            ["decode", "s.npy", "--classes", "a,b"],
            "cannot read",
        ),
        ({"s.csv": "0.1\n"}, ["decode", "s.csv", "--classes", "a,a"], "distinct"),
    ],
)
def test_bad_input_exits_1_with_one_clear_line(tmp_path, files, args, message):
    """Check each bad file or option gives exit status 1 and names the problem."""
    for name, content in files.items():
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    code, _, err = sklabels(*args, cwd=tmp_path)
    assert code == 1, err
    assert message in err
    assert "Traceback" not in err
    assert err.startswith(f"sklabels {args[0]}: error:")


def test_help_shows_examples(tmp_path):
    """Check --help of the program and of each command shows an example."""
    code, out, _ = sklabels("--help", cwd=tmp_path)
    assert code == 0 and "sklabels tune val_scores.npy" in out
    for command in ("decode", "tune", "report"):
        code, out, _ = sklabels(command, "--help", cwd=tmp_path)
        assert code == 0 and "example" in out and f"sklabels {command}" in out
    code, _, err = sklabels("tune", cwd=tmp_path)
    assert code == 2 and "required" in err
