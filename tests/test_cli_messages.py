"""The command line's reading and resolving, branch by branch, as tables.

Each row writes a few small files, runs a command in-process and asserts what it
prints: the words of the one-line error for a bad input, the labels or the report
for an accepted one. They reach the branches of reading the files and the
thresholds file and of putting the settings together that other tests leave out.
"""

import json

import numpy as np
import pandas as pd
import pytest
from test_cli_files import cli

pytestmark = pytest.mark.filterwarnings("ignore::sklabels.FewPositivesWarning")

TWO = "a,b\n0.8,0.2\n0.3,0.7\n"  # two columns named by class
NAMED_PAIR = "no,yes\n0.8,0.2\n0.3,0.7\n"
BINARY = {"s.csv": "0.2\n0.8\n0.6\n0.4\n", "y.csv": "y\n0\n1\n1\n0\n"}
PARQUET_SCORES = pd.DataFrame({"a": [0.9, 0.2, 0.6], "b": [0.1, 0.8, 0.7]})


def write(folder, files):
    """Text as it is, arrays as .npy, data frames as .parquet."""
    for name, content in files.items():
        path = folder / name
        if isinstance(content, np.ndarray):
            np.save(path, content)
        elif isinstance(content, pd.DataFrame):
            content.to_parquet(path)
        else:
            path.write_text(content)


def run(folder, monkeypatch, files, argv):
    write(folder, files)
    monkeypatch.chdir(folder)
    return cli(*argv)


BAD_INPUTS = [
    # (id, files, arguments, words of the message)
    (
        "decode-unnamed-column-needs-classes",
        {"s.npy": np.array([0.2, 0.8])},
        ["decode", "s.npy"],
        "--classes is required: scores file 's.npy' does not name its columns. List "
        "the class names in column order, e.g. --classes cat,dog (a single column: "
        "negative,positive).",
    ),
    (
        "report-one-column-label-sets-needs-classes",
        {"s.csv": "0.2\n0.8\n", "y.csv": "labels\na|b\na\n"},
        ["report", "s.csv", "y.csv"],
        "--classes is required: scores file 's.csv' does not name its columns. List "
        "the class names in column order, e.g. --classes negative,positive.",
    ),
    (
        "empty-output-name",
        {"s.csv": "0.2\n0.8\n"},
        ["decode", "s.csv", "--classes", "a,b", "-o", ""],
        "-o '' names no file; give a file name, e.g. -o labels.csv.",
    ),
    (
        "header-names-a-column-twice",
        {"s.csv": "a,a\n0.2,0.8\n"},
        ["decode", "s.csv"],
        "scores file 's.csv' names the column 'a' twice; column names must be "
        "distinct.",
    ),
    (
        "corrupt-parquet",
        {"s.parquet": "not parquet"},
        ["decode", "s.parquet", "--classes", "a,b"],
        "cannot read scores file 's.parquet': ",
    ),
    (
        "header-and-no-rows",
        {"s.csv": "a,b\n"},
        ["decode", "s.csv"],
        "scores file 's.csv' has a header row ['a', 'b'] and no data rows.",
    ),
    (
        "invalid-csv",
        {"s.csv": "x" * 200_000 + "\n"},
        ["decode", "s.csv", "--classes", "a,b"],
        "scores file 's.csv' is not valid CSV (line 1: field larger than field "
        "limit (131072)).",
    ),
    (
        "blank-csv",
        {"s.csv": "\n\n"},
        ["decode", "s.csv", "--classes", "a,b"],
        "scores file 's.csv' is empty.",
    ),
    (
        "header-with-an-empty-name",
        {"s.csv": ",a\n0.2,0.8\n"},
        ["decode", "s.csv"],
        "scores file 's.csv' has an empty name in its header (line 1, column 1); "
        "name every column (an index column? write the file with index=False).",
    ),
    (
        "nan-score-in-npy",
        {"s.npy": np.array([0.2, np.nan, 0.7])},
        ["decode", "s.npy", "--classes", "a,b"],
        "scores file 's.npy' holds nan on row 1; scores must be finite numbers "
        "(probabilities, or logits with --from-logits). Drop or fix that row.",
    ),
    (
        "infinite-score-in-csv",
        {"s.csv": "0.2,0.8\n0.5,inf\n"},
        ["decode", "s.csv", "--classes", "a,b"],
        "scores file 's.csv' holds inf on line 2, column 2; scores must be finite",
    ),
    (
        "classes-with-an-empty-name",
        {"s.csv": "0.2\n0.8\n"},
        ["decode", "s.csv", "--classes", "a,,b"],
        "--classes 'a,,b' must list distinct, non-empty names separated by commas, "
        "e.g. --classes cat,dog,bird.",
    ),
    (
        "thresholds-file-classes-not-a-list",
        {"s.csv": "0.2\n0.8\n", "t.json": '{"thresholds": [0.5], "classes": "ab"}'},
        ["decode", "s.csv", "--thresholds", "t.json"],
        "thresholds file 't.json' has classes 'ab'; expected a list of labels.",
    ),
    (
        "thresholds-file-empty-list",
        {"s.csv": "0.2\n0.8\n", "t.json": "[]"},
        ["decode", "s.csv", "--classes", "a,b", "--thresholds", "t.json"],
        "thresholds file 't.json': the file is an empty list; expected thresholds.",
    ),
    (
        "thresholds-file-class-not-a-label",
        {"s.csv": "0.2\n0.8\n", "t.json": '{"thresholds": [0.5], "classes": [[1], 2]}'},
        ["decode", "s.csv", "--thresholds", "t.json"],
        "thresholds file 't.json' has [1] in 'classes'; labels are strings, integers "
        "or true/false.",
    ),
    (
        "thresholds-file-multiclass-ratio-of-zero",
        {
            "s.csv": "0.2,0.3,0.5\n",
            "t.json": '{"thresholds": [0, 1, 1], "problem": "multiclass", '
            '"classes": ["a", "b", "c"]}',
        },
        ["decode", "s.csv", "--thresholds", "t.json"],
        "thresholds file 't.json' holds a multiclass ratio of 0; multiclass "
        "thresholds are ratios in (0, 1] (predict argmax p_k / t_k). Tune again.",
    ),
    (
        "labels-npy-of-complex-numbers",
        {"s.csv": "0.2\n", "y.npy": np.array([1 + 2j])},
        ["report", "s.csv", "y.npy", "--classes", "a,b"],
        "labels file 'y.npy' holds an array of shape (1,) and dtype complex128; "
        "expected labels of shape (n_samples,) or a 0/1 matrix of shape "
        "(n_samples, n_classes).",
    ),
    (
        "labels-npy-empty",
        {"s.csv": "0.2\n", "y.npy": np.array([], dtype=np.int64)},
        ["report", "s.csv", "y.npy", "--classes", "a,b"],
        "labels file 'y.npy' holds no labels.",
    ),
    (
        "indicator-npy-of-text",
        {"s.csv": TWO, "y.npy": np.array([["1", "0"], ["0", "x"]])},
        ["report", "s.csv", "y.npy"],
        "labels file 'y.npy' has several columns, read as a 0/1 indicator matrix, "
        "but row 1 (column 1) holds 'x'. Write only 0 and 1 in indicator columns, "
        "or use one column of labels.",
    ),
    (
        "indicator-with-a-column-too-many",
        {"s.csv": TWO, "y.npy": np.array([[1, 0, 0], [0, 1, 0]])},
        ["report", "s.csv", "y.npy"],
        "labels file 'y.npy' has 3 indicator columns but there are 2 classes "
        "['a', 'b']; write one 0/1 column per class.",
    ),
    (
        "unnamed-indicator-and-reordered-score-columns",
        {"s.csv": "b,a\n0.8,0.2\n0.3,0.7\n", "y.npy": np.array([[1, 0], [0, 1]])},
        ["report", "s.csv", "y.npy", "--classes", "a,b", "--problem", "multilabel"],
        "labels file 'y.npy' has unnamed indicator columns, but the columns of "
        "scores file 's.csv' (['b', 'a']) are not in the order of the classes "
        "['a', 'b']; add a header row of class names to the labels file.",
    ),
    (
        "indicator-named-for-other-classes",
        {"s.csv": TWO, "y.csv": "a,c\n1,0\n0,1\n"},
        ["report", "s.csv", "y.csv", "--problem", "multilabel"],
        "labels file 'y.csv' has columns ['a', 'c'] but the classes are ['a', 'b']; "
        "no column for ['b'], no class for ['c']. Name one 0/1 column per class.",
    ),
    (
        "named-pair-said-binary",
        {"s.csv": NAMED_PAIR},
        ["decode", "s.csv", "--problem", "binary"],
        "which class is positive? Scores file 's.csv' names its two columns "
        "['no', 'yes'], and their order says nothing about it (only 0/1, -1/1 and "
        "False/True do). Pass --pos-label (one of ['no', 'yes']), or --classes "
        "negative,positive in that order.",
    ),
    (
        "named-pair-with-one-hot-labels",
        {"s.csv": NAMED_PAIR, "y.csv": "no,yes\n1,0\n0,1\n"},
        ["report", "s.csv", "y.csv"],
        "which class is positive? Scores file 's.csv' names its two columns",
    ),
    (
        "named-pair-that-decode-refuses",
        {"s.csv": "no,yes\n2,3\n0.3,0.7\n"},
        ["decode", "s.csv"],
        "scores file 's.csv': ",
    ),
    (
        "labels-too-large-for-int64-are-names",
        {"s.csv": "0.2\n0.8\n", "y.csv": "y\n99999999999999999999\n1\n"},
        ["report", "s.csv", "y.csv"],
        "which class does the single score column of 's.csv' score? The labels in "
        "'y.csv' are ['1', '99999999999999999999'], whose order says nothing about "
        "it (only 0/1, -1/1 and False/True do). Pass --pos-label, e.g. --pos-label "
        "99999999999999999999, or --classes negative,positive in that order.",
    ),
    (
        "infinite-label",
        {"s.csv": "0.2\n0.8\n", "y.csv": "y\n0.5\ninf\n"},
        ["report", "s.csv", "y.csv"],
        "labels file 'y.csv' holds 'inf' on line 3, which is a missing value, not a "
        "label; drop that sample or give it its label.",
    ),
    (
        "float-labels",
        {"s.csv": "0.2\n0.8\n0.6\n", "y.csv": "y\n0.5\n1.5\n1.5\n"},
        ["report", "s.csv", "y.csv", "--classes", "0.5,1.5"],
        "scores file 's.csv' with labels file 'y.csv': ",
    ),
    (
        "scoring-fbeta-without-a-number",
        {"s.csv": "0.2\n", "y.csv": "y\n0\n"},
        ["tune", "s.csv", "y.csv", "--scoring", "fbeta=x"],
        "--scoring 'fbeta=x': could not convert string to float: 'x'",
    ),
    (
        "scoring-cost-with-one-number",
        {"s.csv": "0.2\n", "y.csv": "y\n0\n"},
        ["tune", "s.csv", "y.csv", "--scoring", "cost=1"],
        "--scoring 'cost=1': not enough values to unpack (expected 2, got 1)",
    ),
    (
        "rows-differ-after-a-header",
        {"s.csv": TWO + "0.6,0.7\n0.1,0.3\n", "y.csv": "labels\na\nb\na|b\n\n"},
        ["tune", "s.csv", "y.csv"],
        "scores file 's.csv' has 4 rows but labels file 'y.csv' has 3 (its first "
        "row ['labels'] was read as a header: a first row is a header when it names "
        "the classes or holds no number); the files must describe the same samples "
        "in the same order.",
    ),
    (
        "thresholds-file-tuned-for-more-classes",
        {
            "s.csv": TWO,
            "t.json": '{"thresholds": [0.5, 0.3, 0.2], "problem": "multiclass", '
            '"classes": ["cat", "dog", "eel"]}',
        },
        ["decode", "s.csv", "--thresholds", "t.json"],
        "scores file 's.csv' has 2 column(s) ['a', 'b'] but thresholds file 't.json' "
        "was tuned for 3 classes ['cat', 'dog', 'eel']",
    ),
    (
        "thresholds-file-tuned-for-other-classes",
        {
            "s.csv": TWO,
            "t.json": '{"thresholds": [0.5, 0.3], "problem": "multiclass", '
            '"classes": ["cat", "dog"]}',
        },
        ["decode", "s.csv", "--thresholds", "t.json"],
        "but the classes are ['cat', 'dog']; no column for ['cat', 'dog'], no class "
        "for ['a', 'b']. The classes are those thresholds file 't.json' was tuned for",
    ),
    (
        "library-words-become-flags",
        {"s.csv": "0.2\n0.8\n"},
        ["decode", "s.csv", "--classes", "a,b,c", "--problem", "binary"],
        "--classes negative,positive",
    ),
]


@pytest.mark.parametrize(
    ("files", "argv", "message"),
    [pytest.param(*row[1:], id=row[0]) for row in BAD_INPUTS],
)
def test_bad_input_is_one_line_with_the_fix(
    tmp_path, monkeypatch, files, argv, message
):
    """Check each bad input exits 1, prints nothing on stdout and says the words."""
    code, out, err = run(tmp_path, monkeypatch, files, argv)
    assert code == 1
    assert out == ""
    assert message in err


DECODED = [
    # (id, files, arguments, the labels CSV)
    (
        "blank-lines-at-both-ends",
        {"s.csv": "\n\n0.2\n0.8\n\n\n"},
        ["decode", "s.csv", "--classes", "a,b"],
        "label\na\nb\n",
    ),
    (
        "integer-scores",
        {"s.npy": np.array([0, 1, 1])},
        ["decode", "s.npy", "--classes", "a,b"],
        "label\na\nb\nb\n",
    ),
    (
        "integer-threshold",
        {"s.csv": "0.2\n0.8\n1.0\n", "t.json": "1"},
        ["decode", "s.csv", "--classes", "a,b", "--thresholds", "t.json"],
        "label\na\na\nb\n",
    ),
    (
        "named-pair-said-multilabel",
        {"s.csv": "no,yes\n0.8,0.2\n0.3,0.9\n"},
        ["decode", "s.csv", "--problem", "multilabel"],
        "labels\nno\nyes\n",
    ),
    (
        "named-pair-true-false",
        {"s.csv": "True,False\n0.8,0.2\n0.3,0.7\n"},
        ["decode", "s.csv"],
        "label\nTrue\nFalse\n",
    ),
    (
        "named-pair-of-floats",
        {"s.csv": "0.0,1.0\n0.8,0.2\n0.3,0.7\n"},
        ["decode", "s.csv", "--classes", "0.0,1.0"],
        "label\n0.0\n1.0\n",
    ),
]


@pytest.mark.parametrize(
    ("files", "argv", "expected"),
    [pytest.param(*row[1:], id=row[0]) for row in DECODED],
)
def test_decode_accepts_the_input(tmp_path, monkeypatch, files, argv, expected):
    """Check each accepted input decodes to exactly these labels."""
    code, out, err = run(tmp_path, monkeypatch, files, argv)
    assert (code, err) == (0, "")
    assert out == expected


REPORTED = [
    # (id, files, arguments, rows of the report, white space folded)
    (
        "one-column-and-a-named-indicator",
        {"s.csv": "p\n0.9\n0.1\n0.6\n", "y.csv": "neg,pos\n0,1\n1,0\n0,1\n"},
        ["report", "s.csv", "y.csv"],
        ["neg 1.00 1.00 1.00 1", "pos 1.00 1.00 1.00 2", "accuracy 1.00 3"],
    ),
    (
        "named-pair-with-indicator-labels-not-one-hot",
        {"s.csv": NAMED_PAIR, "y.csv": "no,yes\n1,1\n0,1\n"},
        ["report", "s.csv", "y.csv"],
        ["no 1.00 1.00 1.00 1", "yes 1.00 0.50 0.67 2", "samples avg", "yes:"],
    ),
    (
        "bool-labels-and-classes-in-lower-case",
        {"s.csv": "0.2\n0.8\n0.6\n", "y.csv": "y\nFalse\nTrue\nTrue\n"},
        ["report", "s.csv", "y.csv", "--classes", "false,true"],
        ["False 1.00 1.00 1.00 1", "True 1.00 1.00 1.00 2", "accuracy 1.00 3"],
    ),
    (
        "parquet-indicator-in-another-order",
        {
            "s.parquet": PARQUET_SCORES,
            "y.parquet": pd.DataFrame({"b": [0, 1, 1], "a": [1, 0, 1]}),
        },
        ["report", "s.parquet", "y.parquet"],
        ["a 1.00 1.00 1.00 2", "b 1.00 1.00 1.00 2", "samples avg", "b:"],
    ),
    (
        "parquet-label-sets-as-lists",
        {
            "s.parquet": PARQUET_SCORES,
            "y.parquet": pd.DataFrame({"labels": [["a"], ["b"], ["a", "b"]]}),
        },
        ["report", "s.parquet", "y.parquet"],
        ["a 1.00 1.00 1.00 2", "b 1.00 1.00 1.00 2", "samples avg", "b:"],
    ),
    (
        "parquet-label-sets-as-text",
        {
            "s.parquet": PARQUET_SCORES,
            "y.parquet": pd.DataFrame({"y": ["a", "b", "a|b"]}),
        },
        ["report", "s.parquet", "y.parquet"],
        ["a 1.00 1.00 1.00 2", "b 1.00 1.00 1.00 2", "samples avg", "b:"],
    ),
]


@pytest.mark.parametrize(
    ("files", "argv", "rows"),
    [pytest.param(*row[1:], id=row[0]) for row in REPORTED],
)
def test_report_accepts_the_input(tmp_path, monkeypatch, files, argv, rows):
    """Check each accepted input is reported with these rows."""
    code, out, err = run(tmp_path, monkeypatch, files, argv)
    assert (code, err) == (0, "")
    folded = " ".join(out.split())
    for row in rows:
        assert row in folded


@pytest.mark.parametrize(
    ("scoring", "name"),
    [
        ("fbeta=2", "FBeta(beta=2)"),
        ("cost=1,10", "Cost(fp=1, fn=10, tp=0, tn=0)"),
        ("recall_at_precision=0.9", "RecallAtPrecision(min_precision=0.9)"),
        ("precision_at_recall=0.9", "PrecisionAtRecall(min_recall=0.9)"),
    ],
)
def test_tune_reads_scoring_with_an_argument(tmp_path, monkeypatch, scoring, name):
    """Check --scoring name=value tunes for that objective and says so."""
    argv = ["tune", "s.csv", "y.csv", "--scoring", scoring]
    code, out, err = run(tmp_path, monkeypatch, BINARY, argv)
    assert code == 0
    saved = json.loads(out)
    assert saved["scoring"] == name
    assert (saved["pos_label"], saved["from_logits"]) == (1, False)
    assert f"tuned binary threshold for {name} (binary, positive class 1): " in err
