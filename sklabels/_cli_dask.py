"""Scores too large for memory on the command line: a directory or glob of parquet
files, read through Dask.

``sklabels tune 'val/*.parquet' labels.parquet`` and ``sklabels decode val/`` read
SCORES as one Dask DataFrame (the files in name order, one partition per file or
row group); the library then tunes and decodes it block by block, with the same
results as on the concatenated files in memory. The true labels and the labels
written out are held in memory (one value per row); the scores never are.
"""

from __future__ import annotations

import glob
import os
from pathlib import Path
from typing import Any

import numpy as np

from ._backend import EXTRA, is_dask
from ._cli_files import CommandError, check_distinct, quoted

_GLOB_CHARACTERS = "*?["


def is_dataset(path_text: str) -> bool:
    """A directory, or a pattern matching files: read through Dask."""
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


def read_dataset_scores(path_text: str) -> tuple[Any, list[str]]:
    """The scores of a dataset as a float64 Dask Array, and its column names."""
    frame = _read(path_text)
    names = [str(c) for c in frame.columns]
    check_distinct(names, f"scores {quoted(path_text)}")
    bad = [c for c, t in zip(names, frame.dtypes, strict=True) if t.kind not in "iuf"]
    if bad:
        raise CommandError(
            f"scores {quoted(path_text)} have non-numeric column(s) {bad}; scores "
            f"must be numbers, one column per class."
        )
    from dask.dataframe.utils import make_meta

    meta = make_meta(frame).astype(np.float64)
    values = frame.map_partitions(_as_float64, meta=meta)
    values = values.to_dask_array(lengths=True)
    if values.shape[0] == 0:
        raise CommandError(f"scores {quoted(path_text)} hold no rows.")
    if values.shape[1] == 1:
        values = values[:, 0]
    return values, names


def _read(path_text: str) -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:
        raise CommandError(
            f"reading a directory or pattern of parquet files ({path_text!r}) needs "
            f"Dask: {EXTRA}"
        ) from None
    files = dataset_files(path_text, "scores")
    try:
        _check_same_columns(files, path_text)
        return dd.read_parquet(files)
    except CommandError:
        raise
    except Exception as exc:  # pyarrow raises its own types for corrupt files
        raise CommandError(f"cannot read scores {quoted(path_text)}: {exc}") from None


def _check_same_columns(files: list[str], path_text: str) -> None:
    """Every file names the same columns (read from the footers, not the rows):
    Dask takes the first file's columns and fails on another's with a KeyError."""
    import pyarrow.parquet as pq

    first = _columns(pq, files[0])
    for other in files[1:]:
        columns = _columns(pq, other)
        if set(columns) != set(first):
            raise CommandError(
                f"scores {quoted(path_text)}: {quoted(files[0])} has columns "
                f"{first} but {quoted(other)} has columns {columns}; every file must "
                f"hold the same score columns (one per class)."
            )


def _columns(pq: Any, path: str) -> list[str]:
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


def _as_float64(frame: Any) -> Any:
    """As the in-memory reader: every column as float64, missing values as NaN."""
    import pandas as pd

    values = frame.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.DataFrame(values, index=frame.index, columns=frame.columns)


def computed(labels: Any) -> Any:
    """Lazy labels (a Dask Array or Bag) as the in-memory ``decode`` returns them."""
    if not is_dask(labels):
        return labels
    out = labels.compute()
    return list(out) if isinstance(out, list | tuple) else np.asarray(out)
