"""Which pinned pairs the project takes (docs/aria.md): those covering at least min_coverage of
the AOI, then the [pairs] network built over their dates, restricted to pairs with products.
Network pairs without a published product are reported, not invented. Pure: no I/O."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from insarproj.aria.baselines import date_baselines
from insarproj.aria.model import AriaPair, AriaStack
from insarproj.pairs import NetworkDate, NetworkSettings, build_network


@dataclass(frozen=True)
class StackChoice:
    stack: str
    selected: tuple[AriaPair, ...]
    below_coverage: tuple[AriaPair, ...]
    missing: tuple[str, ...]  # network pairs (keys) without a product
    not_selected: int  # available pairs the network does not take
    notes: tuple[str, ...]
    left_out: tuple[str, ...] = ()  # pairs left out by [search] exclude_dates / season, with why


def _date(text: str) -> dt.date:
    return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def choose_pairs(
    stack: AriaStack, settings: NetworkSettings, min_coverage: float, extra_dates: Iterable[dt.date] = ()
) -> StackChoice:
    """``extra_dates``: acquisition dates without a usable product (on demand: the SLC search's)."""
    usable = [p for p in stack.pairs if p.coverage >= min_coverage]
    below = tuple(p for p in stack.pairs if p.coverage < min_coverage)
    dates = sorted({_date(part) for p in usable for part in p.key.split("_")} | set(extra_dates))
    if not dates:
        return StackChoice(stack.id, (), below, (), 0, ())
    # Every pair's catalogue baseline (even below min_coverage) helps place the dates.
    bperps = date_baselines((_date(p.key[:8]), _date(p.key[9:]), p.bperp) for p in stack.pairs)
    network = build_network(
        stack.id,
        [NetworkDate(date=d, bperp=bperps.get(d), scenes=(), polarizations=frozenset({"VV"})) for d in dates],
        settings,
    )
    by_key = {p.key: p for p in usable}
    wanted = [pair.key for pair in network.pairs]
    selected = tuple(by_key[k] for k in wanted if k in by_key)
    missing = tuple(k for k in wanted if k not in by_key)
    notes = list(network.notes) + _bperp_notes(dates, bperps, settings)
    report = network.disconnection_report()
    if report:
        notes.append(report)
    return StackChoice(stack.id, selected, below, missing, len(by_key) - len(selected), tuple(notes))


def _bperp_notes(dates: list[dt.date], bperps: dict[dt.date, float], settings: NetworkSettings) -> list[str]:
    """Where `max_perpendicular_baseline` got its numbers, and where it could not be applied."""
    limit = settings.max_perpendicular_baseline
    if limit is None:
        return []
    unknown = [d for d in dates if d not in bperps]
    if not unknown:
        return [
            f"max_perpendicular_baseline ({limit:g} m) applied with the GUNW products' "
            "catalogue PERPENDICULAR_BASELINE"
        ]
    return [
        "the GUNW catalogue gives no PERPENDICULAR_BASELINE linking "
        f"{', '.join(d.isoformat() for d in unknown)} to the other dates: max_perpendicular_baseline "
        "cannot be applied to their pairs"
    ]


def without_dates(
    stack: AriaStack, exclude_dates: set[dt.date], season: set[int] | None
) -> tuple[AriaStack, tuple[str, ...]]:
    """The stack without pairs touching a date of `[search] exclude_dates` or outside `season`
    (months), and one note per pair left out."""
    kept: list[AriaPair] = []
    notes: list[str] = []
    for pair in stack.pairs:
        dates = [_date(part) for part in pair.key.split("_")]
        excluded = [d for d in dates if d in exclude_dates]
        outside = [d for d in dates if season is not None and d.month not in season]
        if excluded:
            notes.append(f"{stack.id} {pair.key}: left out, {excluded[0].isoformat()} is in exclude_dates")
        elif outside:
            notes.append(f"{stack.id} {pair.key}: left out, {outside[0].isoformat()} is outside season")
        else:
            kept.append(pair)
    return AriaStack(stack.id, stack.frames, tuple(kept)), tuple(notes)
