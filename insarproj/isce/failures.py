"""Known ISCE/topsStack failure lines: a command whose log holds one is not done, whatever its exit code.

topsStack's own run.py ignores exit codes, and some ISCE scripts print a traceback yet exit 0, so
insarproj reads each command's log (docs/isce.md "When a command counts as done").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

__all__ = ["FAILURE_PATTERNS", "failure_line", "missing_outputs", "tail"]

FAILURE_PATTERNS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern)
    for pattern in (
        r"^Traceback \(most recent call last\)",
        r"^\s*[A-Za-z_.]*(Error|Exception)(: |$)",  # a Python exception line: FileNotFoundError: ...
        r"Segmentation fault",
        r"No SAFE file found",
        r"At least two SAFE file is required",
        r"Number of SAFE files to be used \(cover BBOX\): 0\b",
        r"no element found",  # a truncated annotation XML read during unpack
        r"different number of bursts than the reference",
    )
)
_MAX_SCAN = 4 * 1024 * 1024  # the end of a huge log is where failures are


def failure_line(log: Path) -> str | None:
    """The first known failure line of ``log`` (its last 4 MiB), or None."""
    try:
        with log.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - _MAX_SCAN))
            text = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return None
    for line in text.splitlines():
        if any(pattern.search(line) for pattern in FAILURE_PATTERNS):
            return line.strip()
    return None


def missing_outputs(outputs: Sequence[Path]) -> list[Path]:
    """The expected outputs that are absent or empty (an empty folder counts as empty)."""
    missing = []
    for path in outputs:
        if path.is_dir():
            if not any(path.iterdir()):
                missing.append(path)
        elif not path.is_file() or path.stat().st_size == 0:
            missing.append(path)
    return missing


def tail(log: Path, lines: int = 20) -> str:
    """The last ``lines`` lines of ``log`` (empty when there is none)."""
    try:
        with log.open("rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(max(0, size - 64 * 1024))
            text = handle.read().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return ""
    return "\n".join(text.splitlines()[-lines:])
