"""sbatch behind its gate (its pid recorded before it may submit), the wait for an sbatch an
interrupted apply left running, and end states from `scontrol show job` when sacct is unavailable
(stand-in commands on PATH; no cluster needed)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from insarproj.errors import InsarprojError
from insarproj.isce.local_runner import CommandSpec
from insarproj.isce.processes import process_start
from insarproj.isce.slurm import commands
from insarproj.isce.slurm.inflight import await_sbatch, identity, running
from insarproj.isce.slurm.judge import judge_step, submission_folder

DATA = Path(__file__).resolve().parent / "data"


def _fake(bin_dir: Path, name: str, body: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    (bin_dir / name).write_text(f'#!/bin/sh\necho "$0 $*" >> {bin_dir}/calls\n{body}\n')
    (bin_dir / name).chmod(0o755)


def test_sbatch_waits_at_its_gate_until_its_pid_is_recorded(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bin_dir = tmp_path / "bin"
    _fake(bin_dir, "sbatch", 'echo "123;cluster"')
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    script = tmp_path / "part0.sbatch"
    seen: list[dict[str, Any]] = []

    def started(pid: int) -> None:
        seen.append(identity(pid))
        time.sleep(0.2)
        assert not (bin_dir / "calls").exists()  # not run yet: it waits for this to return

    assert commands.SlurmCommands().submit(script, ["7"], started) == "123"
    assert seen[0]["start"] is not None and seen[0]["host"] == socket.gethostname()
    assert "--dependency=afterok:7" in (bin_dir / "calls").read_text()

    def crash(pid: int) -> None:  # the state write failed, or insarproj was interrupted
        raise OSError("disk full")

    (bin_dir / "calls").unlink()
    with pytest.raises(OSError):
        commands.SlurmCommands().submit(script, (), crash)
    assert not (bin_dir / "calls").exists()  # nothing was submitted


def test_a_recorded_sbatch_still_running_is_waited_for(tmp_path: Path) -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        live = identity(sleeper.pid)
        record = {
            "attributes": {"slurm": {"submissions": [{"n": 1, "parts": [{"part": 0, "sbatch": live}]}]}}
        }
        assert running(live)
        with pytest.raises(InsarprojError, match=r"still running after 0.3 s.*run `insarproj apply` again"):
            await_sbatch("isce_step.A064.01_x", record, timeout=0.3)
        # Once its job id is recorded, a part's sbatch is not waited for; nor with no record at all.
        record["attributes"]["slurm"]["submissions"][0]["parts"][0]["job_id"] = "9"
        assert await_sbatch("a", record, timeout=0.0) < 0.1 and await_sbatch("a", None) == 0.0
        del record["attributes"]["slurm"]["submissions"][0]["parts"][0]["job_id"]
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not running(live) and await_sbatch("isce_step.A064.01_x", record) < 1.0
    reused = {**live, "start": (process_start(os.getpid()) or 0) + 1, "pid": os.getpid()}
    assert not running(reused)  # a live pid that is another process (pid reuse) is not the sbatch
    elsewhere = {"pid": 1, "start": 1, "host": "another-login-node", "at": time.time()}
    assert running(elsewhere) and not running({**elsewhere, "at": time.time() - 3600})


def test_without_sacct_scontrol_says_timeout_once_per_array(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    bin_dir = tmp_path / "bin"
    _fake(bin_dir, "sacct", 'echo "Slurm accounting storage is disabled" >&2; exit 1')
    _fake(bin_dir, "scontrol", f"cat {DATA / 'scontrol-show-job-timeout.txt'}")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(commands, "_ENDED", {})
    monkeypatch.setattr(commands, "_ASKED", {})
    slurm = commands.SlurmCommands()
    assert slurm.accounting(["2"]) == {"2_0": "TIMEOUT", "2_1": "TIMEOUT"}
    assert slurm.accounting(["2"]) == {"2_0": "TIMEOUT", "2_1": "TIMEOUT"}
    calls = [line.split()[0].rsplit("/", 1)[1] for line in (bin_dir / "calls").read_text().splitlines()]
    assert calls == ["sacct", "scontrol"]  # one call per ended array, and sacct never again

    key = "config_igram_20210106_20210118"
    folder = submission_folder(tmp_path / "logs", "run_10", 1)
    folder.mkdir(parents=True)
    (folder / f"{key}.start").write_text("2 1\n")
    (folder / f"{key}.rc").write_text("143 2\n")
    subs = [{"n": 1, "parts": [{"part": 0, "job_id": "2", "keys": [key]}]}]
    specs = [CommandSpec(key, "cmd")]
    told = judge_step(tmp_path / "logs", "run_10", specs, subs, [], {"2_1": "TIMEOUT"}).commands[key]
    assert told.reason == "exit code 143, TIMEOUT: it reached its time limit (raise time_limit)"
    untold = judge_step(tmp_path / "logs", "run_10", specs, subs, []).commands[key]
    assert untold.reason == "exit code 143, terminated (SIGTERM: time limit or scancel)"
