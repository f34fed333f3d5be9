"""A directory or glob of parquet score files on the command line: which files, how
large, and, when they fit the memory budget, their scores read in memory.

``sklabels tune 'val/*.parquet' labels.parquet`` and ``sklabels decode val/`` read
the files in name order as one table. Its size is known before any row is read:
rows (from each file's footer) x columns x 8 bytes, the float64 matrix the library
works on. Under the budget (``--memory-budget``, default :data:`DEFAULT_BUDGET`)
the files are read here with pyarrow and concatenated, with no Dask; past it they
are read through Dask (``_cli_dask``). Both give the same thresholds, labels and
reports, and the same errors.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._cli_files import CommandError, check_distinct, parquet_errors, quoted

DEFAULT_BUDGET = 2 * 1000**3  # bytes: a matrix of 2 GB is read in memory
_UNITS = {"": 1, "k": 1000, "m": 1000**2, "g": 1000**3, "t": 1000**4}
_GLOB_CHARACTERS = "*?["


def is_dataset(path_text: str) -> bool:
    """A directory, or a pattern matching files."""
    path = Path(path_text)
    if path.is_file():
        return False
    return path.is_dir() or any(c in path_text for c in _GLOB_CHARACTERS)


def dataset_files(path_text: str, what: str) -> list[str]:
    """The parquet files of a directory or glob pattern, in name order."""
    if os.path.isdir(path_text):
        files = sorted(str(p) for p in Path(path_text).iterdir() if p.is_file())
        files = [f for f in files if not Path(f).name.startswith((".", "_"))]
    else:
        files = sorted(glob.glob(path_text))
    if not files:
        raise CommandError(
            f"{what} {quoted(path_text)} matches no file; give a .parquet file, a "
            f"directory of .parquet files or a pattern such as 'val/*.parquet' (in "
            f"quotes, so that the shell does not expand it)."
        )
    other = [f for f in files if Path(f).suffix.lower() != ".parquet"]
    if other:
        raise CommandError(
            f"{what} {quoted(path_text)} includes {quoted(other[0])}, which is not a "
            f".parquet file; a directory or pattern of scores must hold parquet "
            f"files only."
        )
    return files


def dataset_inputs(inputs: dict[str, str | None]) -> dict[str, str]:
    """The files matched by the directories and patterns among ``inputs``."""
    out = {}
    for what, given in inputs.items():
        if given is not None and is_dataset(given):
            pattern = os.path.join(given, "*") if os.path.isdir(given) else given
            out.update({f"{what} ({f})": f for f in sorted(glob.glob(pattern))})
    return out


# ------------------------------------------------------------------ the budget
def parse_memory_budget(text: str | None) -> int:
    """``--memory-budget``: bytes, or a number with a unit (``500MB``, ``2GB``,
    ``1.5G``; KiB/MiB/GiB/TiB in powers of 1024); ``None`` is the default."""
    if text is None:
        return DEFAULT_BUDGET
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*([kmgt]?)(i?)b?\s*", text, re.I)
    if match is None or (match[3] and not match[2]):
        raise CommandError(
            f"--memory-budget {text!r} is not a size; give bytes or a number with a "
            f"unit, e.g. --memory-budget 2GB (or 500MB, 1.5GiB; 0 reads every "
            f"directory or pattern through Dask)."
        )
    unit = match[2].lower()
    scale = 1024 ** "_kmgt".index(unit) if match[3] else _UNITS[unit]
    return int(float(match[1]) * scale)


# --------------------------------------------------------------------- the files
@dataclass(frozen=True)
class Dataset:
    """The parquet files of a directory or pattern, their score columns (the first
    file's, in its order) and their number of rows, from the footers alone."""

    path: str
    files: list[str]
    columns: list[str]
    n_rows: int

    @property
    def n_bytes(self) -> int:
        """The size of the float64 score matrix."""
        return self.n_rows * len(self.columns) * 8


def survey(path_text: str) -> Dataset:
    """The files of ``path_text``, checked to name the same columns, and their size."""
    files = dataset_files(path_text, "scores")
    with parquet_errors(f"scores {quoted(path_text)}"):
        import pyarrow.parquet as pq

        first = data_columns(pq, files[0])
        n_rows = pq.read_metadata(files[0]).num_rows
        for other in files[1:]:
            columns = data_columns(pq, other)
            if set(columns) != set(first):
                raise CommandError(
                    f"scores {quoted(path_text)}: {quoted(files[0])} has columns "
                    f"{first} but {quoted(other)} has columns {columns}; every file "
                    f"must hold the same score columns (one per class)."
                )
            n_rows += pq.read_metadata(other).num_rows
    return Dataset(path_text, files, first, n_rows)


def data_columns(pq: Any, path: str) -> list[str]:
    """The data columns of a parquet file (pandas' stored index left out)."""
    schema = pq.read_schema(path)
    index = set()
    if schema.pandas_metadata is not None:
        index = {
            c
            for c in schema.pandas_metadata.get("index_columns", [])
            if isinstance(c, str)
        }
    return [name for name in schema.names if name not in index]


def check_columns(dataset: Dataset, names: list[str], numeric: list[bool]) -> None:
    """Distinct column names, each holding numbers."""
    check_distinct(names, f"scores {quoted(dataset.path)}")
    bad = [name for name, ok in zip(names, numeric, strict=True) if not ok]
    if bad:
        raise CommandError(
            f"scores {quoted(dataset.path)} have non-numeric column(s) {bad}; scores "
            f"must be numbers, one column per class."
        )


def check_rows(dataset: Dataset, n_rows: int) -> None:
    if n_rows == 0:
        raise CommandError(f"scores {quoted(dataset.path)} hold no rows.")


# ----------------------------------------------------------------- in memory
def read_in_memory(dataset: Dataset) -> tuple[np.ndarray, list[str]]:
    """The scores of every file as one float64 matrix (missing values as NaN),
    columns in the first file's order; one column gives a 1-D array."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    names = dataset.columns
    try:
        schema = pq.read_schema(dataset.files[0])
        numeric = [_is_number(schema.field(name).type, pa) for name in names]
        check_columns(dataset, [str(c) for c in names], numeric)
        check_rows(dataset, dataset.n_rows)
        values = np.empty((dataset.n_rows, len(names)), dtype=np.float64)
        start = 0
        for path in dataset.files:
            table = pq.read_table(path, columns=names)
            start = _read_into(values, start, table, f"scores {quoted(path)}")
    except CommandError:
        raise
    except Exception as exc:  # pyarrow raises its own types for corrupt files
        raise CommandError(
            f"cannot read scores {quoted(dataset.path)}: {exc}"
        ) from None
    return (values[:, 0] if len(names) == 1 else values), [str(c) for c in names]


def _is_number(kind: Any, pa: Any) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind)


def _read_into(values: np.ndarray, start: int, table: Any, where: str) -> int:
    """Copy ``table``'s columns into ``values`` from row ``start``; the next row."""
    import pyarrow as pa

    stop = start + table.num_rows
    for j, column in enumerate(table.columns):
        if not _is_number(column.type, pa):
            raise CommandError(
                f"{where} has non-numeric column(s) {[table.column_names[j]]}; "
                f"scores must be numbers, one column per class."
            )
        column = column.cast(pa.float64(), safe=False)  # as pandas: ints rounded
        values[start:stop, j] = column.to_numpy(zero_copy_only=False)
    return stop
