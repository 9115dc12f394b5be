"""Perpendicular baselines from the orbit files on disk, for pins that carry none (CDSE's catalogue
has no state vectors; docs/orbits.md, "Perpendicular baselines from orbit files").

Plan-time only from what is already verified: the state vectors an `orbit.<scene>` record keeps
(written when its file was checked), or for older records the recorded file on disk. Never a
request. Each date's baseline is that of its representative scene relative to the stack's
reference date (the pin's reference, else the middle date), at the reference scene's centre
(insarproj.orbits.vectors).

A date whose baseline cannot be computed yet (its orbit file, or the reference's, is not on disk)
waits: it is held out of the pair network (kinds/orbits.held_dates, as a date waiting for a precise
orbit is), so `max_perpendicular_baseline` never passes a pair silently and no pair is recorded
without its baseline. Each waiting date is a `baseline.<stack>.<yyyymmdd>` wait (`…` in plan,
never recorded): apply fetches the orbit files and ends "waiting", and the next plan (or the next
round of `apply --wait`) makes the pairs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.kinds.search import pinned
from insarproj.state.records import Record

CACHE = "orbits.baselines"  # ctx.observations: (bperps by stack and iso date, waits likewise)


def _has_pairs(project: Any) -> bool:
    return bool(project.config.processor.kind in ("hyp3", "isce"))


def orbit_baselines(ctx: PlanContext) -> tuple[dict[str, dict[str, float]], dict[str, dict[str, str]]]:
    """(bperp by stack and iso date, why-waiting by stack and iso date) for dates the pin gives no
    baseline; both empty when orbits are off or the pin has its own baselines."""
    cached: tuple[dict[str, dict[str, float]], dict[str, dict[str, str]]] | None = ctx.observations.get(CACHE)
    if cached is not None:
        return cached
    values: dict[str, dict[str, float]] = {}
    waits: dict[str, dict[str, str]] = {}
    pin = pinned(ctx)
    if pin is not None and ctx.project.config.orbits_enabled:
        records = ctx.state.by_kind("orbit")
        for stack in pin.stacks:
            if all(d.bperp is not None for d in stack.dates):
                continue
            values[stack.id], waits[stack.id] = _stack(stack, pin, records, ctx.project.data_dir)
    ctx.observations[CACHE] = (values, waits)
    return values, waits


def _reference(stack: Any) -> Any:
    for item in stack.dates:
        if stack.reference and stack.reference in item.scenes:
            return item
    return stack.dates[len(stack.dates) // 2]


def _stack(
    stack: Any, pin: Any, records: Mapping[str, Record], data_dir: Path
) -> tuple[dict[str, float], dict[str, str]]:
    from insarproj.orbits.vectors import ground_point, perpendicular_baseline

    reference = _reference(stack)
    ref_scene = pin.scenes[reference.representative]
    ref_vectors = _vectors(ref_scene, records, data_dir)
    values: dict[str, float] = {}
    waits: dict[str, str] = {}
    for item in stack.dates:
        day = item.date.isoformat()
        if item.bperp is not None:
            continue
        scene = pin.scenes[item.representative]
        vectors = ref_vectors if item is reference else _vectors(scene, records, data_dir)
        if vectors is None:
            waits[day] = "its orbit file is not on disk yet"
        elif ref_vectors is None:
            waits[day] = f"the orbit file of the reference date {reference.date} is not on disk yet"
        elif item is reference:
            values[day] = 0.0
        elif ref_scene.center_lat is not None and ref_scene.center_lon is not None:
            point = ground_point(ref_scene.center_lat, ref_scene.center_lon)
            value = perpendicular_baseline(ref_vectors, vectors, point, _mid(ref_scene), _mid(scene))
            if value is not None:  # None: the vectors miss the instant; the network notes it unknown
                values[day] = value
    return values, waits


def _mid(scene: Any) -> datetime:
    from insarproj.orbits.select import naive_utc

    start, stop = naive_utc(scene.start_time), naive_utc(scene.stop_time)
    return start + (stop - start) / 2


def _vectors(scene: Any, records: Mapping[str, Record], data_dir: Path) -> list[Any] | None:
    """The scene's state vectors from its verified orbit record (or, for a record older than this
    feature, its recorded file on disk); None when there is none yet."""
    from insarproj.fsutil import relative_inside
    from insarproj.orbits.select import naive_utc
    from insarproj.orbits.vectors import StateVector, read_vectors

    record = records.get(f"orbit.{scene.name}")
    if record is None or record["status"] != "present":
        return None
    attrs = record["attributes"]
    if attrs.get("state_vectors"):
        return [StateVector.from_text(str(v)) for v in attrs["state_vectors"]]
    path = data_dir / relative_inside(str(attrs.get("path", "")), what=f"record orbit.{scene.name}")
    if not path.is_file() or path.stat().st_size != attrs.get("size"):
        return None
    return read_vectors(path, naive_utc(scene.start_time), naive_utc(scene.stop_time)) or None


def baseline_waits(ctx: PlanContext) -> dict[str, dict[str, str]]:
    """Dates held out of their stack's pairs until their baseline is known ({} without pairs)."""
    if not _has_pairs(ctx.project):
        return {}
    return orbit_baselines(ctx)[1]


class BaselineKind(ResourceKind):
    """`baseline.<stack>.<yyyymmdd>`: a date waiting for its perpendicular baseline (never recorded)."""

    kind = "baseline"

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        for stack_id, days in sorted(baseline_waits(ctx).items()):
            for day, why in sorted(days.items()):
                address = f"baseline.{stack_id}.{day.replace('-', '')}"
                yield Desired(address=address, spec={"stack": stack_id, "date": day, "why": why})

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        reason = f"its pairs wait for the perpendicular baseline: {desired.spec['why']} (apply fetches it)"
        return Action(address=desired.address, kind=self.kind, op=Op.WAIT, reason=reason)

    def orphan(self, address: str, record: Record, ctx: PlanContext) -> Action | None:
        return None  # never recorded

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        return Outcome(message="waiting for its orbit file")

    def notes(self, ctx: PlanContext) -> list[str]:
        waits = baseline_waits(ctx)
        count = sum(len(days) for days in waits.values())
        if not count:
            return []
        pairs = waiting_pairs(ctx)
        shown = ", ".join(pairs[:4]) + (f" and {len(pairs) - 4} more" if len(pairs) > 4 else "")
        return [
            f"{count} date(s) wait for their perpendicular baseline from the orbit files (the pin has none): "
            "their pairs are planned once the orbit files are on disk — run apply again, or apply --wait "
            "(docs/orbits.md)"
            + (f"; pairs waiting (before max_perpendicular_baseline): {shown}" if pairs else "")
        ]


def waiting_pairs(ctx: PlanContext) -> list[str]:
    """The pairs (`<stack>.<ref>_<sec>`) the network would make with the waiting dates, baseline
    limits aside: what the plan names as waiting for baselines."""
    from insarproj.kinds.orbits import HELD
    from insarproj.kinds.pairs import pin_networks

    pin, waits = pinned(ctx), baseline_waits(ctx)
    if pin is None or not waits:
        return []
    out = []
    built = pin_networks(ctx.project, pin, ctx.observations.get(HELD, {}), orbit_baselines(ctx)[0])
    for stack, network, _dates in built:
        days = waits.get(stack.id, {})
        out += [
            f"{stack.id}.{p.key}"
            for p in network.pairs
            if p.reference.isoformat() in days or p.secondary.isoformat() in days
        ]
    return out
