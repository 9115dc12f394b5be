"""MintPy through the stack's SLURM executor, on the real single-node SLURM: with processor isce and
`executor = "slurm"`, smallbaselineApp.py (the stand-in, tests/e2e/fake_mintpy.py) is a one-task
array submitted after the stack's steps; a failure is recorded with its log and stops until
`--retry-failed`; a kill -9 right after its sbatch is adopted from the batch script's records,
never submitted twice; outputs are recorded with checksums from the run that made them."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from e2e_helpers import run_cli_subprocess, state_of
from fake_mintpy import write_fake_mintpy
from slurm_helpers import slurm_project, wait_until
from wrappers import wrap

from insarproj.errors import ExitCode

APPLY = ["apply", "--yes", "--wait", "--poll-interval", "0.3", "--timeout", "90"]
RUN = "mintpy_run.A064"


def run_record(root: Path) -> dict:
    return state_of(root)["resources"][RUN]  # type: ignore[no-any-return]


def submissions(record: dict) -> list[dict]:
    return record["attributes"]["slurm"]["submissions"]  # type: ignore[no-any-return]


def mintpy_project(tmp_path: Path) -> Path:
    """An interferogram stack on SLURM whose MintPy run (the fake smallbaselineApp.py) goes there too."""
    fake = write_fake_mintpy(tmp_path / "mintpy-bin")
    mintpy = f'\n[mintpy]\nenabled = true\nrun = true\ncommand = "{fake}"\n'
    root, _ = slurm_project(tmp_path, extra='workflow = "interferogram"\n', slurm_extra=mintpy)
    return root


def test_mintpy_runs_on_slurm_fails_until_retried_and_is_adopted_after_a_kill(  # type: ignore[no-untyped-def]
    tmp_path: Path, sandbox, slurm, run_cli, monkeypatch
) -> None:
    root = mintpy_project(tmp_path)
    monkeypatch.setenv("FAKE_MINTPY_FAIL", "1")  # sbatch hands the environment to the job
    failed = run_cli(["-C", str(root), *APPLY])
    assert failed.code == ExitCode.FAILED, failed.output
    record = run_record(root)
    assert record["status"] == "failed" and "outputs" not in record["attributes"], record
    assert "exit code 1" in record["attributes"]["reason"] and "SLURM job" in record["attributes"]["reason"]
    log = root / "data" / record["attributes"]["log"]
    assert "the fake was told to fail" in log.read_text()
    script = log.parent / "part0.sbatch"
    assert "-A064-mintpy" in script.read_text() and "--end velocity" in (log.parent / "part0.tsv").read_text()
    # Every step of the stack was done before MintPy was submitted (the hand-off needs them all).
    steps = [r for r in state_of(root)["resources"].values() if r["kind"] == "isce_step"]
    assert steps and all(r["status"] == "present" for r in steps)
    # Failed for good: a plain apply does not submit it again.
    monkeypatch.delenv("FAKE_MINTPY_FAIL")
    assert run_cli(["-C", str(root), "apply", "--yes"]).code == ExitCode.FAILED
    assert len(submissions(run_record(root))) == 1

    # --retry-failed, killed right after its sbatch: the job runs and leaves the queue while
    # insarproj is dead; the next apply adopts it from its batch script's records.
    bin_dir, calls = wrap(tmp_path / "bin")
    path = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    monkeypatch.setenv("PATH", path)
    killed = run_cli_subprocess(
        ["-C", str(root), *APPLY, "--retry-failed"], {"PATH": path, "INSARPROJ_TEST_KILL": "after:1"}
    )
    assert killed.returncode == -9, killed.stderr[-2000:]
    assert run_record(root)["status"] == "submitting"  # the intent, with no job id
    assert wait_until(lambda: slurm.jobs() == [], timeout=30), slurm.jobs()
    done = run_cli(["-C", str(root), *APPLY])
    assert done.code == 0, done.output
    record = run_record(root)
    attrs = record["attributes"]
    assert record["status"] == "present" and attrs["executor"] == "slurm", record
    assert (
        len(submissions(record)) == 2
        and submissions(record)[1]["parts"][0]["job_id"] == attrs["job"].split("_")[0]
    )
    assert sum(1 for line in calls.read_text().splitlines() if line.startswith("sbatch ")) == 1
    folder = root / "data" / attrs["path"]
    for name in ("timeseries.h5", "velocity.h5"):
        assert attrs["outputs"][name]["sha256"] == hashlib.sha256((folder / name).read_bytes()).hexdigest()
    assert (
        attrs["handoff_fingerprint"]
        == state_of(root)["resources"]["mintpy.A064"]["attributes"]["fingerprint"]
    )
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
    shown = run_cli(["-C", str(root), "show"]).output
    assert f"{RUN}" in shown and f"SLURM job {attrs['job']}" in shown, shown


def test_a_changed_run_setting_resubmits_mintpy_and_cancel_stops_it(  # type: ignore[no-untyped-def]
    tmp_path: Path, sandbox, slurm, run_cli, monkeypatch
) -> None:
    root = mintpy_project(tmp_path)
    assert run_cli(["-C", str(root), *APPLY]).code == 0
    first = run_record(root)["attributes"]
    toml = root / "project.toml"
    toml.write_text(toml.read_text().replace("run = true\n", 'run = true\nrun_through = "geocode"\n'))
    plan = run_cli(["-C", str(root), "plan"])
    assert "stale: [mintpy] run_through changed" in plan.output, plan.output
    monkeypatch.setenv("FAKE_MINTPY_SLEEP", "60")
    submitted = run_cli(["-C", str(root), "apply", "--yes"])  # submits and returns: waiting work
    assert submitted.code == 0 and "1 waiting" in submitted.output, submitted.output
    assert run_record(root)["status"] == "submitted" and slurm.jobs()
    waiting = run_cli(["-C", str(root), "plan", "--detailed-exitcode"])
    assert waiting.code == ExitCode.PENDING and "MintPy " in waiting.output, waiting.output
    cancelled = run_cli(["-C", str(root), "cancel"])
    assert cancelled.code == 0, cancelled.output
    assert wait_until(lambda: slurm.jobs() == [], timeout=20), slurm.jobs()
    assert run_record(root)["status"] == "cancelled"
    monkeypatch.delenv("FAKE_MINTPY_SLEEP")
    assert run_cli(["-C", str(root), *APPLY]).code == 0
    again = run_record(root)["attributes"]
    assert again["settings"]["run_through"] == "geocode" and again["run"] != first["run"]
    assert "--end geocode" in (root / "data" / again["log"]).read_text()
    assert run_cli(["-C", str(root), "plan", "--detailed-exitcode"]).code == 0
