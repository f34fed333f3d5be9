"""Bands tuned on the command line: ``tune --bands`` writes the tuned band rule,
``decode`` and ``report`` read it, and they agree with Python."""

import json
import warnings

import numpy as np
import pytest
from scipy.special import logit
from sklearn.frozen import FrozenEstimator

from sklabels import Bands, ProbabilisticLabelClassifier, decode, tune_bands
from sklabels.__main__ import main
from sklabels._bands import BandWarning, band_report
from sklabels.adapters import FunctionClassifier

NAMES = ["routine", "urgent", "emergency"]


def _binary(seed=0, n=600, decimals=None):
    rng = np.random.default_rng(seed)
    p = rng.uniform(size=n)
    if decimals is not None:  # ties: many rows share each score
        p = np.round(p, decimals)
    y = (rng.uniform(size=n) < p**2).astype(int)
    return p, y


def _run(argv, capsys=None):
    code = main([str(a) for a in argv])
    assert code == 0
    return capsys.readouterr().out if capsys is not None else None


def _pair(tmp_path, score, y):
    """The scores and labels files of ``score`` and 0/1 ``y``."""
    scores, labels = tmp_path / "scores.csv", tmp_path / "labels.csv"
    np.savetxt(scores, score, fmt="%.17g")
    np.savetxt(labels, y, fmt="%d")
    return scores, labels


def _tune(scores, labels, file, *flags):
    """``sklabels tune SCORES LABELS FLAGS -o FILE``."""
    _run(["tune", scores, labels, *flags, "-o", file])


def _certified_top(rate):
    """The flags of bands whose highest one is certified at ``rate``."""
    flags = ["--bands", ",".join(NAMES), "--min-event-rate", f"emergency={rate}"]
    return [*flags, "--confidence", "0.9"]


def _decoded(path):
    return np.loadtxt(path, dtype=str, skiprows=1, ndmin=1)


TARGETS = {
    "shares": (["--shares", "0.5,0.3,0.2"], {"shares": [0.5, 0.3, 0.2]}),
    "equal shares": ([], {}),
    "event rates": (
        ["--min-event-rate", "emergency=0.6", "--max-event-rate", "routine=0.05"],
        {"min_event_rate": {"emergency": 0.6}, "max_event_rate": {"routine": 0.05}},
    ),
    "two top targets": (
        ["--min-event-rate", "emergency=0.7,urgent=0.3"],
        {"min_event_rate": {"emergency": 0.7, "urgent": 0.3}},
    ),
    "certified": (
        ["--min-event-rate", "emergency=0.6", "--confidence", "0.9"],
        {"min_event_rate": {"emergency": 0.6}, "confidence": 0.9},
    ),
    "certified jointly": (
        [
            "--min-event-rate",
            "emergency=0.6",
            "--max-event-rate",
            "routine=0.05",
            "--confidence",
            "0.9",
            "--joint",
        ],
        {
            "min_event_rate": {"emergency": 0.6},
            "max_event_rate": {"routine": 0.05},
            "confidence": 0.9,
            "joint": True,
        },
    ),
}


@pytest.mark.parametrize("logits", [False, True], ids=["probabilities", "logits"])
@pytest.mark.parametrize("ties", [None, 2], ids=["distinct", "ties"])
@pytest.mark.parametrize("target", list(TARGETS))
def test_cli_tuned_bands_equal_python_tuned_bands(tmp_path, target, ties, logits):
    """Check that tune --bands writes the cuts tune_bands finds on the same rows,
    and that decode with that file gives the bands decode gives in Python."""
    flags, kwargs = TARGETS[target]
    p, y = _binary(decimals=ties)
    p = np.clip(p, 1e-4, 1 - 1e-4)
    score = logit(p) if logits else p
    scores, labels = _pair(tmp_path, score, y)
    file, out = tmp_path / "bands.json", tmp_path / "bands.csv"
    logit_flag = ["--from-logits"] if logits else []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BandWarning)
        _tune(scores, labels, file, "--bands", ",".join(NAMES), *flags, *logit_flag)
        tuned = tune_bands(Bands(NAMES, **kwargs), score, y, logits=logits)
    written = json.loads(file.read_text())["bands"]
    assert written["cuts"] == list(tuned.cuts)
    _run(["decode", scores, "--thresholds", file, "-o", out])
    expected = decode(score, [0, 1], threshold=tuned, from_logits=logits)
    assert _decoded(out).tolist() == expected.tolist()


def test_cli_bands_equal_the_estimator_and_its_band_report(tmp_path, capsys):
    """Check that the file tune --bands writes gives the estimator's bands_ (fit
    on the same held-out scores) and that report prints its band report."""
    p, y = _binary(seed=1)
    X = np.arange(len(p), dtype=float).reshape(-1, 1)

    def proba(X):
        q = p[X[:, 0].astype(int)]
        return np.column_stack([1 - q, q])

    bands = Bands(NAMES, min_event_rate={"emergency": 0.6}, confidence=0.9)
    model = FrozenEstimator(FunctionClassifier(proba, output="probabilities"))
    clf = ProbabilisticLabelClassifier(model, threshold=bands, classes=[0, 1])
    clf.fit(X, y)
    scores, labels = _pair(tmp_path, p, y)
    file, out = tmp_path / "bands.json", tmp_path / "bands.csv"
    _tune(scores, labels, file, *_certified_top(0.6))
    capsys.readouterr()
    _run(["decode", scores, "--thresholds", file, "-o", out])
    assert _decoded(out).tolist() == clf.predict(X).tolist()
    certificate = json.loads(file.read_text())["bands"]["certificates"][0]
    assert certificate == clf.bands_.certificates["emergency"].to_dict()
    text = _run(["report", scores, labels, "--thresholds", file], capsys)
    rows = clf.band_report(X, y)
    for row, line in zip(rows, text.splitlines()[1:], strict=True):
        assert line.split()[:4] == [
            row.name,
            str(row.count),
            f"{row.share:.4f}",
            f"{row.events:.0f}",
        ]
    assert "yes: rate >= 0.6 at 0.9" in text.splitlines()[-1]


def test_cli_bands_cut_the_class_named_by_score_of(tmp_path):
    """Check that on softmax columns named by class, --score-of picks the score
    that is cut, as Bands(score_of=...) does in Python."""
    rng = np.random.default_rng(2)
    logits_ = rng.normal(size=(500, 3)) * 2
    p = np.exp(logits_) / np.exp(logits_).sum(axis=1, keepdims=True)
    classes = np.array(["cat", "dog", "bird"])
    y = classes[[rng.choice(3, p=row) for row in p]]
    scores, labels = tmp_path / "scores.csv", tmp_path / "labels.csv"
    np.savetxt(
        scores, p, fmt="%.17g", delimiter=",", header="cat,dog,bird", comments=""
    )
    np.savetxt(labels, y, fmt="%s", header="label", comments="")
    file, out = tmp_path / "bands.json", tmp_path / "bands.csv"
    flags = ["--bands", "low,high", "--min-event-rate", "high=0.7"]
    _tune(scores, labels, file, *flags, "--score-of", "bird")
    tuned = tune_bands(
        Bands(["low", "high"], min_event_rate={"high": 0.7}, score_of="bird"),
        p[:, 2],
        y == "bird",
    )
    _run(["decode", scores, "--thresholds", file, "-o", out])
    expected = decode(p, classes, threshold=tuned)
    assert _decoded(out).tolist() == expected.tolist()
    rows = band_report(tuned, p[:, 2], y == "bird")
    assert [r.count for r in rows] == [
        int(np.sum(_decoded(out) == name)) for name in ["low", "high"]
    ]


@pytest.mark.parametrize(
    "flags, message",
    [
        (["--min-event-rate", "emergency"], "must be BAND=RATE pairs"),
        (["--min-event-rate", "emergency=high"], "must be BAND=RATE pairs"),
        (["--min-event-rate", "a=0.5,a=0.6"], "each band once"),
        (["--min-event-rate", "severe=0.5"], "not among the band names"),
        (["--shares", "0.5,x,0.2"], "must be numbers"),
        (["--shares", "0.5,0.5"], "one share per band"),
        (["--confidence", "0.9"], "certifies min_event_rate"),
        (
            ["--min-event-rate", "emergency=0.8,urgent=0.4", "--confidence", "0.9"],
            "Target only the edge bands",
        ),
        (["--shares", "0.5,0.3,0.2", "--scoring", "mcc"], "Drop one of them"),
        (["--score-of", "7"], "is not one of the classes"),
    ],
)
def test_malformed_band_specs_are_one_line_errors(tmp_path, capsys, flags, message):
    """Check that a malformed band spec on the command line exits 1 with one line
    naming the value and the fix."""
    p, y = _binary(n=50)
    scores, labels = _pair(tmp_path, p, y)
    code = main(["tune", str(scores), str(labels), "--bands", ",".join(NAMES), *flags])
    err = capsys.readouterr().err
    assert code == 1
    assert message in err and len(err.strip().splitlines()) == 1


def test_band_options_without_bands_are_refused(tmp_path, capsys):
    """Check that --shares and friends without --bands name the missing flag."""
    p, y = _binary(n=50)
    scores, labels = _pair(tmp_path, p, y)
    code = main(["tune", str(scores), str(labels), "--confidence", "0.9"])
    assert code == 1
    assert "--confidence applies to --bands" in capsys.readouterr().err


def test_uncertified_band_is_reported_empty_on_the_command_line(tmp_path, capsys):
    """Check that tune --bands warns about a band it cannot certify and report
    shows it empty and not certified."""
    p, y = _binary(n=40)
    scores, labels = _pair(tmp_path, p, y)
    file = tmp_path / "bands.json"
    _tune(scores, labels, file, *_certified_top(0.95))
    captured = capsys.readouterr()
    assert "warning: band 'emergency' is empty: no set" in captured.err
    text = _run(["report", scores, labels, "--thresholds", file], capsys)
    assert text.splitlines()[-1].split()[:2] == ["emergency", "0"]
    assert "no (empty)" in text
