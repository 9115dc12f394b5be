"""Whether a process id is in use: one answer for the sandbox's pid file and the ISCE executor."""

from __future__ import annotations

import os


def pid_exists(pid: int) -> bool:
    """True while some process has ``pid`` (signal 0 probes without signalling; a process of
    another user answers PermissionError, which still means it exists). Callers that must know it
    is *their* process check more (the ISCE executor compares the kernel's start time)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
