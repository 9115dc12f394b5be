"""One apply at a time per project (docs/safety.md).

The lock itself is an OS lock (`filelock`, `fallback_to_soft=False`: a silent fall-back to a
marker file would look like protection and give none). The kernel releases it when the holder
dies, so a crashed apply never leaves a stale lock on a local disk.

The sidecar `lock.info.json` names the holder (pid, host, command, start) for people. OS locks
do not always hold across hosts on NFS/Lustre, so a sidecar naming *another host* whose apply has
not ended also refuses, until `insarproj force-unlock LOCK_ID`. A sidecar left by a dead process
on this host is stale and is replaced.
"""

from __future__ import annotations

import json
import os
import socket
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from insarproj.errors import LockHeldError, StateError
from insarproj.fsutil import atomic_write_json
from insarproj.state.store import utcnow

if TYPE_CHECKING:
    from filelock import BaseFileLock

LOCK_NAME = "lock"
SIDECAR_NAME = "lock.info.json"


@dataclass(frozen=True)
class LockInfo:
    lock_id: str
    pid: int
    host: str
    command: str
    started_at: str

    def describe(self) -> str:
        return (
            f"{self.command!r} (pid {self.pid} on {self.host}, since {self.started_at}, "
            f"lock id {self.lock_id})"
        )


class ProjectLock:
    def __init__(self, state_dir: Path, *, command: str, timeout: float = 0.0) -> None:
        self.dir = Path(state_dir)
        self.lock_path = self.dir / LOCK_NAME
        self.sidecar_path = self.dir / SIDECAR_NAME
        self.command = command
        self.timeout = timeout
        self.info: LockInfo | None = None
        self._lock: BaseFileLock | None = None

    def read_holder(self) -> LockInfo | None:
        try:
            raw = json.loads(self.sidecar_path.read_text(encoding="utf-8"))
            return LockInfo(**{k: raw[k] for k in LockInfo.__dataclass_fields__})
        except (OSError, ValueError, KeyError, TypeError, RecursionError):
            return None

    def acquire(self) -> LockInfo:
        from filelock import FileLock, Timeout

        self.dir.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(self.lock_path), timeout=self.timeout, fallback_to_soft=False)
        try:
            lock.acquire()
        except Timeout as exc:
            holder = self.read_holder()
            who = holder.describe() if holder else "another insarproj process"
            raise LockHeldError(
                f"the project is locked by {who}",
                hint="wait for it to finish, or pass --lock-timeout SECONDS to wait",
            ) from exc
        except NotImplementedError as exc:  # pragma: no cover - file systems without flock
            raise StateError(
                f"the file system of {self.dir} does not support OS file locks",
                hint="keep the project on a local or lock-capable file system",
            ) from exc
        self._lock = lock
        try:
            self._refuse_foreign_holder()
            host = socket.gethostname()
            self.info = LockInfo(
                lock_id=uuid.uuid4().hex[:12],
                pid=os.getpid(),
                host=host,
                command=self.command,
                started_at=utcnow(),
            )
            atomic_write_json(self.sidecar_path, asdict(self.info))
        except BaseException:
            lock.release()
            self._lock = None
            raise
        return self.info

    def _refuse_foreign_holder(self) -> None:
        holder = self.read_holder()
        if holder is None:
            return
        if holder.host != socket.gethostname():
            raise LockHeldError(
                f"the project is locked by {holder.describe()} on another host, which may still be running "
                "(OS locks are not reliable across hosts on shared file systems)",
                hint=f"if that apply has ended, run `insarproj force-unlock {holder.lock_id}`",
            )
        # Same host: we hold the OS lock, so the recorded holder is gone (crashed); take over.

    def release(self) -> None:
        if self._lock is None:
            return
        try:
            if self.info and (holder := self.read_holder()) and holder.lock_id == self.info.lock_id:
                self.sidecar_path.unlink(missing_ok=True)
        finally:
            self._lock.release()
            self._lock = None

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def force_unlock(state_dir: Path, lock_id: str) -> LockInfo:
    """Remove a sidecar left by an apply that ended without cleaning up (e.g. another host)."""
    lock = ProjectLock(state_dir, command="force-unlock")
    holder = lock.read_holder()
    if holder is None:
        raise StateError(f"{lock.sidecar_path} does not exist: the project is not locked")
    if holder.lock_id != lock_id:
        raise StateError(
            f"lock id {lock_id!r} does not match the current holder {holder.describe()}",
            hint=f"pass the holder's lock id: insarproj force-unlock {holder.lock_id}",
        )
    lock.sidecar_path.unlink(missing_ok=True)
    return holder
