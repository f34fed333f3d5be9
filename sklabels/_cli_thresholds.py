"""The thresholds file of the command line: the JSON ``tune`` writes, read back with
limits and checks, or a number, a list or a ``{label: value}`` object written by hand.

``tune`` writes the decision serialized (``Decision.to_dict``, with its ``version``)
and, beside its fields, what the command line adds: the positive class by name,
whether the scores were logits and the tuning's objective values. Files without a
``version`` (written before) are read by their fields as they always were.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._cli_files import (
    CommandError,
    check_distinct,
    python_value,
    read_bytes,
    shown_list,
    utf8_text,
)
from ._decision import Decision
from ._targets import PROBLEMS, positive_index

MAX_JSON_BYTES = 10 * 1024 * 1024  # a thresholds file is a few hundred bytes
MAX_INT_DIGITS = 18  # larger integers in a thresholds file are not labels or values
_SETTINGS = ("problem", "classes", "pos_label", "from_logits")
# The fields a versioned file holds beside the decision's own.
_COMMAND_FIELDS = (
    "pos_label",
    "from_logits",
    "scoring",
    "average",
    "best_score",
    "class_scores",
)
_WRITE_AGAIN = (
    "a number, a list, a {label: value} object, or the file `sklabels tune` writes"
)


@dataclass
class Saved:
    """What a thresholds file says."""

    path: str
    thresholds: Any = None
    classes: list | None = None
    problem: str | None = None
    pos_label: Any = None
    from_logits: bool | None = None
    bands: Any = None  # the tuned Bands of a band rule (`tune --bands`)


# ----------------------------------------------------------------------- writing
def thresholds_text(result: Any, from_logits: bool) -> str:
    """The file ``tune`` writes: the decision tuned, with the positive class
    (binary), whether the scores were logits (so that ``decode`` needs neither flag)
    and the objective values of the tuning."""
    summary = result.to_dict()
    binary = result.problem == "binary"
    summary["pos_label"] = python_value(result.pos_label) if binary else None
    summary["from_logits"] = from_logits
    decision = _thresholds_decision(
        result.problem, result.classes, result.thresholds, result.pos_label
    )
    extra = {key: summary[key] for key in _COMMAND_FIELDS if key in summary}
    text = {**decision.to_dict(), **extra}
    return json.dumps(_finite(text), indent=2, allow_nan=False) + "\n"


def _thresholds_decision(
    problem: str, classes: Any, thresholds: Any, pos_label: Any
) -> Decision:
    """The decision of thresholds alone: no costs, reject option or priors."""
    classes = np.asarray(classes)
    binary = problem == "binary"
    return Decision(
        problem=problem,
        classes=classes,
        thresholds=thresholds if np.ndim(thresholds) == 0 else np.asarray(thresholds),
        pos_index=positive_index(pos_label, classes, problem) if binary else 1,
    )


def _finite(value: Any) -> Any:
    """JSON-safe: non-finite floats become null (JSON has no NaN or Infinity)."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


# ----------------------------------------------------------------------- reading
class _BadNumber(ValueError):
    pass


@dataclass(frozen=True)
class _NonFinite:
    literal: str


def _parse_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _BadNumber(f"a number with {digits} digits")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _BadNumber(f"the number {text[:24]}{'...' if len(text) > 24 else ''}")
    return value


def read_thresholds(path_text: str | None) -> Saved | None:
    """The thresholds file: the JSON ``tune`` writes, a number, a list or a dict.

    Read with limits: at most 10 MB, UTF-8, numbers of at most 18 digits and finite
    (no ``NaN``/``Infinity``), thresholds in [0, 1] (multiclass ratios in (0, 1]).
    """
    if path_text is None:
        return None
    where = f"thresholds file {path_text!r}"
    data = read_bytes(Path(path_text), where, MAX_JSON_BYTES + 1)
    if len(data) > MAX_JSON_BYTES:
        raise CommandError(
            f"{where} is larger than {MAX_JSON_BYTES // 2**20} MB; a thresholds file "
            f"holds a few numbers. Pass the file `sklabels tune` wrote."
        )
    text = utf8_text(data, where, "pass the JSON file `sklabels tune` wrote")
    return _saved(_parse_json(text, where), path_text)


def _parse_json(text: str, where: str) -> Any:
    """The JSON value, with numbers too large or not finite refused."""
    try:
        return json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_NonFinite,
        )
    except _BadNumber as exc:
        raise CommandError(
            f"{where} holds {exc}, too large for a threshold; thresholds are numbers "
            f"between 0 and 1."
        ) from None
    except json.JSONDecodeError as exc:
        raise CommandError(
            f"{where} is not valid JSON ({exc}); write {_WRITE_AGAIN}."
        ) from None
    except RecursionError:
        raise CommandError(
            f"{where} nests lists or objects too deeply; a thresholds file is "
            f"{_WRITE_AGAIN}."
        ) from None


def _saved(raw: Any, path_text: str) -> Saved:
    where = f"thresholds file {path_text!r}"
    saved = Saved(path_text)
    if isinstance(raw, dict) and "version" in raw:
        raw, saved.bands = _versioned(raw, where)
    if isinstance(raw, dict) and "thresholds" in raw:
        _read_settings(raw, saved, where)
        saved.thresholds = _threshold_values(raw["thresholds"], where, "'thresholds'")
    elif isinstance(raw, dict):
        reserved = [key for key in _SETTINGS if key in raw]
        if reserved:
            raise CommandError(
                f"{where} has {reserved[0]!r} but no 'thresholds'; pass the file "
                f"`sklabels tune` wrote, unchanged."
            )
        saved.thresholds = _threshold_values(raw, where, "the object")
    else:
        saved.thresholds = _threshold_values(raw, where, "the file")
    _check_shape(saved, where)
    return saved


def _versioned(raw: dict, where: str) -> dict:
    """A versioned file's fields, checked by ``Decision.from_dict``: a decision of
    thresholds alone (the command line applies no costs, reject option or priors),
    whose positive class is the ``pos_label`` beside it; and its bands, for a band
    rule (else None)."""
    fields = {k: v for k, v in raw.items() if k not in _COMMAND_FIELDS}
    try:
        decision = Decision.from_dict(fields)
        plain = _thresholds_decision(
            decision.problem, decision.classes, decision.thresholds, None
        ).to_dict()
    except (ValueError, TypeError) as exc:
        raise CommandError(
            f"{where}: {' '.join(str(exc).split())} Pass the file `sklabels tune` "
            f"wrote, unchanged, or tune again."
        ) from None
    plain["pos_index"] = fields["pos_index"]
    bands = None if decision.bands is None else decision.bands.bands
    if bands is not None:  # a band rule: its bands instead of the thresholds
        plain["rule"] = fields["rule"]
    extra = sorted(k for k in plain if fields[k] != plain[k])
    if extra:
        raise CommandError(
            f"{where} holds a decision with {extra} set; the command line decodes "
            f"with thresholds only. Pass a file of thresholds (`sklabels tune` "
            f"writes one), or decode with the estimator in Python."
        )
    if decision.problem == "binary":
        pos_label = python_value(decision.classes[decision.pos_index])
        if raw.get("pos_label") not in (None, pos_label):
            raise CommandError(
                f"{where} has pos_label {_cut(raw['pos_label'])} but pos_index "
                f"{decision.pos_index} ({pos_label!r}); pass the file `sklabels "
                f"tune` wrote, unchanged."
            )
        raw = {**raw, "pos_label": pos_label}
    return raw, bands


def _read_settings(raw: dict, saved: Saved, where: str) -> None:
    """The problem, classes, positive class and logits flag ``tune`` wrote."""
    problem = raw.get("problem")
    if problem is not None and problem not in PROBLEMS:
        raise CommandError(
            f"{where} has problem {problem!r}; expected one of {list(PROBLEMS)}."
        )
    saved.problem = problem
    classes = raw.get("classes")
    if classes is not None:
        saved.classes = _classes(classes, where)
    if "pos_label" in raw and raw["pos_label"] is not None:
        saved.pos_label = _check_label(raw["pos_label"], where, "pos_label")
    from_logits = raw.get("from_logits")
    if from_logits is not None and not isinstance(from_logits, bool):
        raise CommandError(
            f"{where} has from_logits {_cut(from_logits)}; expected true or false."
        )
    saved.from_logits = from_logits


def _classes(classes: Any, where: str) -> list:
    if not isinstance(classes, list) or not classes:
        raise CommandError(
            f"{where} has classes {_cut(classes)}; expected a list of labels."
        )
    for c in classes:
        _check_label(c, where, "classes")
    check_distinct([f"{type(c).__name__}:{c}" for c in classes], where)
    return classes


def _cut(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _check_label(value: Any, where: str, key: str) -> Any:
    if isinstance(value, _NonFinite) or not isinstance(value, str | int | float):
        raise CommandError(
            f"{where} has {_cut(value)} in {key!r}; labels are strings, integers or "
            f"true/false."
        )
    return value


def _threshold_values(value: Any, where: str, what: str) -> Any:
    if isinstance(value, dict):
        return {
            key: _threshold(v, where, f"{what}[{key!r}]") for key, v in value.items()
        }
    if isinstance(value, list):
        if not value:
            raise CommandError(
                f"{where}: {what} is an empty list; expected thresholds."
            )
        return [_threshold(v, where, f"{what}[{i}]") for i, v in enumerate(value)]
    return _threshold(value, where, what)


def _threshold(value: Any, where: str, what: str) -> float:
    if isinstance(value, _NonFinite):
        raise CommandError(
            f"{where}: {what} is {value.literal}, which is not a number; thresholds "
            f"are finite numbers between 0 and 1."
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CommandError(
            f"{where}: {what} is {_cut(value)}; expected a number between 0 and 1 (a "
            f"number, a list of numbers, or a {{label: number}} object)."
        )
    if not 0.0 <= value <= 1.0:
        raise CommandError(
            f"{where}: {what} is {value!r}, outside [0, 1]; thresholds are "
            f"probabilities (also with --from-logits) and multiclass ratios lie in "
            f"(0, 1]. Tune again or fix the value."
        )
    return float(value)


def _check_shape(saved: Saved, where: str) -> None:
    values = saved.thresholds
    flat = list(values.values()) if isinstance(values, dict) else np.ravel(values)
    if saved.problem == "multiclass" and any(v <= 0 for v in flat):
        raise CommandError(
            f"{where} holds a multiclass ratio of 0; multiclass thresholds are ratios "
            f"in (0, 1] (predict argmax p_k / t_k). Tune again."
        )
    if (
        isinstance(values, list)
        and saved.classes is not None
        and len(values) != (1 if saved.problem == "binary" else len(saved.classes))
    ):
        raise CommandError(
            f"{where} holds {len(values)} thresholds for the classes "
            f"{shown_list(saved.classes)} of a {saved.problem or 'tuned'} problem; "
            f"pass the file `sklabels tune` wrote, unchanged."
        )


def thresholds_for(saved: Saved | None, classes: list) -> Any:
    """The file's thresholds, a {label: value} object keyed by the typed classes."""
    if saved is None:
        return None
    if saved.bands is not None:
        return saved.bands
    values = saved.thresholds
    if not isinstance(values, dict):
        return values
    by_text = {str(python_value(c)): c for c in classes}
    unknown = [key for key in values if key not in by_text]
    if unknown:
        raise CommandError(
            f"thresholds file {saved.path!r} has thresholds for {unknown}, which are "
            f"not among the classes {shown_list(classes)}; key the thresholds by class."
        )
    return {by_text[key]: value for key, value in values.items()}
