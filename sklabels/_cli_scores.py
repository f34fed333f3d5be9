"""The scores file of the command line: a matrix of model outputs, checked, with its
column names when the file has them, and its columns put in the order of the classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ._cli_columnar import numeric_csv
from ._cli_dask import read_dataset_scores
from ._cli_dataset import DEFAULT_BUDGET, is_dataset, read_in_memory, survey
from ._cli_files import (
    HEADER_HINT,
    CommandError,
    ScoreFile,
    checked_suffix,
    column_order,
    load_npy,
    read_csv,
    read_parquet,
    shown_list,
)


def read_scores(
    path_text: str,
    names: Sequence[Sequence[str]] = (),
    memory_budget: int = DEFAULT_BUDGET,
) -> ScoreFile:
    """The score matrix of a file, checked: numbers, finite, (n,) or (n, k).

    A directory or glob of parquet files is read in memory when its float64 matrix
    takes at most ``memory_budget`` bytes, else through Dask."""
    if is_dataset(path_text):
        return _dataset_scores(path_text, memory_budget)
    path = Path(path_text)
    suffix = checked_suffix(path, "scores")
    columns = lines = None
    if suffix == ".npy":
        values = load_npy(path, "scores")
    elif suffix == ".csv":
        values, columns, lines = _csv_scores(path, path_text, names)
    else:
        values, columns = _parquet_scores(path, path_text)
    if values.dtype.kind not in "iuf" or values.ndim not in (1, 2) or not values.size:
        raise CommandError(
            f"scores file {path_text!r} holds an array of shape {values.shape} and "
            f"dtype {values.dtype}; expected numbers of shape (n_samples,) or "
            f"(n_samples, n_classes)."
        )
    scores = ScoreFile(path_text, values, columns, lines)
    _check_finite(scores)
    return scores


def _dataset_scores(path_text: str, memory_budget: int) -> ScoreFile:
    dataset = survey(path_text)
    if dataset.n_bytes > memory_budget:
        return ScoreFile(path_text, *read_dataset_scores(dataset))
    # Not finite values are left to the library, as on Dask: the same message.
    return ScoreFile(path_text, *read_in_memory(dataset))


def _csv_scores(path: Path, path_text: str, names: Sequence[Sequence[str]]):
    """The numbers of a CSV file, its header and the file line of each row.

    Read a column at a time; a file the columnar reader does not vouch for (or an
    invalid one) is read line by line, which words the error.
    """
    columnar = numeric_csv(path, f"scores file {path_text!r}", names)
    if columnar is not None:
        return columnar
    table = read_csv(path, "scores", names)
    values = np.empty((len(table.rows), len(table.rows[0])), dtype=np.float64)
    for i, row in enumerate(table.rows):
        for j, cell in enumerate(row):
            try:
                values[i, j] = float(cell)
            except ValueError:
                raise CommandError(
                    f"scores file {path_text!r} holds {cell!r} on line "
                    f"{table.lines[i]}, column {j + 1}, which is not a number; scores "
                    f"must be numbers (one column per class, an optional header "
                    f"row of class names{HEADER_HINT if i == 0 else ''})."
                ) from None
    return values, table.header, table.lines


def _parquet_scores(path: Path, path_text: str):
    """The numbers of a parquet file (missing values as NaN) and its column names."""
    frame, columns = read_parquet(path, "scores")
    kinds = zip(columns, frame.dtypes, strict=True)
    bad = [c for c, t in kinds if t.kind not in "iuf"]
    if bad:
        raise CommandError(
            f"scores file {path_text!r} has non-numeric column(s) {bad}; scores "
            f"must be numbers, one column per class."
        )
    return frame.to_numpy(dtype=np.float64, na_value=np.nan), columns


def _check_finite(scores: ScoreFile) -> None:
    values = scores.values
    if values.dtype.kind != "f":
        return
    bad_cells = ~np.isfinite(values)
    if bad_cells.any():
        row, *col = np.argwhere(bad_cells)[0]
        value = values[(row, *col)]
        column = f", column {col[0] + 1}" if col else ""
        raise CommandError(
            f"scores file {scores.path!r} holds {value} on {scores.where(row)}"
            f"{column}; scores must be finite numbers (probabilities, or logits "
            f"with --from-logits). Drop or fix that row."
        )


def align_scores(
    scores: ScoreFile, classes: list, tuned_in: str | None = None
) -> np.ndarray:
    """The scores with column ``j`` scoring ``classes[j]``: named columns by name.

    ``tuned_in``: the thresholds file the classes come from, named in the errors."""
    values = scores.values
    k = scores.n_columns
    if k > 1 and k != len(classes) and tuned_in is not None:
        columns = "" if scores.names is None else f" {shown_list(scores.names)}"
        raise CommandError(
            f"scores file {scores.path!r} has {k} column(s){columns} but thresholds "
            f"file {tuned_in!r} was tuned for {len(classes)} classes "
            f"{shown_list(classes)}; decode scores of those classes, or tune again "
            f"on these scores."
        )
    if k > 1 and k != len(classes):
        raise CommandError(
            f"scores file {scores.path!r} has {k} column(s) but {len(classes)} classes "
            f"{shown_list(classes)} were given; name one class per column, in column "
            f"order."
        )
    if scores.names is None or k == 1:
        return values
    order = column_order(
        scores.names,
        classes,
        f"scores file {scores.path!r}",
        "Name the columns by class (any order), or pass --classes with the column "
        "names."
        if tuned_in is None
        else f"The classes are those thresholds file {tuned_in!r} was tuned for: "
        f"decode scores of those classes, or tune again on these scores.",
    )
    return values if order == list(range(k)) else values[:, order]
