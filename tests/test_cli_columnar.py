"""The columnar CSV reader and label writer of the command line against the
line-by-line ones: same numbers, header, line numbers, errors and output bytes."""

import csv
import io
from unittest import mock

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sklabels import _cli_columnar
from sklabels._cli_columnar import label_rows, numeric_csv
from sklabels._cli_files import CommandError
from sklabels._cli_labels import _labels_text_by_row, labels_text, read_labels
from sklabels._cli_scores import read_scores

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

# Cells a score file may hold: plain numbers, numbers in other spellings (which
# Python's float reads and a columnar parser may not), and things that are not.
NUMBERS = ["0", "1", "0.25", "-3.5e-7", "1E3", ".5", "5.", "+0.125", "-0", "7e-310"]
ODD = [" 0.5", "0.5 ", '"0.5"', '" 0.5 "', "1_000", "nan", "inf", "-Infinity", "NaN"]
BAD = ["", "a", "0.5.1", "1e", "--1", "0x10", "true", '""', "\u0661", "0,5"]
NAMES = ["cat", "dog", "0", "1", " bird ", '"a,b"', ""]
ENDS = ["\n", "\r\n"]


@st.composite
def csv_texts(draw):
    """Text of a CSV file of scores, mostly valid, sometimes odd or broken."""
    width = draw(st.integers(1, 4))
    n = draw(st.integers(1, 6))
    cells = st.sampled_from(NUMBERS) | st.sampled_from(ODD + BAD)
    if draw(st.booleans()):
        cells = st.sampled_from(NUMBERS)  # valid files are the common case
    rows = [[draw(cells) for _ in range(width)] for _ in range(n)]
    if draw(st.booleans()):
        header = draw(st.lists(st.sampled_from(NAMES), min_size=width, max_size=width))
        rows.insert(0, header)
    if draw(st.integers(0, 5)) == 0 and len(rows) > 1:  # a ragged row
        rows[draw(st.integers(0, len(rows) - 1))].append("0.5")
    end = draw(st.sampled_from(ENDS))
    lines = [",".join(row) for row in rows]
    if draw(st.integers(0, 5)) == 0:  # a blank line inside
        lines.insert(draw(st.integers(1, len(lines))), "")
    text = end.join(lines)
    before = draw(st.sampled_from(["", "\n", "\r\n\n", "\ufeff", "\ufeff\n"]))
    after = draw(st.sampled_from(["", end, end * 3]))
    return before + text + after


def line_by_line(path, names=()):
    """What the command read before the columnar reader: the line-by-line reader."""
    with mock.patch("sklabels._cli_scores.numeric_csv", return_value=None):
        return read_scores(str(path), names)


def outcome(read, path, names=()):
    try:
        scores = read(path, names)
    except CommandError as exc:
        return "error", str(exc)
    lines = None if scores.lines is None else list(scores.lines)
    return scores.values.tolist(), scores.names, lines


def by_cells(path, names=()):
    return read_scores(str(path), names)


@pytest.mark.parametrize("parser", ["arrow", "loadtxt"])
@SETTINGS
@given(text=csv_texts(), given_names=st.sampled_from([(), (["cat", "dog"],)]))
def test_columnar_reader_agrees_with_line_by_line(tmp_path, parser, text, given_names):
    """Check values, header, line numbers and error messages equal the old reader's."""
    path = tmp_path / "scores.csv"
    path.write_bytes(text.encode("utf-8"))
    with mock.patch.object(_cli_columnar, "_parse", PARSERS[parser]):
        got = outcome(by_cells, path, given_names)
    want = outcome(line_by_line, path, given_names)
    assert got == want
    if got[0] != "error":  # the same floats, bit for bit (-0.0 included)
        new = read_scores(str(path), given_names).values
        old = line_by_line(path, given_names).values
        assert new.tobytes() == old.tobytes()


PARSERS = {
    "arrow": _cli_columnar._parse_arrow,
    "loadtxt": _cli_columnar._parse_loadtxt,
}


def test_columnar_reader_takes_plain_files(tmp_path):
    """Check the columnar reader, not the fallback, reads the common files."""
    rng = np.random.default_rng(0)
    values = rng.random((50, 3)).astype(np.float32).astype(np.float64)
    for header, end in [("a,b,c", "\n"), (None, "\r\n")]:
        rows = [",".join(repr(v) for v in row) for row in values.tolist()]
        text = end.join(([header] if header else []) + rows) + end
        path = tmp_path / "s.csv"
        path.write_text(text, newline="")
        for parse in PARSERS.values():
            with mock.patch.object(_cli_columnar, "_parse", parse):
                read = numeric_csv(path, "scores file", ())
            assert read is not None
            got, names, lines = read
            np.testing.assert_array_equal(got, values)
            assert names == (header.split(",") if header else None)
            assert list(lines) == list(range(2 if header else 1, 52 if header else 51))


def test_errors_keep_line_numbers(tmp_path):
    """Check a bad cell or a non-finite value is reported on its file line."""
    path = tmp_path / "s.csv"
    path.write_text("\na,b\n0.1,0.9\n0.2,x\n")
    with pytest.raises(CommandError, match="'x' on line 4, column 2"):
        read_scores(str(path))
    path.write_text("a,b\n0.1,0.9\n\n0.2,0.8\n")
    with pytest.raises(CommandError, match="line 3 has 1 cell"):
        read_scores(str(path))
    path.write_text("a,b\n0.1,0.9\n0.2,0.8\n0.3,nan\n")
    with pytest.raises(CommandError, match="nan on line 4, column 2"):
        read_scores(str(path))


# ------------------------------------------------------------------------- writing
LABELS = [
    np.array(["cat", "dog", "cat", "a,b", 'say "hi"', ""]),
    np.array([0, 1, 1, 0, 2]),
    np.array([True, False, True]),
    np.array([0.5, -0.0, 0.0, 1.5, 0.5]),
    np.array([1, True, 1.0, "1", None, np.nan], dtype=object),
    [("cat", "dog"), (), ("cat",), ("cat", "dog"), ("a,b", "c")],
    [(1, 2), (1.0, 2), (True,), (1,)],
]


@pytest.mark.parametrize("labels", LABELS, ids=range(len(LABELS)))
def test_label_text_equals_row_by_row(labels):
    """Check the labels written once per distinct label equal the row-by-row CSV."""
    text = labels_text(labels)
    assert text == _labels_text_by_row(labels)
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == len(labels) + 1


def test_label_rows_unhashable_falls_back():
    """Check unhashable labels are written row by row."""
    labels = np.empty(2, dtype=object)
    labels[0], labels[1] = [1], [2]
    with pytest.raises(TypeError):
        label_rows(labels, str)
    assert labels_text(labels) == _labels_text_by_row(labels)


@st.composite
def indicator_texts(draw):
    """Text of a labels CSV: 0/1 columns (sometimes other cells), maybe a header."""
    width = draw(st.integers(1, 4))
    n = draw(st.integers(1, 6))
    cells = st.sampled_from(["0", "1", "1.0", "-0", " 1", "1e0"])
    if draw(st.booleans()):
        cells = cells | st.sampled_from(["2", "0.5", "", "x", "nan", "a|b"])
    rows = [[draw(cells) for _ in range(width)] for _ in range(n)]
    if draw(st.booleans()):
        rows.insert(0, draw(st.permutations(["cat", "dog", "eel", "ant"]))[:width])
    return "\n".join(",".join(row) for row in rows) + "\n"


@SETTINGS
@given(text=indicator_texts())
def test_columnar_indicator_agrees_with_line_by_line(tmp_path, text):
    """Check indicator labels (values, names, errors) equal the old reader's."""
    path = tmp_path / "labels.csv"
    path.write_text(text)

    def read(names=()):
        try:
            labels = read_labels(str(path), names)
        except CommandError as exc:
            return "error", str(exc)
        values = labels.values
        values = values.tolist() if isinstance(values, np.ndarray) else values
        dtype = getattr(labels.values, "dtype", None)
        return values, dtype, labels.kind, labels.names, labels.header

    for names in [(), (["dog", "cat"],)]:
        got = read(names)
        with mock.patch("sklabels._cli_labels.numeric_csv", return_value=None):
            assert got == read(names)


def typed_column_by_cell(cells, lines, path_text):
    """How a column of labels was typed before distinct cells were read once."""
    from sklabels._cli_files import as_float, as_int

    ints = [as_int(cell) for cell in cells]
    if all(v is not None for v in ints):
        if all(-(2**63) <= v < 2**63 for v in ints):
            return np.array(ints, dtype=np.int64)
        return np.array(cells)
    if all(cell in ("True", "False") for cell in cells):
        return np.array([cell == "True" for cell in cells])
    floats = [as_float(cell) for cell in cells]
    if all(v is not None for v in floats):
        for v, cell, line in zip(floats, cells, lines, strict=True):
            if not np.isfinite(v):
                raise CommandError(
                    f"labels file {path_text!r} holds {cell!r} on line {line}, which "
                    f"is a missing value, not a label; drop that sample or give it "
                    f"its label."
                )
        if not any(cell.lower() in ("nan", "inf", "-inf") for cell in cells):
            return np.array(floats, dtype=np.float64)
    return np.array(cells)


LABEL_CELLS = ["1", "2", "-3", "007", "+4", "True", "False", "0.5", "-0.0", "1e3"]
LABEL_CELLS += ["nan", "inf", "NaN", "1e400", "cat", "99999999999999999999", "\u0663"]


@SETTINGS
@given(st.lists(st.sampled_from(LABEL_CELLS), min_size=1, max_size=12))
def test_typed_column_reads_distinct_cells_as_each_cell(cells):
    """Check typing each distinct label once gives the per-cell result or error."""
    from sklabels._cli_labels import _typed_column

    lines = list(range(2, 2 + len(cells)))

    def result(function):
        try:
            values = function(cells, lines, "y.csv")
        except CommandError as exc:
            return str(exc)
        return values.dtype, values.tobytes()

    assert result(_typed_column) == result(typed_column_by_cell)
