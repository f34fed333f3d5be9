"""CSV files of numbers read, and labels written, a column at a time, not by cell.

The line-by-line reader of ``_cli_files`` (Python's ``csv`` module and ``float`` per
cell) stays the judge of every file: it decides what a valid file is and words every
error. This module only makes the common case fast. It reads the header row the way
that reader does, parses the numbers with a columnar parser (``pyarrow.csv``, else
NumPy's C ``loadtxt``), and hands the file back (returns ``None``) at the first sign of
anything the parser might read differently: a cell it cannot parse, a blank or
multi-line row, rows of different lengths, a quoted header cell spanning lines. Then
the line-by-line reader reads the file and gives the same numbers or its error with
the line number. Both parsers round decimal text to the nearest double, as ``float``
does, so the numbers are the same either way (tests compare them cell for cell).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ._cli_files import is_header_row, python_value, read_bytes

_BOM = b"\xef\xbb\xbf"


def numeric_csv(
    path: Any, where: str, names: Sequence[Sequence[str]], least: int = 1
) -> tuple[np.ndarray, list[str] | None, range] | None:
    """``(values, header, lines)`` of a CSV file of numbers, or ``None``.

    ``values`` is a float64 ``(n, k)`` matrix, ``header`` the stripped header cells
    (``None`` without a header row) and ``lines`` the file line of each row. ``None``
    means: read the file line by line (it is unusual, or invalid, or has fewer than
    ``least`` columns).
    """
    data = read_bytes(path, where)
    start = len(_BOM) if data.startswith(_BOM) else 0
    line = 1
    while data[start : start + 1] in (b"\n", b"\r"):  # blank lines before the rows
        if data[start : start + 2] == b"\r\n":
            start += 1
        elif data[start : start + 1] == b"\r":
            return None  # an old Mac line end: lines are counted line by line
        start += 1
        line += 1
    first = _first_row(data, start)
    if first is None:
        return None
    cells, after = first
    if len(cells) < least:
        return None
    header = cells if is_header_row(cells, names) else None
    if header is not None:
        start, line = after, line + 1
        if "" in header or len(set(header)) != len(header):
            return None  # the line-by-line reader says what is wrong with it
    end = len(data)
    while end > start and data[end - 1 : end] in (b"\n", b"\r"):
        end -= 1  # blank lines after the rows
    if end <= start:
        return None
    rows = data.count(b"\n", start, end) + 1
    parsed = _parse(memoryview(data)[start:end], len(cells))
    del data  # the text, before the numbers are copied into one matrix
    if parsed is None or len(parsed) != rows:
        return None  # a blank line or a quoted line break: rows are not lines
    return _matrix(parsed), header, range(line, line + rows)


def _first_row(data: bytes, start: int) -> tuple[list[str], int] | None:
    """The stripped cells of the row at ``start`` and where the next line begins."""
    stop = data.find(b"\n", start)
    stop = len(data) if stop < 0 else stop + 1
    raw = data[start:stop]
    if raw.count(b'"') % 2 or b"\r" in raw.rstrip(b"\r\n"):
        return None  # a quoted cell going on below, or an old Mac line end
    try:
        rows = list(csv.reader([raw.decode("utf-8").rstrip("\r\n")]))
    except (UnicodeDecodeError, csv.Error):
        return None
    if len(rows) != 1:
        return None
    return [cell.strip() for cell in rows[0]], stop


def _parse(body: memoryview, width: int) -> Any:
    """The numbers of CSV text without header, blank ends or BOM (a pyarrow table or
    a matrix); ``None`` if any cell is not a plain number or a row has another
    width."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return _parse_loadtxt(body, width)
    return _parse_arrow(body, width)


def _parse_arrow(body: memoryview, width: int) -> Any:
    import pyarrow as pa
    from pyarrow import csv as pacsv

    names = [f"c{j}" for j in range(width)]
    try:
        table = pacsv.read_csv(
            pa.py_buffer(body),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(
                newlines_in_values=False, ignore_empty_lines=False
            ),
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.float64()),
                null_values=[],
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
                include_columns=names,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        # Not a file the columnar parser vouches for: the caller reads it line by
        # line, which gives the same numbers or the error with its line number.
        return None
    return table


def _matrix(parsed: Any) -> np.ndarray:
    """A float64 ``(n, k)`` matrix of a parsed table."""
    if isinstance(parsed, np.ndarray):
        return parsed
    values = np.empty((parsed.num_rows, parsed.num_columns))
    for j in range(parsed.num_columns):
        values[:, j] = parsed.column(j).to_numpy()
    return values


def _parse_loadtxt(body: memoryview, width: int) -> np.ndarray | None:
    stream = io.TextIOWrapper(io.BytesIO(body), encoding="utf-8", newline="")
    try:
        values = np.loadtxt(
            stream,
            delimiter=",",
            comments=None,
            quotechar='"',
            dtype=np.float64,
            ndmin=2,
        )
    except (ValueError, UnicodeDecodeError):
        return None
    return values if values.shape[1] == width else None


# ------------------------------------------------------------------------- writing
def label_rows(labels: Any, render: Callable[[Any], str]) -> str:
    """The CSV rows of ``labels``, each distinct label rendered once by ``render``
    (one row's text, line end included) and looked up for every row.

    Labels are told apart by type and value (``1``, ``1.0`` and ``True`` are equal
    in Python but written differently), floats by their text (``-0.0``).
    """
    if isinstance(labels, np.ndarray) and labels.dtype.kind in "biuUS":
        values = labels.tolist()  # one Python type: the values alone tell them apart
        keys = values
    else:
        values = labels.tolist() if isinstance(labels, np.ndarray) else list(labels)
        keys = [_typed(value) for value in values]
    rows: dict = {}
    for key, value in zip(keys, values, strict=True):
        if key not in rows:
            rows[key] = render(value)
    return "".join([rows[key] for key in keys])


def _typed(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_typed(v) for v in value)
    if isinstance(value, float | np.floating):
        return type(value), repr(value)
    return type(value), value


def csv_row(values: list) -> str:
    """One CSV row as Python's ``csv`` module writes it, ending in a line feed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([python_value(v) for v in values])
    return buffer.getvalue()
