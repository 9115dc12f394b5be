"""`insarproj cancel`: scancel the project's queued and running SLURM arrays and record it.

The arrays are found from state (each step's submissions) and checked against one `squeue`, so
only the project's own live jobs are cancelled; each cancelled submission is marked in its step's
record, and a later apply submits what they had not finished (docs/slurm.md "Cancelling").

An apply killed right after its sbatch, before it recorded the job id, leaves an array state does
not name: cancel first waits for any such sbatch still on its way (as apply does), then also
cancels the queued arrays that carry a targeted step's job name, recorded or not.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from insarproj.engine.planner import matches_target
from insarproj.isce.slurm.commands import QueueEntry, SlurmCommands
from insarproj.isce.slurm.inflight import await_sbatch
from insarproj.kinds.isce_slurm import KIND, job_name, project_prefix
from insarproj.kinds.mintpy_slurm import job_name as mintpy_job_name
from insarproj.state import op_put

MINTPY_RUN = "mintpy_run"


@dataclass
class Cancelled:
    steps: dict[str, list[str]] = field(default_factory=dict)  # step address → job ids cancelled


def cancel_arrays(writer: Any, targets: Sequence[str] = ()) -> Cancelled:
    """Cancel every live array of the project's isce steps and MintPy runs (those under ``targets``,
    if given)."""
    state = writer.state
    commands = SlurmCommands(project_prefix(state.lineage))
    records = {**state.by_kind(KIND), **state.by_kind(MINTPY_RUN)}  # MintPy too: kinds/mintpy_slurm.py
    steps = {
        address: record
        for address, record in sorted(records.items())
        if not targets or matches_target(address, targets)
    }
    for address, record in steps.items():
        await_sbatch(address, record)  # an sbatch an interrupted apply left may still register one
    queue = commands.queue()
    result = Cancelled()
    for address, record in steps.items():
        jobs = _live_jobs(address, record, queue, state.lineage)
        if jobs:
            result.steps[address] = jobs
    every = [job for jobs in result.steps.values() for job in jobs]
    commands.cancel(every)
    for address, jobs in result.steps.items():
        record = state.resources[address]
        attrs = copy.deepcopy(record["attributes"])
        for submission in attrs.get("slurm", {}).get("submissions", []):
            if any(part.get("job_id") in jobs for part in submission["parts"]):
                submission["cancelled"] = True
        writer.record([op_put(address, record["kind"], "cancelled", attrs)])
    return result


def _live_jobs(address: str, record: Any, queue: Sequence[QueueEntry], lineage: str) -> list[str]:
    """The step's arrays in the queue: those its record names, and those carrying its job name
    (an array whose sbatch answered after its apply was killed)."""
    live = {entry.job_id for entry in queue}
    jobs = [job for job in _job_ids(record) if job in live]
    stack = address.split(".")[1]
    run_file = record["attributes"].get("run_file")
    if record["kind"] == MINTPY_RUN:
        name = mintpy_job_name(lineage, stack)
    elif run_file:
        name = job_name(lineage, stack, str(run_file))
    else:
        return jobs
    return jobs + sorted({e.job_id for e in queue if e.name == name and e.job_id not in jobs})


def _job_ids(record: Any) -> list[str]:
    submissions = record["attributes"].get("slurm", {}).get("submissions", [])
    return [str(part["job_id"]) for s in submissions for part in s["parts"] if part.get("job_id")]
