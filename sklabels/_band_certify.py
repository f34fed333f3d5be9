"""Certified bands: an edge band's event rate bounded on new data with a confidence.

``Bands(names, min_event_rate={"emergency": 0.6}, confidence=0.9)``: the highest
band is the largest set of top scores ``{score >= cut}`` whose event rate on new
exchangeable data is at least 0.6 with probability at least 0.9 over the draw of
the tuning rows. The event rate of a top set is the precision of the cut, so the
cut is certified as :func:`~sklabels.certify_cut` certifies a precision floor
(exact binomial tails conditional on the set's size, fixed-sequence walks over the
fixed grid of 1001 cuts on [0, 1], from the highest cuts down), and the certified
cut keeping the most rows is chosen.

``max_event_rate={"routine": 0.02}`` is the mirror: the lowest band is the
largest set of bottom scores ``{score <= g}`` (``g`` on the same grid) whose share
of non-events is certified at least 0.98, walking from the lowest cuts up; the
band's cut is the next float above ``g``, so that ``score < cut`` is exactly
``score <= g``.

Only the highest and the lowest band can be certified: an inner band's edges
would depend on the rows that chose the outer band's cut. Where no set is
certified, the band is empty on any data (cut :data:`EMPTY_TOP` above every
probability, or 0 below every probability) and a
:class:`~sklabels.BandWarning` says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._certify import DEFAULT_CANDIDATES, certify_cut

# A cut no probability reaches: the highest band, certified for no set, stays empty.
EMPTY_TOP = 2.0
# A cut below which no probability lies: the lowest band, certified for no set.
EMPTY_BOTTOM = 0.0


@dataclass(frozen=True)
class BandCertificate:
    """How one edge band was certified.

    Attributes
    ----------
    band : label
        The band's name.
    target : {"min_event_rate", "max_event_rate"}
    rate : float
        The floor (``min_event_rate``) or ceiling (``max_event_rate``).
    confidence : float
        The probability that the band's event rate on new data meets ``rate`` (for
        ``joint=True``: that all certified bands meet theirs together).
    certified : bool
        Whether any set was certified; ``False``: the band is empty.
    cut : float
        The band's edge (a probability): ``score >= cut`` for the highest band,
        ``score < cut`` for the lowest.
    p_value : float
        The p-value of the chosen set (1.0 where none was certified).
    n_certified : int
        How many of the candidate sets were certified.
    n_candidates : int
        How many candidate sets were tested (the fixed grid of cuts).
    """

    band: Any
    target: str
    rate: float
    confidence: float
    certified: bool
    cut: float
    p_value: float
    n_certified: int
    n_candidates: int

    def to_dict(self) -> dict:
        """The certificate as plain JSON values."""
        return dict(self.__dict__)


def certify_top(
    band: Any, prob: np.ndarray, event: np.ndarray, rate: float, level: float
) -> BandCertificate:
    """The largest top set ``{prob >= cut}`` certified to hold ``rate`` or more."""
    certificate = certify_cut(
        prob,
        event,
        metric="precision",
        floor=rate,
        confidence=level,
        objective="coverage",
        warn=False,
    )
    cut = certificate.cut if certificate.certified else EMPTY_TOP
    return _record(band, "min_event_rate", rate, level, certificate, cut)


def certify_bottom(
    band: Any, prob: np.ndarray, event: np.ndarray, rate: float, level: float
) -> BandCertificate:
    """The largest bottom set ``{prob < cut}`` certified to hold ``rate`` or less:
    the mirror of :func:`certify_top` on ``-prob`` and the non-events."""
    certificate = certify_cut(
        -prob,
        1 - event,
        metric="precision",
        floor=1 - rate,
        confidence=level,
        objective="coverage",
        candidates=-DEFAULT_CANDIDATES,
        warn=False,
    )
    if certificate.certified:  # {-prob >= -g} is {prob <= g}, i.e. {prob < next(g)}
        cut = float(np.nextafter(-certificate.cut, np.inf))
    else:
        cut = EMPTY_BOTTOM
    return _record(band, "max_event_rate", rate, level, certificate, cut)


def _record(band, target, rate, level, certificate, cut) -> BandCertificate:
    return BandCertificate(
        band=band,
        target=target,
        rate=float(rate),
        confidence=float(level),
        certified=bool(certificate.certified),
        cut=float(cut),
        p_value=float(certificate.p_value),
        n_certified=int(certificate.n_certified),
        n_candidates=int(certificate.n_candidates),
    )


def certify_edges(
    names: tuple,
    min_event_rate: dict,
    max_event_rate: dict,
    confidence: float,
    joint: bool,
    prob: np.ndarray,
    event: np.ndarray,
) -> dict:
    """``{band name: BandCertificate}`` for the highest and lowest targeted bands.

    ``joint``: every band is tested at ``1 - (1 - confidence) / m`` for ``m``
    certified bands (Bonferroni), so all hold together with ``confidence``.
    """
    targets = []
    if names[-1] in min_event_rate:
        targets.append((names[-1], min_event_rate[names[-1]], certify_top))
    if names[0] in max_event_rate:
        targets.append((names[0], max_event_rate[names[0]], certify_bottom))
    level = 1 - (1 - confidence) / len(targets) if joint else confidence
    out = {}
    for name, rate, certify in targets:
        certificate = certify(name, prob, event, rate, level)
        if joint:
            fields = dict(certificate.__dict__, confidence=confidence)
            certificate = BandCertificate(**fields)
        out[name] = certificate
    return out
