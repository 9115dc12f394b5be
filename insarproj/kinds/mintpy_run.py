"""`mintpy_run.<stack>`: smallbaselineApp.py run in a stack's hand-off folder (docs/mintpy.md,
"Running MintPy").

Made when `[mintpy] run = true`, after `mintpy.<stack>`. Its record names the hand-off
fingerprint that produced the outputs (timeseries.h5, velocity.h5, with size and sha256) and
the log; it is stale when the hand-off changed, the run settings changed, or an output went
missing or changed size. A run starts from a clean folder (MintPy's earlier files removed,
`mintpy.load.updateMode = no` in the cfg).

MintPy runs through the ISCE local executor (insarproj/isce/local_runner.py): its own process
group and log, and a "running" record fsync'd to `data/logs/mintpy/<stack>/runs.jsonl` before it
may start. A kill -9 of insarproj leaves MintPy running and that record; the next apply adopts
the run (waits for it, never starts a second one) and judges it by its exit status file. Outputs
are recorded only from a run that exited 0 with both files written.

With processor isce and `executor = "slurm"` the run goes through the stack's SLURM executor
instead (kinds/mintpy_slurm.py; docs/mintpy.md "On SLURM"), recorded the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, cast

from insarproj.engine.context import ApplyContext, PlanContext
from insarproj.engine.model import Action, Desired, Op, Outcome, ResourceKind
from insarproj.errors import InsarprojError
from insarproj.fingerprint import fingerprint
from insarproj.kinds.mintpy import HANDOFF_ACTIONS, MintpyKind
from insarproj.state import op_delete, op_put
from insarproj.state.records import Record

KIND = "mintpy_run"
LOGS_DIR = "logs/mintpy"
PROGRAM_CACHE = "mintpy.program"
STEP_KEY = "smallbaselineApp"


def _settings(project: Any) -> dict[str, Any]:
    return {"run_through": project.config.mintpy.run_through}


def run_id(handoff_fingerprint: str, settings: dict[str, Any]) -> str:
    """One run's id: the hand-off it reads and the run settings (its log folder's name)."""
    return "run-" + fingerprint({"handoff": handoff_fingerprint, "settings": settings})[:16]


def mintpy_program(ctx: Any) -> Any:
    """Where smallbaselineApp.py is (looked up once per plan or apply)."""
    from insarproj.mintpy.run import find_mintpy

    cache = ctx.observations if hasattr(ctx, "observations") else ctx.shared
    if PROGRAM_CACHE not in cache:
        cache[PROGRAM_CACHE] = find_mintpy(ctx.project.config.mintpy.command, base=ctx.project.root)
    return cache[PROGRAM_CACHE]


class MintpyRunKind(ResourceKind):
    kind = KIND
    concurrency = 1  # MintPy uses the machine's cores itself

    def desired(self, ctx: PlanContext) -> Iterable[Desired]:
        mintpy = ctx.project.config.mintpy
        if not (mintpy.enabled and mintpy.run):
            return
        settings = _settings(ctx.project)
        for handoff in ctx.desired_of(MintpyKind.kind):
            stack = handoff.spec["stack"]
            spec = {"stack": stack, "handoff": handoff.address, "settings": settings}
            yield Desired(address=f"{KIND}.{stack}", spec=spec, depends_on=(handoff.address,))

    def assess(self, desired: Desired, record: Record | None, ctx: PlanContext) -> Action | None:
        spec = desired.spec
        handoff_action = ctx.observations.get(HANDOFF_ACTIONS, {}).get(spec["handoff"])
        present = record is not None and record["status"] == "present"
        if handoff_action is not None:
            if handoff_action.op is Op.WAIT:
                return _action(desired, Op.WAIT, f"runs once {spec['handoff']} is made")
            op = Op.REPLACE if present else Op.CREATE
            return _action(desired, op, f"runs after {spec['handoff']} is (re)written", fresh=True)
        handoff = cast(Record, ctx.state.get(spec["handoff"]))
        current = str(handoff["attributes"].get("fingerprint"))
        from insarproj.kinds.mintpy_slurm import on_slurm  # SLURM's modules only where it may be used

        if on_slurm(ctx.project):  # through the stack's SLURM executor: kinds/mintpy_slurm.py
            on_cluster = _assess_slurm(desired, record, handoff, run_id(current, spec["settings"]), ctx)
            if on_cluster != "local rules":
                return cast(Action | None, on_cluster)
        else:
            running = _running(spec["stack"], run_id(current, spec["settings"]), ctx)
            if running is not None:  # apply adopts it: waits for it and records what it made
                return _action(desired, Op.REPLACE if present else Op.CREATE, running)
        if not mintpy_program(ctx).found:
            return _action(desired, Op.FAILED, mintpy_program(ctx).summary())
        if record is None:
            return _action(desired, Op.CREATE, "missing")
        if not present:
            return _unfinished(desired, record, ctx)
        stale = _stale(record["attributes"], current, spec, ctx)
        return _action(desired, Op.REPLACE, stale, fresh=True) if stale else None

    def orphan(self, address: str, record: Record, ctx: PlanContext) -> Action | None:
        return Action(
            address=address,
            kind=self.kind,
            op=Op.FORGET,
            reason="[mintpy] run is off or the stack is gone: the record is forgotten, MintPy's outputs stay",
            payload={"record": record},
        )

    def execute(self, action: Action, ctx: ApplyContext) -> Outcome:
        if action.op is Op.FORGET:
            return Outcome(ops=[op_delete(action.address)])
        if action.op is Op.FAILED:
            # Failed for good: nothing runs until `--retry-failed`; a run that failed on SLURM
            # since the last apply gets its failure recorded.
            return Outcome(ops=_failed_on_slurm(action, ctx))
        return _execute_run(action, ctx)

    def notes(self, ctx: PlanContext) -> list[str]:
        mintpy = ctx.project.config.mintpy
        if mintpy.enabled and mintpy.run and not mintpy_program(ctx).found:
            return [mintpy_program(ctx).summary()]
        return []


def _action(desired: Desired, op: Op, reason: str, fresh: bool = False) -> Action:
    action = desired.action(KIND, op, reason, unit="MintPy run")
    action.payload["fresh"] = fresh
    return action


def _unfinished(desired: Desired, record: Record, ctx: PlanContext) -> Action:
    """A run that failed (for good, unless --retry-failed) or was interrupted."""
    attrs = record["attributes"]
    why = f"{attrs.get('reason') or record['status']}; log data/{attrs.get('log')}"
    if record["status"] == "failed" and not ctx.options.retry_failed:
        return _action(
            desired, Op.FAILED, f"MintPy failed ({why}): fix the cause, then `insarproj apply --retry-failed`"
        )
    return _action(desired, Op.CREATE, f"the last run did not finish ({why})", fresh=True)


def _stale(attrs: dict[str, Any], current: str, spec: dict[str, Any], ctx: PlanContext) -> str | None:
    from insarproj.mintpy.run import outputs_changed

    if attrs.get("handoff_fingerprint") != current:
        serial = attrs.get("handoff_serial")
        return f"stale: {spec['handoff']} changed since the run (made from state serial {serial})"
    if attrs.get("settings") != spec["settings"]:
        return "stale: [mintpy] run_through changed"
    folder = ctx.project.data_dir / str(attrs.get("path"))
    changed = outputs_changed(folder, attrs.get("outputs") or {})
    return f"{', '.join(changed)} in data/{attrs.get('path')}/" if changed else None


def _assess_slurm(
    desired: Desired, record: Record | None, handoff: Record, run: str, ctx: PlanContext
) -> Action | str | None:
    from insarproj.kinds.mintpy_slurm import assess_on_slurm
    from insarproj.mintpy.run import run_command

    attrs = handoff["attributes"]
    folder = ctx.project.data_dir / str(attrs.get("path"))
    program = mintpy_program(ctx).program
    cfg = str(attrs.get("cfg", "insarproj.cfg"))
    command = run_command(program, cfg, desired.spec["settings"]["run_through"]) if program else ""
    return assess_on_slurm(desired, record, run, command, folder, ctx)


def _failed_on_slurm(action: Action, ctx: ApplyContext) -> list[Any]:
    """The failure the plan read from a SLURM run's records, recorded on a still-submitted record."""
    failure = action.payload.get("failure")
    record = ctx.state.get(action.address)
    if not failure or record is None or record["status"] not in ("submitting", "submitted"):
        return []
    return [op_put(action.address, KIND, "failed", {**record["attributes"], **failure})]


def _running(stack: str, run: str, ctx: PlanContext) -> str | None:
    """A run recorded as running by an insarproj that ended (kill -9) and still alive."""
    from insarproj.isce.processes import alive
    from insarproj.isce.records import RecordFile, latest_by_key

    path = ctx.project.data_dir / LOGS_DIR / stack / "runs.jsonl"
    last = latest_by_key(r for r in RecordFile(path).read() if r.step == run).get(STEP_KEY)
    if last is None or last.status != "running" or not alive(last.pid, last.proc_start):
        return None
    return f"MintPy is running (pid {last.pid} on {last.host}): apply waits for it, never runs a second one"


def _execute_run(action: Action, ctx: ApplyContext) -> Outcome:
    from insarproj.fsutil import resolve_inside

    payload = action.payload
    handoff = ctx.state.get(payload["handoff"])
    if handoff is None or handoff["status"] != "present":
        raise InsarprojError(f"{action.address}: {payload['handoff']} is not made; nothing to run")
    attrs = handoff["attributes"]
    folder = resolve_inside(
        ctx.project.data_dir, str(attrs["path"]), what=f"state record {payload['handoff']}"
    )
    program = mintpy_program(ctx)
    if not program.found:
        raise InsarprojError(program.summary())
    run = run_id(str(attrs["fingerprint"]), payload["settings"])
    cfg = str(attrs.get("cfg", "insarproj.cfg"))
    handoff_facts = {
        "path": str(attrs["path"]),
        "handoff": payload["handoff"],
        "handoff_fingerprint": attrs["fingerprint"],
        "handoff_serial": attrs.get("state_serial"),
        "settings": payload["settings"],
        "run": run,
    }
    from insarproj.kinds.mintpy_slurm import on_slurm, run_on_slurm

    if on_slurm(ctx.project):
        from insarproj.mintpy.run import run_command

        line = run_command(program.program, cfg, payload["settings"]["run_through"])
        return run_on_slurm(action, ctx, handoff_facts, folder, line)
    facts = _run_mintpy(action, ctx, folder, program.program, run, cfg)
    record = {**facts, **handoff_facts}
    return Outcome(
        ops=[op_put(action.address, KIND, "present", record)],
        message=f"velocity.h5 and timeseries.h5 in data/{attrs['path']}/ (log data/{facts['log']})",
    )


def _run_mintpy(
    action: Action, ctx: ApplyContext, folder: Path, program: Path, run: str, cfg: str
) -> dict[str, Any]:
    """Run (or adopt) MintPy for ``run``; the facts of its outputs. A failed or interrupted run is
    recorded without outputs, and the error or interrupt goes on."""
    from insarproj.isce.local_runner import CommandSpec, LocalRunner, RunningElsewhere, StepFailed
    from insarproj.isce.records import CommandRecord, RecordFile, latest_by_key
    from insarproj.mintpy.run import OUTPUTS, clear_outputs, output_facts, run_command

    data_dir = ctx.project.data_dir
    log_dir = data_dir / LOGS_DIR / action.payload["stack"]
    log_dir.mkdir(parents=True, exist_ok=True)
    record_file = RecordFile(log_dir / "runs.jsonl")
    last = latest_by_key(r for r in record_file.read() if r.step == run).get(STEP_KEY)
    # Adopt a run still going; reuse a finished one only when plan did not ask for a fresh run.
    keep = last is not None and (
        last.status == "running" or (last.status == "done" and not action.payload["fresh"])
    )
    previous = {STEP_KEY: last} if keep and last is not None else {}
    if not previous:
        clear_outputs(folder)
    ended: list[CommandRecord] = []

    def on_record(command: CommandRecord) -> None:
        record_file.append(command)
        ended.append(command)

    runner = LocalRunner(log_dir=log_dir, on_record=on_record, cwd=folder, cancel=ctx.cancel)
    spec = CommandSpec(STEP_KEY, run_command(program, cfg, action.payload["settings"]["run_through"]),
                       tuple(folder / name for name in OUTPUTS))  # fmt: skip
    try:
        runner.run_step(run, [spec], previous)
    except (StepFailed, RunningElsewhere) as exc:
        cancelled = ctx.cancel.is_set()  # stopped by Ctrl-C: runs again next time, no retry needed
        _record_unfinished(ctx, action, "partial" if cancelled else "failed", ended, log_dir)
        raise InsarprojError("interrupted" if cancelled else str(exc)) from None
    except BaseException:
        _record_unfinished(ctx, action, "partial", ended, log_dir)
        raise
    done = ended[-1] if ended else last
    assert done is not None
    log = Path(done.log_path).relative_to(data_dir).as_posix()
    return {"outputs": output_facts(folder), "log": log, "command": done.command, "duration": done.duration}


def _record_unfinished(
    ctx: ApplyContext, action: Action, status: str, ended: list[Any], log_dir: Path
) -> None:
    """The run's end without outputs: `failed` (plan shows it, --retry-failed runs it again) or
    `partial` (interrupted: the next apply runs it again)."""
    last = ended[-1] if ended else None
    log = Path(last.log_path).relative_to(ctx.project.data_dir).as_posix() if last else None
    reason = "interrupted" if status == "partial" or last is None else last.reason
    attrs = {"reason": reason, "log": log, "handoff": action.payload["handoff"]}
    ctx.writer.record([op_put(action.address, KIND, status, attrs)])


def mintpy_run_section(ws: Any, state: Any) -> dict[str, Any]:
    """`show`: each stack's MintPy run — outputs, the hand-off they came from, the log."""
    rows, lines = [], ["MintPy runs:"]
    for address, record in sorted(state.by_kind(KIND).items()):
        attrs = cast(dict[str, Any], record["attributes"])
        outputs = attrs.get("outputs") or {}
        rows.append(
            {
                "address": address,
                "status": record["status"],
                "path": attrs.get("path"),
                "outputs": outputs,
                "handoff_serial": attrs.get("handoff_serial"),
                "log": attrs.get("log"),
                "executor": attrs.get("executor", "local"),
                "slurm_jobs": _job_ids(attrs),
            }
        )
        made = ", ".join(f"{n} (sha256 {f['sha256'][:12]}…)" for n, f in outputs.items())
        made = made or _unfinished_text(record["status"], attrs)
        source = f"from the hand-off of state serial {attrs.get('handoff_serial')}; " if outputs else ""
        if outputs and attrs.get("executor") == "slurm":
            source += f"SLURM job {attrs.get('job')}; "
        lines.append(f"  {address:<26} {record['status']}: {made}; {source}log data/{attrs.get('log')}")
    if not rows:
        return {}
    return {"mintpy_runs": rows, "text_blocks": ["\n".join(lines)]}


def _job_ids(attrs: dict[str, Any]) -> list[str]:
    """The SLURM job ids of a run's submissions, oldest first (none for the local executor)."""
    submissions = attrs.get("slurm", {}).get("submissions", [])
    return [str(p["job_id"]) for s in submissions for p in s["parts"] if p.get("job_id")]


def _unfinished_text(status: str, attrs: dict[str, Any]) -> str:
    if status in ("submitting", "submitted"):
        jobs = _job_ids(attrs)
        return f"on SLURM (job {jobs[-1]})" if jobs else "being submitted to SLURM"
    return str(attrs.get("reason"))
