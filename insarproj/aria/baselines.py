"""Perpendicular baselines of a GUNW stack's dates, from the pairs' catalogue values (docs/aria.md
"Perpendicular baselines").

Each GUNW product's CMR entry carries its pair's perpendicular baseline (UMM AdditionalAttribute
PERPENDICULAR_BASELINE, metres); `[pairs] max_perpendicular_baseline` compares dates' baselines
relative to one date of the stack (pairs/network.py). A date's baseline is found by walking the
pairs outward from the earliest date of the largest connected group of dates, adding each pair's
value: B(later) = B(earlier) + bperp. Whatever sign convention ARIA's value has, the walk flips
every date alike, so the differences the network compares keep their size. Dates outside that
group stay unknown (the network names them: the limit is not applied to their pairs). Pure.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict, deque
from collections.abc import Iterable


def date_baselines(pairs: Iterable[tuple[dt.date, dt.date, float | None]]) -> dict[dt.date, float]:
    """{date: baseline relative to the group's first date} from (earlier, later, bperp) pairs."""
    links: dict[dt.date, list[tuple[dt.date, float]]] = defaultdict(list)
    for earlier, later, bperp in pairs:
        if bperp is None:
            continue
        links[earlier].append((later, bperp))
        links[later].append((earlier, -bperp))
    best: dict[dt.date, float] = {}
    seen: set[dt.date] = set()
    for start in sorted(links):
        if start in seen:
            continue
        group = _walk(start, links)
        seen |= set(group)
        if len(group) > len(best):
            best = group
    return best


def _walk(start: dt.date, links: dict[dt.date, list[tuple[dt.date, float]]]) -> dict[dt.date, float]:
    found = {start: 0.0}
    queue = deque([start])
    while queue:
        here = queue.popleft()
        for there, step in sorted(links[here]):
            if there not in found:
                found[there] = found[here] + step
                queue.append(there)
    return found


def pair_bperp(values: Iterable[float | None]) -> float | None:
    """A pair's baseline from its frames' products (the mean; None when none carries one)."""
    known = [v for v in values if v is not None]
    return round(sum(known) / len(known), 3) if known else None
