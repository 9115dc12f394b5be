"""`orbit.<granule>`: the orbit file serving each scene, stored once in `data/orbits/` (docs/orbits.md).

Desired for every pinned scene when `[orbits] enabled`. A scene recorded with a precise orbit
(POEORB) costs no request at all; only scenes without one make the plan list the bucket
(insarproj.orbits.choose). Where no POEORB is listed yet the restituted one (RESORB) is taken and
recorded with the date a precise one is expected; a later plan shows "upgrade RESORB → POEORB" once
it is listed. With `[orbits] require_precise` a date whose scenes lack a POEORB is held out of the
stack instead (kinds/pairs.py reads `held_dates`), so the stack is not remade when it arrives.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypedDict, cast

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.fsutil import data_label, plain_basename, relative_inside, resolve_inside
from insarproj.kinds.search import pinned
from insarproj.state import op_delete
from insarproj.state.records import Record

ORBIT_DIR = "orbits"
CHOICES = "orbits.choices"  # ctx.observations: scene name → chosen OrbitFile (or None)
HELD = "orbits.held"  # ctx.observations: stack → {iso date: why}
LISTINGS = "orbit_listings"  # the observations section keeping what was listed, with its time


def listings_section(project: Any) -> str:
    """Each orbit source keeps its own listings: CDSE's entries carry product ids, the bucket's not."""
    return LISTINGS if project.config.orbits_source == "asf" else f"{LISTINGS}_{project.config.orbits_source}"


class OrbitSpec(TypedDict):
    name: str
    mission: str
    start: str
    stop: str
    stack: str
    date: str


def orbits_wanted(project: Any) -> bool:
    return bool(project.config.orbits_enabled)


def require_precise(project: Any) -> bool:
    """[orbits] require_precise, or its default: true for processor isce."""
    value = project.config.orbits.require_precise
    return bool(value) if value is not None else project.config.processor.kind == "isce"


def orbit_relpath(file: str) -> str:
    return f"{ORBIT_DIR}/{file}"


def held_dates(ctx: PlanContext) -> dict[str, dict[str, str]]:
    """Dates held out of their stack because a scene lacks a precise orbit, or because their
    perpendicular baseline waits for orbit files (kinds/orbit_baselines.py) ({} when none)."""
    held: dict[str, dict[str, str]] = ctx.observations.get(HELD, {})
    from insarproj.kinds.orbit_baselines import baseline_waits

    waits = baseline_waits(ctx)
    if not waits:
        return held
    merged = {stack: dict(days) for stack, days in held.items()}
    for stack, days in waits.items():
        for day, why in days.items():
            merged.setdefault(stack, {}).setdefault(day, "waiting for its perpendicular baseline: " + why)
    return merged


class OrbitKind(ResourceKind):
    kind = "orbit"

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        pin = pinned(ctx)
        if pin is None or not orbits_wanted(ctx.project):
            return []
        from insarproj.orbits.select import mission_of

        wanted = []
        for stack in pin.stacks:
            for stack_date in stack.dates:
                for name in stack_date.scenes:
                    scene = pin.scenes[name]
                    spec: OrbitSpec = {
                        "name": name,
                        "mission": mission_of(scene.platform),
                        "start": scene.start_time,
                        "stop": scene.stop_time,
                        "stack": stack.id,
                        "date": stack_date.date.isoformat(),
                    }
                    wanted.append(Desired(address=f"orbit.{name}", spec=dict(spec)))
        return wanted

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        spec = cast(OrbitSpec, desired.spec)
        if record is not None and record["status"] == "present":
            attrs = record["attributes"]
            if attrs.get("type") == "precise":
                return _missing_on_disk(desired, attrs, ctx)
            choice = choices(ctx).get(spec["name"])
            if choice is not None and choice.type == "precise":
                return _fetch(desired, choice, Op.REPLACE, "upgrade RESORB → POEORB", ctx)
            _hold_if_required(spec, ctx, attrs.get("precise_expected"))
            return _missing_on_disk(desired, attrs, ctx)
        choice = choices(ctx).get(spec["name"])
        if choice is None:
            _hold_if_required(spec, ctx, None)
            return Action(
                address=desired.address,
                kind=self.kind,
                op=Op.WAIT,
                reason="no orbit file in the bucket covers this scene yet (RESORB files appear within hours)",
                payload={"spec": dict(spec)},
            )
        if choice.type != "precise" and require_precise(ctx.project):
            _hold_if_required(spec, ctx, _expected(spec))
            return None
        reason = (
            "missing"
            if choice.type == "precise"
            else f"RESORB {choice.name}: no POEORB listed yet, expected about {_expected(spec)}"
        )
        return _fetch(desired, choice, Op.CREATE, reason, ctx)

    def orphan(self, address: str, record: Record, ctx: PlanContext) -> Action | None:
        action = super().orphan(address, record, ctx)
        if action is not None:
            action.reason = "its scene left the project; " + (
                "file deleted when no other scene uses it (--prune)" if ctx.options.prune else "file kept"
            )
        return action

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        if action.op is Op.FORGET:
            return _forget(action, ctx)
        from insarproj.kinds.orbits_fetch import fetch_orbit

        return fetch_orbit(action, ctx)

    def notes(self, ctx: PlanContext) -> list[str]:
        if not orbits_wanted(ctx.project):
            return []
        notes = []
        restituted = [
            r["attributes"]
            for r in ctx.state.by_kind(self.kind).values()
            if r["status"] == "present" and r["attributes"].get("type") == "restituted"
        ]
        if restituted:
            expected = sorted(str(a.get("precise_expected")) for a in restituted)
            notes.append(
                f"{len(restituted)} scene(s) use restituted orbits (RESORB); precise ones (POEORB) are "
                f"expected from {expected[0]} to {expected[-1]}, and a later plan upgrades them"
            )
        only_orbits: dict[str, dict[str, str]] = ctx.observations.get(HELD, {})  # baselines note their own
        for stack, dates in sorted(only_orbits.items()):
            for day, why in sorted(dates.items()):
                notes.append(f"{stack} {day}: held out of the stack, {why} ([orbits] require_precise)")
        return notes


def choices(ctx: PlanContext) -> dict[str, Any]:
    """The orbit file chosen for each scene lacking a precise one: listed once per plan."""
    cached: dict[str, Any] | None = ctx.observations.get(CHOICES)
    if cached is not None:
        return cached
    from insarproj.orbits.choose import SceneTimes, choose
    from insarproj.orbits.select import naive_utc

    recorded = ctx.state.by_kind(OrbitKind.kind)
    scenes = []
    for desired in ctx.desired_of(OrbitKind.kind):
        record = recorded.get(desired.address)
        if record is None or record["status"] != "present" or record["attributes"].get("type") != "precise":
            spec = cast(OrbitSpec, desired.spec)
            start, stop = naive_utc(spec["start"]), naive_utc(spec["stop"])
            scenes.append(SceneTimes(spec["name"], spec["mission"], start, stop, fallback=record is None))
    if ctx.options.offline:
        # --offline: a recorded RESORB stays as it is; a scene with no orbit at all needs the bucket.
        scenes = [s for s in scenes if s.fallback]
    result: dict[str, Any] = {}
    if scenes:
        section = listings_section(ctx.project)
        cache = ctx.observed.get(section, {})
        chosen, listings = choose(
            ctx.read.get("orbits"), scenes, cache if isinstance(cache, dict) else {}, ctx.now
        )
        result.update(chosen)
        merged = dict(cache) if isinstance(cache, dict) else {}
        merged.update({prefix: listing.to_json() for prefix, listing in listings.items()})
        ctx.observations["observed." + section] = merged  # apply keeps it (docs/orbits.md)
    ctx.observations[CHOICES] = result
    return result


def _expected(spec: OrbitSpec) -> str:
    from insarproj.orbits.select import naive_utc, precise_expected

    return precise_expected(naive_utc(spec["start"])).isoformat()


def _hold_if_required(spec: OrbitSpec, ctx: PlanContext, expected: str | None) -> None:
    if not require_precise(ctx.project):
        return
    why = "no precise orbit (POEORB) listed yet" + (f", expected about {expected}" if expected else "")
    ctx.observations.setdefault(HELD, {}).setdefault(spec["stack"], {})[spec["date"]] = why


def _missing_on_disk(desired: Desired, attrs: dict[str, Any], ctx: PlanContext) -> Action | None:
    """None when the recorded file is on disk with its size; otherwise fetch it again."""
    path = ctx.project.data_dir / relative_inside(
        str(attrs.get("path", "")), what=f"record {desired.address}"
    )
    if path.is_file() and path.stat().st_size == attrs.get("size"):
        return None
    from insarproj.orbits.select import parse_key

    file = parse_key(str(attrs.get("key", "")), attrs.get("size"), attrs.get("etag"), attrs.get("product_id"))
    if file is None:
        raise_bad_record(desired.address, data_label(ctx.project.root, ctx.project.data_dir))
    assert file is not None
    return _fetch(desired, file, Op.CREATE, "recorded but missing on disk", ctx)


def raise_bad_record(address: str, data: str = "data") -> None:
    from insarproj.errors import StateError

    raise StateError(
        f"the state record {address} names no orbit file key",
        hint=f"remove the {data}/{ORBIT_DIR} file it names and run 'insarproj apply' again",
    )


def _fetch(desired: Desired, file: Any, op: Op, reason: str, ctx: PlanContext) -> Action:
    rel = orbit_relpath(plain_basename(file.name, what="the orbit bucket listing"))
    on_disk = ctx.project.data_dir / rel
    if (
        op is Op.CREATE
        and file.size is not None
        and on_disk.is_file()
        and on_disk.stat().st_size == file.size
    ):
        op, reason = (
            Op.ADOPT,
            f"{file.label} {file.name} already in {ORBIT_DIR}/ (one file serves several scenes)",
        )
    elif reason == "missing":
        reason = f"missing: {file.label} {file.name}"
    planned = ctx.observations.setdefault("orbits.planned_files", set())
    shared = op is not Op.ADOPT and file.name in planned
    planned.add(file.name)
    if shared:
        reason += " (shared with another scene: fetched once)"
    return Action(
        address=desired.address,
        kind=OrbitKind.kind,
        op=op,
        reason=reason,
        bytes=None if op is Op.ADOPT or shared else file.size,
        payload={
            "spec": dict(desired.spec),
            "key": file.key,
            "size": file.size,
            "etag": file.etag,
            "product_id": file.product_id,
            "path": rel,
        },
    )


def _forget(action: Action, ctx: ApplyContext) -> Outcome:
    record = action.payload.get("record") or {}
    relpath = record.get("attributes", {}).get("path")
    if (action.payload.get("prune") or ctx.options.prune) and relpath:
        users = [
            a
            for a, r in ctx.state.by_kind(OrbitKind.kind).items()
            if a != action.address and r["attributes"].get("path") == relpath
        ]
        if not users:
            what = f"state record {action.address}"
            resolve_inside(ctx.project.data_dir, relpath, what=what).unlink(missing_ok=True)
    return Outcome(ops=[op_delete(action.address)])
