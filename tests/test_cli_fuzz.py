"""The command line against the Python API on random inputs (hypothesis, seeded).

* ``sklabels decode`` / ``sklabels tune`` give what ``sklabels.decode`` /
  ``sklabels.tune_thresholds`` give, for scores written as ``.npy``, CSV with and
  without a header row, and parquet;
* permuting named columns (CSV header, parquet schema) never changes the labels or
  the tuned thresholds;
* no command modifies or deletes an input file, on success and on error paths.

Commands run in-process through ``sklabels.__main__.main`` (fast); one test runs the
real ``python -m sklabels`` on a few cases.
"""

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli_runner import cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sklabels

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("npy", "csv", "csv-header", "parquet")
KINDS = ("binary-1", "binary-2", "multiclass", "multilabel")
NAMES = ("ant", "bee", "cat", "dog", "eel")
ERROR = "error"

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning"),
    pytest.mark.filterwarnings("ignore::sklabels.UnreachableConstraintWarning"),
]
FUZZ = settings(
    max_examples=30,
    deadline=None,
    derandomize=True,  # seeded: the same examples on every run
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@st.composite
def cases(draw):
    """A random problem: scores, class names, labels and thresholds."""
    kind = draw(st.sampled_from(KINDS))
    k = {"binary-1": 2, "binary-2": 2, "multiclass": 3}.get(kind, 2)
    k = draw(st.integers(k, 5)) if kind in ("multiclass", "multilabel") else k
    numeric = draw(st.booleans())  # class names 0..k-1 (typed as integers) or words
    names = [str(j) for j in range(k)] if numeric else list(NAMES[:k])
    order = draw(st.permutations(range(k)))
    names = [names[j] for j in order]  # not in sorted order
    n = draw(st.integers(6, 40))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    decimals = draw(st.sampled_from([None, 3]))
    if kind == "multilabel":
        truth = (rng.random((n, k)) < 0.4).astype(int)
        scores = np.clip(0.4 * truth + 0.6 * rng.random((n, k)), 0, 1)
        thresholds = rng.uniform(0.05, 0.95, k).round(3).tolist()
    else:
        codes = rng.integers(0, k, n)
        scores = rng.dirichlet(np.ones(k), n) + np.eye(k)[codes] * rng.uniform(0, 1)
        scores /= scores.sum(axis=1, keepdims=True)
        truth = codes
        if kind == "multiclass":
            thresholds = rng.uniform(0.1, 1.0, k).round(3).tolist()
        else:
            thresholds = round(float(rng.uniform(0.05, 0.95)), 3)
    if decimals is not None:
        scores = scores.round(decimals)
        if kind != "multilabel":  # a rounded softmax row, as CSV exports write them
            scores[:, -1] = (1 - scores[:, :-1].sum(axis=1)).clip(0, 1).round(decimals)
    if kind == "binary-1":
        scores = scores[:, 1]  # the score of the positive class, names[1]
    problem = "binary" if kind.startswith("binary") else kind
    return {
        "kind": kind,
        "names": names,
        "typed": [int(c) for c in names] if numeric else names,
        "scores": scores,
        "truth": truth,
        "thresholds": thresholds,
        "problem": problem,
        # decode infers the problem, or is told; both the CLI and the API
        "decode_problem": draw(st.sampled_from(["auto", problem])),
    }


def write_scores(folder, scores, names, fmt, order=None):
    """Scores as ``fmt``; named formats get their columns in ``order``."""
    matrix = scores.reshape(len(scores), -1)
    header = list(names) if matrix.shape[1] > 1 else ["score"]
    if order is not None and matrix.shape[1] > 1:
        matrix, header = matrix[:, order], [header[j] for j in order]
    path = Path(folder) / f"scores.{fmt.split('-')[0]}"
    if fmt == "npy":
        np.save(path, scores if order is None else matrix)
    elif fmt == "csv":
        pd.DataFrame(matrix).to_csv(path, index=False, header=False)
    elif fmt == "csv-header":
        pd.DataFrame(matrix, columns=header).to_csv(path, index=False)
    else:
        pd.DataFrame(matrix, columns=header).to_parquet(path)
    return path


def write_labels(folder, case, fmt, order=None):
    """True labels as ``fmt``: one column of labels, or a named 0/1 indicator."""
    names = case["typed"]
    if case["kind"] == "multilabel":
        matrix, header = case["truth"], [str(c) for c in names]
        if order is not None:
            matrix, header = matrix[:, order], [header[j] for j in order]
        if fmt == "npy":
            path = Path(folder) / "labels.npy"
            np.save(path, matrix)
        elif fmt == "parquet":
            path = Path(folder) / "labels.parquet"
            pd.DataFrame(matrix, columns=header).to_parquet(path)
        else:
            path = Path(folder) / "labels.csv"
            pd.DataFrame(matrix, columns=header).to_csv(path, index=False)
        return path
    labels = np.array(names)[case["truth"]]
    if fmt == "npy":
        path = Path(folder) / "labels.npy"
        np.save(path, labels)
    elif fmt == "parquet":
        path = Path(folder) / "labels.parquet"
        pd.DataFrame({"y": labels}).to_parquet(path)
    else:
        path = Path(folder) / "labels.csv"
        pd.DataFrame({"y": labels}).to_csv(path, index=False)
    return path


def printed(out):
    """The labels in the CSV the CLI printed."""
    return [row[0] for row in csv.reader(io.StringIO(out))][1:]


def decoded_text(labels):
    """Labels as the CLI prints them."""
    if isinstance(labels, list):
        return ["|".join(str(v) for v in row) for row in labels]
    return [str(v) for v in labels]


def api_or_error(function, *args, **kwargs):
    try:
        return function(*args, **kwargs)
    except (ValueError, TypeError):
        return ERROR


def decode_flags(case, fmt, thresholds_path, with_classes):
    flags = ["--thresholds", thresholds_path, "--problem", case["decode_problem"]]
    # a numeric header (0,1) is a header only when --classes names it
    numeric_header = fmt == "csv-header" and case["names"][0].isdigit()
    if (
        with_classes
        or numeric_header
        or fmt in ("npy", "csv")
        or case["kind"] == "binary-1"
    ):
        flags += ["--classes", ",".join(case["names"])]
    elif case["kind"] == "binary-2":
        # two named columns: their order does not say which class is positive
        flags += ["--pos-label", case["names"][1]]
    return flags


def decode_api(case):
    return api_or_error(
        sklabels.decode,
        case["scores"],
        case["names"],
        problem=case["decode_problem"],
        threshold=case["thresholds"],
    )


# ------------------------------------------------------------------ CLI == API
@FUZZ
@given(case=cases(), fmt=st.sampled_from(FORMATS), with_classes=st.booleans())
def test_decode_equals_the_api(case, fmt, with_classes):
    """Check `sklabels decode` prints the labels `sklabels.decode` returns."""
    expected = decode_api(case)
    with tempfile.TemporaryDirectory() as folder:
        scores = write_scores(folder, case["scores"], case["names"], fmt)
        thresholds = Path(folder) / "t.json"
        thresholds.write_text(json.dumps(case["thresholds"]))
        flags = decode_flags(case, fmt, thresholds, with_classes)
        code, out, err = cli("decode", scores, *flags)
    if expected is ERROR:
        assert code == 1, out
        return
    assert code == 0, err
    assert printed(out) == decoded_text(expected)


def tune_api(case, scoring):
    pos_label = None
    if case["problem"] == "binary":
        pos_label = case["typed"][1]
    truth = case["truth"]
    if case["kind"] != "multilabel":
        truth = np.array(case["typed"])[truth]
    return api_or_error(
        sklabels.tune_thresholds,
        truth,
        case["scores"],
        classes=case["typed"],
        pos_label=pos_label,
        scoring=scoring,
    )


@FUZZ
@given(
    case=cases(),
    fmt=st.sampled_from(FORMATS),
    label_fmt=st.sampled_from(("npy", "csv", "parquet")),
    scoring=st.sampled_from(("f1", "mcc", "balanced_accuracy")),
)
def test_tune_equals_the_api(case, fmt, label_fmt, scoring):
    """Check `sklabels tune` writes the thresholds `tune_thresholds` returns."""
    expected = tune_api(case, scoring)
    with tempfile.TemporaryDirectory() as folder:
        scores = write_scores(folder, case["scores"], case["names"], fmt)
        labels = write_labels(folder, case, label_fmt)
        out = Path(folder) / "t.json"
        flags = ["--classes", ",".join(case["names"]), "--scoring", scoring]
        if case["problem"] == "binary":
            flags += ["--pos-label", case["names"][1]]
        code, _, err = cli("tune", scores, labels, *flags, "-o", out)
        saved = json.loads(out.read_text()) if code == 0 else None
    if expected is ERROR:
        assert code == 1
        return
    assert code == 0, err
    # labels keep their type (integers stay integers); indicator columns are names
    typed = case["names"] if case["kind"] == "multilabel" else case["typed"]
    assert saved["classes"] == typed
    assert saved["problem"] == expected.problem
    np.testing.assert_array_equal(saved["thresholds"], expected.thresholds)


# ------------------------------------------------------- names, not positions
@FUZZ
@given(
    case=cases(),
    fmt=st.sampled_from(("csv-header", "parquet")),
    data=st.data(),
    with_classes=st.booleans(),
)
def test_permuting_named_columns_never_changes_labels(case, fmt, data, with_classes):
    """Check decode and tune on named columns in any order give the same result."""
    k = len(case["names"])
    order = data.draw(st.permutations(range(k)))
    # {label: value} thresholds mean the same whatever the column order
    if isinstance(case["thresholds"], list):
        thresholds = dict(zip(case["names"], case["thresholds"], strict=True))
    else:
        thresholds = case["thresholds"]
    if not with_classes and case["kind"] == "multiclass":
        # without --classes, ties go to the first column: compare tie-free rows only
        ratios = case["scores"] / np.array(case["thresholds"])
        top = np.sort(ratios, axis=1)
        with_classes = bool((top[:, -1] == top[:, -2]).any())
    results = []
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "t.json").write_text(json.dumps(thresholds))
        for columns in (None, order):
            scores = write_scores(folder, case["scores"], case["names"], fmt, columns)
            labels = write_labels(folder, case, "csv", columns)
            flags = decode_flags(case, fmt, Path(folder) / "t.json", with_classes)
            decoded = cli("decode", scores, *flags)
            tune_flags = ["--classes", ",".join(case["names"])]
            if case["problem"] == "binary":
                tune_flags += ["--pos-label", case["names"][1]]
            tuned = cli("tune", scores, labels, *tune_flags)
            results.append((decoded[:2], tuned[:2]))
    assert results[0] == results[1]
    assert results[0][0][0] == 0, "decode failed on the unpermuted file"


# ------------------------------------------------------ inputs stay untouched
def digest(folder):
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in Path(folder).iterdir()
        if p.is_file()
    }


COMMANDS = [
    ["decode", "{scores}", "--classes", "{classes}", "-o", "{scores}"],
    [
        "decode",
        "{scores}",
        "--classes",
        "{classes}",
        "--thresholds",
        "{thresholds}",
        "-o",
        "{thresholds}",
    ],
    ["decode", "{scores}", "--thresholds", "{thresholds}", "-o", "{thresholds}"],
    ["decode", "{scores}", "--classes", "{classes}", "-o", "out.csv"],
    ["decode", "{scores}", "--classes", "x,y", "-o", "out.csv"],
    ["decode", "{scores}", "--thresholds", "{thresholds}", "--problem", "multilabel"],
    ["decode", "{scores}", "--thresholds", "{labels}"],
    ["decode", "{labels}", "--classes", "{classes}", "-o", "out.csv"],
    ["tune", "{scores}", "{labels}", "--classes", "{classes}", "-o", "{labels}"],
    ["tune", "{scores}", "{labels}", "--classes", "{classes}", "-o", "{scores}"],
    ["tune", "{scores}", "{labels}", "--classes", "{classes}", "-o", "out.json"],
    ["tune", "{scores}", "{labels}", "--scoring", "nope", "-o", "out.json"],
    ["tune", "{labels}", "{scores}", "-o", "out.json"],
    ["tune", "{scores}", "{labels}", "--pos-label", "nope", "-o", "out.json"],
    ["report", "{scores}", "{labels}", "--classes", "{classes}"],
    ["report", "{scores}", "{labels}", "--thresholds", "{thresholds}"],
    ["report", "{scores}", "{scores}", "--from-logits"],
]


@FUZZ
@given(
    case=cases(),
    fmt=st.sampled_from(FORMATS),
    label_fmt=st.sampled_from(("npy", "csv", "parquet")),
    commands=st.lists(st.sampled_from(COMMANDS), min_size=1, max_size=4),
    bad_thresholds=st.sampled_from(["", "[", '{"a": NaN}', "1" * 400, "\xff"]),
)
def test_no_command_modifies_or_deletes_an_input(
    case, fmt, label_fmt, commands, bad_thresholds
):
    """Check every input keeps its bytes, whatever the command and its outcome."""
    with tempfile.TemporaryDirectory() as folder:
        scores = write_scores(folder, case["scores"], case["names"], fmt)
        labels = write_labels(folder, case, label_fmt)
        thresholds = Path(folder) / "t.json"
        if bad_thresholds:
            thresholds.write_bytes(bad_thresholds.encode("latin-1"))
        else:
            thresholds.write_text(json.dumps(case["thresholds"]))
        before = digest(folder)
        values = {
            "scores": scores,
            "labels": labels,
            "thresholds": thresholds,
            "classes": ",".join(case["names"]),
        }
        for command in commands:
            args = [a.format(**values) for a in command]
            args = [
                os.path.join(folder, a) if a.startswith("out.") else a for a in args
            ]
            code, _, err = cli(*args)
            assert code in (0, 1), err
            if code == 1:
                assert len(err.strip().splitlines()) >= 1
        after = digest(folder)
        assert {n: after[n] for n in before} == before
        assert set(after) - set(before) <= {"out.csv", "out.json"}


# ------------------------------------------------------------ real processes
def test_the_installed_command_equals_the_api(tmp_path):
    """Check `python -m sklabels decode` on .npy and parquet scores."""
    rng = np.random.default_rng(0)
    names = ["sky", "sea", "sand"]
    scores = rng.random((25, 3)).round(3)
    expected = decoded_text(
        sklabels.decode(scores, names, problem="multilabel", threshold=0.4)
    )
    (tmp_path / "t.json").write_text("0.4")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for fmt in ("npy", "parquet"):  # in-process runs cover every format
        path = write_scores(tmp_path, scores, names, fmt)
        result = subprocess.run(
            [sys.executable, "-m", "sklabels", "decode", str(path), "--classes",
             ",".join(names), "--problem", "multilabel", "--thresholds", "t.json"],
            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert printed(result.stdout) == expected, fmt
