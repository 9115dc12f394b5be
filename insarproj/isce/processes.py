"""Is a recorded process still the one we started? (pid plus kernel start time, against pid reuse.)"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from insarproj.procutil import pid_exists

__all__ = ["alive", "process_start", "stop_group"]


def process_start(pid: int) -> int | None:
    """The kernel's start time of ``pid`` in clock ticks since boot (Linux /proc), or None."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces or parentheses: fields resume after the last ")".
    fields = stat[stat.rindex(")") + 2 :].split()
    if fields[0] == "Z":
        return None  # a zombie has ended; only its exit status is left
    return int(fields[19])  # field 22, starttime


def alive(pid: int, proc_start: int | None) -> bool:
    """Whether ``pid`` runs and is the process that started at ``proc_start``.

    Without /proc (not Linux) the start time cannot be checked: a live pid counts as alive, the
    safe side (insarproj waits rather than run a second copy).
    """
    if proc_start is not None and Path("/proc/self/stat").exists():
        return process_start(pid) == proc_start
    return pid_exists(pid)


def stop_group(pgid: int, is_alive: Callable[[], bool] | None = None, grace: float = 5.0) -> None:
    """SIGTERM the process group, then SIGKILL it when it is still there after ``grace`` seconds."""
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    check = is_alive or (lambda: _group_exists(pgid))
    while check() and time.monotonic() < deadline:
        time.sleep(0.02)
    if _group_exists(pgid):
        _signal_group(pgid, signal.SIGKILL)


def _group_exists(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, sig)
