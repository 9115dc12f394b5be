"""`insarproj cancel`: scancel the project's queued and running SLURM arrays and record it.

The arrays are found from state (each step's submissions) and checked against one `squeue`, so
only the project's own live jobs are cancelled; each cancelled submission is marked in its step's
record, and a later apply submits what they had not finished (docs/slurm.md "Cancelling").
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from insarproj.engine.planner import matches_target
from insarproj.isce.slurm.commands import SlurmCommands
from insarproj.kinds.isce_slurm import KIND, project_prefix
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
    live = {entry.job_id for entry in commands.queue()}
    result = Cancelled()
    records = {**state.by_kind(KIND), **state.by_kind(MINTPY_RUN)}  # MintPy too: kinds/mintpy_slurm.py
    for address, record in sorted(records.items()):
        if targets and not matches_target(address, targets):
            continue
        jobs = [job for job in _job_ids(record) if job in live]
        if jobs:
            result.steps[address] = jobs
    every = [job for jobs in result.steps.values() for job in jobs]
    commands.cancel(every)
    for address, jobs in result.steps.items():
        record = state.resources[address]
        attrs = copy.deepcopy(record["attributes"])
        for submission in attrs["slurm"]["submissions"]:
            if any(part.get("job_id") in jobs for part in submission["parts"]):
                submission["cancelled"] = True
        writer.record([op_put(address, record["kind"], "cancelled", attrs)])
    return result


def _job_ids(record: Any) -> list[str]:
    submissions = record["attributes"].get("slurm", {}).get("submissions", [])
    return [str(part["job_id"]) for s in submissions for part in s["parts"] if part.get("job_id")]
