"""Ctrl-C (SIGINT) during a real apply: exit 130, what finished is recorded, a re-run converges."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from e2e_helpers import SandboxProcess, cli_subprocess, run_cli_subprocess, write_project

from insarproj.errors import ExitCode
from insarproj.state import StateStore


@pytest.fixture(scope="module")
def slow_sandbox():  # type: ignore[no-untyped-def]
    box = SandboxProcess(faults="slow:0.6@/_storage/*")  # downloads last long enough to interrupt
    yield box
    box.stop()


def test_ctrl_c_during_apply_exits_130_and_a_rerun_converges(tmp_path: Path, slow_sandbox) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-02-15")
    env = {**slow_sandbox.env, "INSARPROJ_PLUGINS": ""}
    proc = cli_subprocess(["-C", str(root), "apply", "--yes"], env)
    deadline = time.monotonic() + 30
    while not list((root / "data").rglob("*.part")):  # a download is under way
        assert time.monotonic() < deadline and proc.poll() is None, "apply never started a download"
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == ExitCode.INTERRUPTED, err
    assert "interrupted" in err.lower() and "Traceback" not in err
    StateStore(root / ".insarproj").load()  # the state is intact
    final = run_cli_subprocess(["-C", str(root), "apply", "--yes"], env)
    assert final.returncode == 0, final.stderr
    check = run_cli_subprocess(["-C", str(root), "plan", "--detailed-exitcode"], env)
    assert check.returncode == 0, check.stdout + check.stderr
