"""Ordered named bands cut from one score: triage levels, grades, alert severities.

``Bands(["routine", "urgent", "emergency"], cuts=[0.3, 0.7])`` names the scores below
0.3 "routine", from 0.3 up to 0.7 "urgent", and from 0.7 on "emergency": a score
equal to a cut goes to the higher band, as ``>=`` everywhere else. Cuts are
probabilities, also when the scores are logits (compared with ``logit(cut)``).

Cuts can also be tuned on labelled rows (``fit`` of the estimator, or
:func:`tune_bands`):

- ``shares=[0.5, 0.3, 0.2]``: each band takes that share of the tuning rows (equal
  shares when neither cuts nor targets are given);
- ``min_event_rate={"emergency": 0.6}``: the highest band is the largest set of top
  scores whose event rate (share of positives) is at least 0.6, exactly; bands named
  from the top down in this way are filled one after the other;
- ``max_event_rate={"routine": 0.02}``: the lowest band is the largest set of bottom
  scores whose event rate is at most 0.02; from the bottom up likewise.

Bands without a target share the remaining rows equally. Sets never split tied
scores; a cut lies midway between the last score in and the next distinct score
out. A band that cannot be filled is reported with a :class:`BandWarning` (and left
empty), never emptied silently.

With ``confidence=0.9`` the highest band's ``min_event_rate`` and the lowest band's
``max_event_rate`` are certified on new data (see :mod:`sklabels._band_certify`);
the tuned bands hold the certificates (``certificates``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from numbers import Real
from typing import Any, NamedTuple

import numpy as np
from scipy.special import expit, logit
from scipy.stats import beta

from ._band_certify import BandCertificate, certify_edges
from ._text import preview, to_python
from ._warnings import user_stacklevel


class BandWarning(UserWarning):
    """A band could not be filled as asked (its target is met by no set of rows)."""


def _names_of(names: Any) -> tuple:
    if isinstance(names, str) or not hasattr(names, "__iter__"):
        raise TypeError(
            f"Bands needs a list of band names from low to high, got {names!r}; "
            f"pass e.g. Bands(['low', 'high'], cuts=[0.5])."
        )
    names = tuple(to_python(n) for n in names)
    if len(names) < 2:
        raise ValueError(
            f"Bands needs at least two names (low to high), got {list(names)!r}."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"band names must differ, got {list(names)!r}.")
    return names


def _rates(value: Any, names: tuple, what: str) -> dict:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise TypeError(
            f"{what} is a dict {{band name: rate}}, e.g. {{{names[-1]!r}: 0.6}}; "
            f"got {value!r}."
        )
    unknown = [k for k in value if k not in names]
    if unknown:
        raise ValueError(
            f"{what} names bands {preview(unknown)} that are not among the band "
            f"names {preview(names)}."
        )
    for key, rate in value.items():
        if not isinstance(rate, Real) or not 0 <= rate <= 1:
            raise ValueError(f"{what}[{key!r}] must be a rate in [0, 1], got {rate!r}.")
    return {k: float(v) for k, v in value.items()}


@dataclass(frozen=True, eq=False)
class Bands:
    """Ordered named bands of one score, with fixed or tuned cut-points.

    Pass it where a threshold goes: ``decode(scores, classes, threshold=Bands(...))``
    or ``ProbabilisticLabelClassifier(..., threshold=Bands(...))``; ``predict`` then
    returns band names.

    Parameters
    ----------
    names : sequence of labels
        The band names from the lowest scores to the highest.
    cuts : sequence of float, default=None
        Increasing cut-points, one fewer than ``names`` (probabilities, also for
        logits). ``None``: tuned on labelled rows.
    shares : sequence of float, default=None
        Tuned cuts: the share of the tuning rows in each band (summing to 1).
    min_event_rate : dict, default=None
        Tuned cuts: ``{band: rate}``, bands filled from the top down, each the
        largest set of the next highest scores whose event rate is at least
        ``rate``.
    max_event_rate : dict, default=None
        Tuned cuts: ``{band: rate}``, bands filled from the bottom up, each the
        largest set of the next lowest scores whose event rate is at most ``rate``.
    score_of : label, default=None
        The class whose score is cut: the positive class of a binary problem by
        default; required for a multilabel problem (one label's score).
    confidence : float, default=None
        In (0, 1): certify the targets of the highest band (``min_event_rate``) and
        the lowest band (``max_event_rate``) on new data: each band's event rate
        meets its target with probability at least ``confidence``. ``None``: the
        targets are met on the tuning rows only.
    joint : bool, default=False
        With ``confidence``: ``True`` makes both certified bands hold together with
        probability ``confidence`` (each tested at half the error, Bonferroni);
        ``False``: each band on its own.

    Examples
    --------
    >>> from sklabels import Bands, decode
    >>> triage = Bands(["routine", "urgent", "emergency"], cuts=[0.3, 0.7])
    >>> decode([0.1, 0.3, 0.69, 0.7, 0.95], ["ok", "ill"], threshold=triage)
    array(['routine', 'urgent', 'urgent', 'emergency', 'emergency'], dtype='<U9')
    """

    names: tuple
    cuts: tuple | None = None
    shares: tuple | None = None
    min_event_rate: dict = field(default_factory=dict)
    max_event_rate: dict = field(default_factory=dict)
    score_of: Any = None
    confidence: float | None = None
    joint: bool = False
    certificates: dict = field(default_factory=dict)

    def __init__(
        self,
        names: Any,
        cuts: Any = None,
        *,
        shares: Any = None,
        min_event_rate: Any = None,
        max_event_rate: Any = None,
        score_of: Any = None,
        confidence: Any = None,
        joint: bool = False,
    ) -> None:
        names = _names_of(names)
        set_ = object.__setattr__
        set_(self, "names", names)
        set_(self, "score_of", to_python(score_of))
        set_(self, "certificates", {})
        set_(self, "min_event_rate", _rates(min_event_rate, names, "min_event_rate"))
        set_(self, "max_event_rate", _rates(max_event_rate, names, "max_event_rate"))
        set_(self, "shares", None if shares is None else self._check_shares(shares))
        set_(self, "cuts", None if cuts is None else self._check_cuts(cuts))
        targets = bool(self.min_event_rate or self.max_event_rate)
        if self.cuts is not None and (self.shares is not None or targets):
            raise ValueError(
                "Bands takes either cuts= (fixed) or shares= / min_event_rate= / "
                "max_event_rate= (tuned on labelled rows), not both."
            )
        if self.shares is not None and targets:
            raise ValueError(
                "Bands takes shares= or event-rate targets, not both: bands without "
                "a target already share the remaining rows equally."
            )
        overlap = set(self.min_event_rate) & set(self.max_event_rate)
        if overlap:
            raise ValueError(
                f"bands {preview(sorted(overlap, key=str))} have both a minimum and a "
                f"maximum event rate; give each band one target."
            )
        self._check_target_order()
        if len(self.min_event_rate) + len(self.max_event_rate) == len(names):
            raise ValueError(
                "every band has an event-rate target; leave at least one band "
                "without one: it takes the rows between the targeted bands."
            )
        set_(self, "confidence", self._check_confidence(confidence))
        if not isinstance(joint, bool):
            raise TypeError(f"joint must be True or False, got {joint!r}.")
        if joint and confidence is None:
            raise ValueError(
                "joint=True makes certified bands hold together; it needs "
                "confidence=, e.g. Bands(..., confidence=0.9, joint=True)."
            )
        set_(self, "joint", joint)

    def _check_confidence(self, confidence: Any) -> float | None:
        """Certified targets: only the edge bands', each a floor in (0, 1]."""
        if confidence is None:
            return None
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, Real)
            or not 0 < confidence < 1
        ):
            raise ValueError(
                f"confidence must be a number in (0, 1), got {confidence!r}; e.g. "
                f"confidence=0.9 for targets that hold with 90% probability."
            )
        inner = [n for n in self.min_event_rate if n != self.names[-1]]
        inner += [n for n in self.max_event_rate if n != self.names[0]]
        if not (self.min_event_rate or self.max_event_rate) or inner:
            raise ValueError(
                f"confidence= certifies min_event_rate of the highest band "
                f"{self.names[-1]!r} and max_event_rate of the lowest band "
                f"{self.names[0]!r}; got targets for "
                f"{preview(inner) if inner else 'no band'}. Target only the edge "
                f"bands, or drop confidence= (targets met on the tuning rows)."
            )
        if any(rate == 0 for rate in self.min_event_rate.values()) or any(
            rate == 1 for rate in self.max_event_rate.values()
        ):
            raise ValueError(
                f"a certified min_event_rate must be above 0 and a max_event_rate "
                f"below 1 (else every row meets it), got {self!r}; drop that target."
            )
        return float(confidence)

    def _check_cuts(self, cuts: Any) -> tuple:
        try:
            values = np.asarray(cuts, dtype=float)
        except (TypeError, ValueError, OverflowError):
            raise ValueError(f"cuts must be numbers, got {cuts!r}.") from None
        if values.ndim != 1 or len(values) != len(self.names) - 1:
            raise ValueError(
                f"{len(self.names)} band names need {len(self.names) - 1} cut-points "
                f"(one between each pair of neighbours), got {cuts!r}."
            )
        if not np.all(np.isfinite(values)):
            raise ValueError(f"cuts must be finite numbers, got {cuts!r}.")
        if np.any(np.diff(values) <= 0):
            raise ValueError(
                f"cuts must increase strictly, like the bands {list(self.names)!r} "
                f"from low to high; got {cuts!r}."
            )
        return tuple(values.tolist())

    def _check_shares(self, shares: Any) -> tuple:
        values = np.asarray(shares, dtype=float)
        if values.ndim != 1 or len(values) != len(self.names):
            raise ValueError(
                f"shares needs one share per band ({len(self.names)}), got {shares!r}."
            )
        if np.any(values < 0) or not np.isclose(values.sum(), 1.0):
            raise ValueError(
                f"shares must be non-negative and sum to 1, got {shares!r}."
            )
        return tuple(values.tolist())

    def _check_target_order(self) -> None:
        """Top-down targets are the highest bands; bottom-up ones the lowest."""
        top = [self.names.index(n) for n in self.min_event_rate]
        bottom = [self.names.index(n) for n in self.max_event_rate]
        k = len(self.names)
        if top and sorted(top) != list(range(k - len(top), k)):
            raise ValueError(
                f"min_event_rate fills bands from the top down: name the highest "
                f"{len(top)} bands of {list(self.names)!r}, got "
                f"{list(self.min_event_rate)!r}."
            )
        if bottom and sorted(bottom) != list(range(len(bottom))):
            raise ValueError(
                f"max_event_rate fills bands from the bottom up: name the lowest "
                f"{len(bottom)} bands of {list(self.names)!r}, got "
                f"{list(self.max_event_rate)!r}."
            )

    @property
    def fixed(self) -> bool:
        """Whether the cuts are given (not tuned)."""
        return self.cuts is not None

    def __repr__(self) -> str:
        parts = [repr(list(self.names))]
        for name in ("cuts", "shares"):
            if getattr(self, name) is not None:
                parts.append(f"{name}={list(getattr(self, name))!r}")
        for name in ("min_event_rate", "max_event_rate"):
            if getattr(self, name):
                parts.append(f"{name}={getattr(self, name)!r}")
        if self.score_of is not None:
            parts.append(f"score_of={self.score_of!r}")
        if self.confidence is not None:
            parts.append(f"confidence={self.confidence!r}")
        if self.joint:
            parts.append("joint=True")
        return f"Bands({', '.join(parts)})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Bands) and repr(self) == repr(other)

    def __hash__(self) -> int:
        return hash(repr(self))

    def with_cuts(self, cuts: Any, certificates: Any = None) -> Bands:
        """The same names (and score) with fixed ``cuts``: the tuned bands.

        Tuned cuts may repeat: the band between two equal cuts is empty (reported
        with a :class:`BandWarning` when it was tuned). ``certificates``:
        ``{band name: BandCertificate}`` of certified bands.
        """
        values = np.asarray(cuts, dtype=float)
        if values.shape != (len(self.names) - 1,) or np.any(np.diff(values) < 0):
            raise ValueError(f"tuned cuts must not decrease, got {cuts!r}.")
        tuned = Bands(self.names, score_of=self.score_of)
        object.__setattr__(tuned, "cuts", tuple(values.tolist()))
        object.__setattr__(tuned, "certificates", dict(certificates or {}))
        return tuned

    def assign(self, score: np.ndarray, *, logits: bool = False) -> np.ndarray:
        """The band index of each score (``>=`` a cut: the higher band)."""
        if self.cuts is None:
            raise ValueError(
                f"{self!r} has no cuts yet: they are tuned on labelled rows (fit, "
                f"or tune_bands); or pass cuts=[...]."
            )
        cuts = np.asarray(self.cuts, dtype=float)
        if logits:  # a cut above 1 (an empty certified band) stays above every logit
            with np.errstate(divide="ignore"):
                cuts = np.where(cuts > 1, np.inf, logit(np.minimum(cuts, 1)))
        return np.searchsorted(cuts, np.asarray(score, dtype=float), side="right")

    def labels(self, score: np.ndarray, *, logits: bool = False) -> np.ndarray:
        """The band names of the scores, as a 1-D array of their natural dtype."""
        names = np.asarray(self.names)
        return names[self.assign(score, logits=logits)]

    def to_dict(self) -> dict:
        """The bands as plain JSON values (fixed cuts only), with the certificates
        of certified bands."""
        out = {
            "names": list(self.names),
            "cuts": None if self.cuts is None else list(self.cuts),
            "score_of": self.score_of,
        }
        if self.certificates:
            out["certificates"] = [c.to_dict() for c in self.certificates.values()]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Bands:
        unknown = set(data) - {"names", "cuts", "score_of", "certificates"}
        if unknown:
            raise ValueError(
                f"bands in a thresholds file hold names, cuts, score_of and "
                f"certificates; unknown fields {sorted(unknown)!r}."
            )
        bands = cls(data["names"], data.get("cuts"), score_of=data.get("score_of"))
        certificates = [_certificate(c) for c in data.get("certificates") or ()]
        if certificates:
            return bands.with_cuts(bands.cuts, {c.band: c for c in certificates})
        return bands


def _certificate(data: Any) -> BandCertificate:
    """A band's certificate read back from a thresholds file."""
    fields = set(BandCertificate.__dataclass_fields__)
    if not isinstance(data, dict) or set(data) != fields:
        raise ValueError(
            f"a band certificate in a thresholds file holds the fields "
            f"{sorted(fields)}, got {data!r}; write the file again with this sklabels."
        )
    return BandCertificate(**data)


# ---------------------------------------------------------------------- tuning
def _distinct_descending(score: np.ndarray, event: np.ndarray) -> tuple:
    """Distinct scores from the highest, with the rows and events at each."""
    values, inverse = np.unique(score, return_inverse=True)
    rows = np.bincount(inverse, minlength=len(values))
    events = np.bincount(inverse, weights=event, minlength=len(values))
    return values[::-1], rows[::-1], events[::-1]


def _largest_prefix(rows: np.ndarray, events: np.ndarray, rate: float, at_least: bool):
    """Largest number of leading groups whose pooled event rate meets the target."""
    n = np.cumsum(rows)
    e = np.cumsum(events)
    ok = e >= rate * n - 1e-12 * n if at_least else e <= rate * n + 1e-12 * n
    if not ok.any():
        return 0
    return int(np.flatnonzero(ok)[-1]) + 1


def _cut_between(high: float, low: float) -> float:
    """A cut between two neighbouring distinct scores (``high`` in, ``low`` out)."""
    return float((high + low) / 2)


class BandRow(NamedTuple):
    """One band of a report: its name, rows, events and event rate with interval,
    and the band's certificate where its target was certified (else ``None``)."""

    name: Any
    count: int
    share: float
    events: float
    event_rate: float
    low: float
    high: float
    certificate: BandCertificate | None = None


def _scores_and_events(score: Any, event: Any) -> tuple[np.ndarray, np.ndarray]:
    """One column of finite numeric scores and one of events, as floats."""
    arrays = []
    for name, values in (("scores", score), ("events", event)):
        values = np.asarray(values)
        if values.ndim == 2 and values.shape[1] == 1:
            values = values[:, 0]
        if values.ndim != 1 or values.dtype.kind not in "biuf":
            raise ValueError(
                f"bands are tuned on one column of numeric {name}; got "
                f"{preview(values)} of shape {values.shape}. Pass the score of the "
                f"banded class (score_of=) and y == the event's class."
            )
        arrays.append(values.astype(float))
    if not np.isfinite(arrays[0]).all():
        raise ValueError(
            "the scores hold NaN or infinity; bands are tuned on finite scores. "
            "Drop those rows or fix the model's output."
        )
    return arrays[0], arrays[1]


def tune_bands(bands: Bands, score: Any, event: Any, *, logits: bool = False) -> Bands:
    """Tune the cuts of ``bands`` on labelled rows: ``score`` and 0/1 ``event``.

    Returns the bands with fixed cuts. Cuts are probabilities: for logit scores
    (``logits=True``) the cut between two logits is mapped back through ``expit``.
    In memory; the public :func:`sklabels.tune_bands` also takes Dask arrays.
    """
    if bands.fixed:
        return bands
    score, event = _scores_and_events(score, event)
    if len(score) != len(event):
        raise ValueError(
            f"the scores have {len(score)} rows but the labels {len(event)}; pass "
            f"the labels of the same rows."
        )
    if not len(score):
        raise ValueError("bands are tuned on labelled rows; none were given.")
    if not np.isin(event, (0, 1)).all():
        raise ValueError(
            f"events must be 0/1 (or False/True), one per score; got the values "
            f"{preview(np.unique(event))}. Pass y == the event's class."
        )
    values, rows, events = _distinct_descending(score, event)
    certificates = _certificates(bands, score, event, logits)
    fixed = {
        name: _certified_groups(values, certificate, logits)
        for name, certificate in certificates.items()
    }
    steps = band_steps(bands, rows, events, fixed)
    return finish_bands(bands, steps, values, values, logits, certificates)


@dataclass(frozen=True)
class BandSteps:
    """Where :func:`tune_bands` put each boundary, on groups of scores ordered from
    the highest (each group: a distinct score, or a run of them).

    ``top``: ``(start, size, rate, name)`` of each top-down band (groups from the
    top); ``bottom``: ``(stop, size, limit, rate, name)`` of each bottom-up band
    (groups from the bottom, within the first ``limit``); ``middle``: the groups
    ``[lo, hi)`` the shared bands split, at the row counts ``targets`` from ``lo``;
    ``from_top``: every boundary as the number of groups above it, from the top.
    """

    top: tuple
    bottom: tuple
    middle: tuple
    targets: np.ndarray
    from_top: tuple


def band_steps(
    bands: Bands, rows: np.ndarray, events: np.ndarray, fixed: dict | None = None
) -> BandSteps:
    """The boundaries of tuned ``bands`` on groups ordered from the highest score,
    with ``rows`` and ``events`` per group; ``fixed``: ``{band: groups}`` of bands
    whose size is already known (certified)."""
    fixed = fixed or {}
    k, g = len(bands.names), len(rows)
    top, start = [], 0
    for name in reversed(bands.names):
        if name not in bands.min_event_rate:
            break
        rate = bands.min_event_rate[name]
        size = _largest_prefix(rows[start:], events[start:], rate, True)
        size = fixed.get(name, size)
        top.append((start, size, rate, name))
        start += size
    asc_rows, asc_events = rows[::-1], events[::-1]
    bottom, stop, limit = [], 0, g - start
    for name in bands.names:
        if name not in bands.max_event_rate:
            break
        rate = bands.max_event_rate[name]
        size = _largest_prefix(
            asc_rows[stop:limit], asc_events[stop:limit], rate, False
        )
        if name in fixed:
            size = _overlap(name, fixed[name], limit - stop)
        bottom.append((stop, size, limit, rate, name))
        stop += size
    # The middle bands share the remaining rows (given shares: all of them).
    middle = k - len(top) - len(bottom)
    lo, hi = start, g - stop
    if bands.shares is not None:
        shares = np.asarray(bands.shares)
    else:
        shares = np.full(middle, 1.0 / middle) if middle else np.zeros(0)
    inner, targets = _share_boundaries(rows[lo:hi], shares)
    from_top = [
        *[t[0] + t[1] for t in top],
        *(inner + lo).tolist(),
        *[g - b[0] - b[1] for b in reversed(bottom)],
    ]
    return BandSteps(tuple(top), tuple(bottom), (lo, hi), targets, tuple(from_top))


def finish_bands(
    bands: Bands,
    steps: BandSteps,
    lowest: np.ndarray,
    highest: np.ndarray,
    logits: bool,
    certificates: dict | None = None,
) -> Bands:
    """The tuned bands of ``steps``: each cut midway between the lowest score
    above it and the highest below (``lowest``/``highest``: per group, from the
    top); a certified band's edge is its certified cut, as tested."""
    certificates = certificates or {}
    for _, size, rate, name in steps.top:
        if size == 0 and name not in certificates:
            _warn_unfilled(name, "min_event_rate", rate)
    for _, size, _, rate, name in steps.bottom:
        if size == 0 and name not in certificates:
            _warn_unfilled(name, "max_event_rate", rate)
    cuts = [_cut_at(lowest, highest, b) for b in steps.from_top]
    cuts = np.asarray(cuts[::-1], dtype=float)  # increasing
    if logits:
        cuts = expit(cuts)
    if bands.names[-1] in certificates:
        cuts[-1] = certificates[bands.names[-1]].cut
    if bands.names[0] in certificates:
        _, size, limit, _, _ = steps.bottom[0]
        if size < limit:  # else cut back to the highest band's edge
            cuts[0] = certificates[bands.names[0]].cut
    return bands.with_cuts(np.maximum.accumulate(cuts), certificates)


def _certificates(bands: Bands, score: np.ndarray, event: np.ndarray, logits: bool):
    """The edge bands' certificates (``confidence=``), warning for empty ones."""
    if bands.confidence is None:
        return {}
    prob = expit(score) if logits else score
    certificates = certify_edges(
        bands.names,
        bands.min_event_rate,
        bands.max_event_rate,
        bands.confidence,
        bands.joint,
        prob,
        event,
    )
    for name, certificate in certificates.items():
        if not certificate.certified:
            warnings.warn(
                f"band {name!r} is empty: no set of scores at its end is certified "
                f"to meet {certificate.target}={certificate.rate:g} with confidence "
                f"{certificate.confidence:g} on these {len(score)} rows. Use more "
                f"rows, a looser target or a lower confidence.",
                BandWarning,
                stacklevel=user_stacklevel(),
            )
    return certificates


def _certified_groups(
    values: np.ndarray, certificate: BandCertificate, logits: bool
) -> int:
    """How many distinct scores (``values`` descending) the certified band holds."""
    prob = expit(values) if logits else values
    if certificate.target == "min_event_rate":
        return int(np.count_nonzero(prob >= certificate.cut))
    return int(np.count_nonzero(prob < certificate.cut))


def _overlap(name: Any, size: int, limit: int) -> int:
    """The certified lowest band, cut back where it reaches into the highest."""
    if size <= limit:
        return size
    warnings.warn(
        f"band {name!r}: its certified set reaches into the highest band's; it "
        f"keeps the scores below the highest band, a subset its certificate does "
        f"not cover. Loosen one of the two targets.",
        BandWarning,
        stacklevel=user_stacklevel(),
    )
    return limit


def _share_boundaries(rows: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Group counts (from the top) closing all but the lowest of the shared bands,
    and their target row counts.

    ``shares`` run from the lowest band to the highest; the rows of the groups are
    from the highest score down. Each boundary falls at the distinct-score boundary
    nearest to its target count of rows.
    """
    if len(shares) <= 1:
        return np.zeros(0, dtype=int), np.zeros(0)
    total = rows.sum()
    cumulative = np.concatenate([[0], np.cumsum(rows)])
    targets = np.cumsum(shares[::-1])[:-1] * total  # rows above each boundary
    positions = np.searchsorted(cumulative, targets)
    out = []
    for target, pos in zip(targets, positions, strict=True):
        candidates = [p for p in (pos - 1, pos) if 0 <= p < len(cumulative)]
        best = min(candidates, key=lambda p: (abs(cumulative[p] - target), p))
        out.append(best)
    return np.maximum.accumulate(np.asarray(out, dtype=int)), targets


def _cut_at(lowest: np.ndarray, highest: np.ndarray, groups_above: int) -> float:
    """The cut with ``groups_above`` groups of scores (descending) above it."""
    g = len(lowest)
    if groups_above <= 0:
        return float(np.nextafter(highest[0], np.inf))  # above every score: empty
    if groups_above >= g:
        return float(lowest[-1])  # every row in or above
    return _cut_between(lowest[groups_above - 1], highest[groups_above])


def _warn_unfilled(name: Any, what: str, rate: float) -> None:
    warnings.warn(
        f"band {name!r} is empty: no set of the tuning rows meets {what}={rate:g} "
        f"(the scores reach no such event rate at the end where this band lies). "
        f"Lower the target, or give cuts=[...].",
        BandWarning,
        stacklevel=user_stacklevel(),
    )


def band_report(
    bands: Bands,
    score: Any,
    event: Any,
    *,
    logits: bool = False,
    confidence: float = 0.95,
) -> list[BandRow]:
    """Per band: rows, share, events, event rate and its Clopper-Pearson interval,
    and the certificate of a certified band (tuned with ``confidence=``).

    Event rates are reported as they are: monotone rates across bands are shown,
    not assumed.
    """
    score = np.asarray(score, dtype=float).ravel()
    event = np.asarray(event, dtype=float).ravel()
    index = bands.assign(score, logits=logits)
    k = len(bands.names)
    counts = np.bincount(index, minlength=k)
    events = np.bincount(index, weights=event, minlength=k)
    alpha = 1 - confidence
    rows = []
    for j, name in enumerate(bands.names):
        n, e = int(counts[j]), float(events[j])
        rate = e / n if n else float("nan")
        low = beta.ppf(alpha / 2, e, n - e + 1) if e > 0 else 0.0
        high = beta.ppf(1 - alpha / 2, e + 1, n - e) if e < n else 1.0
        rows.append(
            BandRow(
                name,
                n,
                n / max(len(score), 1),
                e,
                rate,
                float(low) if n else float("nan"),
                float(high) if n else float("nan"),
                bands.certificates.get(name),
            )
        )
    return rows


def plot_bands(rows: list[BandRow], ax: Any = None) -> Any:
    """Event rate per band with its interval (a point and a bar per band).

    ``rows`` is :func:`band_report`'s result; returns the matplotlib axes.
    """
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    names = [str(row.name) for row in rows]
    rates = np.array([row.event_rate for row in rows], dtype=float)
    low = np.array([row.low for row in rows], dtype=float)
    high = np.array([row.high for row in rows], dtype=float)
    ax.errorbar(
        names,
        rates,
        yerr=[rates - low, high - rates],
        fmt="o",
        capsize=4,
        label="event rate (interval)",
    )
    for name, row in zip(names, rows, strict=True):
        ax.annotate(f"n={row.count}", (name, row.high), ha="center", va="bottom")
    ax.set_ylabel("event rate")
    ax.set_ylim(0, 1.05)
    ax.set_title("event rate per band")
    return ax
