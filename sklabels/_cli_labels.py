"""Labels files of the command line: the true labels it reads (one column of labels,
label sets as ``"a|b"``, or a 0/1 indicator matrix) and the labels CSV ``decode``
writes, in the same format.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._cli_columnar import csv_row, label_rows, numeric_csv
from ._cli_files import (
    HEADER_HINT,
    CommandError,
    CsvTable,
    ScoreFile,
    as_float,
    as_int,
    checked_suffix,
    column_order,
    load_npy,
    python_value,
    read_csv,
    read_parquet,
)

LABEL_SEPARATOR = "|"  # multilabel label sets in one CSV cell: "sky|sea"
SETS_HEADER = "labels"  # the header `decode` writes over label sets


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
            return [python_value(v) for v in np.unique(self.values)]
        if self.kind == "sets":
            return sorted({v for labels in self.values for v in labels})
        return []


def labels_text(labels: Any) -> str:
    """One label per row in a ``label`` column (multilabel: "a|b" in ``labels``).

    Each distinct label (or label set) is written once by Python's ``csv`` module,
    then repeated for its rows; row by row only where labels cannot be told apart.
    """
    multilabel = isinstance(labels, list)
    head = csv_row([SETS_HEADER if multilabel else "label"])
    try:
        if multilabel:
            return head + label_rows(labels, lambda value: csv_row([_joined(value)]))
        return head + label_rows(labels, lambda value: csv_row([value]))
    except TypeError:  # unhashable labels
        return _labels_text_by_row(labels)


def _joined(labels: Any) -> str:
    return LABEL_SEPARATOR.join(str(v) for v in labels)


def _labels_text_by_row(labels: Any) -> str:
    multilabel = isinstance(labels, list)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([SETS_HEADER if multilabel else "label"])
    for value in labels:
        if multilabel:
            writer.writerow([_joined(value)])
        else:
            writer.writerow([python_value(value)])
    return buffer.getvalue()


def read_labels(path_text: str, names: Sequence[Sequence[str]] = ()) -> LabelFile:
    """True labels: one column of labels, label sets ("a|b"), or a 0/1 indicator."""
    path = Path(path_text)
    suffix = checked_suffix(path, "labels")
    if suffix == ".npy":
        return _npy_labels(path, path_text)
    if suffix == ".csv":
        indicator = _columnar_indicator(path, path_text, names)
        if indicator is not None:
            return indicator
        return _csv_labels(read_csv(path, "labels", names), path_text)
    return _parquet_labels(path, path_text)


def _npy_labels(path: Path, path_text: str) -> LabelFile:
    values = load_npy(path, "labels")
    if values.dtype.kind not in "biufUS" or values.ndim not in (1, 2):
        raise CommandError(
            f"labels file {path_text!r} holds an array of shape {values.shape} "
            f"and dtype {values.dtype}; expected labels of shape (n_samples,) or "
            f"a 0/1 matrix of shape (n_samples, n_classes)."
        )
    if not len(values):
        raise CommandError(f"labels file {path_text!r} holds no labels.")
    if values.ndim == 2 and values.shape[1] > 1:
        return LabelFile(path_text, _indicator(values, None, path_text), "indicator")
    values = values.reshape(-1)
    _check_finite(values, path_text)
    return LabelFile(path_text, values, "labels")


def _csv_labels(table: CsvTable, path_text: str) -> LabelFile:
    header = table.header
    if len(table.rows[0]) > 1:
        matrix = _indicator_cells(table, path_text)
        return LabelFile(path_text, matrix, "indicator", header, header)
    cells = [row[0] for row in table.rows]
    if _are_sets(header, cells):
        return LabelFile(path_text, _sets(cells), "sets", None, header)
    for cell, line in zip(cells, table.lines, strict=True):
        if not cell:
            raise CommandError(
                f"labels file {path_text!r} has an empty label on line {line}; "
                f"give every sample its label (label sets: write them as "
                f"'a{LABEL_SEPARATOR}b' under a header {SETS_HEADER!r})."
            )
    values = _typed_column(cells, table.lines, path_text)
    return LabelFile(path_text, values, "labels", None, header)


def _columnar_indicator(
    path: Path, path_text: str, names: Sequence[Sequence[str]]
) -> LabelFile | None:
    """A 0/1 indicator CSV read a column at a time; ``None`` for any other file
    (one column of labels, other values: read line by line, which words errors)."""
    columnar = numeric_csv(path, f"labels file {path_text!r}", names, least=2)
    if columnar is None:
        return None
    values, header, _ = columnar
    if not ((values == 0) | (values == 1)).all():
        return None
    return LabelFile(path_text, values.astype(np.int64), "indicator", header, header)


def _parquet_labels(path: Path, path_text: str) -> LabelFile:
    frame, columns = read_parquet(path, "labels")
    if frame.shape[1] > 1:
        values = _indicator(frame.to_numpy(), columns, path_text)
        return LabelFile(path_text, values, "indicator", columns, columns)
    column = frame.iloc[:, 0]
    missing = np.flatnonzero(column.isna().to_numpy())
    if len(missing):
        raise CommandError(
            f"labels file {path_text!r} has a missing label on row {int(missing[0])}; "
            f"give every sample its label."
        )
    if column.dtype.kind in "biuf":
        values = column.to_numpy()
        _check_finite(values, path_text)
        return LabelFile(path_text, values, "labels", None, columns)
    cells = column.tolist()
    if any(isinstance(v, list | tuple | set | frozenset | np.ndarray) for v in cells):
        sets = [tuple(str(x) for x in v) for v in cells]
        return LabelFile(path_text, sets, "sets", None, columns)
    text = [str(v) for v in cells]
    if _are_sets(columns, text):
        return LabelFile(path_text, _sets(text), "sets", None, columns)
    return LabelFile(path_text, np.array(text), "labels", None, columns)


def _are_sets(header: list[str] | None, cells: list[str]) -> bool:
    """Label sets: under the header ``decode`` writes over them, or "a|b" cells."""
    if header is not None and header[0] == SETS_HEADER:
        return True
    return any(LABEL_SEPARATOR in cell for cell in cells)


def _sets(cells: list[str]) -> list[tuple]:
    return [tuple(x for x in cell.split(LABEL_SEPARATOR) if x) for cell in cells]


def _check_finite(values: np.ndarray, path_text: str) -> None:
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        row = int(np.flatnonzero(~np.isfinite(values))[0])
        raise CommandError(
            f"labels file {path_text!r} holds {values[row]} on row {row}, which is "
            f"not a label; drop that sample or give it its label."
        )


def _typed_column(cells: list[str], lines: list[int], path_text: str) -> np.ndarray:
    """Integers as int64, True/False as bool, other numbers as float64, else text.

    Each distinct cell is read once (a column of labels repeats a few values).
    """
    distinct = dict.fromkeys(cells)
    ints = {cell: as_int(cell) for cell in distinct}
    if all(v is not None for v in ints.values()):
        if all(-(2**63) <= v < 2**63 for v in ints.values()):
            return np.array([ints[cell] for cell in cells], dtype=np.int64)
        return np.array(cells)  # too large for int64: labels are names, keep the text
    if all(cell in ("True", "False") for cell in distinct):
        return np.array([cell == "True" for cell in cells])
    floats = {cell: as_float(cell) for cell in distinct}
    if all(v is not None for v in floats.values()):
        finite = all(math.isfinite(v) for v in floats.values())
        for cell, line in zip(cells, lines, strict=True) if not finite else ():
            if not math.isfinite(floats[cell]):
                raise CommandError(
                    f"labels file {path_text!r} holds {cell!r} on line {line}, which "
                    f"is a missing value, not a label; drop that sample or give it "
                    f"its label."
                )
        if not any(cell.lower() in ("nan", "inf", "-inf") for cell in distinct):
            return np.array([floats[cell] for cell in cells], dtype=np.float64)
    return np.array(cells)


def _indicator_cells(table: CsvTable, path_text: str) -> np.ndarray:
    """A 0/1 matrix from CSV cells; any other value names its line and column."""
    matrix = np.empty((len(table.rows), len(table.rows[0])), dtype=np.int64)
    for i, row in enumerate(table.rows):
        for j, cell in enumerate(row):
            value = as_float(cell)
            if value not in (0.0, 1.0):
                column = table.header[j] if table.header else j + 1
                problem = "is empty" if not cell else f"holds {cell!r}"
                raise CommandError(
                    f"labels file {path_text!r} has several columns, read as a 0/1 "
                    f"indicator matrix, but line {table.lines[i]} (column "
                    f"{column!r}) {problem}. Write only 0 and 1 in indicator columns, "
                    f"or use one column of labels (label sets as "
                    f"'a{LABEL_SEPARATOR}b'){HEADER_HINT if i == 0 else ''}."
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
            f"{python_value(values[row, col])!r}. "
            f"Write only 0 and 1 in indicator columns, or use one column of labels."
        )
    return floats.astype(np.int64)


def _float_or_nan(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def align_labels(labels: LabelFile, classes: list, scores: ScoreFile) -> Any:
    """The labels, an indicator's columns matched to ``classes`` by name."""
    if labels.kind != "indicator":
        return labels.values
    if labels.names is None:
        _check_unnamed_indicator(labels, classes, scores)
        return labels.values
    order = column_order(
        labels.names,
        classes,
        f"labels file {labels.path!r}",
        "Name one 0/1 column per class.",
    )
    return labels.values[:, order]


def _check_unnamed_indicator(labels: LabelFile, classes: list, scores: ScoreFile):
    """Unnamed indicator columns follow the classes: one each, in the same order."""
    k = labels.values.shape[1]
    text = [str(python_value(c)) for c in classes]
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
