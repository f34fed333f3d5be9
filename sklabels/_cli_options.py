"""Options of the command line given as text: ``--classes``, ``--scoring``, and class
names typed as the labels are (``--classes 0,1`` with integer labels: the integers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import _objectives
from ._cli_files import CommandError, as_float, as_int, python_value, shown_list

if TYPE_CHECKING:
    from ._cli_labels import LabelFile


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


def parse_bands(names: str | None, cuts: str | None, score_of: Any) -> Any:
    """``--bands routine,urgent,emergency --cuts 0.3,0.7``: the Bands (None without)."""
    if names is None:
        if cuts is not None or score_of is not None:
            raise CommandError(
                "--cuts and --score-of apply to --bands; pass --bands NAMES too."
            )
        return None
    if cuts is None:
        raise CommandError(
            f"--bands {names!r} needs --cuts, the cut-points between the bands, e.g. "
            f"--cuts 0.3,0.7 for three bands."
        )
    from ._bands import Bands

    values = [as_float(c.strip()) for c in cuts.split(",")]
    if any(v is None for v in values):
        raise CommandError(f"--cuts {cuts!r} must be numbers separated by commas.")
    try:
        return Bands(parse_classes(names), values, score_of=score_of)
    except (TypeError, ValueError) as exc:
        raise CommandError(f"--bands {names!r} --cuts {cuts!r}: {exc}") from None


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
    if kind in "iu" and as_int(text) is not None:
        return int(text)
    if kind == "f" and as_float(text) is not None:
        return float(text)
    if kind == "b" and text.lower() in ("true", "false", "1", "0"):
        return text.lower() in ("true", "1")
    return text


def typed_label(text: str, candidates: list, what: str) -> Any:
    """The one candidate whose text is ``text`` (``--pos-label 1`` is the class 1)."""
    matches = [c for c in candidates if str(python_value(c)) == text]
    if not matches:
        lowered = [
            c for c in candidates if str(python_value(c)).lower() == text.lower()
        ]
        matches = lowered if len(lowered) == 1 else []
    if len(matches) != 1:
        raise CommandError(
            f"{what} {text!r} is not one of the classes {shown_list(candidates)}; pass "
            f"one of them."
        )
    return matches[0]
