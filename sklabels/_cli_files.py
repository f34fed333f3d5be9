"""Files of the command line: reading tables, writing outputs, the error they raise.

Every problem with a file is a :class:`CommandError` whose one-line message names
the file, the bad value, what was expected and the fix; the command line prints it
without a traceback, with exit status 1.

Files are precious: ``-o`` is checked before any work (never an input file, never a
directory, its directory must exist) and written atomically (a temporary file in the
same directory, then ``os.replace``), so a failed command leaves every file as it was.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

FORMATS = (".npy", ".csv", ".parquet")
HEADER_HINT = (
    "; a header row that mixes numbers and names is read as a header when it names "
    "the classes given with --classes"
)


class CommandError(Exception):
    """A problem with the command's input, reported as one line (exit status 1)."""


# --------------------------------------------------------------- values in messages
def quoted(path: Any) -> str:
    return repr(str(path))


def python_value(value: Any) -> Any:
    """A numpy scalar as the Python value it holds (``np.int64(1)`` is ``1``)."""
    return value.item() if isinstance(value, np.generic) else value


def shown_list(values: Iterable[Any]) -> str:
    return "[" + ", ".join(repr(python_value(v)) for v in values) + "]"


def as_int(cell: str) -> int | None:
    return int(cell) if re.fullmatch(r"[+-]?\d+", cell) else None


def as_float(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


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
    _check_output_place(out, real, example)
    for what, given in inputs.items():
        if given is not None and _same_file(real, given):
            raise CommandError(
                f"-o {out!r} is the {what} file {given!r}; sklabels never writes over "
                f"its input. Write to another file, e.g. -o {example}."
            )
    if not os.access(real.parent, os.W_OK | os.X_OK):
        raise CommandError(
            f"-o {out!r}: the directory {str(real.parent)!r} is not writable; write to "
            f"another directory."
        )
    return real


def _check_output_place(out: str, real: Path, example: str) -> None:
    """``-o`` names a file, in a directory that exists."""
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


def _same_file(real: Path, given: str) -> bool:
    try:
        return os.path.samefile(real, given)
    except OSError:  # one of them does not exist (yet)
        return real == Path(os.path.realpath(given))


def write_output(real: Path, text: str, given: str) -> None:
    """Write ``text`` to ``real`` atomically: a temporary file, then a rename."""
    data = text.encode("utf-8")
    try:
        if real.exists() and not real.is_file():  # /dev/null, a FIFO: no rename
            with open(real, "wb") as stream:
                stream.write(data)
            return
        _replace(real, data)
    except OSError as exc:
        raise CommandError(
            f"cannot write -o {given!r}: {exc.strerror or exc}; nothing was written."
        ) from None


def _replace(real: Path, data: bytes) -> None:
    """Write a temporary file beside ``real``, then rename it over ``real``."""
    mode = _mode_for(real)
    fd, temp = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".tmp")
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


def _mode_for(path: Path) -> int:
    """Keep the mode of a file being replaced; new files get 0o666 less the umask."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


# ---------------------------------------------------------------------- input files
def checked_suffix(path: Path, what: str) -> str:
    """The format of an input file, which must exist."""
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise CommandError(
            f"{what} file {quoted(path)} has extension {suffix or '(none)'!r}; use a "
            f".npy, .csv or .parquet file."
        )
    if not path.is_file():
        raise CommandError(f"{what} file {quoted(path)} does not exist.")
    return suffix


def read_bytes(path: Path | str, where: str, most: int = -1) -> bytes:
    """The bytes of a file (at most ``most``), or a message naming ``where``."""
    try:
        with open(path, "rb") as stream:
            return stream.read(most)
    except OSError as exc:
        raise CommandError(f"cannot read {where}: {exc.strerror or exc}.") from None


def utf8_text(data: bytes, where: str, fix: str) -> str:
    """UTF-8 text (a byte order mark is dropped), or the first bad byte and ``fix``."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(
            f"{where} is not UTF-8 text (byte {exc.start} is "
            f"{data[exc.start : exc.start + 1]!r}); {fix}."
        ) from None


def check_distinct(names: list[str], where: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise CommandError(
                f"{where} names the column {name!r} twice; column names must be "
                f"distinct."
            )
        seen.add(name)


def column_order(names: list[str], classes: list, where: str, fix: str) -> list[int]:
    """The column of each class, for columns named by class in any order."""
    text = [str(python_value(c)) for c in classes]
    if set(text) != set(names):
        raise CommandError(
            f"{where} has columns {names} but the classes are {text}; no column for "
            f"{sorted(set(text) - set(names))}, no class for "
            f"{sorted(set(names) - set(text))}. {fix}"
        )
    return [names.index(t) for t in text]


def load_npy(path: Path, what: str) -> np.ndarray:
    try:
        values = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, TypeError) as exc:
        raise CommandError(f"cannot read {what} file {quoted(path)}: {exc}") from None
    if not isinstance(values, np.ndarray):  # pragma: no cover - .npz by content
        raise CommandError(f"{what} file {quoted(path)} does not hold one array.")
    return values


@contextlib.contextmanager
def parquet_errors(source: str):
    """Turn what pyarrow raises while reading ``source`` into a CommandError."""
    try:
        yield
    except CommandError:
        raise
    except ImportError:
        raise CommandError(
            'reading .parquet needs pyarrow: pip install "sklabels[parquet]"'
        ) from None
    except Exception as exc:  # pyarrow raises its own types for corrupt files
        raise CommandError(f"cannot read {source}: {exc}") from None


def read_parquet(path: Path, what: str):
    """The data frame of a parquet file, and its column names as text."""
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a test dependency
        raise CommandError(
            'reading .parquet needs pandas and pyarrow: pip install "sklabels[parquet]"'
        ) from None
    with parquet_errors(f"{what} file {quoted(path)}"):
        frame = pd.read_parquet(path)
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        raise CommandError(
            f"{what} file {quoted(path)} holds {frame.shape[0]} rows and "
            f"{frame.shape[1]} columns; expected at least one of each."
        )
    names = [str(c) for c in frame.columns]
    check_distinct(names, f"{what} file {quoted(path)}")
    return frame, names


# --------------------------------------------------------------------- score files
@dataclass
class ScoreFile:
    """A score matrix read from a file, and its column names when it has them."""

    path: str
    values: np.ndarray
    names: list[str] | None
    lines: Sequence[int] | None = None  # CSV: the file line of each row

    @property
    def n_columns(self) -> int:
        return 1 if self.values.ndim == 1 else self.values.shape[1]

    def where(self, row: int) -> str:
        return f"line {self.lines[row]}" if self.lines else f"row {row}"


# ------------------------------------------------------------------------ CSV files
@dataclass
class CsvTable:
    header: list[str] | None
    rows: list[list[str]]
    lines: list[int]  # the file line of each row, for messages


def read_csv(path: Path, what: str, names: Sequence[Sequence[str]]) -> CsvTable:
    """Rows of a CSV file, and its header.

    The first row is a header when its cells are the class names (``--classes``,
    the thresholds file's, or for a labels file the scores' column names; in any
    order), or when none of its cells is a number. So a header of numeric class
    names (``0,1``) is recognised when it names the classes. Blank lines at either
    end are ignored.
    """
    where = f"{what} file {quoted(path)}"
    rows, lines = _csv_rows(path, what)
    header = None
    if is_header_row(rows[0], names):
        header, rows, header_line = rows[0], rows[1:], lines.pop(0)
        _check_header(header, where, header_line)
        if not rows:
            raise CommandError(f"{where} has a header row {header} and no data rows.")
    width = len(header) if header is not None else len(rows[0])
    for row, line in zip(rows, lines, strict=True):
        if len(row) != width:
            raise CommandError(
                f"{where} has rows of different lengths: line {line} has {len(row)} "
                f"cell(s), line {lines[0]} has {width}; every row needs the same "
                f"number of columns."
            )
    return CsvTable(header, rows, lines)


def _csv_rows(path: Path, what: str) -> tuple[list[list[str]], list[int]]:
    """The rows of stripped cells and their file lines, blank lines at the ends
    dropped; a blank line inside is one empty value."""
    where = f"{what} file {quoted(path)}"
    text = utf8_text(read_bytes(path, where), where, "save it as UTF-8")
    rows: list[list[str]] = []
    lines: list[int] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            rows.append([cell.strip() for cell in row])  # [] for a blank line
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise CommandError(
            f"{where} is not valid CSV (line {reader.line_num}: {exc})."
        ) from None
    while rows and not rows[-1]:  # blank lines; a quoted "" is a value
        rows.pop(), lines.pop()
    while rows and not rows[0]:
        rows.pop(0), lines.pop(0)
    if not rows:
        raise CommandError(f"{where} is empty.")
    return [row or [""] for row in rows], lines


def is_header_row(first: list[str], names: Sequence[Sequence[str]]) -> bool:
    if any(_same_names(first, n) for n in names if n is not None):
        return True
    return not any(as_float(cell) is not None for cell in first)


def _same_names(row: list[str], names: Sequence[str]) -> bool:
    return len(row) == len(names) == len(set(row)) and set(row) == set(names)


def _check_header(header: list[str], where: str, line: int) -> None:
    if "" in header:
        raise CommandError(
            f"{where} has an empty name in its header (line {line}, column "
            f"{header.index('') + 1}); name every column (an index column? write the "
            f"file with index=False)."
        )
    check_distinct(header, where)
