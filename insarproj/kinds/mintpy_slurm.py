"""`mintpy_run.<stack>` with processor isce and `executor = "slurm"`: smallbaselineApp.py runs as a
one-task job array through the SLURM executor of the stack's steps (docs/mintpy.md "On SLURM").

The same machinery as an `isce_step` (insarproj/isce/slurm/): the batch script and its task table
written into the run's log folder, the intent recorded before `sbatch` and the job id right after,
the run judged from the script's own records (`<key>.start`, `<key>.rc`, the log) and one `squeue`
per plan — so an apply killed between the two is adopted, never submitted twice. The hand-off is
made only once every step of the stack is done, so MintPy is submitted after the stack's last
step. Outputs are recorded (size, sha256, the hand-off) only from a run that exited 0 with both
files written, as on the local executor.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome
from insarproj.isce.slurm.commands import QueueEntry, SlurmCommands
from insarproj.isce.slurm.judge import StepView, judge_step, submission_folder
from insarproj.isce.slurm.script import ArrayScript, write_array
from insarproj.state import op_put
from insarproj.state.records import Record

KIND = "mintpy_run"
STEP_KEY = "smallbaselineApp"  # the task's key, and the step name of its sbatch overrides


def on_slurm(project: Any) -> bool:
    """Whether MintPy runs through the SLURM executor: processor isce with `executor = "slurm"`."""
    config = project.config
    return bool(config.processor.kind == "isce" and config.processor.isce.executor == "slurm")


def job_name(lineage: str, stack: str) -> str:
    """`insarproj-<lineage8>-<stack>-mintpy`: under the project's prefix, so one `squeue` sees it."""
    from insarproj.kinds.isce_slurm import project_prefix

    return f"{project_prefix(lineage)}{stack}-mintpy"


def log_dir_of(data_dir: Path, stack: str, run: str) -> Path:
    return data_dir / "logs" / "mintpy" / stack / run


def _submissions(record: Record | None, run: str) -> list[dict[str, Any]]:
    """The run's submissions (those of another run — an older hand-off — do not count)."""
    if record is None or record["attributes"].get("run") != run:
        return []
    return list(record["attributes"].get("slurm", {}).get("submissions", []))


def judge_run(
    ctx: Any, stack: str, run: str, command: str, folder: Path, record: Record | None, queue: Any
) -> StepView:
    """Where the run stands on SLURM: the insarproj/isce/slurm/judge.py rule for one command."""
    from insarproj.isce.local_runner import CommandSpec
    from insarproj.mintpy.run import OUTPUTS

    spec = CommandSpec(STEP_KEY, command, tuple(folder / name for name in OUTPUTS))
    log_dir = log_dir_of(ctx.project.data_dir, stack, run)
    return judge_step(log_dir, STEP_KEY, [spec], _submissions(record, run), queue)


def assess_on_slurm(
    desired: Desired, record: Record | None, run: str, command: str, folder: Path, ctx: PlanContext
) -> Action | str | None:
    """Plan for a run submitted to SLURM; "local rules" when nothing of this run was submitted (the
    finished, stale or failed record is judged as for the local executor)."""
    from insarproj.kinds.isce_slurm import plan_queue

    if record is None or record["status"] not in ("submitting", "submitted"):
        return "local rules"
    if record["attributes"].get("run") != run:
        return "local rules"  # an older hand-off's run: the new one is submitted (see execute)
    view = judge_run(ctx, desired.spec["stack"], run, command, folder, record, plan_queue(ctx))
    judged = view.commands[STEP_KEY]
    where = f"SLURM job {', '.join(view.live_jobs) or judged.job or '?'}"
    if judged.status == "done":
        return _action(desired, Op.REFRESH, f"MintPy finished on {where}: record its outputs")
    if view.live_jobs:
        return _action(desired, Op.WAIT, f"MintPy {judged.status or 'queued'} on {where}")
    if judged.status == "failed" and not ctx.options.retry_failed:
        log = Path(judged.log).relative_to(ctx.project.data_dir).as_posix() if judged.log else ""
        reason = f"MintPy failed on {where} ({judged.reason}; log data/{log})"
        action = _action(
            desired, Op.FAILED, reason + ": fix the cause, then `insarproj apply --retry-failed`"
        )
        action.payload["failure"] = {"reason": f"{judged.reason} (SLURM job {judged.job})", "log": log}
        return action
    return _action(desired, Op.CREATE, f"submit MintPy to SLURM again ({judged.reason or judged.status})")


def _action(desired: Desired, op: Op, reason: str) -> Action:
    action = desired.action(KIND, op, reason, unit="MintPy run")
    action.payload["fresh"] = op is not Op.REFRESH
    return action


def run_on_slurm(
    action: Action, ctx: ApplyContext, facts: dict[str, Any], folder: Path, command: str
) -> Outcome:
    """Record a finished run, adopt a live one, or submit it; ``facts`` are the record's hand-off
    attributes (run, handoff, fingerprint, serial, settings, path)."""
    from insarproj.kinds.isce_slurm import project_prefix

    stack, run = action.payload["stack"], str(facts["run"])
    commands = SlurmCommands(project_prefix(ctx.state.lineage))
    queue = commands.queue()
    record = ctx.state.get(action.address)
    _cancel_older_run(ctx, record, run, queue, commands)
    view = judge_run(ctx, stack, run, command, folder, record, queue)
    judged = view.commands[STEP_KEY]
    attrs = {**facts, "executor": "slurm", "slurm": {"submissions": _adopted(record, run, view)}}
    if judged.status == "done" and not action.payload.get("fresh"):
        return _record_done(action, ctx, attrs, folder, judged.log, judged.job)
    if view.live_jobs:
        message = f"adopted SLURM job {', '.join(view.live_jobs)} (MintPy {judged.status or 'queued'})"
        return Outcome(ops=[op_put(action.address, KIND, "submitted", attrs)], message=message, waiting=True)
    # Never submitted, lost, failed and planned again (--retry-failed), or done but stale (the plan
    # asked for a fresh run: its outputs changed on disk).
    job = _submit(action, ctx, attrs, folder, command, commands)
    return Outcome(message=f"submitted MintPy as SLURM job {job}", waiting=True)


def _adopted(record: Record | None, run: str, view: StepView) -> list[dict[str, Any]]:
    submissions = copy.deepcopy(_submissions(record, run))
    for submission in submissions:  # an array an interrupted apply submitted: its job id, adopted
        for part in submission["parts"]:
            part["job_id"] = part.get("job_id") or view.adopted.get((int(submission["n"]), int(part["part"])))
    return submissions


def _cancel_older_run(
    ctx: ApplyContext, record: Record | None, run: str, queue: list[QueueEntry], commands: SlurmCommands
) -> None:
    """A run of an older hand-off still queued or running is cancelled before the new one starts in
    the same folder (two MintPy runs must never write the same files)."""
    if record is None or record["attributes"].get("run") in (None, run):
        return
    submissions = record["attributes"].get("slurm", {}).get("submissions", [])
    live = {entry.job_id for entry in queue}
    jobs = [str(p["job_id"]) for s in submissions for p in s["parts"] if str(p.get("job_id")) in live]
    commands.cancel(jobs)


def _record_done(
    action: Action, ctx: ApplyContext, attrs: dict[str, Any], folder: Path, log: str, job: str
) -> Outcome:
    from insarproj.mintpy.run import output_facts

    record = {**attrs, "outputs": output_facts(folder), "log": _relative(ctx, log), "job": job}
    return Outcome(
        ops=[op_put(action.address, KIND, "present", record)],
        message=f"velocity.h5 and timeseries.h5 in data/{attrs['path']}/ "
        f"(SLURM job {job}, log data/{record['log']})",
    )


def _relative(ctx: ApplyContext, log: str) -> str:
    return Path(log).relative_to(ctx.project.data_dir).as_posix() if log else ""


def _submit(
    action: Action,
    ctx: ApplyContext,
    attrs: dict[str, Any],
    folder: Path,
    command: str,
    commands: SlurmCommands,
) -> str:
    """Write the script, record the intent, sbatch, record the job id (docs/slurm.md "Crash safety")."""
    from insarproj.kinds.isce_spec import isce_config
    from insarproj.mintpy.run import clear_outputs

    stack, run = action.payload["stack"], str(attrs["run"])
    submissions = attrs["slurm"]["submissions"]
    number = max((int(s["n"]) for s in submissions), default=0) + 1
    script_folder = submission_folder(log_dir_of(ctx.project.data_dir, stack, run), STEP_KEY, number)
    slurm = isce_config(ctx.project).slurm
    assert slurm is not None  # executor = "slurm" always has its table (config/isce.py)
    how = ArrayScript(
        job_name=job_name(ctx.state.lineage, stack),
        sbatch_options=tuple(slurm.sbatch_options(STEP_KEY)),
        sbatch_lines=tuple(slurm.sbatch_lines),
        env_setup=tuple(slurm.env_setup),
        work=folder,
    )
    script = write_array(script_folder, 0, [[(STEP_KEY, command)]], how)
    clear_outputs(folder)  # a clean load (docs/mintpy.md "A clean load"); nothing of this run is live
    part: dict[str, Any] = {"part": 0, "job_id": None, "keys": [STEP_KEY]}
    submissions.append({"n": number, "parts": [part]})
    ctx.writer.record([op_put(action.address, KIND, "submitting", copy.deepcopy(attrs))])  # the intent
    part["job_id"] = commands.submit(script)
    ctx.writer.record([op_put(action.address, KIND, "submitted", copy.deepcopy(attrs))])
    return str(part["job_id"])
