"""`isce_step` with `executor = "slurm"`: plan reads where each command stands (one `squeue` per
plan, the batch scripts' records), apply submits the step's not-yet-done commands as job arrays
chained on the previous step with afterok, or adopts what an interrupted apply submitted.

Submission order (docs/slurm.md "Crash safety"): the batch scripts are written, the intent (the
submission with its arrays and no job ids) is recorded, then each `sbatch`, and its job id is
recorded right after. An apply killed in between finds the array by its script in `squeue`, or
by the job id its tasks wrote once it left the queue, and never submits it twice.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome
from insarproj.errors import InsarprojError
from insarproj.isce.failures import missing_outputs
from insarproj.isce.slurm.commands import QueueEntry, SlurmCommands
from insarproj.isce.slurm.inflight import await_sbatch
from insarproj.isce.slurm.judge import Judged, StepView, judge_step, submission_folder
from insarproj.isce.slurm.packing import scale_time
from insarproj.isce.slurm.script import ArrayScript, write_array
from insarproj.kinds.isce_progress import command_specs, step_paths
from insarproj.kinds.isce_slurm_queue import queue_full, record_sbatch, step_layout
from insarproj.kinds.isce_spec import isce_config, topsstack
from insarproj.state import op_put

KIND = "isce_step"
_QUEUE = "slurm.queue"


def job_name(lineage: str, stack: str, run_file: str) -> str:
    """`insarproj-<lineage8>-<stack>-<NN>`: the same for every array of the step, unique per project."""
    number = run_file.removeprefix("run_").split("_", 1)[0]
    return f"insarproj-{lineage.replace('-', '')[:8]}-{stack}-{number}"


def project_prefix(lineage: str) -> str:
    return f"insarproj-{lineage.replace('-', '')[:8]}-"


def plan_queue(ctx: PlanContext) -> list[QueueEntry] | None:
    """The project's jobs in the queue, read once per plan (None with --offline: not read)."""
    if getattr(ctx.read, "offline", False):
        return None
    if _QUEUE not in ctx.observations:
        ctx.observations[_QUEUE] = SlurmCommands(project_prefix(ctx.state.lineage)).queue()
    queue: list[QueueEntry] = ctx.observations[_QUEUE]
    return queue


def step_view(project: Any, spec: dict[str, Any], record: Any, stack_record: Any, queue: Any) -> StepView:
    work, log_dir = step_paths(project, stack_record)
    run_file = work / "run_files" / spec["run_file"]
    specs = command_specs(run_file, work) if run_file.is_file() else []
    view = judge_step(log_dir, spec["run_file"], specs, _submissions(record, spec["generation"]), queue)
    killed = [
        c.job
        for c in view.commands.values()
        if c.job and (c.reason.startswith("no exit status (killed") or c.exit_code in (137, 143))
    ]
    if killed and queue is not None:
        states = SlurmCommands().accounting(sorted({j.split("_")[0] for j in killed}))
        if states:  # sacct says why (TIMEOUT, OUT_OF_MEMORY): judge again with it
            view = judge_step(
                log_dir, spec["run_file"], specs, _submissions(record, spec["generation"]), queue, states
            )
    _done_locally(view, specs, record, spec["generation"])
    return view


def _done_locally(view: StepView, specs: list[Any], record: Any, generation: str) -> None:
    """Commands the local executor finished (executor switched to "slurm" mid-stack) stay done."""
    if record is None or record["attributes"].get("generation") != generation:
        return
    local = record["attributes"].get("commands", {})
    for command in specs:
        judged, last = view.commands[command.key], local.get(command.key) or {}
        if judged.status is None and last.get("status") == "done" and not missing_outputs(command.outputs):
            judged.status, judged.log = "done", str(last.get("log_path", ""))


def _submissions(record: Any, generation: str) -> list[dict[str, Any]]:
    if record is None or record["attributes"].get("generation") != generation:
        return []
    return list(record["attributes"].get("slurm", {}).get("submissions", []))


def assess_slurm(desired: Desired, record: Any, stack_record: Any, ctx: PlanContext) -> Action | None:
    spec = desired.spec
    view = step_view(ctx.project, spec, record, stack_record, plan_queue(ctx))
    total = len(view.commands)
    max_attempts = isce_config(ctx.project).max_attempts
    if total and view.count("done") == total:
        if (
            record is not None
            and record["status"] == "present"
            and record["attributes"].get("generation") == spec["generation"]
        ):
            return None
        return desired.action(
            KIND, Op.REFRESH, f"all {total} commands done on SLURM: record the step", unit="ISCE step"
        )
    counts = describe(view, max_attempts)
    if view.live_jobs:
        queued = f"SLURM {', '.join(view.live_jobs)}: {counts}"
        if _later_needs_submitting(ctx, spec, stack_record, max_attempts):
            # An apply stopped between two steps' submissions: this one is adopted as it runs and
            # the later ones are submitted after it now (a waiting step would hold them back).
            return desired.action(KIND, Op.CREATE, f"{queued}; later steps follow it", unit="ISCE step")
        return desired.action(KIND, Op.WAIT, queued, unit="ISCE step")
    exhausted = view.exhausted(max_attempts)
    if exhausted and not ctx.options.retry_failed:
        first = exhausted[0]
        reason = f"{counts}; {first.key} failed {first.failures}× ({first.reason}), log {first.log}"
        return desired.action(
            KIND,
            Op.FAILED,
            reason + "; fix the cause, then `insarproj apply --retry-failed`",
            unit="ISCE step",
        )
    action = desired.action(KIND, Op.CREATE, f"submit to SLURM: {counts}", unit="ISCE step")
    action.payload["retry"] = bool(ctx.options.retry_failed)
    return action


def _later_needs_submitting(
    ctx: PlanContext, spec: dict[str, Any], stack_record: Any, max_attempts: int
) -> bool:
    """Whether a later step of the stack has commands to submit (each step judged once per plan)."""
    run_files = list(stack_record["attributes"].get("run_files", []))
    if spec["run_file"] not in run_files:
        return False
    views: dict[str, StepView] = ctx.observations.setdefault("slurm.views", {})
    for following in run_files[run_files.index(spec["run_file"]) + 1 :]:
        if following not in views:
            record = ctx.state.resources.get(f"{KIND}.{spec['stack']}.{following.removeprefix('run_')}")
            nxt = {"run_file": following, "generation": spec["generation"]}
            views[following] = step_view(ctx.project, nxt, record, stack_record, plan_queue(ctx))
        if views[following].todo(max_attempts):
            return True
    return False


def describe(view: StepView, max_attempts: int) -> str:
    parts = [f"{view.count('done')}/{len(view.commands)} done"]
    for status in ("queued", "running", "failed"):
        if n := view.count(status):
            parts.append(f"{n} {status}")
    failed = [c for c in view.commands.values() if c.status == "failed"]
    if failed:
        worst = max(failed, key=lambda c: c.failures)
        parts.append(f"attempt {worst.failures} of {max_attempts} ({worst.reason})")
    return ", ".join(parts)


def run_slurm(action: Action, ctx: ApplyContext, stack_record: Any) -> Outcome:
    """Record a finished step, or adopt/submit the arrays of its not-yet-done commands."""
    # The generation is the stack's as generated now (a plan made before it predicted it).
    spec = {**action.payload, "generation": str(stack_record["attributes"]["fingerprint"])}
    commands = SlurmCommands(project_prefix(ctx.state.lineage))
    # An sbatch an interrupted apply left running may register its array any moment: wait for it.
    await_sbatch(action.address, ctx.state.resources.get(action.address))
    queue = commands.queue()
    record = ctx.state.resources.get(action.address)
    view = step_view(ctx.project, spec, record, stack_record, queue)
    attrs = _attributes(record, spec, view)
    total = len(view.commands)
    if total and view.count("done") == total:
        return Outcome(
            ops=[op_put(action.address, KIND, "present", attrs)], message=f"{total} command(s) done on SLURM"
        )
    max_attempts = _max_attempts(ctx, spec, view)
    todo = view.todo(max_attempts)
    if action.op is Op.FAILED:
        # Failed for good: recorded as such; the engine stops its dependants and apply exits 4.
        return Outcome(
            ops=[op_put(action.address, KIND, "failed", attrs)], message=describe(view, max_attempts)
        )
    if not todo and view.exhausted(max_attempts):  # it failed for good since the plan was made
        return Outcome(
            ops=[op_put(action.address, KIND, "failed", attrs)],
            message=describe(view, max_attempts),
            failed_for_good=True,
        )
    if not todo:
        message = f"adopted SLURM job(s) {', '.join(view.live_jobs)}: {describe(view, max_attempts)}"
        return Outcome(
            ops=[op_put(action.address, KIND, "submitted", attrs)],
            message=message,
            waiting=_last(action, ctx),
        )
    if (full := queue_full(ctx, commands)) is not None:  # submitted by a later apply (or --wait round)
        return Outcome(message=full, waiting=True)
    dependency = _previous_live_jobs(action, ctx, stack_record, queue)
    jobs, packed = _submit(action, ctx, stack_record, attrs, view, dependency, commands)  # records as it goes
    message = f"submitted {len(todo)} command(s) as SLURM job(s) {', '.join(jobs)}"
    message += f" after {', '.join(dependency)}" if dependency else ""
    return Outcome(message=message + (f"; {packed}" if packed else ""), waiting=_last(action, ctx))


def _last(action: Action, ctx: ApplyContext) -> bool:
    """Whether no later step of this apply chains on this one: then it is waiting work (apply --wait
    polls it, its dependants wait); otherwise the next step is submitted now with afterok on it."""
    plan = ctx.shared.get("plan")
    actions = plan.actions if plan is not None else []
    return not any(a.kind == KIND and action.address in a.depends_on for a in actions)


def _max_attempts(ctx: ApplyContext, spec: dict[str, Any], view: StepView) -> int:
    """max_attempts; with --retry-failed as many more as the most-failed command has used."""
    extra = max((c.failures for c in view.commands.values()), default=0) if spec.get("retry") else 0
    return int(isce_config(ctx.project).max_attempts) + extra


def _attributes(record: Any, spec: dict[str, Any], view: StepView) -> dict[str, Any]:
    commands = {key: _command_record(spec["run_file"], c) for key, c in view.commands.items() if c.status}
    submissions = copy.deepcopy(_submissions(record, spec["generation"]))
    for submission in submissions:  # arrays an interrupted apply submitted: their job ids, adopted
        for part in submission["parts"]:
            part["job_id"] = part.get("job_id") or view.adopted.get((int(submission["n"]), int(part["part"])))
    return {
        "generation": spec["generation"],
        "run_file": spec["run_file"],
        "executor": "slurm",
        "commands": commands,
        "slurm": {"submissions": submissions},
    }


def _command_record(run_file: str, c: Judged) -> dict[str, Any]:
    """Shaped as the local executor's command records (insarproj/isce/records.py), so `show`
    reads them and a switch back to executor = "local" takes them over."""
    return {
        **dict.fromkeys(("pid", "pgid"), 0),
        "step": run_file,
        "key": c.key,
        "command": c.command,
        "attempt": c.runs,
        "failures": c.failures,
        "status": c.status,
        "host": f"slurm:{c.job}",
        "proc_start": None,
        "started_at": 0.0,
        "log_path": c.log,
        "exit_code": c.exit_code,
        "duration": None,
        "reason": c.reason,
    }


def _previous_live_jobs(
    action: Action, ctx: ApplyContext, stack_record: Any, queue: list[QueueEntry]
) -> list[str]:
    """The previous step's arrays still in the queue: this step's arrays start after they succeed."""
    previous = [a for a in action.depends_on if a.startswith(f"{KIND}.")]
    jobs: list[str] = []
    generation = str(stack_record["attributes"]["fingerprint"])
    for address in previous:
        record = ctx.state.resources.get(address)
        run_file = "run_" + address.split(".", 2)[2]
        spec = {"run_file": run_file, "generation": generation}
        view = step_view(ctx.project, spec, record, stack_record, queue)
        if not view.live_jobs and view.count("done") != len(view.commands):
            # Submitting now would run this step before the previous one is done.
            raise InsarprojError(
                f"{action.address}: {address} is neither done nor queued ({describe(view, 0)})"
            )
        jobs += view.live_jobs
    return jobs


def _submit(
    action: Action,
    ctx: ApplyContext,
    stack_record: Any,
    attrs: dict[str, Any],
    view: StepView,
    dependency: list[str],
    commands: SlurmCommands,
) -> tuple[list[str], str]:
    todo = view.todo(_max_attempts(ctx, action.payload, view))
    spec = action.payload
    work, log_dir = step_paths(ctx.project, stack_record)
    lines = {s.key: s.command for s in command_specs(work / "run_files" / spec["run_file"], work)}
    submissions = attrs["slurm"]["submissions"]
    number = max((int(s["n"]) for s in submissions), default=0) + 1
    folder = submission_folder(log_dir, spec["run_file"], number)
    plan, packed = step_layout(ctx, action, stack_record, todo, commands)
    how = _array_script(ctx, stack_record, spec, work, plan.per_task)
    scripts = [
        write_array(folder, i, [[(k, lines[k]) for k in task] for task in array], how)
        for i, array in enumerate(plan.arrays)
    ]
    parts: list[dict[str, Any]] = [
        {"part": i, "job_id": None, "keys": [k for task in array for k in task], "tasks": len(array)}
        for i, array in enumerate(plan.arrays)
    ]
    submissions.append({"n": number, "parts": parts})
    for key in todo:  # `show` (state only) sees them as queued from now on
        judged = Judged(key, "queued", failures=view.commands[key].failures, command=lines[key])
        judged.runs, judged.log = view.commands[key].runs + 1, str(folder / f"{key}.log")
        attrs["commands"][key] = _command_record(spec["run_file"], judged)
    ctx.writer.record([op_put(action.address, KIND, "submitting", copy.deepcopy(attrs))])  # the intent
    jobs = []
    for part, script in zip(parts, scripts, strict=True):
        started = record_sbatch(ctx, action.address, attrs, part)  # its pid, before it may submit
        part["job_id"] = commands.submit(script, dependency, started)
        jobs.append(str(part["job_id"]))
        ctx.writer.record([op_put(action.address, KIND, "submitted", copy.deepcopy(attrs))])
    return jobs, packed


def _array_script(
    ctx: ApplyContext, stack_record: Any, spec: dict[str, Any], work: Path, per_task: int = 1
) -> ArrayScript:
    config = isce_config(ctx.project)
    slurm = config.slurm
    assert slurm is not None  # executor = "slurm" always has its table (config/isce.py)
    step = spec["run_file"].removeprefix("run_")
    tool = topsstack(ctx)
    return ArrayScript(
        job_name=job_name(ctx.state.lineage, spec["stack"], spec["run_file"]),
        sbatch_options=tuple(scale_time(slurm.sbatch_options(step), per_task)),  # packed: time per command
        sbatch_lines=tuple(slurm.sbatch_lines),
        env_setup=tuple(slurm.env_setup),
        work=work,
        path_prepend=(tool.folder,) if tool.folder is not None else (),
        throttle=slurm.max_array_tasks,
    )
