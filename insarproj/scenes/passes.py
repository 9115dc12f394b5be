"""Grouping the scenes of one track into passes (acquisition dates).

A pass is the run of consecutive slices (or bursts) one satellite records while crossing the AOI:
slices follow each other within seconds, repeat passes of a track come days apart. Grouping by
calendar day would split a pass that crosses midnight UTC, so slices are grouped by time gaps and the
date is named after the first slice's start date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from insarproj.scenes.model import PinnedScene

# Slices of one pass start ~25 s apart even when a pass is long; one satellite revisits a track
# after 12 days, two after 6, and different tracks never share a stack. Ten minutes separates them
# safely while tolerating a missing slice or two in the middle of a pass.
PASS_GAP = timedelta(minutes=10)


@dataclass
class Pass:
    date: dt.date
    scenes: list[PinnedScene] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return sorted(s.name for s in self.scenes)

    @property
    def days(self) -> set[dt.date]:
        """Every UTC day a slice of the pass starts on (two for a pass crossing midnight)."""
        return {s.start_date for s in self.scenes}


def parse_utc(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def group_passes(scenes: list[PinnedScene]) -> list[Pass]:
    """Passes of one track in time order; each pass holds its scenes sorted by name."""
    ordered = sorted(scenes, key=lambda s: (s.start_time, s.name))
    passes: list[Pass] = []
    previous: datetime | None = None
    for scene in ordered:
        start = parse_utc(scene.start_time)
        if previous is None or start - previous > PASS_GAP:
            passes.append(Pass(date=scene.start_date))
        passes[-1].scenes.append(scene)
        previous = max(previous, parse_utc(scene.stop_time)) if previous else parse_utc(scene.stop_time)
    for item in passes:
        item.scenes.sort(key=lambda s: s.name)
    return passes
