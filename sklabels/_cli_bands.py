"""Bands on the command line: ``tune --bands`` tunes their cuts, ``report`` reports
them (one row per band), and the thresholds file carries them to ``decode``.

``sklabels tune val.csv labels.csv --bands routine,urgent,emergency --shares
0.5,0.3,0.2`` (or ``--min-event-rate emergency=0.6 --max-event-rate
routine=0.02 [--confidence 0.9]``) tunes the cuts as :func:`~sklabels.tune_bands`
does in Python, on the score ``decode`` would cut (the same columns, positive
class and logits flag), and writes the band rule as the thresholds file.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np

from ._band_rule import band_event, tune_band_rule
from ._bands import Bands, band_report
from ._cli_files import CommandError, as_float, python_value
from ._cli_options import parse_classes, typed_label
from ._decision import for_scores
from ._decode import decode_codes
from ._targets import as_class_array, fit_target, positive_index

_NO_OTHER_RULE = {
    "reject_threshold": None,
    "reject_label": None,
    "costs": None,
    "reject_cost": None,
    "priors": None,
    "train_priors": None,
}


def _rates(text: str | None, flag: str) -> dict | None:
    """``emergency=0.6,urgent=0.3``: ``{band: rate}`` (band names as text)."""
    if text is None:
        return None
    out = {}
    for part in text.split(","):
        name, sep, value = part.partition("=")
        rate = as_float(value.strip()) if sep else None
        if not name.strip() or rate is None or name.strip() in out:
            raise CommandError(
                f"{flag} {text!r} must be BAND=RATE pairs separated by commas, each "
                f"band once, e.g. {flag} emergency=0.6."
            )
        out[name.strip()] = rate
    return out


def tune_bands_of(args, classes: list) -> Bands | None:
    """The Bands ``tune --bands ...`` asks for (None without ``--bands``)."""
    names = getattr(args, "bands", None)
    targets = {
        "--shares": args.shares,
        "--min-event-rate": args.min_event_rate,
        "--max-event-rate": args.max_event_rate,
        "--confidence": args.confidence,
        "--joint": args.joint or None,
        "--score-of": args.score_of,
    }
    if names is None:
        given = [flag for flag, value in targets.items() if value is not None]
        if given:
            raise CommandError(
                f"{given[0]} applies to --bands; pass --bands NAMES too (e.g. "
                f"--bands routine,urgent,emergency)."
            )
        return None
    if args.scoring != "f1" or args.average != "macro":
        raise CommandError(
            "--scoring and --average tune thresholds; --bands tunes band cuts by "
            "--shares or event-rate targets. Drop one of them."
        )
    shares = None
    if args.shares is not None:
        shares = [as_float(v.strip()) for v in args.shares.split(",")]
        if any(v is None for v in shares):
            raise CommandError(
                f"--shares {args.shares!r} must be numbers separated by commas, "
                f"one per band, e.g. --shares 0.5,0.3,0.2."
            )
    score_of = args.score_of
    if score_of is not None:
        score_of = typed_label(score_of, list(classes), "--score-of")
    try:
        return Bands(
            parse_classes(names),
            shares=shares,
            min_event_rate=_rates(args.min_event_rate, "--min-event-rate"),
            max_event_rate=_rates(args.max_event_rate, "--max-event-rate"),
            confidence=args.confidence,
            joint=args.joint,
            score_of=score_of,
        )
    except (TypeError, ValueError) as exc:
        raise CommandError(f"--bands {names!r}: {exc}") from None


def _placeholder(bands: Bands) -> Bands:
    """Fixed bands of the same names and score: what ``decode`` validates with."""
    k = len(bands.names)
    return Bands(bands.names, np.linspace(0, 1, k + 1)[1:-1], score_of=bands.score_of)


def _scored(s, bands: Bands) -> tuple:
    """The scores as ``decode`` reads them: (classes, validated scores, problem,
    positive index, encoded truth)."""
    classes = as_class_array(s.classes)
    scores, problem, _, _ = decode_codes(
        s.scores,
        classes,
        problem=s.problem,
        threshold=_placeholder(bands),
        from_logits=s.from_logits,
        pos_label=s.pos_label,
    )
    _, truth = fit_target(s.truth, problem=problem, classes=classes)
    return (
        classes,
        scores,
        problem,
        positive_index(s.pos_label, classes, problem),
        truth,
    )


def tune_bands_decision(s, bands: Bands) -> Any:
    """The decision of ``bands`` tuned on the settings' scores and labels."""
    classes, scores, problem, pos_index, truth = _scored(s, bands)
    tuned = tune_band_rule(
        bands, scores, truth, classes=classes, problem=problem, pos_index=pos_index
    )
    return for_scores(
        scores,
        classes,
        problem=problem,
        pos_index=pos_index,
        threshold=tuned,
        **_NO_OTHER_RULE,
    )


def bands_text(decision: Any, from_logits: bool) -> str:
    """The thresholds file of tuned bands: the band decision, its positive class
    and logits flag."""
    binary = decision.problem == "binary"
    text = decision.to_dict()
    text["pos_label"] = (
        python_value(decision.classes[decision.pos_index]) if binary else None
    )
    text["from_logits"] = from_logits
    return json.dumps(text, indent=2, allow_nan=False) + "\n"


def band_report_text(s, bands: Bands) -> str:
    """One line per band of ``bands`` on the settings' scores and labels: rows,
    share, events, event rate with its 95% interval, and any certificate."""
    classes, scores, problem, pos_index, truth = _scored(s, bands)
    decision = for_scores(
        scores,
        classes,
        problem=problem,
        pos_index=pos_index,
        threshold=bands,
        **_NO_OTHER_RULE,
    )
    rule = decision.bands
    score, logits = rule.score(scores, problem)
    event = band_event(rule.column, truth, problem)
    rows = band_report(rule.bands, score, event, logits=logits)
    width = max(len(str(python_value(row.name))) for row in rows) + 2
    lines = [
        f"{'band':<{width}}{'count':>8}{'share':>8}{'events':>8}"
        f"{'rate':>8}   95% interval   certified"
    ]
    for row in rows:
        cert = row.certificate
        note = ""
        if cert is not None:
            sign = ">=" if cert.target == "min_event_rate" else "<="
            status = "yes" if cert.certified else "no (empty)"
            note = f"{status}: rate {sign} {cert.rate:g} at {cert.confidence:g}"
        rate = "" if row.count == 0 else f"{row.event_rate:8.4f}"
        interval = "" if row.count == 0 else f"[{row.low:.4f}, {row.high:.4f}]"
        lines.append(
            f"{python_value(row.name)!s:<{width}}{row.count:>8}{row.share:>8.4f}"
            f"{row.events:>8.0f}{rate:>8}   {interval:<14} {note}".rstrip()
        )
    return "\n".join(lines)
