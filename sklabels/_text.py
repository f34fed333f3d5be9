"""Labels in messages: short previews and plain Python values."""

from __future__ import annotations

from typing import Any

import numpy as np


def preview(values: Any, limit: int = 6) -> str:
    """Short repr of a list of labels for error messages."""
    values = list(values)
    shown = ", ".join(repr(to_python(v)) for v in values[:limit])
    if len(values) > limit:
        shown += f", ... ({len(values)} in all)"
    return f"[{shown}]"


def to_python(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def natural_order(labels: np.ndarray) -> np.ndarray:
    """An object array of uniform labels as its natural numpy dtype (str, int...)."""
    try:
        return np.asarray(labels.tolist())
    except (ValueError, TypeError):
        return labels
