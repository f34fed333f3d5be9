"""The ``decode``, ``tune`` and ``report`` commands: files in, labels and reports out.

Scores and labels are read from ``.npy``, ``.csv`` or ``.parquet`` files, thresholds
from JSON (the file ``tune`` writes). Every problem with them is a
:class:`CommandError` whose one-line message names the file, the bad value, what was
expected and the fix; it is printed without a traceback, with exit status 1.

Files are precious: ``-o`` is checked before any work (never an input file, never a
directory, its directory must exist) and written atomically (a temporary file in the
same directory, then ``os.replace``), so a failed command leaves every file as it was.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import re
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import _objectives
from ._decode import decode
from ._reports import classification_report, confusion_matrix
from ._targets import PROBLEMS
from ._tune import tune_thresholds

LABEL_SEPARATOR = "|"  # multilabel label sets in one CSV cell: "sky|sea"
SETS_HEADER = "labels"  # the header `decode` writes over label sets
FORMATS = (".npy", ".csv", ".parquet")
MAX_JSON_BYTES = 10 * 1024 * 1024  # a thresholds file is a few hundred bytes
MAX_INT_DIGITS = 18  # larger integers in a thresholds file are not labels or values


class CommandError(Exception):
    """A problem with the command's input, reported as one line (exit status 1)."""


def _q(path: Any) -> str:
    return repr(str(path))


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _shown(values: Iterable[Any]) -> str:
    return "[" + ", ".join(repr(_py(v)) for v in values) + "]"


# --------------------------------------------------------------------- output files
def check_output(out: str | None, inputs: dict[str, str | None], example: str):
    """The real path that ``-o`` will be written to, checked before any work.

    Refused: an input file of the command (compared with ``os.path.samefile``, so
    links and other spellings of the same file count), a directory, a path whose
    directory does not exist or is not writable.
    """
    if out is None:
        return None
    if not out:
        raise CommandError(f"-o '' names no file; give a file name, e.g. -o {example}.")
    real = Path(os.path.realpath(out))
    if real.is_dir():
        raise CommandError(
            f"-o {out!r} is a directory; name a file, e.g. "
            f"-o {os.path.join(out, example)}."
        )
    parent = real.parent
    if not parent.is_dir():
        what = "is a file, not a directory" if parent.exists() else "does not exist"
        raise CommandError(
            f"-o {out!r}: the directory {str(parent)!r} {what}; create the directory "
            f"first or write to another path."
        )
    for what, given in inputs.items():
        if given is not None and _same_file(real, given):
            raise CommandError(
                f"-o {out!r} is the {what} file {given!r}; sklabels never writes over "
                f"its input. Write to another file, e.g. -o {example}."
            )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CommandError(
            f"-o {out!r}: the directory {str(parent)!r} is not writable; write to "
            f"another directory."
        )
    return real


def _same_file(real: Path, given: str) -> bool:
    try:
        return os.path.samefile(real, given)
    except OSError:  # one of them does not exist (yet)
        return real == Path(os.path.realpath(given))


def write_output(real: Path, text: str, shown: str) -> None:
    """Write ``text`` to ``real`` atomically: a temporary file, then a rename."""
    data = text.encode("utf-8")
    try:
        if real.exists() and not real.is_file():  # /dev/null, a FIFO: no rename
            with open(real, "wb") as stream:
                stream.write(data)
            return
        mode = _mode_for(real)
        fd, temp = tempfile.mkstemp(
            dir=real.parent, prefix=f".{real.name}.", suffix=".tmp"
        )
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temp, mode)
            os.replace(temp, real)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except OSError as exc:
        raise CommandError(
            f"cannot write -o {shown!r}: {exc.strerror or exc}; nothing was written."
        ) from None


def _mode_for(path: Path) -> int:
    """Keep the mode of a file being replaced; new files get 0o666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# ------------------------------------------------------------------------ CSV files
def _suffix(path: Path, what: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise CommandError(
            f"{what} file {_q(path)} has extension {suffix or '(none)'!r}; use a "
            f".npy, .csv or .parquet file."
        )
    if not path.is_file():
        raise CommandError(f"{what} file {_q(path)} does not exist.")
    return suffix


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


@dataclass
class _Csv:
    header: list[str] | None
    rows: list[list[str]]
    lines: list[int]  # the file line of each row, for messages


def _read_text(path: Path, what: str) -> str:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(
            f"cannot read {what} file {_q(path)}: {exc.strerror or exc}."
        ) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"{what} file {_q(path)} is not UTF-8 text (byte {exc.start} is "
            f"{data[exc.start : exc.start + 1]!r}); save it as UTF-8."
        ) from None


def _read_csv(path: Path, what: str, names: Sequence[Sequence[str]]) -> _Csv:
    """Rows of a CSV file, and its header.

    The first row is a header when its cells are the class names (``--classes``,
    the thresholds file's, or for a labels file the scores' column names; in any
    order), or when none of its cells is a number. So a header of numeric class
    names (``0,1``) is recognised when it names the classes. Blank lines at either
    end are ignored.
    """
    text = _read_text(path, what)
    rows: list[list[str]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            rows.append([cell.strip() for cell in row])  # [] for a blank line
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise CommandError(
            f"{what} file {_q(path)} is not valid CSV (line {reader.line_num}: {exc})."
        ) from None
    while rows and not rows[-1]:  # blank lines; a quoted "" is a value
        rows.pop(), lines.pop()
    while rows and not rows[0]:
        rows.pop(0), lines.pop(0)
    rows = [row or [""] for row in rows]  # a blank line inside: an empty value
    if not rows:
        raise CommandError(f"{what} file {_q(path)} is empty.")
    first = rows[0]
    header = None
    if any(_same_names(first, n) for n in names if n is not None) or not any(
        _is_number(cell) for cell in first
    ):
        header, rows, header_line = first, rows[1:], lines.pop(0)
        _check_header(header, path, what, header_line)
        if not rows:
            raise CommandError(
                f"{what} file {_q(path)} has a header row {header} and no data rows."
            )
    width = len(header) if header is not None else len(rows[0])
    for row, line in zip(rows, lines, strict=True):
        if len(row) != width:
            raise CommandError(
                f"{what} file {_q(path)} has rows of different lengths: line {line} "
                f"has {len(row)} cell(s), line {lines[0]} has {width}; every row needs "
                f"the same number of columns."
            )
    return _Csv(header, rows, lines)


def _same_names(row: list[str], names: Sequence[str]) -> bool:
    return len(row) == len(names) == len(set(row)) and set(row) == set(names)


def _check_header(header: list[str], path: Path, what: str, line: int) -> None:
    if "" in header:
        raise CommandError(
            f"{what} file {_q(path)} has an empty name in its header (line {line}, "
            f"column {header.index('') + 1}); name every column (an index column? "
            f"write the file with index=False)."
        )
    _check_distinct(header, f"{what} file {_q(path)}")


_HEADER_HINT = (
    "; a header row that mixes numbers and names is read as a header when it names "
    "the classes given with --classes"
)


def _check_distinct(names: list[str], where: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise CommandError(
                f"{where} names the column {name!r} twice; column names must be "
                f"distinct."
            )
        seen.add(name)


def _read_parquet(path: Path, what: str):
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a test dependency
        raise CommandError(
            'reading .parquet needs pandas and pyarrow: pip install "sklabels[parquet]"'
        ) from None
    try:
        frame = pd.read_parquet(path)
    except ImportError:
        raise CommandError(
            'reading .parquet needs pyarrow: pip install "sklabels[parquet]"'
        ) from None
    except Exception as exc:  # pyarrow raises its own types for corrupt files
        raise CommandError(f"cannot read {what} file {_q(path)}: {exc}") from None
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise CommandError(
            f"{what} file {_q(path)} holds {frame.shape[0]} rows and "
            f"{frame.shape[1]} columns; expected at least one of each."
        )
    names = [str(c) for c in frame.columns]
    _check_distinct(names, f"{what} file {_q(path)}")
    return frame, names


def _load_npy(path: Path, what: str) -> np.ndarray:
    try:
        values = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, TypeError) as exc:
        raise CommandError(f"cannot read {what} file {_q(path)}: {exc}") from None
    if not isinstance(values, np.ndarray):  # pragma: no cover - .npz by content
        raise CommandError(f"{what} file {_q(path)} does not hold one array.")
    return values


# ------------------------------------------------------------------------ scores
@dataclass
class ScoreFile:
    """A score matrix read from a file, and its column names when it has them."""

    path: str
    values: np.ndarray
    names: list[str] | None
    lines: list[int] | None = None  # CSV: the file line of each row

    @property
    def n_columns(self) -> int:
        return 1 if self.values.ndim == 1 else self.values.shape[1]

    def where(self, row: int) -> str:
        return f"line {self.lines[row]}" if self.lines else f"row {row}"


def read_scores(path_text: str, names: Sequence[Sequence[str]] = ()) -> ScoreFile:
    """The score matrix of a file, checked: numbers, finite, (n,) or (n, k)."""
    path = Path(path_text)
    suffix = _suffix(path, "scores")
    columns = lines = None
    if suffix == ".npy":
        values = _load_npy(path, "scores")
    elif suffix == ".csv":
        table = _read_csv(path, "scores", names)
        columns, lines = table.header, table.lines
        values = np.empty((len(table.rows), len(table.rows[0])), dtype=np.float64)
        for i, row in enumerate(table.rows):
            for j, cell in enumerate(row):
                try:
                    values[i, j] = float(cell)
                except ValueError:
                    raise CommandError(
                        f"scores file {path_text!r} holds {cell!r} on line "
                        f"{lines[i]}, column {j + 1}, which is not a number; scores "
                        f"must be numbers (one column per class, an optional header "
                        f"row of class names{_HEADER_HINT if i == 0 else ''})."
                    ) from None
    else:
        frame, columns = _read_parquet(path, "scores")
        bad = [
            c for c, t in zip(columns, frame.dtypes, strict=True) if t.kind not in "iuf"
        ]
        if bad:
            raise CommandError(
                f"scores file {path_text!r} has non-numeric column(s) {bad}; scores "
                f"must be numbers, one column per class."
            )
        values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    if values.dtype.kind not in "iuf" or values.ndim not in (1, 2) or not values.size:
        raise CommandError(
            f"scores file {path_text!r} holds an array of shape {values.shape} and "
            f"dtype {values.dtype}; expected numbers of shape (n_samples,) or "
            f"(n_samples, n_classes)."
        )
    scores = ScoreFile(path_text, values, columns, lines)
    if values.dtype.kind == "f":
        bad_cells = ~np.isfinite(values)
        if bad_cells.any():
            row, *col = np.argwhere(bad_cells)[0]
            value = values[(row, *col)]
            column = f", column {col[0] + 1}" if col else ""
            raise CommandError(
                f"scores file {path_text!r} holds {value} on {scores.where(row)}"
                f"{column}; scores must be finite numbers (probabilities, or logits "
                f"with --from-logits). Drop or fix that row."
            )
    return scores


def align_scores(scores: ScoreFile, classes: list) -> np.ndarray:
    """The scores with column ``j`` scoring ``classes[j]``: named columns by name."""
    values = scores.values
    k = scores.n_columns
    if k > 1 and k != len(classes):
        raise CommandError(
            f"scores file {scores.path!r} has {k} column(s) but {len(classes)} classes "
            f"{_shown(classes)} were given; name one class per column, in column order."
        )
    if scores.names is None or k == 1:
        return values
    text = [str(_py(c)) for c in classes]
    if set(text) != set(scores.names):
        raise CommandError(
            f"scores file {scores.path!r} has columns {scores.names} but the classes "
            f"are {text}; no column for {sorted(set(text) - set(scores.names))}, no "
            f"class for {sorted(set(scores.names) - set(text))}. Name the columns by "
            f"class (any order), or pass --classes with the column names."
        )
    order = [scores.names.index(t) for t in text]
    return values if order == list(range(k)) else values[:, order]


# ------------------------------------------------------------------------ labels
@dataclass
class LabelFile:
    """True labels read from a file.

    ``kind`` is ``"labels"`` (a 1-D array), ``"sets"`` (a list of tuples of label
    names) or ``"indicator"`` (a 0/1 int matrix, its columns named by ``names`` when
    the file has a header or schema).
    """

    path: str
    values: Any
    kind: str
    names: list[str] | None = None
    header: list[str] | None = None

    def __len__(self) -> int:
        return len(self.values)

    def distinct(self) -> list:
        """The distinct labels (single-label and label sets), in sorted order."""
        if self.kind == "labels":
            return [_py(v) for v in np.unique(self.values)]
        if self.kind == "sets":
            return sorted({v for labels in self.values for v in labels})
        return []


def read_labels(path_text: str, names: Sequence[Sequence[str]] = ()) -> LabelFile:
    """True labels: one column of labels, label sets ("a|b"), or a 0/1 indicator."""
    path = Path(path_text)
    suffix = _suffix(path, "labels")
    if suffix == ".npy":
        values = _load_npy(path, "labels")
        if values.dtype.kind not in "biufUS" or values.ndim not in (1, 2):
            raise CommandError(
                f"labels file {path_text!r} holds an array of shape {values.shape} "
                f"and dtype {values.dtype}; expected labels of shape (n_samples,) or "
                f"a 0/1 matrix of shape (n_samples, n_classes)."
            )
        if not len(values):
            raise CommandError(f"labels file {path_text!r} holds no labels.")
        if values.ndim == 2 and values.shape[1] > 1:
            return LabelFile(
                path_text, _indicator(values, None, path_text), "indicator"
            )
        values = values.reshape(-1)
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise CommandError(
                f"labels file {path_text!r} holds {values[row]} on row {row}, which is "
                f"not a label; drop that sample or give it its label."
            )
        return LabelFile(path_text, values, "labels")
    if suffix == ".csv":
        table = _read_csv(path, "labels", names)
        if len(table.rows[0]) > 1:
            matrix = _indicator_cells(table, path_text)
            return LabelFile(path_text, matrix, "indicator", table.header, table.header)
        cells = [row[0] for row in table.rows]
        header = table.header
        sets = (header is not None and header[0] == SETS_HEADER) or any(
            LABEL_SEPARATOR in cell for cell in cells
        )
        if sets:
            return LabelFile(path_text, _sets(cells), "sets", None, header)
        for cell, line in zip(cells, table.lines, strict=True):
            if not cell:
                raise CommandError(
                    f"labels file {path_text!r} has an empty label on line {line}; "
                    f"give every sample its label (label sets: write them as "
                    f"'a{LABEL_SEPARATOR}b' under a header {SETS_HEADER!r})."
                )
        return LabelFile(
            path_text,
            _typed_column(cells, table.lines, path_text),
            "labels",
            None,
            header,
        )
    frame, columns = _read_parquet(path, "labels")
    if frame.shape[1] > 1:
        values = frame.to_numpy()
        return LabelFile(
            path_text,
            _indicator(values, columns, path_text),
            "indicator",
            columns,
            columns,
        )
    return _parquet_column(frame.iloc[:, 0], path_text, columns)


def _sets(cells: list[str]) -> list[tuple]:
    return [tuple(x for x in cell.split(LABEL_SEPARATOR) if x) for cell in cells]


def _typed_column(cells: list[str], lines: list[int], path_text: str) -> np.ndarray:
    """Integers as int64, True/False as bool, other numbers as float64, else text."""
    ints = [_as_int(cell) for cell in cells]
    if all(v is not None for v in ints):
        if all(-(2**63) <= v < 2**63 for v in ints):
            return np.array(ints, dtype=np.int64)
        return np.array(cells)  # too large for int64: labels are names, keep the text
    if all(cell in ("True", "False") for cell in cells):
        return np.array([cell == "True" for cell in cells])
    floats = [_as_float(cell) for cell in cells]
    if all(v is not None for v in floats):
        for v, cell, line in zip(floats, cells, lines, strict=True):
            if not math.isfinite(v):
                raise CommandError(
                    f"labels file {path_text!r} holds {cell!r} on line {line}, which "
                    f"is a missing value, not a label; drop that sample or give it "
                    f"its label."
                )
        if not any(cell.lower() in ("nan", "inf", "-inf") for cell in cells):
            return np.array(floats, dtype=np.float64)
    return np.array(cells)


def _as_int(cell: str) -> int | None:
    return int(cell) if re.fullmatch(r"[+-]?\d+", cell) else None


def _as_float(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _float_or_nan(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _parquet_column(column, path_text: str, names: list[str]) -> LabelFile:
    missing = np.flatnonzero(column.isna().to_numpy())
    if len(missing):
        raise CommandError(
            f"labels file {path_text!r} has a missing label on row {int(missing[0])}; "
            f"give every sample its label."
        )
    kind = column.dtype.kind
    if kind in "biuf":
        values = column.to_numpy()
        if kind == "f" and not np.isfinite(values).all():
            row = int(np.flatnonzero(~np.isfinite(values))[0])
            raise CommandError(
                f"labels file {path_text!r} holds {values[row]} on row {row}, which "
                f"is not a label; drop that sample or give it its label."
            )
        return LabelFile(path_text, values, "labels", None, names)
    cells = column.tolist()
    if any(isinstance(v, list | tuple | set | frozenset | np.ndarray) for v in cells):
        sets = [tuple(str(x) for x in v) for v in cells]
        return LabelFile(path_text, sets, "sets", None, names)
    text = [str(v) for v in cells]
    if names[0] == SETS_HEADER or any(LABEL_SEPARATOR in cell for cell in text):
        return LabelFile(path_text, _sets(text), "sets", None, names)
    return LabelFile(path_text, np.array(text), "labels", None, names)


def _indicator_cells(table: _Csv, path_text: str) -> np.ndarray:
    """A 0/1 matrix from CSV cells; any other value names its line and column."""
    matrix = np.empty((len(table.rows), len(table.rows[0])), dtype=np.int64)
    for i, row in enumerate(table.rows):
        for j, cell in enumerate(row):
            value = _as_float(cell)
            if value not in (0.0, 1.0):
                column = table.header[j] if table.header else j + 1
                problem = "is empty" if not cell else f"holds {cell!r}"
                raise CommandError(
                    f"labels file {path_text!r} has several columns, read as a 0/1 "
                    f"indicator matrix, but line {table.lines[i]} (column "
                    f"{column!r}) {problem}. Write only 0 and 1 in indicator columns, "
                    f"or use one column of labels (label sets as "
                    f"'a{LABEL_SEPARATOR}b'){_HEADER_HINT if i == 0 else ''}."
                )
            matrix[i, j] = int(value)
    return matrix


def _indicator(
    values: np.ndarray, names: list[str] | None, path_text: str
) -> np.ndarray:
    """A 0/1 matrix from an array; any other value names its row and column."""
    if values.dtype.kind in "biuf":
        floats = values.astype(np.float64)
    else:  # text or objects (a parquet column of strings, missing values)
        floats = np.vectorize(_float_or_nan, otypes=[np.float64])(values)
    bad = ~np.isin(floats, (0.0, 1.0))
    if bad.any():
        row, col = (int(x) for x in np.argwhere(bad)[0])
        column = names[col] if names else col
        raise CommandError(
            f"labels file {path_text!r} has several columns, read as a 0/1 indicator "
            f"matrix, but row {row} (column {column!r}) holds "
            f"{_py(values[row, col])!r}. "
            f"Write only 0 and 1 in indicator columns, or use one column of labels."
        )
    return floats.astype(np.int64)


def align_labels(labels: LabelFile, classes: list, scores: ScoreFile) -> Any:
    """The labels, an indicator's columns matched to ``classes`` by name."""
    if labels.kind != "indicator":
        return labels.values
    k = labels.values.shape[1]
    text = [str(_py(c)) for c in classes]
    if labels.names is None:
        if k != len(classes):
            raise CommandError(
                f"labels file {labels.path!r} has {k} indicator columns but there are "
                f"{len(classes)} classes {text}; write one 0/1 column per class."
            )
        if scores.names is not None and scores.n_columns > 1 and scores.names != text:
            raise CommandError(
                f"labels file {labels.path!r} has unnamed indicator columns, but the "
                f"columns of scores file {scores.path!r} ({scores.names}) are not in "
                f"the order of the classes {text}; add a header row of class names "
                f"to the labels file."
            )
        return labels.values
    if set(labels.names) != set(text):
        raise CommandError(
            f"labels file {labels.path!r} has columns {labels.names} but the classes "
            f"are {text}; no column for {sorted(set(text) - set(labels.names))}, no "
            f"class for {sorted(set(labels.names) - set(text))}. Name one 0/1 column "
            f"per class."
        )
    order = [labels.names.index(t) for t in text]
    return labels.values[:, order]


# ------------------------------------------------------------------ thresholds file
class _BadNumber(ValueError):
    pass


@dataclass(frozen=True)
class _NonFinite:
    literal: str


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _BadNumber(f"a number with {digits} digits")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumber(f"the number {text[:24]}{'...' if len(text) > 24 else ''}")
    return value


@dataclass
class Saved:
    """What a thresholds file says."""

    path: str
    thresholds: Any = None
    classes: list | None = None
    problem: str | None = None
    pos_label: Any = None
    from_logits: bool | None = None


_SETTINGS = ("problem", "classes", "pos_label", "from_logits")


def read_thresholds(path_text: str | None) -> Saved | None:
    """The thresholds file: the JSON ``tune`` writes, a number, a list or a dict.

    Read with limits: at most 10 MB, UTF-8, numbers of at most 18 digits and finite
    (no ``NaN``/``Infinity``), thresholds in [0, 1] (multiclass ratios in (0, 1]).
    """
    if path_text is None:
        return None
    path = Path(path_text)
    where = f"thresholds file {path_text!r}"
    try:
        with open(path, "rb") as stream:
            data = stream.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise CommandError(f"cannot read {where}: {exc.strerror or exc}.") from None
    if len(data) > MAX_JSON_BYTES:
        raise CommandError(
            f"{where} is larger than {MAX_JSON_BYTES // 2**20} MB; a thresholds file "
            f"holds a few numbers. Pass the file `sklabels tune` wrote."
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"{where} is not UTF-8 text (byte {exc.start} is "
            f"{data[exc.start : exc.start + 1]!r}); pass the JSON file `sklabels tune` "
            f"wrote."
        ) from None
    try:
        raw = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_NonFinite,
        )
    except _BadNumber as exc:
        raise CommandError(
            f"{where} holds {exc}, too large for a threshold; thresholds are numbers "
            f"between 0 and 1."
        ) from None
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{where} is not valid JSON ({exc}); write a number, a list, a "
            f"{{label: value}} object, or the file `sklabels tune` writes."
        ) from None
    except RecursionError:
        raise CommandError(
            f"{where} nests lists or objects too deeply; a thresholds file is a "
            f"number, a list, a {{label: value}} object, or the file `sklabels tune` "
            f"writes."
        ) from None
    return _saved(raw, path_text)


def _saved(raw: Any, path_text: str) -> Saved:
    where = f"thresholds file {path_text!r}"
    saved = Saved(path_text)
    if isinstance(raw, dict) and "thresholds" in raw:
        problem = raw.get("problem")
        if problem is not None and problem not in PROBLEMS:
            raise CommandError(
                f"{where} has problem {problem!r}; expected one of {list(PROBLEMS)}."
            )
        saved.problem = problem
        classes = raw.get("classes")
        if classes is not None:
            if not isinstance(classes, list) or not classes:
                raise CommandError(
                    f"{where} has classes {_cut(classes)}; expected a list of labels."
                )
            for c in classes:
                _check_label(c, where, "classes")
            _check_distinct([f"{type(c).__name__}:{c}" for c in classes], where)
            saved.classes = classes
        if "pos_label" in raw and raw["pos_label"] is not None:
            saved.pos_label = _check_label(raw["pos_label"], where, "pos_label")
        from_logits = raw.get("from_logits")
        if from_logits is not None and not isinstance(from_logits, bool):
            raise CommandError(
                f"{where} has from_logits {_cut(from_logits)}; expected true or false."
            )
        saved.from_logits = from_logits
        saved.thresholds = _threshold_values(raw["thresholds"], where, "'thresholds'")
    elif isinstance(raw, dict):
        reserved = [key for key in _SETTINGS if key in raw]
        if reserved:
            raise CommandError(
                f"{where} has {reserved[0]!r} but no 'thresholds'; pass the file "
                f"`sklabels tune` wrote, unchanged."
            )
        saved.thresholds = _threshold_values(raw, where, "the object")
    else:
        saved.thresholds = _threshold_values(raw, where, "the file")
    _check_shape(saved, where)
    return saved


def _cut(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_label(value: Any, where: str, key: str) -> Any:
    if isinstance(value, _NonFinite) or not isinstance(value, str | int | float):
        raise CommandError(
            f"{where} has {_cut(value)} in {key!r}; labels are strings, integers or "
            f"true/false."
        )
    return value


def _threshold_values(value: Any, where: str, what: str) -> Any:
    if isinstance(value, dict):
        return {
            key: _threshold(v, where, f"{what}[{key!r}]") for key, v in value.items()
        }
    if isinstance(value, list):
        if not value:
            raise CommandError(
                f"{where}: {what} is an empty list; expected thresholds."
            )
        return [_threshold(v, where, f"{what}[{i}]") for i, v in enumerate(value)]
    return _threshold(value, where, what)


def _threshold(value: Any, where: str, what: str) -> float:
    if isinstance(value, _NonFinite):
        raise CommandError(
            f"{where}: {what} is {value.literal}, which is not a number; thresholds "
            f"are finite numbers between 0 and 1."
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CommandError(
            f"{where}: {what} is {_cut(value)}; expected a number between 0 and 1 (a "
            f"number, a list of numbers, or a {{label: number}} object)."
        )
    if not 0.0 <= value <= 1.0:
        raise CommandError(
            f"{where}: {what} is {value!r}, outside [0, 1]; thresholds are "
            f"probabilities (also with --from-logits) and multiclass ratios lie in "
            f"(0, 1]. Tune again or fix the value."
        )
    return float(value)


def _check_shape(saved: Saved, where: str) -> None:
    values = saved.thresholds
    flat = list(values.values()) if isinstance(values, dict) else np.ravel(values)
    if saved.problem == "multiclass" and any(v <= 0 for v in flat):
        raise CommandError(
            f"{where} holds a multiclass ratio of 0; multiclass thresholds are ratios "
            f"in (0, 1] (predict argmax p_k / t_k). Tune again."
        )
    if (
        isinstance(values, list)
        and saved.classes is not None
        and len(values) != (1 if saved.problem == "binary" else len(saved.classes))
    ):
        raise CommandError(
            f"{where} holds {len(values)} thresholds for the classes "
            f"{_shown(saved.classes)} of a {saved.problem or 'tuned'} problem; pass "
            f"the file `sklabels tune` wrote, unchanged."
        )


def _threshold_for(saved: Saved | None, classes: list) -> Any:
    """The file's thresholds, a {label: value} object keyed by the typed classes."""
    if saved is None:
        return None
    values = saved.thresholds
    if not isinstance(values, dict):
        return values
    by_text = {str(_py(c)): c for c in classes}
    unknown = [key for key in values if key not in by_text]
    if unknown:
        raise CommandError(
            f"thresholds file {saved.path!r} has thresholds for {unknown}, which are "
            f"not among the classes {_shown(classes)}; key the thresholds by class."
        )
    return {by_text[key]: value for key, value in values.items()}


# ---------------------------------------------------------------------- options
def parse_classes(text: str | None) -> list[str] | None:
    if text is None:
        return None
    classes = [c.strip() for c in text.split(",")]
    if any(not c for c in classes) or len(set(classes)) != len(classes):
        raise CommandError(
            f"--classes {text!r} must list distinct, non-empty names separated by "
            f"commas, e.g. --classes cat,dog,bird."
        )
    return classes


def parse_scoring(text: str) -> Any:
    """``f1``, ``mcc``, ... or ``fbeta=2``, ``cost=1,10`` (fp, fn),
    ``recall_at_precision=0.9``, ``precision_at_recall=0.9``."""
    name, _, argument = text.partition("=")
    try:
        if name == "fbeta":
            return _objectives.FBeta(float(argument))
        if name == "cost":
            fp, fn = (float(v) for v in argument.split(","))
            return _objectives.Cost(fp=fp, fn=fn)
        if name == "recall_at_precision":
            return _objectives.RecallAtPrecision(float(argument))
        if name == "precision_at_recall":
            return _objectives.PrecisionAtRecall(float(argument))
    except ValueError as exc:
        raise CommandError(f"--scoring {text!r}: {exc}") from None
    if argument or name not in _objectives.OBJECTIVES:
        raise CommandError(
            f"--scoring {text!r} is not known; use one of "
            f"{', '.join(sorted(_objectives.OBJECTIVES))}, or fbeta=2, cost=1,10, "
            f"recall_at_precision=0.9, precision_at_recall=0.9."
        )
    return name


def typed_classes(texts: list[str], labels: LabelFile | None) -> list:
    """Class names typed as the labels are: ``--classes 0,1`` with integer labels are
    the integers 0 and 1; names absent from the labels are converted to their type."""
    if labels is None or labels.kind == "indicator":
        return list(texts)
    by_text: dict[str, Any] = {}
    for value in labels.distinct():
        by_text.setdefault(str(value), value)
    kind = labels.values.dtype.kind if labels.kind == "labels" else "U"
    return [by_text[t] if t in by_text else _convert(t, kind) for t in texts]


def _convert(text: str, kind: str) -> Any:
    if kind in "iu" and _as_int(text) is not None:
        return int(text)
    if kind == "f" and _as_float(text) is not None:
        return float(text)
    if kind == "b" and text.lower() in ("true", "false", "1", "0"):
        return text.lower() in ("true", "1")
    return text


def typed_label(text: str, candidates: list, what: str) -> Any:
    """The one candidate whose text is ``text`` (``--pos-label 1`` is the class 1)."""
    matches = [c for c in candidates if str(_py(c)) == text]
    if not matches:
        lowered = [c for c in candidates if str(_py(c)).lower() == text.lower()]
        matches = lowered if len(lowered) == 1 else []
    if len(matches) != 1:
        raise CommandError(
            f"{what} {text!r} is not one of the classes {_shown(candidates)}; pass one "
            f"of them."
        )
    return matches[0]


def _ordered_pair(values: list) -> bool:
    """0/1, -1/1 or False/True: labels whose order says which one is positive."""
    order = [_order_value(v) for v in values]
    return None not in order and sorted(order) in ([0.0, 1.0], [-1.0, 1.0])


# ---------------------------------------------------------------------- settings
@dataclass
class Settings:
    """What a command decodes or tunes with, from the flags, the files and the
    thresholds file, checked for conflicts."""

    classes: list | None
    scores: np.ndarray
    truth: Any
    problem: str
    from_logits: bool
    pos_label: Any
    thresholds: Any


def resolve(
    args, scores: ScoreFile, labels: LabelFile | None, saved: Saved | None
) -> Settings:
    given = parse_classes(args.classes)
    classes: list | None = None
    if saved is not None and saved.classes is not None:
        if given is not None and [str(c) for c in saved.classes] != given:
            raise CommandError(
                f"thresholds file {saved.path!r} was tuned for classes "
                f"{_shown(saved.classes)} but --classes is {given}; tune again for "
                f"these classes, or pass the same --classes in the same order (or "
                f"none)."
            )
        classes = list(saved.classes)
    elif given is not None:
        classes = typed_classes(given, labels)
    k = scores.n_columns
    named = False  # the classes are the names of the score columns, in file order
    if classes is None and k > 1:
        if scores.names is None:
            headed = labels is not None and labels.names is not None
            note = (
                f" The header of labels file {labels.path!r} names the label columns, "
                f"not the score columns."
                if headed
                else ""
            )
            raise CommandError(
                f"--classes is required: scores file {scores.path!r} has {k} unnamed "
                f"columns; list the class each one scores, in column order (e.g. "
                f"--classes {','.join(_example_names(k))}), or use a .csv with a "
                f"header row or a .parquet file, with columns named by class.{note}"
            )
        classes = typed_classes(scores.names, labels)
        named = True
    if classes is None and labels is not None and labels.names is not None:
        classes = list(labels.names)  # one score column: an indicator names the two
    values = scores.values if classes is None else align_scores(scores, classes)
    truth = None
    if labels is not None:
        truth = (
            labels.values if classes is None else align_labels(labels, classes, scores)
        )
        if len(labels) != len(scores.values):
            header = (
                f" (its first row {labels.header} was read as a header: a first row "
                f"is a header when it names the classes or holds no number)"
                if labels.header is not None
                else ""
            )
            raise CommandError(
                f"scores file {scores.path!r} has {len(scores.values)} rows but labels "
                f"file {labels.path!r} has {len(labels)}{header}; the files must "
                f"describe the same samples in the same order."
            )
    problem = args.problem
    if saved is not None and saved.problem is not None:
        if problem not in ("auto", saved.problem):
            raise CommandError(
                f"--problem {problem} conflicts with thresholds file {saved.path!r}, "
                f"tuned for a {saved.problem} problem; drop --problem (the file says "
                f"it), or tune again with --problem {problem}."
            )
        problem = saved.problem
    from_logits = args.from_logits
    if saved is not None and saved.from_logits is not None:
        if from_logits is not None and from_logits != saved.from_logits:
            flag = "--from-logits" if from_logits else "--no-from-logits"
            said = "logits" if saved.from_logits else "probabilities"
            raise CommandError(
                f"{flag} conflicts with thresholds file {saved.path!r}, tuned on "
                f"{said}; drop {flag} (the file says it), or tune again on scores of "
                f"the same kind."
            )
        from_logits = saved.from_logits
    from_logits = bool(from_logits)
    thresholds = None if saved is None else _threshold_for(saved, classes or [])
    pos_label = _pos_label(args, scores, labels, saved, classes)
    if (
        pos_label is None
        and named
        and len(classes) == 2
        and _is_binary(problem, labels, truth, values, classes, from_logits)
    ):
        # Two columns named in a file: their order is no statement about which class
        # is positive (permuting named columns never changes the labels).
        pos_label = _larger_of_pair(classes, scores)
    return Settings(classes, values, truth, problem, from_logits, pos_label, thresholds)


def _example_names(k: int) -> list[str]:
    names = ["cat", "dog", "bird"] if k <= 3 else [f"class{j}" for j in range(3)]
    return names[:k] if k <= 3 else [*names, "..."]


def _is_binary(problem, labels, truth, values, classes, from_logits) -> bool:
    """Whether two classes make a binary problem (else: two labels, multilabel)."""
    if problem != "auto":
        return problem == "binary"
    if labels is not None:
        if labels.kind == "indicator":
            return bool((np.asarray(truth).sum(axis=1) == 1).all())  # one-hot
        return labels.kind == "labels"
    try:  # what decode infers from the scores (rows that sum to 1: binary)
        labels_out = decode(values, classes, from_logits=from_logits)
    except (ValueError, TypeError):
        return False  # decode itself will explain
    return not isinstance(labels_out, list)


def _larger_of_pair(classes: list, scores: ScoreFile) -> Any:
    """The larger of 0/1, -1/1 or False/True class names; else ask for --pos-label."""
    order = [_order_value(c) for c in classes]
    if None not in order and sorted(order) in ([0.0, 1.0], [-1.0, 1.0]):
        return classes[int(np.argmax(order))]
    raise CommandError(
        f"which class is positive? Scores file {scores.path!r} names its two columns "
        f"{scores.names}, and their order says nothing about it (only 0/1, -1/1 and "
        f"False/True do). Pass --pos-label (one of {scores.names}), or --classes "
        f"negative,positive in that order."
    )


def _order_value(value: Any) -> float | None:
    """0/1, -1/1, False/True (also as text) as numbers; None for other labels."""
    value = _py(value)
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        if value in ("True", "False"):
            return float(value == "True")
        return float(value) if _as_int(value) is not None else None
    return None


def _pos_label(args, scores, labels, saved, classes) -> Any:
    """``--pos-label`` typed as the classes, checked against the thresholds file and
    against a single score column named by a class."""
    if classes is not None:
        candidates = list(classes)
    elif labels is not None:
        candidates = labels.distinct()
    else:
        candidates = []
    pos = None
    if args.pos_label is not None:
        if candidates:
            pos = typed_label(args.pos_label, candidates, "--pos-label")
        else:
            pos = args.pos_label
    if saved is not None and saved.pos_label is not None:
        if pos is not None and str(_py(pos)) != str(saved.pos_label):
            raise CommandError(
                f"--pos-label {args.pos_label} conflicts with thresholds file "
                f"{saved.path!r}, tuned with the positive class {saved.pos_label!r}; "
                f"drop --pos-label (the file says it), or tune again with this one."
            )
        if pos is None:
            pos = saved.pos_label
    # A single score column named by a class is the score of that class.
    if scores.names is not None and scores.n_columns == 1 and candidates:
        named = [c for c in candidates if str(_py(c)) == scores.names[0]]
        if named:
            if pos is not None and str(_py(pos)) != scores.names[0]:
                raise CommandError(
                    f"scores file {scores.path!r} has one column, named "
                    f"{scores.names[0]!r}, but the positive class is {_py(pos)!r}; "
                    f"a single column is the score of the positive class. Rename the "
                    f"column or change --pos-label."
                )
            pos = named[0]
    if (
        pos is None
        and scores.n_columns == 1
        and classes is None
        and labels is not None
        and labels.kind == "labels"
        and len(candidates) == 2
    ):
        order = [_order_value(c) for c in candidates]
        if _ordered_pair(candidates):  # the larger of 0/1, -1/1, False/True
            return candidates[int(np.argmax(order))]
        raise CommandError(
            f"which class does the single score column of {scores.path!r} score? The "
            f"labels in {labels.path!r} are {_shown(candidates)}, whose order says "
            f"nothing about it (only 0/1, -1/1 and False/True do). Pass --pos-label, "
            f"e.g. --pos-label {_py(candidates[-1])}, or --classes negative,positive "
            f"in that order."
        )
    return pos


# ---------------------------------------------------------------------- output
_API_WORDS = (
    (re.compile(r"\bfrom_logits=True\b"), "--from-logits"),
    (re.compile(r"\bpos_label="), "--pos-label "),
    (re.compile(r"\bproblem='(\w+)'"), r"--problem \1"),
    (re.compile(r"\bproblem="), "--problem "),
    (re.compile(r"\bclasses=\[([^\]]*)\]"), lambda m: "--classes " + _csv_list(m[1])),
    (re.compile(r"\bclasses="), "--classes "),
)


def _csv_list(text: str) -> str:
    return ",".join(part.strip().strip("'\"") for part in text.split(","))


def cli_words(message: str) -> str:
    """A library message in command-line words: ``pos_label=`` is ``--pos-label``."""
    for pattern, replacement in _API_WORDS:
        message = pattern.sub(replacement, message)
    return message


def _api(context: str, function: Callable, *args: Any, **kwargs: Any) -> Any:
    """Call the library; its ValueError/TypeError become one line naming the files."""
    try:
        return function(*args, **kwargs)
    except (ValueError, TypeError) as exc:
        raise CommandError(f"{context}: {cli_words(str(exc))}") from None


def labels_text(labels: Any) -> str:
    """One label per row in a ``label`` column (multilabel: "a|b" in ``labels``)."""
    multilabel = isinstance(labels, list)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([SETS_HEADER if multilabel else "label"])
    for value in labels:
        if multilabel:
            writer.writerow([LABEL_SEPARATOR.join(str(v) for v in value)])
        else:
            writer.writerow([_py(value)])
    return buffer.getvalue()


def _finite(value: Any) -> Any:
    """JSON-safe: non-finite floats become null (JSON has no NaN or Infinity)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# --------------------------------------------------------------------- commands
def run_decode(args) -> int:
    out = check_output(
        args.output,
        {"scores": args.scores, "thresholds": args.thresholds},
        "labels.csv",
    )
    saved = read_thresholds(args.thresholds)
    names = [parse_classes(args.classes), *_text_names(saved)]
    scores = read_scores(args.scores, names)
    s = resolve(args, scores, None, saved)
    if s.classes is None:
        raise CommandError(
            f"--classes is required: scores file {args.scores!r} does not name its "
            f"columns. List the class names in column order, e.g. --classes cat,dog "
            f"(a single column: negative,positive)."
        )
    labels = _api(
        f"scores file {args.scores!r}",
        decode,
        s.scores,
        s.classes,
        problem=s.problem,
        threshold=s.thresholds,
        from_logits=s.from_logits,
        pos_label=s.pos_label,
    )
    text = labels_text(labels)
    if out is None:
        sys.stdout.write(text)
    else:
        write_output(out, text, args.output)
    return 0


def _text_names(saved: Saved | None) -> list[list[str]]:
    if saved is None or saved.classes is None:
        return []
    return [[str(c) for c in saved.classes]]


def _read_pair(args, saved: Saved | None) -> tuple[ScoreFile, LabelFile]:
    given = parse_classes(args.classes)
    scores = read_scores(args.scores, [given, *_text_names(saved)])
    names = [given, *_text_names(saved), scores.names]
    labels = read_labels(args.labels, names)
    return scores, labels


def run_tune(args) -> int:
    out = check_output(
        args.output,
        {"scores": args.scores, "labels": args.labels},
        "thresholds.json",
    )
    scoring = parse_scoring(args.scoring)
    scores, labels = _read_pair(args, None)
    s = resolve(args, scores, labels, None)
    context = f"scores file {args.scores!r} with labels file {args.labels!r}"
    result = _api(
        context,
        tune_thresholds,
        s.truth,
        s.scores,
        problem=s.problem,
        classes=s.classes,
        pos_label=s.pos_label,
        scoring=scoring,
        average=args.average,
        from_logits=s.from_logits,
    )
    summary = result.to_dict()
    summary["pos_label"] = _py(result.pos_label) if result.problem == "binary" else None
    summary["from_logits"] = s.from_logits
    text = json.dumps(_finite(summary), indent=2, allow_nan=False) + "\n"
    pred = _api(
        context,
        decode,
        s.scores,
        result.classes,
        problem=result.problem,
        threshold=result.thresholds,
        from_logits=s.from_logits,
        pos_label=result.pos_label if result.problem == "binary" else None,
    )
    report = _api(
        context,
        classification_report,
        s.truth,
        pred,
        classes=result.classes,
        problem=result.problem,
        zero_division=0,
    )
    if result.problem == "binary":
        how = f"binary, positive class {_py(result.pos_label)!r}"
        what = "threshold"
    else:
        how, what = result.average, "thresholds"
    summary_line = (
        f"tuned {result.problem} {what} for {result.scoring} ({how}): "
        f"{result.start_score:.4f} at the defaults -> {result.best_score:.4f} tuned, "
        f"on {len(s.scores)} samples"
    )
    if out is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        print(summary_line, report, sep="\n", file=sys.stderr)
    else:
        write_output(out, text, args.output)
        print(summary_line, report, sep="\n")
    return 0


def run_report(args) -> int:
    saved = read_thresholds(args.thresholds)
    scores, labels = _read_pair(args, saved)
    s = resolve(args, scores, labels, saved)
    if s.classes is None:
        if scores.n_columns == 1 and labels.kind == "labels":
            s.classes = labels.distinct()  # a single column: the labels' two classes
        else:
            raise CommandError(
                f"--classes is required: scores file {args.scores!r} does not name "
                f"its columns. List the class names in column order, e.g. --classes "
                f"negative,positive."
            )
    problem = s.problem
    if problem == "auto":  # the labels say what kind of problem this is
        problem = _problem_of(labels, s.truth, s.classes)
    context = f"scores file {args.scores!r} with labels file {args.labels!r}"
    pred = _api(
        context,
        decode,
        s.scores,
        s.classes,
        problem=problem,
        threshold=s.thresholds,
        from_logits=s.from_logits,
        pos_label=s.pos_label,
    )
    problem = "multilabel" if isinstance(pred, list) else problem
    report = _api(
        context,
        classification_report,
        s.truth,
        pred,
        classes=s.classes,
        problem=problem,
        zero_division=0,
    )
    matrix = _api(
        context, confusion_matrix, s.truth, pred, classes=s.classes, problem=problem
    )
    print(report)
    if isinstance(matrix, dict):
        for label, table in matrix.items():
            print(f"{label}:\n{_text(table)}\n")
    else:
        print(_text(matrix))
    return 0


def _problem_of(labels: LabelFile, truth: Any, classes: list) -> str:
    """The problem kind the labels describe (as ``fit`` infers it from ``y``)."""
    if labels.kind == "sets":
        return "multilabel"
    if labels.kind == "indicator":
        if (np.asarray(truth).sum(axis=1) == 1).all():  # one-hot
            return "binary" if len(classes) == 2 else "multiclass"
        return "multilabel"
    return "binary" if len(classes) == 2 else "multiclass"


def _text(table: Any) -> str:
    if hasattr(table, "to_string"):
        return table.to_string()
    width = max(len(str(c)) for c in [*table.columns, *table.index]) + 2
    lines = ["".join(f"{c!s:>{width}}" for c in ["", *table.columns])]
    for name, row in zip(table.index, table.values, strict=True):
        cells = [f"{v:>{width}.4g}" if not math.isnan(v) else "" for v in row]
        lines.append(f"{name!s:>{width}}" + "".join(cells))
    return "\n".join(lines)
