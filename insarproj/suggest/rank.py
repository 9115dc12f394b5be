"""From found scenes to ranked track suggestions (docs/suggest.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from insarproj.scenes.geometry import AoiCoverage
from insarproj.scenes.model import PinnedScene, SearchRequest
from insarproj.scenes.passes import group_passes
from insarproj.scenes.stacks import mismatch_reason, track_id
from insarproj.suggest.stats import DateStats, date_stats, score


@dataclass(frozen=True)
class TrackSuggestion:
    """One flight direction + relative orbit over the AOI, with its statistics and score."""

    flight_direction: str
    relative_orbit: int
    stats: DateStats
    score: float
    coverages: tuple[tuple[date, float], ...]
    burst_ids: dict[str, list[str]] = field(default_factory=dict)  # swath -> full burst ids

    @property
    def id(self) -> str:
        return track_id(self.flight_direction, self.relative_orbit)

    def to_json(self) -> dict[str, Any]:
        """The documented JSON shape of one suggestion (docs/suggest.md, "--json")."""
        s = self.stats
        gap = s.longest_gap
        return {
            "track": self.id,
            "flight_direction": self.flight_direction,
            "relative_orbit": self.relative_orbit,
            "score": round(self.score, 3),
            "dates": s.dates,
            "coverage_min": round(s.min_coverage, 4),
            "coverage_mean": round(s.mean_coverage, 4),
            "median_revisit_days": s.median_revisit_days,
            "longest_gap_days": s.longest_gap_days,
            "longest_gap": [gap[0].isoformat(), gap[1].isoformat()] if gap else None,
            "acquisitions_per_month": round(s.per_month, 2),
            "burst_ids": self.burst_ids or None,
        }


def suggest_tracks(
    scenes: Sequence[PinnedScene], request: SearchRequest, aoi: AoiCoverage
) -> list[TrackSuggestion]:
    """Every track with a scene over the AOI, best first (score, then more dates, then track id)."""
    tracks: dict[tuple[str, int], list[PinnedScene]] = defaultdict(list)
    for scene in scenes:
        # A stand-in catalogue may ignore a filter; a scene beside the AOI says nothing about it.
        if mismatch_reason(scene, request) is None and aoi.overlaps(scene.footprint_wkt):
            tracks[(scene.flight_direction, scene.relative_orbit)].append(scene)
    found = [_suggestion(key, members, request, aoi) for key, members in tracks.items()]
    return sorted(found, key=lambda t: (-t.score, -t.stats.dates, t.id))


def _suggestion(
    key: tuple[str, int], members: list[PinnedScene], request: SearchRequest, aoi: AoiCoverage
) -> TrackSuggestion:
    coverages = tuple(
        (item.date, aoi.share(s.footprint_wkt for s in item.scenes)) for item in group_passes(members)
    )
    stats = date_stats(coverages, request.start, request.end)
    return TrackSuggestion(
        flight_direction=key[0],
        relative_orbit=key[1],
        stats=stats,
        score=score(stats, [share for _, share in coverages]),
        coverages=coverages,
        burst_ids=_burst_ids(members) if request.product == "BURST" else {},
    )


def _burst_ids(members: list[PinnedScene]) -> dict[str, list[str]]:
    """Full burst ids over the AOI per sub-swath (members already overlap the AOI)."""
    by_swath: dict[str, set[str]] = defaultdict(set)
    for burst in members:
        if burst.burst_id_full:
            swath = burst.subswath or burst.burst_id_full.rsplit("_", 1)[-1]
            by_swath[swath].add(burst.burst_id_full)
    return {swath: sorted(ids) for swath, ids in sorted(by_swath.items())}
