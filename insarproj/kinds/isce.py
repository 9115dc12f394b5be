"""`isce_stack.<stack>`: one generation of a stack's topsStack `configs/` and `run_files/`
(docs/isce.md, "Resources").

Desired per stack of the pin, with a spec of everything that shapes what `stackSentinel.py`
writes (kinds/isce_spec.py). When a recorded generation's fingerprint differs, the next one is
either topsStack's update mode in the same work folder (only dates were added and its preconditions
hold: kinds/isce_update.py) or a regeneration in a fresh work folder, the reason in words
("range_looks 9 → 15", "1 new date(s): update mode (…)"); a regeneration moves the old work folder
to `data/superseded/isce/<stack>/<generation>/` (deleted only with `apply --prune`), since
re-running stackSentinel.py where `coreg_secondarys/` exists silently switches it to update mode,
and it refuses to run where `run_files/` exists. Execute builds the inputs from state records,
checks the stack (refusing with the scene and why), runs the exact stackSentinel.py command in the
stack folder and edits the pair steps so the interferograms are exactly the `[pairs]` network.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.errors import InsarprojError
from insarproj.fsutil import resolve_inside
from insarproj.kinds.isce_spec import (
    SUPERSEDED_DIR,
    isce_config,
    refresh_spec,
    spec_fingerprint,
    stack_relpath,
    stack_spec,
    topsstack,
)
from insarproj.state import op_delete, op_put
from insarproj.state.records import Record

KIND = "isce_stack"
REGENERATE = "regenerate"  # payload flag of `--replace`: a new stack even where update mode would do


class IsceError(InsarprojError):
    """A stack cannot be generated as configured (the message names the scene, file or option)."""


def stack_specs(ctx: PlanContext) -> Iterable[dict[str, Any]]:
    """One spec per stack of the plan's pin with at least two dates."""
    from insarproj.kinds.pairs import networks

    tool = topsstack(ctx)
    records = ctx.state.resources
    for stack, network, dates in networks(ctx):
        by_date = {iso.replace("-", ""): list(d.scenes) for iso, d in dates.items()}
        if len(by_date) < 2:
            continue
        pairs = [(p.reference.strftime("%Y%m%d"), p.secondary.strftime("%Y%m%d")) for p in network.pairs]
        yield stack_spec(ctx.project, stack.id, by_date, pairs, records, tool)


class IsceStackKind(ResourceKind):
    kind = KIND
    concurrency = 1  # stackSentinel.py reads every zip's KML: one stack at a time
    replaceable = True

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        for spec in stack_specs(ctx):
            stack = spec["stack"]
            deps = [f"scene.{n}" for n in spec["scenes"]] + [f"orbit.{n}" for n in spec["scenes"]]
            deps += [f"pair.{stack}.{a}_{b}" for a, b in spec["pairs"]]
            yield Desired(address=f"isce_stack.{stack}", spec=spec, depends_on=(*deps, f"dem.{stack}"))

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        tool = topsstack(ctx)
        if not tool.found:
            return _action(desired, Op.CREATE, f"cannot generate yet: {tool.summary()}")
        if record is None or record["status"] != "present":
            return _action(desired, Op.CREATE, "not generated")
        attrs = record["attributes"]
        if attrs.get("fingerprint") != spec_fingerprint(desired.spec):
            from insarproj.kinds.isce_update import planned_generation

            generation = planned_generation(ctx, desired.spec)
            # An update is a new generation added to the stack (+), a regeneration replaces it.
            return _action(desired, Op.CREATE if generation.update else Op.REPLACE, generation.reason)
        work = ctx.project.data_dir / attrs.get("work", "")
        missing = [name for name in attrs.get("run_files", []) if not (work / "run_files" / name).is_file()]
        if missing:
            return _action(desired, Op.REPLACE, f"{', '.join(missing[:3])} missing on disk")
        return _orbits_changed_midway(desired, attrs, ctx)

    def replace_action(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action:
        action = _action(desired, Op.REPLACE, "regenerated on request (--replace)")
        action.payload[REGENERATE] = True
        return action

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        if action.op is Op.FORGET:
            return _forget(action, ctx)
        tool = topsstack(ctx)
        if not tool.found:
            raise IsceError(f"{action.address}: {tool.summary()}")
        from insarproj.kinds.isce_generate import generate
        from insarproj.kinds.isce_update import NEW, GenerationPlan, next_generation

        # Orbits and the DEM may have been recorded earlier in this apply: their part of the spec
        # is read again, so the fingerprint recorded is the one the next plan computes.
        payload = {k: v for k, v in action.payload.items() if k != REGENERATE}
        spec = refresh_spec(payload, ctx.state.resources, tool)
        record = ctx.state.resources.get(action.address)
        # Decided again from state and disk as they are now (a saved plan may be older).
        generation = (
            GenerationPlan(NEW, "regenerated on request")
            if action.payload.get(REGENERATE)
            else next_generation(spec, record, ctx.state.resources, ctx.project.data_dir)
        )
        attributes = generate(spec, ctx, tool, generation)
        mode = "update mode" if generation.update else "a new stack"
        message = f"generated {len(attributes['run_files'])} run files, {mode} ({tool.summary()})"
        return Outcome(ops=[op_put(action.address, KIND, "present", attributes)], message=message)

    def notes(self, ctx: PlanContext) -> list[str]:
        from insarproj.kinds.isce_update import generation_notes, planned_generation

        desired = ctx.desired_of(KIND)
        if not desired:
            return []
        notes = [f"ISCE2: {topsstack(ctx).summary()}"]
        for stack in desired:
            record = ctx.state.resources.get(stack.address)
            current = record is not None and record["attributes"].get("fingerprint") == spec_fingerprint(
                stack.spec
            )
            if current or (record is not None and planned_generation(ctx, stack.spec).update):
                notes += generation_notes(stack.address, stack.spec, record)
        return notes


def _orbits_changed_midway(desired: Desired, attrs: Any, ctx: PlanContext) -> Action | None:
    """An orbit file replaced (RESORB → POEORB) before the generation finished: its configs name
    the old file, moved aside, so the unfinished steps could not run; regenerate. Once finished,
    an orbit upgrade is only a note (`notes`)."""
    from insarproj.kinds.isce_update import generation_complete, orbit_changes

    changed = orbit_changes(attrs.get("spec", {}), desired.spec)
    if not changed or generation_complete(attrs, ctx.state.resources):
        return None
    reason = f"orbit files of {len(changed)} scene(s) changed before the stack finished: regenerate"
    return _action(desired, Op.REPLACE, reason)


def _action(desired: Desired, op: Op, reason: str) -> Action:
    return desired.action(KIND, op, reason)


def supersede(folder: Path, data_dir: Path, stack: str, label: str, prune: bool) -> Path | None:
    """Move an old generation's work folder aside (or delete it with --prune)."""
    if not folder.exists():
        return None
    if prune:
        shutil.rmtree(folder)
        return None
    target = data_dir / SUPERSEDED_DIR / stack / label
    n = 1
    while target.exists():
        n += 1
        target = data_dir / SUPERSEDED_DIR / stack / f"{label}-{n}"
    target.parent.mkdir(parents=True, exist_ok=True)
    folder.rename(target)
    return target


def run_logged(argv: list[str], cwd: Path, log: Path, env: dict[str, str]) -> int:
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        return subprocess.run(
            argv, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env, check=False
        ).returncode


def _forget(action: Action, ctx: ApplyContext) -> Outcome:
    record = action.payload.get("record") or {}
    relpath = record.get("attributes", {}).get("work")
    if (action.payload.get("prune") or ctx.options.prune) and relpath:
        folder = resolve_inside(ctx.project.data_dir, relpath, what=f"state record {action.address}")
        shutil.rmtree(folder, ignore_errors=True)
    return Outcome(ops=[op_delete(action.address)])


def isce_options(ctx: Any) -> Any:
    return isce_config(ctx.project)


__all__ = ["IsceStackKind", "run_logged", "stack_relpath", "supersede"]
