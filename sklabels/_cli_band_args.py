"""The options of ``tune --bands``, kept apart from the band code so that the
command line starts without importing the library."""

from __future__ import annotations

import argparse


def add_tune_band_arguments(parser: argparse.ArgumentParser) -> None:
    """``tune --bands NAMES`` with its targets: tune band cuts, not thresholds."""
    group = parser.add_argument_group(
        "bands", "tune the cuts of ordered named bands of one score instead"
    )
    group.add_argument(
        "--bands",
        metavar="NAMES",
        help="band names from low to high, comma-separated (e.g. "
        "routine,urgent,emergency); without targets the bands share the rows equally",
    )
    group.add_argument(
        "--shares",
        metavar="SHARES",
        help="each band's share of the rows, comma-separated, summing to 1",
    )
    group.add_argument(
        "--min-event-rate",
        metavar="BAND=RATE",
        help="highest bands, from the top down: each the largest set of the next "
        "highest scores with at least this event rate (e.g. emergency=0.6; several "
        "as a=0.8,b=0.5)",
    )
    group.add_argument(
        "--max-event-rate",
        metavar="BAND=RATE",
        help="lowest bands, from the bottom up: at most this event rate",
    )
    group.add_argument(
        "--confidence",
        type=float,
        help="certify the highest band's --min-event-rate and the lowest band's "
        "--max-event-rate on new data with this probability (e.g. 0.9)",
    )
    group.add_argument(
        "--joint",
        action="store_true",
        help="with --confidence: both certified bands hold together",
    )
    group.add_argument(
        "--score-of",
        metavar="CLASS",
        help="the class whose score is cut (default: the positive class of a "
        "binary problem; required otherwise)",
    )
