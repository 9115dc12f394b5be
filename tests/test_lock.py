"""One apply at a time: OS lock + holder sidecar, cross-host refusal, force-unlock."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from insarproj.errors import ExitCode, LockHeldError, StateError
from insarproj.lock import ProjectLock, force_unlock

HOLDER = """
import sys, time
from insarproj.lock import ProjectLock
with ProjectLock(sys.argv[1], command="insarproj apply --yes"):
    print("locked", flush=True)
    time.sleep(30)
"""


def hold_in_subprocess(state_dir: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(state_dir)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_second_holder_is_refused_naming_the_first(tmp_path: Path) -> None:
    proc = hold_in_subprocess(tmp_path)
    try:
        with pytest.raises(LockHeldError) as info:
            ProjectLock(tmp_path, command="insarproj apply").acquire()
        message = str(info.value)
        assert f"pid {proc.pid}" in message and socket.gethostname() in message
        assert "insarproj apply --yes" in message
        assert info.value.exit_code == ExitCode.LOCKED
    finally:
        proc.kill()
        proc.wait()


def test_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    proc = hold_in_subprocess(tmp_path)
    proc.kill()
    proc.wait()
    # The kernel released the OS lock; the sidecar of the dead process on this host is stale.
    with ProjectLock(tmp_path, command="second") as lock:
        assert lock.info is not None and lock.info.pid == os.getpid()
    assert not (tmp_path / "lock.info.json").exists()


def test_lock_timeout_waits_for_release(tmp_path: Path) -> None:
    proc = hold_in_subprocess(tmp_path)
    try:
        start = time.monotonic()
        with pytest.raises(LockHeldError):
            ProjectLock(tmp_path, command="x", timeout=0.3).acquire()
        assert time.monotonic() - start >= 0.25
    finally:
        proc.kill()
        proc.wait()
    with ProjectLock(tmp_path, command="x", timeout=5):
        pass


def write_foreign_sidecar(state_dir: Path) -> None:
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "lock.info.json").write_text(
        json.dumps(
            {
                "lock_id": "abc123",
                "pid": 4242,
                "host": "hpc-login-7",
                "command": "insarproj apply",
                "started_at": "t",
            }
        )
    )


def test_sidecar_of_another_host_refuses_until_force_unlock(tmp_path: Path) -> None:
    write_foreign_sidecar(tmp_path)
    with pytest.raises(LockHeldError) as info:
        ProjectLock(tmp_path, command="x").acquire()
    assert "hpc-login-7" in str(info.value) and "force-unlock abc123" in str(info.value)
    with pytest.raises(StateError, match="does not match"):
        force_unlock(tmp_path, "wrong")
    holder = force_unlock(tmp_path, "abc123")
    assert holder.host == "hpc-login-7"
    with ProjectLock(tmp_path, command="x"):
        pass


def test_cli_second_apply_exits_3_naming_holder(fake_project: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    proc = hold_in_subprocess(fake_project / ".insarproj")
    try:
        result = run_cli(["-C", str(fake_project), "apply", "--yes"])
        assert result.code == ExitCode.LOCKED
        assert f"pid {proc.pid}" in result.output
    finally:
        proc.kill()
        proc.wait()


def test_cli_force_unlock(fake_project: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    write_foreign_sidecar(fake_project / ".insarproj")
    assert run_cli(["-C", str(fake_project), "apply", "--yes"]).code == ExitCode.LOCKED
    result = run_cli(["-C", str(fake_project), "force-unlock", "abc123"])
    assert result.code == 0, result.output
    assert run_cli(["-C", str(fake_project), "apply", "--yes"]).code == 0
