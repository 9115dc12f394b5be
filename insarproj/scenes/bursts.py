"""Burst stacks: the bursts of a track that cover the AOI, split into groups one job can take.

A full burst id (``064_136231_IW1``) names a fixed patch of ground on a track, so the set of bursts
covering the AOI is a property of the track, not of a date. Bursts of one subswath are contiguous
when their relative burst numbers follow each other; neighbouring subswaths are offset by up to
one burst, so groups are built per subswath run (never across subswaths) and cut into chunks of
at most ``max_bursts`` (15 for INSAR_ISCE_MULTI_BURST, 1 for INSAR_ISCE_BURST). A date counts for a
group only when every burst of the group was acquired; otherwise the date is dropped from that
group with the missing burst ids named.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from insarproj.scenes.geometry import AoiCoverage
from insarproj.scenes.model import DroppedDate, DroppedScene, Stack, StackDate
from insarproj.scenes.passes import Pass

MULTI_BURST_LIMIT = 15


@dataclass(frozen=True, order=True)
class BurstId:
    subswath: str
    number: int
    path: int

    @classmethod
    def parse(cls, full: str) -> BurstId:
        try:
            path, number, subswath = full.split("_")
            return cls(subswath=subswath.upper(), number=int(number), path=int(path))
        except ValueError as exc:
            raise ValueError(f"{full!r} is not a full burst id like 064_136231_IW1") from exc

    @property
    def full(self) -> str:
        return f"{self.path:03d}_{self.number:06d}_{self.subswath}"


def burst_groups(full_ids: Iterable[str], max_bursts: int = MULTI_BURST_LIMIT) -> list[list[str]]:
    """Contiguous runs of burst ids per subswath, each at most ``max_bursts`` long, in id order."""
    if max_bursts < 1:
        raise ValueError("max_bursts must be at least 1")
    ids = sorted({BurstId.parse(i) for i in full_ids})
    groups: list[list[BurstId]] = []
    for burst in ids:
        current = groups[-1] if groups else None
        if (
            current is not None
            and current[-1].subswath == burst.subswath
            and current[-1].path == burst.path
            and burst.number == current[-1].number + 1
            and len(current) < max_bursts
        ):
            current.append(burst)
        else:
            groups.append([burst])
    return [[b.full for b in group] for group in groups]


def burst_stack_id(flight_direction: str, group: list[str]) -> str:
    """``A064_136231_IW1_6b``: direction letter, first full burst id, burst count (docs/addresses.md)."""
    return f"{flight_direction[0].upper()}{BurstId.parse(group[0]).full}_{len(group)}b"


def assemble_burst_stacks(
    *,
    flight_direction: str,
    relative_orbit: int,
    passes: list[Pass],
    date_drops: Mapping[int, str],
    coverage: AoiCoverage,
    max_bursts: int = MULTI_BURST_LIMIT,
) -> tuple[list[Stack], list[DroppedScene]]:
    """One stack per burst group of a track.

    ``date_drops`` maps the index of a pass in ``passes`` to the reason the whole date was dropped
    (exclude_dates, season, min_coverage); those dates are listed as dropped in every group.
    """
    all_ids, dropped = _regular_bursts(passes, date_drops)
    stacks: list[Stack] = []
    for group in burst_groups(all_ids, max_bursts):
        members = set(group)
        stack = Stack(
            id=burst_stack_id(flight_direction, group),
            flight_direction=flight_direction,
            relative_orbit=relative_orbit,
            burst_ids=list(group),
        )
        for index, item in enumerate(passes):
            bursts = {s.burst_id_full: s for s in item.scenes if s.burst_id_full in members}
            if not bursts:
                continue
            names = sorted(s.name for s in bursts.values())
            reason = date_drops.get(index)
            if reason is None:
                missing = [b for b in group if b not in bursts]
                if missing:
                    reason = f"missing {len(missing)} of {len(group)} bursts: {', '.join(missing)}"
            if reason is not None:
                stack.dropped.append(DroppedDate(date=item.date, reason=reason, scenes=names))
                dropped.extend(
                    DroppedScene(name=n, reason=f"{stack.id} {item.date}: {reason}") for n in names
                )
                continue
            ordered = [bursts[b] for b in group]
            footprints = [s.footprint_wkt for s in ordered]
            representative = min(ordered, key=lambda s: (-coverage.share([s.footprint_wkt]), s.name))
            stack.dates.append(
                StackDate(
                    date=item.date,
                    scenes=names,
                    representative=representative.name,
                    coverage=round(coverage.share(footprints), 4),
                )
            )
        stacks.append(stack)
    return stacks, dropped


def _regular_bursts(passes: list[Pass], date_drops: Mapping[int, str]) -> tuple[set[str], list[DroppedScene]]:
    """Burst ids that belong to the groups: those present on at least half of the usable dates.

    A burst at the edge of the AOI touches it on some dates and not on others (the footprints
    move a little from pass to pass). Grouping it with the rest would drop every date that lacks
    it; leaving it out keeps those dates, and its scenes are listed as dropped with the reason.
    """
    usable = [p for i, p in enumerate(passes) if i not in date_drops]
    seen: dict[str, int] = {}
    for item in usable:
        for burst in {s.burst_id_full for s in item.scenes if s.burst_id_full}:
            seen[burst] = seen.get(burst, 0) + 1
    if not usable:
        return {s.burst_id_full for p in passes for s in p.scenes if s.burst_id_full}, []
    needed = (len(usable) + 1) // 2
    regular = {b for b, n in seen.items() if n >= needed}
    dropped = [
        DroppedScene(
            name=s.name,
            reason=f"burst {s.burst_id_full} covers the AOI on only {seen[s.burst_id_full]} "
            f"of {len(usable)} dates "
            "(an edge burst): left out of the burst groups so those dates stay usable",
        )
        for item in usable
        for s in item.scenes
        if s.burst_id_full and s.burst_id_full not in regular
    ]
    return (regular or set(seen)), dropped
