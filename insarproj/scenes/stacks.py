"""From found scenes to stacks: filters, reprocessed duplicates, passes, coverage, baselines.

Pure functions over pinned scenes (no network), so every rule is unit-tested and re-runnable from a
pin. The order of the rules is part of the contract, because a scene is reported under the first
rule that drops it:

1. scene level: not what the search asked for (a stand-in CMR may ignore a filter), no overlap with
   the AOI, reprocessed duplicate (newest kept), ``exclude_scenes``;
2. date level, per track (flight direction + relative orbit; ASF frame numbers drift between dates,
   so ``frames`` filters scenes but never splits a stack): ``exclude_dates``, ``season`` (months),
   ``min_coverage`` on what the processor will process: the union of the date's footprints, or
   for a processor taking one scene per date (INSAR_GAMMA) the representative's footprint alone;
3. stack level: ``min_scenes`` on the number of dates left.

Baselines come last, on what is kept: the reference is the stack's middle date.
Ordering is deterministic everywhere: stacks by id, dates ascending, scenes by name.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, NamedTuple

from insarproj.scenes.baselines import baselines_to_reference, has_state_vectors
from insarproj.scenes.bursts import MULTI_BURST_LIMIT, assemble_burst_stacks
from insarproj.scenes.geometry import AoiCoverage, percent
from insarproj.scenes.model import (
    DroppedDate,
    DroppedScene,
    DroppedStack,
    PinnedScene,
    SearchRequest,
    Stack,
    StackDate,
    coverage_rule,
)
from insarproj.scenes.passes import Pass, group_passes

if TYPE_CHECKING:
    from shapely.geometry.base import BaseGeometry


_DATED_REASON = re.compile(r"^[AD]\d{3}\S* \d{4}-\d{2}-\d{2}: ")


class StackBuild(NamedTuple):
    stacks: list[Stack]
    dropped: list[DroppedScene]
    scenes: dict[str, PinnedScene]  # kept scenes, with bperp filled in
    dropped_stacks: list[DroppedStack]
    notes: list[str]


def track_id(flight_direction: str, relative_orbit: int) -> str:
    """``A064`` / ``D071`` (docs/addresses.md)."""
    return f"{flight_direction[0].upper()}{relative_orbit:03d}"


def build_stacks(
    scenes: Sequence[PinnedScene],
    request: SearchRequest,
    aoi: BaseGeometry | str,
    *,
    max_bursts: int = MULTI_BURST_LIMIT,
    single_scene_processor: str | None = None,
) -> StackBuild:
    """Stacks of the scenes that pass every filter of ``request``, and why the others were left out.

    ``max_bursts`` bounds a burst group (15 for INSAR_ISCE_MULTI_BURST, 1 for INSAR_ISCE_BURST).
    ``single_scene_processor`` names a processor that takes one SLC per date (INSAR_GAMMA): a date's
    coverage is then its representative scene's, since the other slices are never processed.
    """
    single = single_scene_processor if request.product == "SLC" else None
    coverage = AoiCoverage(aoi)
    dropped: list[DroppedScene] = []
    replaced: dict[str, str] = {}
    candidates = _scene_filters(scenes, request, coverage, dropped, replaced)

    tracks: dict[tuple[str, int], list[PinnedScene]] = defaultdict(list)
    for scene in candidates:
        tracks[(scene.flight_direction, scene.relative_orbit)].append(scene)

    by_name = {s.name: s for s in candidates}
    stacks: list[Stack] = []
    dropped_stacks: list[DroppedStack] = []
    kept: dict[str, PinnedScene] = {}
    for (direction, orbit), members in sorted(tracks.items(), key=lambda kv: track_id(*kv[0])):
        track_stacks = _track_stacks(
            (direction, orbit), members, request, coverage, dropped, max_bursts=max_bursts, single=single
        )
        for stack in track_stacks:
            reason = _stack_reason(stack, request)
            if reason is not None:
                dropped_stacks.append(
                    DroppedStack(id=stack.id, reason=reason, dates=[d.date for d in stack.dates])
                )
                dropped.extend(DroppedScene(name=n, reason=reason) for d in stack.dates for n in d.scenes)
                continue
            bperps = _apply_baselines(stack, by_name, burst=request.product == "BURST")
            for item in stack.dates:
                for name in item.scenes:
                    kept[name] = by_name[name].model_copy(update={"bperp": bperps.get(name)})
            _note_replacements(stack, replaced)
            stacks.append(stack)

    stacks.sort(key=lambda s: s.id)
    dropped_stacks.sort(key=lambda s: s.id)
    dropped.sort(key=lambda d: (d.name, d.reason))
    notes = [f"{stack.id}: {note}" for stack in stacks for note in stack.notes]
    return StackBuild(
        stacks=stacks,
        dropped=dropped,
        scenes=dict(sorted(kept.items())),
        dropped_stacks=dropped_stacks,
        notes=notes,
    )


def _track_stacks(
    track: tuple[str, int],
    members: list[PinnedScene],
    request: SearchRequest,
    coverage: AoiCoverage,
    dropped: list[DroppedScene],
    *,
    max_bursts: int,
    single: str | None,
) -> list[Stack]:
    """The stacks of one track (one for SLCs, one per burst group for bursts); drops go to ``dropped``."""
    direction, orbit = track
    passes = group_passes(members)
    date_drops = {i: r for i, p in enumerate(passes) if (r := _date_reason(p, request, coverage, single))}
    if request.product != "BURST":
        return [_slc_stack(direction, orbit, passes, date_drops, coverage, dropped, single=single)]
    track_stacks, burst_dropped = assemble_burst_stacks(
        flight_direction=direction,
        relative_orbit=orbit,
        passes=passes,
        date_drops=date_drops,
        coverage=coverage,
        max_bursts=max_bursts,
    )
    dropped.extend(burst_dropped)
    return track_stacks


# --- scene level -------------------------------------------------------------------------------


def _scene_filters(
    scenes: Sequence[PinnedScene],
    request: SearchRequest,
    coverage: AoiCoverage,
    dropped: list[DroppedScene],
    replaced: dict[str, str],
) -> list[PinnedScene]:
    matching: list[PinnedScene] = []
    seen: set[str] = set()
    for scene in sorted(scenes, key=lambda s: s.name):
        if scene.name in seen:  # several sub-queries may return one product twice
            continue
        seen.add(scene.name)
        reason = mismatch_reason(scene, request)
        if reason is not None:
            dropped.append(DroppedScene(name=scene.name, reason=reason))
        else:
            matching.append(scene)

    overlapping = _overlapping(matching, coverage)
    touching: list[PinnedScene] = []
    for scene in matching:
        if scene.name in overlapping:
            touching.append(scene)
        else:
            dropped.append(DroppedScene(name=scene.name, reason="does not overlap the AOI"))

    kept = drop_reprocessed(touching, dropped, replaced)
    excluded = set(request.exclude_scenes)
    out: list[PinnedScene] = []
    for scene in kept:
        if scene.name in excluded or scene.file_id in excluded:
            dropped.append(DroppedScene(name=scene.name, reason="excluded by exclude_scenes"))
        else:
            out.append(scene)
    return out


def _overlapping(scenes: Sequence[PinnedScene], coverage: AoiCoverage) -> set[str]:
    """Names of the scenes sharing area with the AOI.

    A burst id is a fixed patch of ground, so a burst counts when its id overlaps the AOI on any
    date: a footprint grazing the AOI edge on one date but not the next must not make a burst
    group incomplete.
    """
    hits = {s.name for s in scenes if coverage.overlaps(s.footprint_wkt)}
    burst_ids = {s.burst_id_full for s in scenes if s.name in hits and s.burst_id_full}
    return hits | {s.name for s in scenes if s.burst_id_full in burst_ids}


def mismatch_reason(scene: PinnedScene, request: SearchRequest) -> str | None:
    """Why a scene CMR returned does not match the request (None when it does)."""
    is_burst = scene.burst_id_full is not None
    if request.product == "BURST" and not is_burst:
        return "is not a burst (the search asks for product BURST)"
    if request.product == "SLC" and is_burst:
        return "is a burst (the search asks for product SLC)"
    if not request.start <= scene.start_date <= request.end:
        return f"acquired {scene.start_date}, outside the search dates {request.start} .. {request.end}"
    if request.flight_direction and scene.flight_direction != request.flight_direction:
        return f"flight direction {scene.flight_direction} is not {request.flight_direction}"
    if request.relative_orbits and scene.relative_orbit not in request.relative_orbits:
        orbits = sorted(request.relative_orbits)
        return f"relative orbit {scene.relative_orbit} is not in relative_orbits {orbits}"
    if request.frames and scene.frame not in request.frames:
        return f"frame {scene.frame} is not in frames {sorted(request.frames)}"
    if scene.beam_mode.upper() != request.beam_mode:
        return f"beam mode {scene.beam_mode} is not {request.beam_mode}"
    wanted = request.scene_polarizations()
    if scene.polarization.upper() not in wanted:
        return f"polarization {scene.polarization} is not one of {list(wanted)}"
    return None


def drop_reprocessed(
    scenes: Sequence[PinnedScene], dropped: list[DroppedScene], replaced: dict[str, str] | None = None
) -> list[PinnedScene]:
    """Keep the newest product of each acquisition (same platform, start, stop, polarization, burst).

    ASF's ``processingDate`` is the acquisition start on original granules (docs/service-quirks.md,
    ASF processingDate), so the processing date is compared first and the product id (the name's
    last field) breaks ties.
    ``replaced`` receives old name -> kept name.
    """
    groups: dict[tuple[str, str, str, str, str | None], list[PinnedScene]] = defaultdict(list)
    for scene in scenes:
        key = (
            scene.platform.upper(),
            scene.start_time,
            scene.stop_time,
            scene.polarization.upper(),
            scene.burst_id_full,
        )
        groups[key].append(scene)
    kept: list[PinnedScene] = []
    for members in groups.values():
        ordered = sorted(members, key=lambda s: (s.processing_date or "", s.file_id), reverse=True)
        newest = ordered[0]
        kept.append(newest)
        for older in ordered[1:]:
            if (older.processing_date or "") < (newest.processing_date or ""):
                why = f"processed {newest.processing_date}, after {older.processing_date}"
            else:
                why = "same processing date, later product id"
            dropped.append(
                DroppedScene(
                    name=older.name, reason=f"reprocessed duplicate replaced by {newest.name} ({why})"
                )
            )
            if replaced is not None:
                replaced[older.name] = newest.name
    return sorted(kept, key=lambda s: s.name)


# --- why a search kept nothing -----------------------------------------------------------------

# (marker in a drop reason, what the filter stage is called); in the order the rules run (module
# docstring), so the explanation reads like the pipeline. Every reason above (and in bursts.py)
# contains one marker; an unknown one is shown as itself.
_STAGES = (
    ("is a burst", "not the product asked for"),
    ("is not a burst", "not the product asked for"),
    ("outside the search dates", "outside the search dates"),
    ("flight direction", "not the flight_direction"),
    ("relative orbit", "not in relative_orbits"),
    ("frame ", "not in frames"),
    ("beam mode", "not the beam_mode"),
    ("polarization", "not the polarization"),
    ("does not overlap the AOI", "outside the AOI"),
    ("reprocessed duplicate", "superseded by a reprocessed copy"),
    ("exclude_scenes", "excluded by exclude_scenes"),
    ("exclude_dates", "excluded by exclude_dates"),
    ("outside season", "outside season"),
    ("min_coverage", "on dates below min_coverage"),
    ("(an edge burst)", "left out as edge bursts"),
    ("bursts", "on dates missing bursts of their group"),
    ("min_scenes", "in stacks with fewer dates than min_scenes"),
    ("no date left", "in stacks with no date left"),
)


def drop_stage(reason: str) -> str:
    """The filter stage a drop reason belongs to (for counts), or the reason itself."""
    text = reason.split(": ", 1)[1] if _DATED_REASON.match(reason) else reason
    return next((stage for marker, stage in _STAGES if marker in text), text)


def explain_empty(found: int, dropped: Sequence[DroppedScene], request: SearchRequest) -> str:
    """Why a search left no scene: nothing found for the AOI and dates, or which filter removed what."""
    if found == 0:
        wanted = f"{request.product} {request.beam_mode} {'/'.join(request.polarizations)}"
        narrowing = [
            f"{name} {value}"
            for name, value in (
                ("flight_direction", request.flight_direction),
                ("relative_orbits", sorted(request.relative_orbits or ()) or None),
                ("frames", sorted(request.frames or ()) or None),
            )
            if value
        ]
        also = f" ({', '.join(narrowing)})" if narrowing else ""
        return (
            f"CMR returned 0 scenes for this AOI and dates ({request.start} .. {request.end}, "
            f"{wanted}){also}: check the AOI (bbox is [west, south, east, north]), the dates "
            "and the [search] filters"
        )
    counts: dict[str, int] = {}
    for item in dropped:
        stage = drop_stage(item.reason)
        counts[stage] = counts.get(stage, 0) + 1
    ordered = sorted(counts.items(), key=lambda kv: _stage_rank(kv[0]))
    parts = ", ".join(f"{n} {stage}" for stage, n in ordered)
    return f"CMR returned {found} scene{'s' if found != 1 else ''}, and no scene is left: {parts}"


def _stage_rank(stage: str) -> int:
    names = [name for _, name in _STAGES]
    return names.index(stage) if stage in names else len(names)


# --- date and stack level ----------------------------------------------------------------------


def representative(scenes: Sequence[PinnedScene], coverage: AoiCoverage) -> PinnedScene:
    """The scene of a date covering the most of the AOI (ties: the first name) (docs/addresses.md)."""
    return min(scenes, key=lambda s: (-coverage.share([s.footprint_wkt]), s.name))


def date_coverage(scenes: Sequence[PinnedScene], coverage: AoiCoverage, *, single: bool) -> float:
    """Share of the AOI a date covers as processed: its representative alone, or all its scenes."""
    if single:
        return coverage.share([representative(scenes, coverage).footprint_wkt])
    return coverage.share(s.footprint_wkt for s in scenes)


def _date_reason(
    item: Pass, request: SearchRequest, coverage: AoiCoverage, single_scene_processor: str | None
) -> str | None:
    hit = sorted(item.days & set(request.exclude_dates))
    if hit:
        return f"excluded by exclude_dates ({', '.join(d.isoformat() for d in hit)})"
    if request.season and item.date.month not in request.season:
        return f"month {item.date.month} is outside season {sorted(set(request.season))}"
    if request.min_coverage is not None:
        share = date_coverage(item.scenes, coverage, single=single_scene_processor is not None)
        if share < request.min_coverage:
            return _coverage_reason(item, share, request.min_coverage, coverage, single_scene_processor)
    return None


def _coverage_reason(
    item: Pass, share: float, minimum: float, coverage: AoiCoverage, single_scene_processor: str | None
) -> str:
    have, need = _shown_share(share, minimum), percent(minimum)
    if single_scene_processor is None:
        return f"covers {have} of the AOI < min_coverage {need}"
    reason = f"covers {have} of the AOI < min_coverage {need} ({coverage_rule(single_scene_processor)}"
    if len(item.scenes) > 1:
        union = coverage.share(s.footprint_wkt for s in item.scenes)
        reason += f"; its {len(item.scenes)} scenes together cover {_shown_share(union, minimum)}"
    return reason + ")"


def _shown_share(share: float, minimum: float) -> str:
    """A share in whole percent, or with a decimal where whole percent would hide the shortfall."""
    have = percent(share)
    return f"{share * 100:.1f} %" if have == percent(minimum) and share < minimum else have


def _slc_stack(
    direction: str,
    orbit: int,
    passes: list[Pass],
    date_drops: dict[int, str],
    coverage: AoiCoverage,
    dropped: list[DroppedScene],
    *,
    single: str | None,
) -> Stack:
    stack = Stack(id=track_id(direction, orbit), flight_direction=direction, relative_orbit=orbit)
    frame_sets: set[tuple[int, ...]] = set()
    for index, item in enumerate(passes):
        reason = date_drops.get(index)
        if reason is not None:
            stack.dropped.append(DroppedDate(date=item.date, reason=reason, scenes=item.names))
            dropped.extend(
                DroppedScene(name=n, reason=f"{stack.id} {item.date}: {reason}") for n in item.names
            )
            continue
        stack.dates.append(
            StackDate(
                date=item.date,
                scenes=item.names,
                representative=representative(item.scenes, coverage).name,
                coverage=round(date_coverage(item.scenes, coverage, single=single is not None), 4),
            )
        )
        frame_sets.add(tuple(sorted({s.frame for s in item.scenes if s.frame is not None})))
    if len(frame_sets) > 1:
        frames = sorted({f for group in frame_sets for f in group})
        stack.notes.append(
            f"frame numbers drift between dates ({', '.join(map(str, frames))}); the track stays one stack"
        )
    return stack


def _stack_reason(stack: Stack, request: SearchRequest) -> str | None:
    if not stack.dates:
        return f"stack {stack.id} has no date left: every date was dropped"
    if request.min_scenes is not None and len(stack.dates) < request.min_scenes:
        return f"stack {stack.id} has {len(stack.dates)} dates < min_scenes {request.min_scenes}"
    return None


def _note_replacements(stack: Stack, replaced: dict[str, str]) -> None:
    """Say on the stack which dates hold a reprocessed product in place of an older one."""
    kept_by: dict[str, list[str]] = defaultdict(list)
    for old, new in replaced.items():
        kept_by[new].append(old)
    for item in stack.dates:
        for name in item.scenes:
            for old in sorted(kept_by.get(name, [])):
                stack.notes.append(f"{item.date}: reprocessed duplicate {old} replaced by {name}")


# --- baselines ---------------------------------------------------------------------------------


def _reference_index(dates: list[StackDate], by_name: dict[str, PinnedScene]) -> int | None:
    """The middle date, or the nearest to it whose representative carries state vectors."""
    middle = len(dates) // 2
    order = sorted(range(len(dates)), key=lambda i: (abs(i - middle), i))
    for index in order:
        if has_state_vectors(by_name[dates[index].representative]):
            return index
    return None


def _apply_baselines(
    stack: Stack, by_name: dict[str, PinnedScene], *, burst: bool
) -> dict[str, float | None]:
    """bperp per scene of the stack (relative to the reference date); fills StackDate.bperp and notes."""
    index = _reference_index(stack.dates, by_name)
    names = [n for d in stack.dates for n in d.scenes]
    if index is None:
        stack.notes.append("no scene carries state vectors, so perpendicular baselines are unknown")
        return {n: None for n in names}
    reference_date = stack.dates[index]
    stack.reference = reference_date.representative
    if index != len(stack.dates) // 2:
        stack.notes.append(
            f"baseline reference is {reference_date.date}: the middle date's scene carries no state vectors"
        )
    reference_pass = [by_name[n] for n in reference_date.scenes]
    values: dict[str, float | None] = {}
    if burst:
        by_burst: dict[str | None, list[PinnedScene]] = defaultdict(list)
        for name in names:
            by_burst[by_name[name].burst_id_full].append(by_name[name])
        for burst_id, members in by_burst.items():
            reference = [s for s in reference_pass if s.burst_id_full == burst_id]
            values.update(baselines_to_reference(reference, members))
    else:
        values = baselines_to_reference(reference_pass, [by_name[n] for n in names])
    for item in stack.dates:
        item.bperp = values.get(item.representative)
    unknown = sorted(n for n in names if values.get(n) is None)
    if unknown:
        shown = ", ".join(unknown[:3]) + (f" and {len(unknown) - 3} more" if len(unknown) > 3 else "")
        stack.notes.append(
            f"{len(unknown)} scene(s) carry no state vectors, so their perpendicular "
            f"baseline is unknown: {shown}"
        )
    return values
