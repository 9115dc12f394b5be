"""Where a SLURM task stands, from its batch script's records and the queue (no cluster needed)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from insarproj.isce.local_runner import CommandSpec
from insarproj.isce.slurm.commands import QueueEntry
from insarproj.isce.slurm.judge import judge_step, submission_folder

KEY = "config_baseline_20210118"


def _entry(job: str, script: str = "") -> QueueEntry:
    return QueueEntry(job_id=job, task="0", state="RUNNING", reason="None", name="insarproj-x", script=script)


# files written by the task (name → text), output present, job in queue, cancelled → status, failures, reason
CASES: list[tuple[dict[str, str], bool, bool, bool, str, int, str]] = [
    ({"start": "7 0", "rc": "0 7"}, True, False, False, "done", 0, ""),
    ({"start": "7 0", "rc": "0 7"}, False, False, False, "failed", 1, "missing or empty output"),
    ({"start": "7 0", "rc": "1 7"}, True, False, False, "failed", 1, "exit code 1"),
    ({"start": "7 0", "rc": "143 7"}, True, False, False, "failed", 1, "SIGTERM: time limit or scancel"),
    (
        {"start": "7 0", "rc": "0 7", "log": "Traceback (most recent call last)\n"},
        True,
        False,
        False,
        "failed",
        1,
        "failure line",
    ),
    ({"start": "7 0"}, True, True, False, "running", 0, ""),
    ({"start": "7 0"}, True, False, False, "failed", 1, "no exit status"),
    ({"start": "7 0"}, True, False, True, "cancelled", 0, "cancelled"),
    ({}, True, True, False, "queued", 0, ""),
    ({}, True, False, False, "lost", 0, "left the queue before it ran"),
]


@pytest.mark.parametrize(("files", "output", "alive", "cancelled", "status", "failures", "reason"), CASES)
def test_a_task_is_judged_by_its_records(  # type: ignore[no-untyped-def]
    tmp_path: Path, files, output, alive, cancelled, status, failures, reason
) -> None:
    folder = submission_folder(tmp_path / "logs", "run_03", 1)
    folder.mkdir(parents=True)
    for suffix, text in files.items():
        (folder / f"{KEY}.{suffix}").write_text(text + "\n")
    out = tmp_path / "baseline"
    if output:
        out.write_text("x")
    submission: dict[str, Any] = {"n": 1, "parts": [{"part": 0, "job_id": "7", "keys": [KEY]}]}
    if cancelled:
        submission["cancelled"] = True
    view = judge_step(
        tmp_path / "logs",
        "run_03",
        [CommandSpec(KEY, "cmd", (out,))],
        [submission],
        [_entry("7")] if alive else [],
    )
    judged = view.commands[KEY]
    assert (judged.status, judged.failures) == (status, failures)
    assert reason in judged.reason
    assert view.live_jobs == (["7"] if alive else [])


def test_failures_add_up_across_submissions_and_the_last_one_counts(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    for number, rc in ((1, "1"), (2, "1"), (3, "0")):
        folder = submission_folder(logs, "run_03", number)
        folder.mkdir(parents=True)
        (folder / f"{KEY}.start").write_text(f"{number} 0\n")
        (folder / f"{KEY}.rc").write_text(f"{rc} {number}\n")
    subs = [{"n": n, "parts": [{"part": 0, "job_id": str(n), "keys": [KEY]}]} for n in (1, 2)]
    view = judge_step(logs, "run_03", [CommandSpec(KEY, "cmd")], subs, [])
    assert (view.commands[KEY].status, view.commands[KEY].failures) == ("failed", 2)
    assert view.todo(2) == [] and [c.key for c in view.exhausted(2)] == [KEY]
    assert view.todo(3) == [KEY]
    subs.append({"n": 3, "parts": [{"part": 0, "job_id": "3", "keys": [KEY]}]})
    view = judge_step(logs, "run_03", [CommandSpec(KEY, "cmd")], subs, [])
    assert view.commands[KEY].status == "done" and view.todo(2) == []


def test_an_unrecorded_array_is_found_by_its_script_then_by_its_job_file(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    folder = submission_folder(logs, "run_03", 1)
    folder.mkdir(parents=True)
    subs = [{"n": 1, "parts": [{"part": 0, "job_id": None, "keys": [KEY]}]}]
    specs = [CommandSpec(KEY, "cmd")]
    view = judge_step(logs, "run_03", specs, subs, [])
    assert view.unrecorded == [(1, 0)] and view.commands[KEY].status == "lost"  # never submitted
    view = judge_step(logs, "run_03", specs, subs, [_entry("41", str(folder / "part0.sbatch"))])
    assert (
        view.adopted == {(1, 0): "41"} and view.live_jobs == ["41"] and view.commands[KEY].status == "queued"
    )
    (folder / "part0.job").write_text("41\n")  # it ran and left the queue while insarproj was dead
    (folder / f"{KEY}.start").write_text("41 0\n")
    (folder / f"{KEY}.rc").write_text("0 41\n")
    view = judge_step(logs, "run_03", specs, subs, [])
    assert view.adopted == {(1, 0): "41"} and view.live_jobs == [] and view.commands[KEY].status == "done"


def test_sacct_names_why_a_task_was_killed_asked_once(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from insarproj.isce.slurm import commands

    fake = tmp_path / "bin" / "sacct"  # a stand-in sacct: this cluster's accounting is off
    fake.parent.mkdir()
    fake.write_text(
        f'#!/bin/sh\necho "$*" >> {tmp_path}/calls\necho "900_0|TIMEOUT"\necho "900_1|OUT_OF_MEMORY "\n'
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    monkeypatch.setattr(commands, "_ENDED", {})
    monkeypatch.setattr(commands, "_ASKED", {})
    slurm = commands.SlurmCommands()
    assert slurm.accounting(["900"]) == {"900_0": "TIMEOUT", "900_1": "OUT_OF_MEMORY"}
    assert slurm.accounting(["900"])["900_0"] == "TIMEOUT"
    assert len((tmp_path / "calls").read_text().splitlines()) == 1  # ended jobs are asked about once

    folder = submission_folder(tmp_path / "logs", "run_03", 1)
    folder.mkdir(parents=True)
    (folder / f"{KEY}.start").write_text("900 0\n")
    subs = [{"n": 1, "parts": [{"part": 0, "job_id": "900", "keys": [KEY]}]}]
    view = judge_step(tmp_path / "logs", "run_03", [CommandSpec(KEY, "cmd")], subs, [], {"900_0": "TIMEOUT"})
    assert (
        view.commands[KEY].reason.startswith("no exit status (TIMEOUT: it reached its time limit")
        and view.commands[KEY].failures == 1
    )


def test_a_step_exhausted_since_its_plan_is_recorded_failed_for_good(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Its last attempt failed between an `apply --wait` round's plan and its action: recorded
    failed and reported failed for good (apply exits 4), not raised as an error (exit 1)."""
    from types import SimpleNamespace

    from insarproj.engine.model import Action, Op
    from insarproj.kinds import isce_slurm

    view = SimpleNamespace(
        commands={KEY: object()}, count=lambda status: 0, todo=lambda n: [], exhausted=lambda n: [KEY]
    )
    monkeypatch.setattr(isce_slurm, "await_sbatch", lambda *args: None)
    monkeypatch.setattr(isce_slurm, "SlurmCommands", lambda prefix: SimpleNamespace(queue=lambda: []))
    monkeypatch.setattr(isce_slurm, "project_prefix", lambda lineage: "p")
    monkeypatch.setattr(isce_slurm, "step_view", lambda *args: view)
    monkeypatch.setattr(isce_slurm, "_attributes", lambda record, spec, view: {"run_file": "r"})
    monkeypatch.setattr(isce_slurm, "_max_attempts", lambda ctx, spec, view: 2)
    monkeypatch.setattr(isce_slurm, "describe", lambda view, n: "0/1 done, 1 failed, attempt 2 of 2")
    action = Action(address="isce_step.A064.03_x", kind="isce_step", op=Op.CREATE, reason="r", payload={})
    ctx = SimpleNamespace(state=SimpleNamespace(lineage="l", resources={}), project=None)
    outcome = isce_slurm.run_slurm(action, ctx, {"attributes": {"fingerprint": "g"}})  # type: ignore[arg-type]
    assert outcome.failed_for_good and "attempt 2 of 2" in (outcome.message or "")
    assert [op["record"]["status"] for op in outcome.ops] == ["failed"]  # type: ignore[index]
