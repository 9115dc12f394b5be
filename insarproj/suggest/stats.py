"""Pure statistics of one track's acquisition dates and the score that ranks tracks (docs/suggest.md).

No I/O and no geometry: inputs are (date, AOI share) pairs, so every rule is table-tested.
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

# A gap up to this many median revisits costs nothing: one missed acquisition (24 days on a 12-day
# track) is routine, a season-long hole is not (docs/suggest.md, "Score").
GAP_TOLERANCE = 2.0


@dataclass(frozen=True)
class DateStats:
    """What the dates of one track say about it over the searched period."""

    dates: int
    min_coverage: float
    mean_coverage: float
    median_revisit_days: float | None  # None with fewer than two dates
    longest_gap_days: int | None
    longest_gap: tuple[date, date] | None
    per_month: float  # acquisitions per 30.4375-day month of the searched period


def date_stats(coverages: Sequence[tuple[date, float]], start: date, end: date) -> DateStats:
    """Statistics of a track's dates (``coverages``: one (date, AOI share) per date, any order)."""
    ordered = sorted(coverages)
    days = [d for d, _ in ordered]
    shares = [share for _, share in ordered]
    months = max((end - start).days + 1, 1) / 30.4375
    gaps = [(later - earlier).days for earlier, later in itertools.pairwise(days)]
    longest = max(range(len(gaps)), key=lambda i: (gaps[i], -i)) if gaps else None
    return DateStats(
        dates=len(days),
        min_coverage=min(shares, default=0.0),
        mean_coverage=statistics.fmean(shares) if shares else 0.0,
        median_revisit_days=float(statistics.median(gaps)) if gaps else None,
        longest_gap_days=gaps[longest] if longest is not None else None,
        longest_gap=(days[longest], days[longest + 1]) if longest is not None else None,
        per_month=len(days) / months,
    )


def gap_factor(stats: DateStats) -> float:
    """1 while the longest gap is at most GAP_TOLERANCE median revisits, then falling with its length."""
    if stats.median_revisit_days is None or stats.longest_gap_days is None:
        return 1.0
    tolerated = GAP_TOLERANCE * max(stats.median_revisit_days, 1.0)
    return min(1.0, tolerated / stats.longest_gap_days)


def score(stats: DateStats, coverages: Sequence[float]) -> float:
    """Coverage-weighted date count times the gap penalty: the number of full-AOI dates the track is
    worth (a date covering 40 % of the AOI counts 0.4), less for long holes in the time series."""
    return sum(min(max(share, 0.0), 1.0) for share in coverages) * gap_factor(stats)
