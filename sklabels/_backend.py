"""The one road from the core to the Dask layer (``sklabels._dask``).

The core never imports the layer: ``decode``, ``tune_thresholds`` and the
estimator ask ``is_dask``/``any_dask`` whether an input is a Dask collection and,
if so, hand it to ``dask_layer()``, which loads the layer by name (as pandas loads
its plotting backend). Nothing here imports Dask: a collection can only exist once
Dask is imported.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

EXTRA = 'pip install "sklabels[dask]"'


def is_dask(obj: Any) -> bool:
    """Whether ``obj`` is a Dask collection; never imports Dask."""
    dask = sys.modules.get("dask")
    if dask is None:  # never imported, or blocked
        return False
    # Dask's own Array, DataFrame, Series and Bag only; a cheap test first, since
    # is_dask_collection reads an attribute that pandas looks up among the columns.
    if type(obj).__module__.partition(".")[0] not in ("dask", "dask_expr"):
        return False
    return dask.is_dask_collection(obj)


def any_dask(*objs: Any) -> bool:
    """Whether any of ``objs`` is a Dask collection."""
    return any(is_dask(obj) for obj in objs)


def dask_layer() -> ModuleType:
    """The Dask layer: ``decode``, ``tune``, ``fit`` and ``predict`` on Dask inputs."""
    try:
        return importlib.import_module("sklabels._dask")
    except ImportError as exc:
        if (exc.name or "").partition(".")[0] not in ("dask", "dask_expr"):
            raise
        raise ImportError(f"Dask inputs need Dask: {EXTRA}") from exc
