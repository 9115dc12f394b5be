"""The orbit file for each scene that still lacks a precise one: POEORB first, RESORB otherwise.

Lists the bucket once per mission and type, from the oldest creation time those scenes could be
served by (docs/orbits.md), reusing and extending the listings cached in the observations.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from insarproj.orbits.listing import Listing, OrbitBucket, key_prefix, marker_for, refresh
from insarproj.orbits.select import OrbitFile, OrbitIndex, OrbitType, created_lower_bound


@dataclass(frozen=True)
class SceneTimes:
    """What selection needs of a scene: its name, mission and acquisition window (naive UTC)."""

    name: str
    mission: str
    start: datetime
    stop: datetime
    fallback: bool = True  # take a RESORB when no POEORB covers it (False: it has one already)


def choose(
    bucket: OrbitBucket,
    scenes: Iterable[SceneTimes],
    cached: Mapping[str, Any],
    now: datetime,
) -> tuple[dict[str, OrbitFile | None], dict[str, Listing]]:
    """(the chosen file of each scene — None when nothing covers it —, the listings made)."""
    pending = list(scenes)
    chosen: dict[str, OrbitFile | None] = {s.name: None for s in pending}
    listings: dict[str, Listing] = {}
    orbit_type: OrbitType
    for orbit_type in ("precise", "restituted"):
        by_mission: dict[str, list[SceneTimes]] = defaultdict(list)
        for scene in pending:
            by_mission[scene.mission].append(scene)
        pending = []
        for mission, group in sorted(by_mission.items()):
            prefix = key_prefix(orbit_type, mission)
            marker = marker_for(orbit_type, mission, created_lower_bound(min(s.start for s in group)))
            listing = refresh(bucket, prefix, marker, _cached(prefix, cached), now)
            listings[prefix] = listing
            index = OrbitIndex(f for f in listing.files if f.mission == mission and f.type == orbit_type)
            for scene in group:
                chosen[scene.name] = index.select(scene.start, scene.stop)
                if chosen[scene.name] is None and scene.fallback:
                    pending.append(scene)
        if not pending:
            break
    return chosen, listings


def _cached(prefix: str, cached: Mapping[str, Any]) -> Listing | None:
    raw = cached.get(prefix)
    return Listing.from_json(prefix, raw) if isinstance(raw, dict) else None
