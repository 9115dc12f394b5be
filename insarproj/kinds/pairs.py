"""`pair.<stack>.<yyyymmdd>_<yyyymmdd>`: the interferometric network, recorded in state.

A pair is bookkeeping, not data: recording it pins which granules form the interferogram, so a
later change of the network (new dates, edited [pairs]) shows up in plan as pairs joining or
leaving, and the HyP3 job / ISCE step of each pair depends on it. Pairs are validated here,
before any credits are spent: same stack, reference earlier, distinct dates, a common
co-polarization, and for bursts HyP3's rules including contiguity (which HyP3 itself does not
check).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.kinds.search import pinned, single_scene_processor
from insarproj.state import op_delete, op_put
from insarproj.state.records import Record, pair_attributes

NETWORK_CACHE = "pairs.networks"
LEFT_OUT_CACHE = "pairs.left_out"


def network_settings(project: Any) -> Any:
    from insarproj.pairs import NetworkSettings

    pairs = project.config.pairs
    # sequential means "the next date(s)" with no limit unless the user set one (the 48-day
    # default belongs to sbas/all-within).
    temporal = pairs.max_temporal_baseline
    if pairs.method in ("sequential", "explicit") and "max_temporal_baseline" not in pairs.model_fields_set:
        temporal = None
    return NetworkSettings(
        method=pairs.method,
        neighbors=1
        if pairs.method == "sequential" and "neighbors" not in pairs.model_fields_set
        else pairs.neighbors,
        max_temporal_baseline=temporal,
        max_perpendicular_baseline=pairs.max_perpendicular_baseline,
        bridges=tuple(pairs.bridges),
        bridge_tolerance=pairs.bridge_tolerance,
        pairs=tuple(tuple(p) for p in pairs.pairs),
        exclude_pairs=tuple(tuple(p) for p in pairs.exclude_pairs),
        include_pairs=tuple(tuple(p) for p in pairs.include_pairs),
    )


def _polarizations(value: str) -> frozenset[str]:
    return frozenset(value.upper().split("+"))


def one_scene_per_date(project: Any) -> bool:
    """INSAR_GAMMA takes one SLC per date: the date's scene covering most of the AOI."""
    return single_scene_processor(project) is not None


def pin_networks(
    project: Any,
    pin: Any,
    held: dict[str, dict[str, str]] | None = None,
    bperps: dict[str, dict[str, float]] | None = None,
) -> list[tuple[Any, Any, dict[str, Any]]]:
    """(stack, network, network dates by iso date) for every stack of a scene pin; ``held`` dates
    (stack → iso dates, e.g. waiting for a precise orbit, kinds/orbits.py) stay out; ``bperps``
    fills baselines the pin lacks (from orbit files, kinds/orbit_baselines.py)."""
    from insarproj.pairs import NetworkDate, build_network

    settings = network_settings(project)
    single = one_scene_per_date(project)
    result = []
    split: dict[str, frozenset[str]] = {}  # a handful of distinct values ("VV+VH"), split once each

    def polarizations(name: str) -> frozenset[str]:
        value = pin.scenes[name].polarization
        found = split.get(value)
        if found is None:
            found = split[value] = _polarizations(value)
        return found

    for stack in pin.stacks:
        dates = []
        for stack_date in stack.dates:
            if held and stack_date.date.isoformat() in held.get(stack.id, {}):
                continue
            names = [stack_date.representative] if single else list(stack_date.scenes)
            pols = (
                frozenset().union(*map(polarizations, names)) if len(names) != 1 else polarizations(names[0])
            )
            bperp = stack_date.bperp
            if bperp is None and bperps:
                bperp = bperps.get(stack.id, {}).get(stack_date.date.isoformat())
            dates.append(
                NetworkDate(date=stack_date.date, bperp=bperp, scenes=tuple(names), polarizations=pols)
            )
        network = build_network(stack.id, dates, settings)
        result.append((stack, network, {d.date.isoformat(): d for d in dates}))
    return result


def networks(ctx: PlanContext) -> list[tuple[Any, Any, dict[str, Any]]]:
    """The networks of the plan's pin, computed once per plan."""
    cached = ctx.observations.get(NETWORK_CACHE)
    if cached is None:
        pin = pinned(ctx)
        from insarproj.kinds.orbit_baselines import orbit_baselines
        from insarproj.kinds.orbits import held_dates

        bperps = orbit_baselines(ctx)[0]
        cached = pin_networks(ctx.project, pin, held_dates(ctx), bperps) if pin is not None else []
        ctx.observations[NETWORK_CACHE] = cached
    return cached


def _checked_pairs(ctx: PlanContext) -> Iterator[tuple[Any, Any, Any, Any, list[str]]]:
    """(stack, pair, reference NetworkDate, secondary NetworkDate, problems) for every pair of the
    networks, validated as it is yielded."""
    from insarproj.pairs import validate_burst_pair, validate_pair

    bursts = pinned(ctx) is not None and pinned(ctx).product == "BURST"
    for stack, network, dates in networks(ctx):
        by_day = {d.date: d for d in dates.values()}  # no ISO string per pair
        stack_ids = (stack.id, stack.id)
        for pair in network.pairs:
            ref = by_day[pair.reference]
            sec = by_day[pair.secondary]
            problems = validate_pair(pair, ref, sec, stack_ids=stack_ids)
            if bursts:
                problems += validate_burst_pair(ref.scenes, sec.scenes)
            yield stack, pair, ref, sec, problems


def left_out_pairs(ctx: PlanContext) -> list[tuple[Any, Any, list[str]]]:
    """(stack, pair, problems) of every pair that fails validation, once per plan (`desired`
    records them as it validates; only these are kept: at 20,000 scenes a list of all 60,000
    checked pairs cost ≈ 8 MiB)."""
    cached: list[tuple[Any, Any, list[str]]] | None = ctx.observations.get(LEFT_OUT_CACHE)
    if cached is None:
        cached = [
            (stack, pair, problems) for stack, pair, _r, _s, problems in _checked_pairs(ctx) if problems
        ]
        ctx.observations[LEFT_OUT_CACHE] = cached
    return cached


def pair_action(desired: Desired, op: Op, reason: str, *, internal: bool = False) -> Action:
    """The one way a pair action is built: its payload carries the wanted pair as `spec`."""
    return Action(
        address=desired.address,
        kind=PairKind.kind,
        op=op,
        reason=reason,
        internal=internal,
        payload={"spec": desired.spec},
    )


def _recorded_if_same(record: Record | None, spec: dict[str, Any]) -> dict[str, Any]:
    """``spec``, or the record's attributes when they are the same values: a converged plan at
    20,000 scenes then holds no second copy of 60,000 pairs (≈ 30 MiB). Nothing changes a spec
    (an action's payload is validated into a copy)."""
    if record is not None and record["attributes"] == spec:
        return record["attributes"]
    return spec


def pairs_are_internal(project: Any) -> bool:
    """With HyP3, a pair's record is bookkeeping of its interferogram, which the job's line counts
    (docs/cli.md, plan output): the headline counts interferograms, not every record of one."""
    return bool(project.config.processor.kind == "hyp3")


class PairKind(ResourceKind):
    kind = "pair"

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        from insarproj.pairs import validate_burst_pair, validate_pair

        # One string per date and one list per date's scenes, shared by its ≈ 6 pairs (nothing
        # changes a spec): at 20,000 scenes, ≈ 15 MiB less than a copy per pair. Worked out per
        # date, before its pairs (`_checked_pairs`' loop, with what a spec needs of each date).
        iso: dict[Any, str] = {}
        left_out = []
        lazy = ctx.state.lazy
        bursts = pinned(ctx) is not None and pinned(ctx).product == "BURST"
        for stack, network, dates in networks(ctx):
            stack_ids, prefix = (stack.id, stack.id), f"pair.{stack.id}."
            of_date = {
                d.date: (d, iso.get(d.date) or iso.setdefault(d.date, d.date.isoformat()), list(d.scenes))
                for d in dates.values()
            }
            for pair in network.pairs:
                ref, ref_iso, ref_scenes = of_date[pair.reference]
                sec, sec_iso, sec_scenes = of_date[pair.secondary]
                problems = validate_pair(pair, ref, sec, stack_ids=stack_ids)
                if bursts:
                    problems += validate_burst_pair(ref.scenes, sec.scenes)
                if problems:
                    left_out.append((stack, pair, problems))
                    continue
                address = sys.intern(prefix + pair.key)  # the state's key itself (state/sharing.py)
                spec = {
                    "stack": stack.id,
                    "reference_date": ref_iso,
                    "secondary_date": sec_iso,
                    "reference": ref_scenes,
                    "secondary": sec_scenes,
                    "temporal_baseline": pair.temporal_baseline,
                    "bperp": None if pair.bperp is None else round(pair.bperp, 1),
                    "origin": pair.origin,
                }
                # A lazy state builds a record per access (state/lazy.py): then its copy is no saving.
                yield Desired(address, spec if lazy else _recorded_if_same(ctx.state.get(address), spec))
        ctx.observations[LEFT_OUT_CACHE] = left_out  # every pair checked: what notes name

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        spec = desired.spec
        if record is not None and record["attributes"] == spec:
            return None  # recorded as wanted: the common case, decided on one comparison
        internal = pairs_are_internal(ctx.project)
        if record is None:
            bperp = "" if spec["bperp"] is None else f", {spec['bperp']:+.0f} m"
            why = f"new {spec['origin']} pair ({spec['temporal_baseline']} days{bperp})"
            return pair_action(desired, Op.CREATE, why, internal=internal)
        recorded = pair_attributes(record)
        if recorded.get("reference") != spec["reference"] or recorded.get("secondary") != spec["secondary"]:
            why = "the granules of this pair changed (new search result)"
            return pair_action(desired, Op.REPLACE, why, internal=internal)
        if recorded != spec:
            return pair_action(desired, Op.REFRESH, "baselines or origin changed", internal=internal)
        return None

    def orphan(self, address: str, record: Record, ctx: PlanContext) -> Action | None:
        return Action(
            address=address,
            kind=self.kind,
            op=Op.FORGET,
            reason="no longer in the pair network",
            internal=pairs_are_internal(ctx.project),
        )

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        if action.op is Op.FORGET:
            return Outcome(ops=[op_delete(action.address)])
        return Outcome(ops=[op_put(action.address, self.kind, "planned", action.payload["spec"])])

    def notes(self, ctx: PlanContext) -> list[str]:
        notes: list[str] = []
        for stack, network, _dates in networks(ctx):
            notes.extend(f"{stack.id}: {n}" for n in network.notes)
            report = network.disconnection_report()
            if report:
                notes.append(report)
        for stack, pair, problems in left_out_pairs(ctx):
            notes.append(f"pair {stack.id}.{pair.key} left out: " + "; ".join(problems))
        return notes
