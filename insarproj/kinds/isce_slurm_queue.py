"""Two submission details of a SLURM step (docs/slurm.md): how many tasks it may queue under the
user's limits (its commands packed several per task when needed), and the identity of each
sbatch recorded in the intent before that sbatch may submit (the in-flight window of a kill)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from insarproj.engine.context import ApplyContext
from insarproj.engine.model import Action, Op
from insarproj.isce.slurm.commands import SlurmCommands
from insarproj.isce.slurm.inflight import identity
from insarproj.isce.slurm.limits import ClusterConfig, QueueLimit, queue_limit
from insarproj.isce.slurm.packing import Layout, layout
from insarproj.kinds.isce_progress import command_specs, step_paths
from insarproj.kinds.isce_spec import isce_config
from insarproj.state import op_put

__all__ = ["queue_full", "record_sbatch", "step_layout"]

KIND = "isce_step"


def _limit(ctx: ApplyContext, commands: SlurmCommands) -> tuple[QueueLimit, ClusterConfig]:
    cluster = ctx.shared_object("slurm.cluster", commands.cluster)
    max_submit = ctx.shared_object("slurm.max_submit", lambda: commands.max_submit(cluster))
    slurm = isce_config(ctx.project).slurm
    return queue_limit(slurm.max_queued_tasks if slurm else None, cluster, max_submit), cluster


def queue_full(ctx: ApplyContext, commands: SlurmCommands) -> str | None:
    """Why the step must wait for room in the user's queue (``commands`` has just read it), or None."""
    limit, _ = _limit(ctx, commands)
    if commands.user_tasks < limit.limit:
        return None
    return (
        f"waits for room in your SLURM queue: {commands.user_tasks} task(s) queued, "
        f"at most {limit.limit} ({limit.source})"
    )


def step_layout(
    ctx: ApplyContext, action: Action, stack_record: Any, todo: Sequence[str], commands: SlurmCommands
) -> tuple[Layout, str]:
    """The step's arrays under MaxArraySize and the queue limit (``commands`` has just read the
    queue), and a note for apply's message when commands were packed."""
    limit, cluster = _limit(ctx, commands)
    free = limit.limit - commands.user_tasks
    plan = layout(todo, _later_commands(ctx, action, stack_record), free, cluster.max_array_size)
    if plan.per_task <= 1:
        return plan, ""
    tasks = sum(len(array) for array in plan.arrays)
    return plan, f"up to {plan.per_task} commands per task in {tasks} task(s) ({limit.source}: {limit.limit})"


def _later_commands(ctx: ApplyContext, action: Action, stack_record: Any) -> int:
    """Commands of the stack's later steps this apply submits too: they share the queue's room."""
    spec = action.payload
    run_files = list(stack_record["attributes"].get("run_files", []))
    if spec["run_file"] not in run_files:
        return 0
    plan = ctx.shared.get("plan")
    creating = {a.address for a in (plan.actions if plan else []) if a.kind == KIND and a.op is Op.CREATE}
    work, _ = step_paths(ctx.project, stack_record)
    total = 0
    for run_file in run_files[run_files.index(spec["run_file"]) + 1 :]:
        if f"{KIND}.{spec['stack']}.{run_file.removeprefix('run_')}" in creating:
            path = work / "run_files" / run_file
            total += ctx.shared_object(f"slurm.commands.{path}", _counter(path, work))
    return total


def _counter(run_file: Path, work: Path) -> Callable[[], int]:
    return lambda: len(command_specs(run_file, work))


def record_sbatch(
    ctx: ApplyContext, address: str, attrs: dict[str, Any], part: dict[str, Any]
) -> Callable[[int], None]:
    """What sbatch's gate calls with its pid: the part's sbatch identity, recorded durably."""

    def started(pid: int) -> None:
        part["sbatch"] = identity(pid)
        ctx.writer.record([op_put(address, KIND, "submitting", copy.deepcopy(attrs))])

    return started
