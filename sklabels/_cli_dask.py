"""Scores past the memory budget on the command line: a directory or glob of parquet
files, read through Dask (``_cli_dataset`` reads those under the budget in memory).

``sklabels tune 'val/*.parquet' labels.parquet`` and ``sklabels decode val/`` read
SCORES as one Dask DataFrame (the files in name order, one partition per file or
row group); the library then tunes and decodes it block by block, with the same
results as on the concatenated files in memory. The true labels and the labels
written out are held in memory (one value per row); the scores never are.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._backend import EXTRA, is_dask
from ._cli_dataset import Dataset, check_columns, check_rows
from ._cli_files import CommandError, quoted


def read_dataset_scores(dataset: Dataset) -> tuple[Any, list[str]]:
    """The scores of a dataset as a float64 Dask Array, and its column names."""
    frame = _read(dataset)
    names = [str(c) for c in frame.columns]
    check_columns(dataset, names, [t.kind in "iuf" for t in frame.dtypes])
    from dask.dataframe.utils import make_meta

    meta = make_meta(frame).astype(np.float64)
    values = frame.map_partitions(_as_float64, meta=meta)
    values = values.to_dask_array(lengths=True)
    check_rows(dataset, values.shape[0])
    if values.shape[1] == 1:
        values = values[:, 0]
    return values, names


def _read(dataset: Dataset) -> Any:
    try:
        import dask.dataframe as dd
    except ImportError:
        raise CommandError(
            f"reading a directory or pattern of parquet files ({dataset.path!r}) "
            f"needs Dask past --memory-budget (its scores take "
            f"{dataset.n_bytes / 1e9:.3g} GB): {EXTRA}; or raise --memory-budget."
        ) from None
    try:
        return dd.read_parquet(dataset.files)
    except Exception as exc:  # pyarrow raises its own types for corrupt files
        raise CommandError(
            f"cannot read scores {quoted(dataset.path)}: {exc}"
        ) from None


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
