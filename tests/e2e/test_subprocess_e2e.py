"""The real CLI as a subprocess against a sandbox subprocess: kill -9 and concurrent applies."""

from __future__ import annotations

import hashlib
import os
import random
import signal
import time
from pathlib import Path

import pytest
from e2e_helpers import SandboxProcess, cli_subprocess, run_cli_subprocess, write_project

from insarproj.errors import ExitCode
from insarproj.state import StateStore


@pytest.fixture(scope="module")
def slow_sandbox():  # type: ignore[no-untyped-def]
    # Slow storage responses make an apply last long enough to be killed in the middle of it.
    box = SandboxProcess(faults="slow:0.6@/_storage/*")
    yield box
    box.stop()


def assert_state_valid_and_files_verified(root: Path) -> int:
    state = StateStore(root / ".insarproj").load()  # raises if the state or journal is damaged
    recorded = 0
    for address, record in state.resources.items():
        if record["kind"] != "scene":
            continue
        path = root / "data" / record["attributes"]["path"]
        assert path.is_file(), f"{address} recorded but {path} is missing"
        assert hashlib.md5(path.read_bytes()).hexdigest() == record["attributes"]["md5"], address
        recorded += 1
    return recorded


def test_kill_9_during_apply_then_reapply_converges(tmp_path: Path, slow_sandbox) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-02-15")
    env = {**slow_sandbox.env, "INSARPROJ_PLUGINS": ""}
    rng = random.Random(20211122)
    for _moment in range(10):
        proc = cli_subprocess(["-C", str(root), "apply", "--yes"], env)
        time.sleep(rng.uniform(0.3, 2.5))
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        assert_state_valid_and_files_verified(root)
    final = run_cli_subprocess(["-C", str(root), "apply", "--yes"], env)
    assert final.returncode == 0, final.stderr
    assert assert_state_valid_and_files_verified(root) > 0
    assert not list((root / "data").rglob("*.part"))
    check = run_cli_subprocess(["-C", str(root), "plan", "--detailed-exitcode"], env)
    assert check.returncode == 0, check.stdout + check.stderr


def test_two_concurrent_applies_one_exits_3(tmp_path: Path, slow_sandbox) -> None:  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", end="2021-01-20")
    env = dict(slow_sandbox.env)
    first = cli_subprocess(["-C", str(root), "apply", "--yes"], env)
    # Wait until the first holds the lock (its holder record appears).
    deadline = time.monotonic() + 30
    while not (root / ".insarproj" / "lock.info.json").exists():
        assert time.monotonic() < deadline and first.poll() is None, "first apply never took the lock"
        time.sleep(0.02)
    second = run_cli_subprocess(["-C", str(root), "apply", "--yes"], env)
    _out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert second.returncode == ExitCode.LOCKED
    assert f"pid {first.pid}" in second.stderr


def test_sandbox_command_prints_exports_and_serves(slow_sandbox) -> None:  # type: ignore[no-untyped-def]
    import requests

    assert set(slow_sandbox.env) >= {
        "INSARPROJ_CMR_URL",
        "INSARPROJ_URS_URL",
        "INSARPROJ_HYP3_URL",
        "INSARPROJ_ORBITS_URL",
        "INSARPROJ_CDSE_URL",
        "INSARPROJ_DEM_URL",
        "INSARPROJ_DEM90_URL",
        "INSARPROJ_GEOID_URL",
        "EARTHDATA_TOKEN",
    }
    assert requests.get(slow_sandbox.url + "/_sandbox/log", timeout=5).status_code == 200
