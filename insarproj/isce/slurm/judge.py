"""Where each command of a SLURM step stands, from the batch scripts' own records and one queue
listing: the same rule as the local executor (exit 0, no known failure line, outputs present) and
a failure count across submissions (docs/slurm.md "How insarproj knows what happened").
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from insarproj.isce.failures import failure_line, missing_outputs
from insarproj.isce.slurm.commands import QueueEntry
from insarproj.isce.slurm.script import job_file, script_path

__all__ = ["Judged", "StepView", "judge_step", "submission_folder"]

TaskStatus = Literal["done", "failed", "running", "queued", "cancelled", "lost"]
_SIGNALS = {
    "137": "killed (SIGKILL: time limit, memory or scancel)",
    "143": "terminated (SIGTERM: time limit or scancel)",
}
# What SLURM's end state (sacct, or scontrol within MinJobAge) says of a task killed without a word.
_STATES = {
    "TIMEOUT": "TIMEOUT: it reached its time limit (raise time_limit)",
    "OUT_OF_MEMORY": "OUT_OF_MEMORY: it ran out of memory (raise mem)",
}


@dataclass
class Judged:
    """A command's last outcome and its failures so far."""

    key: str
    status: TaskStatus | None  # None: never submitted
    failures: int = 0
    reason: str = ""
    log: str = ""
    job: str = ""  # "<array job id>_<task>" of its last run, when known
    command: str = ""
    runs: int = 0  # submissions that included it
    exit_code: int | None = None


@dataclass
class StepView:
    commands: dict[str, Judged] = field(default_factory=dict)
    live_jobs: list[str] = field(default_factory=list)  # this step's arrays in the queue
    unrecorded: list[tuple[int, int]] = field(default_factory=list)  # (submission, part) without job id
    adopted: dict[tuple[int, int], str] = field(default_factory=dict)  # found by script or job file

    def count(self, status: str | None) -> int:
        return sum(1 for c in self.commands.values() if c.status == status)

    def todo(self, max_attempts: int) -> list[str]:
        """Keys to submit: neither done, queued nor running, and not failed for good."""
        return [
            k
            for k, c in self.commands.items()
            if c.status in (None, "lost", "cancelled") or (c.status == "failed" and c.failures < max_attempts)
        ]

    def exhausted(self, max_attempts: int) -> list[Judged]:
        return [c for c in self.commands.values() if c.status == "failed" and c.failures >= max_attempts]


def submission_folder(log_dir: Path, run_file: str, number: int) -> Path:
    return log_dir / "slurm" / run_file / str(number)


def judge_step(
    log_dir: Path,
    run_file: str,
    specs: Sequence[Any],
    submissions: Sequence[Mapping[str, Any]],
    queue: Iterable[QueueEntry] | None,
    accounting: Mapping[str, str] | None = None,
) -> StepView:
    """Each command of ``specs`` (CommandSpec: key, outputs) judged from ``submissions`` (the step's
    state record, oldest first). ``queue`` None (not read: --offline) counts every array as alive."""
    entries = list(queue) if queue is not None else None
    view = StepView(commands={s.key: Judged(s.key, None, command=s.command) for s in specs})
    outputs = {s.key: s.outputs for s in specs}
    for submission in submissions:
        folder = submission_folder(log_dir, run_file, int(submission["n"]))
        for part in submission["parts"]:
            job = part.get("job_id") or _recorded_job(folder, int(part["part"]), entries)
            alive = entries is None or any(e.job_id == job for e in entries) if job else False
            where = (int(submission["n"]), int(part["part"]))
            if job is None:
                view.unrecorded.append(where)
            elif not part.get("job_id"):
                view.adopted[where] = job
            if job is not None and alive and job not in view.live_jobs:
                view.live_jobs.append(job)
            for key in part["keys"]:
                if key in view.commands:
                    _judge(
                        view.commands[key],
                        folder,
                        outputs[key],
                        alive,
                        bool(submission.get("cancelled")),
                        accounting or {},
                    )
    return view


def _recorded_job(folder: Path, part: int, entries: list[QueueEntry] | None) -> str | None:
    """An array whose sbatch answer was never recorded: by its script in the queue, else by the
    job id its tasks wrote once they ran."""
    script = str(script_path(folder, part))
    for entry in entries or []:
        if entry.script == script:
            return entry.job_id
    try:
        text = job_file(folder, part).read_text().strip()
    except OSError:
        return None
    return text if text.isdigit() else None


def _judge(
    judged: Judged,
    folder: Path,
    outputs: Sequence[Path],
    alive: bool,
    cancelled: bool,
    accounting: Mapping[str, str],
) -> None:
    log = folder / f"{judged.key}.log"
    judged.log = str(log)
    started = _words(folder / f"{judged.key}.start")
    ended = _words(folder / f"{judged.key}.rc")
    judged.job = "_".join(started[:2]) if len(started) >= 2 else ""
    judged.runs += 1
    judged.exit_code = int(ended[0]) if ended and ended[0].lstrip("-").isdigit() else None
    if ended:
        judged.status, judged.reason = _ended(ended[0], log, outputs)
        if ended[0] in _SIGNALS and (state := accounting.get(judged.job)):
            judged.reason = f"exit code {ended[0]}, {_STATES.get(state, state)}"
    elif started and alive:
        judged.status, judged.reason = "running", ""
    elif started and not cancelled:
        state = accounting.get(judged.job, "")
        why = _STATES.get(state, state) or "killed by SLURM: time limit, memory or scancel"
        judged.status, judged.reason = "failed", f"no exit status ({why})"
    elif alive:
        judged.status, judged.reason = "queued", ""
    else:
        judged.status = "cancelled" if cancelled else "lost"
        judged.reason = (
            "cancelled" if cancelled else "its array left the queue before it ran (a dependency failed)"
        )
    if judged.status == "failed":
        judged.failures += 1


def _ended(rc: str, log: Path, outputs: Sequence[Path]) -> tuple[TaskStatus, str]:
    if rc != "0":
        return "failed", f"exit code {rc}" + (f", {_SIGNALS[rc]}" if rc in _SIGNALS else "")
    if (line := failure_line(log)) is not None:
        return "failed", f"its log has a failure line: {line[:200]}"
    if missing := missing_outputs(outputs):
        return "failed", "missing or empty output: " + ", ".join(str(p) for p in missing[:3])
    return "done", ""


def _words(path: Path) -> list[str]:
    try:
        return path.read_text().split()
    except OSError:
        return []
