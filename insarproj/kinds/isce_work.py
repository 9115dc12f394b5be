"""`isce_work.<stack>`: a stack's topsStack work folder as a whole — the disk it needs before its
steps run, and what `keep` lets `apply --prune` remove once every step is done (docs/isce.md
"Disk" and "keep").

Plan estimates the disk the current generation still needs (insarproj/isce/disk.py) and compares
it with the free space of the data folder's file system: a shortfall is a failed-for-good line
(exit 4 from `plan --detailed-exitcode` and from `apply`, which refuses before anything runs).
Once every step of the generation is done, plan says what `apply --prune` would free; with
`--prune` the folders `keep` does not name are removed. Nothing is pruned while a step of the
generation is unfinished, since later steps read the earlier ones' folders.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from insarproj.config.isce import KEEPABLE_FOLDERS
from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, Plan, ResourceKind
from insarproj.errors import InsarprojError
from insarproj.fsutil import resolve_inside
from insarproj.kinds.isce_spec import isce_config, topsstack
from insarproj.state import op_put
from insarproj.state.records import Record

KIND = "isce_work"
NOTES = "isce_work.notes"
PLANNED = "isce_work.planned_bytes"  # what the stacks checked so far in this plan still need
MARGIN = 0.05  # head room on top of the estimate


class IsceWorkKind(ResourceKind):
    kind = KIND
    concurrency = 1

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        steps = ctx.desired_of("isce_step")
        for stack_desired in ctx.desired_of("isce_stack"):
            spec = stack_desired.spec
            mine = tuple(d.address for d in steps if d.spec["stack"] == spec["stack"])
            yield Desired(
                address=f"{KIND}.{spec['stack']}",
                spec={
                    "stack": spec["stack"],
                    "generation": _generation(spec),
                    "steps": list(mine),
                    "estimate": _estimate_input(spec),
                },
                depends_on=mine,
            )

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        spec = desired.spec
        stack_record = _current_stack(ctx.state.resources, spec)
        work = _work(ctx.project.data_dir, stack_record)
        keep = isce_config(ctx.project).keep
        if not _steps_recorded_done(ctx.state.resources, spec):
            action = _disk_check(desired, work, ctx)
            if action is None and ctx.options.prune:
                # Runs after the steps (it depends on them) and checks again that they are done.
                listed = ", ".join(f"{f}/" for f in KEEPABLE_FOLDERS if f not in keep)
                reason = f"once its steps are done, prune what keep does not name ({listed})"
                return desired.action(KIND, Op.REFRESH, reason, unit="ISCE work folder")
            return action
        from insarproj.isce.keep import prunable

        folders = prunable(work, keep) if work is not None else []
        if not folders or not _steps_complete(spec, stack_record, ctx):
            return None
        from insarproj.isce.disk import tree_bytes
        from insarproj.transfer.progress import format_bytes

        size = sum(tree_bytes(work / f) for f in folders) if work is not None else 0
        listed = ", ".join(f"{f}/" for f in folders)
        if not ctx.options.prune:
            _note(
                ctx,
                f"{desired.address}: `apply --prune` would free {format_bytes(size)} ({listed}: not in keep)",
            )
            return None
        reason = f"prune {listed} (not in keep): frees {format_bytes(size)}"
        return desired.action(KIND, Op.REFRESH, reason, unit="ISCE work folder")

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        if action.op is Op.FAILED:
            return Outcome()
        if action.op is Op.FORGET:
            from insarproj.state import op_delete

            return Outcome(ops=[op_delete(action.address)])
        return _prune(action, ctx)

    def notes(self, ctx: PlanContext) -> list[str]:
        notes = list(ctx.observations.get(NOTES, []))
        if ctx.desired_of(KIND):
            from insarproj.isce.discover import check_found

            problems, _ = check_found(isce_config(ctx.project), topsstack(ctx))
            notes += [f"ISCE2 options: {problem}" for problem in problems]
        return notes


def _generation(stack_spec: dict[str, Any]) -> str:
    from insarproj.kinds.isce_spec import spec_fingerprint

    return spec_fingerprint(stack_spec)


def _estimate_input(stack_spec: dict[str, Any]) -> dict[str, Any]:
    options = stack_spec["options"]
    return {
        "options": options,
        "bbox": list(options.get("bbox") or stack_spec["aoi_bounds"]),
        "dates": len(stack_spec["dates"]),
        "pairs": len(stack_spec["pairs"]),
    }


def _note(ctx: PlanContext, text: str) -> None:
    ctx.observations.setdefault(NOTES, []).append(text)


def _current_stack(records: Any, spec: dict[str, Any]) -> Record | None:
    record = records.get(f"isce_stack.{spec['stack']}")
    if record is None or record["status"] != "present":
        return None
    return record if record["attributes"].get("fingerprint") == spec["generation"] else None


def _work(data_dir: Path, stack_record: Record | None) -> Path | None:
    if stack_record is None:
        return None
    return resolve_inside(data_dir, stack_record["attributes"]["work"], what="an isce_stack record")


def _steps_recorded_done(records: Any, spec: dict[str, Any]) -> bool:
    """Every step of the generation recorded present (cheap: no run file is read)."""
    for address in spec["steps"]:
        record = records.get(address)
        if record is None or record["status"] != "present":
            return False
        if record["attributes"].get("generation") != spec["generation"]:
            return False
    return bool(spec["steps"])


def _steps_complete(spec: dict[str, Any], stack_record: Record | None, ctx: Any) -> bool:
    """Every step of the generation done by the rule of docs/isce.md (exit 0, no failure line,
    outputs present), read from the run files, records and disk."""
    from insarproj.kinds.isce_progress import progress_of

    if stack_record is None or not spec["steps"]:
        return False
    for address in spec["steps"]:
        record = ctx.state.resources.get(address)
        if record is None:
            return False
        step_spec = {
            "stack": spec["stack"],
            "run_file": record["attributes"].get("run_file"),
            "generation": spec["generation"],
        }
        if not progress_of(step_spec, record, stack_record, ctx.project).complete:
            return False
    return True


def _disk_check(desired: Desired, work: Path | None, ctx: PlanContext) -> Action | None:
    """Plan-time: does the data folder's file system hold what the generation still writes?"""
    from insarproj.isce.disk import estimate_stack, free_bytes, tree_bytes
    from insarproj.transfer.progress import format_bytes

    given = desired.spec["estimate"]
    estimate = estimate_stack(given["options"], given["bbox"], given["dates"], given["pairs"])
    written = tree_bytes(work) if work is not None else 0
    needed = max(0, estimate.total - written)
    free, where = free_bytes(ctx.project.data_dir)
    keep = isce_config(ctx.project).keep
    what = (
        f"about {format_bytes(needed)} more for its work folder ({estimate.bursts_per_date} bursts per date, "
        f"{estimate.dates} dates, {estimate.pairs} pairs; {format_bytes(estimate.kept(keep))} after "
        "`apply --prune`)"
    )
    # Every stack's work folder is in the same data folder: each check counts the stacks before it.
    earlier = int(ctx.observations.get(PLANNED, 0))
    ctx.observations[PLANNED] = earlier + needed
    if earlier:
        what += f", besides {format_bytes(earlier)} for the stacks before it"
    if topsstack(ctx).stand_in:  # the estimate is for ISCE2; the stand-in writes small placeholders
        _note(
            ctx,
            f"{desired.address}: would need {what} with ISCE2 ({format_bytes(free)} free on {where}); "
            "not enforced: the sandbox's stand-in topsStack writes small placeholder files",
        )
        return None
    if free >= (earlier + needed) * (1 + MARGIN):
        _note(ctx, f"{desired.address}: needs {what}; {format_bytes(free)} free on {where}")
        return None
    reason = (
        f"needs {what} but only {format_bytes(free)} are free on {where}: free space or set "
        '[paths] data to a larger disk (docs/isce.md "Disk")'
    )
    action = desired.action(KIND, Op.FAILED, reason, unit="ISCE work folder")
    action.payload["shortfall"] = {"needed": needed, "free": free, "where": str(where)}
    return action


def isce_disk_preflight(plan: Plan, ctx: ApplyContext) -> None:
    """Before anything runs: refuse a plan in which a stack does not fit on its disk (exit 4)."""
    from insarproj.isce.disk import IsceDiskShortfall

    for action in plan.actions:
        if action.kind == KIND and action.op is Op.FAILED and "shortfall" in action.payload:
            raise IsceDiskShortfall(f"{action.address} {action.reason}")


def _prune(action: Action, ctx: ApplyContext) -> Outcome:
    from insarproj.isce.disk import tree_bytes
    from insarproj.isce.keep import prunable, remove_folders
    from insarproj.transfer.progress import format_bytes

    # Checked again now, against the generation recorded by now (orbits and the DEM recorded in
    # this apply change its fingerprint) and every step of it: the steps this apply ran are
    # recorded by the time this runs.
    records = ctx.state.resources
    stack = action.payload["stack"]
    stack_record = records.get(f"isce_stack.{stack}")
    if stack_record is None or stack_record["status"] != "present":
        raise _not_done(action.address)
    generation = str(stack_record["attributes"]["fingerprint"])
    steps = [
        f"isce_step.{stack}.{name.removeprefix('run_')}" for name in stack_record["attributes"]["run_files"]
    ]
    spec = {"stack": stack, "generation": generation, "steps": steps}
    work = _work(ctx.project.data_dir, stack_record)
    if work is None or not _steps_complete(spec, stack_record, ctx):
        raise _not_done(action.address)
    folders = prunable(work, isce_config(ctx.project).keep)
    size = sum(tree_bytes(work / f) for f in folders)
    remove_folders(work, generation, folders)
    attributes = _pruned_so_far(ctx.state.resources.get(action.address), generation, folders, size)
    message = f"removed {', '.join(f + '/' for f in folders) or 'nothing'}: freed {format_bytes(size)}"
    return Outcome(ops=[op_put(action.address, KIND, "present", attributes)], message=message)


def _pruned_so_far(record: Record | None, generation: str, folders: list[str], size: int) -> dict[str, Any]:
    """The record of every prune of this generation (a second prune after `keep` shrank adds to
    the first), which `show` lists per stack."""
    before = record["attributes"] if record is not None else {}
    if before.get("generation") != generation:
        before = {}
    pruned = set(before.get("pruned", [])) | set(folders)
    return {
        "generation": generation,
        "pruned": [f for f in KEEPABLE_FOLDERS if f in pruned],
        "freed": int(before.get("freed", 0)) + size,
    }


def _not_done(address: str) -> InsarprojError:
    return InsarprojError(
        f"{address}: not pruned: a step of the stack is not done",
        hint="run `insarproj apply` until the stack's steps are done, then `apply --prune`",
    )


__all__ = ["IsceWorkKind", "isce_disk_preflight"]
