"""The command line treats files as precious and never guesses: regression tests.

Most commands run in-process through ``sklabels.__main__.main`` (fast); the checks
that need a real process (tracebacks, broken pipes, imports at start-up) run
``python -m sklabels``.
"""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from _cli_runner import cli as run_cli
from _cli_runner import subprocess_cli

import sklabels

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning")


def cli(*args):
    """Run the command line in this process; return (exit status, stdout, stderr).

    A failing command must say so in exactly one line of stderr.
    """
    code, out, err = run_cli(*args)
    if code == 1:
        lines = [line for line in err.splitlines() if "warning:" not in line]
        assert len(lines) == 1, err
        assert lines[0].startswith(f"sklabels {args[0]}: error: "), err
    return code, out, err


def digest(folder):
    """{name: sha256} of every file in a folder: to show nothing was touched."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(folder).iterdir())
        if p.is_file()
    }


def labels_of(text):
    return text.splitlines()[1:]


@pytest.fixture
def binary_files(tmp_path):
    """A single score column with 0/1 labels, as CSV files."""
    tmp_path = tmp_path / "binary"
    tmp_path.mkdir()
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)
    p = np.clip(0.35 * y + rng.uniform(0, 0.65, 80), 0, 1).round(4)
    pd.DataFrame({"p": p}).to_csv(tmp_path / "s.csv", index=False)
    pd.DataFrame({"y": y}).to_csv(tmp_path / "y.csv", index=False)
    return tmp_path, p, y


# ----------------------------------------------------------- 1. never overwrite
@pytest.mark.parametrize(
    ("command", "target"),
    [
        (["decode", "s.csv", "--classes", "0,1"], "s.csv"),
        (["tune", "s.csv", "y.csv"], "y.csv"),
        (["tune", "s.csv", "y.csv"], "s.csv"),
        (["tune", "s.csv", "y.csv"], "./sub/../y.csv"),
    ],
)
def test_output_never_overwrites_an_input(binary_files, command, target):
    """Check -o naming an input file (however spelled) is refused, file unchanged."""
    folder, _, _ = binary_files
    (folder / "sub").mkdir()
    before = digest(folder)
    args = [folder / a if a.endswith(".csv") else a for a in command]
    code, _, err = cli(*args, "-o", str(folder) + "/" + target)
    assert code == 1
    assert "never writes over its input" in err
    assert digest(folder) == before


def test_output_never_overwrites_the_thresholds_file_or_a_link_to_an_input(
    binary_files,
):
    """Check -o equal to --thresholds, or a symlink / hard link to an input."""
    folder, _, _ = binary_files
    code, _, _ = cli(
        "tune", folder / "s.csv", folder / "y.csv", "-o", folder / "t.json"
    )
    assert code == 0
    os.symlink(folder / "s.csv", folder / "link.csv")
    os.link(folder / "y.csv", folder / "hard.csv")
    before = digest(folder)
    base = ["decode", folder / "s.csv", "--thresholds", folder / "t.json"]
    for target in ("t.json", "link.csv"):
        code, _, err = cli(*base, "-o", folder / target)
        assert code == 1 and "never writes over" in err
    code, _, err = cli(
        "tune", folder / "s.csv", folder / "y.csv", "-o", folder / "hard.csv"
    )
    assert code == 1 and "never writes over" in err
    assert digest(folder) == before


def test_output_in_a_missing_directory_or_a_directory_is_one_line(binary_files):
    """Check -o missing_dir/out.csv and -o some_dir: one line, exit 1, nothing new."""
    folder, _, _ = binary_files
    (folder / "some_dir").mkdir()
    before = digest(folder)
    for out, message in [
        ("missing_dir/out.csv", "does not exist"),
        ("some_dir", "is a directory"),
        ("s.csv/out.csv", "is a file, not a directory"),
    ]:
        for command in (
            ["decode", folder / "s.csv", "--classes", "0,1"],
            ["tune", folder / "s.csv", folder / "y.csv"],
        ):
            code, _, err = cli(*command, "-o", os.path.join(folder, out))
            assert code == 1 and message in err
    # in a real process: no traceback, one line
    result = subprocess_cli("decode", "s.csv", "-o", "missing_dir/out.csv", cwd=folder)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "does not exist" in result.stderr
    assert len(result.stderr.splitlines()) == 1
    assert digest(folder) == before
    assert list((folder / "some_dir").iterdir()) == []


def test_output_is_written_atomically(binary_files, monkeypatch):
    """Check a failure while replacing leaves the old output and no temporary file."""
    folder, _, _ = binary_files
    out = folder / "labels.csv"
    out.write_text("precious\n")
    os.chmod(out, 0o640)

    def fail(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    code, _, err = cli("decode", folder / "s.csv", "--classes", "0,1", "-o", out)
    assert (
        code == 1 and "No space left on device" in err and "nothing was written" in err
    )
    assert out.read_text() == "precious\n"
    assert sorted(p.name for p in folder.iterdir()) == ["labels.csv", "s.csv", "y.csv"]
    monkeypatch.undo()
    code, _, _ = cli("decode", folder / "s.csv", "--classes", "0,1", "-o", out)
    assert code == 0 and out.read_text().startswith("label\n")
    assert (out.stat().st_mode & 0o777) == 0o640  # the replaced file's mode is kept


def test_nothing_is_written_when_a_command_fails(binary_files):
    """Check a failing decode or tune leaves -o as it was (no partial output)."""
    folder, _, _ = binary_files
    (folder / "bad.json").write_text("[0.5, 2.0]")
    (folder / "out.csv").write_text("old\n")
    before = digest(folder)
    code, _, _ = cli(
        "decode", folder / "s.csv", "--classes", "0,1", "--thresholds",
        folder / "bad.json", "-o", folder / "out.csv",
    )  # fmt: skip
    assert code == 1
    code, _, _ = cli(
        "tune", folder / "s.csv", folder / "y.csv", "--scoring", "nope",
        "-o", folder / "new.json",
    )  # fmt: skip
    assert code == 1
    assert digest(folder) == before


# ------------------------------------------------------- 2. names, not positions
def _six_classes(tmp_path):
    rng = np.random.default_rng(1)
    names = ["ant", "bee", "cat"]
    y = rng.integers(0, 3, 120)
    p = rng.dirichlet(np.ones(3), 120)
    p[np.arange(120), y] += 0.6
    p /= p.sum(axis=1, keepdims=True)
    return names, y, p


def test_npy_scores_with_several_columns_need_classes(tmp_path):
    """Check `tune scores.npy labels.npy` no longer assumes sorted label order."""
    names, y, p = _six_classes(tmp_path)
    np.save(tmp_path / "s.npy", p)
    np.save(tmp_path / "y.npy", np.array(names)[y])
    before = digest(tmp_path)
    code, _, err = cli("tune", tmp_path / "s.npy", tmp_path / "y.npy")
    assert code == 1 and "--classes" in err and "unnamed columns" in err
    code, _, err = cli("report", tmp_path / "s.npy", tmp_path / "y.npy")
    assert code == 1 and "--classes" in err
    assert digest(tmp_path) == before


def test_unnamed_npy_scores_with_an_indicator_header_still_need_classes(tmp_path):
    """Check an indicator header names the label columns, not the score columns."""
    names, y, p = _six_classes(tmp_path)
    np.save(tmp_path / "s.npy", p)
    pd.DataFrame(np.eye(3, dtype=int)[y], columns=names).to_csv(
        tmp_path / "y.csv", index=False
    )
    code, _, err = cli("tune", tmp_path / "s.npy", tmp_path / "y.csv")
    assert code == 1
    assert "--classes" in err and "names the label columns" in err


def test_indicator_header_is_matched_to_score_columns_by_name(tmp_path):
    """Check an indicator CSV header in another order than the scores' columns."""
    names, y, p = _six_classes(tmp_path)
    onehot = np.eye(3, dtype=int)[y]
    # multiclass tuning is a coordinate ascent in class order: compare in file order
    order = [2, 0, 1]
    expected = sklabels.tune_thresholds(
        onehot[:, order], p[:, order], classes=[names[j] for j in order]
    )
    # scores with a header in one order, labels with a header in another
    pd.DataFrame(p[:, [2, 0, 1]], columns=["cat", "ant", "bee"]).to_csv(
        tmp_path / "s.csv", index=False
    )
    pd.DataFrame(onehot[:, [1, 2, 0]], columns=["bee", "cat", "ant"]).to_csv(
        tmp_path / "y.csv", index=False
    )
    code, _, err = cli(
        "tune", tmp_path / "s.csv", tmp_path / "y.csv", "-o", tmp_path / "t.json"
    )
    assert code == 0, err
    saved = json.loads((tmp_path / "t.json").read_text())
    got = dict(zip(saved["classes"], saved["thresholds"], strict=True))
    want = dict(zip(expected.classes, expected.thresholds, strict=True))
    assert got.keys() == want.keys()
    np.testing.assert_allclose([got[n] for n in names], [want[n] for n in names])
    # .npy scores with --classes, the labels header in another order
    np.save(tmp_path / "s.npy", p[:, order])
    code, _, err = cli(
        "tune", tmp_path / "s.npy", tmp_path / "y.csv", "--classes", "cat,ant,bee",
        "-o", tmp_path / "t2.json",
    )  # fmt: skip
    assert code == 0, err
    saved = json.loads((tmp_path / "t2.json").read_text())
    assert saved["classes"] == ["cat", "ant", "bee"]
    np.testing.assert_allclose(saved["thresholds"], expected.thresholds)


def test_mismatched_names_list_both_sets(tmp_path):
    """Check score columns or label columns that do not match the classes."""
    _names, y, p = _six_classes(tmp_path)
    pd.DataFrame(p, columns=["ant", "bee", "dog"]).to_csv(
        tmp_path / "s.csv", index=False
    )
    code, _, err = cli("decode", tmp_path / "s.csv", "--classes", "ant,bee,cat")
    assert code == 1
    assert "['ant', 'bee', 'dog']" in err and "['ant', 'bee', 'cat']" in err
    pd.DataFrame(np.eye(3, dtype=int)[y], columns=["ant", "bee", "cow"]).to_csv(
        tmp_path / "y.csv", index=False
    )
    np.save(tmp_path / "s.npy", p)
    code, _, err = cli(
        "tune", tmp_path / "s.npy", tmp_path / "y.csv", "--classes", "ant,bee,cat"
    )
    assert code == 1
    assert "['ant', 'bee', 'cow']" in err and "['ant', 'bee', 'cat']" in err


# ------------------------------------------------ 3. headers, labels, typed options
def test_numeric_header_equal_to_classes_is_a_header(tmp_path):
    """Check a CSV header `0,1` is a header when --classes is 0,1 (2 rows, 2 labels)."""
    (tmp_path / "s.csv").write_text("0,1\n0.2,0.8\n0.7,0.3\n")
    code, out, err = cli("decode", tmp_path / "s.csv", "--classes", "0,1")
    assert code == 0, err
    assert labels_of(out) == ["1", "0"]
    (tmp_path / "s.csv").write_text("1,0\n0.2,0.8\n0.7,0.3\n")  # named, other order
    code, out, err = cli("decode", tmp_path / "s.csv", "--classes", "0,1")
    assert code == 0, err
    assert labels_of(out) == ["0", "1"]
    # an indicator labels file with a numeric header, matched by name
    (tmp_path / "y.csv").write_text("1,0\n0,1\n1,0\n")
    code, out, err = cli(
        "report", tmp_path / "s.csv", tmp_path / "y.csv", "--classes", "0,1"
    )
    assert code == 0, err
    assert "accuracy" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("ant,bee,cat\n0.9,0.2,0.7\n1,0,0\n", "line 2 (column 'ant') holds '0.9'"),
        ("ant,bee,cat\n1,0,0\n0,nan,1\n", "line 3 (column 'bee') holds 'nan'"),
        ("ant,bee,cat\n1,0,0\n0,,1\n", "line 3 (column 'bee') is empty"),
        ("y\n1\n\n0\n", "empty label on line 3"),
        ("y\n1\nnan\n0\n", "'nan' on line 3"),
    ],
)
def test_labels_files_are_validated(tmp_path, content, message):
    """Check indicator cells other than 0/1 and missing labels name file and line."""
    (tmp_path / "y.csv").write_text(content)
    width = content.split("\n")[1].count(",") + 1
    np.save(tmp_path / "s.npy", np.full((3, width) if width > 1 else 3, 0.5))
    classes = ["--classes", "ant,bee,cat"] if width > 1 else ["--pos-label", "1"]
    code, _, err = cli("tune", tmp_path / "s.npy", tmp_path / "y.csv", *classes)
    assert code == 1
    assert message in err and "y.csv" in err
    assert "-9223372036854775808" not in err


def test_binary_labels_files_in_npy_and_parquet_are_validated(tmp_path):
    """Check NaN labels in .npy, missing labels in parquet, 0.5 in an indicator."""
    np.save(tmp_path / "s.npy", np.full(3, 0.5))
    np.save(tmp_path / "y.npy", np.array([0.0, np.nan, 1.0]))
    code, _, err = cli("tune", tmp_path / "s.npy", tmp_path / "y.npy")
    assert code == 1 and "row 1" in err and "y.npy" in err
    pd.DataFrame({"y": ["a", None, "b"]}).to_parquet(tmp_path / "y.parquet")
    code, _, err = cli("tune", tmp_path / "s.npy", tmp_path / "y.parquet")
    assert code == 1 and "missing label on row 1" in err
    np.save(tmp_path / "y2.npy", np.array([[1, 0], [0.5, 1], [0, 1]]))
    np.save(tmp_path / "s2.npy", np.full((3, 2), 0.5))
    code, _, err = cli(
        "tune", tmp_path / "s2.npy", tmp_path / "y2.npy", "--classes", "a,b"
    )
    assert code == 1 and "row 1" in err and "0.5" in err


def test_pos_label_and_classes_take_the_labels_type(binary_files):
    """Check `--pos-label 1` and `--classes 0,1` with integer labels 0/1."""
    folder, p, y = binary_files
    for pos in (1, 0):
        code, _, err = cli(
            "tune", folder / "s.csv", folder / "y.csv", "--pos-label", pos,
            "-o", folder / f"t{pos}.json",
        )  # fmt: skip
        assert code == 0, err
        saved = json.loads((folder / f"t{pos}.json").read_text())
        expected = sklabels.tune_thresholds(y, p, pos_label=pos)
        assert saved["pos_label"] == pos and saved["classes"] == [0, 1]
        assert saved["thresholds"] == pytest.approx(expected.thresholds)
    code, out, err = cli(
        "report", folder / "s.csv", folder / "y.csv", "--pos-label", "1"
    )
    assert code == 0, err
    assert "precision" in out
    np.save(folder / "s2.npy", np.column_stack([1 - p, p]))
    code, _, err = cli(
        "tune", folder / "s2.npy", folder / "y.csv", "--classes", "0,1", "-o",
        folder / "t2.json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads((folder / "t2.json").read_text())["classes"] == [0, 1]
    code, _, err = cli("tune", folder / "s.csv", folder / "y.csv", "--pos-label", "2")
    assert code == 1 and "--pos-label '2' is not one of the classes [0, 1]" in err


# ------------------------------------------------------- 4. single score column
@pytest.fixture
def detection_files(tmp_path):
    """String labels whose sorted order says nothing about what was scored."""
    tmp_path = tmp_path / "detection"
    tmp_path.mkdir()
    rng = np.random.default_rng(2)
    detected = rng.random(200) < 0.3
    score = np.clip(np.where(detected, 0.45, 0.0) + rng.uniform(0, 0.55, 200), 0, 1)
    y = np.where(detected, "detection", "nothing-detected")
    pd.DataFrame({"score": score.round(4)}).to_csv(tmp_path / "s.csv", index=False)
    pd.DataFrame({"y": y}).to_csv(tmp_path / "y.csv", index=False)
    return tmp_path, score.round(4), y


def test_single_column_with_string_labels_asks_for_pos_label(detection_files):
    """Check the detection example: no silent 'nothing-detected' positive class."""
    folder, _, _ = detection_files
    before = digest(folder)
    for command in ("tune", "report"):
        code, _, err = cli(command, folder / "s.csv", folder / "y.csv")
        assert code == 1
        assert "--pos-label" in err and "'detection'" in err
    assert digest(folder) == before


def test_single_column_is_the_score_of_pos_label(detection_files):
    """Check --pos-label detection tunes the detection score (as the API does)."""
    folder, score, y = detection_files
    expected = sklabels.tune_thresholds(y, score, pos_label="detection")
    code, out, err = cli(
        "tune", folder / "s.csv", folder / "y.csv", "--pos-label", "detection",
        "-o", folder / "t.json",
    )  # fmt: skip
    assert code == 0, err
    saved = json.loads((folder / "t.json").read_text())
    assert saved["pos_label"] == "detection"
    assert saved["thresholds"] == pytest.approx(expected.thresholds)
    assert saved["best_score"] > 0.5
    # the same with --classes negative,positive (the last is positive)
    code, _, err = cli(
        "tune", folder / "s.csv", folder / "y.csv", "--classes",
        "nothing-detected,detection", "-o", folder / "t2.json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads((folder / "t2.json").read_text())["pos_label"] == "detection"
    # decode with the file: the positive class and the classes come from it
    code, out, err = cli("decode", folder / "s.csv", "--thresholds", folder / "t.json")
    assert code == 0, err
    api = sklabels.decode(
        score, ["nothing-detected", "detection"], threshold=expected.thresholds
    )
    assert labels_of(out) == list(api)


def test_single_column_named_by_a_class_scores_that_class(detection_files):
    """Check a one-column header naming a class; a conflicting --pos-label fails."""
    folder, score, _y = detection_files
    pd.DataFrame({"detection": score}).to_csv(folder / "named.csv", index=False)
    code, _, err = cli(
        "tune", folder / "named.csv", folder / "y.csv", "-o", folder / "t.json"
    )
    assert code == 0, err
    assert json.loads((folder / "t.json").read_text())["pos_label"] == "detection"
    code, _, err = cli(
        "tune",
        folder / "named.csv",
        folder / "y.csv",
        "--pos-label",
        "nothing-detected",
    )
    assert code == 1 and "named 'detection'" in err


# -------------------------------------------------- 5. the thresholds file decides
def _rounded_multiclass(tmp_path):
    """Scores rounded to one decimal: rows do not sum to 1 (auto would say
    multilabel), but the thresholds file says multiclass."""
    rng = np.random.default_rng(3)
    names = ["H", "He", "Kr"]
    y = rng.integers(0, 3, 90)
    p = rng.dirichlet(np.ones(3), 90)
    p[np.arange(90), y] += 0.8
    p = (p / p.sum(axis=1, keepdims=True)).round(1)
    p[p.sum(axis=1) == 1.0, 0] = np.maximum(p[p.sum(axis=1) == 1.0, 0] - 0.1, 0.0)
    pd.DataFrame(p, columns=names).to_csv(tmp_path / "s.csv", index=False)
    pd.DataFrame({"y": np.array(names)[y]}).to_csv(tmp_path / "y.csv", index=False)
    thresholds = [0.5, 0.4, 0.5]
    (tmp_path / "t.json").write_text(
        json.dumps(
            {
                "problem": "multiclass",
                "classes": names,
                "pos_label": None,
                "thresholds": thresholds,
                "from_logits": False,
            }
        )
    )
    return names, y, p, thresholds


def test_decode_and_report_use_the_problem_of_the_thresholds_file(tmp_path):
    """Check decode gives single labels, as the file says, and report runs."""
    names, _y, p, thresholds = _rounded_multiclass(tmp_path)
    code, out, err = cli(
        "decode", tmp_path / "s.csv", "--thresholds", tmp_path / "t.json"
    )
    assert code == 0, err
    expected = sklabels.decode(p, names, problem="multiclass", threshold=thresholds)
    assert out.splitlines()[0] == "label"
    assert labels_of(out) == list(expected)
    code, out, err = cli(
        "report",
        tmp_path / "s.csv",
        tmp_path / "y.csv",
        "--thresholds",
        tmp_path / "t.json",
    )
    assert code == 0, err
    assert "multilabel" not in out + err and "precision" in out


def test_report_takes_the_problem_from_the_labels(tmp_path):
    """Check report without a thresholds file: 1-D labels say single-label."""
    _names, _y, _p, _ = _rounded_multiclass(tmp_path)
    code, _, err = cli("report", tmp_path / "s.csv", tmp_path / "y.csv")
    assert code == 0, err
    assert "problem='multilabel'" not in err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--problem", "multilabel"], "--problem multilabel conflicts"),
        (["--from-logits"], "--from-logits conflicts"),
        (["--classes", "He,H,Kr"], "was tuned for classes"),
        (["--pos-label", "H"], "only applies to binary"),
    ],
)
def test_flags_that_contradict_the_thresholds_file_are_refused(
    tmp_path, flags, message
):
    """Check conflicting --problem, --from-logits, --classes, --pos-label."""
    _rounded_multiclass(tmp_path)
    base = ["decode", tmp_path / "s.csv", "--thresholds", tmp_path / "t.json"]
    code, _, err = cli(*base, *flags)
    assert code == 1 and message in err


def test_binary_file_settings_conflicts(detection_files):
    """Check --pos-label and --no-from-logits against a binary logit file."""
    folder, score, _y = detection_files
    logits = np.log(
        np.clip(score, 1e-3, 1 - 1e-3) / (1 - np.clip(score, 1e-3, 1 - 1e-3))
    )
    pd.DataFrame({"logit": logits}).to_csv(folder / "l.csv", index=False)
    code, _, err = cli(
        "tune", folder / "l.csv", folder / "y.csv", "--pos-label", "detection",
        "--from-logits", "-o", folder / "t.json",
    )  # fmt: skip
    assert code == 0, err
    saved = json.loads((folder / "t.json").read_text())
    assert {"problem", "classes", "pos_label", "from_logits", "thresholds"} <= set(
        saved
    )
    assert saved["from_logits"] is True and saved["problem"] == "binary"
    base = ["decode", folder / "l.csv", "--thresholds", folder / "t.json"]
    code, out, err = cli(*base)  # from_logits and pos_label from the file
    assert code == 0, err
    expected = sklabels.decode(
        logits, saved["classes"], threshold=saved["thresholds"], from_logits=True,
        pos_label="detection",
    )  # fmt: skip
    assert labels_of(out) == list(expected)
    code, _, err = cli(*base, "--no-from-logits")
    assert code == 1 and "--no-from-logits conflicts" in err
    code, _, err = cli(*base, "--pos-label", "nothing-detected")
    assert code == 1 and "--pos-label nothing-detected conflicts" in err
    code, _, err = cli(*base, "--pos-label", "detection", "--from-logits")
    assert code == 0, err


# ---------------------------------------------------- 6. thresholds JSON limits
BAD_JSON = {
    "400 digits": ("1" * 400).encode(),
    "400 digits in a list": b"[0.5, " + b"9" * 400 + b"]",
    "1e400": b"[0.5, 1e400]",
    "nested": b"[" * 100_000 + b"]" * 100_000,
    "latin-1": '{"caf\xe9": 0.5}'.encode("latin-1"),
    "NaN": b"[0.5, NaN]",
    "Infinity": b'{"thresholds": Infinity}',
    "-Infinity": b"-Infinity",
    "above 1": b"[0.5, 1.5]",
    "below 0": b'{"a": -0.1}',
    "a string": b'"0.5"',
    "true": b"true",
    "null": b"null",
    "empty list": b"[]",
    "list of lists": b"[[0.5]]",
    "problem": b'{"problem": "regression", "thresholds": 0.5}',
    "classes": b'{"classes": "ab", "thresholds": 0.5}',
    "from_logits": b'{"from_logits": "yes", "thresholds": 0.5}',
    "no thresholds": b'{"problem": "binary", "classes": ["a", "b"]}',
    "wrong length": b'{"problem": "multilabel", "classes": ["a", "b"], '
    b'"thresholds": [0.5]}',
    "unknown label": b'{"c": 0.5}',
    "not json": b"{oops",
}


@pytest.mark.parametrize("name", sorted(BAD_JSON))
def test_thresholds_file_is_read_with_limits(tmp_path, name):
    """Check each bad thresholds file is one line naming the file, exit 1."""
    (tmp_path / "s.csv").write_text("a,b\n0.2,0.9\n0.6,0.1\n")
    (tmp_path / "t.json").write_bytes(BAD_JSON[name])
    code, out, err = cli(
        "decode", tmp_path / "s.csv", "--thresholds", tmp_path / "t.json"
    )
    assert code == 1, (out, err)
    assert "t.json" in err
    assert out == ""


def test_huge_thresholds_file_is_refused(tmp_path):
    """Check a thresholds file over 10 MB is refused before it is parsed."""
    (tmp_path / "s.csv").write_text("a,b\n0.2,0.9\n")
    with open(tmp_path / "t.json", "wb") as stream:
        stream.write(b"[" + b"0.5, " * (2 * 1024 * 1024 + 1) + b"0.5]")
    code, _, err = cli(
        "decode", tmp_path / "s.csv", "--thresholds", tmp_path / "t.json"
    )
    assert code == 1 and "larger than 10 MB" in err


def test_bad_thresholds_files_never_print_a_traceback(tmp_path):
    """Check the worst cases in a real process: no traceback, one line."""
    (tmp_path / "s.csv").write_text("a,b\n0.2,0.9\n")
    for name in ("400 digits", "nested"):
        (tmp_path / "t.json").write_bytes(BAD_JSON[name])
        result = subprocess_cli(
            "decode", "s.csv", "--thresholds", "t.json", cwd=tmp_path
        )
        assert result.returncode == 1, result.stderr
        assert "Traceback" not in result.stderr and "t.json" in result.stderr
        assert len(result.stderr.splitlines()) == 1


# ------------------------------------------------------------ 7. broken pipes
def _big_report(folder):
    rng = np.random.default_rng(4)
    names = [f"label{j}" for j in range(150)]
    p = rng.random((40, 150)).round(3)
    pd.DataFrame(p, columns=names).to_csv(folder / "s.csv", index=False)
    Y = (rng.random((40, 150)) < 0.3).astype(int)
    pd.DataFrame(Y, columns=names).to_csv(folder / "y.csv", index=False)


def test_report_into_a_closed_pipe_exits_quietly(tmp_path):
    """Check `sklabels report ... | head` ends without a BrokenPipeError traceback."""
    _big_report(tmp_path)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    command = [sys.executable, "-m", "sklabels", "report", "s.csv", "y.csv"]
    # a reader that closes before anything is written
    proc = subprocess.Popen(
        command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
    assert proc.returncode == 1
    # a real `head`, reading the first lines of a long output
    shell = (
        f"{sys.executable} -m sklabels report s.csv y.csv | head -n 2 > /dev/null; "
        f"{sys.executable} -m sklabels decode s.csv --problem multilabel | head -c 10"
    )
    result = subprocess.run(
        ["bash", "-c", shell], cwd=tmp_path, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert result.stdout == "labels\nlab"


# ------------------------------------------------------- 8. a quick --help
def test_help_and_version_do_not_import_scikit_learn(tmp_path):
    """Check `python -m sklabels --help` and `--version` import no numpy/sklearn."""
    code = (
        "import runpy, sys\n"
        "sys.argv = ['sklabels', sys.argv[1]]\n"
        "try:\n"
        "    runpy.run_module('sklabels', run_name='__main__', alter_sys=True)\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('sklearn', 'numpy', 'scipy', 'pandas'))\n"
        "print('HEAVY', heavy, file=sys.stderr)\n"
    )
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for flag in ("--help", "--version"):
        result = subprocess.run(
            [sys.executable, "-c", code, flag], cwd=tmp_path, env=env,
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert "HEAVY []" in result.stderr, result.stderr
        assert "sklabels" in result.stdout
    # and through `python -m sklabels` itself, as the import log shows it
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "sklabels", "--help"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0
    imported = {line.split("|")[-1].strip() for line in result.stderr.splitlines()}
    assert "sklabels" in imported
    assert not {m for m in imported if m.split(".")[0] in ("sklearn", "numpy")}


def test_lazy_package_keeps_its_public_names():
    """Check every name of __all__ resolves, and dir() lists them."""
    for name in sklabels.__all__:
        assert getattr(sklabels, name) is not None
    assert set(sklabels.__all__) <= set(dir(sklabels))
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        sklabels.nope


# -------------------------------------------------------- 9. binary summary
def test_binary_tune_header_names_the_positive_class(binary_files, detection_files):
    """Check the summary says 'binary, positive class ...', not 'macro'."""
    folder, _, _ = binary_files
    code, out, _ = cli(
        "tune", folder / "s.csv", folder / "y.csv", "-o", folder / "t.json"
    )
    assert code == 0
    assert "f1 (binary, positive class 1)" in out and "macro" not in out.splitlines()[0]
    folder, _, _ = detection_files
    code, _, err = cli(
        "tune", folder / "s.csv", folder / "y.csv", "--pos-label", "detection"
    )
    assert code == 0
    assert "f1 (binary, positive class 'detection')" in err


def test_two_named_columns_do_not_say_which_class_is_positive(tmp_path):
    """Check a header `cat,dog` (or `dog,cat`) needs --pos-label; 0/1 names do not."""
    rng = np.random.default_rng(5)
    p = rng.dirichlet(np.ones(2), 30)
    y = np.where(p[:, 1] + rng.normal(0, 0.2, 30) > 0.5, "dog", "cat")
    pd.DataFrame({"y": y}).to_csv(tmp_path / "y.csv", index=False)
    outputs = []
    for columns in (["cat", "dog"], ["dog", "cat"]):
        frame = pd.DataFrame(p, columns=["cat", "dog"])[columns]
        frame.to_csv(tmp_path / "s.csv", index=False)
        for command in (["decode", "s.csv"], ["tune", "s.csv", "y.csv"]):
            args = [tmp_path / a if "." in a else a for a in command]
            code, _, err = cli(*args)
            assert code == 1 and "which class is positive" in err
            code, out, err = cli(*args, "--pos-label", "dog")
            assert code == 0, err
            outputs.append(out)
    # the column order changes nothing (but the order the file lists the classes in)
    assert outputs[0] == outputs[2]
    first, second = (json.loads(text) for text in outputs[1::2])
    assert sorted(first.pop("classes")) == sorted(second.pop("classes"))
    # pos_index follows the order the file lists the classes in: both name dog
    assert (first.pop("pos_index"), second.pop("pos_index")) == (1, 0)
    assert first == second
    expected = sklabels.tune_thresholds(y, p, classes=["cat", "dog"])
    assert json.loads(outputs[1])["thresholds"] == pytest.approx(expected.thresholds)
    # parquet columns 0 and 1 (as pandas writes predict_proba): 1 is positive
    pd.DataFrame(p[:, ::-1], columns=[1, 0]).to_parquet(tmp_path / "s.parquet")
    code, out, err = cli("decode", tmp_path / "s.parquet")
    assert code == 0, err
    assert labels_of(out) == [str(v) for v in (p[:, 1] >= 0.5).astype(int)]


def test_decode_output_reads_back_as_labels(tmp_path):
    """Check `decode -o` then `report` on it: empty label sets (also last) survive."""
    rng = np.random.default_rng(6)
    names = ["sky", "sea", "sand"]
    p = rng.random((12, 3)).round(2)
    p[-1] = 0.1  # the last sample has no label
    pd.DataFrame(p, columns=names).to_csv(tmp_path / "s.csv", index=False)
    (tmp_path / "t.json").write_text("0.7")
    args = [tmp_path / "s.csv", "--problem", "multilabel", "--thresholds"]
    code, _, err = cli("decode", *args, tmp_path / "t.json", "-o", tmp_path / "y.csv")
    assert code == 0, err
    code, out, err = cli("report", tmp_path / "s.csv", tmp_path / "y.csv", *args[1:],
                         tmp_path / "t.json")  # fmt: skip
    assert code == 0, err
    assert "micro avg       1.00      1.00      1.00" in out  # the same labels
