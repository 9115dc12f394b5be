"""What the cluster lets one user queue, read from `scontrol show config` and (when accounting is
on) `sacctmgr`, and the end states `scontrol show job` reports (docs/slurm.md "Queue limits").

Pure parsing of the commands' output; insarproj/isce/slurm/commands.py runs them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "ClusterConfig",
    "QueueLimit",
    "parse_config",
    "parse_max_submit",
    "parse_show_job",
    "queue_limit",
]

DEFAULT_MAX_ARRAY_SIZE = 1001  # SLURM's own defaults when scontrol does not say
DEFAULT_MAX_JOB_COUNT = 10000


@dataclass(frozen=True)
class ClusterConfig:
    max_array_size: int
    max_job_count: int
    accounting: bool  # AccountingStorageType is slurmdbd: sacctmgr knows the per-user limits


@dataclass(frozen=True)
class QueueLimit:
    """The most tasks the user may have queued, and where that number comes from (said in apply's
    message when it packs commands)."""

    limit: int
    source: str


def _number(text: str, name: str) -> int | None:
    found = re.search(rf"^{name}\s*=\s*(\d+)", text, re.MULTILINE)
    return int(found.group(1)) if found else None


def parse_config(text: str) -> ClusterConfig:
    """`scontrol show config` → MaxArraySize, MaxJobCount and whether accounting is kept."""
    storage = re.search(r"^AccountingStorageType\s*=\s*(\S+)", text, re.MULTILINE)
    return ClusterConfig(
        max_array_size=_number(text, "MaxArraySize") or DEFAULT_MAX_ARRAY_SIZE,
        max_job_count=_number(text, "MaxJobCount") or DEFAULT_MAX_JOB_COUNT,
        accounting=bool(storage and storage.group(1).endswith("slurmdbd")),
    )


def parse_max_submit(text: str) -> int | None:
    """`sacctmgr -n -P show assoc where user=<me> format=MaxSubmit` → the smallest limit set on
    any of the user's associations (an empty field is no limit), or None."""
    numbers = [int(line.strip()) for line in text.splitlines() if line.strip().isdigit()]
    return min(numbers) if numbers else None


def queue_limit(configured: int | None, cluster: ClusterConfig, max_submit: int | None) -> QueueLimit:
    """The smallest of ``[processor.isce.slurm] max_queued_tasks``, the association's
    MaxSubmitJobs and the cluster's MaxJobCount, named."""
    if cluster.accounting:
        why = "your SLURM association sets no MaxSubmitJobs"
    else:
        why = "no accounting on this cluster, so per-user limits are unknown: set max_queued_tasks"
    candidates = []  # on a tie the first one is named
    if configured is not None:
        candidates.append((configured, "[processor.isce.slurm] max_queued_tasks"))
    if max_submit is not None:
        candidates.append((max_submit, "MaxSubmitJobs of your SLURM association"))
    candidates.append((cluster.max_job_count, f"MaxJobCount of the cluster; {why}"))
    limit, source = min(candidates, key=lambda c: c[0])
    return QueueLimit(limit, source)


def parse_show_job(text: str) -> dict[str, str]:
    """`scontrol -o show job <array id>` (one line per task record) → ``<job>_<task>`` → JobState
    for the tasks that have their own record (a pending range such as ``2-5%2`` has none)."""
    states: dict[str, str] = {}
    for line in text.splitlines():
        fields = dict(re.findall(r"(\w+)=(\S*)", line))
        job, task, state = fields.get("ArrayJobId"), fields.get("ArrayTaskId"), fields.get("JobState")
        if job and task and task.isdigit() and state:
            states[f"{job}_{task}"] = state
    return states
