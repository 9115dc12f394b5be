"""What `apply --wait` prints at each poll: HyP3 job counts by status, elapsed time, next poll.

The counts come from what this apply has seen: the status each plan's listing gave a job
(an action's ``job`` payload), submissions it made (PENDING until a listing says otherwise),
refreshes (SUCCEEDED) and failures. A job the apply never saw is not counted.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from insarproj.engine.model import Action

STATUSES = ("PENDING", "RUNNING", "SUCCEEDED", "FAILED")
HYP3_JOB = "hyp3_job"  # the kind name (kinds/hyp3.py), kept as text: ui must not load HyP3's code


def status_of(action: Action) -> str | None:
    """The job status a planned action shows, when it shows one."""
    from insarproj.engine.model import Op

    job = action.payload.get("job") or action.payload.get("found_job")
    if isinstance(job, dict) and job.get("status_code") in STATUSES:
        return str(job["status_code"])
    if action.op is Op.FAILED or action.reason.startswith("job FAILED"):
        return "FAILED"
    if action.op is Op.WAIT:
        return "PENDING"  # submitted, not listed yet
    return None


class JobTally:
    def __init__(self) -> None:
        self.status: dict[str, str] = {}

    def see_plan(self, actions: list[Action]) -> None:
        for action in actions:
            if action.kind == HYP3_JOB and (status := status_of(action)) is not None:
                self.status[action.address] = status

    def see_event(self, event: str, action: Action) -> None:
        from insarproj.engine.model import Op

        if action.kind != HYP3_JOB:
            return
        if event == "failed-for-good":
            self.status[action.address] = "FAILED"
        elif event in ("done", "waiting") and action.op in (Op.CREATE, Op.REPLACE, Op.ADOPT):
            # Just submitted (or adopted): PENDING until a listing says more.
            self.status[action.address] = status_of(action) or "PENDING"
        elif event == "done" and action.op is Op.REFRESH:
            self.status[action.address] = "SUCCEEDED"

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for status in self.status.values():
            counts[status] += 1
        return counts


def elapsed_text(seconds: float) -> str:
    seconds = int(seconds)
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def poll_line(
    number: int, tally: JobTally, *, waiting: int, elapsed: float, next_in: float, now: datetime
) -> str:
    """'Poll 3, 2m 10s elapsed: HyP3 jobs 3 PENDING, 5 RUNNING, 10 SUCCEEDED, 0 FAILED; next poll at
    14:02:31 (in 45 s).'"""
    counts = tally.counts()
    if any(counts.values()):
        what = "HyP3 jobs " + ", ".join(f"{counts[s]} {s}" for s in STATUSES)
    else:
        what = f"{waiting} waiting"
    at = (now + timedelta(seconds=next_in)).strftime("%H:%M:%S")
    wait = f"{next_in:.0f}" if next_in >= 1 else f"{next_in:.1f}"
    return f"Poll {number}, {elapsed_text(elapsed)} elapsed: {what}; next poll at {at} (in {wait} s)."
