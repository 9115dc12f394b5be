"""The sbatch in flight: its process identity recorded in the intent before it may submit, and the
wait for it after a kill (docs/slurm.md "Crash safety").

An apply killed while its `sbatch` still runs leaves that sbatch running: it may register the
array a moment after the next apply read the queue. So each part's record carries the identity
of its sbatch (pid, kernel start time, host, wall-clock time) before that process is allowed to
submit, and the next apply waits until no recorded sbatch of the step is alive before it reads
the queue and the batch scripts' records.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterable, Mapping
from typing import Any

from insarproj.errors import InsarprojError
from insarproj.isce.processes import alive, process_start

__all__ = ["OTHER_HOST_GRACE", "await_sbatch", "identity", "running"]

# An sbatch recorded on another login node cannot be probed: it counts as running this long after
# it was started (sbatch gives up well within it: insarproj's own timeout for it is 60 s).
OTHER_HOST_GRACE = 180.0
_WAIT = 120.0
_POLL = 0.2


def identity(pid: int) -> dict[str, Any]:
    """What identifies the process ``pid`` (an sbatch waiting at its gate) across a crash."""
    return {"pid": pid, "start": process_start(pid), "host": socket.gethostname(), "at": time.time()}


def running(sbatch: Mapping[str, Any]) -> bool:
    """Whether the recorded sbatch may still be submitting."""
    if sbatch.get("host") not in (None, socket.gethostname()):
        return time.time() - float(sbatch.get("at", 0.0)) < OTHER_HOST_GRACE
    start = sbatch.get("start")
    return alive(int(sbatch["pid"]), int(start) if start is not None else None)


def _unanswered(submissions: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The sbatch records of parts whose job id was never recorded."""
    return [
        part["sbatch"]
        for submission in submissions
        for part in submission.get("parts", [])
        if not part.get("job_id") and part.get("sbatch")
    ]


def await_sbatch(address: str, record: Any, timeout: float = _WAIT) -> float:
    """Wait until no sbatch recorded for ``record``'s unanswered parts is alive; the seconds waited.
    Raises when one still runs after ``timeout`` (the safe side: never submit twice)."""
    if record is None:
        return 0.0
    pending = _unanswered(record["attributes"].get("slurm", {}).get("submissions", []))
    began = time.monotonic()
    while pending := [s for s in pending if running(s)]:
        if time.monotonic() - began > timeout:
            first = pending[0]
            raise InsarprojError(
                f"{address}: the sbatch (pid {first['pid']} on {first.get('host')}) an interrupted "
                f"apply started is still running after {timeout:g} s",
                hint="wait for it to end (or kill it), then run `insarproj apply` again",
            )
        time.sleep(_POLL)
    return time.monotonic() - began
