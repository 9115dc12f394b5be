"""Command records: what the local executor reports about each run of a topsStack command.

One record is emitted when a command starts (status ``running``, before the command may begin) and
one when it ends (``done``, ``failed`` or ``interrupted``). The caller makes each durable (the
future ``isce_step`` kind turns them into journal entries; :class:`RecordFile` is a plain
append-only file for tools and tests). docs/isce.md "Command records".
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Literal

__all__ = ["CommandRecord", "RecordFile", "Status", "latest_by_key"]

Status = Literal["running", "done", "failed", "interrupted"]


@dataclass(frozen=True)
class CommandRecord:
    """One run (attempt) of one command of a step."""

    step: str
    key: str  # the command's id within the step, stable across applies
    command: str
    attempt: int  # 1 for the first run
    failures: int  # failed runs of this command so far, this one included once it has failed
    status: Status
    host: str
    pid: int
    pgid: int
    proc_start: int | None  # the kernel's start time of pid (clock ticks since boot), against pid reuse
    started_at: float  # wall clock, seconds since the epoch
    log_path: str
    exit_code: int | None = None
    duration: float | None = None
    reason: str = ""  # why a finished run is not done

    @property
    def finished(self) -> bool:
        return self.status != "running"

    def ended(
        self, status: Status, exit_code: int | None, duration: float, reason: str, failures: int
    ) -> CommandRecord:
        return replace(
            self, status=status, exit_code=exit_code, duration=duration, reason=reason, failures=failures
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CommandRecord:
        return cls(**data)


def latest_by_key(records: Iterable[CommandRecord]) -> dict[str, CommandRecord]:
    """The last record of each command (records in the order they were emitted)."""
    latest: dict[str, CommandRecord] = {}
    for record in records:
        latest[record.key] = record
    return latest


class RecordFile:
    """Records as fsync'd JSON lines; a torn last line (a crash mid-write) is ignored."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def append(self, record: CommandRecord) -> None:
        line = json.dumps(record.to_json(), sort_keys=True) + "\n"
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())

    def read(self) -> list[CommandRecord]:
        if not self.path.exists():
            return []
        records = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(CommandRecord.from_json(json.loads(line)))
            except (ValueError, TypeError):
                continue  # a torn line from a crash mid-write
        return records
