"""`isce_step.<stack>.<NN>_<name>`: one run file of the current generation of a stack, each of its
lines a command tracked on its own (docs/isce.md, "Resources").

Execute runs the step's commands through the local executor (`insarproj/isce/local_runner.py`),
`num_proc` at a time; every command record the executor emits (running, then done/failed) is
written to the journal at once, so a crash or kill -9 of insarproj leaves each command's last
record durable and the next apply adopts or re-runs exactly the unfinished ones. A step record
carries its generation (the `isce_stack` fingerprint) and counts only for it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.errors import InsarprojError
from insarproj.kinds.isce_spec import isce_config, predicted_run_files, spec_fingerprint, topsstack
from insarproj.state import op_put
from insarproj.state.records import Record

KIND = "isce_step"
STACK_KIND = "isce_stack"


def step_address(stack: str, run_file: str) -> str:
    return f"isce_step.{stack}.{run_file.removeprefix('run_')}"


class IsceStepKind(ResourceKind):
    kind = KIND
    concurrency = 1  # steps run in order; a step's commands run in parallel inside execute

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        for stack_desired in ctx.desired_of(STACK_KIND):
            spec = stack_desired.spec
            generation = spec_fingerprint(spec)
            record = ctx.state.resources.get(stack_desired.address)
            current = record is not None and record["attributes"].get("fingerprint") == generation
            run_files = (
                record["attributes"]["run_files"]
                if current and record
                else predicted_run_files(spec["options"], update=_updates(ctx, spec, record))
            )
            previous = stack_desired.address
            for run_file in run_files:
                address = step_address(spec["stack"], run_file)
                step_spec = {"stack": spec["stack"], "run_file": run_file, "generation": generation}
                yield Desired(address=address, spec=step_spec, depends_on=(stack_desired.address, previous))
                previous = address

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        from insarproj.kinds.isce_progress import progress_of

        spec = desired.spec
        stack_record = ctx.state.resources.get(f"{STACK_KIND}.{spec['stack']}")
        if stack_record is None or stack_record["attributes"].get("fingerprint") != spec["generation"]:
            return _action(desired, Op.CREATE, "runs once the stack's run files are generated")
        if isce_config(ctx.project).executor == "slurm":  # the SLURM executor: kinds/isce_slurm.py
            from insarproj.kinds.isce_slurm import assess_slurm

            return assess_slurm(desired, record, stack_record, ctx)
        progress = progress_of(spec, record, stack_record, ctx.project)
        if progress.complete:
            return None
        max_attempts = isce_config(ctx.project).max_attempts
        if progress.exhausted(max_attempts) and not ctx.options.retry_failed:
            return _action(
                desired,
                Op.FAILED,
                progress.describe(max_attempts) + "; fix the cause, then `insarproj apply --retry-failed`",
            )
        payload = {"retry": bool(ctx.options.retry_failed)}
        return _action(desired, Op.CREATE, progress.describe(max_attempts), payload)

    def orphan(self, address: str, record: Record, ctx: PlanContext) -> Action | None:
        """A step of an earlier generation (its command logs stay in that generation's folder)."""
        action = super().orphan(address, record, ctx)
        if action is not None:
            generation = str(record["attributes"].get("generation", ""))[:12]
            action.reason = f"a step of an earlier generation ({generation}); its logs are kept"
            action.internal = True
            # Forgotten after the stack's next generation is made: whether update mode may be
            # used is judged from the steps of the generation it builds on.
            action.depends_on.append(f"{STACK_KIND}.{address.split('.')[1]}")
        return action

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        if action.op is Op.FORGET:
            from insarproj.state import op_delete

            return Outcome(ops=[op_delete(action.address)])
        return _run(action, ctx)


def _updates(ctx: PlanContext, spec: Any, record: Record | None) -> bool:
    """Whether the stack's next generation is topsStack's update mode (its run files differ)."""
    if record is None:
        return False
    from insarproj.kinds.isce_update import planned_generation

    return planned_generation(ctx, spec).update


def _action(desired: Desired, op: Op, reason: str, extra: dict[str, Any] | None = None) -> Action:
    action = desired.action(KIND, op, reason, unit="ISCE step")
    action.payload.update(extra or {})
    return action


def _run(action: Action, ctx: ApplyContext) -> Outcome:
    from insarproj.isce.local_runner import LocalRunner, RunningElsewhere, StepFailed
    from insarproj.isce.records import CommandRecord, RecordFile
    from insarproj.kinds.isce_progress import command_records, command_specs, record_file_of, step_paths

    spec = action.payload
    stack_record = ctx.state.resources.get(f"{STACK_KIND}.{spec['stack']}")
    if stack_record is None or stack_record["status"] != "present":
        raise InsarprojError(f"{action.address}: isce_stack.{spec['stack']} is not generated")
    generation = str(stack_record["attributes"]["fingerprint"])
    if spec["run_file"] not in stack_record["attributes"]["run_files"]:
        return Outcome(message="not a run file of this generation (planned before it was generated)")
    if isce_config(ctx.project).executor == "slurm":  # the SLURM executor: kinds/isce_slurm.py
        from insarproj.kinds.isce_slurm import run_slurm

        return run_slurm(action, ctx, stack_record)
    work, log_dir = step_paths(ctx.project, stack_record)
    log_dir.mkdir(parents=True, exist_ok=True)
    specs = command_specs(work / "run_files" / spec["run_file"], work)
    record = ctx.state.resources.get(action.address)
    commands = _reset(command_records(spec["run_file"], generation, record, log_dir), bool(spec.get("retry")))
    # Each record is fsync'd to the step's record file before the command may start (linear in
    # the number of commands); the state record gets them all when the step ends.
    record_file = RecordFile(record_file_of(log_dir, spec["run_file"]))

    def on_record(command: CommandRecord) -> None:
        record_file.append(command)
        commands[command.key] = command.to_json()

    config = isce_config(ctx.project)
    tool = topsstack(ctx)
    runner = LocalRunner(
        log_dir=log_dir,
        on_record=on_record,
        num_proc=config.num_proc,
        max_attempts=config.max_attempts,
        cwd=work,
        path_prepend=[tool.folder] if tool.folder is not None else [],
        cancel=ctx.cancel,
    )
    previous = {k: CommandRecord.from_json(v) for k, v in commands.items()}
    attrs = {"generation": generation, "run_file": spec["run_file"], "commands": commands}
    try:
        outcome = runner.run_step(spec["run_file"], specs, previous)
    except (StepFailed, RunningElsewhere) as exc:
        ctx.writer.record([op_put(action.address, KIND, "failed", attrs)])
        raise InsarprojError(f"{action.address}: {exc}") from None
    except BaseException:
        ctx.writer.record([op_put(action.address, KIND, "partial", attrs)])
        raise
    message = f"{len(outcome.ran)} command(s) run, {len(outcome.already_done)} already done"
    return Outcome(ops=[op_put(action.address, KIND, "present", attrs)], message=message)


def _reset(commands: dict[str, Any], retry: bool) -> dict[str, Any]:
    """--retry-failed: every failed command gets its attempts again."""
    if not retry:
        return commands
    return {k: ({**v, "failures": 0} if v.get("status") == "failed" else v) for k, v in commands.items()}
